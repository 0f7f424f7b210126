#include "templates/template_renderer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "templates/markdown_render.h"
#include "templates/opt_out.h"

namespace ogw {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

constexpr int64_t kNewYear2026 = 1767225600000;     // 2026-01-01T00:00:00Z.
constexpr std::string_view kNarrowNbsp = "\u202f";  // ICU 72 puts it before AM/PM.

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

TemplateVariant Variant(std::string language, std::string body, std::string subject = "",
                        std::string sms = "", std::string data_use = "") {
  TemplateVariant v;
  v.language = std::move(language);
  v.body = std::move(body);
  v.subject = std::move(subject);
  v.sms = std::move(sms);
  v.data_use = std::move(data_use);
  return v;
}

Template MakeTemplate() {
  Template t;
  t.id = "tpl_test";
  t.version = 1;
  t.name = "Distribution";
  t.default_language = "en";
  t.variants = {
      Variant("ar", "# مرحبا {{contact.name}}\n\nالتوزيع في {{event.place}}.", "تذكير", "", ""),
      Variant("en",
              "# Hello {{contact.name}}\n\nThe distribution is at **{{event.place}}**. "
              "[Details](https://example.org/d) and [map](https://maps.example/x).",
              "Reminder for {{contact.name}}",
              "Hi {{contact.name}}, see {{event.place}}: "
              "https://example.org/d",
              "We keep your answers for 30 days."),
      Variant("fa", "سلام {{contact.name}}", "", "", ""),
      Variant("fr", "# Bonjour {{contact.name}}\n\nLa distribution a lieu à **{{event.place}}**.",
              "", "", "Nous gardons vos réponses 30 jours."),
      Variant("he", "שלום {{contact.name}}", "", "", ""),
      Variant("pt-BR", "Olá {{contact.name}}", "Lembrete", "", ""),
      Variant("ur", "سلام {{contact.name}}", "", "", ""),
  };
  return t;
}

Recipient MakeRecipient(std::vector<std::string> languages, std::string name = "Amina") {
  Recipient r;
  r.languages = std::move(languages);
  r.time_zone = "Europe/Paris";
  r.variables = {{"contact", {{"name", name}, {"city", "Lyon"}}},
                 {"event", {{"date", kNewYear2026}, {"place", "Town hall"}}}};
  return r;
}

class TemplateRendererTest : public ::testing::Test {
 protected:
  RenderedMessage Render(const Template& t, Channel channel, const Recipient& recipient,
                         std::string opt_out = "") {
    RenderRequest request;
    request.channel = channel;
    request.recipient = &recipient;
    request.post_default_language = post_default_;
    request.opt_out_text = std::move(opt_out);
    request.rewrite_link = rewrite_link_;
    absl::StatusOr<RenderedMessage> m = renderer_.Render(t, request);
    EXPECT_TRUE(m.ok()) << MessageOf(m.status());
    return m.ok() ? *std::move(m) : RenderedMessage{};
  }

  TemplateRenderer renderer_;
  std::string post_default_;
  std::function<std::string(std::string_view, size_t)> rewrite_link_;
};

// What a template that passed its checks at save time can still do with the variables it is
// given at send time: both stop within the budget, naming why.
TEST_F(TemplateRendererTest, RenderingWithinItsBudgetOrResourceExhausted) {
  Template t;
  t.id = "tpl_budget";
  t.version = 1;
  t.default_language = "en";
  t.variants = {Variant("en", "{{#event.l}}{{#event.l}}{{#event.l}}{{#event.l}}x"
                              "{{/event.l}}{{/event.l}}{{/event.l}}{{/event.l}}")};
  Recipient r = MakeRecipient({"en"});
  r.variables["event"]["l"] = nlohmann::json::array();
  for (int i = 0; i < 3; ++i) r.variables["event"]["l"].push_back(i);
  RenderRequest request;
  request.channel = Channel::kSms;
  request.recipient = &r;
  absl::StatusOr<RenderedMessage> small = renderer_.Render(t, request);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->text, std::string(81, 'x'));

  // 200^4 = 1.6e9 renderings of the innermost section.
  for (int i = 3; i < 200; ++i) r.variables["event"]["l"].push_back(i);
  absl::StatusOr<RenderedMessage> nested = renderer_.Render(t, request);
  ASSERT_EQ(nested.status().code(), absl::StatusCode::kResourceExhausted) << nested.status();
  EXPECT_THAT(std::string(MessageOf(nested.status())), HasSubstr("steps"));

