#pragma once

// Command-line flags and timers shared by every benchmark driver (no gateway dependencies, so
// the HTTP-only drivers use it too).

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace ogw::bench {

// ---------------------------------------------------------------------------------------------
// Command line.

// Value of "--name N" (or "--name=N"), or `fallback`.
inline long long FlagValue(int argc, char** argv, const char* name, long long fallback) {
  const size_t n = std::strlen(name);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], name, n) != 0) continue;
    if (argv[i][n] == '=') return std::atoll(argv[i] + n + 1);
    if (argv[i][n] == '\0' && i + 1 < argc) return std::atoll(argv[i + 1]);
  }
  return fallback;
}

// CPU seconds this process has used (user + system, all threads).
inline double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ogw::bench
