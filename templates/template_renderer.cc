#include "templates/template_renderer.h"

// GCC 12 reports a false -Wnull-dereference inside std::vector::insert as kainjow uses it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <kainjow/mustache.hpp>
#pragma GCC diagnostic pop
#include <unicode/datefmt.h>
#include <unicode/locid.h>
#include <unicode/numfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "gateway/core/text.h"
#include "templates/markdown_render.h"

namespace ogw {
namespace {

namespace mstch = kainjow::mustache;

// Idle parsed copies kept per cached field: about the number of threads rendering it at once.
constexpr size_t kMaxIdleCopies = 16;

std::string_view PrimarySubtag(std::string_view tag) { return tag.substr(0, tag.find('-')); }

std::string ToUtf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

enum class DateStyle { kDate, kTime, kDateTime };

// Per-Render state the data's lambdas consult: the field being rendered decides the language
// and whether values are escaped for Markdown. ICU formatters are made on first use, since
// most renderings format nothing.
class RenderState {
 public:
  explicit RenderState(std::string time_zone) : time_zone_(std::move(time_zone)) {}

  std::string language;
  bool markdown = true;      // Escape what the lambdas return with EscapeMarkdown.
  bool raw_numbers = false;  // Inside a date section: numbers as JSON, not localised.
  std::set<std::string> missing;

  std::string Escape(std::string text) const { return markdown ? EscapeMarkdown(text) : text; }

  std::string FormatNumber(const nlohmann::json& value) {
    Formatters& f = FormattersFor(language);
    if (f.number == nullptr) {
      UErrorCode status = U_ZERO_ERROR;
      f.number.reset(icu::NumberFormat::createInstance(f.locale, status));
      if (U_FAILURE(status)) f.number.reset();
    }
    if (f.number == nullptr) return value.dump();
    icu::UnicodeString out;
    if (value.is_number_integer() &&
        !(value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX})) {
      f.number->format(static_cast<int64_t>(value.get<int64_t>()), out);
    } else {
      f.number->format(value.get<double>(), out);
    }
    return ToUtf8(out);
  }

  std::string FormatDate(double millis, DateStyle style) {
    Formatters& f = FormattersFor(language);
    std::unique_ptr<icu::DateFormat>& format = f.dates[static_cast<int>(style)];
    if (format == nullptr) {
      switch (style) {
        case DateStyle::kDate:
          format.reset(icu::DateFormat::createDateInstance(icu::DateFormat::kLong, f.locale));
          break;
        case DateStyle::kTime:
          format.reset(icu::DateFormat::createTimeInstance(icu::DateFormat::kShort, f.locale));
          break;
        case DateStyle::kDateTime:
          format.reset(icu::DateFormat::createDateTimeInstance(icu::DateFormat::kLong,
                                                               icu::DateFormat::kShort, f.locale));
          break;
      }
      if (format == nullptr) return "";
      format->setTimeZone(Zone());
    }
    icu::UnicodeString out;
    format->format(static_cast<UDate>(millis), out);
    return ToUtf8(out);
  }

 private:
  struct Formatters {
    icu::Locale locale;
    std::unique_ptr<icu::NumberFormat> number;
    std::unique_ptr<icu::DateFormat> dates[3];
  };

  Formatters& FormattersFor(const std::string& tag) {
    auto [it, inserted] = formatters_.try_emplace(tag);
    if (inserted) {
      UErrorCode status = U_ZERO_ERROR;
      it->second.locale = icu::Locale::forLanguageTag(tag, status);
      if (U_FAILURE(status)) it->second.locale = icu::Locale::getRoot();
    }
    return it->second;
  }

  const icu::TimeZone& Zone() {
    if (zone_ == nullptr) {
      if (!time_zone_.empty()) {
        zone_.reset(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone_)));
      }
      // ICU answers an unknown id with "Etc/Unknown" (GMT); say UTC instead.
      icu::UnicodeString id;
      if (zone_ != nullptr) zone_->getID(id);
      if (zone_ == nullptr || id == UNICODE_STRING_SIMPLE("Etc/Unknown")) {
        zone_.reset(icu::TimeZone::createTimeZone("UTC"));
      }
    }
    return *zone_;
  }

  std::string time_zone_;
  std::unique_ptr<icu::TimeZone> zone_;
  std::map<std::string, Formatters> formatters_;
};

