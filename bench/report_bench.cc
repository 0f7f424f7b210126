// A campaign report over a 1,000,000-person audience while the campaign drains. The campaign's
// data is written as a launch and a worker write it (recipients and the audience snapshot
// through DeliveryQueue::EnqueueCampaign; outcome bitmaps with realistic shares: 95% sent, 80%
// delivered, 5% failed, 20% clicked, 8% replied, 1% opted out; three channels, 30 countries, 200
// cities, 5 languages, 3 genders, 6 age bands, 3 generations), then GET
// /v1/campaigns/{id}/report?by=channel,country,gender is timed through the real HTTP API while
// a writer thread keeps setting outcome bits and counters as workers do. Reports latency
// p50/p95/max over --requests calls. Target: under 100 ms.
//
//   ./build-bench/bench/report_bench [--audience N] [--requests R]

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_gateway.h"
#include "gateway/core/ids.h"
#include "gateway/reports/audience_snapshot.h"
#include "queue/campaign_keys.h"
#include "queue/packed_recipients.h"

namespace ogw::bench {
namespace {

// A bitmap of `n` bits, each set with probability `share`.
std::string Bitmap(size_t n, double share, std::mt19937_64& rng) {
  std::string bits((n + 7) / 8, '\0');
  std::bernoulli_distribution set(share);
  for (size_t i = 0; i < n; ++i) {
    if (set(rng)) bits[i / 8] = static_cast<char>(bits[i / 8] | (0x80 >> (i % 8)));
  }
  return bits;
}

}  // namespace

int Main(int argc, char** argv) {
  const size_t n = static_cast<size_t>(FlagValue(argc, argv, "--audience", 1'000'000));
  const int requests = static_cast<int>(FlagValue(argc, argv, "--requests", 100));
  BenchRedis redis;
  BenchGateway gateway(redis);
  const std::string& org = gateway.org();
  Runtime& runtime = gateway.runtime();

  // A draft through the API, then launched by writing what a launch writes.
  const std::string tmpl = gateway
                               .Post("/v1/templates", {{"name", "Survey"},
                                                       {"default_language", "en"},
                                                       {"variants", {{"en", {{"body", "Hello"}}}}}})
                               .value("id", "");
  const std::string segment =
      gateway.Post("/v1/segments", {{"name", "All"}, {"expression", "true"}}).value("id", "");
  const std::string id = gateway
                             .Post("/v1/campaigns", {{"name", "Survey"},
                                                     {"template_id", tmpl},
                                                     {"segment_id", segment},
                                                     {"channel", "preferred"}})
                             .value("id", "");
  std::mt19937_64 rng(7);
  std::vector<std::string> ids;
  ids.reserve(n);
  for (size_t i = 0; i < n; ++i)
    ids.push_back(NewId("c", 1'700'000'000'000 + static_cast<int64_t>(i)));
  std::sort(ids.begin(), ids.end());
  const std::vector<std::string> attributes = DefaultReportAttributes();
  AudienceEncoder encoder(attributes, 1'765'000'000'000);
  std::string packed;
  AudienceRecords audience;
  audience.width = encoder.width();
  std::uniform_int_distribution<int> channel(0, 2), country(0, 29), city(0, 199), language(0, 4),
      gender(0, 2), birth(1940, 2005), generation(1, 3);
  const char* kLanguages[] = {"en", "fr", "ka", "pt", "ar"};
  const char* kGenders[] = {"female", "male", "nonbinary"};
  for (size_t i = 0; i < n; ++i) {
    Contact c;
    c.country = std::string(1, static_cast<char>('A' + country(rng) % 26)) +
                static_cast<char>('A' + country(rng) / 26 + 1);
    c.city = "City " + std::to_string(city(rng));
    c.languages = {kLanguages[language(rng)]};
    c.attributes["gender"] = std::string(kGenders[gender(rng)]);
    c.attributes["birth_year"] = static_cast<double>(birth(rng));
    c.attributes["generation"] = static_cast<double>(generation(rng));
    const auto ch = static_cast<uint8_t>(channel(rng));
    if (!AppendRecipient({ids[i], ch, 0}, &packed).ok()) BenchGateway::Die("bad id");
    encoder.Append(c, ch, &audience.records);
  }
  audience.dictionary = encoder.Dictionary();
  const auto t0 = std::chrono::steady_clock::now();
  if (!runtime.queue().EnqueueCampaign(org, id, packed, 0, audience).ok()) {
    BenchGateway::Die("enqueue failed");
  }
  auto stored = runtime.campaigns().Get(org, id);
  if (!stored.ok() || !*stored) BenchGateway::Die("campaign gone");
  Campaign campaign = **stored;
  campaign.launched_at_millis = 1'765'000'000'000;
  campaign.queued = campaign.audience = static_cast<int64_t>(n);
  if (!runtime.campaigns().Update(campaign).ok()) BenchGateway::Die("update failed");
  const CampaignKeys keys(org, id);
  const std::vector<std::pair<std::string, double>> shares = {
      {keys.sent(), 0.95},     {keys.delivered(), 0.80}, {keys.undelivered(), 0.03},
      {keys.failed(), 0.05},   {keys.clicked(), 0.20},   {keys.replied(), 0.08},
      {keys.opted_out(), 0.01}};
  for (const auto& [key, share] : shares) {
    if (!runtime.redis().Command({"SET", key, Bitmap(n, share, rng)}).ok()) {
      BenchGateway::Die("bitmap not written");
    }
  }
  std::printf("audience %zu written in %.1f s (snapshot %zu bytes a person)\n", n,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
              audience.width);

  // Workers draining: outcome bits and counters, in pipelines of 100, as fast as Redis takes.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> writes{0};
  std::thread writer([&] {
    std::mt19937_64 wrng(11);
    std::uniform_int_distribution<size_t> index(0, n - 1);
    while (!stop.load()) {
      std::vector<std::vector<std::string>> batch;
      for (int k = 0; k < 100; ++k) {
        const std::string i = std::to_string(index(wrng));
        batch.push_back({"SETBIT", keys.sent(), i, "1"});
        batch.push_back({"SETBIT", keys.delivered(), i, "1"});
        batch.push_back({"HINCRBY", keys.stats(), "sent", "1"});
      }
      if (!runtime.redis().Pipeline(batch).ok()) return;
      writes.fetch_add(300);
    }
  });

  httplib::Client& client = gateway.client();
  std::vector<double> millis;
  size_t bytes = 0;
  const auto w0 = std::chrono::steady_clock::now();
  for (int r = 0; r < requests; ++r) {
    const auto s = std::chrono::steady_clock::now();
    auto res =
        client.Get("/v1/campaigns/" + id + "/report?by=channel,country,gender", gateway.auth());
    millis.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    if (!res || res->status != 200) BenchGateway::Die("report failed");
    bytes = res->body.size();
  }
  stop = true;
  writer.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  std::sort(millis.begin(), millis.end());
  std::printf(
      "report of %zu recipients by channel, country, gender: p50 %.1f ms, p95 %.1f ms, "
      "max %.1f ms over %d requests (%zu bytes); %.0f outcome writes/s meanwhile\n",
      n, millis[millis.size() / 2], millis[millis.size() * 95 / 100], millis.back(), requests,
      bytes, static_cast<double>(writes.load()) / seconds);
  // The CSV and a report of every dimension, once each.
  for (const char* query : {"?format=csv", ""}) {
    const auto s = std::chrono::steady_clock::now();
    auto res = client.Get("/v1/campaigns/" + id + "/report" + query, gateway.auth());
    if (!res || res->status != 200) BenchGateway::Die("report failed");
    std::printf(
        "report%s (every dimension): %.1f ms, %zu bytes\n", query,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count(),
        res->body.size());
  }
  return 0;
}

}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
