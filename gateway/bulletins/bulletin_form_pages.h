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
  std::vector<std::string> chat_channels;                   // BulletinForms::ChatChannels.
};

// The page after a subscription: what to do next (open the e-mail's link, type the code of
// the SMS, follow a chat link), and the code form again after a wrong code.
struct BulletinSubscribeNextView {
  BulletinFrame frame;
  std::string back_url;
  std::string confirm_url;  // Where the code form posts.
  // by_email, code_token, chat_links_sent, chat_links; errors: ("code", ...).
  BulletinFormOutcome outcome;
};

std::string BulletinReplyFormHtml(const BulletinFormView& view);
std::string BulletinSubscribeFormHtml(const BulletinFormView& view);
// After a reply was taken (or a robot's was ignored: it looks the same); `chat_links`
// (BulletinFormOutcome::chat_links) when the reader is to be answered on a chat app.
std::string BulletinReplyDoneHtml(
    const BulletinFrame& frame, std::string_view back_url,
    const std::vector<std::pair<std::string, std::string>>& chat_links);
std::string BulletinSubscribeNextHtml(const BulletinSubscribeNextView& view);
// After the code of the SMS was accepted.
std::string BulletinCodeConfirmedHtml(const BulletinFrame& frame, std::string_view back_url);
// "Too many messages just now": the answer with 429 and 503, in the reader's language.
std::string BulletinFormBusyHtml(const BulletinFrame& frame, std::string_view back_url);

}  // namespace ogw
