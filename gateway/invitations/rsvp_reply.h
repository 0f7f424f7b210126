#pragma once

// Reads an RSVP answer (yes / no / maybe) out of a person's reply to an invitation, on any
// channel and in their own language. Anything unclear is left for an officer: the reader never
// guesses, so a wrong answer is a bug and an unclear one is only extra work.
//
// How a reply is read:
//  1. A pressed button "rsvp:yes", "rsvp:no" or "rsvp:maybe" (RsvpButtonId) is the answer,
//     whatever the text says. Any other button is not an RSVP: unclear, text ignored (the text
//     is then that button's title).
//  2. Otherwise only the first line of the text with something other than spaces counts:
//     people answer on top, and e-mail arrives without its quoted history.
//  3. The line is folded with ICU: NFKC and case folding, accents removed from Latin and Greek
//     letters and vowel points from Arabic and Hebrew ("Sí" -> "si", "NÃO" -> "nao", "Όχι" ->
//     "οχι"); marks that are letters' vowels elsewhere (Devanagari, Cyrillic й, Japanese
//     dakuten) stay. Words are found by ICU word segmentation (so Chinese and Japanese work
//     without spaces); punctuation, emoji and spaces separate words.
//  4. With RsvpReplyOptions::numbered, a line that is a bare 1, 2 or 3 (in any digits: ASCII,
//     fullwidth, Arabic-Indic, Persian, keycap emoji) is yes, no or maybe.
//  5. The line must start with a word or phrase of the vocabulary ("oui", "tal vez", "не
//     смогу"); the longest one wins, and phrases do not run across commas. It is the answer
//     when nothing in the rest of the line contradicts it: no word of another answer, no
//     negation or regret after yes or maybe ("yes but I can't", "yes, unfortunately..."), no
//     condition or indecision after yes or no ("yes if I'm back", "no, not yet"). Phrases
//     such as "no problem" and "no sé" are no answer at all. Also unclear: a question mark
//     right after the answer ("Yes?"), and, when no punctuation follows the answer, a line
//     longer than 12 words or ending in a question.
//
// Some short words mean different things in different languages, or are also everyday words:
//  - Read only as the whole line or before punctuation ("Si." but not "si puedo voy", which is
//    "if I can, I go"): si, ja, da, no, не, nem, ano, ki, ha, haa, oo, 是, 好, 不, 可能, and
//    phrases like "I will come" ("I will come to the next one" is not a yes). A few lead a
//    longer line when the person's languages make that safe: no (en es it ca gl; Portuguese
//    "No sábado..." is "On Saturday"), ja (German, Dutch, Nordic), не (bg sr mk be), nem (hu).
//  - Read only as the whole line: y, n, hindi (also the language's name).
//  - Read only when RsvpReplyOptions::languages say the person speaks a language where the word
//    has exactly that meaning: tak (yes in Polish, no in Malay, "thanks" in Danish), так
//    (Ukrainian, Belarusian; "so" in Russian), ne (no in Czech or Serbian, yes in Greek written
//    in Latin letters), jo (no in Albanian, "good" in Hungarian), ya (Indonesian; "already" in
//    Spanish), nu, nei, ei, po, naam, la, ara, ...
//  - Never an answer: "ok" and its kin, and the opt-out keywords (STOP and the like), which the
//    caller handles before this.
//
// Cost: a few microseconds per reply. The vocabulary is folded once, on the first call.
// Thread-safety: call the functions from any thread; each thread keeps its own ICU word
// breaker, and the vocabulary is immutable once built.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ogw {

enum class RsvpAnswer { kYes, kNo, kMaybe };

// "yes", "no", "maybe": the names used in stored records and in the API.
std::string_view RsvpAnswerName(RsvpAnswer answer);
// The inverse of RsvpAnswerName (exact, lower case); nullopt for anything else.
std::optional<RsvpAnswer> ParseRsvpAnswerName(std::string_view name);
// The id of the quick-reply button that answers `answer`: "rsvp:yes", "rsvp:no", "rsvp:maybe".
// Invitations offer their buttons with these ids; ReadRsvpReply reads them back.
std::string RsvpButtonId(RsvpAnswer answer);

struct RsvpReplyOptions {
  // The invitation offered "1 yes, 2 no, 3 maybe": a bare 1, 2 or 3 is an answer.
  bool numbered = false;
  // The person's languages (BCP 47, e.g. Contact::languages), most preferred first; only the
  // primary subtag counts. Empty when unknown: then words whose meaning depends on the
  // language are not read at all.
  std::vector<std::string> languages;
};

struct RsvpReading {
  std::optional<RsvpAnswer> answer;  // nullopt: unclear, for an officer.
  // What the answer was read from, for the record: the folded word or phrase ("oui", "si",
  // "peut etre"), the digit ("2"), or "button " + the button id ("button rsvp:no"). Empty when
  // unclear.
  std::string matched;
};

// Reads the answer in one reply. `text`: what the person wrote (for e-mail, without quoted
// history), any bytes; invalid UTF-8 does no harm. `button`: the id of the button they
// pressed, "" for none. A first line longer than 2,048 bytes is unclear.
RsvpReading ReadRsvpReply(std::string_view text, std::string_view button,
                          const RsvpReplyOptions& options);

}  // namespace ogw
