// Import benchmark: one CSV file of --rows contacts (default 100,000) imported organisation-wide
// into a private, empty redis-server, then imported again (every row must come back unchanged).
//
// Target (issue): 100,000 rows in under 10 s.
//
//   ./build-bench/bench/import_bench [--rows N]

#include <cstdio>
#include <string>

#include "bench/bench_common.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/contacts/importer.h"
#include "gateway/core/clock.h"

namespace ogw::bench {
namespace {

constexpr char kOrg[] = "org_bench";
constexpr double kTargetSeconds = 10.0;
constexpr size_t kTargetRows = 100000;

struct Run {
  ImportReport report;
  double seconds = 0;
};

Run ImportOnce(ContactImporter* importer, const std::string& csv) {
  ImportOptions options;
  options.org_id = kOrg;
  options.scope = PostScope::All();
  options.source = "import:bench.csv";
  for (int i = 0; i < kPosts; ++i) options.known_posts.insert(PostId(i));
  Stopwatch watch;
  auto report = importer->Import(ImportFormat::kCsv, csv, options);
  const double seconds = watch.Seconds();
  if (!report.ok()) {
    std::fprintf(stderr, "import failed: %s\n", std::string(report.status().message()).c_str());
    std::exit(1);
  }
  return {*report, seconds};
}

void PrintRun(const char* label, const Run& run) {
  const ImportReport& r = run.report;
  std::printf("%-10s %9zu %9zu %9zu %9zu %7zu %9.2f %10.0f\n", label, r.rows, r.created,
              r.updated, r.unchanged, r.failed, run.seconds,
              run.seconds > 0 ? static_cast<double>(r.rows) / run.seconds : 0.0);
  for (size_t i = 0; i < r.errors.size() && i < 5; ++i) {
    std::printf("    error line %zu %s: %s\n", r.errors[i].line, r.errors[i].field.c_str(),
                r.errors[i].message.c_str());
  }
}

int Main(int argc, char** argv) {
  const size_t rows = static_cast<size_t>(FlagValue(argc, argv, "--rows", kTargetRows));

  Stopwatch gen_watch;
  const std::string csv = MakeCsv(rows);
  const double gen_seconds = gen_watch.Seconds();

  BenchRedis redis;
  ContactStore store(redis.pool());
  ContactImporter importer(&store, &SystemClock::Instance());

  std::printf("import_bench: %zu rows, CSV %.1f MB (%.0f bytes/row), generated in %.2f s\n", rows,
              static_cast<double>(csv.size()) / 1e6,
              static_cast<double>(csv.size()) / static_cast<double>(rows ? rows : 1),
              gen_seconds);
  std::printf("redis-server pid %d in %s\n\n", static_cast<int>(redis.pid()), redis.dir().c_str());

  const long long mem_before = redis.UsedMemory();
  const Run first = ImportOnce(&importer, csv);
  const long long mem_after = redis.UsedMemory();
  const Run second = ImportOnce(&importer, csv);

  std::printf("%-10s %9s %9s %9s %9s %7s %9s %10s\n", "run", "rows", "created", "updated",
              "unchanged", "failed", "wall s", "rows/s");
  PrintRun("first", first);
  PrintRun("re-import", second);

  const size_t created = first.report.created;
  const double per_contact =
      created > 0 ? static_cast<double>(mem_after - mem_before) / static_cast<double>(created)
                  : 0.0;
  std::printf("\nredis used_memory: %.1f MB before, %.1f MB after first import: %.0f bytes/contact\n",
              static_cast<double>(mem_before) / 1e6, static_cast<double>(mem_after) / 1e6,
              per_contact);

  bool ok = true;
  if (first.report.failed != 0 || first.report.created != rows) {
    std::printf("CHECK FAILED: first import should create every row\n");
    ok = false;
  }
  if (second.report.unchanged != rows || second.report.created != 0 ||
      second.report.updated != 0 || second.report.failed != 0) {
    std::printf("CHECK FAILED: re-import should report every row unchanged\n");
    ok = false;
  }
  if (rows == kTargetRows) {
    std::printf("target: %zu rows in < %.0f s: %s (%.2f s)\n", kTargetRows, kTargetSeconds,
                first.seconds < kTargetSeconds ? "MET" : "MISSED", first.seconds);
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
