#include "adapters/email/quoted_history.h"

#include <glib.h>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <memory>

#include "adapters/email/gmime_init.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using mime_parser_internal::Fold;
using mime_parser_internal::JoinTidy;
using mime_parser_internal::kSpaces;
using mime_parser_internal::SplitLines;

std::string_view TrimRight(std::string_view text) {
  const size_t end = text.find_last_not_of(kSpaces);
  return end == std::string_view::npos ? std::string_view() : text.substr(0, end + 1);
}

bool EndsWithNoCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         EqualsIgnoreAsciiCase(text.substr(text.size() - suffix.size()), suffix);
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool StartsWithAny(std::string_view text, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view prefix) { return text.starts_with(prefix); });
}

// Folds the spaces and invisible marks clients put into attribution lines (no-break and
// narrow no-break spaces before French colons, bidi marks around Arabic and Hebrew names),
// then trims.
std::string NormalizeLine(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    const std::string_view rest = line.substr(i);
    if (rest.starts_with("\xC2\xA0")) {  // U+00A0
      out.push_back(' ');
      i += 1;
    } else if (rest.starts_with("\xE2\x80\xAF") || rest.starts_with("\xE2\x80\x87")) {
      out.push_back(' ');  // U+202F, U+2007
      i += 2;
    } else if (rest.size() >= 3 && rest[0] == '\xE2' &&
               ((rest[1] == '\x80' && (rest[2] == '\x8E' || rest[2] == '\x8F' ||
                                       (rest[2] >= '\xAA' && rest[2] <= '\xAE'))) ||
                (rest[1] == '\x81' && rest[2] >= '\xA6' && rest[2] <= '\xA9'))) {
      i += 2;  // U+200E, U+200F, U+202A..U+202E, U+2066..U+2069: dropped.
    } else if (rest.starts_with("\xEF\xBB\xBF")) {
      i += 2;  // U+FEFF.
    } else {
      out.push_back(line[i]);
    }
  }
  return std::string(TrimAsciiSpace(out));
}

bool IsAttribution(std::string_view s) {
  if (s.size() > 600 || s.empty() || s.back() != ':') return false;
  // Every client writes the date or the address; this keeps "On reflection I wrote:" in.
  if (std::none_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '@'; })) {
    return false;
  }
  if (EndsWithNoCase(s, "wrote:") && (StartsWithIgnoreAsciiCase(s, "On ") || Contains(s, "@"))) {
    return true;
  }
  if (StartsWithIgnoreAsciiCase(s, "Le ") &&
      (s.ends_with("a écrit :") || s.ends_with("a écrit:"))) {
    return true;
  }
  if (StartsWithIgnoreAsciiCase(s, "El ") && s.ends_with("escribió:")) return true;
  if (StartsWithIgnoreAsciiCase(s, "Am ") && Contains(s, "schrieb")) return true;
  if (StartsWithIgnoreAsciiCase(s, "Em ") && s.ends_with("escreveu:")) return true;
  if (StartsWithIgnoreAsciiCase(s, "Il ") && s.ends_with("ha scritto:")) return true;
  if (StartsWithIgnoreAsciiCase(s, "Op ") && Contains(s, "schreef")) return true;
  if (Contains(s, "написал")) return true;  // написал(а): / написала: / написал:
  if (Contains(s, "كتب") || Contains(s, "كتابة")) return true;
  return false;
}

// How many lines (1-3) from lines[i] form an attribution, 0 when they do not: Gmail and
// Outlook wrap long ones. A wrapped one starts with the date or the address and its first
// line does not end a sentence, so the person's last line is not taken for its start.
size_t AttributionLength(const std::vector<std::string>& normalized, size_t i) {
  const std::string& first = normalized[i];
  const bool may_wrap = !first.empty() && first.find_first_of("0123456789@") != std::string::npos &&
                        std::string_view(".!?").find(first.back()) == std::string_view::npos;
  std::string joined;
  for (size_t k = 0; k < 3 && i + k < normalized.size(); ++k) {
    if (normalized[i + k].empty() || (k > 0 && !may_wrap)) break;
    if (k > 0) joined += ' ';
    joined += normalized[i + k];
    if (IsAttribution(joined)) return k + 1;
  }
  return 0;
}

bool IsSeparator(std::string_view normalized) {
  const std::string folded = Fold(normalized);
  if (folded == "begin forwarded message:" || folded == "début du message réexpédié :") {
    return true;
  }
  if (!folded.starts_with("--") || !folded.ends_with("--")) return false;
  const size_t from = folded.find_first_not_of("- ");
  if (from == std::string::npos) return false;
  const std::string_view inner =
      std::string_view(folded).substr(from, folded.find_last_not_of("- ") - from + 1);
  for (std::string_view label :
       {"original message", "forwarded message", "ursprüngliche nachricht",
        "weitergeleitete nachricht", "message d'origine", "message transféré", "mensaje original",
        "mensaje reenviado", "messaggio originale", "messaggio inoltrato", "oorspronkelijk bericht",
        "doorgestuurd bericht", "mensagem original", "mensagem encaminhada", "исходное сообщение",
        "пересылаемое сообщение", "الرسالة الأصلية"}) {
    if (inner == label) return true;
  }
  return false;
}

