#include "adapters/sms/kannel_provider.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "adapters/common/http_answer.h"
#include "adapters/common/http_batch_client.h"
#include "adapters/sms/kannel_webhooks.h"
#include "adapters/sms/twilio_webhooks.h"
#include "templates/sms_encoding.h"
#include "tests/testutil/http_sink.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;
using Outcome = SendResult::Outcome;
using State = DeliveryReport::State;
using ogw::testing::HttpSink;
using ogw::testing::SinkRequest;
using ogw::testing::SinkResponse;

constexpr char kPassword[] = "kannel-pass-4711";
constexpr char kDlrSecret[] = "dlr-hmac-key-0815";
constexpr char kProvider[] = "kannel-test";
constexpr char kDlrBase[] = "http://127.0.0.1:8080/v1/inbound/kannel/kannel-test/dlr";

OutboundMessage Message(const std::string& id, const std::string& to = "+4917012345678") {
  OutboundMessage m;
  m.message_id = id;
  m.org_id = "org_1";
  m.channel = "sms";
  m.to = to;
  m.text = "Meeting on Friday at the community hall, 18:00.";
  return m;
}

std::string Dump(const SendResult& r) {
  return std::string(OutcomeName(r.outcome)) + "|" + r.provider_message_id + "|" + r.code + "|" +
         r.reason + "|" + std::to_string(r.retry_after_millis);
}

void ExpectNoSecrets(const SendResult& r) {
  EXPECT_THAT(Dump(r), Not(HasSubstr(kPassword)));
  EXPECT_THAT(Dump(r), Not(HasSubstr(kDlrSecret)));
}

// The query of a request target ("/path?query"), decoded.
FormParams Query(const std::string& target) {
  const size_t question = target.find('?');
  if (question == std::string::npos) return {};
  absl::StatusOr<FormParams> params = ParseFormUrlEncoded(target.substr(question + 1));
  EXPECT_TRUE(params.ok()) << params.status();
  return params.ok() ? *params : FormParams{};
}

std::string Param(const FormParams& params, const std::string& name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return "<absent>";
}

std::string ErrorText(const absl::Status& status) { return std::string(MessageOf(status)); }

// What smsbox does with a dlr-url or get-url template (urltrans_fill_escape_codes in Kannel's
// gw/urltrans.c): "%%" becomes '%', a known escape its value URL-encoded, and '%' before any
// other character stays as it is.
std::string FillKannelEscapes(const std::string& pattern,
                              const std::map<char, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      out.push_back(pattern[i]);
      continue;
    }
    const char code = pattern[++i];
    if (code == '%') {
      out.push_back('%');
    } else if (const auto it = values.find(code); it != values.end()) {
      std::string encoded = EncodeFormUrlEncoded({{it->second, ""}});
      encoded.pop_back();
      out += encoded;
    } else {
      out += {'%', code};
    }
  }
  return out;
}

class KannelProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(sink_.Start(0, &error)) << error;
    sink_.set_recording(100);
    Answer(202, "0: Accepted for delivery");
  }

  // smsbox answers text/html, whatever its text.
  void Answer(int status, std::string body) {
    sink_.set_responder([=](const SinkRequest&) {
      return SinkResponse{status, {{"Content-Type", "text/html"}}, body};
    });
  }

  KannelConfig Config() const {
    KannelConfig config;
    config.name = kProvider;
    config.sendsms_url = sink_.BaseUrl() + "/cgi-bin/sendsms";
    config.username = "gateway";
    config.password = kPassword;
    config.from = "+15550001";
    config.dlr_url_base = kDlrBase;
    config.dlr_secret = kDlrSecret;
    config.timeout_ms = 5000;
    return config;
  }

  static SendResult SendOne(const KannelConfig& config, const OutboundMessage& message) {
    KannelProvider provider(config);
    SendResult result;
    provider.SendBatch({&message, 1}, {&result, 1});
    ExpectNoSecrets(result);
    return result;
  }
  SendResult SendOne(const OutboundMessage& message) { return SendOne(Config(), message); }

  SinkRequest LastRequest() const {
    const std::vector<SinkRequest> seen = sink_.Recorded();
    EXPECT_FALSE(seen.empty());
    return seen.empty() ? SinkRequest{} : seen.back();
  }

  HttpSink sink_;
};

