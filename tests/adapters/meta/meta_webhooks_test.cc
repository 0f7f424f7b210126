// The subscription handshake and X-Hub-Signature-256 of Meta's webhooks
// (https://developers.facebook.com/docs/graph-api/webhooks/getting-started), without a server.

#include "adapters/meta/meta_webhooks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "gateway/core/crypto.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Verdict = InboundOutcome::Verdict;

constexpr char kVerifyToken[] = "wa-verify-7f3c91d2e8b64a05";
constexpr char kAppSecret[] = "9c1e4f7a2b8d3e6f0a5c7b9d1e3f5a7c";

// A delivery report body as Meta posts it, byte for byte.
constexpr char kBody[] =
    R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":)"
    R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",)"
    R"("phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI)"
    R"(zRkE3QzZBRjk2QjRCQzgwMEIA","status":"delivered","timestamp":"1717430460",)"
    R"("recipient_id":"4915112345678"}]},"field":"messages"}]}]})";

// A request with these query parameters and headers (names as given; the server's lookup is
// case-insensitive, which the test does not need).
struct FakeRequest {
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;
  std::string body;

  InboundRequest Get() const {
    InboundRequest r;
    r.target = "/v1/inbound/whatsapp/wa-berlin";
    r.body = body;
    r.public_url = "https://gateway.example.org/v1/inbound/whatsapp/wa-berlin";
    r.query = [this](std::string_view name) {
      const auto it = query.find(std::string(name));
      return it == query.end() ? std::string() : it->second;
    };
    r.header = [this](std::string_view name) {
      const auto it = headers.find(std::string(name));
      return it == headers.end() ? std::string() : it->second;
    };
    return r;
  }
};

FakeRequest Handshake() {
  FakeRequest f;
  f.query = {{"hub.mode", "subscribe"},
             {"hub.verify_token", kVerifyToken},
             {"hub.challenge", "1158201444"}};
  return f;
}

FakeRequest Signed(std::string body, std::string signature) {
  FakeRequest f;
  f.body = std::move(body);
  f.headers["X-Hub-Signature-256"] = std::move(signature);
  return f;
}

// --- Subscription handshake ---------------------------------------------------------------------

TEST(MetaSubscriptionTest, TheRightTokenEchoesTheChallengeAsPlainText) {
  const FakeRequest f = Handshake();
  const InboundOutcome o = VerifyMetaSubscription(f.Get(), kVerifyToken);
  EXPECT_EQ(o.verdict, Verdict::kAccept);
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(o.content_type, "text/plain");
  EXPECT_EQ(o.body, "1158201444");
  EXPECT_TRUE(o.batch.messages.empty());
  EXPECT_TRUE(o.batch.reports.empty());
  EXPECT_TRUE(o.batch.opt_outs.empty());
  EXPECT_TRUE(o.reason.empty());
}

TEST(MetaSubscriptionTest, AnotherTokenIsForbiddenWithoutQuotingIt) {
  FakeRequest f = Handshake();
  f.query["hub.verify_token"] = "guessed-token-0001";
  const InboundOutcome o = VerifyMetaSubscription(f.Get(), kVerifyToken);
  EXPECT_EQ(o.verdict, Verdict::kRefuse);
  EXPECT_EQ(o.status, 403);
  EXPECT_EQ(o.reason, "hub.verify_token does not match");
  EXPECT_THAT(o.reason, Not(HasSubstr("guessed")));
  EXPECT_TRUE(o.body.empty());

  // A prefix of the right token, and the right token with a different case, do not match.
  f.query["hub.verify_token"] = std::string(kVerifyToken).substr(0, 10);
  EXPECT_EQ(VerifyMetaSubscription(f.Get(), kVerifyToken).status, 403);
  f.query["hub.verify_token"] = AsciiUpper(kVerifyToken);
  EXPECT_EQ(VerifyMetaSubscription(f.Get(), kVerifyToken).status, 403);
}

TEST(MetaSubscriptionTest, AnAccountWithoutAVerifyTokenAcceptsNoSubscription) {
  const FakeRequest f = Handshake();
  const InboundOutcome o = VerifyMetaSubscription(f.Get(), "");
  EXPECT_EQ(o.verdict, Verdict::kRefuse);
  EXPECT_EQ(o.status, 403);
  EXPECT_TRUE(o.body.empty());
}

TEST(MetaSubscriptionTest, AMissingParameterIsNamed) {
  for (const char* name : {"hub.mode", "hub.verify_token", "hub.challenge"}) {
    FakeRequest f = Handshake();
    f.query.erase(name);
    const InboundOutcome o = VerifyMetaSubscription(f.Get(), kVerifyToken);
    EXPECT_EQ(o.verdict, Verdict::kInvalid) << name;
    EXPECT_EQ(o.status, 400) << name;
    EXPECT_EQ(o.reason, std::string(name) + " is missing");
    EXPECT_TRUE(o.body.empty()) << name;
  }
}

TEST(MetaSubscriptionTest, AChallengeOver128CharactersIsRefused) {
  FakeRequest f = Handshake();
  f.query["hub.challenge"] = std::string(128, '7');
  EXPECT_EQ(VerifyMetaSubscription(f.Get(), kVerifyToken).body, std::string(128, '7'));

  f.query["hub.challenge"] = std::string(129, '7');
  const InboundOutcome o = VerifyMetaSubscription(f.Get(), kVerifyToken);
  EXPECT_EQ(o.verdict, Verdict::kInvalid);
  EXPECT_EQ(o.status, 400);
  EXPECT_THAT(o.reason, HasSubstr("hub.challenge"));
  EXPECT_TRUE(o.body.empty());
}

