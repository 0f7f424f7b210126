#include "adapters/email/imap_poller.h"

#include <curl/curl.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "gateway/core/status.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using Clock = std::chrono::steady_clock;

// A response line (SEARCH of a big mailbox) longer than this means a broken or hostile server.
constexpr size_t kMaxLineBytes = 8 * 1024 * 1024;
// Header bytes of an oversized message fetched to say who sent it.
constexpr size_t kOversizedHeaderBytes = 8 * 1024;
// LOGOUT is a courtesy; the poll's result does not wait long for it.
constexpr int kLogoutTimeoutMs = 2000;

void GlobalInitOnce() {
  // curl_global_init is not thread-safe and must run before any other curl call.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Neither libcurl nor a server should ever echo the password; if one does, it stops here.
std::string Redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

std::optional<uint64_t> ParseNumber(std::string_view text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

// The number after `key ` in a response ("UID 7", "RFC822.SIZE 1234", "[UIDVALIDITY 42").
std::optional<uint64_t> NumberAfter(std::string_view text, std::string_view key) {
  for (size_t i = 0; i + key.size() + 1 < text.size(); ++i) {
    if (i > 0 && text[i - 1] != ' ' && text[i - 1] != '(' && text[i - 1] != '[') continue;
    if (!StartsWithIgnoreAsciiCase(text.substr(i), key) || text[i + key.size()] != ' ') continue;
    if (auto number = ParseNumber(text.substr(i + key.size() + 1))) return number;
  }
  return std::nullopt;
}

// An IMAP quoted string; Create() made sure the mailbox holds printable ASCII only.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

// One response from the server: its text with each literal left as "{n}", and the literals.
struct ServerLine {
  std::string text;
  std::vector<std::string> literals;  // Empty strings for literals over the caller's cap.
};

struct Response {
  std::vector<ServerLine> untagged;
  bool ok = false;          // Tagged OK (else NO or BAD).
  std::string status_line;  // The tagged line without its tag: "OK ...", "NO [...] ...".
};

// "{123}" (or LITERAL+ "{123+}") ending a line announces that many bytes of literal.
std::optional<size_t> LiteralSize(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  const size_t open = line.rfind('{');
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view digits = line.substr(open + 1, line.size() - open - 2);
  if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
  const std::optional<uint64_t> size = ParseNumber(digits);
  if (!size || std::to_string(*size).size() != digits.size()) return std::nullopt;
  return static_cast<size_t>(*size);
}

// One IMAP connection. libcurl connects, negotiates TLS (imaps, or STARTTLS when offered) and
// logs in (CURLOPT_CONNECT_ONLY); the commands then go over curl_easy_send/recv. libcurl's
// own FETCH cannot PEEK (it sends BODY[], which sets \Seen at once), and its custom-request
// path reads a literal line by line, ending it early at any body line that looks like its tag.
class Session {
 public:
  explicit Session(const ImapConfig& config) : config_(config) {}
  ~Session() {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  absl::Status Connect() {
    GlobalInitOnce();
    curl_ = curl_easy_init();
    if (curl_ == nullptr) return absl::InternalError(Prefix() + "curl_easy_init failed");
    const bool tls_now = StartsWithIgnoreAsciiCase(config_.url, "imaps:");
    curl_easy_setopt(curl_, CURLOPT_URL, config_.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    curl_easy_setopt(curl_, CURLOPT_USERNAME, config_.username.c_str());
    curl_easy_setopt(curl_, CURLOPT_PASSWORD, config_.password.c_str());
    curl_easy_setopt(curl_, CURLOPT_CONNECT_ONLY, 1L);
    if (config_.destinations != nullptr) config_.destinations->Guard(curl_);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.timeout_ms));
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout_ms));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, config_.verify_peer ? 1L : 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, config_.verify_peer ? 2L : 0L);
    if (!config_.ca_file.empty()) {
      // The bundle replaces the system's trust: Debian's libcurl also has a built-in CA path,
      // which would go on trusting every public CA next to it.
      curl_easy_setopt(curl_, CURLOPT_CAINFO, config_.ca_file.c_str());
      curl_easy_setopt(curl_, CURLOPT_CAPATH, nullptr);
    }
    if (!tls_now) {
      const long use_ssl = config_.starttls == "none"  ? CURLUSESSL_NONE
                           : config_.starttls == "try" ? CURLUSESSL_TRY
                                                       : CURLUSESSL_ALL;
      curl_easy_setopt(curl_, CURLOPT_USE_SSL, use_ssl);
    }
    const CURLcode code = curl_easy_perform(curl_);
    if (code != CURLE_OK) return ConnectError(code);
    if (curl_easy_getinfo(curl_, CURLINFO_ACTIVESOCKET, &socket_) != CURLE_OK ||
        socket_ == CURL_SOCKET_BAD) {
      return absl::UnavailableError(Prefix() + "connection lost right after login");
    }
    return absl::OkStatus();
  }

  // Sends `command` under a fresh tag and reads up to its tagged answer. Literals larger than
  // `max_literal` are read past and kept empty. Errors only for transport problems and BYE;
  // NO / BAD come back as a Response with ok == false.
  absl::StatusOr<Response> Run(std::string_view command, size_t max_literal = 0,
                               int timeout_ms = 0) {
    const auto deadline =
        Clock::now() + std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : config_.timeout_ms);
    const std::string tag = "g" + std::to_string(next_tag_++);
    RETURN_IF_ERROR(Send(tag + " " + std::string(command) + "\r\n", deadline));
    Response response;
    for (;;) {
      ServerLine line;
      for (;;) {
        ASSIGN_OR_RETURN(std::string piece, ReadLine(deadline));
        line.text += piece;
        if (line.text.size() > kMaxLineBytes) {
          return absl::UnavailableError(Prefix() + "server response line over " +
                                        std::to_string(kMaxLineBytes) + " bytes");
        }
        const std::optional<size_t> literal = LiteralSize(piece);
        if (!literal) break;
        std::string data;
        RETURN_IF_ERROR(ReadLiteral(*literal, *literal <= max_literal ? &data : nullptr, deadline));
        line.literals.push_back(std::move(data));
      }
      if (line.text.starts_with(tag + " ")) {
        response.status_line = line.text.substr(tag.size() + 1);
        response.ok = StartsWithIgnoreAsciiCase(response.status_line, "OK");
        return response;
      }
      if (StartsWithIgnoreAsciiCase(line.text, "* BYE")) {
        return absl::UnavailableError(Prefix() + "server ended the session: " + line.text);
      }
      if (line.text.starts_with("*")) response.untagged.push_back(std::move(line));
    }
  }

  void Logout() { (void)Run("LOGOUT", 0, std::min(config_.timeout_ms, kLogoutTimeoutMs)); }

  std::string Prefix() const { return "imap " + config_.name + ": "; }

 private:
  absl::Status ConnectError(CURLcode code) const {
    std::string detail = Redact(error_, config_.password);
    if (!detail.empty()) detail = " (" + detail + ")";
    switch (code) {
      case CURLE_LOGIN_DENIED:
        return absl::UnauthenticatedError(Prefix() + "login as \"" + config_.username +
                                          "\" refused: authentication failed, check the " +
                                          "username and password" + detail);
      case CURLE_OPERATION_TIMEDOUT:
        return absl::DeadlineExceededError(Prefix() + "connecting and logging in took over " +
                                           std::to_string(config_.timeout_ms) + " ms" + detail);
      default:
        return absl::UnavailableError(Prefix() + curl_easy_strerror(code) + detail);
    }
  }

  absl::Status Wait(short events, Clock::time_point deadline) {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        return absl::DeadlineExceededError(Prefix() + "no answer from the server within " +
                                           std::to_string(config_.timeout_ms) + " ms");
      }
      pollfd fd{static_cast<int>(socket_), events, 0};
      const int ready = poll(&fd, 1, static_cast<int>(std::min<int64_t>(left, INT_MAX)));
      if (ready > 0) return absl::OkStatus();
      if (ready < 0 && errno != EINTR) {
        return absl::UnavailableError(Prefix() + "poll on the connection failed");
      }
    }
  }

  absl::Status Send(std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
      size_t sent = 0;
      const CURLcode code = curl_easy_send(curl_, data.data(), data.size(), &sent);
      if (code == CURLE_AGAIN) {
        RETURN_IF_ERROR(Wait(POLLOUT, deadline));
        continue;
      }
      if (code != CURLE_OK) {
        return absl::UnavailableError(Prefix() + "send failed: " + curl_easy_strerror(code));
      }
      data.remove_prefix(sent);
    }
    return absl::OkStatus();
  }

  // Appends what the connection has to in_, waiting for at least one byte. curl_easy_recv
  // comes first: with TLS it may hold decrypted bytes while the socket itself is quiet.
  absl::Status Fill(Clock::time_point deadline) {
    if (read_at_ > 0 && read_at_ * 2 >= in_.size()) {
      in_.erase(0, read_at_);
      read_at_ = 0;
    }
    char buffer[64 * 1024];
    for (;;) {
      size_t received = 0;
      const CURLcode code = curl_easy_recv(curl_, buffer, sizeof buffer, &received);
      if (code == CURLE_AGAIN) {
        RETURN_IF_ERROR(Wait(POLLIN, deadline));
        continue;
      }
      if (code != CURLE_OK) {
        return absl::UnavailableError(Prefix() + "receive failed: " + curl_easy_strerror(code));
      }
      if (received == 0) return absl::UnavailableError(Prefix() + "server closed the connection");
      in_.append(buffer, received);
      return absl::OkStatus();
    }
  }

  absl::StatusOr<std::string> ReadLine(Clock::time_point deadline) {
    size_t scanned = 0;  // Unread bytes already searched; relative, as Fill may compact in_.
    for (;;) {
      const size_t newline = in_.find('\n', read_at_ + scanned);
      if (newline != std::string::npos) {
        size_t end = newline;
        if (end > read_at_ && in_[end - 1] == '\r') --end;
        std::string line = in_.substr(read_at_, end - read_at_);
        read_at_ = newline + 1;
        return line;
      }
      scanned = in_.size() - read_at_;
      if (scanned > kMaxLineBytes) {
        return absl::UnavailableError(Prefix() + "server response line over " +
                                      std::to_string(kMaxLineBytes) + " bytes");
      }
      RETURN_IF_ERROR(Fill(deadline));
    }
  }

  // Reads `size` literal bytes into *out, or past them when out is null.
  absl::Status ReadLiteral(size_t size, std::string* out, Clock::time_point deadline) {
    if (out != nullptr) out->reserve(size);
    while (size > 0) {
      if (read_at_ == in_.size()) RETURN_IF_ERROR(Fill(deadline));
      const size_t take = std::min(size, in_.size() - read_at_);
      if (out != nullptr) out->append(in_, read_at_, take);
      read_at_ += take;
      size -= take;
    }
    return absl::OkStatus();
  }

  const ImapConfig& config_;
  CURL* curl_ = nullptr;
  curl_socket_t socket_ = CURL_SOCKET_BAD;
  char error_[CURL_ERROR_SIZE] = {};
  std::string in_;  // Received bytes; those before read_at_ are consumed.
  size_t read_at_ = 0;
  int next_tag_ = 1;
};

