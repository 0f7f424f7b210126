// Micro-benchmarks of the per-contact work behind segment evaluation and import:
// ParseStoredContact (every contact read from Redis), SerializeContact and
// SegmentExpression::Matches.
//
//   ./build-bench/bench/contact_microbench

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "gateway/contacts/contact_json.h"
#include "gateway/segments/segment_expression.h"

namespace ogw::bench {
namespace {

constexpr size_t kCorpus = 1024;
constexpr int64_t kNow = 1767225600000;

const std::vector<Contact>& Contacts() {
  static const std::vector<Contact> contacts = [] {
    std::vector<Contact> out;
    for (size_t i = 0; i < kCorpus; ++i) out.push_back(ToContact(MakePerson(i), "org_bench", kNow));
    return out;
  }();
  return contacts;
}

const std::vector<std::string>& Documents() {
  static const std::vector<std::string> docs = [] {
    std::vector<std::string> out;
    for (const Contact& c : Contacts()) out.push_back(SerializeContact(c));
    return out;
  }();
  return docs;
}

void BM_ParseStoredContact(benchmark::State& state) {
  const auto& docs = Documents();
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& d = docs[i++ % docs.size()];
    auto c = ParseStoredContact(d);
    benchmark::DoNotOptimize(c);
    bytes += d.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseStoredContact);

void BM_SerializeContact(benchmark::State& state) {
  const auto& contacts = Contacts();
  size_t i = 0;
  for (auto _ : state) {
    std::string d = SerializeContact(contacts[i++ % contacts.size()]);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SerializeContact);

const char* const kExpressions[] = {
    R"(country in ("DE","GR") and "ka" in languages and attr.generation >= 2 and has(phone))",
    R"(reachable(email))",
    R"("volunteer" in tags or attr.age_band = "18-29")",
};

void BM_Matches(benchmark::State& state) {
  const auto expression = SegmentExpression::Parse(kExpressions[state.range(0)]);
  if (!expression.ok()) {
    state.SkipWithError("expression does not parse");
    return;
  }
  const auto& contacts = Contacts();
  size_t i = 0, matched = 0;
  for (auto _ : state) {
    matched += expression->Matches(contacts[i++ % contacts.size()]);
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(kExpressions[state.range(0)]);
}
BENCHMARK(BM_Matches)->DenseRange(0, 2);

}  // namespace
}  // namespace ogw::bench

BENCHMARK_MAIN();
