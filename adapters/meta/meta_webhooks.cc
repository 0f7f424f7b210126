#include "adapters/meta/meta_webhooks.h"

#include "gateway/core/crypto.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr std::string_view kSignatureHeader = "X-Hub-Signature-256";
constexpr std::string_view kSignaturePrefix = "sha256=";
// Meta's challenges are short integers; anything longer is not Meta's handshake, and echoing
// it would make the route a reflector.
constexpr size_t kMaxChallengeBytes = 128;

}  // namespace

InboundOutcome VerifyMetaSubscription(const InboundRequest& request,
                                      std::string_view verify_token) {
  const std::string mode = request.query("hub.mode");
  const std::string token = request.query("hub.verify_token");
  std::string challenge = request.query("hub.challenge");
  if (mode.empty()) return InboundOutcome::Invalid("hub.mode is missing");
  if (token.empty()) return InboundOutcome::Invalid("hub.verify_token is missing");
  if (challenge.empty()) return InboundOutcome::Invalid("hub.challenge is missing");
  if (challenge.size() > kMaxChallengeBytes) {
    return InboundOutcome::Invalid("hub.challenge is longer than 128 characters");
  }
  // An account without a verify token accepts no subscription; the caller is not told which
  // of the two it was.
  if (verify_token.empty() || !ConstantTimeEquals(token, verify_token)) {
    return InboundOutcome::Refuse(403, "hub.verify_token does not match");
  }
  if (mode != "subscribe") return InboundOutcome::Invalid("hub.mode is not \"subscribe\"");
  InboundOutcome out;
  out.status = 200;
  out.content_type = "text/plain";
  out.body = std::move(challenge);
  return out;
}

std::string MetaSignature(std::string_view app_secret, std::string_view body) {
  return std::string(kSignaturePrefix) + HexEncode(HmacSha256(app_secret, body));
}

std::optional<InboundOutcome> CheckMetaSignature(const InboundRequest& request,
                                                 std::string_view app_secret) {
  const std::string header = request.header(kSignatureHeader);
  const std::string_view presented = TrimAsciiSpace(header);
  if (presented.empty()) return InboundOutcome::Refuse(401, "X-Hub-Signature-256 is missing");
  const InboundOutcome mismatch = InboundOutcome::Refuse(403, "X-Hub-Signature-256 does not match");
  if (app_secret.empty()) return mismatch;
  if (!StartsWithIgnoreAsciiCase(presented, kSignaturePrefix)) return mismatch;
  // HexEncode writes lower case; the presented hex is compared in lower case too.
  const std::string presented_hex = AsciiLower(presented.substr(kSignaturePrefix.size()));
  const std::string expected_hex = HexEncode(HmacSha256(app_secret, request.body));
  if (!ConstantTimeEquals(presented_hex, expected_hex)) return mismatch;
  return std::nullopt;
}

}  // namespace ogw
