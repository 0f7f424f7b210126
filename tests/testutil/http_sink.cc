#include "tests/testutil/http_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string_view>

namespace ogw::testing {
namespace {

constexpr uint64_t kListenTag = ~uint64_t{0};
constexpr uint64_t kWakeTag = ~uint64_t{0} - 1;
constexpr int kMaxEvents = 512;
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;
constexpr int kListenBacklog = 4096;  // The kernel caps it at net.core.somaxconn.

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

constexpr std::pair<int, const char*> kReasonPhrases[] = {
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {411, "Length Required"},
    {413, "Content Too Large"},
    {422, "Unprocessable Content"},
    {425, "Too Early"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

const char* ReasonPhrase(int status) {
  for (const auto& [code, phrase] : kReasonPhrases) {
    if (code == status) return phrase;
  }
  return status < 400 ? "OK" : "Error";
}

std::string Serialize(const SinkResponse& response, bool close) {
  std::string out;
  out.reserve(160 + response.body.size());
  out.append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  out.append(ReasonPhrase(response.status)).append("\r\n");
  bool has_type = false;
  for (const auto& [name, value] : response.headers) {
    if (EqualsNoCase(name, "content-length") || EqualsNoCase(name, "connection")) continue;
    has_type = has_type || EqualsNoCase(name, "content-type");
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_type) out.append("Content-Type: application/json\r\n");
  out.append("Content-Length: ").append(std::to_string(response.body.size())).append("\r\n");
  if (close) out.append("Connection: close\r\n");
  out.append("\r\n").append(response.body);
  return out;
}

bool WantsClose(const SinkResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (EqualsNoCase(name, "connection") && EqualsNoCase(Trim(value), "close")) return true;
  }
  return false;
}

}  // namespace

struct HttpSink::Connection {
  struct Pending {
    Clock::time_point at;
    std::string bytes;
    bool close_after;
  };
  int fd = -1;
  uint32_t serial = 0;
  uint32_t events = 0;  // Current epoll interest.
  std::string in;
  std::string out;
  size_t out_sent = 0;
  std::deque<Pending> pending;  // Answers waiting for their time, in request order.
  Clock::time_point last_at{};  // Latest deadline queued, so a shorter delay cannot reorder.
  bool closing = false;         // No further requests are read (error or "Connection: close").
  bool peer_closed = false;     // The client sent FIN.
  bool close_after_flush = false;
};

HttpSink::HttpSink() : responder_(nullptr) {}

HttpSink::~HttpSink() { Stop(); }

void HttpSink::set_responder(Responder responder) {
  std::lock_guard<std::mutex> lock(mu_);
  responder_ = responder ? std::make_shared<const Responder>(std::move(responder)) : nullptr;
  custom_responder_.store(responder_ != nullptr);
}

void HttpSink::set_recording(size_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  record_limit_.store(count);
  while (recorded_.size() > count) recorded_.pop_front();
}

std::vector<SinkRequest> HttpSink::Recorded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {recorded_.begin(), recorded_.end()};
}

bool HttpSink::Start(uint16_t port, std::string* error) {
  auto fail = [&](const char* what) {
    if (error != nullptr) *error = std::string(what) + ": " + std::strerror(errno);
    for (int* fd : {&listen_fd_, &epoll_fd_, &wake_fd_}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
    return false;
  };
  if (thread_.joinable()) {
    if (error != nullptr) *error = "already started";
    return false;
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return fail("socket");
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return fail("bind");
  }
  if (listen(listen_fd_, kListenBacklog) != 0) return fail("listen");
  socklen_t len = sizeof addr;
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return fail("getsockname");
  }
  port_ = ntohs(addr.sin_port);

  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return fail("epoll_create1");
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return fail("eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kListenTag;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &event) != 0) return fail("epoll_ctl");
  event.data.u64 = kWakeTag;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) return fail("epoll_ctl");

  thread_ = std::thread(&HttpSink::Run, this);
  thread_id_ = thread_.native_handle();
  return true;
}

double HttpSink::CpuSeconds() const {
  clockid_t clock;
  timespec used{};
  if (epoll_fd_ < 0 || pthread_getcpuclockid(thread_id_, &clock) != 0 ||
      clock_gettime(clock, &used) != 0) {
    return 0;
  }
  return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
}

void HttpSink::Stop() {
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  while (write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
  thread_.join();
  for (int* fd : {&listen_fd_, &epoll_fd_, &wake_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

void HttpSink::Run() {
  read_buffer_.resize(kReadChunk);
  epoll_event events[kMaxEvents];
  bool stop = false;
  while (!stop) {
    const int ready = epoll_wait(epoll_fd_, events, kMaxEvents, TimeoutMillis(Clock::now()));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < ready; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kListenTag) {
        Accept();
        continue;
      }
      if (tag == kWakeTag) {
        stop = true;
        continue;
      }
      // The serial tells a closed connection's stale event from a new one on the same fd.
      Connection* conn =
          Find(static_cast<int>(tag & 0xFFFFFFFFu), static_cast<uint32_t>(tag >> 32));
      if (conn == nullptr) continue;
      const uint32_t what = events[i].events;
      if (what & (EPOLLERR | EPOLLHUP)) {
        Close(conn);
        continue;
      }
      const int fd = conn->fd;
      const uint32_t serial = conn->serial;
      if (what & EPOLLIN) OnReadable(conn);
      if ((what & EPOLLOUT) && (conn = Find(fd, serial)) != nullptr) Flush(conn);
    }
    ReleaseDue(Clock::now());
  }
  for (auto& conn : connections_) {
    if (conn != nullptr) Close(conn.get());
  }
  connections_.clear();
  due_ = {};
}

HttpSink::Connection* HttpSink::Find(int fd, uint32_t serial) const {
  if (fd < 0 || static_cast<size_t>(fd) >= connections_.size()) return nullptr;
  Connection* conn = connections_[static_cast<size_t>(fd)].get();
  return conn != nullptr && conn->serial == serial ? conn : nullptr;
}

void HttpSink::Accept() {
  while (true) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN: all taken. EMFILE and the like: retried on the next wake-up.
    }
    // Answers go out in one write each; Nagle would only add latency.
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto conn = std::make_unique<Connection>();
    conn->fd = fd;
    conn->serial = ++next_serial_;
    conn->events = EPOLLIN;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = (uint64_t{conn->serial} << 32) | static_cast<uint32_t>(fd);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      close(fd);
      continue;
    }
    if (static_cast<size_t>(fd) >= connections_.size()) {
      connections_.resize(std::max<size_t>(static_cast<size_t>(fd) + 1, connections_.size() * 2));
    }
    connections_[static_cast<size_t>(fd)] = std::move(conn);
    accepted_.fetch_add(1);
    const int64_t open = open_.fetch_add(1) + 1;
    if (open > peak_.load()) peak_.store(open);  // Only this thread writes it.
  }
}