// --- Requests -----------------------------------------------------------------------------------

TEST_F(KannelProviderTest, AcceptedGetWithEveryParameter) {
  const SendResult r = SendOne(Message("c1:0"));
  ASSERT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
  EXPECT_EQ(r.code, "");
  EXPECT_EQ(r.provider_message_id, "");  // Kannel names no id; reports carry the gateway's.

  const SinkRequest request = LastRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.body, "");
  EXPECT_THAT(request.path, StartsWith("/cgi-bin/sendsms?username=gateway&password="));
  const std::string dlr_url = std::string(kDlrBase) +
                              "?id=c1%%3A0&sig=" + KannelDlrSignature(kDlrSecret, "c1:0") +
                              "&type=%d&to=%p&answer=%A&fid=%F&ts=%T";
  EXPECT_THAT(Query(request.path),
              ElementsAre(Pair("username", "gateway"), Pair("password", kPassword),
                          Pair("to", "+4917012345678"), Pair("from", "+15550001"),
                          Pair("text", Message("").text), Pair("charset", "UTF-8"),
                          Pair("dlr-mask", "31"), Pair("dlr-url", dlr_url)));
  // '+' must arrive as %2B: smsbox reads a bare '+' as a space.
  EXPECT_THAT(request.path, HasSubstr("&to=%2B4917012345678&from=%2B15550001&"));
  EXPECT_THAT(request.path, Not(HasSubstr("+")));
}

TEST_F(KannelProviderTest, TextOutsideGsm7GoesAsUcs2) {
  struct Case {
    std::string text;
    bool ucs2;
  };
  const std::vector<Case> cases = {
      {"Plain ASCII with {braces} [brackets] ~tilde | pipe \\ and ^", false},
      {"Euro € and £ ¥ è é ù ì ò Ç Ø ø Å å Æ æ ß É ¤ ¡ Ä Ö Ñ Ü § ¿ ä ö ñ ü à", false},
      {"Greek capitals of GSM-7: Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ", false},
      {"line\nbreak\rand form\ffeed", false},
      {"مرحبا، موعدك يوم الجمعة", true},         // Arabic.
      {"Здравствуйте! Приём в пятницу.", true},  // Cyrillic.
      {"Γεια σας", true},                        // Greek small letters are not GSM-7.
      {"ça va", true},                           // Only capital Ç is.
      {"back`tick", true},
      {"tab\there", true},
      {"smile 🙂", true},
  };
  KannelProvider provider(Config());
  for (const Case& c : cases) {
    OutboundMessage m = Message("c1:0");
    m.text = c.text;
    SendResult r;
    provider.SendBatch({&m, 1}, {&r, 1});
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << c.text;
    const FormParams query = Query(LastRequest().path);
    EXPECT_EQ(Param(query, "text"), c.text);
    EXPECT_EQ(Param(query, "charset"), "UTF-8");
    EXPECT_EQ(Param(query, "coding"), c.ucs2 ? "2" : "<absent>") << c.text;
    EXPECT_EQ(KannelProvider::IsGsm7(c.text), !c.ucs2) << c.text;
  }
  // UTF-8 travels percent-encoded byte by byte.
  OutboundMessage arabic = Message("c1:1");
  arabic.text = "مرحبا";
  EXPECT_THAT(KannelProvider::RequestUrl(Config(), arabic),
              HasSubstr("&text=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7&charset=UTF-8&coding=2&"));
}

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

