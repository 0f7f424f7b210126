#pragma once

#include <string>
#include <string_view>

#include "gateway/core/channel.h"

namespace ogw {

// The opt-out instruction every message carries, as Markdown, in the recipient's language
// (primary subtag; English when the language is not in the catalogue). SMS and chat name the
// keyword the gateway listens for; e-mail asks for a reply with it and, given the person's
// one-click `unsubscribe_url` (also in the List-Unsubscribe header), links to it; bulletins
// are public pages and carry none.
std::string OptOutText(Channel channel, std::string_view language,
                       std::string_view unsubscribe_url = "");

}  // namespace ogw
