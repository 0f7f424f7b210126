#include "tests/fakes/fake_twilio.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/sms/twilio_webhooks.h"
#include "gateway/core/crypto.h"
#include "tests/fakes/fake_graph.h"

namespace ogw::testing {
namespace {

constexpr char kApiVersion[] = "2010-04-01";
constexpr size_t kMaxBodyChars = 1600;

SinkResponse Error(int http_status, int code, const std::string& message) {
  const nlohmann::json doc = {
      {"code", code},
      {"message", message},
      {"more_info", "https://www.twilio.com/docs/errors/" + std::to_string(code)},
      {"status", http_status},
  };
  return SinkResponse{http_status, {}, doc.dump()};
}

std::string NewSid(std::string_view prefix) {
  return std::string(prefix) + HexEncode(RandomBytes(16));
}

// RFC 2822 date as Twilio writes it: "Tue, 26 Jul 2016 12:50:07 +0000".
std::string Rfc2822Now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

bool IsE164(std::string_view number) {
  if (number.size() < 3 || number.size() > 16 || number[0] != '+' || number[1] == '0') {
    return false;
  }
  return std::all_of(number.begin() + 1, number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// SMS segments: 160 / 153 characters for plain ASCII (a stand-in for GSM-7), 70 / 67 for
// anything else (UCS-2).
int Segments(std::string_view body) {
  const bool ascii = std::all_of(body.begin(), body.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  const size_t chars = CodePoints(body);
  const size_t single = ascii ? 160 : 70;
  const size_t multi = ascii ? 153 : 67;
  if (chars <= single) return 1;
  return static_cast<int>((chars + multi - 1) / multi);
}

const std::string* Param(const FormParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

// The message as a keyword: trimmed and upper-cased. Twilio acts on a message that is just
// the keyword, not on one that merely contains it.
std::string Keyword(std::string_view body) {
  const size_t begin = body.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  const size_t end = body.find_last_not_of(" \t\r\n");
  std::string word(body.substr(begin, end - begin + 1));
  for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return word;
}

// Twilio's default opt-out ("STOP"), opt-in ("START") and help ("HELP") keywords.
std::string OptOutType(std::string_view body) {
  const std::string word = Keyword(body);
  for (const char* stop : {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}) {
    if (word == stop) return "STOP";
  }
  for (const char* start : {"START", "YES", "UNSTOP"}) {
    if (word == start) return "START";
  }
  for (const char* help : {"HELP", "INFO"}) {
    if (word == help) return "HELP";
  }
  return "";
}

}  // namespace

FakeTwilio::FakeTwilio(std::string account_sid, std::string auth_token)
    : account_sid_(std::move(account_sid)),
      auth_token_(std::move(auth_token)),
      expected_authorization_("Basic " + Base64Encode(account_sid_ + ":" + auth_token_)) {}

FakeTwilio::~FakeTwilio() { Stop(); }

bool FakeTwilio::Start(std::string* error) {
  sink_.set_responder([this](const SinkRequest& request) { return Handle(request); });
  return sink_.Start(0, error);
}

void FakeTwilio::Stop() { sink_.Stop(); }

void FakeTwilio::AddOptedOut(const std::string& number) {
  std::lock_guard<std::mutex> lock(mu_);
  opted_out_.insert(number);
}

void FakeTwilio::FailNext(size_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_ = count;
}

void FakeTwilio::ThrottleNext(size_t count, int retry_after_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  throttle_next_ = count;
  retry_after_seconds_ = retry_after_seconds;
}

void FakeTwilio::HangNext(size_t count, int64_t hang_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  hang_next_ = count;
  hang_ms_ = hang_ms;
}

std::vector<FakeTwilioMessage> FakeTwilio::Accepted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

SinkResponse FakeTwilio::Handle(const SinkRequest& request) {
  // Runs on the sink thread, which reads the delay right after this returns: setting it here
  // delays just this answer.
  int64_t delay_ms = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (hang_next_ > 0) {
      --hang_next_;
      delay_ms = hang_ms_;
    } else if (throttle_next_ > 0) {
      --throttle_next_;
      sink_.set_delay_ms(0);
      SinkResponse response = Error(429, 20429, "Too Many Requests");
      response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds_));
      return response;
    } else if (fail_next_ > 0) {
      --fail_next_;
      sink_.set_delay_ms(0);
      return Error(500, 20500, "An internal server error has occurred");
    }
  }
  sink_.set_delay_ms(delay_ms);

  std::string path = request.path.substr(0, request.path.find('?'));
  const std::string prefix = std::string("/") + kApiVersion + "/Accounts/";
  const std::string suffix = "/Messages.json";
  if (path.rfind(prefix, 0) != 0 || path.size() <= prefix.size() + suffix.size() ||
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return Error(404, 20404, "The requested resource " + path + " was not found");
  }
  const std::string sid_in_path =
      path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());

  const auto auth = request.headers.find("authorization");
  if (auth == request.headers.end() || !ConstantTimeEquals(auth->second, expected_authorization_) ||
      sid_in_path != account_sid_) {
    SinkResponse response = Error(401, 20003, "Authenticate");
    response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Twilio API\"");
    return response;
  }
  if (request.method != "POST") return Error(405, 20004, "Method not allowed");
  return CreateMessage(request.body);
}