absl::Status Refused(const Session& session, std::string_view command, const Response& response) {
  return absl::FailedPreconditionError(session.Prefix() + std::string(command) +
                                       " refused: " + response.status_line);
}

std::string UidSet(const std::vector<uint32_t>& uids) {
  std::string out;
  for (const uint32_t uid : uids) {
    if (!out.empty()) out.push_back(',');
    out += std::to_string(uid);
  }
  return out;
}

bool IsFetch(const ServerLine& line) {
  const size_t at = line.text.find(" FETCH ");
  return at != std::string::npos && at < 24;
}

absl::Status MarkSeen(Session& session, uint32_t uid) {
  const std::string command = "UID STORE " + std::to_string(uid) + " +FLAGS.SILENT (\\Seen)";
  ASSIGN_OR_RETURN(Response stored, session.Run(command));
  if (!stored.ok) return Refused(session, command, stored);
  return absl::OkStatus();
}

// Selects `mailbox`; its UIDVALIDITY, 0 when the server names none.
absl::StatusOr<uint64_t> Select(Session& session, const std::string& mailbox) {
  const std::string select_command = "SELECT " + Quoted(mailbox);
  ASSIGN_OR_RETURN(Response selected, session.Run(select_command));
  if (!selected.ok) return Refused(session, select_command, selected);
  uint64_t validity = 0;
  for (const ServerLine& line : selected.untagged) {
    if (auto number = NumberAfter(line.text, "UIDVALIDITY")) validity = *number;
  }
  return validity;
}