TEST_F(KannelProviderTest, MessageSenderSmscAndNoReports) {
  KannelConfig config = Config();
  config.smsc = "smpp-eu";
  config.dlr_url_base = "";
  OutboundMessage m = Message("c1:0");
  m.from = "Embassy";
  ASSERT_EQ(SendOne(config, m).outcome, Outcome::kAccepted);
  EXPECT_THAT(Query(LastRequest().path),
              ElementsAre(Pair("username", "gateway"), Pair("password", kPassword),
                          Pair("to", "+4917012345678"), Pair("from", "Embassy"),
                          Pair("text", m.text), Pair("charset", "UTF-8"), Pair("smsc", "smpp-eu")));
  config.from = "";
  ASSERT_EQ(SendOne(config, Message("c1:1")).outcome, Outcome::kAccepted);
  EXPECT_EQ(Param(Query(LastRequest().path), "from"), "<absent>");  // smsbox's default-sender.
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

// --- The dlr-url through Kannel's escape filling ----------------------------------------------

TEST(KannelDlrUrlTest, EscapesSurviveKannelAndIdsComeBackExactly) {
  EXPECT_EQ(KannelDlrUrl("http://gw:8080/dlr", "k", "c1:0"),
            "http://gw:8080/dlr?id=c1%%3A0&sig=" + KannelDlrSignature("k", "c1:0") +
                "&type=%d&to=%p&answer=%A&fid=%F&ts=%T");
  // A '%' of the base is doubled too, and a base with a query gets '&'.
  EXPECT_THAT(KannelDlrUrl("http://gw/dlr?org=o%2F1", "k", "x"),
              StartsWith("http://gw/dlr?org=o%%2F1&id=x&sig="));

  // Ids with bytes whose escapes start with a Kannel code letter (%C3 would be %C, the
  // charset) come back intact.
  const std::vector<std::string> ids = {"c1:0", "dm:ünï 1", "a&b=c%41", "Ωmega/7"};
  for (const std::string& id : ids) {
    const std::string url = KannelDlrUrl("http://gw/dlr?org=o%2F1", kDlrSecret, id);
    const std::string filled = FillKannelEscapes(url, {{'d', "1"},
                                                       {'p', "+4917012345678"},
                                                       {'A', "id:1 stat:DELIVRD"},
                                                       {'F', "f00d-1"},
                                                       {'T', "1795864635"},
                                                       {'C', "UTF-8"}});
    const FormParams query = Query(filled);
    EXPECT_EQ(Param(query, "org"), "o/1");
    const absl::StatusOr<KannelDlr> dlr = ParseKannelDlr(query, kProvider, kDlrSecret);
    ASSERT_TRUE(dlr.ok()) << id << ": " << dlr.status();
    EXPECT_EQ(dlr->report.message_id, id);
    EXPECT_EQ(dlr->report.to, "+4917012345678");
  }
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

TEST_F(KannelProviderTest, AnswersOverHttp) {
  Answer(403, "Authorization failed for sendsms");
  SendResult r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.code, "kannel_403");
  EXPECT_EQ(r.reason, "Authorization failed for sendsms");

  Answer(503, "Temporal failure, try again later.");
  r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "kannel_503");

  Answer(202, "3: Queued for later delivery");
  EXPECT_EQ(SendOne(Message("c1:0")).outcome, Outcome::kAccepted);

  // A server that echoes the request (and with it the password) in its error.
  sink_.set_responder([](const SinkRequest& request) {
    return SinkResponse{400, {{"Content-Type", "text/plain"}}, "bad request " + request.path};
  });
  r = SendOne(Message("c1:0"));
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.reason, "Bad Request");
}

TEST_F(KannelProviderTest, SlowAnswerTimesOut) {
  sink_.set_delay_ms(3000);
  KannelConfig config = Config();
  config.timeout_ms = 200;
  const auto start = std::chrono::steady_clock::now();
  const SendResult r = SendOne(config, Message("c1:0"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "timeout");
}

TEST_F(KannelProviderTest, ClosedPortIsConnectFailure) {
  // Bound but not listening: the kernel refuses connections, and no one else can take the port.
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  KannelConfig config = Config();
  config.sendsms_url =
      "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/cgi-bin/sendsms";
  const SendResult r = SendOne(config, Message("c1:0"));
  close(fd);
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "connect");
}

