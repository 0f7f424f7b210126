#include "adapters/email/smtp_provider.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "adapters/common/http_answer.h"
#include "adapters/email/email_message_id.h"
#include "gateway/core/crypto.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

// Idle sessions kept: enough for this many concurrent batches, as the HTTP providers keep four
// idle clients.
constexpr size_t kIdleBatches = 4;
constexpr size_t kMaxConnections = 100;
// Connecting includes TLS for smtps://; a healthy server is far quicker.
constexpr long kMaxConnectTimeoutMs = 5000;
// A reply is a few lines; a hostile server must not grow it without bound.
constexpr size_t kMaxReplyBytes = 1024;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "5.1.1" at the start of a reply text (RFC 3463: class.subject.detail), else empty.
std::string_view EnhancedStatus(std::string_view text) {
  size_t i = 0;
  auto digits = [&](size_t max) {
    const size_t begin = i;
    while (i < text.size() && i - begin < max && IsDigit(text[i])) ++i;
    return i > begin;
  };
  if (text.empty() || (text[0] != '2' && text[0] != '4' && text[0] != '5')) return {};
  ++i;
  if (i >= text.size() || text[i++] != '.' || !digits(3)) return {};
  if (i >= text.size() || text[i++] != '.' || !digits(3)) return {};
  if (i < text.size() && text[i] != ' ') return {};
  return text.substr(0, i);
}

std::string_view TransportCode(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return "connect";
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return "tls";
    default:
      return "transport";
  }
}

long CurlUseSsl(const SmtpConfig& config) {
  if (config.starttls == "none") return CURLUSESSL_NONE;
  if (config.starttls == "try") return CURLUSESSL_TRY;
  return CURLUSESSL_ALL;
}

// curl takes the URL's path as the EHLO domain and otherwise says EHLO with the machine's
// host name, which in a container is a random word that strict servers refuse.
std::string UrlWithEhloDomain(const SmtpConfig& config) {
  const size_t authority = config.url.find("://");
  if (authority == std::string::npos) return config.url;
  const size_t path = config.url.find('/', authority + 3);
  if (path != std::string::npos && path + 1 < config.url.size()) return config.url;
  std::string url = config.url.substr(0, path);
  return url + "/" + config.message_id_domain;
}

void CurlGlobalInitOnce() {
  // Before any other curl call. The HTTP client has its own once-flag; curl (7.84 and later,
  // built thread-safe as Debian's is) allows the two to race.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::vector<std::string> Secrets(const SmtpConfig& config) {
  if (config.password.empty()) return {};
  // AUTH PLAIN sends base64("\0user\0password"), AUTH LOGIN base64("password").
  std::string plain(1, '\0');
  plain += config.username;
  plain.push_back('\0');
  plain += config.password;
  return {config.password, Base64Encode(plain), Base64Encode(config.password)};
}

}  // namespace

absl::Status ValidateSmtpConfig(const SmtpConfig& config) {
  if (!StartsWith(config.url, "smtp://") && !StartsWith(config.url, "smtps://")) {
    return absl::InvalidArgumentError("url: must start with smtp:// or smtps://");
  }
  const std::string_view host = std::string_view(config.url).substr(config.url.find("://") + 3);
  if (host.empty() || host.front() == '/' || host.front() == ':') {
    return absl::InvalidArgumentError("url: names no host");
  }
  if (config.starttls != "none" && config.starttls != "try" && config.starttls != "required") {
    return absl::InvalidArgumentError("starttls: must be \"none\", \"try\" or \"required\"");
  }
  if (!IsPlainEmailAddress(config.from_address)) {
    return absl::InvalidArgumentError("from_address: not a plain ASCII e-mail address");
  }
  if (config.from_name.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return absl::InvalidArgumentError("from_name: contains CR, LF or NUL");
  }
  // Its errors already name the field: message_id_domain, then message_id_key.
  RETURN_IF_ERROR(
      NewEmailMessageId("probe", config.message_id_domain, config.message_id_key).status());
  if (config.timeout_ms <= 0) return absl::InvalidArgumentError("timeout_ms: must be positive");
  if (config.connections < 1 || config.connections > kMaxConnections) {
    return absl::InvalidArgumentError("connections: must be 1.." +
                                      std::to_string(kMaxConnections));
  }
  return absl::OkStatus();
}

