#include "gateway/contacts/normalize.h"

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <unicode/strenum.h>
#include <unicode/timezone.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>
#include <unicode/uversion.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

constexpr size_t kMaxEmailBytes = 254;       // RFC 5321 path limit minus the angle brackets.
constexpr size_t kMaxEmailLocalBytes = 64;   // RFC 5321 section 4.5.3.1.1.
constexpr size_t kMaxPhoneInputBytes = 64;   // Generous for separators; E.164 has <= 15 digits.
constexpr size_t kMaxLanguageTagBytes = 64;  // Far beyond any tag a person would give.
constexpr size_t kMaxTimeZoneBytes = 64;

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

bool IsAsciiAlpha(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)); }
bool IsAsciiDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

// Calls `fn(code_point)` for each code point of `s`, which must be well-formed UTF-8.
template <typename Fn>
void ForEachCodePoint(std::string_view s, Fn fn) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    fn(c);
  }
}

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s);
  out.push_back('"');
  return out;
}

// ---- Phone numbers ----

// libphonenumber happily reads letters as vanity digits ("xyz" -> "999") and skips leading
// junk, which would turn typos into valid-looking numbers of strangers. Only digits of any
// script (it maps Arabic-Indic digits itself) and common separators get through.
bool HasOnlyPhoneCharacters(std::string_view text) {
  bool ok = true;
  bool seen_digit_or_plus = false;
  ForEachCodePoint(text, [&](UChar32 c) {
    // One plus, before any digit: "+49 ..." and "(+49) ..." but not "49+30...".
    const bool plus = (c == '+' || c == 0xFF0B) && !seen_digit_or_plus;
    const bool digit = u_isdigit(c);
    const bool separator = c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' ||
                           c == '(' || c == ')' || c == 0x00A0;
    if (!plus && !digit && !separator) ok = false;
    if (plus || digit) seen_digit_or_plus = true;
  });
  return ok;
}

std::string RegionForMessage(const PhoneNumberUtil& util, const PhoneNumber& number) {
  std::string region;
  util.GetRegionCodeForCountryCode(number.country_code(), &region);
  if (region.empty() || region == "ZZ" || region == "001") {
    return "country code +" + std::to_string(number.country_code());
  }
  return "region " + region;
}

std::string_view PossibilityProblem(PhoneNumberUtil::ValidationResult result) {
  switch (result) {
    case PhoneNumberUtil::IS_POSSIBLE:
      return "";
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      return " (local number without area code)";
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return " (unknown country code)";
    case PhoneNumberUtil::TOO_SHORT:
      return " (too short)";
    case PhoneNumberUtil::INVALID_LENGTH:
      return " (wrong number of digits)";
    case PhoneNumberUtil::TOO_LONG:
      return " (too long)";
  }
  return "";
}

// ---- Time zones ----

// ICU (before 74) answers with CLDR's canonical IDs, which keep the names IANA has since
// replaced. Stored zones should match what other systems and people use, so these are mapped
// to the current IANA name. Source: the "iana" attributes of CLDR's timezone.xml.
constexpr std::pair<std::string_view, std::string_view> kCldrToIana[] = {
    {"Africa/Asmera", "Africa/Asmara"},
    {"America/Buenos_Aires", "America/Argentina/Buenos_Aires"},
    {"America/Catamarca", "America/Argentina/Catamarca"},
    {"America/Coral_Harbour", "America/Atikokan"},
    {"America/Cordoba", "America/Argentina/Cordoba"},
    {"America/Godthab", "America/Nuuk"},
    {"America/Indianapolis", "America/Indiana/Indianapolis"},
    {"America/Jujuy", "America/Argentina/Jujuy"},
    {"America/Louisville", "America/Kentucky/Louisville"},
    {"America/Mendoza", "America/Argentina/Mendoza"},
    {"Asia/Calcutta", "Asia/Kolkata"},
    {"Asia/Katmandu", "Asia/Kathmandu"},
    {"Asia/Rangoon", "Asia/Yangon"},
    {"Asia/Saigon", "Asia/Ho_Chi_Minh"},
    {"Atlantic/Faeroe", "Atlantic/Faroe"},
    {"Europe/Kiev", "Europe/Kyiv"},
    {"Pacific/Enderbury", "Pacific/Kanton"},
    {"Pacific/Ponape", "Pacific/Pohnpei"},
    {"Pacific/Truk", "Pacific/Chuuk"},
};