TEST_F(KannelProviderTest, WhatSmsboxWouldMishandleIsRefusedWithoutARequest) {
  KannelProvider provider(Config());
  std::vector<OutboundMessage> messages = {
      // smsbox would send to "+4917011111111" and "+4917022222222" both.
      Message("a", "+4917011111111 +4917022222222"),
      Message("b", "+4917033333333"),
      // smsbox would drop the stray byte and send the rest.
      Message("c", "+4917044444444"),
  };
  messages[2].text = "broken \xC3 text";
  std::vector<SendResult> results(messages.size());
  provider.SendBatch(messages, results);
  EXPECT_EQ(results[0].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[0].code, "invalid_address");
  EXPECT_EQ(results[1].outcome, Outcome::kAccepted);
  EXPECT_EQ(results[2].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[2].code, "invalid_text");
  EXPECT_EQ(results[2].reason, "text is not UTF-8");
  EXPECT_EQ(sink_.requests(), 1u);
  EXPECT_EQ(Param(Query(LastRequest().path), "to"), "+4917033333333");
}

TEST_F(KannelProviderTest, BatchIsInFlightTogether) {
  sink_.set_delay_ms(300);
  KannelProvider provider(Config());
  std::vector<OutboundMessage> messages;
  for (int i = 0; i < 50; ++i) {
    messages.push_back(Message("c2:" + std::to_string(i), "+491701" + std::to_string(1000000 + i)));
  }
  std::vector<SendResult> results(messages.size());
  const auto start = std::chrono::steady_clock::now();
  provider.SendBatch(messages, results);
  // One after the other would take 15 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  for (const SendResult& r : results) EXPECT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
  std::set<std::string> recipients;
  std::set<std::string> ids;
  for (const SinkRequest& request : sink_.Recorded()) {
    const FormParams query = Query(request.path);
    recipients.insert(Param(query, "to"));
    ids.insert(Param(query, "dlr-url"));
  }
  EXPECT_EQ(recipients.size(), messages.size());
  EXPECT_EQ(ids.size(), messages.size());
}

// --- Delivery reports ---------------------------------------------------------------------------

FormParams DlrQuery(const std::string& id, const std::string& type, const std::string& answer,
                    const std::string& secret = kDlrSecret) {
  return {{"id", id},          {"sig", KannelDlrSignature(secret, id)},
          {"type", type},      {"to", "+4917012345678"},
          {"answer", answer},  {"fid", "0a1b2c"},
          {"ts", "1795864635"}};
}

TEST(KannelDlrParseTest, EveryReportType) {
  struct Case {
    std::string type;
    State state;
  };
  for (const Case& c :
       {Case{"1", State::kDelivered}, Case{"2", State::kFailed}, Case{"4", State::kSent},
        Case{"8", State::kSent}, Case{"16", State::kFailed}}) {
    const absl::StatusOr<KannelDlr> dlr =
        ParseKannelDlr(DlrQuery("c1:0", c.type, "ACK/"), kProvider, kDlrSecret);
    ASSERT_TRUE(dlr.ok()) << dlr.status();
    EXPECT_EQ(dlr->type, std::stoi(c.type));
    EXPECT_EQ(dlr->reported_at_ms, 1795864635000);
    const DeliveryReport& report = dlr->report;
    EXPECT_EQ(report.state, c.state) << c.type;
    EXPECT_EQ(report.code, "dlr_" + c.type);
    EXPECT_EQ(report.provider, kProvider);
    EXPECT_EQ(report.message_id, "c1:0");
    EXPECT_EQ(report.provider_message_id, "0a1b2c");
    EXPECT_EQ(report.to, "+4917012345678");
    EXPECT_EQ(report.reason, "ACK/");
    EXPECT_FALSE(report.address_invalid);
    EXPECT_FALSE(report.opted_out);
  }
}