TEST(MetaSubscriptionTest, AModeOtherThanSubscribeIsNotAccepted) {
  FakeRequest f = Handshake();
  f.query["hub.mode"] = "unsubscribe";
  const InboundOutcome o = VerifyMetaSubscription(f.Get(), kVerifyToken);
  EXPECT_EQ(o.verdict, Verdict::kInvalid);
  EXPECT_EQ(o.status, 400);
  EXPECT_THAT(o.reason, HasSubstr("hub.mode"));
  EXPECT_TRUE(o.body.empty());
}

// --- X-Hub-Signature-256 ------------------------------------------------------------------------

TEST(MetaSignatureTest, IsSha256AndTheLowerCaseHexHmacOfTheBody) {
  // RFC 4231 test case 2: HMAC-SHA256 of "what do ya want for nothing?" under key "Jefe".
  EXPECT_EQ(MetaSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string signature = MetaSignature(kAppSecret, kBody);
  EXPECT_EQ(signature, "sha256=" + HexEncode(HmacSha256(kAppSecret, kBody)));
  EXPECT_EQ(signature.size(), 7u + 64u);
  EXPECT_EQ(signature, AsciiLower(signature));
}

TEST(MetaSignatureTest, AMatchingSignaturePassesInLowerOrUpperCaseHex) {
  const std::string lower = MetaSignature(kAppSecret, kBody);
  const std::optional<InboundOutcome> from_lower =
      CheckMetaSignature(Signed(kBody, lower).Get(), kAppSecret);
  EXPECT_FALSE(from_lower.has_value()) << from_lower->reason;
  const std::string upper = "sha256=" + AsciiUpper(lower.substr(7));
  ASSERT_NE(upper, lower);
  const std::optional<InboundOutcome> from_upper =
      CheckMetaSignature(Signed(kBody, upper).Get(), kAppSecret);
  EXPECT_FALSE(from_upper.has_value()) << from_upper->reason;
}

TEST(MetaSignatureTest, AMissingHeaderIsUnauthorized) {
  FakeRequest f;
  f.body = kBody;
  const std::optional<InboundOutcome> o = CheckMetaSignature(f.Get(), kAppSecret);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->verdict, Verdict::kRefuse);
  EXPECT_EQ(o->status, 401);
  EXPECT_EQ(o->reason, "X-Hub-Signature-256 is missing");
}

TEST(MetaSignatureTest, AnotherSignatureIsForbiddenWithoutQuotingIt) {
  const std::string other = MetaSignature("another-apps-secret", kBody);
  const std::optional<InboundOutcome> o =
      CheckMetaSignature(Signed(kBody, other).Get(), kAppSecret);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->verdict, Verdict::kRefuse);
  EXPECT_EQ(o->status, 403);
  EXPECT_EQ(o->reason, "X-Hub-Signature-256 does not match");
  EXPECT_THAT(o->reason, Not(HasSubstr(other.substr(7, 16))));

  const std::string right = MetaSignature(kAppSecret, kBody);
  for (const std::string& bad : {
           right.substr(7),                    // Without "sha256=".
           "sha1=" + right.substr(7),          // Another algorithm's name.
           right.substr(0, right.size() - 1),  // One hex digit short.
           right + "0",                        // One too many.
           std::string("sha256="),             // Nothing after the prefix.
           "sha256=" + std::string(64, 'z'),   // Not hex.
       }) {
    const std::optional<InboundOutcome> refused =
        CheckMetaSignature(Signed(kBody, bad).Get(), kAppSecret);
    ASSERT_TRUE(refused.has_value()) << bad;
    EXPECT_EQ(refused->status, 403) << bad;
  }
}

TEST(MetaSignatureTest, AnAccountWithoutAnAppSecretAcceptsNothing) {
  // Even a signature made with the empty key: an unset secret must not be a known one.
  const std::string empty_key = MetaSignature("", kBody);
  const std::optional<InboundOutcome> o = CheckMetaSignature(Signed(kBody, empty_key).Get(), "");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->verdict, Verdict::kRefuse);
  EXPECT_EQ(o->status, 403);
}

TEST(MetaSignatureTest, TheSignatureCoversTheExactRawBytes) {
  const std::string signature = MetaSignature(kAppSecret, kBody);
  // The same JSON with one more space: equal as JSON, not as bytes.
  std::string spaced = kBody;
  spaced.insert(spaced.find("\"entry\""), " ");
  const std::optional<InboundOutcome> o =
      CheckMetaSignature(Signed(spaced, signature).Get(), kAppSecret);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->status, 403);

  // A trailing newline is a different body too.
  EXPECT_TRUE(CheckMetaSignature(Signed(std::string(kBody) + "\n", signature).Get(), kAppSecret)
                  .has_value());
  // Meta escapes non-ASCII as \uXXXX in what it signs; the escaped and the raw UTF-8 forms
  // differ as bytes, so only the one received verifies.
  const std::string escaped = R"({"text":{"body":"Gr\u00fc\u00dfe"}})";
  const std::string raw =
      "{\"text\":{\"body\":\"Gr\xC3\xBC\xC3\x9F"
      "e\"}}";
  const std::string escaped_signature = MetaSignature(kAppSecret, escaped);
  const std::optional<InboundOutcome> as_sent =
      CheckMetaSignature(Signed(escaped, escaped_signature).Get(), kAppSecret);
  EXPECT_FALSE(as_sent.has_value()) << as_sent->reason;
  EXPECT_TRUE(CheckMetaSignature(Signed(raw, escaped_signature).Get(), kAppSecret).has_value());
}

}  // namespace
}  // namespace ogw
