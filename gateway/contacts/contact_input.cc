#include "gateway/contacts/contact_input.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string_view>

#include "gateway/contacts/csv_writer.h"
#include "gateway/contacts/normalize.h"
#include "gateway/core/iso_time.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using json = nlohmann::json;

// "id" is what an export carries; an import (ContactInputOptions::ignore_id) ignores it.
constexpr std::array<std::string_view, 11> kContactKeys = {
    "id",        "name",       "post_id", "languages", "country",       "city",
    "time_zone", "attributes", "tags",    "addresses", "channel_order",
};
constexpr std::array<std::string_view, 5> kAddressKeys = {"kind", "value", "verified", "consent",
                                                          "opted_out"};
constexpr std::array<std::string_view, 3> kConsentKeys = {"state", "source", "at"};
constexpr size_t kMaxConsentSourceChars = 200;
constexpr size_t kMaxKeyBytesInMessages = 100;

template <size_t N>
bool Contains(const std::array<std::string_view, N>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsAsciiDigit(c) || c == '_' ||
         c == '-';
}

bool IsIdentifier(std::string_view s, size_t max_bytes) {
  return !s.empty() && s.size() <= max_bytes && std::all_of(s.begin(), s.end(), IsIdentifierChar);
}

// Keys from outside end up in error messages, which are serialised as JSON; a key that is not
// UTF-8 would make that serialisation throw, and a huge one would bloat every response.
std::string SafeKey(std::string_view key) {
  // Bounded first so that repairing a long run of bad bytes stays cheap.
  key = key.substr(0, 4 * kMaxKeyBytesInMessages);
  std::string out;
  while (!key.empty()) {
    const size_t bad = FindInvalidUtf8(key);
    out.append(key.substr(0, bad));
    if (bad == std::string_view::npos) break;
    out.append("\xEF\xBF\xBD");  // U+FFFD.
    key.remove_prefix(bad + 1);
  }
  if (out.size() > kMaxKeyBytesInMessages) {
    out.resize(kMaxKeyBytesInMessages);
    // Do not leave half a character behind.
    while (!out.empty() && FindInvalidUtf8(out) != std::string_view::npos) out.pop_back();
    out.append("...");
  }
  return out;
}

std::string Quoted(std::string_view s) { return "\"" + SafeKey(s) + "\""; }

std::string Indexed(std::string_view field, size_t index) {
  std::string out(field);
  out.push_back('[');
  out.append(std::to_string(index));
  out.push_back(']');
  return out;
}

std::string Member(std::string_view field, std::string_view key) {
  std::string out(field);
  out.push_back('.');
  out.append(SafeKey(key));
  return out;
}

// The member `key` of `obj`, or nullptr when absent or null (null means "not given").
const json* Optional(const json& obj, std::string_view key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

class Errors {
 public:
  explicit Errors(std::vector<FieldError>* out) : out_(out), initial_(out->size()) {}
  void Add(std::string field, std::string message) {
    out_->push_back(FieldError{std::move(field), std::move(message)});
  }
  void Add(std::string field, const absl::Status& status) {
    Add(std::move(field), std::string(status.message()));
  }
  bool Any() const { return out_->size() > initial_; }

 private:
  std::vector<FieldError>* out_;
  size_t initial_;
};

size_t CountCodePoints(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

UChar32 DecodeAt(std::string_view s, int32_t* i) {
  UChar32 c;
  U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), *i, static_cast<int32_t>(s.size()), c);
  return c;
}

// Trims Unicode white space (which includes the no-break spaces spreadsheets leave around
// names) from both ends of well-formed UTF-8.
std::string_view TrimUnicode(std::string_view s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  int32_t begin = 0;
  int32_t end = static_cast<int32_t>(s.size());
  while (begin < end) {
    int32_t next = begin;
    const UChar32 c = DecodeAt(s, &next);
    if (!u_isUWhiteSpace(c)) break;
    begin = next;
  }
  while (end > begin) {
    // Well-formed input, so the last character starts at the last non-continuation byte.
    int32_t previous = end - 1;
    while (previous > begin && (bytes[previous] & 0xC0) == 0x80) --previous;
    int32_t next = previous;
    if (!u_isUWhiteSpace(DecodeAt(s, &next))) break;
    end = previous;
  }
  return s.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
}

