// http_sink: the test suite's fake provider endpoint as a standalone server, to aim load
// generators or a running gateway at. Answers every request 200 {"id":"sink-<n>"}.
//
//   ./build-bench/bench/http_sink [--port N] [--delay-ms N]
//
// Prints "listening on 127.0.0.1:<port>" once ready, runs until SIGTERM or SIGINT, then prints
// how many requests it answered.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/bench_flags.h"
#include "tests/testutil/http_sink.h"

using ogw::bench::FlagValue;

int main(int argc, char** argv) {
  const long long port = FlagValue(argc, argv, "--port", 0);
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "--port must be in 0..65535\n");
    return 2;
  }
  // Blocked before the sink thread starts, so it inherits the mask and sigwait gets them all.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ogw::testing::HttpSink sink;
  sink.set_delay_ms(FlagValue(argc, argv, "--delay-ms", 0));
  std::string error;
  if (!sink.Start(static_cast<uint16_t>(port), &error)) {
    std::fprintf(stderr, "http_sink: %s\n", error.c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(sink.port()));
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  sink.Stop();
  std::printf("requests: %llu\n", static_cast<unsigned long long>(sink.requests()));
  return 0;
}