// Converts the recipient's JSON into Mustache data. Strings are escaped here, once, rather than
// through kainjow's escape hook, so {{{x}}} and {{&x}} cannot bypass it; empty strings become
// false so that {{#contact.city}} guards skip them. Numbers become lambdas so they are
// formatted in the language of whichever field is being rendered; a lambda's result is parsed
// as Mustache again, which is safe for digits but would not be for strings.
mstch::data ToData(const nlohmann::json& value, bool markdown, RenderState* state) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      mstch::data object(mstch::data::type::object);
      for (const auto& [key, member] : value.items()) {
        if (!member.is_null()) object[key] = ToData(member, markdown, state);
      }
      return object;
    }
    case nlohmann::json::value_t::array: {
      mstch::data list(mstch::data::type::list);
      for (const auto& item : value) list.push_back(ToData(item, markdown, state));
      return list;
    }
    case nlohmann::json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (text.empty()) return mstch::data(false);
      return mstch::data(markdown ? EscapeMarkdown(text) : text);
    }
    case nlohmann::json::value_t::boolean:
      return mstch::data(value.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return mstch::data(mstch::lambda([value, state](const std::string& section) {
        if (!section.empty()) return section;  // {{#n}}...{{/n}}: render the section once.
        if (state->raw_numbers) return value.dump();
        return state->Escape(state->FormatNumber(value));
      }));
    default:
      return mstch::data(false);
  }
}

std::optional<double> ParseMillis(std::string_view text) {
  text = TrimAsciiSpace(text);
  if (text.empty()) return std::nullopt;
  double millis = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), millis);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(millis)) {
    return std::nullopt;
  }
  return millis;
}

mstch::data RootData(const nlohmann::json& variables, bool markdown, RenderState* state) {
  mstch::data root = variables.is_object() ? ToData(variables, markdown, state)
                                           : mstch::data(mstch::data::type::object);
  const std::pair<const char*, DateStyle> sections[] = {
      {"date", DateStyle::kDate}, {"time", DateStyle::kTime}, {"datetime", DateStyle::kDateTime}};
  for (const auto& [name, style] : sections) {
    root[name] = mstch::data(mstch::lambda2(
        [state, style = style](const std::string& text, const mstch::renderer& render) {
          state->raw_numbers = true;
          std::string raw = render(text);
          state->raw_numbers = false;
          std::optional<double> millis = ParseMillis(raw);
          if (!millis) return std::string();
          // kainjow inserts a lambda2's result as is, so it is escaped here.
          return state->Escape(state->FormatDate(*millis, style));
        }));
  }
  return root;
}

// Records every name a rendering looked up and did not find.
// Thrown out of kainjow's render when one rendering goes over its budget; caught in
// CompiledField::Render. kainjow offers no way to stop a rendering, and sections nested over
// lists render len^depth times: the budget must stop it from inside.
struct RenderBudgetExceeded {
  std::string what;
};

class RecordingContext : public mstch::context<std::string> {
 public:
  RecordingContext(const mstch::data* root, std::set<std::string>* misses)
      : mstch::context<std::string>(root), misses_(misses) {}

  // Every section entered and variable printed looks a name up: counting lookups bounds the
  // work of a rendering whatever the template and the data.
  const mstch::data* get(const std::string& name) const override {
    if (++lookups_ > TemplateRenderer::kMaxLookupsPerField) {
      throw RenderBudgetExceeded{"rendering takes more than " +
                                 std::to_string(TemplateRenderer::kMaxLookupsPerField) +
                                 " steps (sections nested over long lists)"};
    }
    const mstch::data* found = mstch::context<std::string>::get(name);
    if (found == nullptr) misses_->insert(name);
    return found;
  }