// The UIDs of the selected mailbox's unseen messages (tokens that are no UID are skipped).
absl::StatusOr<std::set<uint32_t>> SearchUnseen(Session& session) {
  ASSIGN_OR_RETURN(Response searched, session.Run("UID SEARCH UNSEEN"));
  if (!searched.ok) return Refused(session, "UID SEARCH UNSEEN", searched);
  std::set<uint32_t> unseen;
  for (const ServerLine& line : searched.untagged) {
    if (!StartsWithIgnoreAsciiCase(line.text, "* SEARCH")) continue;
    std::string_view rest = std::string_view(line.text).substr(8);
    while (!rest.empty()) {
      const size_t space = rest.find(' ');
      const std::string_view token = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
      const std::optional<uint64_t> uid = ParseNumber(token);
      if (!uid || *uid == 0 || *uid > UINT32_MAX) continue;
      unseen.insert(static_cast<uint32_t>(*uid));
    }
  }
  return unseen;
}

// Which unseen messages a poll takes: new ones oldest first, then earlier failures; `max` at most.
std::vector<uint32_t> PollOrder(const std::set<uint32_t>& unseen, const std::set<uint32_t>& failed,
                                size_t max) {
  std::vector<uint32_t> batch;
  std::vector<uint32_t> retried;
  for (const uint32_t uid : unseen) (failed.contains(uid) ? retried : batch).push_back(uid);
  batch.insert(batch.end(), retried.begin(), retried.end());
  if (batch.size() > max) batch.resize(max);
  return batch;
}

