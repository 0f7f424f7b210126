// The officers' inbox under load: one post with N conversations (default 100,000) in every
// state, a fifth assigned among five officers, some labelled, spread over channels and
// campaigns, each with the person's last message in their log. Measures the first page of
// GET /v1/conversations through the real HTTP API (an in-process gateway over a private
// redis-server), unfiltered and with each filter and combinations: latency p50/p95/max over
// --requests calls each. Target: first page under 50 ms.
//
//   ./build-bench/bench/inbox_bench [--conversations N] [--requests R]

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_gateway.h"

namespace ogw::bench {
namespace {

constexpr int kOfficers = 5;
constexpr const char* kChannels[] = {"sms", "email", "telegram", "whatsapp"};
constexpr const char* kLabels[] = {"passport", "visa", "survey", "complaint"};

int Fail(const std::string& what) {
  std::fprintf(stderr, "inbox_bench: %s\n", what.c_str());
  return 1;
}

struct Latency {
  double p50 = 0, p95 = 0, max = 0;
  size_t items = 0;
};

}  // namespace

int Main(int argc, char** argv) {
  const size_t n = static_cast<size_t>(FlagValue(argc, argv, "--conversations", 100'000));
  const int requests = static_cast<int>(FlagValue(argc, argv, "--requests", 200));
  BenchRedis redis;
  BenchGateway gateway(redis);
  httplib::Client& client = gateway.client();
  const httplib::Headers& auth = gateway.auth();
  const std::string& org = gateway.org();
  const std::string post = gateway.Post("/v1/posts", {{"name", "Paris"}}).value("id", "");
  std::vector<std::string> officers;
  for (int i = 0; i < kOfficers; ++i) {
    officers.push_back(gateway
                           .Post("/v1/officers", {{"name", "Officer " + std::to_string(i)},
                                                  {"role", "officer"},
                                                  {"posts", {post}}})
                           .value("id", ""));
  }

  // Seven campaigns a third of the people answered.
  std::vector<std::string> campaigns;
  for (int i = 0; i < 7; ++i)
    campaigns.push_back(NewId("cmp", SystemClock::Instance().NowMillis()));

  // Load: contacts, then per person an `in` entry and the thread it opens, then officers'
  // changes.
  ConversationLog& log = gateway.runtime().conversations();
  ConversationThreads& threads = gateway.runtime().threads();
  const int64_t now = SystemClock::Instance().NowMillis();
  Stopwatch load_watch;
  const bool loaded = LoadContacts(
      gateway.runtime().contacts(), org, n, [&](size_t, Contact& c) { c.post_id = post; },
      [&](size_t i, const Contact& c) {
        const std::string channel = kChannels[i % 4];
        const std::string text = "Question " + std::to_string(i) + " about my appointment";
        auto entry = log.Append(org, {c.id, "in", {{"channel", channel}, {"text", text}}});
        if (!entry.ok()) return false;
        const std::string campaign = i % 3 == 0 ? campaigns[i % campaigns.size()] : "";
        // Spread over the last 30 days.
        const int64_t at = now - static_cast<int64_t>((n - i) % (30LL * 86400)) * 1000;
        if (!threads.NoteInbound(org, c.id, post, *entry, channel, campaign, at).ok()) {
          return false;
        }
        ThreadChange change;
        change.officer_id = officers[0];
        if (i % 3 == 1) change.state = ThreadState::kWaiting;
        if (i % 10 == 2) change.state = ThreadState::kClosed;
        if (i % 5 == 0) change.assignee = officers[(i / 5) % kOfficers];
        if (i % 20 == 3) change.labels = std::vector<std::string>{kLabels[(i / 20) % 4]};
        if (!change.state && !change.assignee && !change.labels) return true;
        return threads.Change(org, c.id, post, change).ok();
      });
  if (!loaded) return Fail("loading failed");
  const double load_seconds = load_watch.Seconds();
  redis.WaitForAofRewrite();

  auto measure = [&](const std::string& query) {
    std::vector<double> ms;
    Latency l;
    for (int i = 0; i < requests; ++i) {
      Stopwatch watch;
      auto r = client.Get("/v1/conversations?post=" + post + query, auth);
      ms.push_back(watch.Seconds() * 1000);
      if (!r || r->status != 200) {
        std::fprintf(stderr, "GET %s: %d\n", query.c_str(), r ? r->status : -1);
        std::exit(1);
      }
      if (i == 0) l.items = nlohmann::json::parse(r->body)["items"].size();
    }
    std::sort(ms.begin(), ms.end());
    l.p50 = ms[ms.size() / 2];
    l.p95 = ms[ms.size() * 95 / 100];
    l.max = ms.back();
    return l;
  };
  std::printf("conversations: %zu in one post (loaded in %.1f s), redis used_memory %.1f MB\n", n,
              load_seconds, static_cast<double>(redis.UsedMemory()) / 1e6);
  std::printf("%-44s %6s %8s %8s %8s\n", "first page of GET /v1/conversations", "items", "p50 ms",
              "p95 ms", "max ms");
  const std::pair<const char*, std::string> cases[] = {
      {"no filter", ""},
      {"state=open", "&state=open"},
      {"assignee=<officer>", "&assignee=" + officers[1]},
      {"assignee=none", "&assignee=none"},
      {"channel=telegram", "&channel=telegram"},
      {"label=visa", "&label=visa"},
      {"campaign=<one of 7>", "&campaign=" + campaigns[3]},
      {"state=waiting&assignee=<officer>", "&state=waiting&assignee=" + officers[1]},
      {"state=closed&label=passport (none match)", "&state=closed&label=passport"},
      {"state=open&channel=sms&limit=100", "&state=open&channel=sms&limit=100"},
  };
  for (const auto& [name, query] : cases) {
    const Latency l = measure(query);
    std::printf("%-44s %6zu %8.2f %8.2f %8.2f\n", name, l.items, l.p50, l.p95, l.max);
  }
  return 0;
}

}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
