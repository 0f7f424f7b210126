#include "gateway/audience/template_audit.h"

#include <array>
#include <cmath>
#include <set>

#include "gateway/conversations/last_inbound.h"
#include "gateway/core/text.h"
#include "templates/markdown_render.h"
#include "templates/sms_encoding.h"

namespace ogw {
namespace {

// Characters a channel accepts in one message (Telegram and WhatsApp: 4096; Messenger: 2000).
size_t CharacterLimit(Channel channel) {
  switch (channel) {
    case Channel::kTelegram:
    case Channel::kWhatsApp:
      return 4096;
    case Channel::kMessenger:
      return 2000;
    default:
      return 0;  // No limit, or counted in segments (SMS).
  }
}

// Byte offsets of the code points of `utf8` (well-formed), and its size at the end.
std::vector<size_t> CodePointStarts(const std::string& utf8) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < utf8.size(); ++i) {
    if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(utf8.size());
  return starts;
}

// How many characters (code points) of `text` fit the channel's limit: the first one past it
// is where an officer has to shorten. SMS: the longest prefix within `max_segments`.
size_t CharactersThatFit(const std::string& text, Channel channel, size_t max_segments) {
  const std::vector<size_t> starts = CodePointStarts(text);
  const size_t count = starts.size() - 1;
  if (channel != Channel::kSms) return std::min(count, CharacterLimit(channel));
  size_t lo = 0, hi = count;  // The prefix of lo characters fits; find the largest.
  while (lo < hi) {
    const size_t mid = lo + (hi - lo + 1) / 2;
    auto info = AnalyzeSms(std::string_view(text).substr(0, starts[mid]));
    if (info.ok() && info->segments <= max_segments) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

// Variables a contact can provide; anything else must come from the extra variables.
bool KnownVariable(const std::string& name, const nlohmann::json& extra) {
  static const std::set<std::string> kContactFields = {
      "contact.name", "contact.city", "contact.country", "contact.time_zone",
      "contact.languages"};
  if (kContactFields.contains(name) || name.starts_with("contact.attributes.")) return true;
  std::string top = name.substr(0, name.find('.'));
  if (top == "date" || top == "time" || top == "datetime") return true;
  return extra.is_object() && extra.contains(top);
}

struct Tally {
  size_t count = 0;
  std::vector<std::string> sample;
  void Add(const std::string& id, size_t max) {
    ++count;
    if (sample.size() < max) sample.push_back(id);
  }
};

// One entry of the report's errors or warnings.
nlohmann::json Issue(const Template& t, std::string code, std::string language, std::string channel,
                     nlohmann::json position, std::string message) {
  return {{"template", t.id},
          {"code", std::move(code)},
          {"language", std::move(language)},
          {"channel", std::move(channel)},
          {"position", std::move(position)},
          {"message", std::move(message)}};
}

// Unknown variables: names no recipient and no extra variable can provide.
void AddUnknownVariables(const Template& t, const nlohmann::json& extra, nlohmann::json* errors) {
  for (const TemplateVariant& v : t.variants) {
    for (const auto& [field, text] :
         {std::pair{"body", &v.body}, std::pair{"subject", &v.subject}, std::pair{"sms", &v.sms},
          std::pair{"data_use", &v.data_use}}) {
      for (const MustacheTag& tag : ScanMustacheTags(*text)) {
        if (tag.kind != MustacheTag::Kind::kVariable && tag.kind != MustacheTag::Kind::kUnescaped) {
          continue;
        }
        if (!KnownVariable(tag.name, extra)) {
          errors->push_back(Issue(t, "unknown_variable", v.language, "",
                                  {{"field", field}, {"offset", tag.offset}},
                                  "unknown variable " + tag.name));
        }
      }
    }
  }
}

// Addresses that would be neither clickable in HTML nor tracked: a warning, since phones
// still make them clickable in SMS.
nlohmann::json BareUrlWarnings(const Template& t) {
  nlohmann::json warnings = nlohmann::json::array();
  for (const TemplateVariant& v : t.variants) {
    for (const auto& [field, text] : {std::pair{"body", &v.body}, std::pair{"sms", &v.sms}}) {
      for (const std::string& url : FindBareUrls(*text)) {
        warnings.push_back(Issue(t, "bare_url", v.language, "",
                                 {{"field", field}, {"offset", text->find(url)}},
                                 "write " + url + " as a Markdown link ([text](" + url + ") or <" +
                                     url + ">) so it is clickable in e-mail and tracked"));
      }
    }
  }
  return warnings;
}

// On a channel with a customer-service window: how many people with an address there would
// get each form, and the templates by category.
struct WindowForms {
  size_t recipients = 0;
  size_t text = 0;
  size_t provider_template = 0;
  Tally not_sendable;
  std::map<std::string, size_t> categories;
};

// What rendering the template for every recipient of the audience found.
struct AudienceFindings {
  explicit AudienceFindings(const AuditOptions& options)
      : sms_cost(options.sms_price_per_segment, options.currency) {}

  size_t recipients = 0;
  std::map<std::string, Tally> missing;        // variable -> recipients lacking it
  std::map<std::string, Tally> language_gaps;  // wanted language -> recipients served another
  std::map<std::string, Tally> too_long;       // "channel|language" -> recipients
  std::map<std::string, size_t> longest;
  // The longest rendering over the limit per "channel|language", and whose it is.
  std::map<std::string, std::pair<std::string, std::string>> longest_text;
  SmsCostAccumulator sms_cost;
  size_t gsm7 = 0, ucs2 = 0;
  std::map<Channel, WindowForms> window_forms;  // WhatsApp and Messenger.
};

// Whether the template has a variant in `wanted`, or in another form of its primary language.
bool ServesLanguage(const Template& t, const std::string& wanted) {
  std::string primary = wanted.substr(0, wanted.find('-'));
  bool served = false;
  for (const auto& v : t.variants) {
    served |= v.language == wanted || v.language.substr(0, v.language.find('-')) == primary;
  }
  return served;
}

// Counts `rendered` against the channel's limit (SMS: segments, and their encoding and cost).
absl::Status MeasureLength(const RenderedMessage& rendered, Channel channel,
                           const std::string& contact_id, const AuditOptions& options,
                           AudienceFindings* found) {
  const std::string key = std::string(ChannelName(channel)) + "|" + rendered.body_language;
  if (channel == Channel::kSms) {
    auto info = AnalyzeSms(rendered.text);
    if (!info.ok()) return info.status();
    found->sms_cost.Add(*info);
    ++(info->encoding == SmsEncoding::kGsm7 ? found->gsm7 : found->ucs2);
    if (info->segments > options.max_sms_segments) {
      found->too_long[key].Add(contact_id, options.sample_size);
      if (info->segments > found->longest[key]) {
        found->longest_text[key] = {contact_id, rendered.text};
      }
    }
    found->longest[key] = std::max(found->longest[key], info->segments);
  } else if (size_t limit = CharacterLimit(channel); limit > 0) {
    size_t length = CountCodePoints(rendered.text);
    if (length > limit) {
      found->too_long[key].Add(contact_id, options.sample_size);
      if (length > found->longest[key]) found->longest_text[key] = {contact_id, rendered.text};
    }
    found->longest[key] = std::max(found->longest[key], length);
  }
  return absl::OkStatus();
}

// Which form `c` would get on `channel` now: free text inside their window, else the approved
// template, else nothing (the launch would fail them with outside_window).
absl::Status CountWindowForm(const RenderedMessage& rendered, Channel channel, const Contact& c,
                             const AuditOptions& options, AudienceFindings* found) {
  const Address* address = c.FindAddress(AddressKindForChannel(channel));
  if (address == nullptr) return absl::OkStatus();
  int64_t last = 0;
  if (options.last_inbound_millis) {
    ASSIGN_OR_RETURN(last, options.last_inbound_millis(c, *address));
  }
  WindowForms& forms = found->window_forms[channel];
  ++forms.recipients;
  if (ServiceWindowOpen(last, options.now_millis)) {
    ++forms.text;
  } else if (rendered.whatsapp_template) {
    ++forms.provider_template;
    ++forms.categories[rendered.whatsapp_template->category];
  } else {
    forms.not_sendable.Add(c.id, options.sample_size);
  }
  return absl::OkStatus();
}

// Checks one recipient: the language they want, and the template rendered on every channel.
absl::Status CheckRecipient(const TemplateRenderer& renderer, const Template& t, const Contact& c,
                            const AuditOptions& options, AudienceFindings* found) {
  ++found->recipients;
  if (!c.languages.empty() && !ServesLanguage(t, c.languages.front())) {
    found->language_gaps[c.languages.front()].Add(c.id, options.sample_size);
  }
  for (Channel channel : options.channels) {
    ASSIGN_OR_RETURN(RenderedMessage rendered,
                     RenderFor(renderer, t, c, channel, "", options.extra_variables));
    for (const auto& name : rendered.missing_variables) {
      found->missing[name].Add(c.id, options.sample_size);
    }
    RETURN_IF_ERROR(MeasureLength(rendered, channel, c.id, options, found));
    if (HasServiceWindow(channel)) {
      RETURN_IF_ERROR(CountWindowForm(rendered, channel, c, options, found));
    }
  }
  return absl::OkStatus();
}

// Checks every contact in `scope` that `audience` matches; stops at the first failure.
absl::Status FindAudienceProblems(const TemplateRenderer& renderer, const Template& t,
                                  ContactStore* contacts, std::string_view org_id,
                                  const PostScope& scope, const SegmentExpression& audience,
                                  const AuditOptions& options, AudienceFindings* found) {
  absl::Status failure;
  RETURN_IF_ERROR(contacts->ForEach(org_id, scope, [&](const Contact& c) {
    if (!scope.Allows(c.post_id) || !audience.Matches(c)) return true;
    absl::Status checked = CheckRecipient(renderer, t, c, options, found);
    if (!checked.ok()) {
      failure = std::move(checked);
      return false;
    }
    return true;
  }));
  return failure;
}

// The missing variables section, with one error per variable.
nlohmann::json ReportMissingVariables(const Template& t,
                                      const std::map<std::string, Tally>& missing,
                                      nlohmann::json* errors) {
  nlohmann::json missing_json = nlohmann::json::array();
  for (const auto& [name, tally] : missing) {
    missing_json.push_back(
        {{"variable", name}, {"recipients", tally.count}, {"sample_contact_ids", tally.sample}});
    errors->push_back(Issue(
        t, "missing_variable", "", "", nullptr,
        "variable " + name + " is missing for " + std::to_string(tally.count) + " recipient(s)"));
  }
  return missing_json;
}

// The missing languages section, with one error per language.
nlohmann::json ReportLanguageGaps(const Template& t,
                                  const std::map<std::string, Tally>& language_gaps,
                                  nlohmann::json* errors) {
  nlohmann::json languages_json = nlohmann::json::array();
  for (const auto& [language, tally] : language_gaps) {
    languages_json.push_back({{"language", language},
                              {"recipients", tally.count},
                              {"sample_contact_ids", tally.sample}});
    errors->push_back(Issue(t, "missing_language", language, "", nullptr,
                            "the template has no " + language + " variant; " +
                                std::to_string(tally.count) +
                                " recipient(s) would get a fallback language"));
  }
  return languages_json;
}

// One error per channel and language whose texts go over the limit, pointing at where the
// longest of them goes over.
void AddTooLong(const Template& t, const AudienceFindings& found, const AuditOptions& options,
                nlohmann::json* errors) {
  for (const auto& [key, tally] : found.too_long) {
    std::string channel = key.substr(0, key.find('|'));
    std::string language = key.substr(key.find('|') + 1);
    std::string limit =
        channel == "sms"
            ? std::to_string(options.max_sms_segments) + " segments"
            : std::to_string(CharacterLimit(*ParseAnyChannel(channel))) + " characters";
    // Where the longest message goes over: characters from there on do not fit. Every key
    // over the limit has its longest rendering recorded.
    const auto& [contact_id, text] = found.longest_text.at(key);
    const size_t fits =
        CharactersThatFit(text, *ParseAnyChannel(channel), options.max_sms_segments);
    errors->push_back(Issue(t, "too_long", language, channel,
                            {{"limit", limit},
                             {"longest", found.longest.at(key)},
                             {"offset", fits},
                             {"contact_id", contact_id}},
                            "the text exceeds " + limit + " for " + std::to_string(tally.count) +
                                " recipient(s); the longest (contact " + contact_id +
                                ") goes over at character " + std::to_string(fits + 1)));
  }
}

// The SMS section: messages, segments, cost and how many messages needed each encoding.
nlohmann::json SmsSummary(const AudienceFindings& found) {
  SmsCostEstimate estimate = found.sms_cost.Result();
  return {{"messages", estimate.messages}, {"segments", estimate.segments},
          {"cost", estimate.cost},         {"currency", estimate.currency},
          {"gsm7_messages", found.gsm7},   {"ucs2_messages", found.ucs2}};
}

// The section of a channel with a window: the forms, and on WhatsApp the templates' cost.
nlohmann::json WindowSummary(const Template& t, Channel channel, const WindowForms& forms,
                             const AuditOptions& options, nlohmann::json* warnings) {
  nlohmann::json out = {{"recipients", forms.recipients},
                        {"text", forms.text},
                        {"template", forms.provider_template},
                        {"not_sendable", forms.not_sendable.count},
                        {"sample_not_sendable", forms.not_sendable.sample}};
  if (channel == Channel::kWhatsApp) {
    double cost = 0;
    nlohmann::json categories = nlohmann::json::object();
    for (const auto& [category, count] : forms.categories) {
      categories[category] = count;
      auto price = options.whatsapp_price_per_template.find(category);
      if (price != options.whatsapp_price_per_template.end()) {
        cost += price->second * static_cast<double>(count);
      }
    }
    out["template_categories"] = std::move(categories);
    out["cost"] = std::round(cost * 10000) / 10000;
    out["currency"] = options.currency;
  }
  if (forms.not_sendable.count > 0) {
    const std::string name(ChannelName(channel));
    warnings->push_back(
        Issue(t, "outside_window", "", name, nullptr,
              std::to_string(forms.not_sendable.count) + " recipient(s) have not written on " +
                  name + " in the last 24 hours and the template has " +
                  (channel == Channel::kWhatsApp ? "no WhatsApp template" : "no permitted tag") +
                  " for them: they would fail with outside_window"));
  }
  return out;
}

}  // namespace

absl::StatusOr<nlohmann::json> AuditTemplate(const TemplateRenderer& renderer, const Template& t,
                                             ContactStore* contacts, std::string_view org_id,
                                             const PostScope& scope,
                                             const SegmentExpression& audience,
                                             const AuditOptions& options) {
  nlohmann::json errors = nlohmann::json::array();
  AddUnknownVariables(t, options.extra_variables, &errors);
  nlohmann::json warnings = BareUrlWarnings(t);

  AudienceFindings found(options);
  RETURN_IF_ERROR(
      FindAudienceProblems(renderer, t, contacts, org_id, scope, audience, options, &found));

  nlohmann::json missing_json = ReportMissingVariables(t, found.missing, &errors);
  nlohmann::json languages_json = ReportLanguageGaps(t, found.language_gaps, &errors);
  AddTooLong(t, found, options, &errors);
  nlohmann::json report = {{"template", t.id},
                           {"recipients", found.recipients},
                           {"valid", errors.empty()},
                           {"errors", std::move(errors)},
                           {"warnings", std::move(warnings)},
                           {"missing_variables", std::move(missing_json)},
                           {"missing_languages", std::move(languages_json)}};
  for (Channel c : options.channels) {
    if (c == Channel::kSms) report["sms"] = SmsSummary(found);
    if (HasServiceWindow(c)) {
      report[std::string(ChannelName(c))] =
          WindowSummary(t, c, found.window_forms[c], options, &report["warnings"]);
    }
  }
  return report;
}

}  // namespace ogw
