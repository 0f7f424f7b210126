#include "gateway/contacts/importer.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "gateway/contacts/contact_input.h"
#include "gateway/contacts/csv_reader.h"
#include "gateway/core/ids.h"
#include "gateway/core/json_reader.h"

namespace ogw {
namespace {

constexpr size_t kBatchSize = 500;
constexpr int kMaxWriteAttempts = 4;

// The CSV column or JSON field that carries addresses of `kind`, for error messages.
std::string AddressField(AddressKind kind) { return std::string(AddressKindName(kind)); }

// Row errors go into reports, which are stored and logged, so they must not carry the rejected
// value. Validation messages meant for the person typing quote it ("unknown IANA time zone
// \"...\""); everything from the first to the last double quote is cut (a value may itself
// contain quotes), with the separator before it.
std::string WithoutQuotedValue(std::string message) {
  const size_t open = message.find('"');
  if (open == std::string::npos) return message;
  const size_t close = message.rfind('"');
  std::string out = message.substr(0, open);
  while (!out.empty() && (out.back() == ' ' || out.back() == ':')) out.pop_back();
  if (close != open) out.append(message, close + 1, std::string::npos);
  return out;
}

// Hands each row of a file to the importer: its line (or record number), the contact when it
// validated, else its problems.
using RowFn = std::function<void(size_t line, std::optional<Contact> contact,
                                 const std::vector<FieldError>& errors)>;

// A CSV file: the header names the columns; structural errors fail the whole file.
absl::Status ReadCsvRows(std::string_view data, const ContactInputOptions& input_options,
                         size_t max_rows, const ImportReport& report, const RowFn& accept) {
  CsvReader reader(data);
  std::vector<std::string> fields;
  size_t line = 0;
  ASSIGN_OR_RETURN(bool has_header, reader.Next(&fields, &line));
  if (!has_header) return absl::InvalidArgumentError("line 1: the file is empty");
  auto mapper = CsvContactMapper::FromHeader(fields);
  if (!mapper.ok()) {
    return absl::InvalidArgumentError("line " + std::to_string(line) + ": " +
                                      std::string(MessageOf(mapper.status())));
  }
  while (true) {
    auto more = reader.Next(&fields, &line);
    if (!more.ok()) return more.status();  // Structural CSV errors name their line.
    if (!*more) break;
    if (report.rows >= max_rows) {
      return absl::InvalidArgumentError("the file has more than " + std::to_string(max_rows) +
                                        " rows");
    }
    std::vector<FieldError> errors;
    auto contact = mapper->Map(fields, input_options, &errors);
    accept(line, std::move(contact), errors);
  }
  return absl::OkStatus();
}

// A JSON array of contact objects, or {"contacts": [...]}.
absl::Status ReadJsonRows(std::string_view data, const ContactInputOptions& input_options,
                          size_t max_rows, const RowFn& accept) {
  if (JsonNestingDepth(data) > kMaxInputJsonDepth) {
    return absl::InvalidArgumentError("body is nested too deeply");
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(data);
  } catch (const nlohmann::json::parse_error& e) {
    // Only the position: nlohmann's message quotes the text it read, which is personal data.
    return absl::InvalidArgumentError("body is not valid JSON (at byte " + std::to_string(e.byte) +
                                      ")");
  } catch (const nlohmann::json::exception&) {
    return absl::InvalidArgumentError("body holds a number or value out of range");
  }
  if (doc.is_object() && doc.contains("contacts")) doc = std::move(doc["contacts"]);
  if (!doc.is_array()) {
    return absl::InvalidArgumentError(
        "contacts: expected an array of contact objects (or {\"contacts\": [...]})");
  }
  if (doc.size() > max_rows) {
    return absl::InvalidArgumentError("more than " + std::to_string(max_rows) + " records");
  }
  for (size_t i = 0; i < doc.size(); ++i) {
    std::vector<FieldError> errors;
    std::optional<Contact> contact;
    if (!doc[i].is_object()) {
      errors.push_back({"", "expected a contact object"});
    } else {
      contact = ContactFromJson(doc[i], input_options, &errors);
    }
    accept(i + 1, std::move(contact), errors);
  }
  return absl::OkStatus();
}

}  // namespace

nlohmann::json ImportReport::ToJson(ImportFormat format) const {
  nlohmann::json errs = nlohmann::json::array();
  const char* where = format == ImportFormat::kCsv ? "line" : "record";
  for (const auto& e : errors) {
    errs.push_back({{where, e.line}, {"field", e.field}, {"message", e.message}});
  }
  return {{"rows", rows},
          {"created", created},
          {"updated", updated},
          {"unchanged", unchanged},
          {"failed", failed},
          {"errors", std::move(errs)},
          {"errors_truncated", errors.size() < failed}};
}

Contact MergeContact(const Contact& stored, const Contact& input, int64_t now_millis) {
  Contact out = stored;
  out.name = input.name;
  if (!input.post_id.empty()) out.post_id = input.post_id;
  if (!input.languages.empty()) out.languages = input.languages;
  if (!input.country.empty()) out.country = input.country;
  if (!input.city.empty()) out.city = input.city;
  if (!input.time_zone.empty()) out.time_zone = input.time_zone;
  for (const auto& [k, v] : input.attributes) out.attributes[k] = v;
  std::set<std::string> tags(out.tags.begin(), out.tags.end());
  tags.insert(input.tags.begin(), input.tags.end());
  out.tags.assign(tags.begin(), tags.end());
  for (const auto& in : input.addresses) {
    auto it = std::find_if(out.addresses.begin(), out.addresses.end(), [&](const Address& a) {
      return a.kind == in.kind && a.value == in.value;
    });
    if (it == out.addresses.end()) {
      out.addresses.push_back(in);
      continue;
    }
    it->verified = it->verified || in.verified;
    // An opt-out in the file is the person's wish recorded elsewhere: it always applies.
    if (in.opted_out && !it->opted_out) {
      it->opted_out = true;
      it->opted_out_at_millis = now_millis;
    }
    const bool person_said_no = it->opted_out || it->consent.state == ConsentState::kWithdrawn;
    if (!person_said_no && in.consent.state != ConsentState::kUnknown &&
        in.consent.state != it->consent.state) {
      it->consent = in.consent;
    }
  }
  if (!input.channel_order.empty()) out.channel_order = input.channel_order;
  out.verified = stored.verified || input.verified;
  if (!(out == stored)) out.updated_at_millis = now_millis;
  return out;
}

ContactImporter::ContactImporter(ContactStore* store, const Clock* clock)
    : store_(store), clock_(clock) {}

void ContactImporter::AddError(ImportReport* report, const ImportOptions& options, size_t line,
                               std::string field, std::string message) {
  ++report->failed;
  if (report->errors.size() < options.max_reported_errors) {
    report->errors.push_back({line, std::move(field), WithoutQuotedValue(std::move(message))});
  }
}

absl::StatusOr<ImportReport> ContactImporter::Import(ImportFormat format, std::string_view data,
                                                     const ImportOptions& options) {
  ImportReport report;
  ContactInputOptions input_options;
  input_options.consent_source = options.source;
  input_options.now_millis = clock_->NowMillis();
  input_options.ignore_id = true;  // Exports import again.

  // Parse and validate every row first, so within-file duplicates are found before writing.
  std::vector<Row> rows;
  const RowFn accept = [&](size_t line, std::optional<Contact> contact,
                           const std::vector<FieldError>& errors) {
    ++report.rows;
    if (!contact) {
      // One report line per row: the first problem is enough to fix the row, and a file with
      // a bad column would otherwise drown the report.
      const FieldError& e = errors.front();
      AddError(&report, options, line, e.field, e.message);
      return;
    }
    rows.push_back(Row{line, std::move(*contact)});
  };
  RETURN_IF_ERROR(format == ImportFormat::kCsv
                      ? ReadCsvRows(data, input_options, options.max_rows, report, accept)
                      : ReadJsonRows(data, input_options, options.max_rows, accept));

  if (options.rows_total != nullptr) options.rows_total->store(static_cast<int64_t>(report.rows));
  std::vector<Row> valid = Admissible(std::move(rows), options, &report);
  auto settled = [&](size_t written) {
    if (options.rows_done != nullptr) {
      options.rows_done->store(static_cast<int64_t>(report.rows - valid.size() + written));
    }
  };
  settled(0);
  for (size_t start = 0; start < valid.size(); start += kBatchSize) {
    size_t end = std::min(valid.size(), start + kBatchSize);
    std::vector<Row> batch(std::make_move_iterator(valid.begin() + start),
                           std::make_move_iterator(valid.begin() + end));
    RETURN_IF_ERROR(ProcessBatch(batch, options, &report));
    settled(end);
  }
  return report;
}

// Within-file duplicates and post scope: the rows that may be written, the others reported.
std::vector<ContactImporter::Row> ContactImporter::Admissible(std::vector<Row> rows,
                                                              const ImportOptions& options,
                                                              ImportReport* report) {
  std::unordered_map<std::string, size_t> first_line_of_address;
  std::vector<Row> valid;
  valid.reserve(rows.size());
  for (auto& row : rows) {
    // The default post applies only to contacts the import creates (see ProcessBatch): a row
    // without post_id that matches a stored contact leaves that contact in its post.
    Contact& c = row.contact;
    if (!c.post_id.empty() && !options.known_posts.contains(c.post_id)) {
      AddError(report, options, row.line, "post_id", "unknown post");
      continue;
    }
    if (!c.post_id.empty() && !options.scope.Allows(c.post_id)) {
      AddError(report, options, row.line, "post_id", "post is not one of your posts");
      continue;
    }
    bool duplicate = false;
    for (const auto& a : c.addresses) {
      auto [it, inserted] = first_line_of_address.emplace(AddressKey(a), row.line);
      if (!inserted) {
        AddError(
            report, options, row.line, AddressField(a.kind),
            "duplicate address inside the file (first at line " + std::to_string(it->second) + ")");
        duplicate = true;
        break;
      }
    }
    if (!duplicate) valid.push_back(std::move(row));
  }
  return valid;
}

// Per-row vectors are indexed like `pending`; `request_row` and `is_create` like `requests`.
struct ContactImporter::Round {
  explicit Round(std::vector<Row*> rows)
      : pending(std::move(rows)),
        owner_of_row(pending.size()),
        row_failed(pending.size(), false),
        merged(pending.size()) {}

