#include "tests/fakes/fake_messenger.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "gateway/core/crypto.h"

namespace ogw::testing {
namespace {

// Meta writes its JSON in a fixed field order; ordered_json keeps the order of insertion.
using json = nlohmann::ordered_json;

constexpr size_t kMaxTextChars = 2000;
constexpr size_t kMaxQuickReplies = 13;
constexpr size_t kMaxQuickReplyTitleChars = 20;
constexpr size_t kMaxPayloadChars = 1000;
constexpr int64_t kWindowSeconds = int64_t{24} * 60 * 60;
constexpr int64_t kHumanAgentSeconds = int64_t{7} * 24 * 60 * 60;
constexpr char kPolicyUrl[] =
    "https://developers.facebook.com/docs/messenger-platform/policy-overview";
constexpr int64_t kAppId = 1517776481860111;

constexpr std::array<std::string_view, 3> kMessagingTypes = {"RESPONSE", "UPDATE", "MESSAGE_TAG"};
constexpr std::array<std::string_view, 4> kTags = {"CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE",
                                                   "ACCOUNT_UPDATE", "HUMAN_AGENT"};
constexpr std::array<std::string_view, 3> kNotificationTypes = {"REGULAR", "SILENT_PUSH",
                                                                "NO_PUSH"};

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Like "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P".
std::string NewMid() { return "m_" + Base64Url(RandomBytes(63)); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The value of query parameter `name` in `target`, decoded; empty when absent.
std::string QueryParameter(std::string_view target, std::string_view name) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return "";
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    }
    query.remove_prefix(std::min(amp + 1, query.size()));
  }
  return "";
}

// Checks message.quick_replies into `m`: an error response, or status 0 when fine.
SinkResponse ParseQuickReplies(const json& replies, FakeMessengerMessage& m) {
  if (!replies.is_array()) return ParamError("Param message[quick_replies] must be an array.");
  if (replies.empty()) return ParamError("param message[quick_replies] has too few elements", 194);
  if (replies.size() > kMaxQuickReplies) {
    return ParamError("param message[quick_replies] has too many elements", 105);
  }
  for (size_t i = 0; i < replies.size(); ++i) {
    const std::string where = "message[quick_replies][" + std::to_string(i) + "]";
    const json& reply = replies[i];
    const std::string* type = StringMember(reply, "content_type");
    if (type == nullptr)
      return ParamError("The parameter " + where + "[content_type] is required.");
    if (*type == "user_email" || *type == "user_phone_number") {
      m.quick_reply_titles.push_back("");
      m.quick_reply_payloads.push_back("");
      continue;
    }
    if (*type != "text") {
      return ParamError("Param " + where +
                        "[content_type] must be one of {text, user_phone_number, user_email}");
    }
    const std::string* title = StringMember(reply, "title");
    if (title == nullptr || title->empty()) {
      return ParamError("The parameter " + where + "[title] is required.");
    }
    if (CodePoints(*title) > kMaxQuickReplyTitleChars) {
      return ParamError("Param " + where + "[title] must be at most 20 characters long.");
    }
    const json* payload = Member(reply, "payload");
    if (payload == nullptr || !(payload->is_string() || payload->is_number())) {
      return ParamError("The parameter " + where + "[payload] is required.");
    }
    const std::string payload_text =
        payload->is_string() ? payload->get<std::string>() : payload->dump();
    if (payload_text.empty() || CodePoints(payload_text) > kMaxPayloadChars) {
      return ParamError("Param " + where + "[payload] must be 1 to 1000 characters long.");
    }
    m.quick_reply_titles.push_back(*title);
    m.quick_reply_payloads.push_back(payload_text);
  }
  return SinkResponse{0, {}, ""};
}

}  // namespace

FakeMessenger::FakeMessenger(std::string page_id, std::string page_access_token,
                             std::string app_secret)
    : page_id_(std::move(page_id)),
      webhooks_(std::move(app_secret)),
      page_access_token_(std::move(page_access_token)) {
  sink_.set_responder([this](const SinkRequest& request) { return Handle(request); });
}

FakeMessenger::~FakeMessenger() { Stop(); }

bool FakeMessenger::Start(std::string* error) { return sink_.Start(0, error); }

void FakeMessenger::Stop() { sink_.Stop(); }

std::string FakeMessenger::page_access_token() const {
  std::lock_guard lock(mu_);
  return page_access_token_;
}

void FakeMessenger::SetPageAccessToken(std::string token) {
  std::lock_guard lock(mu_);
  page_access_token_ = std::move(token);
  expired_at_ = 0;
}

void FakeMessenger::ExpireToken() {
  std::lock_guard lock(mu_);
  expired_at_ = NowSeconds() - 60;
}

