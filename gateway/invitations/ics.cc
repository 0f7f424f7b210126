#include "gateway/invitations/ics.h"

#include <unicode/ucal.h>
#include <unicode/unistr.h>
#include <unicode/vtzone.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>

#include "gateway/contacts/normalize.h"
#include "gateway/core/text.h"
#include "templates/markdown_render.h"

namespace ogw {
namespace {

constexpr size_t kMaxLineOctets = 75;  // RFC 5545 3.1, not counting the CRLF.
constexpr std::string_view kCrlf = "\r\n";

// Appends one content line, folded: after 75 octets a CRLF and a space, the continuation
// counting the space. A fold never falls before a UTF-8 continuation byte, so no character
// is split (readers that decode each physical line would show garbage otherwise).
void AppendLine(std::string_view line, std::string* out) {
  size_t limit = kMaxLineOctets;
  while (line.size() > limit) {
    size_t cut = limit;
    while (cut > 1 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out->append(line.substr(0, cut));
    out->append(kCrlf);
    out->push_back(' ');
    line.remove_prefix(cut);
    limit = kMaxLineOctets - 1;
  }
  out->append(line);
  out->append(kCrlf);
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

// A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, line breaks (LF,
// CRLF or CR) as "\n", other control characters dropped (TEXT allows none but tab).
std::string EscapeText(std::string_view raw) {
  const std::string text = ReplaceInvalidUtf8(raw);
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\':
      case ';':
      case ',':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        [[fallthrough]];
      case '\n':
        out.append("\\n");
        break;
      default:
        if (c == '\t' || !IsControl(static_cast<unsigned char>(c))) out.push_back(c);
    }
  }
  return out;
}

// A URI or CAL-ADDRESS value: not escaped in iCalendar, so only what would break the line
// goes.
std::string CleanUri(std::string_view raw) {
  std::string out;
  for (char c : ReplaceInvalidUtf8(raw)) {
    if (!IsControl(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

// A parameter value (RFC 5545 3.2): quoted when it holds ';', ':' or ','; a double quote
// cannot appear even then and becomes a single one.
std::string ParamValue(std::string_view raw) {
  std::string out;
  for (char c : ReplaceInvalidUtf8(raw)) {
    if (IsControl(static_cast<unsigned char>(c))) continue;
    out.push_back(c == '"' ? '\'' : c);
  }
  if (out.find_first_of(";:,") != std::string::npos) out = '"' + out + '"';
  return out;
}

// "YYYYMMDDTHHMMSS" of `millis` read as a wall-clock time (seconds; milliseconds dropped).
std::string FormatDateTime(int64_t millis) {
  constexpr int64_t kDay = 86'400'000;
  const int64_t days = millis >= 0 ? millis / kDay : (millis - kDay + 1) / kDay;
  const int64_t seconds = (millis - days * kDay) / 1000;
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  char out[32];
  std::snprintf(out, sizeof(out), "%04d%02u%02uT%02d%02d%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                static_cast<int>(seconds % 60));
  return out;
}

std::string Utc(int64_t millis) { return FormatDateTime(millis) + "Z"; }

// The venue's zone as ICU knows it; null for UTC itself (and zones ICU does not know), whose
// times are written in UTC.
std::unique_ptr<icu::VTimeZone> VenueZone(const std::string& id) {
  const icu::UnicodeString uid = icu::UnicodeString::fromUTF8(id);
  icu::UnicodeString canonical;
  UBool system = false;
  UErrorCode status = U_ZERO_ERROR;
  icu::TimeZone::getCanonicalID(uid, canonical, system, status);
  if (U_FAILURE(status) || !system || canonical == icu::UnicodeString("Etc/UTC") ||
      canonical == icu::UnicodeString("Etc/GMT")) {
    return nullptr;
  }
  return std::unique_ptr<icu::VTimeZone>(icu::VTimeZone::createVTimeZoneByID(uid));
}

// `instant` as a local time in `zone`, or nullopt when RFC 5545 would read that local time
// as another instant: the second pass through the hour repeated when the clocks go back
// (a local time there means the first pass, 3.3.5).
std::optional<int64_t> LocalTime(const icu::BasicTimeZone& zone, int64_t instant) {
  int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  zone.getOffset(static_cast<UDate>(instant), false, raw, dst, status);
  if (U_FAILURE(status)) return std::nullopt;
  const int64_t local = instant + raw + dst;
  zone.getOffsetFromLocal(static_cast<UDate>(local), UCAL_TZ_LOCAL_FORMER, UCAL_TZ_LOCAL_FORMER,
                          raw, dst, status);
  if (U_FAILURE(status) || local - raw - dst != instant) return std::nullopt;
  return local;
}

// DTSTART or DTEND: local with TZID when the zone is written, else UTC.
std::string DateTimeLine(std::string_view name, const icu::VTimeZone* zone, const std::string& tzid,
                         int64_t instant) {
  const std::optional<int64_t> local = zone != nullptr ? LocalTime(*zone, instant) : std::nullopt;
  if (!local) return std::string(name) + ":" + Utc(instant);
  return std::string(name) + ";TZID=" + ParamValue(tzid) + ":" + FormatDateTime(*local);
}

// ICU's VTIMEZONE for the rules in force at `instant`, as content lines (unfolded, without
// line ends); empty when ICU gives nothing usable. Refolded by AppendLine, so its line ends
// and folding are ours whatever ICU writes.
std::vector<std::string> TimeZoneLines(const icu::VTimeZone& zone, int64_t instant) {
  icu::UnicodeString written;
  UErrorCode status = U_ZERO_ERROR;
  zone.writeSimple(static_cast<UDate>(instant), written, status);
  if (U_FAILURE(status)) return {};
  std::string text;
  written.toUTF8String(text);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string::npos) end = text.size();
    std::string_view line = std::string_view(text).substr(start, end - start);
    start = end;
    if (start < text.size() && text[start] == '\r') ++start;
    if (start < text.size() && text[start] == '\n') ++start;
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !lines.empty()) {
      lines.back().append(line.substr(1));  // A folded continuation.
    } else {
      lines.emplace_back(line);
    }
  }
  if (lines.size() < 3 || lines.front() != "BEGIN:VTIMEZONE" || lines.back() != "END:VTIMEZONE") {
    return {};
  }
  return lines;
}

// The organiser as an address ("a@b.org" or "Name <a@b.org>"): the ORGANIZER line, or empty.
std::string OrganizerLine(std::string_view organiser) {
  organiser = TrimAsciiSpace(organiser);
  std::string_view name;
  std::string_view address = organiser;
  if (organiser.ends_with('>')) {
    const size_t open = organiser.rfind('<');
    if (open == std::string_view::npos) return "";
    name = TrimAsciiSpace(organiser.substr(0, open));
    address = organiser.substr(open + 1, organiser.size() - open - 2);
  }
  absl::StatusOr<std::string> email = NormalizeEmail(address);
  if (!email.ok()) return "";
  std::string line = "ORGANIZER";
  if (!name.empty()) line += ";CN=" + ParamValue(name);
  return line + ":mailto:" + CleanUri(*email);
}

// The language tag `text` is under in the event.
std::string LanguageOf(const Event& event, const EventText& text) {
  for (const auto& [tag, candidate] : event.texts) {
    if (&candidate == &text) return tag;
  }
  return "";
}

}  // namespace

std::string BuildIcs(const Event& event, const IcsOptions& options) {
  const std::unique_ptr<icu::VTimeZone> zone = VenueZone(event.time_zone);
  std::vector<std::string> zone_lines;
  if (zone != nullptr) zone_lines = TimeZoneLines(*zone, event.starts_at_millis);
  // Without its VTIMEZONE a TZID would name a zone the file does not define.
  const icu::VTimeZone* local_zone = zone_lines.empty() ? nullptr : zone.get();

  std::string out;
  AppendLine("BEGIN:VCALENDAR", &out);
  AppendLine("VERSION:2.0", &out);
  AppendLine("PRODID:-//Outreach Gateway//Invitations//EN", &out);
  AppendLine("CALSCALE:GREGORIAN", &out);
  AppendLine(options.cancelled ? "METHOD:CANCEL" : "METHOD:PUBLISH", &out);
  for (const std::string& line : zone_lines) AppendLine(line, &out);

  AppendLine("BEGIN:VEVENT", &out);
  std::string uid = event.id;
  if (!options.uid_domain.empty()) uid += "@" + options.uid_domain;
  AppendLine("UID:" + EscapeText(uid), &out);
  AppendLine("SEQUENCE:" + std::to_string(event.version), &out);
  AppendLine("DTSTAMP:" + Utc(options.dtstamp_millis), &out);
  AppendLine(DateTimeLine("DTSTART", local_zone, event.time_zone, event.starts_at_millis), &out);
  AppendLine(DateTimeLine("DTEND", local_zone, event.time_zone, event.ends_at_millis), &out);

  std::string language_param;
  if (!event.texts.empty()) {
    const EventText& text = event.TextFor(options.languages);
    const std::string language = LanguageOf(event, text);
    if (!language.empty()) language_param = ";LANGUAGE=" + ParamValue(language);
    AppendLine("SUMMARY" + language_param + ":" + EscapeText(text.title), &out);

    std::string description;
    if (!text.description.empty()) {
      absl::StatusOr<std::string> plain = RenderMarkdown(text.description, TextFormat::kPlainText);
      description = plain.ok() ? *plain : text.description;
    }
    const std::string organizer = OrganizerLine(event.organiser);
    if (organizer.empty() && !TrimAsciiSpace(event.organiser).empty()) {
      if (!description.empty()) description += "\n\n";
      description += "Organiser: " + std::string(TrimAsciiSpace(event.organiser));
    }
    if (!description.empty()) {
      AppendLine("DESCRIPTION" + language_param + ":" + EscapeText(description), &out);
    }
  }

  if (!TrimAsciiSpace(event.place).empty()) {
    AppendLine("LOCATION:" + EscapeText(event.place), &out);
  } else if (!event.online_url.empty()) {
    AppendLine("LOCATION:" + EscapeText(event.online_url), &out);
  }
  if (!event.online_url.empty()) AppendLine("URL:" + CleanUri(event.online_url), &out);
  if (const std::string organizer = OrganizerLine(event.organiser); !organizer.empty()) {
    AppendLine(organizer, &out);
  }
  if (!options.attendee_email.empty()) {
    if (absl::StatusOr<std::string> email = NormalizeEmail(options.attendee_email); email.ok()) {
      std::string line = "ATTENDEE";
      if (!TrimAsciiSpace(options.attendee_name).empty()) {
        line += ";CN=" + ParamValue(TrimAsciiSpace(options.attendee_name));
      }
      AppendLine(line + ";RSVP=FALSE:mailto:" + CleanUri(*email), &out);
    }
  }
  AppendLine(options.cancelled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED", &out);
  AppendLine("END:VEVENT", &out);
  AppendLine("END:VCALENDAR", &out);
  return out;
}

}  // namespace ogw