  // One level, but the text it repeats is large: the output is capped.
  t.variants = {Variant("en", "{{#event.l}}{{event.text}}{{/event.l}}")};
  t.version = 2;
  r.variables["event"]["text"] = std::string(50'000, 'y');
  absl::StatusOr<RenderedMessage> large = renderer_.Render(t, request);
  ASSERT_EQ(large.status().code(), absl::StatusCode::kResourceExhausted) << large.status();
  EXPECT_THAT(std::string(MessageOf(large.status())), HasSubstr("bytes"));

  // The renderer is fine afterwards, also with the same template.
  r.variables["event"]["l"] = {1, 2};
  absl::StatusOr<RenderedMessage> after = renderer_.Render(t, request);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->text.size(), 100'000u);
}

TEST_F(TemplateRendererTest, EmailHasSubjectTextAndHtml) {
  Template t = MakeTemplate();
  RenderedMessage m = Render(t, Channel::kEmail, MakeRecipient({"en"}),
                             "To stop these emails, [unsubscribe](https://u.example/x).");
  EXPECT_EQ(m.subject, "Reminder for Amina");
  EXPECT_EQ(m.text,
            "Hello Amina\n\nThe distribution is at Town hall. Details (https://example.org/d) and "
            "map (https://maps.example/x).\n\n"
            "To stop these emails, unsubscribe (https://u.example/x).");
  EXPECT_EQ(m.html,
            "<h1>Hello Amina</h1>\n"
            "<p>The distribution is at <strong>Town hall</strong>. "
            "<a href=\"https://example.org/d\">Details</a> and "
            "<a href=\"https://maps.example/x\">map</a>.</p>\n"
            "<p>To stop these emails, <a href=\"https://u.example/x\">unsubscribe</a>.</p>\n");
  EXPECT_EQ(m.body_language, "en");
  EXPECT_EQ(m.subject_language, "en");
  EXPECT_EQ(m.sms_language, "");
  EXPECT_TRUE(m.missing_variables.empty());
}

TEST_F(TemplateRendererTest, ShortTextChannelsUseTheSmsField) {
  Template t = MakeTemplate();
  for (Channel channel : {Channel::kSms, Channel::kWhatsApp, Channel::kMessenger}) {
    RenderedMessage m = Render(t, channel, MakeRecipient({"en"}), "Reply STOP to opt out.");
    EXPECT_EQ(m.text, "Hi Amina, see Town hall: https://example.org/d\n\nReply STOP to opt out.");
    EXPECT_EQ(m.text_format, TextFormatOf(channel));
    EXPECT_EQ(m.sms_language, "en");
    EXPECT_EQ(m.body_language, "en");
    EXPECT_TRUE(m.html.empty());
    EXPECT_TRUE(m.subject.empty());
  }
  // French has no sms field: the French body, as plain text, beats the English short text.
  RenderedMessage fr = Render(t, Channel::kSms, MakeRecipient({"fr"}), "STOP");
  EXPECT_EQ(fr.text, "Bonjour Amina\n\nLa distribution a lieu à Town hall.\n\nSTOP");
  EXPECT_EQ(fr.sms_language, "");
  EXPECT_EQ(fr.body_language, "fr");
  // WhatsApp shows the same body with its own markers.
  RenderedMessage wa = Render(t, Channel::kWhatsApp, MakeRecipient({"fr"}), "STOP");
  EXPECT_EQ(wa.text, "*Bonjour Amina*\n\nLa distribution a lieu à *Town hall*.\n\nSTOP");
  EXPECT_EQ(wa.text_format, TextFormat::kWhatsAppMarkup);
}

TEST_F(TemplateRendererTest, TelegramAndBulletin) {
  Template t = MakeTemplate();
  RenderedMessage tg =
      Render(t, Channel::kTelegram, MakeRecipient({"en"}, "Tom & Jerry <3"), "Send /stop");
  EXPECT_EQ(tg.text,
            "<b>Hello Tom &amp; Jerry &lt;3</b>\n\nThe distribution is at <b>Town hall</b>. "
            "<a href=\"https://example.org/d\">Details</a> and "
            "<a href=\"https://maps.example/x\">map</a>.\n\nSend /stop");
  EXPECT_TRUE(tg.html.empty());
  EXPECT_EQ(tg.text_format, TextFormat::kTelegramHtml);
  RenderedMessage bulletin = Render(t, Channel::kBulletin, MakeRecipient({"en"}), "Bye.");
  EXPECT_TRUE(bulletin.text.empty());
  EXPECT_TRUE(Contains(bulletin.html, "<h1>Hello Amina</h1>"));
  EXPECT_TRUE(bulletin.html.ends_with("<p>Bye.</p>\n"));
}

TEST_F(TemplateRendererTest, HostileNamesStayLiteralInEveryFormat) {
  Template t;
  t.id = "tpl_hostile";
  t.default_language = "en";
  t.variants = {Variant("en",
                        "Dear {{contact.name}}, raw {{{contact.name}}} and {{&contact.name}}.",
                        "For {{contact.name}}", "SMS {{contact.name}}", "")};
  const std::vector<std::string> names = {"<script>alert(1)</script>", "*bold*", "[x](http://evil)",
                                          "A & B <c> \"d\"", "_u_ `c` # 1."};
  for (const std::string& name : names) {
    Recipient r = MakeRecipient({"en"}, name);
    RenderedMessage email = Render(t, Channel::kEmail, r);
    EXPECT_EQ(email.subject, "For " + name);
    EXPECT_EQ(email.text, "Dear " + name + ", raw " + name + " and " + name + ".");
    EXPECT_FALSE(Contains(email.html, "<script")) << email.html;
    EXPECT_FALSE(Contains(email.html, "<a ")) << email.html;
    EXPECT_FALSE(Contains(email.html, "<em>")) << email.html;
    EXPECT_FALSE(Contains(email.html, "<code>")) << email.html;
    RenderedMessage sms = Render(t, Channel::kSms, r);
    EXPECT_EQ(sms.text, "SMS " + name);
    RenderedMessage tg = Render(t, Channel::kTelegram, r);
    EXPECT_FALSE(Contains(tg.text, "<script")) << tg.text;
    EXPECT_FALSE(Contains(tg.text, "<a ")) << tg.text;
    EXPECT_FALSE(Contains(tg.text, "<i>")) << tg.text;
  }
  RenderedMessage m = Render(t, Channel::kEmail, MakeRecipient({"en"}, "<script>"));
  EXPECT_EQ(m.html, "<p>Dear &lt;script&gt;, raw &lt;script&gt; and &lt;script&gt;.</p>\n");
  m = Render(t, Channel::kTelegram, MakeRecipient({"en"}, "*bold* & <b>"));
  EXPECT_EQ(m.text,
            "Dear *bold* &amp; &lt;b&gt;, raw *bold* &amp; &lt;b&gt; and *bold* &amp; "
            "&lt;b&gt;.");
  // A value cannot break the subject line or inject template tags.
  Recipient r = MakeRecipient({"en"}, "Eve\r\nBcc: all@example.org {{contact.city}}");
  m = Render(t, Channel::kEmail, r);
  EXPECT_EQ(m.subject, "For Eve Bcc: all@example.org {{contact.city}}");
  EXPECT_FALSE(Contains(m.text, "Lyon"));
}

TEST_F(TemplateRendererTest, RightToLeftLanguagesGetADirectionWrapper) {
  Template t = MakeTemplate();
  for (const char* language : {"ar", "fa", "he", "ur"}) {
    RenderedMessage m = Render(t, Channel::kEmail, MakeRecipient({language}), "STOP");
    EXPECT_EQ(m.body_language, language);
    EXPECT_TRUE(m.html.starts_with("<div dir=\"rtl\">\n")) << m.html;
    EXPECT_TRUE(m.html.ends_with("</div>\n")) << m.html;
    EXPECT_FALSE(Contains(m.text, "dir=")) << "plain text has no markup";
  }
  RenderedMessage en = Render(t, Channel::kEmail, MakeRecipient({"en"}));
  EXPECT_FALSE(Contains(en.html, "dir="));
  RenderedMessage bulletin = Render(t, Channel::kBulletin, MakeRecipient({"ar"}));
  EXPECT_TRUE(bulletin.html.starts_with("<div dir=\"rtl\">")) << bulletin.html;
}

TEST_F(TemplateRendererTest, LanguageIsChosenPerField) {
  Template t = MakeTemplate();
  t.collects_data = true;
  // French body, English subject (French has none), French data use.
  RenderedMessage fr = Render(t, Channel::kEmail, MakeRecipient({"fr"}));
  EXPECT_EQ(fr.body_language, "fr");
  EXPECT_EQ(fr.subject_language, "en");
  EXPECT_EQ(fr.subject, "Reminder for Amina");
  EXPECT_TRUE(fr.text.starts_with("Bonjour Amina"));
  EXPECT_TRUE(fr.text.ends_with("Nous gardons vos réponses 30 jours.")) << fr.text;
  // Arabic has a subject but no data use: that falls back to the default language.
  RenderedMessage ar = Render(t, Channel::kEmail, MakeRecipient({"ar"}), "STOP");
  EXPECT_EQ(ar.subject, "تذكير");
  EXPECT_TRUE(Contains(ar.text, "We keep your answers for 30 days.\n\nSTOP")) << ar.text;
  EXPECT_TRUE(Contains(ar.html, "<p>We keep your answers for 30 days.</p>")) << ar.html;
  // A data-use statement in a left-to-right language is not put in the RTL wrapper.
  EXPECT_TRUE(Contains(ar.html, "</div>\n<p>We keep")) << ar.html;
}

TEST_F(TemplateRendererTest, LanguageFallbackChain) {
  Template t = MakeTemplate();
  auto body_language = [&](std::vector<std::string> languages) {
    return Render(t, Channel::kEmail, MakeRecipient(std::move(languages))).body_language;
  };
  EXPECT_EQ(body_language({"de", "fr", "en"}), "fr");  // First the template has.
  EXPECT_EQ(body_language({"fr-CA"}), "fr");           // Primary subtag.
  EXPECT_EQ(body_language({"FR"}), "fr");              // Case-insensitive.
  EXPECT_EQ(body_language({"pt"}), "pt-BR");           // pt takes pt-BR when there is no pt.
  EXPECT_EQ(body_language({"pt-PT"}), "pt-BR");        // Same primary subtag.
  EXPECT_EQ(body_language({"de"}), "en");              // Template default.
  EXPECT_EQ(body_language({}), "en");
  post_default_ = "fr-BE";
  EXPECT_EQ(body_language({"de"}), "fr");  // Post default, by primary subtag.
  EXPECT_EQ(body_language({"he"}), "he");  // The recipient's language still comes first.
  post_default_ = "sw";
  EXPECT_EQ(body_language({"de"}), "en");

  t.variants.push_back(Variant("pt", "Olá de Portugal"));
  EXPECT_EQ(body_language({"pt-BR"}), "pt-BR");  // Exact tag first.
  EXPECT_EQ(body_language({"pt"}), "pt");
  EXPECT_EQ(body_language({"pt-AO"}), "pt");  // pt-AO wants pt before pt-BR.

  // pt-BR has a subject, pt has none: the Portuguese speaker gets the Brazilian subject.
  RenderedMessage m = Render(t, Channel::kEmail, MakeRecipient({"pt"}));
  EXPECT_EQ(m.body_language, "pt");
  EXPECT_EQ(m.subject_language, "pt-BR");
  EXPECT_EQ(m.subject, "Lembrete");

  // No subject anywhere in the chain: empty.
  Template no_subject = MakeTemplate();
  for (TemplateVariant& v : no_subject.variants) v.subject.clear();
  m = Render(no_subject, Channel::kEmail, MakeRecipient({"fr"}));
  EXPECT_EQ(m.subject, "");
  EXPECT_EQ(m.subject_language, "");
}

TEST_F(TemplateRendererTest, RewritesBodyLinksOncePerIndex) {
  Template t = MakeTemplate();
  std::vector<std::pair<std::string, size_t>> calls;
  rewrite_link_ = [&](std::string_view url, size_t index) {
    calls.emplace_back(std::string(url), index);
    return "https://t.example/l/" + std::to_string(index);
  };
  RenderedMessage m =
      Render(t, Channel::kEmail, MakeRecipient({"en"}), "[Unsubscribe](https://u.example/x)");
  EXPECT_EQ(calls, (std::vector<std::pair<std::string, size_t>>{{"https://example.org/d", 0},
                                                                {"https://maps.example/x", 1}}));
  EXPECT_TRUE(Contains(m.text, "Details (https://t.example/l/0) and map (https://t.example/l/1)"))
      << m.text;
  EXPECT_TRUE(Contains(m.html, "<a href=\"https://t.example/l/0\">Details</a>")) << m.html;
  EXPECT_TRUE(Contains(m.html, "<a href=\"https://t.example/l/1\">map</a>"));
  EXPECT_TRUE(Contains(m.html, "https://u.example/x")) << "the opt-out link is not tracked";

  calls.clear();
  Render(t, Channel::kTelegram, MakeRecipient({"en"}));
  EXPECT_EQ(calls.size(), 2u);
  calls.clear();
  // The sms field has no Markdown link (a bare URL is text in CommonMark).
  Render(t, Channel::kSms, MakeRecipient({"en"}));
  EXPECT_TRUE(calls.empty());
}

TEST_F(TemplateRendererTest, WhatsAppCarriesItsTemplateInTheLanguageChosenLikeTheBody) {
  Template t = MakeTemplate();
  for (TemplateVariant& v : t.variants) {
    if (v.language != "en" && v.language != "fr") continue;
    WhatsAppTemplateRef& ref = v.whatsapp.emplace();
    ref.name = "distribution";
    ref.language = v.language == "en" ? "en_US" : "fr";
    ref.category = "utility";
    ref.parameters = {"{{contact.name}}", "{{event.place}}", "{{#date}}{{event.date}}{{/date}}"};
  }
  Recipient r = MakeRecipient({"fr"}, "*Amina*\n  Diallo");
  r.variables["event"] = {{"place", "Salle 1"}, {"date", kNewYear2026}};
  RenderedMessage fr = Render(t, Channel::kWhatsApp, r);
  ASSERT_TRUE(fr.whatsapp_template.has_value());
  EXPECT_EQ(fr.whatsapp_template->language, "fr");
  // Plain text on one line: nothing escaped for Markdown, no line break, dates in French.
  EXPECT_EQ(fr.whatsapp_template->parameters,
            (std::vector<std::string>{"*Amina* Diallo", "Salle 1", "1 janvier 2026"}));
  // Hebrew has no WhatsApp template: the default language's stands in, as for the body.
  RenderedMessage he = Render(t, Channel::kWhatsApp, MakeRecipient({"he"}));
  ASSERT_TRUE(he.whatsapp_template.has_value());
  EXPECT_EQ(he.whatsapp_template->language, "en_US");
  // Other channels carry none.
  EXPECT_FALSE(Render(t, Channel::kSms, r).whatsapp_template.has_value());
  EXPECT_FALSE(Render(MakeTemplate(), Channel::kWhatsApp, r).whatsapp_template.has_value());
}

TEST_F(TemplateRendererTest, ButtonsAndMediaComeWithTheBodysVariantOnChatChannels) {
  Template t = MakeTemplate();
  for (TemplateVariant& v : t.variants) {
    if (v.language == "en") {
      v.buttons = {{"rsvp:yes", "Yes"}, {"rsvp:no", "No"}};
      v.media = MediaLink{MediaLink::Kind::kDocument,
                          "https://example.org/invitations/{{contact.city}}.pdf", "invitation.pdf"};
      WhatsAppTemplateRef& ref = v.whatsapp.emplace();
      ref.name = "roundtable";
      ref.language = "en";
      ref.category = "utility";
      ref.media_header = true;
      ref.quick_reply_buttons = true;
    } else if (v.language == "fr") {
      v.buttons = {{"rsvp:yes", "Oui"}, {"rsvp:no", "Non"}};
    }
  }
  const RenderedMessage fr = Render(t, Channel::kTelegram, MakeRecipient({"fr"}));
  EXPECT_EQ(fr.buttons, (std::vector<QuickReply>{{"rsvp:yes", "Oui"}, {"rsvp:no", "Non"}}));
  EXPECT_FALSE(fr.media.has_value()) << "media goes on WhatsApp only";
  EXPECT_EQ(Render(t, Channel::kMessenger, MakeRecipient({"fr"})).buttons, fr.buttons);
  // French has no media and no WhatsApp template: the English template stands in with its
  // own header and payloads; the text keeps its French buttons.
  const RenderedMessage wa_fr = Render(t, Channel::kWhatsApp, MakeRecipient({"fr"}));
  EXPECT_EQ(wa_fr.buttons, fr.buttons);
  EXPECT_FALSE(wa_fr.media.has_value());
  ASSERT_TRUE(wa_fr.whatsapp_header_media.has_value());
  EXPECT_EQ(wa_fr.whatsapp_header_media->url, "https://example.org/invitations/Lyon.pdf");
  EXPECT_EQ(wa_fr.whatsapp_button_payloads, (std::vector<std::string>{"rsvp:yes", "rsvp:no"}));
  const RenderedMessage wa_en = Render(t, Channel::kWhatsApp, MakeRecipient({"en"}));
  ASSERT_TRUE(wa_en.media.has_value());
  EXPECT_EQ(wa_en.media->url, "https://example.org/invitations/Lyon.pdf");
  EXPECT_EQ(wa_en.media->filename, "invitation.pdf");
  // SMS and e-mail carry neither: their text says how to answer.
  for (Channel c : {Channel::kSms, Channel::kEmail}) {
    const RenderedMessage other = Render(t, c, MakeRecipient({"en"}));
    EXPECT_TRUE(other.buttons.empty());
    EXPECT_FALSE(other.media.has_value());
  }
  EXPECT_THAT(TemplateRenderer::ReferencedVariables(t), ::testing::Contains("contact.city"));
}

TEST_F(TemplateRendererTest, AMediaUrlThatRendersToNoUrlIsAnError) {
  Template t = MakeTemplate();
  for (TemplateVariant& v : t.variants) {
    if (v.language == "en") {
      v.media = MediaLink{MediaLink::Kind::kImage, "{{contact.attributes.poster}}", ""};
    }
  }
  RenderRequest request;
  request.channel = Channel::kWhatsApp;
  const Recipient r = MakeRecipient({"en"});
  request.recipient = &r;
  const auto rendered = renderer_.Render(t, request);
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(MessageOf(rendered.status())),
              HasSubstr("media.url renders to \"\", which is not an http(s) URL"));
}

