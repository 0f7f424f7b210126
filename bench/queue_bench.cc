// Delivery queue benchmark (issue targets in docs/PERFORMANCE.md):
//   1. enqueue a campaign of --messages recipients (default 1,000,000): messages/s, and Redis
//      memory per queued message; then launch a real campaign over --launch-contacts stored
//      contacts (default 1,000,000; 0 skips it): segment evaluation, address choice and
//      enqueue together, as POST /v1/campaigns/{id}/launch does;
//   2. drain it through the delivery worker to a local HTTP sink answering at once;
//   3. drain another such campaign to a sink answering after --slow-ms (default 50 ms);
//      meanwhile a direct message (the priority lane) is queued every 100 ms and its time to
//      reach the sink is measured.
// Messages are rendered at send time from a template, for contacts stored in Redis (--contacts,
// default 50,000; campaign recipients cycle over them), exactly as in production: the worker is
// built as Runtime::NewWorker builds it (conversation log: every sent message is noted in its
// person's conversation; metrics; tracked links; person tokens and reply domain). Each drain
// also reports the CPU spent per message by this process (worker and sink) and by Redis.
// --conversations 0 leaves the conversation log out, for comparison with older figures only;
// --http 0 sends to an in-process provider that accepts at once (the queue without HTTP).
//
//   ./build-bench/bench/queue_bench [--messages N] [--contacts N] [--threads N] [--group N]
//                                   [--slow-ms N] [--slow-threads N] [--slow-group N]
//                                   [--launch-contacts N] [--conversations 0|1] [--http 0|1]

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "adapters/webhook/webhook_provider.h"
#include "bench/bench_common.h"
#include "gateway/campaigns/campaign_launcher.h"
#include "gateway/campaigns/campaign_store.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/delivery/delivery_worker.h"
#include "gateway/inbound/person_tokens.h"
#include "gateway/metrics/metrics.h"
#include "gateway/orgs/org_store.h"
#include "queue/delivery_queue.h"
#include "tests/testutil/http_sink.h"

namespace ogw::bench {
namespace {

struct Setup {
  BenchRedis redis;
  const Clock* clock = &SystemClock::Instance();
  std::unique_ptr<OrgStore> orgs;
  std::unique_ptr<ContactStore> contacts;
  std::unique_ptr<TemplateStore> templates;
  std::unique_ptr<CampaignStore> campaigns;
  std::unique_ptr<DeliveryQueue> queue;
  std::unique_ptr<ProviderRateLimiter> rates;
  std::unique_ptr<ConversationLog> conversations;  // Null with --conversations 0.
  std::unique_ptr<TrackedLinks> links;
  std::unique_ptr<PersonTokens> tokens;
  GatewayMetrics metrics;
  TemplateRenderer renderer;
  std::string org;
  std::string template_id;
  std::vector<std::string> contact_ids;
};

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, std::string(MessageOf(s)).c_str());
    std::exit(1);
  }
}

// Contacts numbered first .. first + count - 1 (names and phone numbers follow the number).
void LoadContacts(Setup& s, size_t count, size_t first = 0) {
  const int64_t now = s.clock->NowMillis();
  std::vector<Contact> batch;
  for (size_t i = first; i < first + count; ++i) {
    Contact c;
    c.id = NewId("c", now);
    c.org_id = s.org;
    c.name = "Member " + std::to_string(i);
    c.languages = {"en"};
    c.country = "DE";
    c.time_zone = "Europe/Berlin";
    char phone[32];
    std::snprintf(phone, sizeof phone, "+49170%07zu", i);
    Address a;
    a.kind = AddressKind::kPhone;
    a.value = phone;
    a.verified = true;
    a.consent = {ConsentState::kGranted, "bench", now};
    c.addresses.push_back(a);
    c.created_at_millis = c.updated_at_millis = now;
    s.contact_ids.push_back(c.id);
    batch.push_back(std::move(c));
    if (batch.size() == 1000 || i + 1 == first + count) {
      std::vector<ContactStore::PutRequest> requests;
      for (const Contact& b : batch) requests.push_back({&b, 0, nullptr});
      auto outcomes = s.contacts->PutMany(requests);
      Check(outcomes.status(), "PutMany");
      batch.clear();
    }
  }
}

std::string NewCampaign(Setup& s, const std::string& name) {
  Campaign c;
  c.org_id = s.org;
  c.name = name;
  c.template_id = s.template_id;
  c.segment_id = "seg_bench";
  c.channel = "sms";
  auto created = s.campaigns->Create(c);
  Check(created.status(), "campaign");
  return created->id;
}

