// Templates through the API: CRUD, preview for a contact and channel, validation against an
// audience before launch.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/core/ids.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using json = nlohmann::json;

class TemplatesApiTest : public ApiTest {
 protected:
  json Survey() {
    return {{"name", "Diaspora survey 2026"},
            {"default_language", "en"},
            {"collects_data", true},
            {"variants",
             {{"en",
               {{"body", "Dear {{contact.name}}, please take our survey: "
                         "[start](https://survey.example.org/s)"},
                {"subject", "Diaspora survey"},
                {"sms", "Dear {{contact.name}}, survey: https://survey.example.org/s"},
                {"data_use", "Answers are used only for diaspora policy planning."}}},
              {"ka",
               {{"body", "ძვირფასო {{contact.name}}, გთხოვთ შეავსოთ კითხვარი."},
                {"data_use", "პასუხები გამოიყენება მხოლოდ დაგეგმვისთვის."}}},
              {"ar",
               {{"body", "عزيزي {{contact.name}}، يرجى المشاركة في الاستبيان."},
                {"data_use", "تستخدم الإجابات للتخطيط فقط."}}}}}};
  }
  std::string CreateTemplate(const json& body) {
    HttpResult r = Post("/v1/templates", body, admin_token_);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json.value("id", "");
  }
  std::string WhatsAppContact(const std::string& name, const std::string& number) {
    return CreateContact(
        {{"name", name},
         {"languages", {"en"}},
         {"addresses", {{{"kind", "whatsapp"}, {"value", number}, {"consent", "granted"}}}}},
        admin_token_);
  }
  std::string Contact(const std::string& name, const std::string& country,
                      const std::string& language, const std::string& phone) {
    return CreateContact({{"name", name},
                          {"country", country},
                          {"languages", {language}},
                          {"addresses", {{{"kind", "phone"}, {"value", phone},
                                          {"consent", "granted"}}}}},
                         admin_token_);
  }
};

TEST_F(TemplatesApiTest, CrudKeepsVersionsAndValidatesInput) {
  std::string id = CreateTemplate(Survey());
  HttpResult got = Get("/v1/templates/" + id, admin_token_);
  EXPECT_EQ(got.json["version"], 1);
  EXPECT_EQ(got.json["variants"]["ka"]["body"], Survey()["variants"]["ka"]["body"]);
  json changed = Survey();
  changed["name"] = "Survey v2";
  HttpResult put = Put("/v1/templates/" + id, changed, admin_token_);
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json["version"], 2);
  EXPECT_EQ(Get("/v1/templates", admin_token_).json["items"].size(), 1u);

  json bad = Survey();
  bad["variants"]["en"].erase("data_use");
  HttpResult invalid = Post("/v1/templates", bad, admin_token_);
  ExpectProblem(invalid, 422);
  bad = Survey();
  bad["variants"]["fr"] = {{"body", "Bonjour {{#contact.name}}"}};
  invalid = Post("/v1/templates", bad, admin_token_);
  ExpectProblem(invalid, 422);
  EXPECT_NE(invalid.body.find("variants.fr.body"), std::string::npos) << invalid.body;

  EXPECT_EQ(Delete("/v1/templates/" + id, admin_token_).status, 204);
  EXPECT_EQ(Get("/v1/templates/" + id, admin_token_).status, 404);
}

