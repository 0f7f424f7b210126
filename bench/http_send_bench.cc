// HTTP send benchmark: --messages messages (default 200,000) through WebhookProvider into an
// in-process HttpSink on a loopback port, by --threads worker threads (default 2) each sending
// batches of --batch (default 1000), the sink answering each request --delay-ms late
// (default 0). Prints messages per second and the sink's connection figures.
//
//   ./build-bench/bench/http_send_bench [--messages N] [--batch N] [--threads N] [--delay-ms N]

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "adapters/webhook/webhook_provider.h"
#include "bench/bench_flags.h"
#include "tests/testutil/http_sink.h"

namespace ogw::bench {
namespace {


std::vector<OutboundMessage> MakeMessages(size_t count) {
  std::vector<OutboundMessage> messages(count);
  for (size_t i = 0; i < count; ++i) {
    OutboundMessage& m = messages[i];
    m.message_id = "camp_bench:" + std::to_string(i);
    m.org_id = "org_bench";
    m.channel = Channel::kSms;
    m.to = "+49170" + std::to_string(1000000 + i % 9000000);
    m.from = "Diaspora";
    m.text =
        "Hello from the association! Our next meeting is on Friday at 18:00. Reply STOP to "
        "opt out.";
  }
  return messages;
}

int Main(int argc, char** argv) {
  const size_t total =
      static_cast<size_t>(std::max(1LL, FlagValue(argc, argv, "--messages", 200000)));
  const size_t batch = static_cast<size_t>(std::max(1LL, FlagValue(argc, argv, "--batch", 1000)));
  const int threads = static_cast<int>(std::max(1LL, FlagValue(argc, argv, "--threads", 2)));
  const long long delay_ms = FlagValue(argc, argv, "--delay-ms", 0);

  testing::HttpSink sink;
  sink.set_delay_ms(delay_ms);
  std::string error;
  if (!sink.Start(0, &error)) {
    std::fprintf(stderr, "cannot start the sink: %s\n", error.c_str());
    return 1;
  }
  WebhookConfig config;
  config.name = "bench";
  config.url = sink.BaseUrl() + "/v1/messages";
  config.auth_header = "Authorization: Bearer bench-token";
  config.timeout_ms = 30000;
  config.max_in_flight = batch;
  config.clients = static_cast<size_t>(threads);
  WebhookProvider provider(config);

  const std::vector<OutboundMessage> messages = MakeMessages(total);
  std::vector<SendResult> results(total);
  std::printf("http_send_bench: %zu messages, batch %zu, %d threads, sink delay %lld ms\n", total,
              batch, threads, delay_ms);

  std::atomic<size_t> next{0};
  const double cpu_before = ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t at = next.fetch_add(batch); at < total; at = next.fetch_add(batch)) {
        const size_t count = std::min(batch, total - at);
        provider.SendBatch(std::span(messages).subspan(at, count),
                           std::span(results).subspan(at, count));
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = ProcessCpuSeconds() - cpu_before;

  std::map<std::string, size_t> outcomes;
  for (const SendResult& r : results) {
    ++outcomes[std::string(OutcomeName(r.outcome)) + (r.code.empty() ? "" : " " + r.code)];
  }
  std::printf("sent %zu in %.2f s: %.0f messages/s (CPU %.2f s, sink included)\n", total, seconds,
              static_cast<double>(total) / seconds, cpu);
  for (const auto& [outcome, count] : outcomes)
    std::printf("  %-24s %zu\n", outcome.c_str(), count);
  const double sink_cpu = sink.CpuSeconds();
  std::printf(
      "sink: %llu requests, %llu connections accepted, peak %lld open, CPU %.2f s "
      "(%.1f us/request)\n",
      static_cast<unsigned long long>(sink.requests()),
      static_cast<unsigned long long>(sink.connections_accepted()),
      static_cast<long long>(sink.peak_connections()), sink_cpu,
      sink_cpu * 1e6 / static_cast<double>(std::max<uint64_t>(sink.requests(), 1)));
  return outcomes.size() == 1 && outcomes.count("accepted") == 1 ? 0 : 1;
}

}  // namespace
}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