TEST_F(TemplateRendererTest, MissingVariablesRenderEmptyAndAreListed) {
  Template t;
  t.id = "tpl_missing";
  t.default_language = "en";
  t.variants = {
      Variant("en",
              "Hi {{contact.name}} {{contact.surname}}!{{#contact.phone}} Call "
              "{{contact.phone}}.{{/contact.phone}}{{^contact.email}} No email.{{/contact.email}} "
              "On {{#date}}{{event.start}}{{/date}}. {{#items}}[{{label}}]{{/items}}",
              "About {{topic}}")};
  Recipient r = MakeRecipient({"en"});
  r.variables["contact"]["surname"] = nullptr;  // Null counts as absent.
  r.variables["items"] = json::array({{{"label", "a"}}, json::object()});
  RenderedMessage m = Render(t, Channel::kEmail, r);
  EXPECT_EQ(m.text, "Hi Amina ! No email. On . [a][]");
  EXPECT_EQ(m.subject, "About");
  EXPECT_EQ(m.missing_variables,
            (std::vector<std::string>{"contact.surname", "event.start", "label", "topic"}));
  EXPECT_EQ(
      TemplateRenderer::ReferencedVariables(t),
      (std::vector<std::string>{"contact.email", "contact.name", "contact.phone", "contact.surname",
                                "event.start", "items", "label", "topic"}));
  // Present values are not missing; an empty string is present but false for sections.
  r.variables["contact"]["surname"] = "";
  r.variables["contact"]["phone"] = "+33 1";
  r.variables["event"]["start"] = kNewYear2026;
  r.variables["topic"] = "food";
  r.variables["items"] = json::array({{{"label", "a"}}});
  m = Render(t, Channel::kSms, r);
  EXPECT_EQ(m.text, "Hi Amina ! Call +33 1. No email. On January 1, 2026. [a]");
  EXPECT_TRUE(m.missing_variables.empty()) << m.missing_variables[0];
}