SinkResponse FakeTwilio::CreateMessage(const std::string& body) {
  absl::StatusOr<FormParams> params = ParseFormUrlEncoded(body);
  if (!params.ok()) return Error(400, 21604, "A 'To' phone number is required.");
  const std::string* to = Param(*params, "To");
  const std::string* from = Param(*params, "From");
  const std::string* service = Param(*params, "MessagingServiceSid");
  const std::string* text = Param(*params, "Body");
  const std::string* callback = Param(*params, "StatusCallback");
  if (to == nullptr || to->empty()) return Error(400, 21604, "A 'To' phone number is required.");
  if ((from == nullptr || from->empty()) && (service == nullptr || service->empty())) {
    return Error(400, 21603,
                 "A 'From' or 'MessagingServiceSid' parameter is required to send a message.");
  }
  if (text == nullptr || text->empty()) return Error(400, 21602, "Message body is required.");
  if (!IsE164(*to)) {
    return Error(400, 21211, "The 'To' number " + *to + " is not a valid phone number.");
  }
  if (CodePoints(*text) > kMaxBodyChars) {
    return Error(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
  }

  FakeTwilioMessage message;
  message.sid = NewSid("SM");
  message.to = *to;
  if (from != nullptr) message.from = *from;
  if (service != nullptr) message.messaging_service_sid = *service;
  message.body = *text;
  if (callback != nullptr) message.status_callback = *callback;
  const bool via_service = message.from.empty();
  // A Messaging Service picks the sender later, so Twilio cannot count segments yet.
  message.num_segments = via_service ? 0 : Segments(message.body);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (opted_out_.count(message.to) > 0) {
      return Error(400, 21610, "Attempt to send to unsubscribed recipient");
    }
    accepted_.push_back(message);
  }

  const std::string now = Rfc2822Now();
  const std::string uri =
      std::string("/") + kApiVersion + "/Accounts/" + account_sid_ + "/Messages/" + message.sid;
  const nlohmann::json doc = {
      {"account_sid", account_sid_},
      {"api_version", kApiVersion},
      {"body", message.body},
      {"date_created", now},
      {"date_sent", nullptr},
      {"date_updated", now},
      {"direction", "outbound-api"},
      {"error_code", nullptr},
      {"error_message", nullptr},
      {"from", via_service ? nlohmann::json(nullptr) : nlohmann::json(message.from)},
      {"messaging_service_sid", message.messaging_service_sid.empty()
                                    ? nlohmann::json(nullptr)
                                    : nlohmann::json(message.messaging_service_sid)},
      {"num_media", "0"},
      {"num_segments", std::to_string(message.num_segments)},
      {"price", nullptr},
      {"price_unit", "USD"},
      {"sid", message.sid},
      {"status", via_service ? "accepted" : "queued"},
      {"subresource_uris", {{"media", uri + "/Media.json"}}},
      {"to", message.to},
      {"uri", uri + ".json"},
  };
  return SinkResponse{201, {}, doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

FakeTwilioCallback FakeTwilio::SendStatusCallback(const std::string& url, const std::string& sid,
                                                  const std::string& status, int error_code) {
  FakeTwilioMessage message;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const FakeTwilioMessage& m : accepted_) {
      if (m.sid == sid) message = m;
    }
  }
  FormParams params = {
      {"AccountSid", account_sid_}, {"ApiVersion", kApiVersion}, {"From", message.from},
      {"MessageSid", sid},          {"MessageStatus", status},   {"SmsSid", sid},
      {"SmsStatus", status},        {"To", message.to},
  };
  if (error_code != 0) params.emplace_back("ErrorCode", std::to_string(error_code));
  return PostSigned(url, params);
}

FakeTwilioCallback FakeTwilio::SendInboundSms(const std::string& url, const std::string& from,
                                              const std::string& to, const std::string& body) {
  const std::string sid = NewSid("SM");
  const std::string type = OptOutType(body);
  FormParams params = {
      {"AccountSid", account_sid_},
      {"ApiVersion", kApiVersion},
      {"Body", body},
      {"From", from},
      {"MessageSid", sid},
      {"NumMedia", "0"},
      {"NumSegments", std::to_string(Segments(body))},
      {"SmsMessageSid", sid},
      {"SmsSid", sid},
      {"SmsStatus", "received"},
      {"To", to},
  };
  if (!type.empty()) params.emplace_back("OptOutType", type);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (type == "STOP") opted_out_.insert(from);
    if (type == "START") opted_out_.erase(from);
  }
  FakeTwilioCallback result = PostSigned(url, params);
  result.message_sid = sid;
  return result;
}

FakeTwilioCallback FakeTwilio::PostSigned(const std::string& url, const FormParams& params) {
  FakeTwilioCallback result;
  for (const auto& [name, value] : params) {
    if (name == "MessageSid") result.message_sid = value;
  }
  result.status = PostTo(url,
                         {{"X-Twilio-Signature", TwilioSignature(auth_token_, url, params)},
                          {"User-Agent", "TwilioProxy/1.1"},
                          {"Accept", "*/*"}},
                         EncodeFormUrlEncoded(params), "application/x-www-form-urlencoded");
  return result;
}

}  // namespace ogw::testing
