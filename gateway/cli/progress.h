#pragma once

// Progress of a long command line job (an export of a million contacts): on a terminal a bar
// redrawn in place with the rate and the time left, otherwise (a log, a pipe) a plain line every
// tenth of the way, so logs stay readable.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace ogw {

class ProgressReporter {
 public:
  // Reports `*done` out of `*total` (0: not known yet) items named `what` ("contacts") to
  // `out` every `interval` until Finish() or destruction.
  ProgressReporter(std::ostream& out, bool terminal, std::string what,
                   const std::atomic<int64_t>* total, const std::atomic<int64_t>* done,
                   std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // Stops reporting and writes the last line.
  void Finish();

  // One report of `done` of `total` after `seconds` (the text written, for tests).
  static std::string Line(bool terminal, const std::string& what, int64_t done, int64_t total,
                          double seconds);

 private:
  void Run();
  void Report(bool last);

  std::ostream& out_;
  const bool terminal_;
  const std::string what_;
  const std::atomic<int64_t>* total_;
  const std::atomic<int64_t>* done_;
  const std::chrono::milliseconds interval_;
  const std::chrono::steady_clock::time_point start_;
  int last_tenth_ = -1;  // Plain lines: the last tenth reported.
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // Guarded by mu_.
  std::thread thread_;
};

}  // namespace ogw
