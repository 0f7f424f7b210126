#pragma once

// What every Meta platform (WhatsApp Cloud API, Messenger) does the same way on its webhooks:
// the GET subscription handshake and the X-Hub-Signature-256 on every POST
// (https://developers.facebook.com/docs/graph-api/webhooks/getting-started).

#include <optional>
#include <string>
#include <string_view>

#include "adapters/provider_type.h"

namespace ogw {

// The GET Meta sends when a webhook URL is saved in the app's settings:
//   ?hub.mode=subscribe&hub.verify_token=<the token typed in there>&hub.challenge=<digits>
// Accepted (200 text/plain, the challenge echoed and nothing stored) when hub.mode is
// "subscribe" and hub.verify_token equals `verify_token` (constant time); 403 when the token
// differs or `verify_token` is empty; 400 naming the parameter when one is missing or the
// challenge is longer than 128 characters.
InboundOutcome VerifyMetaSubscription(const InboundRequest& request, std::string_view verify_token);

// The X-Hub-Signature-256 of a POST: "sha256=" and the lower-case hex HMAC-SHA256 of the raw
// body under the app secret.
std::string MetaSignature(std::string_view app_secret, std::string_view body);

// Checks a POST's X-Hub-Signature-256 against `app_secret` before anything reads the body:
// nullopt when it matches (constant time, hex in either case); otherwise the refusal to
// answer: 401 when the header is missing, 403 when it does not match or `app_secret` is empty.
std::optional<InboundOutcome> CheckMetaSignature(const InboundRequest& request,
                                                 std::string_view app_secret);

}  // namespace ogw