// The CLDR canonical ID of a system (IANA) zone, or an empty string.
std::string CanonicalSystemZone(const std::string& id) {
  icu::UnicodeString canonical;
  UBool is_system = false;
  UErrorCode status = U_ZERO_ERROR;
  icu::TimeZone::getCanonicalID(icu::UnicodeString::fromUTF8(id), canonical, is_system, status);
  if (U_FAILURE(status) || !is_system) return "";
  std::string out;
  canonical.toUTF8String(out);
  return out;
}

// IANA names are case-insensitive by convention while ICU's lookup is not; spreadsheets are
// full of "europe/berlin".
const std::map<std::string, std::string>& ZonesByLowerCaseName() {
  static const auto* const kZones = [] {
    auto* zones = new std::map<std::string, std::string>();
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::StringEnumeration> ids(
        icu::TimeZone::createTimeZoneIDEnumeration(UCAL_ZONE_TYPE_ANY, nullptr, nullptr, status));
    if (U_FAILURE(status) || ids == nullptr) return zones;
    int32_t length = 0;
    while (const char* id = ids->next(&length, status)) {
      if (U_FAILURE(status)) break;
      std::string name(id, static_cast<size_t>(length));
      zones->emplace(AsciiLower(name), name);
    }
    return zones;
  }();
  return *kZones;
}

std::string CurrentIanaName(const std::string& cldr_canonical) {
#if U_ICU_VERSION_MAJOR_NUM >= 74
  icu::UnicodeString iana;
  UErrorCode status = U_ZERO_ERROR;
  icu::TimeZone::getIanaID(icu::UnicodeString::fromUTF8(cldr_canonical), iana, status);
  if (U_SUCCESS(status) && !iana.isBogus()) {
    std::string out;
    iana.toUTF8String(out);
    return out;
  }
#endif
  for (const auto& [cldr, iana] : kCldrToIana) {
    if (cldr != cldr_canonical) continue;
    // Older ICU data may not know the new name yet; then the old one is the usable one.
    std::string candidate(iana);
    if (CanonicalSystemZone(candidate) == cldr_canonical) return candidate;
    break;
  }
  return cldr_canonical;
}

// ---- Countries ----

const std::set<std::string, std::less<>>& IsoCountries() {
  static const auto* const kCountries = [] {
    auto* countries = new std::set<std::string, std::less<>>();
    for (const char* const* c = uloc_getISOCountries(); *c != nullptr; ++c) {
      countries->emplace(*c);
    }
    return countries;
  }();
  return *kCountries;
}

// ---- Telegram / Messenger ----

absl::StatusOr<std::string> NormalizeTelegram(std::string_view raw) {
  const std::string_view text = TrimAsciiSpace(raw);
  constexpr std::string_view kShape =
      "must be a numeric chat id or @username (5-32 letters, digits or _)";
  if (text.empty()) return Invalid("telegram address is empty");
  if (text.front() == '@') {
    const std::string_view user = text.substr(1);
    if (user.size() < 5 || user.size() > 32) {
      return Invalid("telegram username must be 5-32 characters long");
    }
    for (char c : user) {
      if (!IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '_') {
        return Invalid(std::string("telegram address ").append(kShape));
      }
    }
    return "@" + AsciiLower(user);
  }
  int64_t id = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  // from_chars accepts a leading '-' but not '+' or spaces, which is exactly the shape wanted.
  const auto [ptr, ec] = std::from_chars(begin, end, id);
  if (ec == std::errc::result_out_of_range) return Invalid("telegram chat id is out of range");
  if (ec != std::errc() || ptr != end) {
    return Invalid(std::string("telegram address ").append(kShape));
  }
  if (id == 0) return Invalid("telegram chat id must not be 0");
  return std::to_string(id);
}

absl::StatusOr<std::string> NormalizeMessenger(std::string_view raw) {
  const std::string_view text = TrimAsciiSpace(raw);
  const bool digits = std::all_of(text.begin(), text.end(), IsAsciiDigit);
  if (text.empty() || text.size() > 32 || !digits) {
    return Invalid("messenger address must be a page-scoped id of 1-32 digits");
  }
  return std::string(text);
}

}  // namespace

