#pragma once

#include <string>

#include "adapters/provider.h"

namespace ogw::webhook_test {

// The secret of the auth header; no result may ever show it.
inline constexpr char kSecret[] = "s3cret-token-4711";

inline OutboundMessage Message(const std::string& id) {
  OutboundMessage m;
  m.message_id = id;
  m.org_id = "org_1";
  m.channel = Channel::kSms;
  m.to = "+4917012345678";
  m.from = "Diaspora";
  m.text = "Γεια σας! Meeting on Friday at the community hall.";
  return m;
}

}  // namespace ogw::webhook_test
