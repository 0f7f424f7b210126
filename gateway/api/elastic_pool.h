#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace ogw {

// httplib's task queue for the API: one connection is one task for its whole life, so a client
// that sends a header line every twenty seconds, or keeps an idle connection, holds a thread.
// httplib's ThreadPool has a fixed number: ten slow clients stop the API, webhooks included.
// This pool keeps `min_threads` ready, starts another thread for a task when none is idle (up
// to `max_threads`, then tasks wait), and lets threads above the minimum end after a while
// without work. A production installation still belongs behind a reverse proxy that buffers
// requests (docs/ARCHITECTURE.md, "Threats and mitigations").
class ElasticThreadPool : public httplib::TaskQueue {
 public:
  ElasticThreadPool(size_t min_threads, size_t max_threads);
  ~ElasticThreadPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // Threads running now (for tests).
  size_t threads() const;

 private:
  void Work();

  const size_t min_threads_;
  const size_t max_threads_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable all_done_;
  std::deque<std::function<void()>> jobs_;  // Guarded by mu_.
  size_t threads_ = 0;                      // Guarded by mu_.
  size_t idle_ = 0;                         // Guarded by mu_.
  bool shutdown_ = false;                   // Guarded by mu_.
};

}  // namespace ogw
