#include "tests/fakes/fake_whatsapp.h"

#include <array>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "gateway/core/crypto.h"

namespace ogw::testing {
namespace {

// Meta writes its JSON in a fixed field order; ordered_json keeps the order of insertion.
using json = nlohmann::ordered_json;

constexpr size_t kMaxTextChars = 4096;
constexpr size_t kMaxInteractiveBodyChars = 1024;
constexpr size_t kMaxButtons = 3;
constexpr size_t kMaxButtonTitleChars = 20;
constexpr size_t kMaxButtonIdChars = 256;
constexpr size_t kMaxHeaderTextChars = 60;
constexpr int64_t kWindowSeconds = 24 * 60 * 60;
constexpr char kErrorCodesUrl[] =
    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";
constexpr char kDefaultContactName[] = "Ana Souza";

// Every message type the Cloud API knows; the fake models the first five.
constexpr std::array<std::string_view, 5> kModelledTypes = {"text", "template", "interactive",
                                                            "image", "document"};
constexpr std::array<std::string_view, 7> kOtherTypes = {
    "audio", "button", "contacts", "location", "reaction", "sticker", "video"};
// The header types of reply-button messages; templates' media headers are the last three.
constexpr std::array<std::string_view, 4> kHeaderTypes = {"text", "image", "video", "document"};
constexpr std::array<std::string_view, 3> kMediaHeaderTypes = {"image", "video", "document"};

std::string Digits(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out;
}

// "4915112345678" or "+4915112345678".
bool ValidRecipient(std::string_view to) {
  if (!to.empty() && to[0] == '+') to.remove_prefix(1);
  return AllDigits(to) && to.size() <= 20;
}

// Like "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA": base64 after "wamid.".
std::string NewWamid() { return "wamid.HBgL" + Base64Encode(RandomBytes(33)); }

// A WhatsApp error: "(#<code>) <title>" with error_data.details.
SinkResponse WhatsAppError(int http_status, int code, const std::string& title,
                           const std::string& details) {
  GraphError e;
  e.http_status = http_status;
  e.message = "(#" + std::to_string(code) + ") " + title;
  e.code = code;
  e.details = details;
  return GraphErrorResponse(e);
}

SinkResponse InvalidValue(const std::string& details) {
  return WhatsAppError(400, 131009, "Parameter value is not valid", details);
}

SinkResponse MissingParameter(const std::string& details) {
  return WhatsAppError(400, 131008, "Required parameter is missing", details);
}

// The title and error_data.details of an error as status webhooks carry it.
struct AsyncError {
  std::string title;
  std::string details;
};

AsyncError DescribeAsyncError(int code) {
  switch (code) {
    case 131047:
      return {"Re-engagement message",
              "Message failed to send because more than 24 hours have passed since the "
              "customer last replied to this number."};
    case 131026:
      return {"Message undeliverable", "Message Undeliverable."};
    case 131050:
      return {
          "Unable to deliver the message. This recipient has chosen to stop receiving "
          "marketing messages on WhatsApp from your business.",
          "Unable to deliver the message. This recipient has chosen to stop receiving "
          "marketing messages on WhatsApp from your business."};
    case 131048:
      return {"Spam rate limit hit",
              "Message failed to send because there are restrictions on how many messages can "
              "be sent from this phone number. This may be because too many previous messages "
              "were blocked or flagged as spam."};
    case 131056:
      return {"(Business Account, Consumer Account) pair rate limit hit",
              "Message failed to send because there were too many messages sent from this "
              "phone number to the same phone number in a short period of time."};
    case 130429:
      return {"Rate limit hit", "Cloud API message throughput has been reached."};
    case 131049:
      return {"This message was not delivered to maintain healthy ecosystem engagement.",
              "In order to maintain a healthy ecosystem engagement, the message failed to be "
              "delivered."};
    case 131000:
      return {"Something went wrong", "Message failed to send due to an unknown error."};
    case 132001:
      return {"Template name does not exist in the translation",
              "template name does not exist in the translation"};
    default:
      return {"Error " + std::to_string(code), "Error " + std::to_string(code)};
  }
}

// Parses and checks the type-specific part of a send request into `m`. An error response, or
// a response with status 0 when the message is fine.
SinkResponse ParseText(const json& doc, FakeWhatsAppMessage& m) {
  const json* text = Member(doc, "text");
  const std::string* body = text == nullptr ? nullptr : NonEmptyStringMember(*text, "body");
  if (body == nullptr) return ParamError("The parameter text['body'] is required.");
  if (CodePoints(*body) > kMaxTextChars) {
    return ParamError("Param text['body'] must be at most 4096 characters long.");
  }
  m.text = *body;
  if (const json* preview = Member(*text, "preview_url"); preview != nullptr) {
    if (!preview->is_boolean()) return ParamError("Param text['preview_url'] must be a boolean.");
    m.preview_url = preview->get<bool>();
  }
  return SinkResponse{0, {}, ""};
}

// The link of a media object at `where` (a message's image, a header's document, ...): the fake
// needs an http(s) link, as uploaded media ids are not modelled.
SinkResponse ParseMediaLink(const json& media, const std::string& where, FakeWhatsAppMessage& m) {
  const std::string* link = NonEmptyStringMember(media, "link");
  if (link == nullptr) {
    if (Member(media, "id") != nullptr) {
      return InvalidValue("Uploaded media ids are not supported by this fake; send a link.");
    }
    return MissingParameter("Either '" + where + "['id']' or '" + where + "['link']' is required.");
  }
  if (!link->starts_with("https://") && !link->starts_with("http://")) {
    return InvalidValue("Invalid media link: " + where + "['link'] must be an http(s) URL.");
  }
  m.media_link = *link;
  return SinkResponse{0, {}, ""};
}

// A document's optional filename at `where`: the name the person sees.
SinkResponse ParseFilename(const json& media, const std::string& where, FakeWhatsAppMessage& m) {
  const json* filename = Member(media, "filename");
  if (filename == nullptr) return SinkResponse{0, {}, ""};
  if (!filename->is_string()) {
    return ParamError("Param " + where + "['filename'] must be a string.");
  }
  m.filename = filename->get<std::string>();
  return SinkResponse{0, {}, ""};
}

// A media header: object[type] ({"link"}, a document also "filename") of an interactive header
// or a template header's parameter, `where` naming `object` in errors.
SinkResponse ParseHeaderMedia(const json& object, const std::string& where, const std::string& type,
                              FakeWhatsAppMessage& m) {
  const std::string media_where = where + "['" + type + "']";
  const json* media = Member(object, type.c_str());
  if (media == nullptr) return MissingParameter("The parameter " + media_where + " is required.");
  if (!media->is_object()) return ParamError("Param " + media_where + " must be a JSON object.");
  if (SinkResponse problem = ParseMediaLink(*media, media_where, m); problem.status != 0) {
    return problem;
  }
  if (type == "document") {
    if (SinkResponse problem = ParseFilename(*media, media_where, m); problem.status != 0) {
      return problem;
    }
  }
  m.header_type = type;
  return SinkResponse{0, {}, ""};
}

// A button component's index: 0 to 9, as a string of digits ("0") or a number.
std::optional<int> ButtonIndex(const json& index) {
  if (index.is_number_integer()) {
    const int64_t value = index.get<int64_t>();
    if (value >= 0 && value <= 9) return static_cast<int>(value);
    return std::nullopt;
  }
  if (!index.is_string()) return std::nullopt;
  const std::string& text = index.get_ref<const std::string&>();
  if (text.size() != 1 || !AllDigits(text)) return std::nullopt;
  return text[0] - '0';
}

// A button component names the template's button it fills: sub_type (quick_reply, url, ...)
// and index. `*quick_reply_index` is the index of a quick-reply button, -1 for another.
SinkResponse ParseButtonComponent(const json& component, const std::string& where,
                                  int* quick_reply_index) {
  const std::string* sub_type = NonEmptyStringMember(component, "sub_type");
  if (sub_type == nullptr) {
    return MissingParameter("The parameter " + where + "['sub_type'] is required.");
  }
  const json* index = Member(component, "index");
  if (index == nullptr || (index->is_string() && index->get_ref<const std::string&>().empty())) {
    return MissingParameter("The parameter " + where + "['index'] is required.");
  }
  const std::optional<int> value = ButtonIndex(*index);
  if (!value.has_value()) {
    return InvalidValue("Param " + where + "['index'] must be a button index from 0 to 9.");
  }
  *quick_reply_index = *sub_type == "quick_reply" ? *value : -1;
  return SinkResponse{0, {}, ""};
}

// A text parameter: the body's text parameters fill its placeholders; a header's is its text.
SinkResponse ParseTextParameter(const json& parameter, const std::string& where,
                                const std::string& component_type, FakeWhatsAppMessage& m) {
  const json* value = Member(parameter, "text");
  if (value == nullptr || !value->is_string()) {
    return MissingParameter("The parameter " + where + "['text'] is required.");
  }
  if (component_type == "body") m.template_parameters.push_back(value->get<std::string>());
  if (component_type == "header") {
    m.header_type = "text";
    m.header_text = value->get<std::string>();
  }
  return SinkResponse{0, {}, ""};
}

// A payload parameter: what a press of a quick-reply button comes back with, kept by button
// index (`quick_reply_index`, -1 when the component is no quick-reply button).
SinkResponse ParsePayloadParameter(const json& parameter, const std::string& where,
                                   int quick_reply_index, std::map<int, std::string>& payloads) {
  const std::string* payload = NonEmptyStringMember(parameter, "payload");
  if (payload == nullptr) {
    return MissingParameter("The parameter " + where + "['payload'] is required.");
  }
  if (quick_reply_index < 0) return SinkResponse{0, {}, ""};
  if (!payloads.emplace(quick_reply_index, *payload).second) {
    return InvalidValue("Button index " + std::to_string(quick_reply_index) +
                        " is given more than one payload.");
  }
  return SinkResponse{0, {}, ""};
}

// One of template['components'], `where` naming it in errors. Parameters of other types (such
// as currency or date_time) and media parameters outside the header are not modelled: passed.
SinkResponse ParseTemplateComponent(const json& component, const std::string& where,
                                    FakeWhatsAppMessage& m, std::map<int, std::string>& payloads) {
  const std::string* type = NonEmptyStringMember(component, "type");
  if (type == nullptr) return MissingParameter("The parameter " + where + "['type'] is required.");
  int quick_reply_index = -1;
  if (*type == "button") {
    if (SinkResponse problem = ParseButtonComponent(component, where, &quick_reply_index);
        problem.status != 0) {
      return problem;
    }
  }
  const json* parameters = Member(component, "parameters");
  if (parameters == nullptr) return SinkResponse{0, {}, ""};
  if (!parameters->is_array()) {
    return ParamError("Param " + where + "['parameters'] must be an array.");
  }
  for (size_t j = 0; j < parameters->size(); ++j) {
    const json& parameter = (*parameters)[j];
    const std::string at = where + "['parameters'][" + std::to_string(j) + "]";
    const std::string* parameter_type = NonEmptyStringMember(parameter, "type");
    if (parameter_type == nullptr) {
      return MissingParameter("The parameter " + at + "['type'] is required.");
    }
    SinkResponse problem{0, {}, ""};
    if (*parameter_type == "text") {
      problem = ParseTextParameter(parameter, at, *type, m);
    } else if (*parameter_type == "payload") {
      problem = ParsePayloadParameter(parameter, at, quick_reply_index, payloads);
    } else if (*type == "header" && IsOneOf(*parameter_type, kMediaHeaderTypes)) {
      problem = ParseHeaderMedia(parameter, at, *parameter_type, m);
    }
    if (problem.status != 0) return problem;
  }
  return SinkResponse{0, {}, ""};
}

SinkResponse ParseTemplate(const json& doc, FakeWhatsAppMessage& m) {
  const json* tmpl = Member(doc, "template");
  const std::string* name = tmpl == nullptr ? nullptr : NonEmptyStringMember(*tmpl, "name");
  if (name == nullptr) return ParamError("The parameter template['name'] is required.");
  const json* language = Member(*tmpl, "language");
  const std::string* code = language == nullptr ? nullptr : NonEmptyStringMember(*language, "code");
  if (code == nullptr) {
    return ParamError("The parameter template['language']['code'] is required.");
  }
  m.template_name = *name;
  m.template_language = *code;
  const json* components = Member(*tmpl, "components");
  if (components == nullptr) return SinkResponse{0, {}, ""};
  if (!components->is_array()) return ParamError("Param template['components'] must be an array.");
  // Button components may come in any order; the payloads are kept by button index.
  std::map<int, std::string> payloads;
  for (size_t i = 0; i < components->size(); ++i) {
    const std::string where = "template['components'][" + std::to_string(i) + "]";
    if (SinkResponse problem = ParseTemplateComponent((*components)[i], where, m, payloads);
        problem.status != 0) {
      return problem;
    }
  }
  for (auto& [index, payload] : payloads) m.template_button_payloads.push_back(std::move(payload));
  return SinkResponse{0, {}, ""};
}

// interactive.header (optional): a text of at most 60 characters, or an image, video or
// document by link.
SinkResponse ParseInteractiveHeader(const json& interactive, FakeWhatsAppMessage& m) {
  const json* header = Member(interactive, "header");
  if (header == nullptr) return SinkResponse{0, {}, ""};
  if (!header->is_object()) return ParamError("Param interactive['header'] must be a JSON object.");
  const std::string* type = NonEmptyStringMember(*header, "type");
  if (type == nullptr) {
    return MissingParameter("The parameter interactive['header']['type'] is required.");
  }
  if (!IsOneOf(*type, kHeaderTypes)) {
    return InvalidValue("Header type must be one of {text, image, video, document} - got \"" +
                        *type + "\".");
  }
  if (*type != "text") return ParseHeaderMedia(*header, "interactive['header']", *type, m);
  const json* text = Member(*header, "text");
  if (text != nullptr && !text->is_string()) {
    return ParamError("Param interactive['header']['text'] must be a string.");
  }
  if (text == nullptr || text->get_ref<const std::string&>().empty()) {
    return InvalidValue("Text cannot be null for header type text");
  }
  if (CodePoints(text->get_ref<const std::string&>()) > kMaxHeaderTextChars) {
    return InvalidValue("Header text length invalid. Min length: 1, Max length: 60");
  }
  m.header_type = "text";
  m.header_text = text->get<std::string>();
  return SinkResponse{0, {}, ""};
}

SinkResponse ParseInteractive(const json& doc, FakeWhatsAppMessage& m) {
  const json* interactive = Member(doc, "interactive");
  if (interactive == nullptr || !interactive->is_object()) {
    return MissingParameter("The parameter interactive is required.");
  }
  const std::string* type = NonEmptyStringMember(*interactive, "type");
  if (type == nullptr) return MissingParameter("The parameter interactive['type'] is required.");
  if (*type != "button") {
    return InvalidValue("Interactive type '" + *type +
                        "' is not supported by this fake; it models reply buttons (button) only.");
  }
  if (SinkResponse problem = ParseInteractiveHeader(*interactive, m); problem.status != 0) {
    return problem;
  }
  const json* body = Member(*interactive, "body");
  const std::string* body_text = body == nullptr ? nullptr : NonEmptyStringMember(*body, "text");
  if (body_text == nullptr) {
    return MissingParameter("The parameter interactive['body']['text'] is required.");
  }
  if (CodePoints(*body_text) > kMaxInteractiveBodyChars) {
    return InvalidValue("Body text length invalid. Min length: 1, Max length: 1024");
  }
  const json* action = Member(*interactive, "action");
  const json* buttons = action == nullptr ? nullptr : Member(*action, "buttons");
  if (buttons == nullptr) {
    return MissingParameter("The parameter interactive['action']['buttons'] is required.");
  }
  if (!buttons->is_array() || buttons->empty() || buttons->size() > kMaxButtons) {
    return InvalidValue("Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3");
  }
  std::vector<std::string> ids;
  std::vector<std::string> titles;
  for (const json& button : *buttons) {
    const std::string* button_type = NonEmptyStringMember(button, "type");
    if (button_type == nullptr || *button_type != "reply") {
      return InvalidValue("Button type must be reply.");
    }
    const json* reply = Member(button, "reply");
    const std::string* id = reply == nullptr ? nullptr : NonEmptyStringMember(*reply, "id");
    const json* title = reply == nullptr ? nullptr : Member(*reply, "title");
    if (id == nullptr || title == nullptr || !title->is_string()) {
      return MissingParameter("Button reply requires an id and a title.");
    }
    const std::string& title_text = title->get_ref<const std::string&>();
    const size_t title_chars = CodePoints(title_text);
    if (title_chars < 1 || title_chars > kMaxButtonTitleChars) {
      return InvalidValue("Button title length invalid. Min length: 1, Max length: 20");
    }
    if (CodePoints(*id) > kMaxButtonIdChars) {
      return InvalidValue("Button id length invalid. Min length: 1, Max length: 256");
    }
    if (IsOneOf(*id, ids)) return InvalidValue("Button ID is not unique: " + *id);
    if (IsOneOf(title_text, titles))
      return InvalidValue("Button title is not unique: " + title_text);
    ids.push_back(*id);
    titles.push_back(title_text);
  }
  m.interactive_body = *body_text;
  m.button_ids = std::move(ids);
  m.button_titles = std::move(titles);
  return SinkResponse{0, {}, ""};
}

SinkResponse ParseMedia(const json& doc, FakeWhatsAppMessage& m) {
  const std::string& type = m.type;
  const json* media = Member(doc, type.c_str());
  if (media == nullptr || !media->is_object()) {
    return MissingParameter("The parameter " + type + " is required.");
  }
  if (SinkResponse problem = ParseMediaLink(*media, type, m); problem.status != 0) return problem;
  if (const json* caption = Member(*media, "caption"); caption != nullptr) {
    if (!caption->is_string()) return ParamError("Param " + type + "['caption'] must be a string.");
    m.caption = caption->get<std::string>();
  }
  if (type == "document") return ParseFilename(*media, type, m);
  return SinkResponse{0, {}, ""};
}

}  // namespace

FakeWhatsApp::FakeWhatsApp(std::string phone_number_id, std::string access_token,
                           std::string app_secret)
    : phone_number_id_(std::move(phone_number_id)),
      webhooks_(std::move(app_secret)),
      access_token_(std::move(access_token)) {
  sink_.set_responder([this](const SinkRequest& request) { return Handle(request); });
}

FakeWhatsApp::~FakeWhatsApp() { Stop(); }

bool FakeWhatsApp::Start(std::string* error) {
  {
    std::lock_guard lock(mu_);
    stop_worker_ = false;
  }
  if (!worker_.joinable()) worker_ = std::thread([this] { RunStatusThread(); });
  if (!sink_.Start(0, error)) {
    Stop();
    return false;
  }
  return true;
}

void FakeWhatsApp::Stop() {
  sink_.Stop();
  {
    std::lock_guard lock(mu_);
    stop_worker_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  {
    std::lock_guard lock(mu_);
    jobs_.clear();
  }
  cv_.notify_all();
}

std::string FakeWhatsApp::access_token() const {
  std::lock_guard lock(mu_);
  return access_token_;
}

void FakeWhatsApp::SetAccessToken(std::string token) {
  std::lock_guard lock(mu_);
  access_token_ = std::move(token);
  expired_at_ = 0;
}

void FakeWhatsApp::ExpireToken() {
  std::lock_guard lock(mu_);
  expired_at_ = NowSeconds() - 60;
}

void FakeWhatsApp::set_display_phone_number(std::string digits) {
  std::lock_guard lock(mu_);
  display_phone_number_ = std::move(digits);
}

std::string FakeWhatsApp::display_phone_number() const {
  std::lock_guard lock(mu_);
  return display_phone_number_;
}

void FakeWhatsApp::set_waba_id(std::string waba_id) {
  std::lock_guard lock(mu_);
  waba_id_ = std::move(waba_id);
}

void FakeWhatsApp::SetContactName(const std::string& wa_id, std::string name) {
  std::lock_guard lock(mu_);
  contact_names_[Digits(wa_id)] = std::move(name);
}

void FakeWhatsApp::SetTemplateCategory(const std::string& template_name, std::string category) {
  std::lock_guard lock(mu_);
  template_category_[template_name] = std::move(category);
}

void FakeWhatsApp::OpenWindow(const std::string& wa_id) {
  std::lock_guard lock(mu_);
  last_inbound_[Digits(wa_id)] = NowSeconds();
}

void FakeWhatsApp::CloseWindow(const std::string& wa_id) {
  std::lock_guard lock(mu_);
  last_inbound_.erase(Digits(wa_id));
}

bool FakeWhatsApp::WindowOpen(const std::string& wa_id) const {
  std::lock_guard lock(mu_);
  return WindowOpenLocked(Digits(wa_id));
}

bool FakeWhatsApp::WindowOpenLocked(const std::string& wa_id) const {
  const auto it = last_inbound_.find(wa_id);
  return it != last_inbound_.end() && NowSeconds() - it->second < kWindowSeconds;
}

void FakeWhatsApp::NotOnWhatsApp(const std::string& number) {
  std::lock_guard lock(mu_);
  not_on_whatsapp_.insert(Digits(number));
}

void FakeWhatsApp::AddStoppedMarketing(const std::string& number) {
  std::lock_guard lock(mu_);
  stopped_marketing_.insert(Digits(number));
}

void FakeWhatsApp::ThrottleNext(size_t count) {
  std::lock_guard lock(mu_);
  throttle_next_ = count;
}

void FakeWhatsApp::PairRateLimitNext(size_t count) {
  std::lock_guard lock(mu_);
  pair_limit_next_ = count;
}

void FakeWhatsApp::SpamLimitNext(size_t count) {
  std::lock_guard lock(mu_);
  spam_limit_next_ = count;
}

void FakeWhatsApp::FailNext(size_t count) {
  std::lock_guard lock(mu_);
  fail_next_ = count;
}

void FakeWhatsApp::HangNext(size_t count, int64_t hang_ms) {
  std::lock_guard lock(mu_);
  hang_next_ = count;
  hang_ms_ = hang_ms;
}

void FakeWhatsApp::set_rate_limit_http_status(int status) {
  std::lock_guard lock(mu_);
  rate_limit_http_status_ = status;
}

void FakeWhatsApp::SetWebhook(std::string url) {
  std::lock_guard lock(mu_);
  webhook_url_ = std::move(url);
}

void FakeWhatsApp::AutoStatuses(bool on) {
  std::lock_guard lock(mu_);
  auto_statuses_ = on;
}

void FakeWhatsApp::set_status_delay_ms(int64_t delay_ms) {
  std::lock_guard lock(mu_);
  status_delay_ms_ = delay_ms;
}

bool FakeWhatsApp::WaitForStatuses(int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [this] { return jobs_.empty() && in_flight_ == 0; });
}

std::vector<FakeWhatsAppStatusPost> FakeWhatsApp::StatusPosts() const {
  std::lock_guard lock(mu_);
  return status_posts_;
}

std::vector<FakeWhatsAppMessage> FakeWhatsApp::Accepted() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

bool FakeWhatsApp::TokenExpiredLocked() const { return expired_at_ != 0; }

SinkResponse FakeWhatsApp::Handle(const SinkRequest& request) {
  // Runs on the sink thread, which reads the delay right after this returns: setting it here
  // delays just this answer.
  int64_t delay_ms = 0;
  {
    std::lock_guard lock(mu_);
    std::optional<SinkResponse> fault;
    if (hang_next_ > 0) {
      --hang_next_;
      delay_ms = hang_ms_;
    } else if (throttle_next_ > 0) {
      --throttle_next_;
      const AsyncError e = DescribeAsyncError(130429);
      fault = WhatsAppError(rate_limit_http_status_, 130429, e.title, e.details);
    } else if (pair_limit_next_ > 0) {
      --pair_limit_next_;
      const AsyncError e = DescribeAsyncError(131056);
      fault = WhatsAppError(rate_limit_http_status_, 131056, e.title, e.details);
    } else if (spam_limit_next_ > 0) {
      --spam_limit_next_;
      const AsyncError e = DescribeAsyncError(131048);
      fault = WhatsAppError(rate_limit_http_status_, 131048, e.title, e.details);
    } else if (fail_next_ > 0) {
      --fail_next_;
      fault = TransientError();
    }
    if (fault.has_value()) {
      sink_.set_delay_ms(0);
      return *std::move(fault);
    }

    const auto auth = request.headers.find("authorization");
    const bool token_ok = auth != request.headers.end() &&
                          ConstantTimeEquals(auth->second, "Bearer " + access_token_);
    if (token_ok && TokenExpiredLocked()) {
      sink_.set_delay_ms(delay_ms);
      return ExpiredTokenError(expired_at_);
    }
    if (!token_ok) {
      sink_.set_delay_ms(delay_ms);
      return InvalidTokenError();
    }
  }
  sink_.set_delay_ms(delay_ms);

  if (auto refused = CheckGraphEdge(request, phone_number_id_, "", "messages")) return *refused;
  return CreateMessage(request.body, delay_ms);
}

SinkResponse FakeWhatsApp::CreateMessage(const std::string& body, int64_t answer_delay_ms) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) doc = json::object();

  const json* product = Member(doc, "messaging_product");
  if (product == nullptr || !product->is_string() || product->get<std::string>() != "whatsapp") {
    return ParamError("The parameter messaging_product is required.");
  }
  const json* to = Member(doc, "to");
  if (to == nullptr || !to->is_string() || to->get<std::string>().empty()) {
    return ParamError("The parameter to is required.");
  }
  if (!ValidRecipient(to->get<std::string>())) {
    return InvalidValue(
        "Parameter 'to' must be a phone number or WhatsApp ID: digits with an "
        "optional leading '+'.");
  }

  FakeWhatsAppMessage m;
  m.to = to->get<std::string>();
  m.wa_id = Digits(m.to);
  m.type = "text";  // The Cloud API's default.
  if (const json* type = Member(doc, "type"); type != nullptr) {
    if (!type->is_string()) return ParamError("Param type must be a string.");
    m.type = type->get<std::string>();
  }
  if (!IsOneOf(m.type, kModelledTypes)) {
    if (IsOneOf(m.type, kOtherTypes)) {
      return InvalidValue("Messages of type " + m.type + " are not modelled by this fake.");
    }
    return ParamError(
        "Param type must be one of {AUDIO, BUTTON, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, "
        "LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO} - got \"" +
        m.type + "\".");
  }
  if (const std::string* data = NonEmptyStringMember(doc, "biz_opaque_callback_data");
      data != nullptr) {
    if (data->size() > 512) return InvalidValue("biz_opaque_callback_data is longer than 512.");
    m.callback_data = *data;
  }
  if (const json* context = Member(doc, "context"); context != nullptr) {
    if (const std::string* id = NonEmptyStringMember(*context, "message_id"); id != nullptr) {
      m.context_message_id = *id;
    }
  }

  SinkResponse problem;
  if (m.type == "text") {
    problem = ParseText(doc, m);
  } else if (m.type == "template") {
    problem = ParseTemplate(doc, m);
  } else if (m.type == "interactive") {
    problem = ParseInteractive(doc, m);
  } else {
    problem = ParseMedia(doc, m);
  }
  if (problem.status != 0) return problem;

  m.id = NewWamid();
  const bool is_template = m.type == "template";
  std::vector<StatusJob> jobs;
  {
    std::lock_guard lock(mu_);
    if (is_template) {
      const auto category = template_category_.find(m.template_name);
      m.category = category == template_category_.end() ? "marketing" : category->second;
    } else {
      m.category = "service";
    }
    if (not_on_whatsapp_.count(m.wa_id) > 0) {
      m.async_error = 131026;
    } else if (is_template && m.category == "marketing" && stopped_marketing_.count(m.wa_id) > 0) {
      m.async_error = 131050;
    } else if (!is_template && !WindowOpenLocked(m.wa_id)) {
      m.async_error = 131047;
    }
    accepted_index_[m.id] = accepted_.size();
    accepted_.push_back(m);

    if (auto_statuses_ && !webhook_url_.empty()) {
      const Clock::time_point due =
          Clock::now() + std::chrono::milliseconds(answer_delay_ms + status_delay_ms_);
      const auto queue = [&](const std::string& status, int error_code) {
        StatusJob job;
        job.url = webhook_url_;
        job.message_id = m.id;
        job.status = status;
        job.error_code = error_code;
        job.body = StatusBodyLocked(m.id, status, error_code);
        jobs_.emplace(std::make_pair(due, next_job_++), std::move(job));
      };
      if (m.async_error != 0) {
        queue("failed", m.async_error);
      } else {
        queue("sent", 0);
        queue("delivered", 0);
      }
    }
  }
  cv_.notify_all();

  json message;
  message["id"] = m.id;
  if (is_template) message["message_status"] = "accepted";
  json answer;
  answer["messaging_product"] = "whatsapp";
  answer["contacts"] = json::array({json{{"input", m.to}, {"wa_id", m.wa_id}}});
  answer["messages"] = json::array({message});
  return GraphOk(answer);
}

