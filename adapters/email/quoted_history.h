#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ogw {

// Removes what a reply quotes or appends, keeping what the person wrote:
//   - lines starting with '>' (wherever they are, so interleaved answers survive);
//   - an attribution line (possibly wrapped over up to three lines) when quoted lines follow
//     it, and everything from it on when they do not: "On <date>, <name> wrote:", fr "Le ...
//     a écrit :", es "El ... escribió:", de "Am ... schrieb ...:", pt "Em ... escreveu:",
//     it "Il ... ha scritto:", nl "Op ... schreef ...:", ru "... написал(а):", ar "... كتب
//     ...:"; it must contain a digit (the date) or an '@';
//   - from a "-----Original Message-----" style separator (and its fr, de, es, it, nl, pt,
//     ru forms, "Forwarded message", "Begin forwarded message:") on;
//   - from an Outlook header block ("From:" followed within four lines by "Sent:" or "Date:",
//     or their fr, de, es, it, nl, pt, ru forms, with a preceding "_____" rule) on;
//   - from the "-- " signature delimiter on;
//   - a closing "Sent from my iPhone" style line.
// Line endings become "\n", trailing spaces go, blank-line runs shrink to one, and leading and
// trailing blank lines are dropped. Thread-safe.
std::string StripQuotedHistory(std::string_view text);

// Line helpers the other parts of the e-mail parser share (html_to_text.cc, dsn_parser.cc,
// mime_parser.cc). Not an API: no GMime initialisation needed, thread-safe.
namespace mime_parser_internal {

// ASCII white space.
inline constexpr std::string_view kSpaces = " \t\r\n\f\v";

// The lines of `text`, split at "\r\n", "\r" or "\n"; a final line ending adds no empty line.
std::vector<std::string_view> SplitLines(std::string_view text);

// Joins lines with "\n" after dropping trailing spaces, shrinking blank-line runs to one and
// dropping leading and trailing blank lines.
std::string JoinTidy(const std::vector<std::string>& lines);

// Unicode case folding, so "Réponse" and "АВТООТВЕТ" match their lower-case patterns. Text
// that is not valid UTF-8 is only ASCII-lowered.
std::string Fold(std::string_view text);

}  // namespace mime_parser_internal

}  // namespace ogw
