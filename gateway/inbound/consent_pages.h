#pragma once

// The pages behind the links the gateway puts in messages to confirm a subscription
// (/c/{token}), to unsubscribe (/u/{token}) and to mark a survey done (/done/{token}), in
// the reader's language: the same ten
// languages as the gateway's other texts for people, right to left in Arabic. Light: no
// script, no request to anyone else, one small inline style, readable on a 360-pixel screen.

#include <string>
#include <string_view>

namespace ogw {

enum class ConsentPage {
  kLinkInvalid,         // A forged, altered or expired link (404).
  kConfirmOptIn,        // GET /c/{token}: a button that posts to the same address.
  kOptedIn,             // After POST /c/{token}.
  kConfirmUnsubscribe,  // GET /u/{token}: a button posting List-Unsubscribe=One-Click (RFC 8058).
  kUnsubscribed,        // After POST /u/{token}.
  kTryAgain,            // The change could not be stored (503).
  kSurveyDone,          // After /done/{token}: the survey's answers are counted.
};

// The reader's language among the ten: `requested` (a ?lang= value; case and region ignored,
// so "FR" and "fr-CA" are "fr") when it is one of them, else the best match of the
// Accept-Language header `accept_language` (q-values honoured, "fr-CA" matches "fr"), else
// "en".
std::string ConsentPageLanguage(std::string_view requested, std::string_view accept_language);

// The whole HTML document of `page` in `language` (one of ConsentPageLanguage's answers;
// English for any other). The two confirm pages hold a form posting to the page's own address
// (with its ?lang=), so a GET never changes anything.
std::string ConsentPageHtml(ConsentPage page, std::string_view language);

}  // namespace ogw
