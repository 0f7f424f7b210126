// Feeds uploaded CSV files through the import's reading path: CsvReader over the whole file,
// CsvContactMapper::FromHeader on the first record and Map on every further record, as
// ImportContacts does. Checks that the reader always advances (line numbers never go back, no
// endless empty records) and that a mapped contact survives ContactToInputJson /
// ContactFromJson unchanged, as a later PATCH needs.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_input.h"
#include "gateway/contacts/contact_json.h"
#include "gateway/contacts/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view file(reinterpret_cast<const char*>(data), size);
  ogw::ContactInputOptions options;
  options.consent_source = "import:fuzz.csv";
  options.now_millis = 1767225600000;

  ogw::CsvReader reader(file);
  std::vector<std::string> fields;
  size_t line = 0;
  size_t last_line = 0;
  std::optional<ogw::CsvContactMapper> mapper;
  for (size_t records = 0;; ++records) {
    // Every record but the first consumes at least one byte.
    if (records > size + 1) abort();
    auto more = reader.Next(&fields, &line);
    if (!more.ok() || !*more) break;
    if (fields.empty() || line <= last_line) abort();
    last_line = line;
    if (records == 0) {
      auto header = ogw::CsvContactMapper::FromHeader(fields);
      if (!header.ok()) break;
      mapper.emplace(*std::move(header));
      continue;
    }
    std::vector<ogw::FieldError> errors;
    std::optional<ogw::Contact> contact = mapper->Map(fields, options, &errors);
    if (!contact) {
      if (errors.empty()) abort();
      continue;
    }
    std::vector<ogw::FieldError> again_errors;
    std::optional<ogw::Contact> again =
        ogw::ContactFromJson(ogw::ContactToInputJson(*contact), options, &again_errors);
    if (!again || !(*again == *contact)) abort();
  }
  return 0;
}