TEST_F(TemplateRendererTest, FormatsDatesWithIcuInTheRecipientsTimeZone) {
  Template t;
  t.id = "tpl_dates";
  t.default_language = "en";
  const std::string body =
      "{{#date}}{{event.date}}{{/date}}|{{#time}}{{event.date}}{{/time}}|"
      "{{#datetime}}{{event.date}}{{/datetime}}";
  for (const char* language : {"en", "fr", "ar", "ka"})
    t.variants.push_back(Variant(language, body));
  Recipient r = MakeRecipient({"en"});
  r.time_zone = "Asia/Tbilisi";  // UTC+4.
  EXPECT_EQ(Render(t, Channel::kSms, r).text, "January 1, 2026|4:00" + std::string(kNarrowNbsp) +
                                                  "AM|January 1, 2026 at 4:00" +
                                                  std::string(kNarrowNbsp) + "AM");
  r.languages = {"fr"};
  EXPECT_EQ(Render(t, Channel::kSms, r).text, "1 janvier 2026|04:00|1 janvier 2026 à 04:00");
  r.languages = {"ka"};
  EXPECT_EQ(Render(t, Channel::kSms, r).text, "1 იანვარი, 2026|04:00|1 იანვარი, 2026, 04:00");
  r.languages = {"ar"};
  std::string ar = Render(t, Channel::kSms, r).text;
  EXPECT_TRUE(ar.starts_with("١ يناير ٢٠٢٦|٤:٠٠")) << ar;  // Arabic-Indic digits, Arabic month.

  r.languages = {"en"};
  r.time_zone = "America/New_York";  // The evening before.
  EXPECT_TRUE(Render(t, Channel::kSms, r).text.starts_with("December 31, 2025|7:00"));
  r.time_zone = "";
  EXPECT_TRUE(Render(t, Channel::kSms, r).text.starts_with("January 1, 2026|12:00"));
  r.time_zone = "Not/AZone";  // Unknown: UTC.
  EXPECT_TRUE(Render(t, Channel::kSms, r).text.starts_with("January 1, 2026|12:00"));
  r.variables["event"]["date"] = "1767225600000";  // Digits in a string work too.
  EXPECT_TRUE(Render(t, Channel::kSms, r).text.starts_with("January 1, 2026|"));
  r.variables["event"]["date"] = "tomorrow";
  EXPECT_EQ(Render(t, Channel::kSms, r).text, "||");
}

