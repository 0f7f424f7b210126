#include "gateway/api/elastic_pool.h"

#include <chrono>
#include <thread>

namespace ogw {
namespace {

// How long a thread above the minimum waits for work before it ends.
constexpr std::chrono::seconds kIdleExit(30);

}  // namespace

ElasticThreadPool::ElasticThreadPool(size_t min_threads, size_t max_threads)
    : min_threads_(std::max<size_t>(min_threads, 1)),
      max_threads_(std::max(max_threads, std::max<size_t>(min_threads, 1))) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < min_threads_; ++i) {
    ++threads_;
    std::thread([this] { Work(); }).detach();
  }
}

ElasticThreadPool::~ElasticThreadPool() { shutdown(); }

void ElasticThreadPool::enqueue(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return;
  jobs_.push_back(std::move(fn));
  if (idle_ < jobs_.size() && threads_ < max_threads_) {
    ++threads_;
    std::thread([this] { Work(); }).detach();
  } else {
    wake_.notify_one();
  }
}

void ElasticThreadPool::shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  shutdown_ = true;
  wake_.notify_all();
  // Threads are detached: wait until every one has left Work(), which touches members.
  all_done_.wait(lock, [this] { return threads_ == 0; });
}

size_t ElasticThreadPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return threads_;
}

void ElasticThreadPool::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    const bool woke = wake_.wait_for(lock, kIdleExit, [this] {
      return shutdown_ || !jobs_.empty();
    });
    --idle_;
    if (shutdown_ && jobs_.empty()) break;
    if (!woke) {
      if (threads_ > min_threads_) break;  // Idle long enough, and not needed.
      continue;
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
  if (--threads_ == 0) all_done_.notify_all();
}

}  // namespace ogw