 private:
  std::set<std::string>* misses_;
  mutable size_t lookups_ = 0;
};

// Where kainjow writes a rendering: stops it once it is larger than a message can be.
struct CappedOutput {
  std::string text;
  CappedOutput& operator<<(const std::string& piece) {
    if (text.size() + piece.size() > TemplateRenderer::kMaxRenderedFieldBytes) {
      throw RenderBudgetExceeded{"the rendered text is larger than " +
                                 std::to_string(TemplateRenderer::kMaxRenderedFieldBytes) +
                                 " bytes"};
    }
    text += piece;
    return *this;
  }
};

bool IsShortTextChannel(Channel channel) {
  return channel == Channel::kSms || channel == Channel::kWhatsApp ||
         channel == Channel::kMessenger;
}

// One line: a subject is a mail header, so values must not break it.
std::string OneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

// A parsed field. kainjow's render() is not const (it records errors in the template object),
// so concurrent renderings each take a private copy from `idle` instead of sharing one.
struct TemplateRenderer::CompiledField {
  std::string source;
  std::unique_ptr<mstch::mustache> prototype;
  // Names used as {{x}} and never as a section: a miss on one of these renders empty.
  std::set<std::string> variable_names;
  std::mutex mu;
  std::vector<std::unique_ptr<mstch::mustache>> idle;  // Guarded by mu.

  static absl::StatusOr<std::shared_ptr<CompiledField>> Compile(const std::string& source) {
    RETURN_IF_ERROR(CheckMustache(source));
    auto field = std::make_shared<CompiledField>();
    field->source = source;
    field->prototype = std::make_unique<mstch::mustache>(source);
    // Values are escaped when the data is built; kainjow's default would HTML-escape them.
    field->prototype->set_custom_escape([](const std::string& s) { return s; });
    std::set<std::string> sections;
    for (const MustacheTag& tag : ScanMustacheTags(source)) {
      if (tag.kind == MustacheTag::Kind::kVariable || tag.kind == MustacheTag::Kind::kUnescaped) {
        field->variable_names.insert(tag.name);
      } else if (tag.kind == MustacheTag::Kind::kSection ||
                 tag.kind == MustacheTag::Kind::kInverted) {
        sections.insert(tag.name);
      }
    }
    for (const std::string& name : sections) field->variable_names.erase(name);
    return field;
  }

  absl::StatusOr<std::string> Render(const mstch::data& data, RenderState* state) {
    std::unique_ptr<mstch::mustache> copy;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        copy = std::move(idle.back());
        idle.pop_back();
      }
    }
    if (copy == nullptr) copy = std::make_unique<mstch::mustache>(*prototype);
    std::set<std::string> misses;
    RecordingContext context(&data, &misses);
    CappedOutput output;
    try {
      copy->render(context, output);
    } catch (const RenderBudgetExceeded& e) {
      // The copy stopped half-way; it is not reused.
      return absl::ResourceExhaustedError(e.what);
    }
    std::string out = std::move(output.text);
    if (!copy->is_valid()) {
      // The copy carries the error from now on; let it go.
      return absl::InvalidArgumentError("template rendering failed: " + copy->error_message());
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      if (idle.size() < kMaxIdleCopies) idle.push_back(std::move(copy));
    }
    for (const std::string& name : misses) {
      if (variable_names.contains(name)) state->missing.insert(name);
    }
    return out;
  }
};

TemplateRenderer::TemplateRenderer() = default;
TemplateRenderer::~TemplateRenderer() = default;

size_t TemplateRenderer::CachedFieldCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.size();
}

absl::StatusOr<std::shared_ptr<TemplateRenderer::CompiledField>> TemplateRenderer::Compiled(
    const Template& t, const TemplateVariant& variant, Field field) const {
  static const std::string kFieldNames[] = {"body", "subject", "sms", "data_use"};
  const std::string& source = field == Field::kBody      ? variant.body
                              : field == Field::kSubject ? variant.subject
                              : field == Field::kSms     ? variant.sms
                                                         : variant.data_use;
  return CompiledText(t, variant, kFieldNames[static_cast<int>(field)], source);
}