std::string FakeWhatsApp::EnvelopeLocked(const std::string& value_json) const {
  json value;
  value["messaging_product"] = "whatsapp";
  value["metadata"] = {{"display_phone_number", display_phone_number_},
                       {"phone_number_id", phone_number_id_}};
  const json fields = json::parse(value_json);
  for (const auto& [key, item] : fields.items()) value[key] = item;
  json change;
  change["value"] = std::move(value);
  change["field"] = "messages";
  json entry;
  entry["id"] = waba_id_;
  entry["changes"] = json::array({std::move(change)});
  json doc;
  doc["object"] = "whatsapp_business_account";
  doc["entry"] = json::array({std::move(entry)});
  return Dump(doc);
}

std::string FakeWhatsApp::StatusBodyLocked(const std::string& wamid, const std::string& status,
                                           int error_code) {
  const auto found = accepted_index_.find(wamid);
  const FakeWhatsAppMessage* message =
      found == accepted_index_.end() ? nullptr : &accepted_[found->second];
  const int64_t now = NowSeconds();

  json entry;
  entry["id"] = wamid;
  entry["status"] = status;
  entry["timestamp"] = std::to_string(now);
  entry["recipient_id"] = message == nullptr ? "" : message->wa_id;
  if (message != nullptr && !message->callback_data.empty()) {
    entry["biz_opaque_callback_data"] = message->callback_data;
  }
  if (status != "failed") {
    const std::string category = message == nullptr ? "service" : message->category;
    const std::string key = (message == nullptr ? "" : message->wa_id) + "/" + category;
    Conversation& conversation = conversations_[key];
    if (conversation.id.empty() || conversation.expires_at <= now) {
      conversation.id = HexEncode(RandomBytes(16));
      conversation.expires_at = now + kWindowSeconds;
    }
    json conv;
    conv["id"] = conversation.id;
    // Meta includes the expiration only with the `sent` status.
    if (status == "sent") conv["expiration_timestamp"] = std::to_string(conversation.expires_at);
    conv["origin"] = {{"type", category}};
    entry["conversation"] = std::move(conv);
    entry["pricing"] = {{"billable", true}, {"pricing_model", "CBP"}, {"category", category}};
  }
  if (error_code != 0) {
    const AsyncError e = DescribeAsyncError(error_code);
    json error;
    error["code"] = error_code;
    error["title"] = e.title;
    error["message"] = e.title;
    error["error_data"] = {{"details", e.details}};
    error["href"] = kErrorCodesUrl;
    entry["errors"] = json::array({std::move(error)});
  }
  json value;
  value["statuses"] = json::array({std::move(entry)});
  return EnvelopeLocked(Dump(value));
}