// The sizes of the messages `uids` (RFC822.SIZE), by UID; one expunged meanwhile is missing.
absl::StatusOr<std::map<uint32_t, uint64_t>> FetchSizes(Session& session,
                                                        const std::vector<uint32_t>& uids) {
  const std::string size_command = "UID FETCH " + UidSet(uids) + " (UID RFC822.SIZE)";
  ASSIGN_OR_RETURN(Response sized, session.Run(size_command));
  if (!sized.ok) return Refused(session, size_command, sized);
  std::map<uint32_t, uint64_t> sizes;
  for (const ServerLine& line : sized.untagged) {
    if (!IsFetch(line)) continue;
    const std::optional<uint64_t> uid = NumberAfter(line.text, "UID");
    const std::optional<uint64_t> size = NumberAfter(line.text, "RFC822.SIZE");
    if (uid && size && *uid <= UINT32_MAX) sizes[static_cast<uint32_t>(*uid)] = *size;
  }
  return sizes;
}

// The first kOversizedHeaderBytes of message `uid`'s header, left unseen; "" when none came.
absl::StatusOr<std::string> PeekHeaders(Session& session, uint32_t uid) {
  std::string headers;
  const std::string header_command = "UID FETCH " + std::to_string(uid) + " (BODY.PEEK[HEADER]<0." +
                                     std::to_string(kOversizedHeaderBytes) + ">)";
  ASSIGN_OR_RETURN(Response peeked, session.Run(header_command, kOversizedHeaderBytes));
  for (const ServerLine& line : peeked.untagged) {
    if (IsFetch(line) && !line.literals.empty() && NumberAfter(line.text, "UID") == uid) {
      headers = line.literals.front();
    }
  }
  return headers;
}

// Message `uid` as stored, left unseen; nullopt when the fetch is refused (logged) or expunged.
absl::StatusOr<std::optional<std::string>> FetchMessage(Session& session, uint32_t uid,
                                                        size_t max_bytes) {
  const std::string fetch_command = "UID FETCH " + std::to_string(uid) + " (BODY.PEEK[])";
  ASSIGN_OR_RETURN(Response fetched, session.Run(fetch_command, max_bytes));
  if (!fetched.ok) {
    spdlog::warn("{}{} refused: {}", session.Prefix(), fetch_command, fetched.status_line);
    return std::nullopt;
  }
  std::string* raw = nullptr;
  for (ServerLine& line : fetched.untagged) {
    if (IsFetch(line) && !line.literals.empty() && NumberAfter(line.text, "UID") == uid &&
        line.text.find("BODY[]") != std::string::npos) {
      raw = &line.literals.front();
    }
  }
  if (raw == nullptr) return std::nullopt;
  return std::move(*raw);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ImapPoller>> ImapPoller::Create(ImapConfig config) {
  auto invalid = [&](std::string_view problem) {
    return absl::InvalidArgumentError("imap " + config.name + ": " + std::string(problem));
  };
  if (config.username.empty()) return invalid("username is empty");
  if (config.starttls != "none" && config.starttls != "try" && config.starttls != "required") {
    return invalid("starttls must be none, try or required");
  }
  if (config.timeout_ms <= 0) return invalid("timeout_ms must be positive");
  if (config.max_per_poll <= 0) return invalid("max_per_poll must be positive");
  if (config.max_message_bytes == 0) return invalid("max_message_bytes must be positive");
  GlobalInitOnce();
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), &curl_url_cleanup);
  if (!url || curl_url_set(url.get(), CURLUPART_URL, config.url.c_str(), 0) != CURLUE_OK) {
    return invalid("url is not a URL");
  }
  auto part = [&](CURLUPart which) -> std::optional<std::string> {
    char* value = nullptr;
    if (curl_url_get(url.get(), which, &value, 0) != CURLUE_OK || value == nullptr) {
      return std::nullopt;
    }
    std::string text(value);
    curl_free(value);
    return text;
  };
  const std::optional<std::string> scheme = part(CURLUPART_SCHEME);
  if (!scheme || (*scheme != "imap" && *scheme != "imaps")) {
    return invalid("url must start with imap:// or imaps://");
  }
  const std::optional<std::string> host = part(CURLUPART_HOST);
  if (!host || host->empty()) return invalid("url has no host");
  if (part(CURLUPART_USER) || part(CURLUPART_PASSWORD)) {
    return invalid("url must not carry credentials; set username and password instead");
  }
  if (part(CURLUPART_QUERY)) return invalid("url must not have a query");
  std::string path = part(CURLUPART_PATH).value_or("/");
  path = path.substr(0, path.find(';'));  // IMAP URL parameters (;UIDVALIDITY=...) are ignored.
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::optional<std::string> mailbox = PercentDecode(path);
  if (!mailbox) return invalid("url path is not valid percent-encoding");
  if (mailbox->empty()) *mailbox = "INBOX";
  // Other names need IMAP's modified UTF-7; nobody points a gateway at such a folder.
  if (std::any_of(mailbox->begin(), mailbox->end(), [](char c) { return c < ' ' || c > '~'; })) {
    return invalid("mailbox name must be printable ASCII");
  }
  return std::unique_ptr<ImapPoller>(new ImapPoller(std::move(config), *std::move(mailbox)));
}

