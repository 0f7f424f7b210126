// Segment benchmark: --contacts N contacts (default 1,000,000) written straight into a private
// redis-server with ContactStore::PutMany (not through CSV), then EvaluateSegment timed for
// typical expressions, organisation-wide and scoped to one post (~10 % of the contacts).
//
// Target (issue): evaluating a segment over 1,000,000 contacts in under 5 s.
//
//   ./build-bench/bench/segment_bench [--contacts N] [--repeat R] [--threads T]

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/core/clock.h"
#include "gateway/segments/segment_expression.h"
#include "gateway/segments/segment_store.h"

namespace ogw::bench {
namespace {

constexpr char kOrg[] = "org_bench";
constexpr size_t kTargetContacts = 1000000;
constexpr double kTargetSeconds = 5.0;
constexpr size_t kBatch = 1000;
constexpr size_t kSampleSize = 20;

const char* const kExpressions[] = {
    R"(country in ("DE","GR") and "ka" in languages and attr.generation >= 2 and has(phone))",
    R"(reachable(email))",
    R"("volunteer" in tags or attr.age_band = "18-29")",
};

int Main(int argc, char** argv) {
  const size_t n = static_cast<size_t>(FlagValue(argc, argv, "--contacts", kTargetContacts));
  const int repeat = static_cast<int>(std::max(1LL, FlagValue(argc, argv, "--repeat", 3)));
  const int threads = static_cast<int>(std::max(1LL, FlagValue(argc, argv, "--threads", 2)));
  const std::string scoped_post = PostId(3);

  std::vector<SegmentExpression> expressions;
  for (const char* text : kExpressions) {
    auto e = SegmentExpression::Parse(text);
    if (!e.ok()) {
      std::fprintf(stderr, "bad expression %s: %s\n", text, std::string(e.status().message()).c_str());
      return 1;
    }
    expressions.push_back(*e);
  }
  const size_t n_expr = expressions.size();

  BenchRedis redis;
  ContactStore store(redis.pool());
  std::printf("segment_bench: %zu contacts, redis-server pid %d in %s\n", n,
              static_cast<int>(redis.pid()), redis.dir().c_str());

  // Load. Expected counts are computed from the generated contacts on the way, so the
  // evaluation results can be checked.
  std::vector<size_t> expected_all(n_expr, 0), expected_post(n_expr, 0);
  size_t in_post = 0;
  std::mutex expected_mu;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const int64_t now = SystemClock::Instance().NowMillis();
  const long long mem_before = redis.UsedMemory();
  Stopwatch load_watch;
  auto loader = [&] {
    std::vector<size_t> all(n_expr, 0), post(n_expr, 0);
    size_t local_in_post = 0;
    std::vector<Contact> contacts;
    std::vector<ContactStore::PutRequest> requests;
    while (!failed) {
      const size_t start = next.fetch_add(kBatch);
      if (start >= n) break;
      const size_t end = std::min(n, start + kBatch);
      contacts.clear();
      for (size_t i = start; i < end; ++i) {
        contacts.push_back(ToContact(MakePerson(i), kOrg, now));
        const Contact& c = contacts.back();
        const bool scoped = c.post_id == scoped_post;
        local_in_post += scoped;
        for (size_t e = 0; e < n_expr; ++e) {
          if (expressions[e].Matches(c)) {
            ++all[e];
            post[e] += scoped;
          }
        }
      }
      requests.clear();
      for (const Contact& c : contacts) requests.push_back({&c, 0, nullptr});
      auto outcomes = store.PutMany(requests);
      if (!outcomes.ok()) {
        std::fprintf(stderr, "PutMany: %s\n", std::string(outcomes.status().message()).c_str());
        failed = true;
        break;
      }
      for (const auto& o : *outcomes) {
        if (o.code != PutOutcome::Code::kOk) {
          std::fprintf(stderr, "PutMany: a contact was refused (address %s)\n",
                       o.address_key.c_str());
          failed = true;
        }
      }
    }
    std::lock_guard<std::mutex> lock(expected_mu);
    for (size_t e = 0; e < n_expr; ++e) {
      expected_all[e] += all[e];
      expected_post[e] += post[e];
    }
    in_post += local_in_post;
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(loader);
  for (auto& t : pool) t.join();
  if (failed) return 1;
  const double load_seconds = load_watch.Seconds();
  const long long mem_after = redis.UsedMemory();
  std::printf("loaded in %.1f s (%.0f contacts/s, %d threads); redis used_memory %.0f MB, "
              "%.0f bytes/contact; %zu contacts in post %s\n\n",
              load_seconds, static_cast<double>(n) / load_seconds, threads,
              static_cast<double>(mem_after) / 1e6,
              static_cast<double>(mem_after - mem_before) / static_cast<double>(n), in_post,
              scoped_post.c_str());

  struct Case {
    std::string label;
    PostScope scope;
    size_t expr;
    size_t expected;
  };
  std::vector<Case> cases;
  for (size_t e = 0; e < n_expr; ++e) {
    cases.push_back({"all", PostScope::All(), e, expected_all[e]});
  }
  for (size_t e = 0; e < n_expr; ++e) {
    cases.push_back({"post " + scoped_post, PostScope::Of({scoped_post}), e, expected_post[e]});
  }

  std::printf("%-15s %-4s %9s %9s %9s %9s %12s %9s %9s\n", "scope", "expr", "count", "best s",
              "median s", "worst s", "contacts/s", "cpu s", "redis s");
  bool ok = true;
  double worst_full = 0;
  for (const Case& c : cases) {
    std::vector<double> times;
    size_t count = 0;
    double cpu = 0, redis_cpu = 0;  // Summed over the runs.
    for (int r = 0; r < repeat; ++r) {
      const double cpu_before = ProcessCpuSeconds();
      const double redis_before = redis.CpuSeconds();
      Stopwatch watch;
      auto preview = EvaluateSegment(&store, kOrg, c.scope, expressions[c.expr], kSampleSize);
      times.push_back(watch.Seconds());
      cpu += ProcessCpuSeconds() - cpu_before;
      redis_cpu += redis.CpuSeconds() - redis_before;
      if (!preview.ok()) {
        std::fprintf(stderr, "EvaluateSegment: %s\n",
                     std::string(preview.status().message()).c_str());
        return 1;
      }
      count = preview->count;
      if (count != c.expected) {
        std::printf("CHECK FAILED: %s expr %zu counted %zu, expected %zu\n", c.label.c_str(),
                    c.expr + 1, count, c.expected);
        ok = false;
      }
    }
    std::sort(times.begin(), times.end());
    const size_t scanned = c.scope.organisation_wide ? n : in_post;
    std::printf("%-15s %-4zu %9zu %9.2f %9.2f %9.2f %12.0f %9.2f %9.2f\n", c.label.c_str(),
                c.expr + 1, count, times.front(), times[times.size() / 2], times.back(),
                static_cast<double>(scanned) / times[times.size() / 2], cpu / repeat,
                redis_cpu / repeat);
    if (c.scope.organisation_wide) worst_full = std::max(worst_full, times[times.size() / 2]);
  }
  std::printf("\ncpu s: this process's CPU time per evaluation (all threads); redis s: the "
              "server's.\nexpressions:\n");
  for (size_t e = 0; e < n_expr; ++e) std::printf("  %zu: %s\n", e + 1, kExpressions[e]);
  if (n == kTargetContacts) {
    std::printf("target: segment over %zu contacts in < %.0f s: %s (slowest median %.2f s)\n",
                kTargetContacts, kTargetSeconds, worst_full < kTargetSeconds ? "MET" : "MISSED",
                worst_full);
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
