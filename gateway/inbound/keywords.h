#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ogw {

// What a short inbound message asks for.
enum class KeywordIntent { kNone, kStop, kStart };

// Recognises opt-out and opt-in keywords. A message is a keyword only when, apart from spaces
// and punctuation around it, it is nothing but the keyword: "STOP", "stop!", " Arrêter " and
// "СТОП." are; "please don't stop" is not. Comparison folds case and accents (ICU), so
// "ARRET", "arrêt" and "Arrêt" are one keyword. Thread-safe after construction.
class KeywordMatcher {
 public:
  // The default lists cover the languages of the gateway's audiences (docs/ARCHITECTURE.md).
  static const std::vector<std::string>& DefaultStopKeywords();
  static const std::vector<std::string>& DefaultStartKeywords();

  KeywordMatcher(const std::vector<std::string>& stop, const std::vector<std::string>& start);

  KeywordIntent Match(std::string_view text) const;

  // Case-, accent- and punctuation-folded form used for comparison; "" for empty input.
  static std::string Fold(std::string_view text);

 private:
  std::vector<std::string> stop_;
  std::vector<std::string> start_;
};

// The one confirmation sent after an opt-out or opt-in, in the first of `languages` that has
// one (English otherwise).
std::string OptOutConfirmation(const std::vector<std::string>& languages);
std::string OptInConfirmation(const std::vector<std::string>& languages);
// Asks the person to confirm, by following `link`, that they want messages on this channel
// again: sent instead of re-granting at once when the START came from a sender that cannot be
// authenticated (e-mail).
std::string OptInRequest(const std::vector<std::string>& languages, std::string_view link);
// The same by SMS: the six-digit `code` to type on the page where the person subscribed.
std::string OptInCodeRequest(const std::vector<std::string>& languages, std::string_view code);
// A line that introduces `links` (the app's name, its link), then one line per link.
std::string ChatLinksText(const std::vector<std::string>& languages,
                          const std::vector<std::pair<std::string, std::string>>& links);

}  // namespace ogw