ImapPoller::ImapPoller(ImapConfig config, std::string mailbox)
    : config_(std::move(config)), mailbox_(std::move(mailbox)) {}

ImapPoller::~ImapPoller() = default;

absl::StatusOr<int> ImapPoller::PollOnce(const Handler& handle, const OversizedHandler& oversized) {
  std::lock_guard lock(mu_);
  Session session(config_);
  RETURN_IF_ERROR(session.Connect());

  ASSIGN_OR_RETURN(const uint64_t validity, Select(session, mailbox_));
  // A new UIDVALIDITY renumbers the mailbox: remembered UIDs now mean other messages.
  if (validity != uid_validity_) {
    failed_uids_.clear();
    uid_validity_ = validity;
  }

  ASSIGN_OR_RETURN(const std::set<uint32_t> unseen, SearchUnseen(session));
  // Forget failures that were handled elsewhere (read by a person, deleted).
  std::erase_if(failed_uids_, [&](uint32_t uid) { return !unseen.contains(uid); });
  const std::vector<uint32_t> batch =
      PollOrder(unseen, failed_uids_, static_cast<size_t>(config_.max_per_poll));
  if (batch.empty()) {
    session.Logout();
    return 0;
  }

  // Sizes first, so an oversized message is never downloaded at all.
  ASSIGN_OR_RETURN(const auto sizes, FetchSizes(session, batch));
  int handled = 0;
  for (const uint32_t uid : batch) {
    const auto size = sizes.find(uid);
    if (size == sizes.end()) continue;  // Expunged since the search.
    const bool too_big = size->second > config_.max_message_bytes;
    absl::Status status;
    if (too_big) {
      // Never downloaded whole; its first header bytes go to `oversized` (the quarantine), so
      // an admin learns who wrote. Marked seen once that is kept.
      ASSIGN_OR_RETURN(const std::string headers, PeekHeaders(session, uid));
      spdlog::warn("imap {}: message UID {} has {} bytes, over the limit of {}; set aside",
                   config_.name, uid, size->second, config_.max_message_bytes);
      if (oversized) status = oversized(headers, size->second);
    } else {
      ASSIGN_OR_RETURN(const std::optional<std::string> raw,
                       FetchMessage(session, uid, config_.max_message_bytes));
      if (!raw) continue;
      status = handle(*raw);
    }
    if (!status.ok()) {
      spdlog::warn("imap {}: message UID {} left unseen for the next poll: {}", config_.name, uid,
                   status.ToString());
      failed_uids_.insert(uid);
      continue;
    }
    // Persisted: now it may be acknowledged. Should this fail, the message comes again.
    RETURN_IF_ERROR(MarkSeen(session, uid));
    failed_uids_.erase(uid);
    if (!too_big) ++handled;
  }
  session.Logout();
  return handled;
}

}  // namespace ogw
