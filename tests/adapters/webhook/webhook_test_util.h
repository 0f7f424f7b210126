#pragma once

#include <string>

#include "adapters/provider.h"
#include "tests/testutil/provider_test_util.h"

namespace ogw::webhook_test {

// The secret of the auth header; no result may ever show it.
inline constexpr char kSecret[] = "s3cret-token-4711";

inline OutboundMessage Message(const std::string& id) {
  OutboundMessage m =
      testing::TestSms(id, "+4917012345678", "Γεια σας! Meeting on Friday at the community hall.");
  m.from = "Diaspora";
  return m;
}

}  // namespace ogw::webhook_test