void FakeMessenger::OpenWindow(const std::string& psid) {
  std::lock_guard lock(mu_);
  last_inbound_[psid] = NowSeconds();
}

void FakeMessenger::CloseWindow(const std::string& psid) {
  std::lock_guard lock(mu_);
  last_inbound_.erase(psid);
}

bool FakeMessenger::WindowOpen(const std::string& psid) const {
  std::lock_guard lock(mu_);
  return WindowOpenLocked(psid, kWindowSeconds);
}

bool FakeMessenger::WindowOpenLocked(const std::string& psid, int64_t seconds) const {
  const auto it = last_inbound_.find(psid);
  return it != last_inbound_.end() && NowSeconds() - it->second < seconds;
}

void FakeMessenger::Unknown(const std::string& psid) {
  std::lock_guard lock(mu_);
  unknown_.insert(psid);
}

void FakeMessenger::ThrottleNext(size_t count) {
  std::lock_guard lock(mu_);
  throttle_next_ = count;
}

void FakeMessenger::FailNext(size_t count) {
  std::lock_guard lock(mu_);
  fail_next_ = count;
}

std::vector<FakeMessengerMessage> FakeMessenger::Accepted() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

SinkResponse FakeMessenger::Handle(const SinkRequest& request) {
  {
    std::lock_guard lock(mu_);
    if (throttle_next_ > 0) {
      --throttle_next_;
      GraphError e;
      e.code = 613;
      e.message = "(#613) Calls to this api have exceeded the rate limit.";
      return GraphErrorResponse(e);
    }
    if (fail_next_ > 0) {
      --fail_next_;
      return TransientError();
    }
    std::string presented = QueryParameter(request.path, "access_token");
    if (const auto auth = request.headers.find("authorization"); auth != request.headers.end()) {
      const std::string& value = auth->second;
      constexpr std::string_view kBearer = "Bearer ";
      if (value.size() > kBearer.size() &&
          std::equal(kBearer.begin(), kBearer.end(), value.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        presented = value.substr(kBearer.size());
      }
    }
    const bool token_ok = !presented.empty() && presented == page_access_token_;
    if (token_ok && expired_at_ != 0) return ExpiredTokenError(expired_at_);
    if (!token_ok) return InvalidTokenError();
  }

  if (auto refused = CheckGraphEdge(request, page_id_, "me", "messages")) return *refused;
  return CreateMessage(request.body);
}

SinkResponse FakeMessenger::CreateMessage(const std::string& body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) doc = json::object();

  const json* recipient = Member(doc, "recipient");
  if (recipient == nullptr || !recipient->is_object()) {
    return ParamError("The parameter recipient is required");
  }
  const std::string* psid = StringMember(*recipient, "id");
  if (psid == nullptr || !AllDigits(*psid)) {
    return ParamError("Param recipient[id] must be a valid ID string (e.g., \"123\")");
  }

  FakeMessengerMessage m;
  m.recipient_id = *psid;
  const std::string* type = StringMember(doc, "messaging_type");
  if (type == nullptr) return ParamError("The parameter messaging_type is required");
  if (!IsOneOf(*type, kMessagingTypes)) {
    return ParamError(
        "Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG} - got \"" + *type +
        "\".");
  }
  m.messaging_type = *type;
  if (m.messaging_type == "MESSAGE_TAG") {
    const std::string* tag = StringMember(doc, "tag");
    if (tag == nullptr) return ParamError("The parameter tag is required for MESSAGE_TAG");
    if (!IsOneOf(*tag, kTags)) {
      return ParamError(
          "Param tag must be one of {CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, "
          "ACCOUNT_UPDATE, HUMAN_AGENT} - got \"" +
          *tag + "\".");
    }
    m.tag = *tag;
  }
  m.notification_type = "REGULAR";
  if (const json* notification = Member(doc, "notification_type"); notification != nullptr) {
    if (!notification->is_string() ||
        !IsOneOf(notification->get_ref<const std::string&>(), kNotificationTypes)) {
      return ParamError("Param notification_type must be one of {REGULAR, SILENT_PUSH, NO_PUSH}");
    }
    m.notification_type = notification->get<std::string>();
  }

  const json* message = Member(doc, "message");
  if (message == nullptr || !message->is_object()) {
    return ParamError("The parameter message is required");
  }
  if (Member(*message, "attachment") != nullptr) {
    return ParamError("Attachments are not modelled by this fake; send text.");
  }
  const std::string* text = StringMember(*message, "text");
  if (text == nullptr || text->empty()) {
    return ParamError("Message cannot be empty, must provide valid attachment or text", 100,
                      2018034);
  }
  if (CodePoints(*text) > kMaxTextChars) {
    return ParamError("Length of param message[text] must be less than or equal to 2000");
  }
  m.text = *text;
  if (const std::string* metadata = StringMember(*message, "metadata"); metadata != nullptr) {
    m.metadata = *metadata;
  }
  if (const json* replies = Member(*message, "quick_replies"); replies != nullptr) {
    if (SinkResponse problem = ParseQuickReplies(*replies, m); problem.status != 0) return problem;
  }

  {
    std::lock_guard lock(mu_);
    if (unknown_.count(m.recipient_id) > 0) {
      return ParamError("No matching user found", 100, 2018001);
    }
    bool allowed = true;
    if (m.messaging_type != "MESSAGE_TAG") {
      allowed = WindowOpenLocked(m.recipient_id, kWindowSeconds);
    } else if (m.tag == "HUMAN_AGENT") {
      allowed = WindowOpenLocked(m.recipient_id, kHumanAgentSeconds);
    }
    if (!allowed) {
      return ParamError(std::string("This message is sent outside of allowed window. Learn more "
                                    "about the new policy here: ") +
                            kPolicyUrl,
                        10, 2018278);
    }
    m.id = NewMid();
    accepted_.push_back(m);
  }

  json answer;
  answer["recipient_id"] = m.recipient_id;
  answer["message_id"] = m.id;
  return GraphOk(answer);
}