bool HasControlCharacters(std::string_view s) {
  int32_t i = 0;
  while (i < static_cast<int32_t>(s.size())) {
    const int8_t type = u_charType(DecodeAt(s, &i));
    if (type == U_CONTROL_CHAR || type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR) {
      return true;
    }
  }
  return false;
}

// Free text is stored in NFC so that the same name typed on two keyboards (precomposed or
// combining accents) compares, sorts and matches segments alike.
std::string ToNfc(std::string_view s) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; })) {
    return std::string(s);
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return std::string(s);
  const icu::UnicodeString source =
      icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  if (nfc->isNormalized(source, status) && U_SUCCESS(status)) return std::string(s);
  status = U_ZERO_ERROR;
  const icu::UnicodeString normalised = nfc->normalize(source, status);
  if (U_FAILURE(status)) return std::string(s);
  std::string out;
  normalised.toUTF8String(out);
  return out;
}

// Validates free text: well-formed UTF-8 without control characters or line breaks, trimmed,
// NFC, 1..max_chars code points (0 allowed when `allow_empty`).
std::optional<std::string> CleanText(const json& value, std::string field, size_t max_chars,
                                     bool allow_empty, Errors& errors) {
  if (!value.is_string()) {
    errors.Add(std::move(field), "must be a string");
    return std::nullopt;
  }
  const std::string& raw = value.get_ref<const std::string&>();
  if (FindInvalidUtf8(raw) != std::string_view::npos) {
    errors.Add(std::move(field), "is not valid UTF-8");
    return std::nullopt;
  }
  std::string text = ToNfc(TrimUnicode(raw));
  if (HasControlCharacters(text)) {
    errors.Add(std::move(field), "must not contain control characters or line breaks");
    return std::nullopt;
  }
  if (text.empty() && !allow_empty) {
    errors.Add(std::move(field), "must not be empty");
    return std::nullopt;
  }
  if (CountCodePoints(text) > max_chars) {
    errors.Add(std::move(field), "must be at most " + std::to_string(max_chars) + " characters");
    return std::nullopt;
  }
  return text;
}

// A string member passed through `normalise`; empty strings mean "not set".
template <typename Normaliser>
void NormaliseOptional(const json& obj, std::string_view key, Normaliser normalise,
                       std::string* out, Errors& errors) {
  const json* value = Optional(obj, key);
  if (value == nullptr) return;
  if (!value->is_string()) {
    errors.Add(std::string(key), "must be a string");
    return;
  }
  const std::string& raw = value->get_ref<const std::string&>();
  if (TrimAsciiSpace(raw).empty()) return;
  absl::StatusOr<std::string> normalised = normalise(raw);
  if (!normalised.ok()) {
    errors.Add(std::string(key), normalised.status());
    return;
  }
  *out = *std::move(normalised);
}

const json* RequireArray(const json& obj, std::string_view key, size_t max_items, Errors& errors) {
  const json* value = Optional(obj, key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    errors.Add(std::string(key), "must be an array");
    return nullptr;
  }
  if (value->size() > max_items) {
    errors.Add(std::string(key), "must have at most " + std::to_string(max_items) + " items");
    return nullptr;
  }
  return value;
}

void ReadLanguages(const json& obj, Contact& contact, Errors& errors) {
  const json* languages = RequireArray(obj, "languages", kMaxLanguages, errors);
  if (languages == nullptr) return;
  for (size_t i = 0; i < languages->size(); ++i) {
    const json& item = (*languages)[i];
    const std::string field = Indexed("languages", i);
    if (!item.is_string()) {
      errors.Add(field, "must be a string");
      continue;
    }
    absl::StatusOr<std::string> tag = NormalizeLanguageTag(item.get_ref<const std::string&>());
    if (!tag.ok()) {
      errors.Add(field, tag.status());
      continue;
    }
    // Order is preference, so a repeat is a mistake to point out rather than merge silently.
    if (std::find(contact.languages.begin(), contact.languages.end(), *tag) !=
        contact.languages.end()) {
      errors.Add(field, "duplicate language " + Quoted(*tag));
      continue;
    }
    contact.languages.push_back(*std::move(tag));
  }
}