std::string Packed(const Setup& s, size_t messages) {
  std::string packed;
  packed.reserve(messages * kRecordBytes);
  for (size_t i = 0; i < messages; ++i) {
    Check(AppendRecipient({s.contact_ids[i % s.contact_ids.size()],
                           static_cast<uint8_t>(Channel::kSms), 0},
                          &packed),
          "pack");
  }
  return packed;
}

int64_t Pending(Setup& s, const std::string& campaign) {
  auto stats = s.queue->CampaignStats(s.org, campaign);
  Check(stats.status(), "stats");
  return (*stats)["pending"];
}

struct DrainResult {
  double seconds = 0;
  double per_second = 0;
  int64_t sent = 0;
  double process_cpu_us = 0;  // Per message: this process (worker threads and the sink).
  double redis_cpu_us = 0;    // Per message: redis-server.
  double rewrite_cpu_us = 0;  // Per message: its AOF rewrites that finished meanwhile.
  std::vector<double> direct_latency_ms;
};

// With --http 0: a provider that takes every message at once, in process, so that a drain
// measures the queue and the worker (claim, render, record, conversation notes) without HTTP.
class AcceptingProvider : public Provider {
 public:
  const std::string& name() const override { return name_; }
  void SendBatch(std::span<const OutboundMessage> messages,
                 std::span<SendResult> results) override {
    for (size_t i = 0; i < messages.size(); ++i) {
      results[i] = SendResult{};
      results[i].outcome = SendResult::Outcome::kAccepted;
      results[i].provider_message_id = "accepted-" + messages[i].message_id;
    }
  }

 private:
  const std::string name_ = "bench-accepting";
};