absl::StatusOr<std::shared_ptr<TemplateRenderer::CompiledField>> TemplateRenderer::CompiledText(
    const Template& t, const TemplateVariant& variant, const std::string& field_name,
    const std::string& source) const {
  auto compile = [&]() -> absl::StatusOr<std::shared_ptr<CompiledField>> {
    auto compiled = CompiledField::Compile(source);
    if (!compiled.ok()) {
      return absl::InvalidArgumentError("template " + t.id + " variants." + variant.language + "." +
                                        field_name + ": " +
                                        std::string(MessageOf(compiled.status())));
    }
    return compiled;
  };
  if (t.id.empty()) return compile();  // Unsaved: nothing identifies it across calls.

  std::string key =
      t.id + '\n' + std::to_string(t.version) + '\n' + variant.language + '\n' + field_name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    // Comparing the source costs far less than parsing and guards against a caller that
    // changed a template without bumping its version.
    if (it != cache_.end() && it->second->source == source) return it->second;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<CompiledField> compiled, compile());
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.size() >= kMaxCachedFields) cache_.clear();
  cache_[key] = compiled;
  return compiled;
}

namespace {

using FieldPredicate = bool (*)(const TemplateVariant&);

// The variant a field is taken from; see the class comment for the order.
const TemplateVariant* ChooseVariant(const Template& t, FieldPredicate has,
                                     const std::vector<std::string>& preferred,
                                     std::string_view post_default) {
  auto match = [&](std::string_view language) -> const TemplateVariant* {
    if (language.empty()) return nullptr;
    std::string_view primary = PrimarySubtag(language);
    for (std::string_view wanted : {language, primary}) {
      for (const TemplateVariant& v : t.variants) {
        if (has(v) && EqualsIgnoreAsciiCase(v.language, wanted)) return &v;
      }
    }
    for (const TemplateVariant& v : t.variants) {
      if (has(v) && EqualsIgnoreAsciiCase(PrimarySubtag(v.language), primary)) return &v;
    }
    return nullptr;
  };
  for (const std::string& language : preferred) {
    if (const TemplateVariant* v = match(language)) return v;
  }
  if (const TemplateVariant* v = match(post_default)) return v;
  const TemplateVariant* fallback = t.Variant(t.default_language);
  return fallback != nullptr && has(*fallback) ? fallback : nullptr;
}

bool HasBody(const TemplateVariant& v) { return !v.body.empty(); }
bool HasSubject(const TemplateVariant& v) { return !v.subject.empty(); }
bool HasDataUse(const TemplateVariant& v) { return !v.data_use.empty(); }
bool HasWhatsApp(const TemplateVariant& v) { return v.whatsapp.has_value(); }

// A WhatsApp template parameter as WhatsApp takes it: no line breaks or tabs, and never more
// than four spaces in a row (WhatsApp refuses both).
std::string WhatsAppParameter(std::string_view text) {
  std::string out;
  size_t spaces = 0;
  for (char c : TrimAsciiSpace(text)) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    spaces = c == ' ' ? spaces + 1 : 0;
    if (spaces <= 1) out += c;
  }
  return out;
}

}  // namespace

std::string TemplateRenderer::BodyLanguage(const Template& t,
                                           const std::vector<std::string>& languages,
                                           std::string_view post_default_language) {
  const TemplateVariant* body = ChooseVariant(t, HasBody, languages, post_default_language);
  return body != nullptr ? body->language : "";
}

