#pragma once

#include <string>

#include "adapters/provider.h"
#include "tests/testutil/provider_test_util.h"

namespace ogw::twilio_test {

// The credentials of the test account; no result may ever show the token.
inline constexpr char kAccountSid[] = "AC0123456789abcdef0123456789abcdef";
inline constexpr char kAuthToken[] = "f00dfacecafe4711deadbeef00c0ffee";

inline OutboundMessage Message(const std::string& id, const std::string& to = "+4917012345678") {
  return testing::TestSms(id, to, "Γεια σας! Meeting on Friday at the community hall.");
}

}  // namespace ogw::twilio_test
