#pragma once

// The pages of the bulletins' reply and subscription forms, in the reader's language: the
// form (again with what was typed and each problem next to its field after an error), and
// the page after it. Light like the other bulletin pages: no script, no third-party request;
// labelled fields and an error summary for screen readers.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/bulletins/bulletin_forms.h"
#include "gateway/bulletins/bulletin_pages.h"

namespace ogw {

struct BulletinFormView {
  BulletinFrame frame;
  std::string form_url;  // Absolute, without ?lang= (the form posts there).
  std::string back_url;  // The entry replied to, or the bulletin's index.
  std::string token;     // Fresh for each showing.
  std::string entry_title;
  BulletinFormFields values;  // Shown again after an error (never the token or honeypot).
  std::vector<std::pair<std::string, std::string>> errors;  // BulletinFormOutcome::errors.
};

std::string BulletinReplyFormHtml(const BulletinFormView& view);
std::string BulletinSubscribeFormHtml(const BulletinFormView& view);
// After a form was taken (or a robot's was ignored: it looks the same).
std::string BulletinFormDoneHtml(const BulletinFrame& frame, bool subscription,
                                 std::string_view back_url);
// "Too many messages just now": the answer with 429 and 503, in the reader's language.
std::string BulletinFormBusyHtml(const BulletinFrame& frame, std::string_view back_url);

}  // namespace ogw