TEST(KannelDlrParseTest, ReasonsNeverQuoteTheMessage) {
  // An SMPP receipt ends with the first characters of the message.
  absl::StatusOr<KannelDlr> dlr = ParseKannelDlr(
      DlrQuery("c1:0", "2",
               "id:0123456789 sub:001 dlvrd:000 submit date:2611281117 done date:2611281118 "
               "stat:UNDELIV err:001 text:Meeting on Friday a"),
      kProvider, kDlrSecret);
  ASSERT_TRUE(dlr.ok());
  EXPECT_EQ(dlr->report.reason,
            "id:0123456789 sub:001 dlvrd:000 submit date:2611281117 done date:2611281118 "
            "stat:UNDELIV err:001");
  dlr =
      ParseKannelDlr(DlrQuery("c1:0", "1", "id:1 stat:DELIVRD Text:hello"), kProvider, kDlrSecret);
  EXPECT_EQ(dlr->report.reason, "id:1 stat:DELIVRD");
  dlr = ParseKannelDlr(DlrQuery("c1:0", "16", "NACK/\xFF\xFE/odd"), kProvider, kDlrSecret);
  EXPECT_EQ(dlr->report.reason,
            "NACK/?"
            "?/odd");  // Kept valid UTF-8 for JSON.
  dlr = ParseKannelDlr(DlrQuery("c1:0", "1", std::string(300, 'x')), kProvider, kDlrSecret);
  EXPECT_EQ(dlr->report.reason.size(), 200u);
}

TEST(KannelDlrParseTest, RejectedDestinationMarksTheAddressInvalid) {
  absl::StatusOr<KannelDlr> dlr = ParseKannelDlr(
      DlrQuery("c1:0", "16", "NACK/0x0000000b/Invalid Destination Address"), kProvider, kDlrSecret);
  ASSERT_TRUE(dlr.ok());
  EXPECT_EQ(dlr->report.state, State::kFailed);
  EXPECT_TRUE(dlr->report.address_invalid);
  EXPECT_EQ(dlr->report.reason, "NACK/0x0000000b/Invalid Destination Address");
  dlr = ParseKannelDlr(DlrQuery("c1:0", "16", "NACK/0x00000045/Submit failed"), kProvider,
                       kDlrSecret);
  EXPECT_FALSE(dlr->report.address_invalid);
  dlr = ParseKannelDlr(DlrQuery("c1:0", "2", "NACK/0x0000000B/x"), kProvider, kDlrSecret);
  EXPECT_FALSE(dlr->report.address_invalid);  // Only the SMSC's refusal says so.
  const FormParams no_answer = {
      {"id", "c1:0"}, {"sig", KannelDlrSignature(kDlrSecret, "c1:0")}, {"type", "16"}};
  dlr = ParseKannelDlr(no_answer, kProvider, kDlrSecret);
  ASSERT_TRUE(dlr.ok());
  EXPECT_EQ(dlr->report.reason, "");
  EXPECT_EQ(dlr->reported_at_ms, 0);
}

TEST(KannelDlrParseTest, BadInputNamesTheField) {
  auto parse = [](FormParams query) { return ParseKannelDlr(query, kProvider, kDlrSecret); };
  FormParams query = DlrQuery("c1:0", "1", "");
  query.erase(query.begin());  // id
  absl::StatusOr<KannelDlr> dlr = parse(query);
  EXPECT_EQ(dlr.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ErrorText(dlr.status()), HasSubstr("id"));

  for (const char* type : {"", "3", "32", "x", "-1", "1 "}) {
    query = DlrQuery("c1:0", type, "");
    dlr = parse(query);
    EXPECT_EQ(dlr.status().code(), absl::StatusCode::kInvalidArgument) << type;
    EXPECT_THAT(ErrorText(dlr.status()), HasSubstr("type")) << type;
  }
  query = DlrQuery("c1:0", "1", "");
  query.back().second = "12a";  // ts
  dlr = parse(query);
  EXPECT_EQ(dlr.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ErrorText(dlr.status()), HasSubstr("ts"));
}