absl::StatusOr<std::string> NormalizePhone(std::string_view raw, std::string_view default_region) {
  const std::string_view text = TrimAsciiSpace(raw);
  if (text.empty()) return Invalid("phone number is empty");
  if (text.size() > kMaxPhoneInputBytes) return Invalid("phone number is too long");
  if (FindInvalidUtf8(text) != std::string_view::npos) {
    return Invalid("phone number is not valid UTF-8");
  }
  if (!HasOnlyPhoneCharacters(text)) {
    return Invalid("phone number may only contain digits, separators and a leading +");
  }
  const std::string region = AsciiUpper(TrimAsciiSpace(default_region));
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  // "ZZ" is libphonenumber's unknown region: only "+..." numbers parse against it.
  const PhoneNumberUtil::ErrorType error =
      util.Parse(std::string(text), region.empty() ? "ZZ" : region, &number);
  switch (error) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      if (text.find('+') != std::string_view::npos ||
          text.find("\xEF\xBC\x8B") != std::string_view::npos) {
        return Invalid("phone number has an unknown country code");
      }
      if (region.empty()) {
        return Invalid(
            "phone number must start with + and the country code when no country "
            "is known");
      }
      if (util.GetCountryCodeForRegion(region) == 0) {
        return Invalid("no phone numbering plan for region " + region +
                       "; write the number with + and the country code");
      }
      return Invalid("phone number has an unknown country code");
    case PhoneNumberUtil::NOT_A_NUMBER:
      return Invalid("not a phone number");
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return Invalid("phone number is too short");
    case PhoneNumberUtil::TOO_LONG_NSN:
      return Invalid("phone number is too long");
  }
  if (number.has_extension()) return Invalid("phone number extensions are not supported");
  const PhoneNumberUtil::ValidationResult possible = util.IsPossibleNumberWithReason(number);
  if (possible != PhoneNumberUtil::IS_POSSIBLE) {
    return Invalid("not a valid phone number for " + RegionForMessage(util, number) +
                   std::string(PossibilityProblem(possible)));
  }
  if (!util.IsValidNumber(number)) {
    return Invalid("not a valid phone number for " + RegionForMessage(util, number));
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

absl::StatusOr<std::string> NormalizeEmail(std::string_view raw) {
  const std::string_view text = TrimAsciiSpace(raw);
  if (text.empty()) return Invalid("e-mail address is empty");
  if (text.size() > kMaxEmailBytes) return Invalid("e-mail address is longer than 254 bytes");
  if (FindInvalidUtf8(text) != std::string_view::npos) {
    return Invalid("e-mail address is not valid UTF-8");
  }
  bool clean = true;
  ForEachCodePoint(text, [&](UChar32 c) {
    if (u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR) clean = false;
  });
  if (!clean) return Invalid("e-mail address must not contain spaces or control characters");
  const size_t at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
    return Invalid("e-mail address must contain exactly one @");
  }
  const std::string_view local = text.substr(0, at);
  const std::string_view domain = text.substr(at + 1);
  if (local.empty()) return Invalid("e-mail address has nothing before the @");
  if (local.size() > kMaxEmailLocalBytes) {
    return Invalid("e-mail local part is longer than 64 bytes");
  }
  if (local.find_first_of("\"(),:;<>[\\]") != std::string_view::npos) {
    return Invalid("e-mail local part contains a character that needs quoting");
  }
  if (domain.empty()) return Invalid("e-mail address has no domain after the @");
  if (domain.find('.') == std::string_view::npos) {
    return Invalid("e-mail domain must contain a dot");
  }
  size_t label_start = 0;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i < domain.size() && domain[i] != '.') {
      const char c = domain[i];
      const bool non_ascii = static_cast<unsigned char>(c) >= 0x80;
      if (!non_ascii && !IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '-') {
        return Invalid("e-mail domain contains an invalid character");
      }
      continue;
    }
    const std::string_view label = domain.substr(label_start, i - label_start);
    if (label.empty()) return Invalid("e-mail domain has an empty label");
    if (label.front() == '-' || label.back() == '-') {
      return Invalid("e-mail domain label must not start or end with -");
    }
    label_start = i + 1;
  }
  std::string out(local);
  out.push_back('@');
  out.append(AsciiLower(domain));
  return out;
}

