#pragma once

// Normalisers for the values a contact is made of. Each takes untrusted text (API bodies, CSV
// cells), trims surrounding ASCII whitespace and returns the one canonical spelling the rest of
// the gateway stores, indexes and compares, or InvalidArgument with a message fit to show the
// person who typed the value.
//
// Thread-safety: every function here is a pure function of its arguments and may be called
// from any number of threads at once (libphonenumber's PhoneNumberUtil and ICU's locale and
// time-zone services are thread-safe; the lookup tables built on first use are function-local
// statics).

#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/contacts/contact.h"
#include "gateway/core/status.h"
#include "gateway/core/text.h"

namespace ogw {

// A phone number in E.164 form ("+4930123456").
//
// `default_region` is the ISO 3166-1 alpha-2 code (any case) used for numbers written in
// national form ("030 123456" with "DE"); numbers starting with "+" or an international prefix
// of that region ("00" in most of the world) are read as international. An empty region means
// the number must start with "+". Spaces, dashes, dots, slashes and parentheses are accepted as
// separators, and so are non-ASCII decimal digits (Arabic-Indic "٠٣٠..."). Letters are refused
// rather than read as vanity letters, so "+49 30 1234567 xyz" is an error, not +49301234567999;
// extensions are refused because no channel can deliver to one.
//
// Errors (InvalidArgument): unparsable text, a number that is not possible or not valid for
// its region ("not a valid phone number for region DE").
absl::StatusOr<std::string> NormalizePhone(std::string_view raw, std::string_view default_region);

// An e-mail address: exactly one "@", a non-empty local part of at most 64 bytes, a domain with
// at least one dot and no empty labels, at most 254 bytes in all, no whitespace or control
// characters, well-formed UTF-8. The domain is lower-cased; the local part keeps its case
// (RFC 5321 lets the receiving server treat it case-sensitively). Internationalised domains are
// kept in UTF-8 (not converted to punycode) and only their ASCII letters are lower-cased, so
// "a@BÜCHER.de" becomes "a@bÜcher.de"; the same address typed in punycode is a different value.
// The local part is otherwise left to the receiving server, except for the characters RFC 5322
// only allows inside quotes (quoted local parts are not supported).
absl::StatusOr<std::string> NormalizeEmail(std::string_view raw);

// A well-formed BCP 47 language tag in canonical form ("pt-br" -> "pt-BR", "zh-hant-tw" ->
// "zh-Hant-TW", deprecated "iw" -> "he"). The primary language subtag must be 2 or 3 letters
// (so "english", "und" and private-use-only tags are refused); it is not checked against a
// list, so rarer ISO 639-3 codes such as "prs" (Dari) are accepted.
absl::StatusOr<std::string> NormalizeLanguageTag(std::string_view raw);

// A known IANA time zone, returned under its current canonical IANA name: "UTC" ->
// "Etc/UTC", "US/Eastern" -> "America/New_York", "Asia/Calcutta" -> "Asia/Kolkata",
// "Africa/Asmera" -> "Africa/Asmara". Lookup ignores case ("europe/berlin" is accepted).
// Custom offsets ("GMT+5") and "Etc/Unknown" are refused ("unknown IANA time zone").
absl::StatusOr<std::string> NormalizeTimeZone(std::string_view raw);

// The sender of an incoming SMS as an address value. SMSCs rarely send "+E.164": Kannel's %p
// is "4915112345678", "004915112345678" or a national "015112345678". In this order: a valid
// "+..." number as it is; digits that make a valid international number once "+" is put in
// front (after a leading "00"); the number read in `country` (the provider's, ISO alpha-2;
// empty: none); else the sender as sent (printable ASCII, at most kMaxRawSenderBytes; short
// codes, alphanumeric sender ids), with `e164` false. Never fails: a message is never lost
// for its sender's spelling.
struct SmsSender {
  std::string value;
  bool e164 = false;
};
inline constexpr size_t kMaxRawSenderBytes = 32;
SmsSender NormalizeSmsSender(std::string_view raw, std::string_view country);

// An ISO 3166-1 alpha-2 country code known to ICU (including "XK", Kosovo), upper case.
absl::StatusOr<std::string> NormalizeCountry(std::string_view raw);

// The normalised value of an address of `kind`:
//   email            NormalizeEmail.
//   phone, whatsapp  NormalizePhone with `default_region`.
//   telegram         a numeric chat id, optionally negative (groups), that fits in 64 bits,
//                    written without leading zeros; or "@username" of 5-32 characters
//                    [A-Za-z0-9_], stored lower-case with the "@".
//   messenger        a page-scoped user id: 1-32 ASCII digits.
absl::StatusOr<std::string> NormalizeAddress(AddressKind kind, std::string_view raw,
                                             std::string_view default_region);

}  // namespace ogw