TEST_F(TemplateRendererTest, FormatsNumbersForTheFieldsLanguage) {
  Template t;
  t.id = "tpl_numbers";
  t.default_language = "en";
  t.variants = {Variant("en", "{{n}} and {{f}}{{#n}} (has n){{/n}}", "Total {{n}}"),
                Variant("fr", "{{n}} et {{f}}")};
  Recipient r = MakeRecipient({"fr"});
  r.variables["n"] = 1234567;
  r.variables["f"] = 1234.5;
  RenderedMessage m = Render(t, Channel::kEmail, r);
  EXPECT_EQ(m.text, "1\u202f234\u202f567 et 1\u202f234,5");
  EXPECT_EQ(m.subject, "Total 1,234,567");  // The subject is English, so are its numbers.
  r.languages = {"en"};
  EXPECT_EQ(Render(t, Channel::kSms, r).text, "1,234,567 and 1,234.5 (has n)");
}

TEST_F(TemplateRendererTest, DataUseOnlyForDataCollectingTemplates) {
  Template t = MakeTemplate();
  RenderedMessage m = Render(t, Channel::kTelegram, MakeRecipient({"fr"}), "STOP");
  EXPECT_FALSE(Contains(m.text, "Nous gardons"));
  t.collects_data = true;
  m = Render(t, Channel::kTelegram, MakeRecipient({"fr"}), "STOP");
  EXPECT_TRUE(m.text.ends_with("\n\nNous gardons vos réponses 30 jours.\n\nSTOP")) << m.text;
}

