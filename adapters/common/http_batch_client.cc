#include "adapters/common/http_batch_client.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr int kMaxEvents = 256;
// epoll_wait bound when curl has no timer pending, so a lost wake-up can only cost this long.
constexpr int kIdleWaitMillis = 1000;

void GlobalInitOnce() {
  // curl_global_init is not thread-safe and must run before any other curl call.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const size_t bytes = size * count;
  const size_t room = HttpResponse::kMaxBodyBytes - response->body.size();
  response->body.append(data, std::min(bytes, room));
  return bytes;  // Anything past the cap is dropped, not treated as a write error.
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (StartsWithIgnoreAsciiCase(line, "HTTP/")) {
    // A new status line starts a new response (after an interim 1xx): forget the old one's.
    response->retry_after.clear();
    response->status_text.clear();
    const size_t code_at = line.find(' ');
    const size_t phrase_at =
        code_at == std::string_view::npos ? code_at : line.find(' ', code_at + 1);
    if (phrase_at != std::string_view::npos) {
      response->status_text = TrimAsciiSpace(line.substr(phrase_at + 1));
    }
  } else if (StartsWithIgnoreAsciiCase(line, "retry-after:")) {
    response->retry_after = TrimAsciiSpace(line.substr(sizeof("retry-after:") - 1));
  }
  return bytes;
}

void Fail(HttpResponse* response, CURLcode code) {
  *response = HttpResponse{};
  response->curl_code = code;
  response->error = curl_easy_strerror(code);
}

}  // namespace

struct HttpBatchClient::Transfer {
  CURL* easy = nullptr;
  bool configured = false;                // `easy` holds the options of `method`.
  std::string method;
  std::vector<std::string> header_lines;  // What `headers` was built from.
  curl_slist* headers = nullptr;
  HttpResponse* response = nullptr;
  Shard* shard = nullptr;  // The multi handle it is in flight on.
  char error[CURL_ERROR_SIZE] = {};
};

struct HttpBatchClient::Shard {
  HttpBatchClient* client = nullptr;
  CURLM* multi = nullptr;
  uint32_t index = 0;  // In shards_; travels with each of its sockets through epoll.
  size_t in_flight = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // curl's next timeout.
};

