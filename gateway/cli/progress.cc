#include "gateway/cli/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ogw {
namespace {

constexpr int kBarWidth = 30;

std::string Duration(double seconds) {
  const int64_t s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  char out[32];
  if (s >= 3600) {
    std::snprintf(out, sizeof(out), "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else if (s >= 60) {
    std::snprintf(out, sizeof(out), "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(out, sizeof(out), "%llds", static_cast<long long>(s));
  }
  return out;
}

}  // namespace

std::string ProgressReporter::Line(bool terminal, const std::string& what, int64_t done,
                                   int64_t total, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  char counts[96];
  if (total > 0) {
    std::snprintf(counts, sizeof(counts), "%lld/%lld %s", static_cast<long long>(done),
                  static_cast<long long>(total), what.c_str());
  } else {
    std::snprintf(counts, sizeof(counts), "%lld %s", static_cast<long long>(done), what.c_str());
  }
  std::string line;
  if (terminal && total > 0) {
    const double share = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    const int filled = static_cast<int>(share * kBarWidth);
    line = "\r[" + std::string(static_cast<size_t>(filled), '=') +
           std::string(static_cast<size_t>(kBarWidth - filled), ' ') + "] ";
    char percent[16];
    std::snprintf(percent, sizeof(percent), "%3d%% ", static_cast<int>(share * 100));
    line += percent;
  }
  line += counts;
  char tail[96];
  std::snprintf(tail, sizeof(tail), ", %.0f/s, %s", rate, Duration(seconds).c_str());
  line += tail;
  if (total > done && rate > 0) {
    line += ", " + Duration(static_cast<double>(total - done) / rate) + " left";
  }
  if (terminal) line += "\x1b[K";  // Clears what a longer previous line left.
  return line;
}

ProgressReporter::ProgressReporter(std::ostream& out, bool terminal, std::string what,
                                   const std::atomic<int64_t>* total,
                                   const std::atomic<int64_t>* done,
                                   std::chrono::milliseconds interval)
    : out_(out),
      terminal_(terminal),
      what_(std::move(what)),
      total_(total),
      done_(done),
      interval_(interval),
      start_(std::chrono::steady_clock::now()),
      thread_([this] { Run(); }) {}

ProgressReporter::~ProgressReporter() { Finish(); }

void ProgressReporter::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  Report(/*last=*/true);
}

void ProgressReporter::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    Report(/*last=*/false);
    lock.lock();
  }
}

void ProgressReporter::Report(bool last) {
  const int64_t done = done_->load(std::memory_order_relaxed);
  const int64_t total = total_->load(std::memory_order_relaxed);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (!terminal_ && !last) {
    // Plain lines only at each further tenth of the way
    // (every ten seconds when the total is unknown).
    const int tenth = total > 0 ? static_cast<int>(done * 10 / std::max<int64_t>(total, 1))
                                : static_cast<int>(seconds / 10);
    if (tenth <= last_tenth_) return;
    last_tenth_ = tenth;
  }
  out_ << Line(terminal_, what_, done, total, seconds);
  if (!terminal_ || last) out_ << "\n";
  out_.flush();
}

}  // namespace ogw