// One curl easy handle, and with it one SMTP session: curl keeps the connection open after a
// transfer and reuses it for the next transfer on the same handle, so a handle used message
// after message talks to the server over one authenticated connection. One thread at a time.
class SmtpProvider::Session {
 public:
  Session(const SmtpConfig& config, const std::string& url) : easy_(curl_easy_init()) {
    error_[0] = '\0';
    if (easy_ == nullptr) return;
    curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
    // Never another protocol, whatever the configured URL says.
    curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(easy_, CURLOPT_USE_SSL, CurlUseSsl(config));
    if (!config.username.empty()) {
      curl_easy_setopt(easy_, CURLOPT_USERNAME, config.username.c_str());
      curl_easy_setopt(easy_, CURLOPT_PASSWORD, config.password.c_str());
    }
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, config.verify_peer ? 1L : 0L);
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, config.verify_peer ? 2L : 0L);
    if (!config.ca_file.empty()) {
      // The bundle replaces the system's trust: Debian's libcurl also has a built-in CA path,
      // which would go on trusting every public CA next to it.
      curl_easy_setopt(easy_, CURLOPT_CAINFO, config.ca_file.c_str());
      curl_easy_setopt(easy_, CURLOPT_CAPATH, nullptr);
    }
    const long timeout_ms = std::max(config.timeout_ms, 1);
    curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, kMaxConnectTimeoutMs));
    // Worker threads: curl must not use signals for its timeouts.
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
    // Idle sessions wait in the pool; keep-alive probes notice a silently dropped connection.
    curl_easy_setopt(easy_, CURLOPT_TCP_KEEPALIVE, 1L);
    if (config.destinations != nullptr) config.destinations->Guard(easy_);
    curl_easy_setopt(easy_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy_, CURLOPT_READFUNCTION, &Session::Read);
    curl_easy_setopt(easy_, CURLOPT_READDATA, this);
    // For SMTP, curl hands every server reply line to the header callback.
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &Session::ReplyLine);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  }
  ~Session() {
    if (easy_ != nullptr) curl_easy_cleanup(easy_);  // Says QUIT on an open session.
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  SmtpAnswer Send(const BuiltEmail& email, const std::string& to) {
    SmtpAnswer answer;
    if (easy_ == nullptr) {
      answer.curl_code = CURLE_FAILED_INIT;
      answer.error = "curl_easy_init failed";
      return answer;
    }
    upload_ = email.data;
    offset_ = 0;
    reply_.clear();
    reply_done_ = true;
    refusal_.clear();
    error_[0] = '\0';
    const std::string from = "<" + email.from_address + ">";
    curl_slist* recipients = curl_slist_append(nullptr, ("<" + to + ">").c_str());
    curl_easy_setopt(easy_, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(easy_, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(easy_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload_.size()));
    answer.curl_code = curl_easy_perform(easy_);
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &answer.reply_code);
    // The list dies here; the handle must not point at it for the next message.
    curl_easy_setopt(easy_, CURLOPT_MAIL_RCPT, nullptr);
    curl_slist_free_all(recipients);
    upload_ = {};
    answer.reply_text = refusal_.empty() ? reply_ : refusal_;
    answer.error = error_;
    return answer;
  }

 private:
  static size_t Read(char* buffer, size_t size, size_t count, void* data) {
    Session* self = static_cast<Session*>(data);
    const size_t n = std::min(size * count, self->upload_.size() - self->offset_);
    std::memcpy(buffer, self->upload_.data() + self->offset_, n);
    self->offset_ += n;
    return n;
  }

  // Collects each reply's text ("250-" lines continue a reply, "250 " ends it) and keeps the
  // first refusal (4xx/5xx): after one, curl closes the session with QUIT, whose "221 Bye"
  // would otherwise be the last reply seen.
  static size_t ReplyLine(char* buffer, size_t size, size_t count, void* data) {
    Session* self = static_cast<Session*>(data);
    std::string_view line(buffer, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (self->reply_done_) self->reply_.clear();
    const std::string_view text = line.size() > 4 ? TrimAsciiSpace(line.substr(4)) : "";
    if (self->reply_.size() + text.size() < kMaxReplyBytes) {
      if (!self->reply_.empty() && !text.empty()) self->reply_ += ' ';
      self->reply_ += text;
    }
    self->reply_done_ = !(line.size() >= 4 && line[3] == '-');
    if (self->reply_done_ && self->refusal_.empty() && !line.empty() &&
        (line[0] == '4' || line[0] == '5')) {
      self->refusal_ = self->reply_;
    }
    return size * count;
  }

  CURL* easy_;
  std::string_view upload_;  // The message being sent; empty between messages.
  size_t offset_ = 0;
  std::string reply_;    // The latest reply's text.
  bool reply_done_ = true;
  std::string refusal_;  // The first refusal's text in this exchange.
  char error_[CURL_ERROR_SIZE];
};

SmtpProvider::SmtpProvider(SmtpConfig config)
    : config_(std::move(config)),
      url_(UrlWithEhloDomain(config_)),
      sender_{config_.from_address, config_.from_name, config_.message_id_domain,
              config_.message_id_key},
      secrets_(Secrets(config_)),
      max_idle_(std::max<size_t>(config_.connections, 1) * kIdleBatches) {
  CurlGlobalInitOnce();
}

SmtpProvider::~SmtpProvider() = default;

std::unique_ptr<SmtpProvider::Session> SmtpProvider::Borrow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Session> session = std::move(idle_.back());
      idle_.pop_back();
      return session;
    }
  }
  return std::make_unique<Session>(config_, url_);
}