absl::StatusOr<std::string> TemplateRenderer::RenderBodyMarkdown(
    const Template& t, const Recipient& recipient, std::string_view post_default_language,
    std::string* language) const {
  const TemplateVariant* body =
      ChooseVariant(t, HasBody, recipient.languages, post_default_language);
  if (body == nullptr) {
    return absl::FailedPreconditionError("template " + t.id + " has no body in any language");
  }
  RenderState state(recipient.time_zone);
  const mstch::data data = RootData(recipient.variables, /*markdown=*/true, &state);
  ASSIGN_OR_RETURN(std::shared_ptr<CompiledField> compiled, Compiled(t, *body, Field::kBody));
  state.language = body->language;
  state.markdown = true;
  *language = body->language;
  return compiled->Render(data, &state);
}

absl::StatusOr<RenderedMessage> TemplateRenderer::Render(const Template& t,
                                                         const RenderRequest& request) const {
  static const Recipient kNobody;
  const Recipient& recipient = request.recipient != nullptr ? *request.recipient : kNobody;
  auto choose = [&](FieldPredicate has) {
    return ChooseVariant(t, has, recipient.languages, request.post_default_language);
  };
  const TemplateVariant* body = choose(HasBody);
  if (body == nullptr) {
    return absl::FailedPreconditionError("template " + t.id + " has no body in any language");
  }

  RenderedMessage message;
  message.body_language = body->language;
  RenderState state(recipient.time_zone);
  const mstch::data markdown_data = RootData(recipient.variables, /*markdown=*/true, &state);
  auto render_field = [&](const TemplateVariant& v, Field field,
                          const mstch::data& data) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(std::shared_ptr<CompiledField> compiled, Compiled(t, v, field));
    state.language = v.language;
    state.markdown = field != Field::kSubject;
    return compiled->Render(data, &state);
  };

  Field main_field = Field::kBody;
  if (IsShortTextChannel(request.channel) && !body->sms.empty()) {
    main_field = Field::kSms;
    message.sms_language = body->language;
  }
  ASSIGN_OR_RETURN(std::string main_text, render_field(*body, main_field, markdown_data));
  std::string data_use_text;
  const TemplateVariant* data_use = t.collects_data ? choose(HasDataUse) : nullptr;
  if (data_use != nullptr) {
    ASSIGN_OR_RETURN(data_use_text, render_field(*data_use, Field::kDataUse, markdown_data));
  }

  // Email renders the main text twice (text and HTML); the caller sees each link once.
  std::map<size_t, std::string> rewritten;
  MarkdownRenderOptions main_options;
  if (request.rewrite_link) {
    main_options.rewrite_link = [&](std::string_view url, size_t index) {
      auto it = rewritten.find(index);
      if (it == rewritten.end())
        it = rewritten.emplace(index, request.rewrite_link(url, index)).first;
      return it->second;
    };
  }
  main_options.rtl = IsRtlLanguage(body->language);
  MarkdownRenderOptions data_use_options;
  data_use_options.rtl = data_use != nullptr && IsRtlLanguage(data_use->language);
  MarkdownRenderOptions opt_out_options;
  opt_out_options.rtl = main_options.rtl;  // The caller localised it for the recipient.

  // Each part is rendered on its own so an unclosed construct in the body (a code fence, a
  // list) cannot take in the data-use statement or the opt-out instruction.
  auto compose = [&](TextFormat format) -> absl::StatusOr<std::string> {
    const std::pair<const std::string*, const MarkdownRenderOptions*> parts[] = {
        {&main_text, &main_options},
        {&data_use_text, &data_use_options},
        {&request.opt_out_text, &opt_out_options}};
    std::string out;
    for (const auto& [source, options] : parts) {
      if (source->empty()) continue;
      ASSIGN_OR_RETURN(std::string rendered, RenderMarkdown(*source, format, *options));
      if (rendered.empty()) continue;
      if (format != TextFormat::kHtml && !out.empty()) out += "\n\n";
      out += rendered;
    }
    return out;
  };

  switch (request.channel) {
    case Channel::kEmail: {
      if (const TemplateVariant* subject = choose(HasSubject)) {
        const mstch::data plain_data = RootData(recipient.variables, /*markdown=*/false, &state);
        ASSIGN_OR_RETURN(std::string rendered, render_field(*subject, Field::kSubject, plain_data));
        message.subject = OneLine(rendered);
        message.subject_language = subject->language;
      }
      ASSIGN_OR_RETURN(message.text, compose(TextFormat::kPlainText));
      ASSIGN_OR_RETURN(message.html, compose(TextFormat::kHtml));
      break;
    }
    case Channel::kWhatsApp: {
      const mstch::data plain_data = RootData(recipient.variables, /*markdown=*/false, &state);
      auto render_plain = [&](const TemplateVariant& v, const std::string& field_name,
                              const std::string& source) -> absl::StatusOr<std::string> {
        ASSIGN_OR_RETURN(std::shared_ptr<CompiledField> compiled,
                         CompiledText(t, v, field_name, source));
        state.language = v.language;
        state.markdown = false;
        return compiled->Render(plain_data, &state);
      };
      auto render_media = [&](const TemplateVariant& v) -> absl::StatusOr<MediaLink> {
        MediaLink media = *v.media;
        ASSIGN_OR_RETURN(std::string url, render_plain(v, "media.url", v.media->url));
        media.url = std::string(TrimAsciiSpace(url));
        if (!IsAbsoluteHttpUrl(media.url)) {
          return absl::InvalidArgumentError(
              "template " + t.id + ", variant " + v.language + ": media.url renders to \"" +
              TruncateUtf8(media.url, 200) + "\", which is not an http(s) URL");
        }
        return media;
      };
      if (body->media) {
        ASSIGN_OR_RETURN(message.media, render_media(*body));
      }
      if (const TemplateVariant* mapped = choose(HasWhatsApp)) {
        WhatsAppTemplateRef rendered = *mapped->whatsapp;
        for (size_t i = 0; i < rendered.parameters.size(); ++i) {
          ASSIGN_OR_RETURN(std::string text,
                           render_plain(*mapped, "whatsapp.parameters." + std::to_string(i),
                                        mapped->whatsapp->parameters[i]));
          rendered.parameters[i] = WhatsAppParameter(text);
        }
        if (rendered.media_header && mapped->media) {
          ASSIGN_OR_RETURN(message.whatsapp_header_media, render_media(*mapped));
        }
        if (rendered.quick_reply_buttons) {
          for (const QuickReply& b : mapped->buttons) {
            message.whatsapp_button_payloads.push_back(b.id);
          }
        }
        message.whatsapp_template = std::move(rendered);
      }
    }
      [[fallthrough]];
    case Channel::kMessenger:
    case Channel::kTelegram:
      message.buttons = body->buttons;
      [[fallthrough]];
    case Channel::kSms: {
      message.text_format = TextFormatOf(request.channel);
      ASSIGN_OR_RETURN(message.text, compose(message.text_format));
      break;
    }
    case Channel::kBulletin: {
      ASSIGN_OR_RETURN(message.html, compose(TextFormat::kHtml));
      break;
    }
  }
  message.missing_variables.assign(state.missing.begin(), state.missing.end());
  return message;
}

std::vector<std::string> TemplateRenderer::ReferencedVariables(const Template& t) {
  std::set<std::string> names;
  for (const TemplateVariant& v : t.variants) {
    std::vector<const std::string*> texts = {&v.body, &v.subject, &v.sms, &v.data_use};
    if (v.whatsapp) {
      for (const std::string& p : v.whatsapp->parameters) texts.push_back(&p);
    }
    if (v.media) texts.push_back(&v.media->url);
    for (const std::string* text : texts) {
      for (const MustacheTag& tag : ScanMustacheTags(*text)) {
        bool named =
            tag.kind == MustacheTag::Kind::kVariable || tag.kind == MustacheTag::Kind::kUnescaped ||
            tag.kind == MustacheTag::Kind::kSection || tag.kind == MustacheTag::Kind::kInverted;
        bool formatting =
            std::find(kDateSections.begin(), kDateSections.end(), tag.name) != kDateSections.end();
        if (named && !formatting && !tag.name.empty() && tag.name != ".") names.insert(tag.name);
      }
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace ogw
