#include "gateway/contacts/importer.h"

#include <algorithm>
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

}  // namespace

nlohmann::json ImportReport::ToJson(ImportFormat format) const {
  nlohmann::json errs = nlohmann::json::array();
  const char* where = format == ImportFormat::kCsv ? "line" : "record";
  for (const auto& e : errors) {
    errs.push_back({{where, e.line}, {"field", e.field}, {"message", e.message}});
  }
  return {{"rows", rows},           {"created", created}, {"updated", updated},
          {"unchanged", unchanged}, {"failed", failed},   {"errors", std::move(errs)},
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

  // Parse and validate every row first, so within-file duplicates are found before writing.
  std::vector<Row> rows;
  auto accept = [&](size_t line, std::optional<Contact> contact,
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

  if (format == ImportFormat::kCsv) {
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
      if (report.rows >= options.max_rows) {
        return absl::InvalidArgumentError("the file has more than " +
                                          std::to_string(options.max_rows) + " rows");
      }
      std::vector<FieldError> errors;
      auto contact = mapper->Map(fields, input_options, &errors);
      accept(line, std::move(contact), errors);
    }
  } else {
    if (JsonNestingDepth(data) > kMaxInputJsonDepth) {
      return absl::InvalidArgumentError("body is nested too deeply");
    }
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(data);
    } catch (const nlohmann::json::parse_error& e) {
      // Only the position: nlohmann's message quotes the text it read, which is personal data.
      return absl::InvalidArgumentError("body is not valid JSON (at byte " +
                                        std::to_string(e.byte) + ")");
    } catch (const nlohmann::json::exception&) {
      return absl::InvalidArgumentError("body holds a number or value out of range");
    }
    if (doc.is_object() && doc.contains("contacts")) doc = std::move(doc["contacts"]);
    if (!doc.is_array()) {
      return absl::InvalidArgumentError(
          "contacts: expected an array of contact objects (or {\"contacts\": [...]})");
    }
    if (doc.size() > options.max_rows) {
      return absl::InvalidArgumentError("more than " + std::to_string(options.max_rows) +
                                        " records");
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
  }

  // Within-file duplicates and post scope.
  std::unordered_map<std::string, size_t> first_line_of_address;
  std::vector<Row> valid;
  valid.reserve(rows.size());
  for (auto& row : rows) {
    // The default post applies only to contacts the import creates (see ProcessBatch): a row
    // without post_id that matches a stored contact leaves that contact in its post.
    Contact& c = row.contact;
    if (!c.post_id.empty() && !options.known_posts.contains(c.post_id)) {
      AddError(&report, options, row.line, "post_id", "unknown post");
      continue;
    }
    if (!c.post_id.empty() && !options.scope.Allows(c.post_id)) {
      AddError(&report, options, row.line, "post_id", "post is not one of your posts");
      continue;
    }
    bool duplicate = false;
    for (const auto& a : c.addresses) {
      auto [it, inserted] = first_line_of_address.emplace(AddressKey(a), row.line);
      if (!inserted) {
        AddError(&report, options, row.line, AddressField(a.kind),
                 "duplicate address inside the file (first at line " +
                     std::to_string(it->second) + ")");
        duplicate = true;
        break;
      }
    }
    if (!duplicate) valid.push_back(std::move(row));
  }

  for (size_t start = 0; start < valid.size(); start += kBatchSize) {
    size_t end = std::min(valid.size(), start + kBatchSize);
    std::vector<Row> batch(std::make_move_iterator(valid.begin() + start),
                           std::make_move_iterator(valid.begin() + end));
    RETURN_IF_ERROR(ProcessBatch(batch, options, &report));
  }
  return report;
}

absl::Status ContactImporter::ProcessBatch(std::vector<Row>& rows, const ImportOptions& options,
                                           ImportReport* report) {
  const int64_t now = clock_->NowMillis();
  std::vector<Row*> pending;
  for (auto& r : rows) pending.push_back(&r);

  // An attempt is used up only by contention (another writer, an erasure between reads); rows
  // of this batch that name the same contact are written one per round instead, so every round
  // without contention settles at least one row.
  for (int attempt = 0; attempt < kMaxWriteAttempts && !pending.empty();) {
    bool contended = false;
    // Who owns each row's addresses now?
    std::vector<std::string> address_keys;
    for (Row* r : pending) {
      for (const auto& a : r->contact.addresses) address_keys.push_back(AddressKey(a));
    }
    ASSIGN_OR_RETURN(auto owners, store_->FindOwners(options.org_id, address_keys));
    std::vector<std::string> owner_of_row(pending.size());
    std::vector<bool> row_failed(pending.size(), false);
    std::set<std::string> wanted_ids;
    size_t k = 0;
    for (size_t i = 0; i < pending.size(); ++i) {
      for (const auto& a : pending[i]->contact.addresses) {
        const std::string& owner = owners[k++];
        if (owner.empty() || row_failed[i]) continue;
        if (!owner_of_row[i].empty() && owner_of_row[i] != owner) {
          AddError(report, options, pending[i]->line, AddressField(a.kind),
                   "this address belongs to a different contact than the row's other "
                   "addresses");
          row_failed[i] = true;
          continue;
        }
        owner_of_row[i] = owner;
      }
      if (!row_failed[i] && !owner_of_row[i].empty()) wanted_ids.insert(owner_of_row[i]);
    }
    std::vector<std::string> ids(wanted_ids.begin(), wanted_ids.end());
    ASSIGN_OR_RETURN(auto stored_list, store_->GetMany(options.org_id, ids));
    std::map<std::string, StoredContact> stored;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (stored_list[i]) stored.emplace(ids[i], std::move(*stored_list[i]));
    }

    // Build the writes.
    std::vector<Contact> merged(pending.size());
    std::vector<ContactStore::PutRequest> requests;
    std::vector<size_t> request_row;
    std::vector<bool> is_create;
    std::set<std::string> targeted;  // Stored contacts a request of this round writes.
    for (size_t i = 0; i < pending.size(); ++i) {
      if (row_failed[i]) continue;
      Contact& input = pending[i]->contact;
      auto it = owner_of_row[i].empty() ? stored.end() : stored.find(owner_of_row[i]);
      if (!owner_of_row[i].empty() && it == stored.end()) {
        contended = true;
        continue;  // Erased between the two reads: retried as a create next round.
      }
      if (it != stored.end()) {
        const Contact& existing = it->second.contact;
        if (!options.scope.Allows(existing.post_id)) {
          AddError(report, options, pending[i]->line, AddressField(input.addresses[0].kind),
                   "this address belongs to a contact outside your posts");
          row_failed[i] = true;
          continue;
        }
        // Another row of this batch writes the same contact in this round: this row is merged
        // on top of that write in the next round (both at one version, one would be lost).
        if (targeted.count(it->first) > 0) continue;
        merged[i] = MergeContact(existing, input, now);
        if (merged[i] == existing) {
          ++report->unchanged;
          row_failed[i] = true;  // Done: nothing to write.
          continue;
        }
        targeted.insert(it->first);
        requests.push_back({&merged[i], it->second.version, &existing});
        is_create.push_back(false);
      } else {
        merged[i] = input;
        if (merged[i].post_id.empty()) merged[i].post_id = options.default_post_id;
        if (!options.scope.organisation_wide && merged[i].post_id.empty()) {
          AddError(report, options, pending[i]->line, "post_id",
                   "required: officers create contacts in one of their posts");
          row_failed[i] = true;
          continue;
        }
        merged[i].id = NewId("c", now);
        merged[i].org_id = options.org_id;
        merged[i].created_at_millis = now;
        merged[i].updated_at_millis = now;
        requests.push_back({&merged[i], 0, nullptr});
        is_create.push_back(true);
      }
      request_row.push_back(i);
    }
    ASSIGN_OR_RETURN(auto outcomes, store_->PutMany(requests));

    std::vector<Row*> retry;
    std::vector<bool> settled(pending.size(), false);
    for (size_t i = 0; i < pending.size(); ++i) settled[i] = row_failed[i];
    for (size_t j = 0; j < outcomes.size(); ++j) {
      size_t i = request_row[j];
      settled[i] = true;
      switch (outcomes[j].code) {
        case PutOutcome::Code::kOk:
          ++(is_create[j] ? report->created : report->updated);
          break;
        case PutOutcome::Code::kVersionMismatch:
        case PutOutcome::Code::kAddressConflict:
          // Another writer touched the same contact or address: read again and merge on top.
          contended = true;
          retry.push_back(pending[i]);
          break;
      }
    }
    for (size_t i = 0; i < pending.size(); ++i) {
      if (!settled[i]) retry.push_back(pending[i]);
    }
    pending = std::move(retry);
    if (contended) ++attempt;
  }
  for (Row* r : pending) {
    AddError(report, options, r->line, "",
             "the contact kept changing during the import; import the row again");
  }
  return absl::OkStatus();
}

}  // namespace ogw
