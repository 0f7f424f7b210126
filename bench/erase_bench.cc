// Erasure benchmark: --erase N people (default 1,000), each with three queued direct messages,
// a tracked link and a dead letter, erased with ContactEraser while --queued M messages of
// other people (default 1,000,000) wait in the same organisation's direct lane. Reports the
// latency of one erasure and the Redis time of the queue's erasure script.
//
// Target (issue): erasure proportional to the person's own data, never to the lane.
//
//   ./build-bench/bench/erase_bench [--erase N] [--queued M]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "gateway/contacts/contact_eraser.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/core/clock.h"
#include "gateway/core/key_schema.h"
#include "queue/delivery_queue.h"
#include "templates/tracked_links.h"

namespace ogw::bench {
namespace {

constexpr char kOrg[] = "org_bench";

// Other people's direct messages, written as EnqueueDirect writes them (lane member, text,
// status, recorded member, the person's message ids), server-side in batches.
const RedisScript kFillScript(R"lua(
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  local contact = string.format('c_other%019d', i)
  local id = string.format('m_bench%019d', i)
  local member = contact .. '|1|0|' .. id .. '|0'
  redis.call('ZADD', KEYS[1], i, member)
  redis.call('HSET', KEYS[2], id, '{"text":"Consular day on Saturday"}',
             id .. ':s', '{"status":"queued","attempts":0}', id .. ':m', member)
  redis.call('SADD', ARGV[3] .. contact, id)
end
return 1
)lua");

int Main(int argc, char** argv) {
  const size_t erase = static_cast<size_t>(FlagValue(argc, argv, "--erase", 1000));
  const int64_t queued = FlagValue(argc, argv, "--queued", 1000000);
  BenchRedis redis;
  SystemClock clock;
  ContactStore contacts(redis.pool());
  DeliveryQueue queue(redis.pool(), &clock);
  TrackedLinks links(redis.pool(), &clock, std::string(32, 'k'), 86400);
  ContactEraser eraser(&contacts, &queue, &links, redis.pool());
  std::printf("erase_bench: %zu people erased among %lld queued messages, redis-server pid %d\n",
              erase, static_cast<long long>(queued), static_cast<int>(redis.pid()));

  const std::string prefix = keys::ContactDirectMessages(kOrg, "");
  for (int64_t start = 0; start < queued; start += 50000) {
    const int64_t end = std::min(queued, start + 50000) - 1;
    auto r = redis.pool()->Eval(kFillScript, {keys::DirectLane(kOrg), keys::DirectMessages(kOrg)},
                                {std::to_string(start), std::to_string(end), prefix});
    if (!r.ok()) {
      std::fprintf(stderr, "fill: %s\n", std::string(r.status().message()).c_str());
      return 1;
    }
  }
  std::vector<Contact> people;
  for (size_t i = 0; i < erase; ++i) {
    people.push_back(ToContact(MakePerson(i), kOrg, clock.NowMillis()));
    if (!contacts.Put(people.back(), 0, nullptr).ok()) return 1;
    for (int m = 0; m < 3; ++m) {
      if (!queue.EnqueueDirect(kOrg, {people.back().id, 1, 0, {{"text", "Invitation"}}, 0}).ok()) {
        return 1;
      }
    }
    if (!links.Mint({kOrg, "cmp_1", people.back().id, 0}, "https://example.org/s").ok()) return 1;
  }
  // One of each person's messages is claimed and dead-lettered, as after a provider outage.
  for (;;) {
    auto claimed = queue.ClaimDirect(kOrg, 500);
    if (!claimed.ok()) return 1;
    std::vector<MessageOutcome> outcomes;
    for (const ClaimedMessage& m : *claimed) {
      if (!m.recipient.contact_id.starts_with("c_other")) {
        MessageOutcome o;
        o.kind = MessageOutcome::Kind::kDead;
        o.message = m;
        o.channel = "sms";
        o.code = "http_503";
        o.reason = "unavailable";
        outcomes.push_back(o);
      }
    }
    if (outcomes.empty()) break;
    if (!queue.Record(kOrg, outcomes).ok()) return 1;
  }
  const long long lane_before = redis.pool()->Command({"ZCARD", keys::DirectLane(kOrg)})->integer;
  redis.pool()->Command({"CONFIG", "RESETSTAT"}).IgnoreError();

  std::vector<double> micros;
  for (const Contact& c : people) {
    const auto start = std::chrono::steady_clock::now();
    if (absl::Status s = eraser.Erase(kOrg, c.id); !s.ok()) {
      std::fprintf(stderr, "erase: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(
                         std::chrono::steady_clock::now() - start).count());
  }
  std::sort(micros.begin(), micros.end());
  const long long lane_after = redis.pool()->Command({"ZCARD", keys::DirectLane(kOrg)})->integer;
  auto pct = [&](double p) { return micros[static_cast<size_t>(p * (micros.size() - 1))]; };
  std::printf("direct lane: %lld before, %lld after (the erased people's messages: %lld)\n",
              lane_before, lane_after, lane_before - lane_after);
  std::printf("one erasure (every store, client side): p50 %.0f us, p99 %.0f us, max %.0f us\n",
              pct(0.5), pct(0.99), micros.back());
  // Redis time of every script of the erasures (the queue's, the contact store's).
  auto stats = redis.pool()->Command({"INFO", "commandstats"});
  if (stats.ok()) {
    for (const char* cmd : {"cmdstat_evalsha:", "cmdstat_eval:"}) {
      const size_t at = stats->str.find(cmd);
      if (at != std::string::npos) {
        std::printf("  %s\n", stats->str.substr(at, stats->str.find('\r', at) - at).c_str());
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
