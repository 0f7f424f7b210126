#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tests/testutil/http_sink.h"

namespace ogw::testing {

// A message the fake accepted (answered 201), as Twilio would store it.
struct FakeTwilioMessage {
  std::string sid;  // "SM" + 32 hex digits.
  std::string to;
  std::string from;  // Empty when only MessagingServiceSid was given.
  std::string messaging_service_sid;
  std::string body;
  std::string status_callback;
  int num_segments = 1;
};

// What a callback POST from the fake got back.
struct FakeTwilioCallback {
  int status = 0;           // The receiver's HTTP status; 0 when the request failed.
  std::string message_sid;  // The MessageSid the fake sent.
};

// An in-process stand-in for api.twilio.com on a loopback port (built on HttpSink), answering
//   POST /2010-04-01/Accounts/{AccountSid}/Messages.json
// the way Twilio documents it:
//   - Basic auth must be the configured AccountSid:AuthToken, and the URL's AccountSid that
//     account: else 401 {"code":20003,"message":"Authenticate",...}.
//   - To is required (400, 21604); From or MessagingServiceSid (400, 21603); Body (400, 21602).
//   - To must be E.164 (+ and 2..15 digits, no leading 0): else 400, 21211.
//   - Body longer than 1600 characters: 400, 21617.
//   - To registered as opted out (AddOptedOut, or an inbound STOP): 400, 21610.
//   - Otherwise 201 with a Message resource: sid "SM"+32 hex, status "queued" ("accepted" when
//     only a Messaging Service was given), to, from, body, num_segments, date_created, ...
// Errors carry Twilio's {"code","message","more_info","status"} JSON; other paths answer 404
// (20404) and other methods 405.
//
// Scriptable faults apply to the next N requests, before authentication, in the order
// hang > throttle > fail when several are armed:
//   FailNext      500 {"code":20500,...}
//   ThrottleNext  429 {"code":20429,...} with Retry-After: <seconds>
//   HangNext      processed normally but answered only after `hang_ms`.
//
// Thread-safe: every method may be called from any thread while the fake runs.
class FakeTwilio {
 public:
  FakeTwilio(std::string account_sid, std::string auth_token);
  ~FakeTwilio();  // Stops.
  FakeTwilio(const FakeTwilio&) = delete;
  FakeTwilio& operator=(const FakeTwilio&) = delete;

  // Listens on 127.0.0.1 (any free port). False, with `*error` if given, when it cannot.
  bool Start(std::string* error = nullptr);
  void Stop();

  // The api_base to configure a TwilioProvider with: "http://127.0.0.1:<port>".
  std::string BaseUrl() const { return sink_.BaseUrl(); }
  const std::string& account_sid() const { return account_sid_; }
  const std::string& auth_token() const { return auth_token_; }

  void AddOptedOut(const std::string& number);
  void FailNext(size_t count);
  void ThrottleNext(size_t count, int retry_after_seconds);
  void HangNext(size_t count, int64_t hang_ms);

  std::vector<FakeTwilioMessage> Accepted() const;
  uint64_t requests() const { return sink_.requests(); }
  // Keeps the last `count` raw requests for Recorded(), as HttpSink does.
  void set_recording(size_t count) { sink_.set_recording(count); }
  std::vector<SinkRequest> Recorded() const { return sink_.Recorded(); }

  // POSTs a StatusCallback form (AccountSid, ApiVersion, From, MessageSid, MessageStatus,
  // SmsSid, SmsStatus, To, and ErrorCode when not 0) for the accepted message `sid` to `url`,
  // signed with X-Twilio-Signature under the auth token.
  FakeTwilioCallback SendStatusCallback(const std::string& url, const std::string& sid,
                                        const std::string& status, int error_code = 0);
  // POSTs an incoming-message form (AccountSid, ApiVersion, Body, From, MessageSid, NumMedia,
  // NumSegments, SmsMessageSid, SmsSid, SmsStatus, To, and OptOutType for Twilio's default
  // opt-out / opt-in / help keywords) to `url`, signed. A STOP keyword registers `from` as
  // opted out, a START keyword clears it, as Twilio's default opt-out handling does.
  FakeTwilioCallback SendInboundSms(const std::string& url, const std::string& from,
                                    const std::string& to, const std::string& body);

 private:
  SinkResponse Handle(const SinkRequest& request);
  SinkResponse CreateMessage(const std::string& body);
  FakeTwilioCallback PostSigned(const std::string& url,
                                const std::vector<std::pair<std::string, std::string>>& params);

  const std::string account_sid_;
  const std::string auth_token_;
  const std::string expected_authorization_;  // "Basic base64(sid:token)".
  mutable std::mutex mu_;
  std::set<std::string> opted_out_;          // Guarded by mu_.
  std::vector<FakeTwilioMessage> accepted_;  // Guarded by mu_.
  size_t fail_next_ = 0;                     // Guarded by mu_.
  size_t throttle_next_ = 0;                 // Guarded by mu_.
  int retry_after_seconds_ = 0;              // Guarded by mu_.
  size_t hang_next_ = 0;                     // Guarded by mu_.
  int64_t hang_ms_ = 0;                      // Guarded by mu_.
  HttpSink sink_;  // Last: stopped first, while the state its responder uses still exists.
};

}  // namespace ogw::testing
