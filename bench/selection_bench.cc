// Representative selection benchmark: --contacts N synthetic candidates (default 1,000,000) on
// three dimensions (country among 30 with a skewed, Zipf-like spread; gender among 3; age band
// among 6), --count seats (default 100) with proportional quotas on all three, drawn --repeat
// times; then one DrawReplacement. Prints the elapsed milliseconds and the peak resident memory
// (VmHWM). Pure computation: no Redis.
//
// Target (issue): 1,000,000 candidates, 3 dimensions, 100 seats in well under 2 s.
//
//   ./build-bench/bench/selection_bench [--contacts N] [--count K] [--repeat R] [--seed S]

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "gateway/invitations/selection.h"

namespace ogw::bench {
namespace {

constexpr double kTargetSeconds = 2.0;

// A line of /proc/self/status in kB ("VmHWM", "VmRSS"), or -1.
long StatusKb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.compare(0, key.size() + 1, key + ":") == 0)
      return std::atol(line.c_str() + key.size() + 1);
  }
  return -1;
}

// An id shaped as NewId makes them (gateway/core/ids.h): "c_", 10 base32 characters of the
// creation time, 16 random ones. Contact `i` is imported at 20 a millisecond, so ids share long
// prefixes, the hard case for sorting them.
std::string ContactId(size_t i, SplitMix64* rng) {
  constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::string id = "c_";
  const uint64_t millis = 1718000000000u + i / 20;
  for (int k = 9; k >= 0; --k) id.push_back(kAlphabet[(millis >> (5 * k)) & 31]);
  for (int k = 0; k < 16; ++k) id.push_back(kAlphabet[rng->Below(32)]);
  return id;
}

// Deterministic synthetic segment, in import order; the generator is the selection's own.
std::vector<Candidate> Snapshot(size_t n) {
  const char* const countries[] = {"DE", "US", "GR", "FR", "GB", "IT", "ET", "GE", "CA", "NL",
                                   "SE", "BE", "AT", "ES", "CH", "AU", "IL", "TR", "RU", "UA",
                                   "PL", "CZ", "DK", "NO", "FI", "IE", "PT", "AE", "SA", "KE"};
  std::vector<double> cumulative;  // Country k weighs 1 / (k + 1).
  double total = 0;
  for (int k = 0; k < 30; ++k) {
    total += 1.0 / (k + 1);
    cumulative.push_back(total);
  }
  const char* const genders[] = {"female", "male", "other"};
  const char* const ages[] = {"18-29", "30-39", "40-49", "50-59", "60-69", "70+"};
  SplitMix64 rng(2024);
  std::vector<Candidate> people(n);
  for (size_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(rng.Below(1u << 30)) / (1u << 30) * total;
    const size_t country = std::min<size_t>(
        std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin(), 29);
    const uint64_t g = rng.Below(100);
    people[i].contact_id = ContactId(i, &rng);
    people[i].groups = {countries[country],
                        genders[g < 49   ? 0
                                : g < 98 ? 1
                                         : 2],
                        ages[rng.Below(6)]};
  }
  return people;
}

int Main(int argc, char** argv) {
  const size_t n = static_cast<size_t>(FlagValue(argc, argv, "--contacts", 1000000));
  const size_t count = static_cast<size_t>(FlagValue(argc, argv, "--count", 100));
  const int repeat = static_cast<int>(std::max(1LL, FlagValue(argc, argv, "--repeat", 3)));
  const uint64_t seed = static_cast<uint64_t>(FlagValue(argc, argv, "--seed", 20240615));

  const long rss_start_kb = StatusKb("VmRSS");
  Stopwatch build;
  const std::vector<Candidate> people = Snapshot(n);
  const double build_ms = build.Seconds() * 1000;
  const long rss_snapshot_kb = StatusKb("VmRSS");
  std::printf("selection_bench: %zu candidates built in %.0f ms, RSS %ld -> %ld kB\n", n, build_ms,
              rss_start_kb, rss_snapshot_kb);

  SelectionRequest request;
  request.count = count;
  request.seed = seed;
  for (const char* name : {"country", "gender", "age_band"}) {
    QuotaDimension dim;
    dim.name = name;
    request.dimensions.push_back(dim);
  }

  std::vector<double> ms;
  SelectionResult first;
  for (int r = 0; r < repeat; ++r) {
    Stopwatch watch;
    absl::StatusOr<SelectionResult> result = SelectRepresentative(people, request, {});
    ms.push_back(watch.Seconds() * 1000);
    if (!result.ok()) {
      std::fprintf(stderr, "selection failed: %s\n",
                   std::string(result.status().message()).c_str());
      return 1;
    }
    if (r == 0) {
      first = *std::move(result);
    } else if (result->selected != first.selected) {
      std::fprintf(stderr, "run %d selected other people with the same seed\n", r);
      return 1;
    }
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "select %zu of %zu, 3 proportional dimensions: min %.0f ms, median %.0f ms, max %.0f "
      "ms over %d runs\n",
      count, n, ms.front(), ms[ms.size() / 2], ms.back(), repeat);

  size_t groups_met = 0;
  for (const GroupComposition& row : first.composition) groups_met += row.shortfall == 0;
  std::printf("selected %zu, shortfall %zu, groups meeting target %zu of %zu\n",
              first.selected.size(), first.shortfall, groups_met, first.composition.size());
  for (const GroupComposition& row : first.composition) {
    if (row.dimension == "country" && row.target < 4) continue;  // The large countries suffice.
    std::printf("  %-8s %-7s segment %7zu (%5.2f%%)  target %3zu  selected %3zu\n",
                row.dimension.c_str(), row.group.c_str(), row.in_segment, 100 * row.segment_share,
                row.target, row.selected);
  }

  const std::set<std::string> invited(first.selected.begin(), first.selected.end());
  Stopwatch replace;
  absl::StatusOr<std::optional<std::string>> replacement =
      DrawReplacement(people, request, invited, first.selected.front());
  const double replace_ms = replace.Seconds() * 1000;
  if (!replacement.ok() || !replacement->has_value()) {
    std::fprintf(stderr, "no replacement\n");
    return 1;
  }
  std::printf("replacement for %s: %s in %.0f ms\n", first.selected.front().c_str(),
              (*replacement)->c_str(), replace_ms);

  const long hwm_kb = StatusKb("VmHWM");
  std::printf("peak RSS (VmHWM) %ld kB = %.1f MiB; above the snapshot: %.1f MiB\n", hwm_kb,
              hwm_kb / 1024.0, (hwm_kb - rss_snapshot_kb) / 1024.0);
  const bool ok = ms.back() / 1000 < kTargetSeconds;
  std::printf("target: under %.0f s per selection: %s\n", kTargetSeconds, ok ? "met" : "MISSED");
  return ok ? 0 : 2;
}

}  // namespace
}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