void HttpSink::OnReadable(Connection* conn) {
  while (true) {
    const ssize_t got = recv(conn->fd, read_buffer_.data(), read_buffer_.size(), 0);
    if (got > 0) {
      if (!conn->closing) conn->in.append(read_buffer_.data(), static_cast<size_t>(got));
      if (static_cast<size_t>(got) < read_buffer_.size()) break;
      continue;
    }
    if (got == 0) {
      conn->peer_closed = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    Close(conn);
    return;
  }
  ParseRequests(conn);
  Flush(conn);
}

void HttpSink::ParseRequests(Connection* conn) {
  std::string& in = conn->in;
  size_t at = 0;
  auto reject = [&](int status) {
    SinkResponse response;
    response.status = status;
    response.body = std::string(R"({"error":")") + ReasonPhrase(status) + "\"}";
    Answer(conn, std::move(response), /*close_after=*/true);
  };
  while (!conn->closing && at < in.size()) {
    // Clients may send empty lines between requests (RFC 9112, 2.2).
    while (at + 1 < in.size() && in[at] == '\r' && in[at + 1] == '\n') at += 2;
    const std::string_view rest(in.data() + at, in.size() - at);
    const size_t head_end = rest.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
      if (rest.size() > kMaxHeaderBytes) reject(431);
      break;
    }
    const std::string_view head = rest.substr(0, head_end);
    const size_t line_end = head.find("\r\n");
    const std::string_view request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
    if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1) {
      reject(400);
      break;
    }
    const std::string_view method = request_line.substr(0, sp1);
    const std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = request_line.substr(sp2 + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
      reject(400);
      break;
    }

    const bool full = custom_responder_.load(std::memory_order_relaxed) ||
                      record_limit_.load(std::memory_order_relaxed) > 0;
    SinkRequest request;
    bool bad = false;
    bool chunked = false;
    bool has_length = false;
    size_t length = 0;
    bool keep_alive = version == "HTTP/1.1";
    size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t eol = head.find("\r\n", pos);
      if (eol == std::string_view::npos) eol = head.size();
      const std::string_view line = head.substr(pos, eol - pos);
      pos = eol + 2;
      const size_t colon = line.find(':');
      if (colon == 0 || colon == std::string_view::npos || line.front() == ' ' ||
          line.front() == '\t') {
        bad = true;  // No name, or obsolete line folding.
        break;
      }
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = Trim(line.substr(colon + 1));
      if (EqualsNoCase(name, "content-length")) {
        size_t parsed = 0;
        const bool digits = !value.empty() && value.size() <= 12 &&
                            value.find_first_not_of("0123456789") == std::string_view::npos;
        for (char c : value) parsed = parsed * 10 + static_cast<size_t>(c - '0');
        if (!digits || (has_length && parsed != length)) {
          bad = true;
          break;
        }
        has_length = true;
        length = parsed;
      } else if (EqualsNoCase(name, "transfer-encoding")) {
        chunked = true;
      } else if (EqualsNoCase(name, "connection")) {
        if (EqualsNoCase(value, "close")) keep_alive = false;
        if (EqualsNoCase(value, "keep-alive")) keep_alive = true;
      }
      if (full) {
        std::string& slot = request.headers[Lower(name)];
        if (!slot.empty()) slot.append(", ");
        slot.append(value);
      }
    }
    const bool needs_length = method == "POST" || method == "PUT" || method == "PATCH";
    if (bad) {
      reject(400);
      break;
    }
    if (chunked || (needs_length && !has_length)) {
      reject(411);
      break;
    }
    if (length > kMaxBodyBytes) {
      reject(413);
      break;
    }
    const size_t body_at = head_end + 4;
    if (rest.size() - body_at < length) break;  // The body is still on its way.
    at += body_at + length;

    const uint64_t number = requests_.fetch_add(1) + 1;
    SinkResponse response;
    bool answered = false;
    if (full) {
      request.method = method;
      request.path = target;
      request.body = rest.substr(body_at, length);
      std::shared_ptr<const Responder> responder;
      {
        std::lock_guard<std::mutex> lock(mu_);
        responder = responder_;
        if (record_limit_.load() > 0) {
          recorded_.push_back(request);
          while (recorded_.size() > record_limit_.load()) recorded_.pop_front();
        }
      }
      if (responder != nullptr) {
        answered = true;
        try {
          response = (*responder)(request);
        } catch (...) {
          response = SinkResponse{500, {}, R"({"error":"sink responder threw"})"};
        }
      }
    }
    if (!answered) {
      response.body = R"({"id":"sink-)" + std::to_string(number) + "\"}";
    }
    Answer(conn, std::move(response), !keep_alive);
  }
  in.erase(0, conn->closing ? in.size() : at);
}