bool IsOutlookFrom(std::string_view folded) {
  return StartsWithAny(folded, {"from:", "de :", "de:", "von:", "от:", "van:", "da:", "من:"});
}

bool IsOutlookSent(std::string_view folded) {
  return StartsWithAny(
      folded, {"sent:", "date:", "envoyé :", "envoyé:", "date :", "gesendet:", "datum:", "enviado:",
               "enviada:", "fecha:", "inviato:", "data:", "verzonden:", "отправлено:", "дата:",
               "التاريخ:", "تاريخ الإرسال:"});
}

// "From: ..." followed within four non-blank lines by "Sent: ..." (or "Date:"), as Outlook
// heads the message it quotes without any '>' marks.
bool IsOutlookBlock(const std::vector<std::string>& normalized, size_t i) {
  if (!IsOutlookFrom(Fold(normalized[i]))) return false;
  size_t seen = 0;
  for (size_t j = i + 1; j < normalized.size() && seen < 4; ++j) {
    if (normalized[j].empty()) continue;
    ++seen;
    if (IsOutlookSent(Fold(normalized[j]))) return true;
  }
  return false;
}

bool IsRule(std::string_view normalized) {
  return normalized.size() >= 8 && normalized.find_first_not_of('_') == std::string_view::npos;
}

bool IsMobileSignature(std::string_view normalized) {
  if (normalized.size() > 100) return false;
  const std::string folded = Fold(normalized);
  if (folded.starts_with("von meinem ") && folded.ends_with("gesendet")) return true;
  return StartsWithAny(
      folded, {"sent from my ", "sent from mail for windows", "get outlook for ",
               "sent from yahoo mail", "envoyé de mon ", "envoyé depuis mon ", "enviado desde mi ",
               "enviado do meu ", "inviato da ", "verzonden vanaf ", "отправлено с "});
}

}  // namespace

namespace mime_parser_internal {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find_first_of("\r\n", at);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(at));
      break;
    }
    lines.push_back(text.substr(at, end - at));
    at = end + (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
  }
  return lines;
}

std::string JoinTidy(const std::vector<std::string>& lines) {
  std::string out;
  bool blank_pending = false;
  for (const std::string& line : lines) {
    const std::string_view kept = TrimRight(line);
    if (kept.empty()) {
      blank_pending = !out.empty();
      continue;
    }
    if (!out.empty()) out += blank_pending ? "\n\n" : "\n";
    blank_pending = false;
    out += kept;
  }
  return out;
}

std::string Fold(std::string_view text) {
  // GLib's case functions expect valid UTF-8.
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) {
    return AsciiLower(text);
  }
  GChars folded(g_utf8_casefold(text.data(), static_cast<gssize>(text.size())));
  return folded ? std::string(folded.get()) : std::string(text);
}

}  // namespace mime_parser_internal

std::string StripQuotedHistory(std::string_view text) {
  std::vector<std::string> raw;
  for (std::string_view line : SplitLines(text)) raw.emplace_back(line);
  std::vector<std::string> normalized;
  normalized.reserve(raw.size());
  for (const std::string& line : raw) normalized.push_back(NormalizeLine(line));

  std::vector<std::string> kept;
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string& line = normalized[i];
    if (line.starts_with('>')) continue;
    if (TrimRight(raw[i]) == "--") break;  // The "-- " signature delimiter.
    if (IsSeparator(line) || IsOutlookBlock(normalized, i)) break;
    if (IsRule(line)) {
      size_t next = i + 1;
      while (next < raw.size() && normalized[next].empty()) ++next;
      if (next == raw.size() || IsOutlookBlock(normalized, next) || IsSeparator(normalized[next])) {
        break;
      }
    }
    if (const size_t length = AttributionLength(normalized, i); length > 0) {
      size_t next = i + length;
      while (next < raw.size() && normalized[next].empty()) ++next;
      // Bottom-posting and interleaved answers: the quote is marked, so only it goes.
      if (next < raw.size() && normalized[next].starts_with('>')) {
        i += length - 1;
        continue;
      }
      break;  // Top-posting with an unmarked quote (Gmail's HTML, Outlook): the rest goes.
    }
    kept.push_back(raw[i]);
  }
  while (!kept.empty() && TrimAsciiSpace(kept.back()).empty()) kept.pop_back();
  if (!kept.empty() && IsMobileSignature(NormalizeLine(kept.back()))) kept.pop_back();
  return JoinTidy(kept);
}

}  // namespace ogw
