// HTTP send benchmark: --messages messages (default 200,000) through one provider type into an
// in-process HttpSink on a loopback port that answers as that provider's API does, by
// --threads worker threads (default 2) each sending batches of --batch (default 1000), the
// sink answering each request --delay-ms late (default 0). Prints messages per second and the
// CPU per message of the provider (the process less the sink's thread): the gateway's own
// overhead per message, far above any provider's real rate limit.
//
//   ./build-bench/bench/http_send_bench [--provider webhook|twilio|kannel|telegram|whatsapp|
//                                        messenger] [--messages N] [--batch N] [--threads N]
//                                       [--delay-ms N]

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/messenger/messenger_provider.h"
#include "adapters/sms/kannel_provider.h"
#include "adapters/sms/twilio_provider.h"
#include "adapters/telegram/telegram_provider.h"
#include "adapters/webhook/webhook_provider.h"
#include "adapters/whatsapp/whatsapp_provider.h"
#include "bench/bench_flags.h"
#include "tests/testutil/http_sink.h"

namespace ogw::bench {
namespace {

// The provider under test and the success answer of its API.
struct Target {
  std::unique_ptr<Provider> provider;
  Channel channel = Channel::kSms;
  std::string answer;
};

Target MakeTarget(const std::string& type, const std::string& base, size_t batch, int threads) {
  Target t;
  if (type == "twilio") {
    TwilioConfig c;
    c.name = "bench";
    c.api_base = base;
    c.account_sid = "AC0123456789abcdef0123456789abcdef";
    c.auth_token = "bench-auth-token";
    c.from = "+4930123456";
    c.timeout_ms = 30000;
    c.max_in_flight = batch;
    t.provider = std::make_unique<TwilioProvider>(c);
    t.answer = R"({"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"})";
  } else if (type == "kannel") {
    KannelConfig c;
    c.name = "bench";
    c.sendsms_url = base + "/cgi-bin/sendsms";
    c.username = "bench";
    c.password = "bench-password";
    c.timeout_ms = 30000;
    c.max_in_flight = batch;
    t.provider = std::make_unique<KannelProvider>(c);
    t.answer = "0: Accepted for delivery";
  } else if (type == "telegram") {
    TelegramConfig c;
    c.name = "bench";
    c.api_base = base;
    c.bot_token = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    c.timeout_ms = 30000;
    c.max_in_flight = batch;
    t.provider = std::make_unique<TelegramProvider>(c);
    t.channel = Channel::kTelegram;
    t.answer = R"({"ok":true,"result":{"message_id":4711,"chat":{"id":5234567890,)"
               R"("type":"private"},"date":1765000000,"text":"Hello"}})";
  } else if (type == "whatsapp") {
    WhatsAppConfig c;
    c.name = "bench";
    c.api_base = base;
    c.phone_number_id = "106540352242922";
    c.access_token = "EAAGbenchtoken";
    c.timeout_ms = 30000;
    c.max_in_flight = batch;
    t.provider = std::make_unique<WhatsAppProvider>(c);
    t.channel = Channel::kWhatsApp;
    t.answer =
        R"({"messaging_product":"whatsapp","contacts":[{"input":"4917010000000",)"
        R"("wa_id":"4917010000000"}],"messages":[{"id":"wamid.HBgLNDkxNzAxMDAwMDAwFQIAERgS"}]})";
  } else if (type == "messenger") {
    MessengerConfig c;
    c.name = "bench";
    c.api_base = base;
    c.page_id = "104500000000001";
    c.page_access_token = "EAAJbenchtoken";
    c.timeout_ms = 30000;
    c.max_in_flight = batch;
    t.provider = std::make_unique<MessengerProvider>(c);
    t.channel = Channel::kMessenger;
    t.answer = R"({"recipient_id":"6254879112345678","message_id":"m_AG5Hz2Uq7tuwNEhXfYYKj8"})";
  } else if (type == "webhook") {
    WebhookConfig c;
    c.name = "bench";
    c.url = base + "/v1/messages";
    c.auth_header = "Authorization: Bearer bench-token";
    c.timeout_ms = 30000;
    c.max_in_flight = batch;
    c.clients = static_cast<size_t>(threads);
    t.provider = std::make_unique<WebhookProvider>(c);
    t.answer = R"({"id":"msg-1"})";
  }
  return t;
}

std::vector<OutboundMessage> MakeMessages(size_t count, Channel channel) {
  std::vector<OutboundMessage> messages(count);
  for (size_t i = 0; i < count; ++i) {
    OutboundMessage& m = messages[i];
    m.message_id = "camp_bench:" + std::to_string(i);
    m.org_id = "org_bench";
    m.channel = channel;
    m.text_format = TextFormatOf(channel);
    m.to = channel == Channel::kTelegram    ? std::to_string(5234567890LL + i)
           : channel == Channel::kMessenger ? std::to_string(6254879112345678LL + i)
                                            : "+49170" + std::to_string(1000000 + i % 9000000);
    m.from = channel == Channel::kSms ? "Diaspora" : "";
    m.window_open = true;
    m.text =
        "Hello from the association! Our next meeting is on Friday at 18:00. Reply STOP to "
        "opt out.";
  }
  return messages;
}

std::string StringFlag(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

int Main(int argc, char** argv) {
  const size_t total =
      static_cast<size_t>(std::max(1LL, FlagValue(argc, argv, "--messages", 200000)));
  const size_t batch = static_cast<size_t>(std::max(1LL, FlagValue(argc, argv, "--batch", 1000)));
  const int threads = static_cast<int>(std::max(1LL, FlagValue(argc, argv, "--threads", 2)));
  const long long delay_ms = FlagValue(argc, argv, "--delay-ms", 0);

  const std::string type = StringFlag(argc, argv, "--provider", "webhook");

  testing::HttpSink sink;
  sink.set_delay_ms(delay_ms);
  std::string error;
  if (!sink.Start(0, &error)) {
    std::fprintf(stderr, "cannot start the sink: %s\n", error.c_str());
    return 1;
  }
  Target target = MakeTarget(type, sink.BaseUrl(), batch, threads);
  if (target.provider == nullptr) {
    std::fprintf(stderr, "unknown --provider %s\n", type.c_str());
    return 2;
  }
  const std::string answer = target.answer;
  const bool plain = type == "kannel";
  sink.set_responder([answer, plain](const testing::SinkRequest&) {
    testing::SinkResponse r;
    r.status = plain ? 202 : 200;
    r.body = answer;
    if (plain) r.headers = {{"Content-Type", "text/plain"}};
    return r;
  });
  Provider& provider = *target.provider;

  const std::vector<OutboundMessage> messages = MakeMessages(total, target.channel);
  std::vector<SendResult> results(total);
  std::printf("http_send_bench: %s, %zu messages, batch %zu, %d threads, sink delay %lld ms\n",
              type.c_str(), total, batch, threads, delay_ms);

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
  std::printf("provider CPU per message (process less sink): %.1f us\n",
              (cpu - sink_cpu) * 1e6 / static_cast<double>(total));
  return outcomes.size() == 1 && outcomes.count("accepted") == 1 ? 0 : 1;
}

}  // namespace
}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