HttpBatchClient::HttpBatchClient(HttpBatchClientOptions options) : options_(options) {
  GlobalInitOnce();
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  // The shards (each its own multi handle) share the DNS cache and TLS sessions; sharing
  // sessions turns a thousand full handshakes to one provider into resumptions. One thread
  // uses the share at a time, so it needs no lock callbacks.
  share_ = curl_share_init();
  if (share_ != nullptr) {
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
}

HttpBatchClient::~HttpBatchClient() {
  // Closing a multi handle closes its cached connections and reports their sockets through
  // OnSocket, so the epoll set and the shard must still be there.
  for (auto& shard : shards_) curl_multi_cleanup(shard->multi);
  for (auto& transfer : transfers_) {
    curl_slist_free_all(transfer->headers);
    curl_easy_cleanup(transfer->easy);
  }
  if (share_ != nullptr) curl_share_cleanup(share_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void HttpBatchClient::Perform(std::span<const HttpRequest> requests,
                              std::span<HttpResponse> responses) {
  const size_t count = std::min(requests.size(), responses.size());
  if (epoll_fd_ < 0) {
    for (size_t i = 0; i < count; ++i) Fail(&responses[i], CURLE_FAILED_INIT);
    return;
  }
  const size_t max_in_flight = std::max<size_t>(options_.max_in_flight, 1);
  size_t next = 0;
  size_t in_flight = 0;
  size_t done = 0;
  epoll_event events[kMaxEvents];
  while (done < count) {
    // A fresh client sends one request alone first, so that the batch behind it finds the
    // host's address and TLS session cached instead of starting hundreds of resolver threads
    // and full handshakes at once.
    const size_t limit = warmed_up_ ? max_in_flight : 1;
    while (next < count && in_flight < limit) {
      Shard* shard = ShardWithRoom();
      // No new multi handle (out of memory): wait for those in flight to make room.
      if (shard == nullptr && in_flight > 0) break;
      Transfer* transfer = shard != nullptr ? AcquireTransfer() : nullptr;
      if (transfer == nullptr) {
        Fail(&responses[next++], CURLE_OUT_OF_MEMORY);
        ++done;
      } else if (!Start(shard, transfer, requests[next], &responses[next])) {
        idle_.push_back(transfer);
        ++next;
        ++done;
      } else {
        ++next;
        ++in_flight;
      }
    }
    if (in_flight == 0) continue;

    const int ready = epoll_wait(epoll_fd_, events, kMaxEvents, WaitMillis());
    int running = 0;
    for (int i = 0; i < ready; ++i) {
      int mask = 0;
      if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
      const uint64_t data = events[i].data.u64;
      Shard* shard = shards_[data >> 32].get();
      const auto socket = static_cast<curl_socket_t>(static_cast<uint32_t>(data));
      curl_multi_socket_action(shard->multi, socket, mask, &running);
    }
    RunDueTimers();
    size_t finished = 0;
    for (auto& shard : shards_) {
      if (shard->in_flight > 0) finished += DrainCompleted(shard.get());
    }
    in_flight -= finished;
    done += finished;
  }
}

HttpBatchClient::Shard* HttpBatchClient::ShardWithRoom() {
  const size_t max_in_flight = std::max<size_t>(options_.max_in_flight, 1);
  const size_t room = std::min(kTransfersPerShard, max_in_flight);
  // The first shard with room: batches fill the same shards, whose connections stay open.
  for (auto& shard : shards_) {
    if (shard->in_flight < room) return shard.get();
  }
  if (shards_.size() >= (max_in_flight + room - 1) / room) return nullptr;
  auto shard = std::make_unique<Shard>();
  shard->multi = curl_multi_init();
  if (shard->multi == nullptr) return nullptr;
  shard->client = this;
  shard->index = static_cast<uint32_t>(shards_.size());
  curl_multi_setopt(shard->multi, CURLMOPT_SOCKETFUNCTION, &HttpBatchClient::OnSocket);
  curl_multi_setopt(shard->multi, CURLMOPT_SOCKETDATA, shard.get());
  curl_multi_setopt(shard->multi, CURLMOPT_TIMERFUNCTION, &HttpBatchClient::OnTimer);
  curl_multi_setopt(shard->multi, CURLMOPT_TIMERDATA, shard.get());
  curl_multi_setopt(shard->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(room));
  shards_.push_back(std::move(shard));
  return shards_.back().get();
}

HttpBatchClient::Transfer* HttpBatchClient::AcquireTransfer() {
  if (!idle_.empty()) {
    Transfer* transfer = idle_.back();
    idle_.pop_back();
    return transfer;
  }
  auto transfer = std::make_unique<Transfer>();
  transfer->easy = curl_easy_init();
  if (transfer->easy == nullptr) return nullptr;
  transfers_.push_back(std::move(transfer));
  return transfers_.back().get();
}

bool HttpBatchClient::Start(Shard* shard, Transfer* transfer, const HttpRequest& request,
                            HttpResponse* response) {
  *response = HttpResponse{};
  CURL* easy = transfer->easy;
  transfer->error[0] = '\0';
  transfer->response = response;

  // A handle keeps its options from one request to the next. A request with another method
  // starts from a reset handle (so no method's options linger); one with the same method, the
  // common case of a provider's batch, only changes what differs per request.
  const bool same_method = transfer->configured && transfer->method == request.method;
  if (!same_method) {
    curl_easy_reset(easy);  // Options only; the multi handle keeps connections and caches.
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // Signals cannot be used from many threads.
    curl_easy_setopt(easy, CURLOPT_SHARE, share_);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, options_.request_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer);
    if (options_.destinations != nullptr) options_.destinations->Guard(easy);
  }
  // The header list is rebuilt only when the headers differ from the last request's.
  auto out_of_memory = [&] {
    Fail(response, CURLE_OUT_OF_MEMORY);
    transfer->configured = false;  // The handle may point at a freed list: reset it next time.
    return false;
  };
  if (!same_method || transfer->header_lines != request.headers) {
    curl_slist_free_all(transfer->headers);
    transfer->headers = nullptr;
    transfer->header_lines.clear();
    bool has_expect = false;
    for (const std::string& header : request.headers) {
      curl_slist* grown = curl_slist_append(transfer->headers, header.c_str());
      if (grown == nullptr) return out_of_memory();
      transfer->headers = grown;
      has_expect = has_expect || StartsWithIgnoreAsciiCase(header, "expect:");
    }
    if (!has_expect) {
      // Otherwise curl holds larger bodies back for up to a second waiting for "100 Continue".
      curl_slist* grown = curl_slist_append(transfer->headers, "Expect:");
      if (grown == nullptr) return out_of_memory();
      transfer->headers = grown;
    }
    transfer->header_lines = request.headers;
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  }
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, response);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, response);
  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    // Sent from the caller's string without a copy; the request outlives the transfer.
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  transfer->method = request.method;
  transfer->configured = true;

  const CURLMcode added = curl_multi_add_handle(shard->multi, easy);
  if (added != CURLM_OK) {
    Fail(response, added == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT);
    response->error = curl_multi_strerror(added);
    transfer->response = nullptr;
    return false;
  }
  transfer->shard = shard;
  ++shard->in_flight;
  return true;
}