absl::StatusOr<std::string> NormalizeLanguageTag(std::string_view raw) {
  const std::string_view text = TrimAsciiSpace(raw);
  if (text.empty()) return Invalid("language tag is empty");
  if (text.size() > kMaxLanguageTagBytes) return Invalid("language tag is too long");
  const std::string tag(text);
  const absl::Status malformed = Invalid("not a well-formed BCP 47 language tag: " + Quoted(tag));
  // ICU reads '_' as a separator (ICU locale IDs) and the tag could hold a NUL; neither is
  // BCP 47.
  for (char c : tag) {
    if (!IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '-') return malformed;
  }
  char locale[ULOC_FULLNAME_CAPACITY];
  int32_t parsed = 0;
  UErrorCode status = U_ZERO_ERROR;
  uloc_forLanguageTag(tag.c_str(), locale, sizeof locale, &parsed, &status);
  // forLanguageTag stops at the first subtag it cannot place and reports success; only a
  // full parse means the whole tag is well-formed ("xx-invalid-!!" parses 10 of 13 bytes).
  if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING ||
      static_cast<size_t>(parsed) != tag.size()) {
    return malformed;
  }
  char language[ULOC_LANG_CAPACITY];
  status = U_ZERO_ERROR;
  const int32_t language_length = uloc_getLanguage(locale, language, sizeof language, &status);
  // BCP 47 also allows 5-8 letter registered languages, but none are registered; a word like
  // "english" is what lands there.
  const bool two_or_three_letters = U_SUCCESS(status) &&
                                    status != U_STRING_NOT_TERMINATED_WARNING &&
                                    (language_length == 2 || language_length == 3) &&
                                    std::all_of(language, language + language_length, IsAsciiAlpha);
  if (!two_or_three_letters) {
    return Invalid("language tag " + Quoted(tag) +
                   " does not start with a 2 or 3 letter language code");
  }
  char canonical[ULOC_FULLNAME_CAPACITY];
  status = U_ZERO_ERROR;
  const int32_t length =
      uloc_toLanguageTag(locale, canonical, sizeof canonical, /*strict=*/true, &status);
  if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING || length <= 0) {
    return malformed;
  }
  return std::string(canonical, static_cast<size_t>(length));
}

absl::StatusOr<std::string> NormalizeTimeZone(std::string_view raw) {
  const std::string_view text = TrimAsciiSpace(raw);
  if (text.empty()) return Invalid("time zone is empty");
  const absl::Status unknown = Invalid("unknown IANA time zone " + Quoted(text));
  if (text.size() > kMaxTimeZoneBytes) return unknown;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E) {
      return unknown;
    }
  }
  std::string canonical = CanonicalSystemZone(std::string(text));
  if (canonical.empty()) {
    const auto& zones = ZonesByLowerCaseName();
    const auto it = zones.find(AsciiLower(text));
    if (it != zones.end()) canonical = CanonicalSystemZone(it->second);
  }
  if (canonical.empty()) return unknown;
  return CurrentIanaName(canonical);
}

SmsSender NormalizeSmsSender(std::string_view raw, std::string_view country) {
  if (auto e164 = NormalizePhone(raw, ""); e164.ok()) return {*e164, true};
  const std::string_view text = TrimAsciiSpace(raw);
  const bool digits_only = !text.empty() && text.size() <= 20 &&
                           text.find_first_not_of("0123456789") == std::string_view::npos;
  if (digits_only) {
    // SMSCs pass international numbers without "+" ("4915...", sometimes "004915...").
    const std::string_view international = text.starts_with("00") ? text.substr(2) : text;
    if (auto e164 = NormalizePhone("+" + std::string(international), ""); e164.ok()) {
      return {*e164, true};
    }
  }
  if (!country.empty()) {
    if (auto e164 = NormalizePhone(text, country); e164.ok()) return {*e164, true};
  }
  // A short code, an alphanumeric sender id, a number of an unknown plan: kept as sent, in
  // printable ASCII, so the message still reaches a conversation.
  std::string kept;
  for (char c : text) {
    if (c > 0x20 && c < 0x7F) kept.push_back(c);
    if (kept.size() == kMaxRawSenderBytes) break;
  }
  if (kept.empty()) kept = "unknown";
  return {kept, false};
}

absl::StatusOr<std::string> NormalizeCountry(std::string_view raw) {
  const std::string_view text = TrimAsciiSpace(raw);
  if (text.empty()) return Invalid("country is empty");
  if (text.size() != 2 || !IsAsciiAlpha(text[0]) || !IsAsciiAlpha(text[1])) {
    return Invalid("country must be an ISO 3166-1 alpha-2 code such as DE");
  }
  std::string code = AsciiUpper(text);
  if (IsoCountries().count(code) == 0) {
    return Invalid("unknown ISO 3166-1 country code " + Quoted(code));
  }
  return code;
}

absl::StatusOr<std::string> NormalizeAddress(AddressKind kind, std::string_view raw,
                                             std::string_view default_region) {
  switch (kind) {
    case AddressKind::kEmail:
      return NormalizeEmail(raw);
    case AddressKind::kPhone:
    case AddressKind::kWhatsApp:
      return NormalizePhone(raw, default_region);
    case AddressKind::kTelegram:
      return NormalizeTelegram(raw);
    case AddressKind::kMessenger:
      return NormalizeMessenger(raw);
  }
  return Invalid("unknown address kind");
}

}  // namespace ogw