TEST(KannelDlrParseTest, SignatureIsChecked) {
  auto code = [](const FormParams& query, std::string_view secret = kDlrSecret) {
    return ParseKannelDlr(query, kProvider, secret).status().code();
  };
  FormParams query = DlrQuery("c1:0", "1", "");
  EXPECT_EQ(code(query), absl::StatusCode::kOk);
  EXPECT_EQ(code(query, "other-secret"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(code(query, ""), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(code(DlrQuery("c1:0", "1", "", "other-secret")), absl::StatusCode::kPermissionDenied);
  query[0].second = "c1:1";  // Another message's report with this one's signature.
  EXPECT_EQ(code(query), absl::StatusCode::kPermissionDenied);
  query = DlrQuery("c1:0", "1", "");
  query[1].second = "";
  const absl::StatusOr<KannelDlr> unsigned_dlr = ParseKannelDlr(query, kProvider, kDlrSecret);
  EXPECT_EQ(unsigned_dlr.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(ErrorText(unsigned_dlr.status()), HasSubstr("sig"));
  // A forged report is refused before its other fields are looked at.
  query = DlrQuery("c1:0", "999", "", "other-secret");
  EXPECT_EQ(code(query), absl::StatusCode::kPermissionDenied);

  const std::string sig = KannelDlrSignature(kDlrSecret, "c1:0");
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(VerifyKannelDlr(kDlrSecret, "c1:0", sig));
  EXPECT_FALSE(VerifyKannelDlr(kDlrSecret, "c1:0", sig.substr(1)));
  EXPECT_FALSE(VerifyKannelDlr(kDlrSecret, "c1:0", ""));
  EXPECT_FALSE(VerifyKannelDlr("", "c1:0", KannelDlrSignature("", "c1:0")));
  std::string flipped = sig;
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyKannelDlr(kDlrSecret, "c1:0", flipped));
}

// --- Incoming SMS -------------------------------------------------------------------------------

TEST(KannelInboundTest, GetUrlTemplate) {
  EXPECT_EQ(KannelSmsServiceGetUrl("http://127.0.0.1:8080/v1/inbound/kannel/k1/sms", "s", "k1"),
            "http://127.0.0.1:8080/v1/inbound/kannel/k1/sms?id=%I&from=%p&to=%P&text=%b"
            "&coding=%c&charset=%C&ts=%T&key=" +
                KannelInboundKey("s", "k1"));
  EXPECT_THAT(KannelSmsServiceGetUrl("http://gw/sms?org=o%2F1", "s", "k1"),
              StartsWith("http://gw/sms?org=o%%2F1&id=%I&"));
  EXPECT_NE(KannelInboundKey("s", "k1"), KannelInboundKey("s", "k2"));
  EXPECT_NE(KannelInboundKey("s", "k1"), KannelInboundKey("t", "k1"));
}

FormParams MoQuery(const std::string& text, const std::string& coding = "0",
                   const std::string& charset = "UTF-8") {
  return {{"id", "972cd3c7-24db-4132-885a-d1d5fdc424d4"},
          {"from", "+46701234567"},
          {"to", "+15550001"},
          {"text", text},
          {"coding", coding},
          {"charset", charset},
          {"ts", "1795864642"},
          {"key", KannelInboundKey(kDlrSecret, kProvider)}};
}

TEST(KannelInboundTest, ParsesWhatSmsboxSends) {
  // The query exactly as smsbox 1.4.5 filled the template for "STOP  now" from fakesmsc.
  const std::string target =
      "/sms?id=972cd3c7-24db-4132-885a-d1d5fdc424d4&from=%2B46701234567&to=%2B15550001"
      "&text=STOP++now&coding=0&charset=UTF-8&ts=1795864642&key=" +
      KannelInboundKey(kDlrSecret, kProvider);
  const absl::StatusOr<InboundMessage> message =
      ParseKannelInboundSms(Query(target), kProvider, kDlrSecret);
  ASSERT_TRUE(message.ok()) << message.status();
  EXPECT_EQ(message->provider, kProvider);
  EXPECT_EQ(message->channel, "sms");
  EXPECT_EQ(message->provider_message_id, "972cd3c7-24db-4132-885a-d1d5fdc424d4");
  EXPECT_EQ(message->from, "+46701234567");
  EXPECT_EQ(message->to, "+15550001");
  EXPECT_EQ(message->text, "STOP  now");
  EXPECT_EQ(message->received_at_ms, 1795864642000);
  EXPECT_EQ(message->subject, "");
  EXPECT_TRUE(message->references.empty());
}

TEST(KannelInboundTest, TextInEveryCharsetSmsboxUses) {
  auto text = [](const FormParams& query) {
    const absl::StatusOr<InboundMessage> m = ParseKannelInboundSms(query, kProvider, kDlrSecret);
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? m->text : "<error>";
  };
  EXPECT_EQ(text(MoQuery("Привет мир")), "Привет мир");  // mo-recode: UTF-8, coding 0.
  // UCS-2 without mo-recode: UTF-16BE, with a surrogate pair.
  EXPECT_EQ(text(MoQuery(std::string("\x04\x1F\x04\x40\xD8\x3D\xDE\x42", 8), "2", "UTF-16BE")),
            "Пр🙂");
  EXPECT_EQ(text(MoQuery(std::string("\x00\x41", 2), "2", "")), "A");  // %C left out.
  EXPECT_EQ(text(MoQuery("plain", "", "")), "plain");
  FormParams no_text = MoQuery("");
  EXPECT_EQ(text(no_text), "");
}

TEST(KannelInboundTest, BadInputNamesTheField) {
  auto error = [](const FormParams& query) {
    const absl::StatusOr<InboundMessage> m = ParseKannelInboundSms(query, kProvider, kDlrSecret);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    return ErrorText(m.status());
  };
  for (const char* field : {"id", "from", "to"}) {
    FormParams query = MoQuery("hi");
    for (auto& [name, value] : query) {
      if (name == field) value = "";
    }
    EXPECT_THAT(error(query), HasSubstr(std::string("field ") + field));
  }
  EXPECT_THAT(error(MoQuery("\x01\x02", "1", "8-BIT")), HasSubstr("coding"));
  EXPECT_THAT(error(MoQuery("hi", "7")), HasSubstr("coding"));
  EXPECT_THAT(error(MoQuery("hi", "0", "ISO-8859-1")), HasSubstr("charset"));
  EXPECT_THAT(error(MoQuery("caf\xE9", "0", "UTF-8")), HasSubstr("text"));
  EXPECT_THAT(error(MoQuery(std::string("\x04\x1F\x04", 3), "2", "UTF-16BE")), HasSubstr("text"));
  EXPECT_THAT(error(MoQuery(std::string("\xD8\x3D\x00\x41", 4), "2", "UTF-16BE")),
              HasSubstr("text"));
  FormParams query = MoQuery("hi");
  query[6].second = "yesterday";
  EXPECT_THAT(error(query), HasSubstr("ts"));
}

TEST(KannelInboundTest, KeyIsChecked) {
  auto code = [](const FormParams& query, std::string_view provider = kProvider,
                 std::string_view secret = kDlrSecret) {
    return ParseKannelInboundSms(query, provider, secret).status().code();
  };
  FormParams query = MoQuery("STOP");
  EXPECT_EQ(code(query), absl::StatusCode::kOk);
  EXPECT_EQ(code(query, "other-provider"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(code(query, kProvider, "other-secret"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(code(query, kProvider, ""), absl::StatusCode::kPermissionDenied);
  query.back().second = "";
  EXPECT_EQ(code(query), absl::StatusCode::kPermissionDenied);
  query.pop_back();
  EXPECT_EQ(code(query), absl::StatusCode::kPermissionDenied);
  // Refused before anything else is read.
  query = MoQuery("hi", "9");
  query.back().second = KannelInboundKey("other-secret", kProvider);
  EXPECT_EQ(code(query), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace ogw