std::string FakeWhatsApp::InboundLocked(const std::string& from_wa_id,
                                        const std::string& message_json) {
  const std::string wa_id = Digits(from_wa_id);
  last_inbound_[wa_id] = NowSeconds();
  const auto name = contact_names_.find(wa_id);
  json contact;
  contact["profile"] = {
      {"name", name == contact_names_.end() ? kDefaultContactName : name->second}};
  contact["wa_id"] = wa_id;
  json value;
  value["contacts"] = json::array({std::move(contact)});
  value["messages"] = json::array({json::parse(message_json)});
  return EnvelopeLocked(Dump(value));
}

FakeWhatsAppPost FakeWhatsApp::SendStatus(const std::string& url, const std::string& wamid,
                                          const std::string& status, int error_code) {
  std::string body;
  {
    std::lock_guard lock(mu_);
    body = StatusBodyLocked(wamid, status, error_code);
  }
  return webhooks_.Send<FakeWhatsAppPost>(url, std::move(body), wamid);
}

FakeWhatsAppPost FakeWhatsApp::SendInboundText(const std::string& url,
                                               const std::string& from_wa_id,
                                               const std::string& text) {
  const std::string id = NewWamid();
  json message;
  message["from"] = Digits(from_wa_id);
  message["id"] = id;
  message["timestamp"] = std::to_string(NowSeconds());
  message["text"] = {{"body", text}};
  message["type"] = "text";
  std::string body;
  {
    std::lock_guard lock(mu_);
    body = InboundLocked(from_wa_id, Dump(message));
  }
  return webhooks_.Send<FakeWhatsAppPost>(url, std::move(body), id);
}

