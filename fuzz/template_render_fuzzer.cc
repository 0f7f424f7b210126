// Feeds officer-written templates to TemplateFromJson and renders every accepted template on
// every channel with fuzzed variables, as a campaign does (Mustache, Markdown escaping, cmark,
// ICU number and date formatting, link rewriting). Input: the API body of a template, then a
// line "---", then the recipient's variables as JSON. Mustache sections nested inside each
// other repeat per list element, so rendering is legitimately exponential in the nesting
// depth; inputs are capped at 4 KB to keep each run fast.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/contacts/normalize.h"
#include "gateway/core/json_reader.h"
#include "templates/template.h"
#include "templates/template_renderer.h"

namespace {

constexpr size_t kMaxInputBytes = 4096;
constexpr std::string_view kSeparator = "\n---\n";

constexpr ogw::Channel kChannels[] = {ogw::Channel::kEmail,     ogw::Channel::kSms,
                                      ogw::Channel::kWhatsApp,  ogw::Channel::kTelegram,
                                      ogw::Channel::kMessenger, ogw::Channel::kBulletin};

// API bodies are checked for nesting before they are parsed (RequestContext::JsonBody).
nlohmann::json ParseBody(std::string_view text) {
  if (ogw::JsonNestingDepth(text) > ogw::kMaxInputJsonDepth) return nlohmann::json();
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

void CheckUtf8(const std::string& s) {
  if (ogw::FindInvalidUtf8(s) != std::string_view::npos) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  static const ogw::TemplateRenderer* renderer = new ogw::TemplateRenderer();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view body_text = input;
  std::string_view variables_text;
  if (const size_t sep = input.find(kSeparator); sep != std::string_view::npos) {
    body_text = input.substr(0, sep);
    variables_text = input.substr(sep + kSeparator.size());
  }

  nlohmann::json body = ParseBody(body_text);
  if (!body.is_object()) return 0;
  ogw::FieldErrors errors;
  auto parsed = ogw::TemplateFromJson(body, &errors);
  if (!parsed.ok()) {
    if (errors.empty()) abort();
    return 0;
  }
  ogw::Template t = *std::move(parsed);
  t.id = "t_fuzz";  // Exercises the renderer's cache; the version keeps entries apart.
  t.org_id = "o_fuzz";
  t.version = 1;
  auto stored = ogw::TemplateFromStoredJson(ogw::ToJson(t));
  if (!stored.ok() || ogw::ToJson(*stored) != ogw::ToJson(t)) abort();
  (void)ogw::TemplateRenderer::ReferencedVariables(t);

  ogw::Recipient recipient;
  // Most preferred last variant first, then a language no template has: exercises fallbacks.
  for (auto it = t.variants.rbegin(); it != t.variants.rend(); ++it) {
    recipient.languages.push_back(it->language);
  }
  recipient.languages.push_back("ar");
  recipient.time_zone = "Asia/Tbilisi";
  nlohmann::json variables = ParseBody(variables_text);
  if (variables.is_object()) recipient.variables = std::move(variables);

  for (ogw::Channel channel : kChannels) {
    std::set<size_t> rewritten;
    ogw::RenderRequest request;
    request.channel = channel;
    request.recipient = &recipient;
    request.post_default_language = "fr";
    request.opt_out_text = "Reply STOP to opt out, or [unsubscribe](https://u.example/x).";
    request.rewrite_link = [&rewritten](std::string_view, size_t index) {
      if (!rewritten.insert(index).second) abort();  // At most once per index.
      return "https://l.example/" + std::to_string(index);
    };
    auto message = renderer->Render(t, request);
    if (!message.ok()) continue;
    CheckUtf8(message->subject);
    CheckUtf8(message->text);
    CheckUtf8(message->html);
  }
  return 0;
}
