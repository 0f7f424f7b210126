#pragma once

#include <string>

#include "adapters/provider.h"

namespace ogw::twilio_test {

// The credentials of the test account; no result may ever show the token.
inline constexpr char kAccountSid[] = "AC0123456789abcdef0123456789abcdef";
inline constexpr char kAuthToken[] = "f00dfacecafe4711deadbeef00c0ffee";

inline OutboundMessage Message(const std::string& id, const std::string& to = "+4917012345678") {
  OutboundMessage m;
  m.message_id = id;
  m.org_id = "org_1";
  m.channel = Channel::kSms;
  m.to = to;
  m.text = "Γεια σας! Meeting on Friday at the community hall.";
  return m;
}

}  // namespace ogw::twilio_test