FakeWhatsAppPost FakeWhatsApp::SendButtonReply(const std::string& url,
                                               const std::string& from_wa_id,
                                               const std::string& context_wamid,
                                               const std::string& button_id,
                                               const std::string& title) {
  const std::string id = NewWamid();
  std::string body;
  {
    std::lock_guard lock(mu_);
    json message;
    message["context"] = {{"from", display_phone_number_}, {"id", context_wamid}};
    message["from"] = Digits(from_wa_id);
    message["id"] = id;
    message["timestamp"] = std::to_string(NowSeconds());
    message["type"] = "interactive";
    message["interactive"] = {{"type", "button_reply"},
                              {"button_reply", {{"id", button_id}, {"title", title}}}};
    body = InboundLocked(from_wa_id, Dump(message));
  }
  return webhooks_.Send<FakeWhatsAppPost>(url, std::move(body), id);
}

FakeWhatsAppPost FakeWhatsApp::SendImage(const std::string& url, const std::string& from_wa_id,
                                         const std::string& caption) {
  const std::string id = NewWamid();
  json image;
  if (!caption.empty()) image["caption"] = caption;
  image["mime_type"] = "image/jpeg";
  image["sha256"] = Base64Encode(RandomBytes(32));
  image["id"] = RandomDigits(16);
  json message;
  message["from"] = Digits(from_wa_id);
  message["id"] = id;
  message["timestamp"] = std::to_string(NowSeconds());
  message["type"] = "image";
  message["image"] = std::move(image);
  std::string body;
  {
    std::lock_guard lock(mu_);
    body = InboundLocked(from_wa_id, Dump(message));
  }
  return webhooks_.Send<FakeWhatsAppPost>(url, std::move(body), id);
}

FakeWhatsAppPost FakeWhatsApp::ResendLast(const std::string& url) {
  return webhooks_.ResendLast<FakeWhatsAppPost>(url);
}

bool FakeWhatsApp::VerifySubscription(const std::string& url, const std::string& verify_token) {
  return VerifyGraphSubscription(url, verify_token);
}

void FakeWhatsApp::RunStatusThread() {
  std::unique_lock lock(mu_);
  while (!stop_worker_) {
    if (jobs_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const Clock::time_point due = jobs_.begin()->first.first;
    if (Clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    StatusJob job = std::move(jobs_.begin()->second);
    jobs_.erase(jobs_.begin());
    ++in_flight_;
    lock.unlock();
    const int http_status = webhooks_.Post(job.url, job.body);
    lock.lock();
    --in_flight_;
    FakeWhatsAppStatusPost post;
    post.message_id = std::move(job.message_id);
    post.status = std::move(job.status);
    post.error_code = job.error_code;
    post.http_status = http_status;
    status_posts_.push_back(std::move(post));
    cv_.notify_all();
  }
}

}  // namespace ogw::testing
