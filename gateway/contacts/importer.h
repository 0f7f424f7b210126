#pragma once

#include <atomic>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact_store.h"
#include "gateway/core/clock.h"
#include "gateway/core/post_scope.h"
#include "gateway/core/status.h"

namespace ogw {

enum class ImportFormat { kCsv, kJson };

struct ImportRowError {
  size_t line = 0;  // CSV: physical line where the row starts. JSON: 1-based record number.
  std::string field;
  std::string message;  // Never echoes the rejected value: reports are stored and logged.
};

struct ImportReport {
  size_t rows = 0;
  size_t created = 0;
  size_t updated = 0;
  size_t unchanged = 0;
  size_t failed = 0;
  std::vector<ImportRowError> errors;  // At most ImportOptions::max_reported_errors.
  nlohmann::json ToJson(ImportFormat format) const;
};

struct ImportOptions {
  std::string org_id;
  PostScope scope = PostScope::All();
  std::string default_post_id;  // For rows without post_id.
  // The organisation's posts; a row naming any other post is rejected.
  std::set<std::string> known_posts;
  std::string source = "import";  // Recorded as the consent source.
  size_t max_rows = 1'000'000;
  size_t max_reported_errors = 1000;
  // Progress for a caller that shows it (the command line), when set: the rows read once the
  // file is parsed, and the rows settled (written, unchanged or refused) so far.
  std::atomic<int64_t>* rows_total = nullptr;
  std::atomic<int64_t>* rows_done = nullptr;
};

// Imports contacts from CSV or JSON, upserting by normalised address: a row whose addresses
// belong to a stored contact updates that contact, otherwise a new one is created. A re-import
// of the same file reports every row unchanged and writes nothing.
//
// Merge rules (an import may only add what it knows, never undo what a person said):
// name and non-empty scalar fields replace stored ones; attributes are merged by name; tags and
// addresses are united; consent from the file is applied to an address unless the person has
// withdrawn consent or opted out, which only the person (or an officer through the consent
// endpoint) can reverse.
//
// Bad rows are reported with line and field and skipped; good rows are kept. Thread-safe.
class ContactImporter {
 public:
  ContactImporter(ContactStore* store, const Clock* clock);

  // Fails as a whole only for a malformed file (bad header, not JSON, too many rows) or a
  // storage failure; rows written before a storage failure stay written.
  absl::StatusOr<ImportReport> Import(ImportFormat format, std::string_view data,
                                      const ImportOptions& options);

 private:
  struct Row {
    size_t line;
    Contact contact;
  };
  struct Round;  // One write round over the rows of a batch still pending.
  std::vector<Row> Admissible(std::vector<Row> rows, const ImportOptions& options,
                              ImportReport* report);
  absl::Status ProcessBatch(std::vector<Row>& rows, const ImportOptions& options,
                            ImportReport* report);
  absl::Status ReadOwners(const ImportOptions& options, ImportReport* report, Round* round);
  void BuildWrites(int64_t now, const ImportOptions& options, ImportReport* report, Round* round);
  void AddUpdate(size_t i, int64_t now, const ImportOptions& options, ImportReport* report,
                 Round* round);
  void AddCreate(size_t i, int64_t now, const ImportOptions& options, ImportReport* report,
                 Round* round);
  static std::vector<Row*> Settle(const std::vector<PutOutcome>& outcomes, ImportReport* report,
                                  Round* round);
  void AddError(ImportReport* report, const ImportOptions& options, size_t line, std::string field,
                std::string message);

  ContactStore* store_;
  const Clock* clock_;
};

// Applies `input` (a validated import row or API patch) to `stored` following the merge rules
// above. Exposed for tests and for the API's upsert.
Contact MergeContact(const Contact& stored, const Contact& input, int64_t now_millis);

}  // namespace ogw
