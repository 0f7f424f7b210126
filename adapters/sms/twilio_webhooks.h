#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace ogw {

// Ordered name/value pairs of an application/x-www-form-urlencoded body, repeats kept.
using FormParams = std::vector<std::pair<std::string, std::string>>;

// Decodes an application/x-www-form-urlencoded body: pairs split on '&', name and value on the
// first '=', '+' read as a space and %XX as the byte XX (so UTF-8 arrives as sent). Empty
// segments ("a=1&&b=2") are skipped; a segment without '=' is a name with an empty value.
// InvalidArgument when a '%' is not followed by two hex digits.
absl::StatusOr<FormParams> ParseFormUrlEncoded(std::string_view body);

// The inverse: every byte but ALPHA / DIGIT / "-._~" percent-encoded (space as %20), pairs
// joined with '&' in the given order.
std::string EncodeFormUrlEncoded(const FormParams& params);

// The pairs as "name=value&..." (unencoded) without those that authenticate the request
// ("key", "sig"): what a quarantine keeps of a webhook that cannot be read.
std::string FormWithoutCredentials(const FormParams& params);

// Twilio's X-Twilio-Signature for a request: base64(HMAC-SHA1(auth_token, full_url followed by
// each POST parameter's name and value with no delimiters, parameters sorted by name)). The
// URL is used exactly as given (scheme, host, port, path and query as Twilio requested it).
// Parameters with the same name are ordered by value, as Twilio's helper libraries do.
// See https://www.twilio.com/docs/usage/webhooks/webhooks-security.
std::string TwilioSignature(std::string_view auth_token, std::string_view full_url,
                            const FormParams& form_params);

// Whether `signature` (the X-Twilio-Signature header) matches TwilioSignature() for the
// request. Compares in constant time; false for an empty signature or an empty auth token.
bool VerifyTwilioSignature(std::string_view auth_token, std::string_view full_url,
                           const FormParams& form_params, std::string_view signature);

// A delivery report POSTed to a message's StatusCallback URL.
struct TwilioStatusUpdate {
  std::string message_sid;  // "SM..." / "MM..." (MessageSid, else SmsSid).
  std::string status;       // queued, sending, sent, delivered, undelivered, failed, read, ...
  int error_code = 0;       // ErrorCode (e.g. 30003); 0 when absent or empty.
  std::string to;
  std::string from;
};

// Reads a StatusCallback form. InvalidArgument naming the field when MessageSid (or SmsSid) or
// MessageStatus (or SmsStatus) is missing or empty, or when ErrorCode is not a number.
absl::StatusOr<TwilioStatusUpdate> ParseTwilioStatusUpdate(const FormParams& form_params);

// A message someone sent to one of the account's numbers (the incoming-message webhook).
struct TwilioInboundSms {
  std::string message_sid;
  std::string from;
  std::string to;
  std::string body;          // Empty when absent (e.g. a picture without text).
  int num_segments = 1;      // NumSegments; 1 when absent.
  std::string opt_out_type;  // OptOutType ("STOP", "START", "HELP") when present, else empty.
};

// Reads an incoming-message form. InvalidArgument naming the field when MessageSid (or
// SmsMessageSid / SmsSid), From or To is missing or empty, or NumSegments is not a number.
absl::StatusOr<TwilioInboundSms> ParseTwilioInboundSms(const FormParams& form_params);

}  // namespace ogw
