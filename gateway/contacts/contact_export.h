#pragma once

// Contacts written in the import's own shapes (ContactFromJson, CsvContactMapper), with their
// consent records, so that an export imports again unchanged: the way out of the gateway, to
// another gateway or to a spreadsheet. Written in chunks as the contact store is read, so an
// export of any size holds only a chunk in memory.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/core/post_scope.h"
#include "gateway/core/status.h"

namespace ogw {

enum class ContactExportFormat { kCsv, kJson };

// The CSV columns for contacts with the attributes `attribute_names` (sorted): id, name,
// post_id, languages, country, city, time_zone, tags, channel_order, then per address kind
// <kind>, <kind>_consent, <kind>_consent_source, <kind>_consent_at, then attr.<name>.
std::vector<std::string> ContactExportCsvHeader(const std::vector<std::string>& attribute_names);
// One contact as a record of that header: the first address of each kind (JSON keeps them
// all); an opted-out address's consent reads withdrawn.
void AppendContactExportCsvRecord(const Contact& contact,
                                  const std::vector<std::string>& attribute_names,
                                  std::string* out);
// One contact as ContactFromJson reads it, with "id", and every address's consent record
// ({"state", "source", "at"}) and opt-out.
nlohmann::json ContactExportJson(const Contact& contact);

// Writes every contact of `org_id` in `scope` to `write` in chunks of about 64 KiB: CSV (two
// passes over the store: the attribute names first), or JSON {"contacts": [...]}. Stops with
// Cancelled when `write` returns false (the client went away). Counts the contacts written in
// `*written` as it goes (for progress), when given.
absl::Status ExportContacts(ContactStore& store, std::string_view org_id, const PostScope& scope,
                            ContactExportFormat format,
                            const std::function<bool(std::string_view chunk)>& write,
                            std::atomic<int64_t>* written = nullptr);

}  // namespace ogw
