// KannelProvider without a server: the GSM-7 check that picks the coding, the sendsms URL it
// builds, and how it reads every answer smsbox gives (Classify). Sending to HttpSink is
// kannel_provider_test.cc.

#include "adapters/sms/kannel_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/common/http_batch_client.h"
#include "templates/sms_encoding.h"
#include "tests/adapters/sms/kannel_test_util.h"

namespace ogw {
namespace {

using ::testing::StartsWith;
using Outcome = SendResult::Outcome;
using kannel_test::kPassword;
using kannel_test::Message;

// --- Requests -----------------------------------------------------------------------------------

TEST(KannelGsm7Test, AgreesWithTheSegmentCounterOnEveryCharacter) {
  // The gateway charges by AnalyzeSms's segments; smsbox must be told the same encoding.
  for (char32_t c = 1; c < 0x10000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    std::string utf8;
    if (c < 0x80) {
      utf8 = {static_cast<char>(c)};
    } else if (c < 0x800) {
      utf8 = {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
    } else {
      utf8 = {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
              static_cast<char>(0x80 | (c & 0x3F))};
    }
    const absl::StatusOr<SmsInfo> info = AnalyzeSms(utf8);
    ASSERT_TRUE(info.ok()) << static_cast<uint32_t>(c);
    ASSERT_EQ(KannelProvider::IsGsm7(utf8), info->encoding == SmsEncoding::kGsm7)
        << "U+" << std::hex << static_cast<uint32_t>(c);
  }
  EXPECT_FALSE(KannelProvider::IsGsm7("\xF0\x9F\x99\x82"));  // U+1F642.
  for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80"}) {
    EXPECT_FALSE(KannelProvider::IsGsm7(bad)) << bad;
  }
  EXPECT_TRUE(KannelProvider::IsGsm7(""));
}

TEST(KannelRequestTest, SendsmsUrlWithQueryKeepsIt) {
  KannelConfig config;
  config.sendsms_url = "http://kannel.internal:13013/cgi-bin/sendsms?account=org_1";
  config.username = "u";
  config.password = "p&w=1";
  EXPECT_THAT(KannelProvider::RequestUrl(config, Message("x")),
              StartsWith("http://kannel.internal:13013/cgi-bin/sendsms?account=org_1&username=u"
                         "&password=p%26w%3D1&to="));
}

// --- Classifying smsbox's answers ---------------------------------------------------------------

TEST(KannelClassifyTest, EveryAnswerSmsboxGives) {
  // The answers of Kannel 1.4.5's smsbox (gw/smsbox.c), as it sends them.
  struct Case {
    long status;
    std::string body;
    Outcome outcome;
    std::string code;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {202, "0: Accepted for delivery", Outcome::kAccepted, "", ""},
      {202, "3: Queued for later delivery", Outcome::kAccepted, "", ""},
      {202, "Sent.", Outcome::kAccepted, "", ""},  // immediate-sendsms-reply.
      {403, "Authorization failed for sendsms", Outcome::kPermanent, "kannel_403",
       "Authorization failed for sendsms"},
      {403, "Not routable. Do not try again.", Outcome::kPermanent, "kannel_403",
       "Not routable. Do not try again."},
      {400, "Missing receiver number, rejected", Outcome::kPermanent, "kannel_400",
       "Missing receiver number, rejected"},
      {400, "Empty receiver number not allowed, rejected", Outcome::kPermanent, "kannel_400",
       "Empty receiver number not allowed, rejected"},
      {400, "Sender missing and no global set, rejected", Outcome::kPermanent, "kannel_400",
       "Sender missing and no global set, rejected"},
      {400, "Charset or body misformed, rejected", Outcome::kPermanent, "kannel_400",
       "Charset or body misformed, rejected"},
      {400, "Number(s) has/have been denied by white- and/or black-lists.", Outcome::kPermanent,
       "kannel_400", "Number(s) has/have been denied by white- and/or black-lists."},
      {400, "DLR-URL field misformed, rejected", Outcome::kPermanent, "kannel_400",
       "DLR-URL field misformed, rejected"},
      {404, "Unknown request.", Outcome::kPermanent, "kannel_404", "Unknown request."},
      {500, "Sending failed.", Outcome::kTransient, "kannel_500", "Sending failed."},
      {503, "Temporal failure, try again later.", Outcome::kTransient, "kannel_503",
       "Temporal failure, try again later."},
      // Not smsbox, but what may stand in front of it.
      {502, "<html><body>Bad Gateway</body></html>", Outcome::kTransient, "kannel_502",
       "Bad Gateway"},
      {429, "", Outcome::kTransient, "kannel_429", "Too Many Requests"},
      {408, "timeout\nmore", Outcome::kTransient, "kannel_408", "timeout"},
      {301, "", Outcome::kPermanent, "kannel_301", "Moved Permanently"},
  };
  const std::vector<std::string> secrets = {kPassword};
  for (const Case& c : cases) {
    HttpResponse response;
    response.status = c.status;
    response.body = c.body;
    response.status_text = c.status == 502   ? "Bad Gateway"
                           : c.status == 429 ? "Too Many Requests"
                           : c.status == 301 ? "Moved Permanently"
                                             : "";
    const SendResult r = KannelProvider::Classify(response, Message("c1:0"), secrets, 0);
    EXPECT_EQ(r.outcome, c.outcome) << c.status << " " << c.body;
    EXPECT_EQ(r.code, c.code) << c.body;
    EXPECT_EQ(r.reason, c.reason) << c.body;
    EXPECT_EQ(r.provider_message_id, "");
  }
}

TEST(KannelClassifyTest, RetryAfterAndLongReasons) {
  HttpResponse response;
  response.status = 503;
  response.body = "Temporal failure, try again later.";
  response.retry_after = "30";
  SendResult r = KannelProvider::Classify(response, Message("c1:0"), {}, 0);
  EXPECT_EQ(r.retry_after_millis, 30000);
  response.status = 400;
  std::string long_answer;
  for (int i = 0; i < 150; ++i) long_answer += "é";
  response.body = long_answer;
  r = KannelProvider::Classify(response, Message("c1:0"), {}, 0);
  EXPECT_EQ(r.retry_after_millis, 0);
  EXPECT_EQ(r.reason, long_answer.substr(0, 200));
}

TEST(KannelClassifyTest, AnswersQuotingThePasswordOrTheTextAreReplaced) {
  const std::vector<std::string> secrets = {kPassword, "kannel-pass-4711-encoded"};
  HttpResponse response;
  response.status = 403;
  response.status_text = "Forbidden";
  response.body = std::string("Authorization failed for sendsms (password ") + kPassword + ")";
  SendResult r = KannelProvider::Classify(response, Message("c1:0"), secrets, 0);
  EXPECT_EQ(r.code, "kannel_403");
  EXPECT_EQ(r.reason, "Forbidden");
  response.status = 400;
  response.status_text = "Bad Request";
  response.body = "Rejected: Meeting on Friday at the community hall";
  r = KannelProvider::Classify(response, Message("c1:0"), secrets, 0);
  EXPECT_EQ(r.reason, "Bad Request");
}

}  // namespace
}  // namespace ogw