TEST_F(TemplatesApiTest, PreviewPicksTheContactsLanguageAndChannelForm) {
  std::string id = CreateTemplate(Survey());
  std::string nino = Contact("ნინო", "GE", "ka", "599 12 34 56");
  HttpResult sms = Post("/v1/templates/" + id + "/preview",
                        {{"contact_id", nino}, {"channel", "sms"}}, admin_token_);
  ASSERT_EQ(sms.status, 200) << sms.body;
  EXPECT_EQ(sms.json["body_language"], "ka");
  EXPECT_NE(sms.json["text"].get<std::string>().find("ძვირფასო ნინო"), std::string::npos);
  EXPECT_NE(sms.json["text"].get<std::string>().find("STOP"), std::string::npos);  // Opt-out.
  EXPECT_NE(sms.json["text"].get<std::string>().find("დაგეგმვისთვის"), std::string::npos);
  EXPECT_EQ(sms.json["sms"]["encoding"], "ucs2");

  std::string ali = Contact("<script>*Ali*</script>", "DE", "ar", "030 1234567");
  HttpResult email = Post("/v1/templates/" + id + "/preview",
                          {{"contact_id", ali}, {"channel", "email"}}, admin_token_);
  ASSERT_EQ(email.status, 200) << email.body;
  std::string html = email.json["html"];
  EXPECT_NE(html.find("dir=\"rtl\""), std::string::npos) << html;
  EXPECT_EQ(html.find("<script>"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;*Ali*&lt;/script&gt;"), std::string::npos) << html;
  EXPECT_EQ(email.json["subject_language"], "en");  // No Arabic subject: falls back alone.
  EXPECT_EQ(email.json["body_language"], "ar");

  HttpResult unknown = Post("/v1/templates/" + id + "/preview",
                            {{"contact_id", "c_nope"}, {"channel", "sms"}}, admin_token_);
  ExpectProblem(unknown, 422);
  EXPECT_EQ(unknown.json["field"], "contact_id");
  HttpResult channel = Post("/v1/templates/" + id + "/preview",
                            {{"contact_id", nino}, {"channel", "fax"}}, admin_token_);
  EXPECT_EQ(channel.json["field"], "channel");
}

TEST_F(TemplatesApiTest, PreviewOnWhatsAppSaysWhichFormThePersonGetsNow) {
  json t = Survey();
  t["variants"]["en"]["whatsapp"] = {{"name", "diaspora_survey"},
                                     {"language", "en_US"},
                                     {"category", "marketing"},
                                     {"parameters", {"{{contact.name}}"}}};
  const std::string id = CreateTemplate(t);
  const std::string ana = WhatsAppContact("Ana", "+4915112345678");
  HttpResult closed = Post("/v1/templates/" + id + "/preview",
                           {{"contact_id", ana}, {"channel", "whatsapp"}}, admin_token_);
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json["form"], "template");
  EXPECT_EQ(closed.json["window"]["open"], false);
  EXPECT_EQ(closed.json["whatsapp_template"], (json{{"name", "diaspora_survey"},
                                                    {"language", "en_US"},
                                                    {"category", "marketing"},
                                                    {"parameters", {"Ana"}}}));
  // She writes: for the next 24 hours (less a margin) she gets the text itself.
  ASSERT_EQ(Post("/v1/sandbox/replies",
                 {{"contact_id", ana}, {"channel", "whatsapp"}, {"text", "Hello"}}, admin_token_)
                .status,
            201);
  HttpResult open = Post("/v1/templates/" + id + "/preview",
                         {{"contact_id", ana}, {"channel", "whatsapp"}}, admin_token_);
  EXPECT_EQ(open.json["form"], "text");
  EXPECT_EQ(open.json["window"]["open"], true);
  EXPECT_EQ(open.json["window"]["closes_at"], clock_.NowMillis() + 24 * 3'600'000 - 5 * 60'000);
  // A template without a WhatsApp mapping cannot reach her once the window has closed.
  clock_.Advance(24 * 3'600'000);
  const std::string plain = CreateTemplate(Survey());
  HttpResult none = Post("/v1/templates/" + plain + "/preview",
                         {{"contact_id", ana}, {"channel", "whatsapp"}}, admin_token_);
  EXPECT_EQ(none.json["form"], "not_sendable");
  EXPECT_FALSE(none.json.contains("whatsapp_template"));
}

TEST_F(TemplatesApiTest, PreviewShowsTheButtonsAndTheFileWithTheTemplatesHeader) {
  json t = Survey();
  t["variants"]["en"]["buttons"] =
      json::parse(R"([{"id": "rsvp:yes", "title": "Yes"}, {"id": "rsvp:no", "title": "No"}])");
  t["variants"]["en"]["media"] = {{"kind", "document"},
                                  {"url", "https://example.org/invitation.pdf"},
                                  {"filename", "invitation.pdf"}};
  t["variants"]["en"]["whatsapp"] = {{"name", "roundtable"},
                                     {"language", "en"},
                                     {"category", "utility"},
                                     {"media_header", true},
                                     {"quick_reply_buttons", true}};
  const std::string id = CreateTemplate(t);
  const std::string ana = WhatsAppContact("Ana", "+4915112345678");
  HttpResult wa = Post("/v1/templates/" + id + "/preview",
                       {{"contact_id", ana}, {"channel", "whatsapp"}}, admin_token_);
  ASSERT_EQ(wa.status, 200) << wa.body;
  EXPECT_EQ(wa.json["buttons"], t["variants"]["en"]["buttons"]);
  EXPECT_EQ(wa.json["media"], t["variants"]["en"]["media"]);
  EXPECT_EQ(wa.json["whatsapp_template"]["header_media"], t["variants"]["en"]["media"]);
  EXPECT_EQ(wa.json["whatsapp_template"]["button_payloads"], (json{"rsvp:yes", "rsvp:no"}));
  HttpResult tg = Post("/v1/templates/" + id + "/preview",
                       {{"contact_id", ana}, {"channel", "telegram"}}, admin_token_);
  EXPECT_EQ(tg.json["buttons"], t["variants"]["en"]["buttons"]);
  EXPECT_FALSE(tg.json.contains("media"));
  HttpResult sms = Post("/v1/templates/" + id + "/preview",
                        {{"contact_id", ana}, {"channel", "sms"}}, admin_token_);
  EXPECT_FALSE(sms.json.contains("buttons"));
}

TEST_F(TemplatesApiTest, ValidateCountsWhatsAppFormsAndTheTemplatesCost) {
  json t = Survey();
  t["variants"]["en"]["whatsapp"] = {{"name", "diaspora_survey"},
                                     {"language", "en_US"},
                                     {"category", "marketing"},
                                     {"parameters", {"{{contact.name}}"}}};
  const std::string with_template = CreateTemplate(t);
  const std::string without = CreateTemplate(Survey());
  const std::string ana = WhatsAppContact("Ana", "+4915112345678");
  WhatsAppContact("Jonas", "+4915112345679");
  WhatsAppContact("Lea", "+4915112345670");
  Contact("Anna", "DE", "en", "030 1111111");  // No WhatsApp: not counted there.
  // Ana wrote an hour ago: she is inside her window.
  ASSERT_EQ(Post("/v1/sandbox/replies",
                 {{"contact_id", ana}, {"channel", "whatsapp"}, {"text", "Hello"}}, admin_token_)
                .status,
            201);
  clock_.Advance(3'600'000);
  const json request = {{"expression", "has(whatsapp) or has(phone)"},
                        {"channels", {"whatsapp", "messenger"}},
                        {"whatsapp_price_per_template", {{"marketing", 0.0785}, {"utility", 0.03}}},
                        {"currency", "EUR"}};
  HttpResult r = Post("/v1/templates/" + with_template + "/validate", request, admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["whatsapp"]["recipients"], 3) << r.body;
  EXPECT_EQ(r.json["whatsapp"]["text"], 1);
  EXPECT_EQ(r.json["whatsapp"]["template"], 2);
  EXPECT_EQ(r.json["whatsapp"]["not_sendable"], 0);
  EXPECT_EQ(r.json["whatsapp"]["template_categories"], (json{{"marketing", 2}}));
  EXPECT_NEAR(r.json["whatsapp"]["cost"].get<double>(), 2 * 0.0785, 1e-9);
  EXPECT_EQ(r.json["whatsapp"]["currency"], "EUR");
  EXPECT_EQ(r.json["messenger"]["recipients"], 0);
  // Without a WhatsApp template the two outside their window cannot be reached: a warning that
  // names them, not an error (the launch still reaches everyone else).
  HttpResult none = Post("/v1/templates/" + without + "/validate", request, admin_token_);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.json["whatsapp"]["text"], 1);
  EXPECT_EQ(none.json["whatsapp"]["not_sendable"], 2);
  EXPECT_EQ(none.json["whatsapp"]["sample_not_sendable"].size(), 2u);
  EXPECT_EQ(none.json["whatsapp"]["cost"], 0);
  bool warned = false;
  for (const auto& w : none.json["warnings"]) {
    if (w["code"] == "outside_window" && w["channel"] == "whatsapp") warned = true;
  }
  EXPECT_TRUE(warned) << none.body;
  HttpResult bad = Post("/v1/templates/" + with_template + "/validate",
                        {{"expression", "has(whatsapp)"},
                         {"channels", {"whatsapp"}},
                         {"whatsapp_price_per_template", {{"promotional", 1}}}},
                        admin_token_);
  ExpectProblem(bad, 422);
  EXPECT_EQ(bad.json["field"], "whatsapp_price_per_template.promotional");
}

TEST_F(TemplatesApiTest, ValidateReportsGapsLimitsAndSmsCost) {
  json t = Survey();
  t["variants"]["en"]["sms"] = "Dear {{contact.name}} from {{contact.city}}, see {{event.place}}.";
  std::string id = CreateTemplate(t);
  Contact("Anna", "DE", "en", "030 1111111");
  Contact("Abebe", "ET", "am", "0911 234567");  // No Amharic variant.
  Contact("Nino", "GE", "ka", "599 12 34 56");

  HttpResult r = Post("/v1/templates/" + id + "/validate",
                      {{"expression", "has(phone)"},
                       {"channels", {"sms", "email"}},
                       {"sms_price_per_segment", 0.05},
                       {"currency", "EUR"}},
                      admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["recipients"], 3);
  EXPECT_FALSE(r.json["valid"]);
  std::set<std::string> codes;
  for (const auto& e : r.json["errors"]) {
    codes.insert(e["code"]);
    EXPECT_EQ(e["template"], id);
  }
  EXPECT_TRUE(codes.contains("unknown_variable")) << r.body;  // event.place: not provided.
  EXPECT_TRUE(codes.contains("missing_variable")) << r.body;  // contact.city: nobody has one.
  EXPECT_TRUE(codes.contains("missing_language")) << r.body;  // am.
  ASSERT_EQ(r.json["missing_languages"].size(), 1u);
  EXPECT_EQ(r.json["missing_languages"][0]["language"], "am");
  EXPECT_EQ(r.json["missing_languages"][0]["recipients"], 1);
  EXPECT_EQ(r.json["sms"]["messages"], 3);
  EXPECT_GE(r.json["sms"]["segments"].get<int>(), 3);
  EXPECT_NEAR(r.json["sms"]["cost"].get<double>(), r.json["sms"]["segments"].get<int>() * 0.05,
              1e-9);
  EXPECT_EQ(r.json["sms"]["ucs2_messages"], 1);  // The Georgian one.
  // The en sms text has no bare URL now; the body's link is a Markdown link.
  EXPECT_TRUE(r.json["warnings"].empty()) << r.body;

  // Providing the event variable removes the unknown-variable error.
  HttpResult with_event = Post("/v1/templates/" + id + "/validate",
                               {{"expression", "has(phone)"},
                                {"channels", {"sms"}},
                                {"variables", {{"event", {{"place", "Berlin"}}}}}},
                               admin_token_);
  ASSERT_EQ(with_event.status, 200) << with_event.body;
  for (const auto& e : with_event.json["errors"]) EXPECT_NE(e["code"], "unknown_variable");

  // Too long for the allowed number of SMS segments.
  HttpResult tight = Post("/v1/templates/" + id + "/validate",
                          {{"expression", "country = \"GE\""},
                           {"channels", {"sms"}},
                           {"max_sms_segments", 1}},
                          admin_token_);
  ASSERT_EQ(tight.status, 200) << tight.body;
  bool too_long = false;
  for (const auto& e : tight.json["errors"]) {
    if (e["code"] == "too_long") {
      too_long = true;
      EXPECT_EQ(e["channel"], "sms");
      EXPECT_EQ(e["language"], "ka");
      // Georgian needs UCS-2: one segment holds 70 characters, the 71st is where it goes over.
      EXPECT_EQ(e["position"]["offset"], 70) << e.dump();
      EXPECT_TRUE(IsWellFormedId(e["position"]["contact_id"].get<std::string>(), "c"));
      EXPECT_THAT(e["message"].get<std::string>(), ::testing::HasSubstr("at character 71"));
    }
  }
  EXPECT_TRUE(too_long) << tight.body;

  HttpResult bad = Post("/v1/templates/" + id + "/validate", {{"channels", {"pigeon"}}},
                        admin_token_);
  ExpectProblem(bad, 422);
}

TEST_F(TemplatesApiTest, BareUrlsAreFlaggedAsWarnings) {
  json t = Survey();
  t["variants"]["en"]["body"] = "Survey: https://survey.example.org/s and [ok](https://a.org)";
  std::string id = CreateTemplate(t);
  Contact("Anna", "DE", "en", "030 1111111");
  HttpResult r = Post("/v1/templates/" + id + "/validate",
                      {{"expression", "has(phone)"}, {"channels", {"email"}}}, admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["warnings"].size(), 2u) << r.body;  // body, and the en sms text.
  EXPECT_EQ(r.json["warnings"][0]["code"], "bare_url");
  EXPECT_EQ(r.json["warnings"][0]["position"]["field"], "body");
  EXPECT_EQ(r.json["warnings"][0]["position"]["offset"], 8);
  EXPECT_TRUE(r.json["valid"]) << r.body;
}

TEST_F(TemplatesApiTest, OfficersSeeOnlyTheirPostsTemplates) {
  std::string a = CreatePost("Embassy A");
  std::string b = CreatePost("Embassy B");
  std::string officer_a = CreateOfficerToken("officer", {a});
  std::string officer_b = CreateOfficerToken("officer", {b});
  json t = Survey();
  t["post_id"] = a;
  HttpResult created = Post("/v1/templates", t, officer_a);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = created.json["id"];
  EXPECT_EQ(Get("/v1/templates/" + id, officer_b).status, 404);
  EXPECT_EQ(Get("/v1/templates", officer_b).json["items"].size(), 0u);
  EXPECT_EQ(Get("/v1/templates/" + id, officer_a).status, 200);
  json orgwide = Survey();
  ExpectProblem(Post("/v1/templates", orgwide, officer_a), 422);
  std::string viewer = CreateOfficerToken("viewer", {a});
  EXPECT_EQ(Post("/v1/templates", t, viewer).status, 403);
}

}  // namespace
}  // namespace ogw::testing
