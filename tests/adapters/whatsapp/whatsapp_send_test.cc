// What WhatsAppProvider sends and how it reads WhatsApp's answers, without a server: the
// request bodies for free text and templates, and every class of error Meta documents.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/whatsapp/whatsapp_provider.h"

namespace ogw {
namespace {

using json = nlohmann::json;
using Outcome = SendResult::Outcome;

constexpr char kToken[] = "EAAGm0PX4ZCpsBAKZC1secret0token";

OutboundMessage Message() {
  OutboundMessage m;
  m.message_id = "cmp_1:4";
  m.channel = Channel::kWhatsApp;
  m.to = "+995599123456";
  m.text = "Counselling days *Friday* at the consulate";
  m.text_format = TextFormat::kWhatsAppMarkup;
  return m;
}

HttpResponse Answer(long status, const json& body, std::string retry_after = "") {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  r.retry_after = std::move(retry_after);
  return r;
}

json GraphError(int64_t code, const std::string& message, const std::string& details = "",
                int64_t subcode = 0) {
  json error = {{"message", message},
                {"type", "OAuthException"},
                {"code", code},
                {"fbtrace_id", "AbCdEf123"}};
  if (subcode != 0) error["error_subcode"] = subcode;
  if (!details.empty()) {
    error["error_data"] = {{"messaging_product", "whatsapp"}, {"details", details}};
  }
  return {{"error", error}};
}

SendResult Classify(const HttpResponse& response, const OutboundMessage& message = Message()) {
  const std::vector<std::string> secrets = {kToken};
  return WhatsAppProvider::Classify(response, message, secrets, 1'760'000'000);
}

TEST(WhatsAppSendTest, FreeTextGoesAsATextMessageToTheNumbersDigits) {
  const json body = json::parse(WhatsAppProvider::RequestBody(Message(), false));
  EXPECT_EQ(
      body,
      (json{{"messaging_product", "whatsapp"},
            {"recipient_type", "individual"},
            {"to", "995599123456"},
            {"biz_opaque_callback_data", "cmp_1:4"},
            {"type", "text"},
            {"text",
             {{"preview_url", false}, {"body", "Counselling days *Friday* at the consulate"}}}}));
}

TEST(WhatsAppSendTest, OutsideTheWindowTheApprovedTemplateGoesWithItsParameters) {
  OutboundMessage m = Message();
  ProviderTemplate& t = m.provider_template.emplace();
  t.name = "counselling_days";
  t.language = "ka";
  t.parameters = {"ნინო", "Friday 10:00"};
  const json body = json::parse(WhatsAppProvider::RequestBody(m, true));
  EXPECT_EQ(body["type"], "template");
  EXPECT_FALSE(body.contains("text"));
  EXPECT_EQ(body["template"], (json{{"name", "counselling_days"},
                                    {"language", {{"code", "ka"}}},
                                    {"components",
                                     {{{"type", "body"},
                                       {"parameters",
                                        {{{"type", "text"}, {"text", "ნინო"}},
                                         {{"type", "text"}, {"text", "Friday 10:00"}}}}}}}}));
  // A template without parameters has no components.
  t.parameters.clear();
  EXPECT_FALSE(
      json::parse(WhatsAppProvider::RequestBody(m, true))["template"].contains("components"));
}

TEST(WhatsAppSendTest, ButtonsGoAsInteractiveReplyButtonsUnderTheFileAsHeader) {
  OutboundMessage m = Message();
  m.buttons = {{"rsvp:yes", "Yes"}, {"rsvp:no", "No"}};
  json body = json::parse(WhatsAppProvider::RequestBody(m, false));
  EXPECT_EQ(body["type"], "interactive");
  EXPECT_EQ(body["interactive"], json::parse(R"({"type": "button",
      "body": {"text": "Counselling days *Friday* at the consulate"},
      "action": {"buttons": [{"type": "reply", "reply": {"id": "rsvp:yes", "title": "Yes"}},
                             {"type": "reply", "reply": {"id": "rsvp:no", "title": "No"}}]}})"));
  m.media =
      MediaLink{MediaLink::Kind::kDocument, "https://example.org/invitation.pdf", "invitation.pdf"};
  body = json::parse(WhatsAppProvider::RequestBody(m, false));
  EXPECT_EQ(body["interactive"]["header"], json::parse(R"({"type": "document",
      "document": {"link": "https://example.org/invitation.pdf", "filename": "invitation.pdf"}})"));
}

TEST(WhatsAppSendTest, AFileWithoutButtonsGoesWithTheTextAsItsCaption) {
  OutboundMessage m = Message();
  m.media = MediaLink{MediaLink::Kind::kImage, "https://example.org/poster.jpg", ""};
  const json body = json::parse(WhatsAppProvider::RequestBody(m, false));
  EXPECT_EQ(body["type"], "image");
  EXPECT_EQ(body["image"], (json{{"link", "https://example.org/poster.jpg"},
                                 {"caption", "Counselling days *Friday* at the consulate"}}));
}

TEST(WhatsAppSendTest, ATextTooLongForACaptionGoesAsTextWithTheLinkAndWithoutButtons) {
  OutboundMessage m = Message();
  m.text = std::string(1025, 'a');
  m.buttons = {{"rsvp:yes", "Yes"}};
  m.media = MediaLink{MediaLink::Kind::kDocument, "https://example.org/invitation.pdf", ""};
  const json body = json::parse(WhatsAppProvider::RequestBody(m, false));
  EXPECT_EQ(body["type"], "text");
  EXPECT_EQ(body["text"]["body"], m.text + "\n\nhttps://example.org/invitation.pdf");
  // 1,024 characters (not bytes) still fit: Georgian takes three bytes each.
  std::string georgian;
  for (int i = 0; i < 1024; ++i) georgian += "ა";
  m.text = georgian;
  EXPECT_EQ(json::parse(WhatsAppProvider::RequestBody(m, false))["type"], "interactive");
}

TEST(WhatsAppSendTest, TheTemplateCarriesItsMediaHeaderAndButtonPayloads) {
  OutboundMessage m = Message();
  ProviderTemplate& t = m.provider_template.emplace();
  t.name = "roundtable_invitation";
  t.language = "en";
  t.parameters = {"Ana"};
  t.header_media = MediaLink{MediaLink::Kind::kDocument, "https://example.org/i.pdf", "i.pdf"};
  t.button_payloads = {"rsvp:yes", "rsvp:no"};
  const json body = json::parse(WhatsAppProvider::RequestBody(m, true));
  EXPECT_EQ(body["template"]["components"], json::parse(R"([
      {"type": "header", "parameters": [{"type": "document",
          "document": {"link": "https://example.org/i.pdf", "filename": "i.pdf"}}]},
      {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]},
      {"type": "button", "sub_type": "quick_reply", "index": "0",
       "parameters": [{"type": "payload", "payload": "rsvp:yes"}]},
      {"type": "button", "sub_type": "quick_reply", "index": "1",
       "parameters": [{"type": "payload", "payload": "rsvp:no"}]}])"));
}

TEST(WhatsAppSendTest, TheUrlNamesTheVersionAndThePhoneNumberId) {
  WhatsAppConfig config;
  config.api_base = "http://127.0.0.1:8080/";
  config.api_version = "v21.0";
  config.phone_number_id = "106540352242922";
  EXPECT_EQ(WhatsAppProvider::MessagesUrl(config),
            "http://127.0.0.1:8080/v21.0/106540352242922/messages");
}

TEST(WhatsAppSendTest, AnAcceptedMessageKeepsItsWamid) {
  const SendResult r = Classify(
      Answer(200, {{"messaging_product", "whatsapp"},
                   {"contacts", {{{"input", "995599123456"}, {"wa_id", "995599123456"}}}},
                   {"messages", {{{"id", "wamid.HBgLOTk1NTk5MTIzNDU2FQIAERgSQzVGRjQ0"}}}}}));
  EXPECT_EQ(r.outcome, Outcome::kAccepted);
  EXPECT_EQ(r.provider_message_id, "wamid.HBgLOTk1NTk5MTIzNDU2FQIAERgSQzVGRjQ0");
  // A 200 that names no message is not taken for a send.
  const SendResult odd = Classify(Answer(200, {{"success", true}}));
  EXPECT_EQ(odd.outcome, Outcome::kTransient);
  EXPECT_EQ(odd.code, "whatsapp_unreadable");
}

TEST(WhatsAppSendTest, ThrottlingIsTransientAndWaits) {
  const SendResult rate = Classify(Answer(400, GraphError(130429, "(#130429) Rate limit hit")));
  EXPECT_EQ(rate.outcome, Outcome::kTransient);
  EXPECT_EQ(rate.code, "whatsapp_130429");
  EXPECT_EQ(rate.retry_after_millis, 60'000);
  const SendResult pair =
      Classify(Answer(400, GraphError(131056,
                                      "(#131056) (Business Account, Consumer Account) pair rate "
                                      "limit hit")));
  EXPECT_EQ(pair.outcome, Outcome::kTransient);
  EXPECT_EQ(pair.retry_after_millis, 10'000);
  EXPECT_EQ(pair.pause_account_millis, 0) << "one person's limit does not stop the account";
  const SendResult longer =
      Classify(Answer(400, GraphError(130429, "(#130429) Rate limit hit"), "120"));
  EXPECT_EQ(longer.retry_after_millis, 120'000);
}

TEST(WhatsAppSendTest, SpamLimitAndAnExpiredTokenPauseTheWholeAccount) {
  const SendResult spam = Classify(Answer(400, GraphError(131048, "(#131048) Spam rate limit hit",
                                                          "Message failed to send because there "
                                                          "are restrictions on how many messages "
                                                          "can be sent from this phone number.")));
  EXPECT_EQ(spam.outcome, Outcome::kTransient);
  EXPECT_EQ(spam.code, "whatsapp_131048");
  EXPECT_EQ(spam.pause_account_millis, 30 * 60'000);
  EXPECT_NE(spam.reason.find("restrictions"), std::string::npos) << "details preferred";
  const SendResult token = Classify(Answer(
      401,
      GraphError(190, "Error validating access token: Session has expired on Friday.", "", 463)));
  EXPECT_EQ(token.outcome, Outcome::kTransient);
  EXPECT_EQ(token.code, "whatsapp_190");
  EXPECT_EQ(token.pause_account_millis, 10 * 60'000);
}

TEST(WhatsAppSendTest, PersonLevelErrorsMarkTheAddressOrTheirConsent) {
  const SendResult not_user = Classify(Answer(400, GraphError(131026, "Message undeliverable",
                                                              "Receiver is incapable of "
                                                              "receiving this message")));
  EXPECT_EQ(not_user.outcome, Outcome::kPermanent);
  EXPECT_TRUE(not_user.address_invalid);
  const SendResult stopped = Classify(Answer(400, GraphError(131050, "Unable to deliver")));
  EXPECT_EQ(stopped.outcome, Outcome::kOptedOut);
  const SendResult window = Classify(Answer(400, GraphError(131047, "Re-engagement message")));
  EXPECT_EQ(window.outcome, Outcome::kPermanent);
  EXPECT_EQ(window.code, "outside_window");
  EXPECT_FALSE(window.address_invalid);
}

TEST(WhatsAppSendTest, ServerTroubleIsTransientAndOtherErrorsPermanentWithTheirText) {
  for (int64_t code : {1, 2, 131000, 131016, 133004}) {
    EXPECT_EQ(Classify(Answer(500, GraphError(code, "Service temporarily unavailable"))).outcome,
              Outcome::kTransient)
        << code;
  }
  EXPECT_EQ(Classify(Answer(503, json::object())).outcome, Outcome::kTransient);
  const SendResult bad = Classify(
      Answer(400, GraphError(132001, "(#132001) Template name does not exist in the translation",
                             "template name (counselling_days) does not exist in ka")));
  EXPECT_EQ(bad.outcome, Outcome::kPermanent);
  EXPECT_EQ(bad.code, "whatsapp_132001");
  EXPECT_EQ(bad.reason, "template name (counselling_days) does not exist in ka");
  const SendResult html = Classify(Answer(404, "<html>Not Found</html>"));
  EXPECT_EQ(html.outcome, Outcome::kPermanent);
  EXPECT_EQ(html.code, "http_404");
}

TEST(WhatsAppSendTest, TheTokenAndTheTextNeverReachTheReason) {
  const SendResult echoed =
      Classify(Answer(400, GraphError(100, std::string("Invalid parameter: token ") + kToken)));
  EXPECT_EQ(echoed.reason.find(kToken), std::string::npos);
  const SendResult quoted = Classify(
      Answer(400, GraphError(100, "Invalid body: Counselling days *Friday* at the consulate")));
  EXPECT_EQ(quoted.reason.find("Counselling days"), std::string::npos);
}

}  // namespace
}  // namespace ogw
