// Contact export: N generated contacts (default 1,000,000) exported through the real HTTP API
// (GET /v1/contacts/export, an in-process gateway over a private redis-server) as CSV and as
// JSON, the client counting and discarding the body. Reports the time, the bytes, the rate and
// the growth of this process's resident memory during the export (sampled every 10 ms), which
// must stay bounded whatever N is.
//
//   ./build-bench/bench/export_bench [--contacts N]

#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_gateway.h"

namespace ogw::bench {
namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "export_bench: %s\n", what.c_str());
  return 1;
}

// This process's resident set in bytes (/proc/self/statm).
long long ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  long long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

}  // namespace

int Main(int argc, char** argv) {
  const size_t n = static_cast<size_t>(FlagValue(argc, argv, "--contacts", 1'000'000));
  BenchRedis redis;
  BenchGateway gateway(redis);
  httplib::Client& client = gateway.client();
  const httplib::Headers& auth = gateway.auth();
  Stopwatch load_watch;
  // The generator's posts are not this organisation's.
  if (!LoadContacts(gateway.runtime().contacts(), gateway.org(), n,
                    [](size_t, Contact& c) { c.post_id.clear(); })) {
    return Fail("loading failed");
  }
  std::printf("contacts: %zu (loaded in %.1f s), redis used_memory %.0f MB\n", n,
              load_watch.Seconds(), static_cast<double>(redis.UsedMemory()) / 1e6);
  redis.WaitForAofRewrite();

  std::printf("%-6s %10s %12s %12s %14s %18s\n", "format", "seconds", "MB", "contacts/s",
              "rss before MB", "rss growth max MB");
  for (const std::string format : {"csv", "json"}) {
    const long long before = ResidentBytes();
    std::atomic<long long> peak{before};
    std::atomic<bool> done{false};
    std::thread sampler([&] {
      while (!done) {
        const long long now_rss = ResidentBytes();
        if (now_rss > peak) peak = now_rss;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    size_t bytes = 0, lines = 0;
    Stopwatch watch;
    auto r = client.Get("/v1/contacts/export?format=" + format, auth,
                        [&](const char* data, size_t length) {
                          bytes += length;
                          for (size_t i = 0; i < length; ++i) lines += data[i] == '\n';
                          return true;
                        });
    const double seconds = watch.Seconds();
    done = true;
    sampler.join();
    if (!r || r->status != 200) return Fail("export failed: " + format);
    // CSV: a header and a line per contact; JSON: a line per contact.
    const size_t rows = format == "csv" ? lines - 1 : lines;
    if (rows != n) {
      return Fail(format + ": " + std::to_string(rows) + " contacts exported, not " +
                  std::to_string(n));
    }
    std::printf("%-6s %10.2f %12.1f %12.0f %14.1f %18.1f\n", format.c_str(), seconds,
                static_cast<double>(bytes) / 1e6, static_cast<double>(n) / seconds,
                static_cast<double>(before) / 1e6, static_cast<double>(peak - before) / 1e6);
  }
  return 0;
}

}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
