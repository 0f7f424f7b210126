#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// A private redis-server owned by this process, for setups that configure no Redis URL.
// It listens only on a unix socket inside `data_dir` (no TCP port, so nothing else on the host
// can reach it), persists with AOF there, and keeps its data across restarts.
//
// If a live server already answers on that socket (e.g. the gateway is running and an admin
// command starts), Start() attaches to it instead of starting another one and does not own it.
// A supervisor thread restarts an owned server that dies. Stop() (or destruction) shuts an
// owned server down cleanly, flushing the AOF.
class EmbeddedRedis {
 public:
  struct Options {
    std::string data_dir;                  // Created if missing.
    std::string binary = "redis-server";   // Looked up on PATH.
    std::string max_memory;                // e.g. "2gb"; empty = unlimited.
    std::chrono::milliseconds start_timeout{10000};
  };

  explicit EmbeddedRedis(Options options);
  ~EmbeddedRedis();
  EmbeddedRedis(const EmbeddedRedis&) = delete;
  EmbeddedRedis& operator=(const EmbeddedRedis&) = delete;

  // Starts (or attaches to) the server and waits until it answers PING.
  absl::Status Start();
  void Stop();
  // Kills an owned server with SIGKILL and does not restart it: a power cut, for fault tests.
  void Kill();

  // unix:// endpoint of the socket.
  RedisEndpoint endpoint() const;
  bool owned() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  absl::Status Spawn();
  absl::Status WaitReady();
  void Supervise();

  Options options_;
  std::string socket_path_;
  std::atomic<pid_t> pid_{0};
  std::atomic<bool> stopping_{false};
  std::thread supervisor_;
  std::mutex mu_;
};

}  // namespace ogw