DrainResult Drain(Setup& s, testing::HttpSink& sink, size_t messages, int64_t delay_ms,
                  size_t threads, size_t group, bool probe_priority, bool http) {
  const std::string campaign = NewCampaign(s, "drain-" + std::to_string(delay_ms));
  const std::string packed = Packed(s, messages);
  Check(s.queue->EnqueueCampaign(s.org, campaign, packed, 0), "enqueue");
  sink.set_delay_ms(delay_ms);

  // Direct messages: id -> queued at; the sink notes when each arrives.
  std::mutex mu;
  std::map<std::string, std::chrono::steady_clock::time_point> queued_at;
  std::vector<double> latency;
  sink.set_responder([&](const testing::SinkRequest& r) {
    const size_t at = r.body.find("\"id\":\"m_");
    if (at != std::string::npos) {
      const std::string id = r.body.substr(at + 6, r.body.find('"', at + 6) - at - 6);
      std::lock_guard lock(mu);
      if (auto it = queued_at.find(id); it != queued_at.end()) {
        latency.push_back(std::chrono::duration<double, std::milli>(
                              std::chrono::steady_clock::now() - it->second)
                              .count());
      }
    }
    return testing::SinkResponse{200, {}, "{\"id\":\"ok\"}"};
  });

  ProviderRegistry registry;
  WebhookConfig wc;
  wc.name = "bench-sink";
  wc.url = sink.BaseUrl() + "/send";
  wc.max_in_flight = 4000;
  wc.clients = threads + 2;
  std::shared_ptr<Provider> provider = std::make_shared<WebhookProvider>(wc);
  if (!http) provider = std::make_shared<AcceptingProvider>();
  registry.Bind(Channel::kSms, ProviderBinding{provider, "bench", {}});
  WorkerDeps deps;
  deps.redis = s.redis.pool();
  deps.clock = s.clock;
  deps.queue = s.queue.get();
  deps.contacts = s.contacts.get();
  deps.templates = s.templates.get();
  deps.renderer = &s.renderer;
  deps.campaigns = s.campaigns.get();
  deps.orgs = s.orgs.get();
  deps.providers = &registry;
  deps.rate_limiter = s.rates.get();
  // As Runtime::NewWorker sets them (inbound only acts on a provider's opt-out answer).
  deps.metrics = &s.metrics;
  deps.links = s.links.get();
  deps.public_base_url = "https://gw.example.org";
  deps.conversations = s.conversations.get();
  deps.tokens = s.tokens.get();
  deps.reply_domain = "reply.example.org";
  WorkerOptions options;
  options.threads = threads;
  options.group_size = group;
  options.idle_poll_millis = 5;
  DeliveryWorker worker(deps, options);

  const uint64_t requests_before = sink.requests();
  const double forks_before = s.redis.Info("stats", "total_forks");
  const double cpu_before = ProcessCpuSeconds();
  const double redis_before = s.redis.CpuSeconds();
  const double rewrites_before = s.redis.ChildCpuSeconds();
  Stopwatch watch;
  worker.Start();
  std::atomic<bool> done{false};
  std::thread prober([&] {
    size_t n = 0;
    while (probe_priority && !done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const auto now = std::chrono::steady_clock::now();
      auto id = s.queue->EnqueueDirect(
          s.org, {s.contact_ids[n++ % s.contact_ids.size()], static_cast<uint8_t>(Channel::kSms),
                  0, {{"text", "A reply from the consulate"}}, 0});
      if (id.ok()) {
        std::lock_guard lock(mu);
        queued_at[*id] = now;
      }
    }
  });
  while (Pending(s, campaign) > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  DrainResult result;
  result.seconds = watch.Seconds();
  result.process_cpu_us = (ProcessCpuSeconds() - cpu_before) * 1e6 / static_cast<double>(messages);
  result.redis_cpu_us = (s.redis.CpuSeconds() - redis_before) * 1e6 / static_cast<double>(messages);
  result.rewrite_cpu_us =
      (s.redis.ChildCpuSeconds() - rewrites_before) * 1e6 / static_cast<double>(messages);
  done = true;
  prober.join();
  worker.Stop();
  sink.set_responder(nullptr);
  result.sent = (*s.queue->CampaignStats(s.org, campaign))["sent"];
  result.per_second = static_cast<double>(messages) / result.seconds;
  std::lock_guard lock(mu);
  result.direct_latency_ms = latency;
  std::printf("  sink saw %llu requests; Redis rewrote its AOF %.0f times meanwhile\n",
              static_cast<unsigned long long>(sink.requests() - requests_before),
              s.redis.Info("stats", "total_forks") - forks_before);
  return result;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

int Main(int argc, char** argv) {
  const size_t messages = static_cast<size_t>(FlagValue(argc, argv, "--messages", 1'000'000));
  const size_t contacts = static_cast<size_t>(FlagValue(argc, argv, "--contacts", 50'000));
  const size_t threads = static_cast<size_t>(FlagValue(argc, argv, "--threads", 4));
  const size_t group = static_cast<size_t>(FlagValue(argc, argv, "--group", 250));
  const int64_t slow_ms = FlagValue(argc, argv, "--slow-ms", 50);
  const size_t slow_threads = static_cast<size_t>(FlagValue(argc, argv, "--slow-threads", 8));
  const size_t slow_group = static_cast<size_t>(FlagValue(argc, argv, "--slow-group", 500));

  Setup s;
  RedisPool* pool = s.redis.pool();
  s.orgs = std::make_unique<OrgStore>(pool, s.clock);
  s.contacts = std::make_unique<ContactStore>(pool);
  s.templates = std::make_unique<TemplateStore>(pool, s.clock);
  s.campaigns = std::make_unique<CampaignStore>(pool, s.clock);
  s.queue = std::make_unique<DeliveryQueue>(pool, s.clock);
  s.rates = std::make_unique<ProviderRateLimiter>(pool, s.clock);
  if (FlagValue(argc, argv, "--conversations", 1) != 0) {
    s.conversations = std::make_unique<ConversationLog>(pool, s.clock);
  }
  s.links = std::make_unique<TrackedLinks>(pool, s.clock, "bench-link-secret", 90 * 86400);
  s.tokens = std::make_unique<PersonTokens>("bench-link-secret");
  auto org = s.orgs->CreateOrganisation("Bench Ministry", "en");
  Check(org.status(), "org");
  s.org = org->id;
  Template t;
  t.org_id = s.org;
  t.name = "invitation";
  t.default_language = "en";
  TemplateVariant en;
  en.language = "en";
  en.body = "Dear {{contact.name}}, the consulate invites you to the counselling day on Saturday.";
  t.variants.push_back(en);
  auto created = s.templates->Create(t);
  Check(created.status(), "template");
  s.template_id = created->id;

  std::printf("loading %zu contacts...\n", contacts);
  LoadContacts(s, contacts);

  // 1. Enqueue.
  {
    const std::string campaign = NewCampaign(s, "enqueue");
    const std::string packed = Packed(s, messages);
    const long long before = s.redis.UsedMemory();
    Stopwatch watch;
    Check(s.queue->EnqueueCampaign(s.org, campaign, packed, 0), "enqueue");
    const double seconds = watch.Seconds();
    const long long after = s.redis.UsedMemory();
    std::printf("enqueue: %zu messages in %.3f s = %.0f messages/s\n", messages, seconds,
                static_cast<double>(messages) / seconds);
    std::printf("redis memory per queued message: %.1f bytes\n",
                static_cast<double>(after - before) / static_cast<double>(messages));
    Check(s.queue->Cancel(s.org, campaign).status(), "cancel");
    Check(s.queue->Cleanup(s.org, campaign), "cleanup");
  }

  testing::HttpSink sink;
  std::string error;
  if (!sink.Start(0, &error)) {
    std::fprintf(stderr, "sink: %s\n", error.c_str());
    return 1;
  }
  // 2. Drain to a sink answering at once.
  // --http 0 replaces the HTTP provider and sink with AcceptingProvider (comparison only).
  const bool http = FlagValue(argc, argv, "--http", 1) != 0;
  if (!http) std::printf("without HTTP: messages are accepted in process\n");
  DrainResult fast = Drain(s, sink, messages, 0, threads, group, false, http);
  std::printf("drain to instant sink: %lld sent in %.2f s = %.0f messages/s (%zu threads, "
              "group %zu)\n",
              static_cast<long long>(fast.sent), fast.seconds, fast.per_second, threads, group);
  std::printf("  CPU per message: %.1f us gateway + sink, %.1f us redis (+ %.1f us in AOF "
              "rewrites)\n",
              fast.process_cpu_us, fast.redis_cpu_us, fast.rewrite_cpu_us);
  // 3. Drain to a slow sink, with direct messages alongside.
  DrainResult slow = Drain(s, sink, messages, slow_ms, slow_threads, slow_group, true, http);
  std::printf("drain to %lld ms sink: %lld sent in %.2f s = %.0f messages/s (%zu threads, "
              "group %zu)\n",
              static_cast<long long>(slow_ms), static_cast<long long>(slow.sent), slow.seconds,
              slow.per_second, slow_threads, slow_group);
  std::printf("  CPU per message: %.1f us gateway + sink, %.1f us redis (+ %.1f us in AOF "
              "rewrites)\n",
              slow.process_cpu_us, slow.redis_cpu_us, slow.rewrite_cpu_us);
  std::printf("direct messages during the drain: %zu, latency p50 %.0f ms, p99 %.0f ms, max "
              "%.0f ms\n",
              slow.direct_latency_ms.size(), Percentile(slow.direct_latency_ms, 0.5),
              Percentile(slow.direct_latency_ms, 0.99), Percentile(slow.direct_latency_ms, 1.0));
  if (s.conversations) {
    // Every sent message is noted: each contact got messages / contacts of each drain.
    auto log = s.conversations->Read(s.org, s.contact_ids[0], "", 1000);
    Check(log.status(), "conversation");
    std::printf("conversation of the first contact: %zu entries\n", log->size());
  }

  // 4. A whole launch over stored contacts.
  const size_t launch_contacts =
      static_cast<size_t>(FlagValue(argc, argv, "--launch-contacts", 1'000'000));
  if (launch_contacts > contacts) {
    std::printf("loading %zu more contacts...\n", launch_contacts - contacts);
    LoadContacts(s, launch_contacts - contacts, contacts);
    SegmentStore segments(pool, s.clock);
    Segment everyone;
    everyone.org_id = s.org;
    everyone.name = "everyone";
    everyone.expression = "has(phone) and country in (\"DE\")";
    auto segment = segments.Create(everyone);
    Check(segment.status(), "segment");
    Campaign c;
    c.org_id = s.org;
    c.name = "launch";
    c.template_id = s.template_id;
    c.segment_id = segment->id;
    c.channel = "preferred";
    auto campaign = s.campaigns->Create(c);
    Check(campaign.status(), "campaign");
    CampaignLauncher launcher(s.contacts.get(), &segments, s.templates.get(), s.campaigns.get(),
                              s.queue.get(), s.clock);
    // Loading the contacts grew the AOF; a rewrite still running would take one of the two
    // cores for a good part of the few seconds measured.
    s.redis.WaitForAofRewrite();
    Stopwatch watch;
    auto launched = launcher.Launch(s.org, campaign->id);
    const double seconds = watch.Seconds();
    Check(launched.status(), "launch");
    std::printf("launch over %zu contacts: %lld queued in %.2f s = %.0f messages/s\n",
                launch_contacts, static_cast<long long>(launched->queued), seconds,
                static_cast<double>(launched->queued) / seconds);
  }
  return 0;
}

}  // namespace
}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