void ReadAttributes(const json& obj, Contact& contact, Errors& errors) {
  const json* attributes = Optional(obj, "attributes");
  if (attributes == nullptr) return;
  if (!attributes->is_object()) {
    errors.Add("attributes", "must be an object");
    return;
  }
  if (attributes->size() > kMaxAttributes) {
    errors.Add("attributes", "must have at most " + std::to_string(kMaxAttributes) + " attributes");
    return;
  }
  for (const auto& [name, value] : attributes->items()) {
    const std::string field = Member("attributes", name);
    if (!IsIdentifier(name, kMaxAttributeNameBytes)) {
      errors.Add(field, "attribute names must be 1-64 characters of A-Z, a-z, 0-9, _ and -");
      continue;
    }
    if (value.is_number()) {
      const double number = value.get<double>();
      if (!std::isfinite(number)) {
        errors.Add(field, "must be a finite number");
        continue;
      }
      contact.attributes.emplace(name, number);
    } else if (value.is_string()) {
      std::optional<std::string> text =
          CleanText(value, field, kMaxAttributeValueChars, /*allow_empty=*/false, errors);
      if (text) contact.attributes.emplace(name, *std::move(text));
    } else {
      errors.Add(field, "must be a string or a number");
    }
  }
}

void ReadTags(const json& obj, Contact& contact, Errors& errors) {
  const json* tags = RequireArray(obj, "tags", kMaxTags, errors);
  if (tags == nullptr) return;
  std::set<std::string> unique;
  for (size_t i = 0; i < tags->size(); ++i) {
    std::optional<std::string> tag =
        CleanText((*tags)[i], Indexed("tags", i), kMaxTagChars, /*allow_empty=*/false, errors);
    if (tag) unique.insert(*std::move(tag));
  }
  contact.tags.assign(unique.begin(), unique.end());
}

std::optional<ConsentState> ReadConsentState(const json& value, const std::string& field,
                                             Errors& errors) {
  if (!value.is_string()) {
    errors.Add(field, "must be a string");
    return std::nullopt;
  }
  const std::optional<ConsentState> state = ParseConsentState(value.get_ref<const std::string&>());
  if (!state) errors.Add(field, "must be one of granted, withdrawn, unknown");
  return state;
}