  std::vector<Row*> pending;
  std::vector<std::string> owner_of_row;  // Stored contact owning the row's addresses, or "".
  std::vector<bool> row_failed;           // Failed, or done with nothing to write.

  std::map<std::string, StoredContact> stored;  // The owners, as read in this round.
  std::vector<Contact> merged;  // What the row's request writes; requests point into it.
  std::vector<ContactStore::PutRequest> requests;
  std::vector<size_t> request_row;  // The row each request writes.
  std::vector<bool> is_create;
  std::set<std::string> targeted;  // Stored contacts a request of this round writes.
  bool contended = false;
};

absl::Status ContactImporter::ProcessBatch(std::vector<Row>& rows, const ImportOptions& options,
                                           ImportReport* report) {
  const int64_t now = clock_->NowMillis();
  std::vector<Row*> pending;
  for (auto& r : rows) pending.push_back(&r);

  // An attempt is used up only by contention (another writer, an erasure between reads); rows
  // of this batch that name the same contact are written one per round instead, so every round
  // without contention settles at least one row.
  for (int attempt = 0; attempt < kMaxWriteAttempts && !pending.empty();) {
    Round round(std::move(pending));
    RETURN_IF_ERROR(ReadOwners(options, report, &round));
    BuildWrites(now, options, report, &round);
    ASSIGN_OR_RETURN(auto outcomes, store_->PutMany(round.requests));
    pending = Settle(outcomes, report, &round);
    if (round.contended) ++attempt;
  }
  for (Row* r : pending) {
    AddError(report, options, r->line, "",
             "the contact kept changing during the import; import the row again");
  }
  return absl::OkStatus();
}

// Who owns each row's addresses now? A row whose addresses belong to different contacts fails;
// the owners of the others are read.
absl::Status ContactImporter::ReadOwners(const ImportOptions& options, ImportReport* report,
                                         Round* round) {
  const std::vector<Row*>& pending = round->pending;
  std::vector<std::string>& owner_of_row = round->owner_of_row;
  std::vector<std::string> address_keys;
  for (Row* r : pending) {
    for (const auto& a : r->contact.addresses) address_keys.push_back(AddressKey(a));
  }
  ASSIGN_OR_RETURN(auto owners, store_->FindOwners(options.org_id, address_keys));
  std::set<std::string> wanted_ids;
  size_t k = 0;
  for (size_t i = 0; i < pending.size(); ++i) {
    for (const auto& a : pending[i]->contact.addresses) {
      const std::string& owner = owners[k++];
      if (owner.empty() || round->row_failed[i]) continue;
      if (!owner_of_row[i].empty() && owner_of_row[i] != owner) {
        AddError(report, options, pending[i]->line, AddressField(a.kind),
                 "this address belongs to a different contact than the row's other "
                 "addresses");
        round->row_failed[i] = true;
        continue;
      }
      owner_of_row[i] = owner;
    }
    if (!round->row_failed[i] && !owner_of_row[i].empty()) wanted_ids.insert(owner_of_row[i]);
  }
  std::vector<std::string> ids(wanted_ids.begin(), wanted_ids.end());
  ASSIGN_OR_RETURN(auto stored_list, store_->GetMany(options.org_id, ids));
  for (size_t i = 0; i < ids.size(); ++i) {
    if (stored_list[i]) round->stored.emplace(ids[i], std::move(*stored_list[i]));
  }
  return absl::OkStatus();
}

// Build the writes: each row still open is merged into its owner or becomes a new contact.
void ContactImporter::BuildWrites(int64_t now, const ImportOptions& options, ImportReport* report,
                                  Round* round) {
  for (size_t i = 0; i < round->pending.size(); ++i) {
    if (round->row_failed[i]) continue;
    if (round->owner_of_row[i].empty()) {
      AddCreate(i, now, options, report, round);
    } else {
      AddUpdate(i, now, options, report, round);
    }
  }
}

// Whether row i is merged into its owner this round, fails (owner outside the importer's
// posts), waits for a later round, or is done (nothing changes).
void ContactImporter::AddUpdate(size_t i, int64_t now, const ImportOptions& options,
                                ImportReport* report, Round* round) {
  const Row& row = *round->pending[i];
  auto it = round->stored.find(round->owner_of_row[i]);
  if (it == round->stored.end()) {
    round->contended = true;
    return;  // Erased between the two reads: retried as a create next round.
  }
  const Contact& existing = it->second.contact;
  if (!options.scope.Allows(existing.post_id)) {
    AddError(report, options, row.line, AddressField(row.contact.addresses[0].kind),
             "this address belongs to a contact outside your posts");
    round->row_failed[i] = true;
    return;
  }
  // Another row of this batch writes the same contact in this round: this row is merged
  // on top of that write in the next round (both at one version, one would be lost).
  if (round->targeted.count(it->first) > 0) return;
  Contact& merged = round->merged[i];
  merged = MergeContact(existing, row.contact, now);
  if (merged == existing) {
    ++report->unchanged;
    round->row_failed[i] = true;  // Done: nothing to write.
    return;
  }
  round->targeted.insert(it->first);
  round->requests.push_back({&merged, it->second.version, &existing});
  round->is_create.push_back(false);
  round->request_row.push_back(i);
}

// Whether row i, owned by no stored contact, is created this round or fails for want of a post.
void ContactImporter::AddCreate(size_t i, int64_t now, const ImportOptions& options,
                                ImportReport* report, Round* round) {
  Contact& merged = round->merged[i];
  merged = round->pending[i]->contact;
  if (merged.post_id.empty()) merged.post_id = options.default_post_id;
  if (!options.scope.organisation_wide && merged.post_id.empty()) {
    AddError(report, options, round->pending[i]->line, "post_id",
             "required: officers create contacts in one of their posts");
    round->row_failed[i] = true;
    return;
  }
  merged.id = NewId("c", now);
  merged.org_id = options.org_id;
  merged.created_at_millis = now;
  merged.updated_at_millis = now;
  round->requests.push_back({&merged, 0, nullptr});
  round->is_create.push_back(true);
  round->request_row.push_back(i);
}

// Counts the round's successful writes; returns the rows to try again: those another writer
// got in the way of, then those that waited for another row of the batch.
std::vector<ContactImporter::Row*> ContactImporter::Settle(const std::vector<PutOutcome>& outcomes,
                                                           ImportReport* report, Round* round) {
  const std::vector<Row*>& pending = round->pending;
  std::vector<Row*> retry;
  std::vector<bool> settled(pending.size(), false);
  for (size_t i = 0; i < pending.size(); ++i) settled[i] = round->row_failed[i];
  for (size_t j = 0; j < outcomes.size(); ++j) {
    size_t i = round->request_row[j];
    settled[i] = true;
    switch (outcomes[j].code) {
      case PutOutcome::Code::kOk:
        ++(round->is_create[j] ? report->created : report->updated);
        break;
      case PutOutcome::Code::kVersionMismatch:
      case PutOutcome::Code::kAddressConflict:
        // Another writer touched the same contact or address: read again and merge on top.
        round->contended = true;
        retry.push_back(pending[i]);
        break;
    }
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    if (!settled[i]) retry.push_back(pending[i]);
  }
  return retry;
}

}  // namespace ogw