TEST_F(TemplateRendererTest, TheBodyCannotSwallowTheOptOut) {
  Template t;
  t.id = "tpl_fence";
  t.default_language = "en";
  t.variants = {Variant("en", "Look:\n\n```\nunclosed fence")};
  RenderedMessage m = Render(t, Channel::kEmail, MakeRecipient({"en"}), "Reply STOP");
  EXPECT_TRUE(m.html.ends_with("<p>Reply STOP</p>\n")) << m.html;
  EXPECT_TRUE(m.text.ends_with("\n\nReply STOP")) << m.text;
}

TEST_F(TemplateRendererTest, Errors) {
  Template empty;
  RenderRequest request;
  EXPECT_EQ(renderer_.Render(empty, request).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Template broken;
  broken.id = "tpl_broken";
  broken.default_language = "en";
  broken.variants = {Variant("en", "Hi {{#contact.name}}")};
  absl::StatusOr<RenderedMessage> m = renderer_.Render(broken, request);  // No recipient: fine.
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(MessageOf(m.status()), "variants.en.body")) << MessageOf(m.status());
  broken.variants[0].body = "Hi {{date}}";
  EXPECT_EQ(renderer_.Render(broken, request).status().code(), absl::StatusCode::kInvalidArgument);
  Recipient r = MakeRecipient({"en"}, "bad \xff byte");
  request.recipient = &r;
  Template t = MakeTemplate();
  EXPECT_EQ(renderer_.Render(t, request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TemplateRendererTest, CachesParsedFieldsByIdVersionAndSource) {
  Template t = MakeTemplate();
  Recipient r = MakeRecipient({"en"});
  Render(t, Channel::kEmail, r);
  size_t after_first = renderer_.CachedFieldCount();
  EXPECT_EQ(after_first, 2u);  // en body and en subject.
  Render(t, Channel::kEmail, r);
  EXPECT_EQ(renderer_.CachedFieldCount(), after_first);
  // Same id and version but different text (a caller that forgot to bump): not served stale.
  t.variants[1].body = "Changed {{contact.name}}";
  EXPECT_EQ(Render(t, Channel::kSms, r).text, "Hi Amina, see Town hall: https://example.org/d");
  EXPECT_EQ(Render(t, Channel::kTelegram, r).text, "Changed Amina");
  t.version = 2;
  Render(t, Channel::kTelegram, r);
  EXPECT_EQ(renderer_.CachedFieldCount(), after_first + 2);  // + sms v1, body v2.
  t.id.clear();                                              // Unsaved templates are not cached.
  Render(t, Channel::kTelegram, r);
  EXPECT_EQ(renderer_.CachedFieldCount(), after_first + 2);
}

TEST_F(TemplateRendererTest, RendersConcurrently) {
  Template t = MakeTemplate();
  t.variants[1].body += " {{#date}}{{event.date}}{{/date}} {{missing}}";
  Recipient r = MakeRecipient({"en"});
  RenderRequest request;
  request.channel = Channel::kEmail;
  request.recipient = &r;
  absl::StatusOr<RenderedMessage> expected = renderer_.Render(t, request);
  ASSERT_TRUE(expected.ok());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 50; ++n) {
        absl::StatusOr<RenderedMessage> m = renderer_.Render(t, request);
        if (!m.ok() || m->html != expected->html || m->text != expected->text ||
            m->missing_variables != expected->missing_variables) {
          ++mismatches[i];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : mismatches) EXPECT_EQ(count, 0);
  EXPECT_EQ(expected->missing_variables, std::vector<std::string>{"missing"});
}

TEST_F(TemplateRendererTest, ReferencedVariablesCoverAllVariantsAndFields) {
  Template t = MakeTemplate();
  t.variants[0].body += " {{#date}}{{event.date}}{{/date}} {{! comment }} {{{raw.x}}}";
  t.variants[3].data_use = "{{org.name}} keeps data";
  EXPECT_EQ(
      TemplateRenderer::ReferencedVariables(t),
      (std::vector<std::string>{"contact.name", "event.date", "event.place", "org.name", "raw.x"}));
}

}  // namespace
TEST(OptOutTextTest, EmailLinksToTheOneClickUnsubscribeInTheRecipientsLanguage) {
  const std::string url = "https://gw.example.org/u/org_1.c_2.email.abc";
  EXPECT_EQ(OptOutText(Channel::kEmail, "en"), "To stop receiving these e-mails, reply STOP.");
  EXPECT_EQ(OptOutText(Channel::kEmail, "fr-CA", url),
            "Pour ne plus recevoir ces e-mails, répondez STOP. [Se désabonner](<" + url + ">)");
  auto html = RenderMarkdown(OptOutText(Channel::kEmail, "en", url), TextFormat::kHtml);
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("<a href=\"" + url + "\">Unsubscribe</a>"), std::string::npos) << *html;
  // SMS and chat name the keyword only.
  EXPECT_EQ(OptOutText(Channel::kSms, "en", url), "Reply STOP to unsubscribe.");
}

}  // namespace ogw