std::optional<Consent> ReadConsent(const json& value, const std::string& field,
                                   const ContactInputOptions& options, Errors& errors) {
  std::optional<ConsentState> state;
  std::string source = options.consent_source;
  int64_t at_millis = options.now_millis;
  if (value.is_object()) {
    bool ok = true;
    for (const auto& [key, _] : value.items()) {
      if (!Contains(kConsentKeys, key)) {
        errors.Add(Member(field, key), "unknown field");
        ok = false;
      }
    }
    const json* state_value = Optional(value, "state");
    if (state_value == nullptr) {
      errors.Add(Member(field, "state"), "is required");
      return std::nullopt;
    }
    state = ReadConsentState(*state_value, Member(field, "state"), errors);
    // When the consent was given or withdrawn, as an export records it (milliseconds).
    if (const json* at_value = Optional(value, "at")) {
      const bool whole = at_value->is_number_integer() || at_value->is_number_unsigned();
      const int64_t at = whole ? at_value->get<int64_t>() : -1;
      if (at < 0 || (options.now_millis > 0 && at > options.now_millis)) {
        errors.Add(Member(field, "at"),
                   "must be a time in milliseconds since 1970, not in the future");
        ok = false;
      } else {
        at_millis = at;
      }
    }
    if (const json* source_value = Optional(value, "source")) {
      std::optional<std::string> text =
          CleanText(*source_value, Member(field, "source"), kMaxConsentSourceChars, false, errors);
      if (text) {
        source = *std::move(text);
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
  } else if (value.is_string()) {
    state = ReadConsentState(value, field, errors);
  } else {
    errors.Add(field, "must be a consent state or an object with state and source");
    return std::nullopt;
  }
  if (!state) return std::nullopt;
  Consent consent;
  if (*state == ConsentState::kUnknown) return consent;
  consent.state = *state;
  consent.source = std::move(source);
  consent.at_millis = at_millis;
  return consent;
}

std::optional<bool> ReadBool(const json& obj, std::string_view key, const std::string& field,
                             Errors& errors) {
  const json* value = Optional(obj, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    errors.Add(field, "must be true or false");
    return std::nullopt;
  }
  return value->get<bool>();
}

void ReadAddresses(const json& obj, const ContactInputOptions& options, Contact& contact,
                   Errors& errors) {
  const json* addresses = Optional(obj, "addresses");
  if (addresses == nullptr || (addresses->is_array() && addresses->empty())) {
    errors.Add("addresses", "at least one address is required");
    return;
  }
  if (RequireArray(obj, "addresses", kMaxAddresses, errors) == nullptr) return;
  std::map<std::string, size_t> seen;  // AddressKey -> index, to name the first occurrence.
  for (size_t i = 0; i < addresses->size(); ++i) {
    const json& item = (*addresses)[i];
    const std::string field = Indexed("addresses", i);
    if (!item.is_object()) {
      errors.Add(field, "must be an object");
      continue;
    }
    bool ok = true;
    for (const auto& [key, _] : item.items()) {
      if (!Contains(kAddressKeys, key)) {
        errors.Add(Member(field, key), "unknown field");
        ok = false;
      }
    }
    Address address;
    const json* kind = Optional(item, "kind");
    std::optional<AddressKind> parsed_kind;
    if (kind == nullptr) {
      errors.Add(Member(field, "kind"), "is required");
    } else if (!kind->is_string() ||
               !(parsed_kind = ParseAddressKind(kind->get_ref<const std::string&>()))) {
      errors.Add(Member(field, "kind"),
                 "must be one of email, phone, whatsapp, telegram, messenger");
    }
    const json* value = Optional(item, "value");
    if (value == nullptr) {
      errors.Add(Member(field, "value"), "is required");
      ok = false;
    } else if (!value->is_string()) {
      errors.Add(Member(field, "value"), "must be a string");
      ok = false;
    } else if (parsed_kind) {
      absl::StatusOr<std::string> normalised =
          NormalizeAddress(*parsed_kind, value->get_ref<const std::string&>(), contact.country);
      if (normalised.ok()) {
        address.kind = *parsed_kind;
        address.value = *std::move(normalised);
      } else {
        errors.Add(Member(field, "value"), normalised.status());
        ok = false;
      }
    }
    if (!parsed_kind) ok = false;
    if (const std::optional<bool> verified =
            ReadBool(item, "verified", Member(field, "verified"), errors)) {
      address.verified = *verified;
    }
    if (const std::optional<bool> opted_out =
            ReadBool(item, "opted_out", Member(field, "opted_out"), errors)) {
      address.opted_out = *opted_out;
      if (*opted_out) address.opted_out_at_millis = options.now_millis;
    }
    if (const json* consent = Optional(item, "consent")) {
      std::optional<Consent> parsed =
          ReadConsent(*consent, Member(field, "consent"), options, errors);
      if (parsed) {
        address.consent = *std::move(parsed);
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    const auto [it, inserted] = seen.emplace(AddressKey(address), i);
    if (!inserted) {
      errors.Add(Member(field, "value"),
                 "duplicate address (same as " + Indexed("addresses", it->second) + ")");
      continue;
    }
    contact.addresses.push_back(std::move(address));
  }
}

void ReadChannelOrder(const json& obj, Contact& contact, Errors& errors) {
  const json* channels = RequireArray(obj, "channel_order", 5, errors);
  if (channels == nullptr) return;
  for (size_t i = 0; i < channels->size(); ++i) {
    const json& item = (*channels)[i];
    const std::string field = Indexed("channel_order", i);
    if (!item.is_string()) {
      errors.Add(field, "must be a string");
      continue;
    }
    const std::string& name = item.get_ref<const std::string&>();
    const std::optional<Channel> channel = ParseChannel(name);
    if (!channel) {
      errors.Add(field, "unknown channel " + Quoted(name) +
                            "; expected email, sms, whatsapp, telegram or messenger");
      continue;
    }
    if (std::find(contact.channel_order.begin(), contact.channel_order.end(), *channel) !=
        contact.channel_order.end()) {
      errors.Add(field, "duplicate channel " + Quoted(name));
      continue;
    }
    contact.channel_order.push_back(*channel);
  }
}

// ---- CSV ----

// Splits on any of `separators`, trimming pieces and dropping empty ones ("ar; ;en" -> ar, en).
json SplitList(std::string_view cell, std::string_view separators, bool lower) {
  json items = json::array();
  while (true) {
    const size_t end = cell.find_first_of(separators);
    const std::string_view piece = TrimAsciiSpace(cell.substr(0, end));
    if (!piece.empty()) items.push_back(lower ? AsciiLower(piece) : std::string(piece));
    if (end == std::string_view::npos) break;
    cell.remove_prefix(end + 1);
  }
  return items;
}

// A cell is a number when all of it is a finite decimal number. Integers written with a
// leading zero are identifiers (postal codes like "01067", member numbers) whose zeros matter.
std::optional<double> ParseCellNumber(std::string_view cell) {
  std::string_view digits = cell;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (digits.empty() || (!IsAsciiDigit(digits.front()) && digits.front() != '.')) {
    return std::nullopt;
  }
  if (digits.size() > 1 && digits[0] == '0' && IsAsciiDigit(digits[1])) return std::nullopt;
  double number = 0;
  const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), number);
  if (ec != std::errc() || ptr != cell.data() + cell.size() || !std::isfinite(number)) {
    return std::nullopt;
  }
  return number;
}

// An address cell of a CSV row, before consent and verified are applied to it.
struct AddressCell {
  AddressKind kind;
  std::string value;
};

// Column names to report errors of addresses[i] under.
struct AddressColumns {
  std::string value;
  std::string consent;
};

// Puts the address cells into (*obj)["addresses"], each with the consent of its kind's column,
// else of the row's, and the row's verified; returns the columns each address came from.
// The consent columns of one CSV row.
struct RowConsent {
  const std::optional<std::string>& row;
  const std::map<AddressKind, std::string>& kind;
  const std::map<AddressKind, std::string>& kind_source;
  const std::map<AddressKind, int64_t>& kind_at;
};

std::vector<AddressColumns> AddAddresses(std::vector<AddressCell> address_cells,
                                         const RowConsent& consent, std::optional<bool> verified,
                                         json* obj) {
  const std::optional<std::string>& row_consent = consent.row;
  const std::map<AddressKind, std::string>& kind_consent = consent.kind;
  std::vector<AddressColumns> address_columns;
  if (address_cells.empty()) return address_columns;
  json& addresses = (*obj)["addresses"] = json::array();
  for (AddressCell& cell : address_cells) {
    json address = {{"kind", std::string(AddressKindName(cell.kind))},
                    {"value", std::move(cell.value)}};
    AddressColumns names{std::string(AddressKindName(cell.kind)), "consent"};
    if (const auto it = kind_consent.find(cell.kind); it != kind_consent.end()) {
      address["consent"] = it->second;
      names.consent = names.value + "_consent";
    } else if (row_consent) {
      address["consent"] = *row_consent;
    }
    // The record behind the state, as an export writes it.
    const auto source = consent.kind_source.find(cell.kind);
    const auto at = consent.kind_at.find(cell.kind);
    if (address.contains("consent") &&
        (source != consent.kind_source.end() || at != consent.kind_at.end())) {
      json record = {{"state", address["consent"]}};
      if (source != consent.kind_source.end()) record["source"] = source->second;
      if (at != consent.kind_at.end()) record["at"] = at->second;
      address["consent"] = std::move(record);
    }
    if (verified) address["verified"] = *verified;
    addresses.push_back(std::move(address));
    address_columns.push_back(std::move(names));
  }
  return address_columns;
}

// Which CSV column (and, for a list cell, which item of it) a ContactFromJson error is about.
void NameColumnOf(const std::vector<AddressColumns>& address_columns, FieldError* error) {
  std::string_view field = error->field;
  const size_t bracket = field.find('[');
  const std::string_view base = field.substr(0, bracket);
  if (base == "addresses" && bracket != std::string_view::npos) {
    const size_t index = std::stoul(std::string(field.substr(bracket + 1)));
    const bool consent = field.find("].consent", bracket) != std::string_view::npos;
    if (index < address_columns.size()) {
      error->field = consent ? address_columns[index].consent : address_columns[index].value;
    }
  } else if (bracket != std::string_view::npos) {
    // A list cell ("languages", "tags", "channel_order"): say which item of the cell.
    const size_t index = std::stoul(std::string(field.substr(bracket + 1)));
    error->message = "item " + std::to_string(index + 1) + ": " + error->message;
    error->field = std::string(base);
  } else if (field.starts_with("attributes.")) {
    error->field = "attr." + std::string(field.substr(std::string_view("attributes.").size()));
  }
}

}  // namespace

std::optional<Contact> ContactFromJson(const json& obj, const ContactInputOptions& options,
                                       std::vector<FieldError>* errors_out) {
  Errors errors(errors_out);
  if (!obj.is_object()) {
    errors.Add("", "must be a JSON object");
    return std::nullopt;
  }
  for (const auto& [key, _] : obj.items()) {
    if (!Contains(kContactKeys, key) || (key == "id" && !options.ignore_id)) {
      errors.Add(SafeKey(key), "unknown field");
    }
  }
  if (const json* id = Optional(obj, "id");
      options.ignore_id && id != nullptr && !id->is_string()) {
    errors.Add("id", "must be a string (it is not read: people are matched by address)");
  }

  Contact contact;
  if (const json* name = Optional(obj, "name"); name == nullptr) {
    errors.Add("name", "is required");
  } else if (std::optional<std::string> text =
                 CleanText(*name, "name", kMaxNameChars, /*allow_empty=*/false, errors)) {
    contact.name = *std::move(text);
  }
  NormaliseOptional(
      obj, "post_id",
      [](std::string_view raw) -> absl::StatusOr<std::string> {
        const std::string_view id = TrimAsciiSpace(raw);
        if (!IsIdentifier(id, kMaxPostIdBytes)) {
          return absl::InvalidArgumentError(
              "must be at most 64 characters of A-Z, a-z, 0-9, _ and -");
        }
        return std::string(id);
      },
      &contact.post_id, errors);
  // Country first: it is the region national phone numbers are read in.
  NormaliseOptional(obj, "country", NormalizeCountry, &contact.country, errors);
  if (const json* city = Optional(obj, "city")) {
    if (std::optional<std::string> text =
            CleanText(*city, "city", kMaxCityChars, /*allow_empty=*/true, errors)) {
      contact.city = *std::move(text);
    }
  }
  NormaliseOptional(obj, "time_zone", NormalizeTimeZone, &contact.time_zone, errors);
  ReadLanguages(obj, contact, errors);
  ReadAttributes(obj, contact, errors);
  ReadTags(obj, contact, errors);
  ReadAddresses(obj, options, contact, errors);
  ReadChannelOrder(obj, contact, errors);

  if (errors.Any()) return std::nullopt;
  return contact;
}

// "<kind>_consent_source" and "<kind>_consent_at": the record behind a kind's consent cell.
std::optional<std::pair<AddressKind, CsvContactMapper::Column>>
CsvContactMapper::ConsentRecordColumn(std::string_view lower) {
  for (const auto& [suffix, column] :
       {std::pair<std::string_view, Column>{"_consent_source", Column::kKindConsentSource},
        std::pair<std::string_view, Column>{"_consent_at", Column::kKindConsentAt}}) {
    if (lower.size() <= suffix.size() || !lower.ends_with(suffix)) continue;
    if (auto kind = ParseAddressKind(lower.substr(0, lower.size() - suffix.size()))) {
      return std::make_pair(*kind, column);
    }
  }
  return std::nullopt;
}

absl::StatusOr<CsvContactMapper> CsvContactMapper::FromHeader(
    const std::vector<std::string>& header) {
  static const std::map<std::string, Column, std::less<>> kFixedColumns = {
      {"name", Column::kName},
      {"post_id", Column::kPostId},
      {"languages", Column::kLanguages},
      {"country", Column::kCountry},
      {"city", Column::kCity},
      {"time_zone", Column::kTimeZone},
      {"tags", Column::kTags},
      {"consent", Column::kConsent},
      {"verified", Column::kVerified},
      {"channel_order", Column::kChannelOrder},
      {"id", Column::kId},
  };
  constexpr std::string_view kAttributePrefix = "attr.";
  constexpr std::string_view kConsentSuffix = "_consent";

  std::vector<std::string> problems;
  std::vector<ColumnSpec> columns;
  std::map<std::string, size_t> seen;  // Column key -> 1-based position.
  bool has_name = false;
  bool has_address = false;
  for (size_t i = 0; i < header.size(); ++i) {
    const size_t position = i + 1;
    const std::string_view raw = TrimAsciiSpace(header[i]);
    const std::string lower = AsciiLower(raw);
    const std::string where = " (column " + std::to_string(position) + ")";
    ColumnSpec spec{Column::kName, AddressKind::kEmail, lower};
    if (raw.empty()) {
      problems.push_back("empty column name" + where);
      continue;
    }
    if (const auto fixed = kFixedColumns.find(lower); fixed != kFixedColumns.end()) {
      spec.column = fixed->second;
      has_name |= spec.column == Column::kName;
    } else if (const std::optional<AddressKind> kind = ParseAddressKind(lower)) {
      spec.column = Column::kAddress;
      spec.kind = *kind;
      has_address = true;
    } else if (const std::optional<std::pair<AddressKind, Column>> record =
                   ConsentRecordColumn(lower)) {
      spec.column = record->second;
      spec.kind = record->first;
    } else if (lower.size() > kConsentSuffix.size() && lower.ends_with(kConsentSuffix) &&
               ParseAddressKind(
                   std::string_view(lower).substr(0, lower.size() - kConsentSuffix.size()))) {
      spec.column = Column::kKindConsent;
      spec.kind = *ParseAddressKind(
          std::string_view(lower).substr(0, lower.size() - kConsentSuffix.size()));
    } else if (lower.starts_with(kAttributePrefix)) {
      const std::string_view attribute = raw.substr(kAttributePrefix.size());
      if (!IsIdentifier(attribute, kMaxAttributeNameBytes)) {
        problems.push_back("column " + Quoted(raw) +
                           " names an invalid attribute (1-64 characters of A-Z, a-z, 0-9, _ "
                           "and -)" +
                           where);
        continue;
      }
      spec.column = Column::kAttribute;
      // Attribute names are case-sensitive, so "attr.Gen" and "attr.gen" are two columns.
      spec.name = std::string(attribute);
    } else {
      problems.push_back("unknown column " + Quoted(raw) + where);
      continue;
    }
    const std::string key = spec.column == Column::kAttribute ? "attr." + spec.name : spec.name;
    const auto [previous, inserted] = seen.emplace(key, position);
    if (!inserted) {
      problems.push_back("duplicate column " + Quoted(raw) + " (columns " +
                         std::to_string(previous->second) + " and " + std::to_string(position) +
                         ")");
      continue;
    }
    columns.push_back(std::move(spec));
  }
  if (!has_name) problems.push_back("missing column \"name\"");
  if (!has_address) {
    problems.push_back("no address column (email, phone, whatsapp, telegram or messenger)");
  }
  if (!problems.empty()) {
    std::string message = "invalid CSV header: ";
    for (size_t i = 0; i < problems.size(); ++i) {
      if (i > 0) message.append("; ");
      message.append(problems[i]);
    }
    return absl::InvalidArgumentError(message);
  }
  return CsvContactMapper(std::move(columns));
}

struct CsvContactMapper::RowCells {
  json obj = json::object();  // All but the address, consent and verified cells.
  std::vector<AddressCell> address_cells;
  std::optional<std::string> row_consent;
  std::map<AddressKind, std::string> kind_consent;
  std::map<AddressKind, std::string> kind_consent_source;
  std::map<AddressKind, int64_t> kind_consent_at;
  std::optional<bool> verified;
};

std::optional<Contact> CsvContactMapper::Map(const std::vector<std::string>& row,
                                             const ContactInputOptions& options,
                                             std::vector<FieldError>* errors_out) const {
  Errors errors(errors_out);
  if (row.size() != columns_.size()) {
    errors.Add("", "row has " + std::to_string(row.size()) + " cells but the header has " +
                       std::to_string(columns_.size()));
    return std::nullopt;
  }

  RowCells cells;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const std::string_view cell = UnprotectCsvCell(TrimAsciiSpace(row[i]));
    if (cell.empty() && columns_[i].column != Column::kName) continue;
    ReadCell(columns_[i], cell, &cells, errors_out);
  }
  const RowConsent consent{cells.row_consent, cells.kind_consent, cells.kind_consent_source,
                           cells.kind_consent_at};
  const std::vector<AddressColumns> address_columns =
      AddAddresses(std::move(cells.address_cells), consent, cells.verified, &cells.obj);

  std::vector<FieldError> json_errors;
  std::optional<Contact> contact = ContactFromJson(cells.obj, options, &json_errors);
  for (FieldError& error : json_errors) {
    NameColumnOf(address_columns, &error);
    errors.Add(std::move(error.field), std::move(error.message));
  }
  if (errors.Any()) return std::nullopt;
  return contact;
}

