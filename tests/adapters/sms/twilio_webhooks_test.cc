// Twilio's request signatures, form bodies and the webhooks it calls (status callbacks and
// incoming SMS), parsed without a server.

#include "adapters/sms/twilio_webhooks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

// --- Signatures -------------------------------------------------------------------------------

// The worked example of Twilio's security documentation (twilio.com/docs/usage/security,
// "Validating Requests are coming from Twilio"; the same vector ships in twilio-php's
// docs/usage/validation.rst): auth token 12345, this URL, these POST parameters.
const FormParams kDocParams = {
    {"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675309"}, {"Digits", "1234"},
    {"From", "+14158675309"},         {"To", "+18005551212"},
};
constexpr char kDocUrl[] = "https://mycompany.com/myapp.php?foo=1&bar=2";

TEST(TwilioSignatureTest, MatchesTwilioDocumentationVectors) {
  EXPECT_EQ(TwilioSignature("12345", kDocUrl, kDocParams), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  EXPECT_TRUE(VerifyTwilioSignature("12345", kDocUrl, kDocParams, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  // The later edition of the same page uses other caller numbers.
  const FormParams later = {
      {"CallSid", "CA1234567890ABCDE"}, {"Caller", "+12349013030"}, {"Digits", "1234"},
      {"From", "+12349013030"},         {"To", "+18005551212"},
  };
  EXPECT_EQ(TwilioSignature("12345", kDocUrl, later), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

TEST(TwilioSignatureTest, ReorderedParametersStillVerify) {
  const FormParams reordered = {kDocParams[4], kDocParams[2], kDocParams[0], kDocParams[3],
                                kDocParams[1]};
  EXPECT_TRUE(VerifyTwilioSignature("12345", kDocUrl, reordered, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
}

TEST(TwilioSignatureTest, TamperingFails) {
  const std::string good = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
  FormParams tampered = kDocParams;
  tampered[2].second = "1235";
  EXPECT_FALSE(VerifyTwilioSignature("12345", kDocUrl, tampered, good));
  FormParams extra = kDocParams;
  extra.emplace_back("Body", "");
  EXPECT_FALSE(VerifyTwilioSignature("12345", kDocUrl, extra, good));
  EXPECT_FALSE(VerifyTwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3",
                                     kDocParams, good));
  EXPECT_FALSE(VerifyTwilioSignature("54321", kDocUrl, kDocParams, good));
  EXPECT_FALSE(VerifyTwilioSignature("12345", kDocUrl, kDocParams, ""));
  EXPECT_FALSE(VerifyTwilioSignature("12345", kDocUrl, kDocParams, good.substr(1)));
  EXPECT_FALSE(
      VerifyTwilioSignature("", kDocUrl, kDocParams, TwilioSignature("", kDocUrl, kDocParams)));
}

// --- Form bodies and webhook parsing -----------------------------------------------------------

TEST(FormUrlEncodedTest, DecodesPlusPercentAndUtf8) {
  const absl::StatusOr<FormParams> form =
      ParseFormUrlEncoded("Body=Hello+World%20again&Name=Ren%C3%A9e&Plus=%2B1&Raw=a+%2B+b");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_THAT(*form, ElementsAre(Pair("Body", "Hello World again"), Pair("Name", "Renée"),
                                 Pair("Plus", "+1"), Pair("Raw", "a + b")));
}

TEST(FormUrlEncodedTest, EmptyValuesRepeatedKeysAndStrayAmpersands) {
  const absl::StatusOr<FormParams> form = ParseFormUrlEncoded("a=&b&&c=1&c=2&=x&d==");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_THAT(*form, ElementsAre(Pair("a", ""), Pair("b", ""), Pair("c", "1"), Pair("c", "2"),
                                 Pair("", "x"), Pair("d", "=")));
  EXPECT_TRUE(ParseFormUrlEncoded("")->empty());
}

TEST(FormUrlEncodedTest, MalformedEscapesAreErrors) {
  for (const char* bad : {"a=%", "a=%2", "a=%G1", "a%zz=1", "a=100%"}) {
    const absl::StatusOr<FormParams> form = ParseFormUrlEncoded(bad);
    EXPECT_FALSE(form.ok()) << bad;
    EXPECT_EQ(form.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(FormUrlEncodedTest, EncodeRoundTrips) {
  const FormParams params = {
      {"Body", "Γεια σας & 100% +1"}, {"To", "+4917012345678"}, {"Empty", ""}, {"Body", "again"}};
  const std::string encoded = EncodeFormUrlEncoded(params);
  EXPECT_THAT(encoded, Not(HasSubstr(" ")));
  const absl::StatusOr<FormParams> decoded = ParseFormUrlEncoded(encoded);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, params);
}

TEST(TwilioWebhookParseTest, StatusUpdate) {
  const absl::StatusOr<FormParams> form = ParseFormUrlEncoded(
      "SmsSid=SM1&SmsStatus=undelivered&MessageStatus=undelivered&To=%2B4917012345678"
      "&MessageSid=SM1&AccountSid=AC1&From=%2B15005550006&ApiVersion=2010-04-01&ErrorCode=30003");
  ASSERT_TRUE(form.ok());
  const absl::StatusOr<TwilioStatusUpdate> update = ParseTwilioStatusUpdate(*form);
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->message_sid, "SM1");
  EXPECT_EQ(update->status, "undelivered");
  EXPECT_EQ(update->error_code, 30003);
  EXPECT_EQ(update->to, "+4917012345678");
  EXPECT_EQ(update->from, "+15005550006");

  absl::StatusOr<TwilioStatusUpdate> bad = ParseTwilioStatusUpdate({{"MessageStatus", "sent"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("MessageSid"));
  bad = ParseTwilioStatusUpdate({{"MessageSid", "SM1"}, {"MessageStatus", ""}});
  EXPECT_THAT(bad.status().message(), HasSubstr("MessageStatus"));
  bad = ParseTwilioStatusUpdate(
      {{"MessageSid", "SM1"}, {"MessageStatus", "failed"}, {"ErrorCode", "30x"}});
  EXPECT_THAT(bad.status().message(), HasSubstr("ErrorCode"));
  EXPECT_EQ(
      ParseTwilioStatusUpdate({{"MessageSid", "SM1"}, {"MessageStatus", "sent"}, {"ErrorCode", ""}})
          ->error_code,
      0);
}

TEST(TwilioWebhookParseTest, InboundSms) {
  const absl::StatusOr<FormParams> form = ParseFormUrlEncoded(
      "ToCountry=US&SmsMessageSid=SM2&NumMedia=0&NumSegments=2&SmsStatus=received"
      "&Body=Stop+please&From=%2B4917012345678&To=%2B15005550006&MessageSid=SM2"
      "&OptOutType=STOP&AccountSid=AC1&ApiVersion=2010-04-01");
  ASSERT_TRUE(form.ok());
  const absl::StatusOr<TwilioInboundSms> sms = ParseTwilioInboundSms(*form);
  ASSERT_TRUE(sms.ok()) << sms.status();
  EXPECT_EQ(sms->message_sid, "SM2");
  EXPECT_EQ(sms->from, "+4917012345678");
  EXPECT_EQ(sms->to, "+15005550006");
  EXPECT_EQ(sms->body, "Stop please");
  EXPECT_EQ(sms->num_segments, 2);
  EXPECT_EQ(sms->opt_out_type, "STOP");

  absl::StatusOr<TwilioInboundSms> bad =
      ParseTwilioInboundSms({{"MessageSid", "SM2"}, {"To", "+15005550006"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("From"));
  bad = ParseTwilioInboundSms({{"MessageSid", "SM2"}, {"From", "+4917012345678"}});
  EXPECT_THAT(bad.status().message(), HasSubstr("To"));
  bad = ParseTwilioInboundSms({{"From", "+4917012345678"}, {"To", "+15005550006"}});
  EXPECT_THAT(bad.status().message(), HasSubstr("MessageSid"));
  const absl::StatusOr<TwilioInboundSms> plain = ParseTwilioInboundSms(
      {{"MessageSid", "SM3"}, {"From", "+4917012345678"}, {"To", "+15005550006"}});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->body, "");
  EXPECT_EQ(plain->num_segments, 1);
  EXPECT_EQ(plain->opt_out_type, "");
}

}  // namespace
}  // namespace ogw