void SmtpProvider::GiveBack(std::unique_ptr<Session> session) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(std::move(session));
      return;
    }
  }
  // One more than the pool keeps: QUIT and close here, outside the lock.
  session.reset();
}

// Threads rather than curl's multi interface: an SMTP session carries one message at a time in
// a fixed dialogue, so `connections` sessions are `connections` sequential streams, which a
// thread each blocking in curl_easy_perform expresses directly. A pooled easy handle keeps its
// own session between batches; under the multi interface connections belong to the multi
// handle instead, and the pool would have to hand those out. The threads (at most
// `connections` per batch) are cheap next to the SMTP round trips of one message.
void SmtpProvider::SendBatch(std::span<const OutboundMessage> messages,
                             std::span<SendResult> results) {
  const size_t count = std::min(messages.size(), results.size());
  if (count == 0) return;
  std::atomic<size_t> next{0};
  auto drain = [&] {
    std::unique_ptr<Session> session;
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      if (!session) session = Borrow();
      results[i] = Send(*session, messages[i]);
    }
    if (session) GiveBack(std::move(session));
  };
  const size_t workers = std::min(count, std::max<size_t>(config_.connections, 1));
  std::vector<std::thread> helpers;
  helpers.reserve(workers - 1);
  for (size_t w = 1; w < workers; ++w) {
    try {
      helpers.emplace_back(drain);
    } catch (const std::system_error&) {
      break;  // No more threads to be had: the ones running share out the rest.
    }
  }
  drain();
  for (std::thread& helper : helpers) helper.join();
}

SendResult SmtpProvider::Send(Session& session, const OutboundMessage& message) {
  absl::StatusOr<BuiltEmail> email = BuildEmail(message, sender_);
  if (!email.ok()) {
    SendResult result;
    result.outcome = SendResult::Outcome::kPermanent;
    result.code = "invalid_message";
    result.reason = TruncateUtf8(MessageOf(email.status()), kMaxReasonBytes);
    return result;
  }
  const SmtpAnswer answer = session.Send(*email, message.to);
  if (answer.curl_code == CURLE_OK) {
    SendResult result;
    result.outcome = SendResult::Outcome::kAccepted;
    result.provider_message_id = email->message_id;
    return result;
  }
  return Classify(answer, message, {secrets_.begin(), secrets_.end()});
}

SendResult SmtpProvider::Classify(const SmtpAnswer& answer, const OutboundMessage& message,
                                  const std::vector<std::string_view>& secrets) {
  SendResult result;
  const long code = answer.reply_code;
  if (code >= 400 && code < 600) {
    result.outcome =
        code < 500 ? SendResult::Outcome::kTransient : SendResult::Outcome::kPermanent;
    result.code = "smtp_" + std::to_string(code);
    const std::string_view text = TrimAsciiSpace(answer.reply_text);
    result.reason = TruncateUtf8(text, kMaxReasonBytes);
    if (result.reason.empty() || ReasonLeaks(result.reason, message, secrets)) {
      // The enhanced status still tells a hard bounce from other refusals.
      const std::string_view enhanced = EnhancedStatus(text);
      result.reason = enhanced.empty() ? "SMTP " + std::to_string(code) : std::string(enhanced);
    }
    result.address_invalid = SmtpAddressInvalid(result);
    return result;
  }
  // No refusal from the server: the connection, TLS or the clock failed, or the server said
  // something curl did not expect. Another attempt may well get through.
  result.outcome = SendResult::Outcome::kTransient;
  result.code = TransportCode(answer.curl_code);
  result.reason = TruncateUtf8(answer.error, kMaxReasonBytes);
  if (result.reason.empty() || ReasonLeaks(result.reason, message, secrets)) {
    result.reason = curl_easy_strerror(answer.curl_code);
  }
  return result;
}

bool SmtpAddressInvalid(const SendResult& result) {
  return result.outcome == SendResult::Outcome::kPermanent &&
         (result.code == "smtp_550" || result.code == "smtp_551" || result.code == "smtp_553") &&
         StartsWith(EnhancedStatus(result.reason), "5.1.");
}

}  // namespace ogw