void HttpSink::Answer(Connection* conn, SinkResponse response, bool close_after) {
  close_after = close_after || WantsClose(response);
  std::string bytes = Serialize(response, close_after);
  if (close_after) conn->closing = true;
  const int64_t delay_ms = delay_ms_.load(std::memory_order_relaxed);
  if (delay_ms <= 0 && conn->pending.empty()) {
    conn->out.append(bytes);
    conn->close_after_flush = conn->close_after_flush || close_after;
    return;
  }
  const Clock::time_point at =
      std::max(Clock::now() + std::chrono::milliseconds(delay_ms), conn->last_at);
  conn->last_at = at;
  conn->pending.push_back({at, std::move(bytes), close_after});
  due_.push({at, conn->fd, conn->serial});
}

void HttpSink::ReleaseDue(Clock::time_point now) {
  while (!due_.empty() && due_.top().at <= now) {
    const Due due = due_.top();
    due_.pop();
    Connection* conn = Find(due.fd, due.serial);
    // Earlier entries of the same connection may already have taken this one's answer along.
    if (conn == nullptr || conn->pending.empty() || conn->pending.front().at > now) continue;
    while (!conn->pending.empty() && conn->pending.front().at <= now) {
      Connection::Pending& pending = conn->pending.front();
      conn->out.append(pending.bytes);
      conn->close_after_flush = conn->close_after_flush || pending.close_after;
      conn->pending.pop_front();
    }
    Flush(conn);
  }
}

void HttpSink::Flush(Connection* conn) {
  const uint32_t reading = conn->closing || conn->peer_closed ? 0u : uint32_t{EPOLLIN};
  while (conn->out_sent < conn->out.size()) {
    const ssize_t sent = send(conn->fd, conn->out.data() + conn->out_sent,
                              conn->out.size() - conn->out_sent, MSG_NOSIGNAL);
    if (sent > 0) {
      conn->out_sent += static_cast<size_t>(sent);
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      SetInterest(conn, reading | EPOLLOUT);
      return;
    }
    Close(conn);
    return;
  }
  conn->out.clear();
  conn->out_sent = 0;
  if (conn->close_after_flush || (conn->peer_closed && conn->pending.empty())) {
    Close(conn);
    return;
  }
  SetInterest(conn, reading);
}

void HttpSink::SetInterest(Connection* conn, uint32_t events) {
  if (conn->events == events) return;
  epoll_event event{};
  event.events = events;
  event.data.u64 = (uint64_t{conn->serial} << 32) | static_cast<uint32_t>(conn->fd);
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn->fd, &event);
  conn->events = events;
}

void HttpSink::Close(Connection* conn) {
  const int fd = conn->fd;
  close(fd);  // Also leaves the epoll set.
  open_.fetch_sub(1);
  connections_[static_cast<size_t>(fd)].reset();
}

int HttpSink::TimeoutMillis(Clock::time_point now) const {
  if (due_.empty()) return -1;
  const auto left = due_.top().at - now;
  if (left <= Clock::duration::zero()) return 0;
  // Rounded up: waking early would only spin until the deadline.
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

}  // namespace ogw::testing