std::string FakeMessenger::Envelope(const std::string& event_json) const {
  json entry;
  entry["id"] = page_id_;
  entry["time"] = NowMillis();
  entry["messaging"] = json::array({json::parse(event_json)});
  json doc;
  doc["object"] = "page";
  doc["entry"] = json::array({std::move(entry)});
  return Dump(doc);
}

FakeMessengerPost FakeMessenger::SendFromPerson(const std::string& url, const std::string& psid,
                                                const char* kind, json content, std::string mid) {
  json event;
  event["sender"] = {{"id", psid}};
  event["recipient"] = {{"id", page_id_}};
  event["timestamp"] = NowMillis();
  event[kind] = std::move(content);
  {
    std::lock_guard lock(mu_);
    last_inbound_[psid] = NowSeconds();
  }
  std::string body = Envelope(Dump(event));
  return webhooks_.Send<FakeMessengerPost>(url, std::move(body), std::move(mid));
}

FakeMessengerPost FakeMessenger::SendInboundText(const std::string& url, const std::string& psid,
                                                 const std::string& text) {
  const std::string mid = NewMid();
  return SendFromPerson(url, psid, "message", {{"mid", mid}, {"text", text}}, mid);
}

FakeMessengerPost FakeMessenger::SendQuickReply(const std::string& url, const std::string& psid,
                                                const std::string& title,
                                                const std::string& payload) {
  const std::string mid = NewMid();
  return SendFromPerson(url, psid, "message",
                        {{"mid", mid}, {"text", title}, {"quick_reply", {{"payload", payload}}}},
                        mid);
}

FakeMessengerPost FakeMessenger::SendPostback(const std::string& url, const std::string& psid,
                                              const std::string& title,
                                              const std::string& payload) {
  const std::string mid = NewMid();
  return SendFromPerson(url, psid, "postback",
                        {{"title", title}, {"payload", payload}, {"mid", mid}}, mid);
}

FakeMessengerPost FakeMessenger::SendDelivery(const std::string& url, const std::string& psid,
                                              const std::vector<std::string>& mids) {
  json event;
  event["sender"] = {{"id", psid}};
  event["recipient"] = {{"id", page_id_}};
  event["delivery"] = {{"mids", mids}, {"watermark", NowMillis()}};
  std::string body = Envelope(Dump(event));
  return webhooks_.Send<FakeMessengerPost>(url, std::move(body),
                                           mids.empty() ? std::string() : mids.front());
}

FakeMessengerPost FakeMessenger::SendEcho(const std::string& url, const std::string& psid,
                                          const std::string& text) {
  const std::string mid = NewMid();
  json event;
  event["sender"] = {{"id", page_id_}};
  event["recipient"] = {{"id", psid}};
  event["timestamp"] = NowMillis();
  event["message"] = {{"is_echo", true}, {"app_id", kAppId}, {"mid", mid}, {"text", text}};
  std::string body = Envelope(Dump(event));
  return webhooks_.Send<FakeMessengerPost>(url, std::move(body), mid);
}

FakeMessengerPost FakeMessenger::ResendLast(const std::string& url) {
  return webhooks_.ResendLast<FakeMessengerPost>(url);
}

bool FakeMessenger::VerifySubscription(const std::string& url, const std::string& verify_token) {
  return VerifyGraphSubscription(url, verify_token);
}

}  // namespace ogw::testing
