// Kannel's callbacks parsed without a server: the dlr-url through smsbox's escape filling,
// delivery reports and their signatures, and incoming SMS from an sms-service get-url.

#include "adapters/sms/kannel_webhooks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "gateway/core/status.h"
#include "tests/adapters/sms/kannel_test_util.h"

namespace ogw {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using State = DeliveryReport::State;
using kannel_test::kDlrSecret;
using kannel_test::kProvider;
using kannel_test::Param;
using kannel_test::Query;

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
  EXPECT_EQ(message->channel, Channel::kSms);
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