void HttpBatchClient::Finish(Transfer* transfer, CURLcode code) {
  HttpResponse* response = transfer->response;
  if (code == CURLE_OK) {
    curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &response->status);
  } else {
    // A half-received answer is no answer; keep only why it failed.
    response->status = 0;
    response->status_text.clear();
    response->retry_after.clear();
    response->body.clear();
    response->error = transfer->error[0] != '\0' ? transfer->error : curl_easy_strerror(code);
  }
  response->curl_code = code;
  curl_multi_remove_handle(transfer->shard->multi, transfer->easy);
  --transfer->shard->in_flight;
  transfer->shard = nullptr;
  transfer->response = nullptr;  // The handle keeps its options and headers for the next one.
  idle_.push_back(transfer);
  warmed_up_ = true;
}

size_t HttpBatchClient::DrainCompleted(Shard* shard) {
  size_t finished = 0;
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(shard->multi, &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    char* opaque = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &opaque);
    // Read before Finish: removing the handle invalidates `message`.
    const CURLcode code = message->data.result;
    Finish(reinterpret_cast<Transfer*>(opaque), code);
    ++finished;
  }
  return finished;
}

void HttpBatchClient::RunDueTimers() {
  const auto now = std::chrono::steady_clock::now();
  int running = 0;
  for (auto& shard : shards_) {
    if (shard->deadline.has_value() && now >= *shard->deadline) {
      shard->deadline.reset();  // OnTimer sets the next one from inside socket_action.
      curl_multi_socket_action(shard->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }
}

int HttpBatchClient::WaitMillis() const {
  std::optional<std::chrono::steady_clock::time_point> first;
  for (const auto& shard : shards_) {
    if (shard->deadline.has_value() && (!first.has_value() || *shard->deadline < *first)) {
      first = shard->deadline;
    }
  }
  if (!first.has_value()) return kIdleWaitMillis;
  const auto left = *first - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  // Rounded up: waking a little early would only spin until the deadline.
  const auto millis = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<long long>(millis, kIdleWaitMillis));
}

int HttpBatchClient::OnSocket(CURL* /*easy*/, curl_socket_t socket, int what, void* shard_ptr,
                              void* socket_data) {
  auto* shard = static_cast<Shard*>(shard_ptr);
  const int epoll_fd = shard->client->epoll_fd_;
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, socket, nullptr);  // May already be closed.
    return 0;
  }
  epoll_event event{};
  event.data.u64 = (static_cast<uint64_t>(shard->index) << 32) | static_cast<uint32_t>(socket);
  if (what & CURL_POLL_IN) event.events |= EPOLLIN;
  if (what & CURL_POLL_OUT) event.events |= EPOLLOUT;
  const int op = socket_data != nullptr ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(epoll_fd, op, socket, &event) != 0) {
    // A closed socket leaves the epoll set by itself, and its number may come back for a
    // new connection, so our view and curl's can differ by one step: try the other op.
    const int retry = errno == EEXIST ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    epoll_ctl(epoll_fd, retry, socket, &event);
  }
  if (socket_data == nullptr) curl_multi_assign(shard->multi, socket, shard);
  return 0;
}

int HttpBatchClient::OnTimer(CURLM* /*multi*/, long timeout_ms, void* shard_ptr) {
  auto* shard = static_cast<Shard*>(shard_ptr);
  if (timeout_ms < 0) {
    shard->deadline.reset();
  } else {
    shard->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

}  // namespace ogw