void CsvContactMapper::ReadCell(const ColumnSpec& spec, std::string_view cell, RowCells* cells,
                                std::vector<FieldError>* errors_out) {
  Errors errors(errors_out);
  json& obj = cells->obj;
  switch (spec.column) {
    case Column::kName:
    case Column::kPostId:
    case Column::kCountry:
    case Column::kCity:
    case Column::kTimeZone:
      obj[spec.name] = std::string(cell);
      break;
    case Column::kLanguages:
      obj["languages"] = SplitList(cell, ";|", /*lower=*/false);
      break;
    case Column::kTags:
      obj["tags"] = SplitList(cell, ";", /*lower=*/false);
      break;
    case Column::kChannelOrder:
      obj["channel_order"] = SplitList(cell, ";", /*lower=*/true);
      break;
    case Column::kAddress:
      cells->address_cells.push_back({spec.kind, std::string(cell)});
      break;
    case Column::kConsent:
    case Column::kKindConsent: {
      // Checked here, not left to ContactFromJson, so that a bad cell is reported even when
      // the row has no address it would apply to.
      std::string state = AsciiLower(cell);
      if (!ParseConsentState(state)) {
        errors.Add(spec.name, "must be one of granted, withdrawn, unknown");
      } else if (spec.column == Column::kConsent) {
        cells->row_consent = std::move(state);
      } else {
        cells->kind_consent[spec.kind] = std::move(state);
      }
      break;
    }
    case Column::kId:
      break;  // An export's; people are matched by address.
    case Column::kKindConsentSource:
      cells->kind_consent_source[spec.kind] = std::string(cell);
      break;
    case Column::kKindConsentAt:
      if (const std::optional<int64_t> at = ParseIsoUtc(cell)) {
        cells->kind_consent_at[spec.kind] = *at;
      } else {
        errors.Add(spec.name, "must be a UTC time such as 2026-06-12T08:00:00Z");
      }
      break;
    case Column::kVerified: {
      const std::string value = AsciiLower(cell);
      if (value == "true" || value == "false") {
        cells->verified = value == "true";
      } else {
        errors.Add(spec.name, "must be true or false");
      }
      break;
    }
    case Column::kAttribute:
      if (const std::optional<double> number = ParseCellNumber(cell)) {
        obj["attributes"][spec.name] = *number;
      } else {
        obj["attributes"][spec.name] = std::string(cell);
      }
      break;
  }
}

}  // namespace ogw
