#pragma once

// Turns outside input (an API or JSON-import object, a CSV row) into a validated ogw::Contact.
// Both paths share one validation: the CSV mapper builds the JSON object and hands it to
// ContactFromJson. The contact's id, org_id and timestamps are left for the caller.
//
// Validation collects every problem rather than stopping at the first, so a person fixing an
// import sees all of them at once. Each problem is a FieldError naming where it is:
//   JSON: "name", "languages[0]", "attributes.generation", "addresses[1].value",
//         "addresses[0].consent.state", "channel_order[2]"; "" for the object as a whole.
//   CSV:  the column ("phone", "phone_consent", "languages", "attr.generation"); "addresses"
//         when the row has no address; "" for the row as a whole.
//
// Thread-safety: free functions are thread-safe; a CsvContactMapper is immutable after
// FromHeader, so Map may be called from several threads at once.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/core/status.h"

namespace ogw {

struct FieldError {
  std::string field;  // Path or column; empty for the record as a whole.
  std::string message;
  bool operator==(const FieldError&) const = default;
  // "field: message", for logs and test failure messages.
  friend std::ostream& operator<<(std::ostream& os, const FieldError& error) {
    return os << error.field << ": " << error.message;
  }
};

struct ContactInputOptions {
  // Recorded as Consent::source for consent given in the input without a source of its own.
  std::string consent_source = "import";
  // Recorded as Consent::at_millis and Address::opted_out_at_millis.
  int64_t now_millis = 0;
  // Imports read exports, which name each contact's "id": accepted and ignored (people are
  // matched by address). Elsewhere (POST /v1/contacts) an "id" is an unknown field.
  bool ignore_id = false;
};

// Limits beyond which input is refused; they keep one contact's record small.
inline constexpr size_t kMaxNameChars = 200;  // Code points, after trimming.
inline constexpr size_t kMaxCityChars = 200;
inline constexpr size_t kMaxTagChars = 64;
inline constexpr size_t kMaxTags = 100;
inline constexpr size_t kMaxLanguages = 16;
inline constexpr size_t kMaxAttributes = 100;
inline constexpr size_t kMaxAttributeNameBytes = 64;  // [A-Za-z0-9_-]
inline constexpr size_t kMaxAttributeValueChars = 1000;
inline constexpr size_t kMaxAddresses = 20;
inline constexpr size_t kMaxPostIdBytes = 64;  // [A-Za-z0-9_-]

// Builds a contact from a JSON object of this shape (only "name" and "addresses" required;
// null counts as absent for the optional members):
//   {"id": "c_...",                         with ignore_id only: an export's, not read
//    "name": "ნინო ბერიძე",                 1-200 characters after trimming, NFC-normalised
//    "post_id": "p_...",                    [A-Za-z0-9_-], at most 64
//    "languages": ["ka", "ru"],             BCP 47, canonicalised, no duplicates, order kept
//    "country": "GE",                       ISO 3166-1 alpha-2; region for national phones
//    "city": "Tbilisi",                     at most 200 characters, NFC-normalised
//    "time_zone": "Asia/Tbilisi",           IANA
//    "attributes": {"generation": 2},       names [A-Za-z0-9_-]{1,64}; string or finite number
//    "tags": ["volunteer"],                 each 1-64 characters; stored sorted, duplicates
//                                           merged
//    "addresses": [{"kind": "phone",        email | phone | whatsapp | telegram | messenger
//                   "value": "599 12 34 56", normalised with normalize.h; unique per contact
//                   "verified": false,
//                   "consent": "granted",   or {"state": "granted", "source": "form-7",
//                                           "at": 1764325000000} (when; not in the future)
//                   "opted_out": false}],
//    "channel_order": ["whatsapp", "sms"]}  channel names, no duplicates
// Consent with state granted or withdrawn gets source (the given one, else
// options.consent_source) and at_millis = options.now_millis; state unknown leaves Consent{}.
//
// Unknown keys, at any level, are errors. Appends every problem to `*errors` and returns
// std::nullopt when there was any; otherwise returns the contact and appends nothing.
std::optional<Contact> ContactFromJson(const nlohmann::json& obj,
                                       const ContactInputOptions& options,
                                       std::vector<FieldError>* errors);

// Maps the rows of a CSV import onto contacts. Column names are matched case-insensitively
// after trimming:
//   name, post_id, country, city, time_zone    as in ContactFromJson
//   languages                                  separated by ';' or '|' (not ',', which would
//                                              need quoting in CSV)
//   tags, channel_order                        separated by ';'
//   email, phone, whatsapp, telegram, messenger
//                                              one address each; an empty cell means none
//   consent                                    granted | withdrawn | unknown for every address
//                                              of the row; empty means unknown
//   email_consent, phone_consent, ...          overrides consent for that kind
//   email_consent_source, ..._consent_at       the record of that kind's consent: its source
//                                              and when (ISO 8601 UTC, 2026-06-12T08:00:00Z),
//                                              as an export writes them
//   id                                         an export's contact id; not read (people are
//                                              matched by address)
// A cell starting with an apostrophe before = + - @ is read without it (exports protect such
// cells from spreadsheets' formulas).
//   verified                                   true | false (any case) for every address
//   attr.<name>                                attribute <name> (its case kept); a cell that
//                                              is fully a finite decimal number becomes a
//                                              number, except integers with a leading zero
//                                              ("01067", postal codes), which stay text; an
//                                              empty cell leaves the attribute out
// Cells are trimmed. A row must have as many cells as the header.
class CsvContactMapper {
 public:
  // InvalidArgument naming every unknown, empty, malformed (attr.<bad name>) or duplicate
  // column, and a missing name column or address column.
  static absl::StatusOr<CsvContactMapper> FromHeader(const std::vector<std::string>& header);

  // As ContactFromJson, with errors naming columns (see the file comment).
  std::optional<Contact> Map(const std::vector<std::string>& row,
                             const ContactInputOptions& options,
                             std::vector<FieldError>* errors) const;

 private:
  enum class Column {
    kName,
    kPostId,
    kLanguages,
    kCountry,
    kCity,
    kTimeZone,
    kTags,
    kAddress,      // kind in `kind`.
    kConsent,      // Row-wide consent.
    kKindConsent,  // Consent for `kind` only.
    kVerified,
    kChannelOrder,
    kAttribute,          // Attribute named `name`.
    kId,                 // An export's contact id: not read.
    kKindConsentSource,  // Source of `kind`'s consent.
    kKindConsentAt,      // When `kind`'s consent was given or withdrawn (ISO 8601, UTC).
  };
  struct ColumnSpec {
    Column column;
    AddressKind kind = AddressKind::kEmail;
    std::string name;  // Column name as reported in errors; the attribute name for kAttribute.
  };

  struct RowCells;  // A row's cells, sorted by what they become in the contact's JSON object.

  explicit CsvContactMapper(std::vector<ColumnSpec> columns) : columns_(std::move(columns)) {}
  static std::optional<std::pair<AddressKind, Column>> ConsentRecordColumn(std::string_view lower);

  // Puts one non-empty cell (or a name cell) of `spec`'s column into `cells`; a consent or
  // verified cell that is not one of its words is an error instead.
  static void ReadCell(const ColumnSpec& spec, std::string_view cell, RowCells* cells,
                       std::vector<FieldError>* errors);

  std::vector<ColumnSpec> columns_;  // One per header cell, in order.
};

}  // namespace ogw
