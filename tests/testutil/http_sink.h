#pragma once

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ogw::testing {

// One request as the sink parsed it.
struct SinkRequest {
  std::string method;
  std::string path;                            // Request target as sent, query included.
  std::map<std::string, std::string> headers;  // Lower-cased names; repeats joined by ", ".
  std::string body;
};

// What the sink answers. Content-Length is always added; Content-Type: application/json too
// unless `headers` has a Content-Type.
struct SinkResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A fast fake provider endpoint for tests and benchmarks: an HTTP/1.1 server on 127.0.0.1
// (ephemeral port by default) driven by one thread with epoll and non-blocking sockets. It
// keeps connections alive, accepts pipelined and fragmented requests with Content-Length
// bodies, and answers 400 (or 411 for chunked bodies) and closes on anything else.
//
// Every answer leaves `delay_ms` after its request arrived, without holding up other
// connections: answers wait in a deadline-ordered queue that sets the epoll timeout.
// Thousands of concurrent connections and well over 50,000 small requests per second fit on
// one core.
//
// Thread-safety: setters, counters and Recorded() may be called from any thread at any time.
// The responder runs on the sink thread, once per request, when the request arrives; it must
// be thread-safe with respect to the test's own threads and must not call set_responder().
class HttpSink {
 public:
  using Responder = std::function<SinkResponse(const SinkRequest&)>;

  HttpSink();
  ~HttpSink();  // Stops.
  HttpSink(const HttpSink&) = delete;
  HttpSink& operator=(const HttpSink&) = delete;

  // Listens on 127.0.0.1:`port` (0: any free port) and starts the sink thread. False, with a
  // description in `*error` if given, when the socket cannot be set up or already started.
  bool Start(uint16_t port = 0, std::string* error = nullptr);
  // Closes every connection and joins the thread; answers still waiting are dropped.
  void Stop();

  uint16_t port() const { return port_; }
  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set_delay_ms(int64_t delay_ms) { delay_ms_.store(delay_ms); }
  // nullptr restores the default: 200 {"id":"sink-<n>"} with n counting requests from 1.
  void set_responder(Responder responder);
  // Keeps the last `count` requests for Recorded(); 0 (the default) keeps none.
  void set_recording(size_t count);
  std::vector<SinkRequest> Recorded() const;

  uint64_t requests() const { return requests_.load(); }
  uint64_t connections_accepted() const { return accepted_.load(); }
  int64_t open_connections() const { return open_.load(); }
  int64_t peak_connections() const { return peak_.load(); }
  // CPU time the sink thread has used since Start(); 0 when stopped. Unlike the counters, not
  // to be called while another thread runs Start() or Stop().
  double CpuSeconds() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Connection;
  struct Due {
    Clock::time_point at;
    int fd;
    uint32_t serial;
    bool operator>(const Due& other) const { return at > other.at; }
  };

  void Run();
  Connection* Find(int fd, uint32_t serial) const;
  void Accept();
  void OnReadable(Connection* conn);
  void ParseRequests(Connection* conn);
  // Queues `response` behind the connection's earlier answers, due `delay_ms` from now.
  void Answer(Connection* conn, SinkResponse response, bool close_after);
  void ReleaseDue(Clock::time_point now);
  void Flush(Connection* conn);
  void SetInterest(Connection* conn, uint32_t events);
  void Close(Connection* conn);
  int TimeoutMillis(Clock::time_point now) const;

  std::atomic<int64_t> delay_ms_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<int64_t> open_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<bool> custom_responder_{false};
  std::atomic<size_t> record_limit_{0};

  mutable std::mutex mu_;
  std::shared_ptr<const Responder> responder_;  // Guarded by mu_.
  std::deque<SinkRequest> recorded_;            // Guarded by mu_.

  // Sink-thread state.
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd that Stop() signals.
  uint16_t port_ = 0;
  uint32_t next_serial_ = 0;
  std::vector<std::unique_ptr<Connection>> connections_;  // Indexed by fd.
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  std::vector<char> read_buffer_;
  std::thread thread_;
  pthread_t thread_id_{};  // thread_'s handle, readable without touching thread_ (const).
};

}  // namespace ogw::testing
