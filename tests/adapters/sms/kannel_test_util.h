#pragma once

#include <gtest/gtest.h>

#include <string>

#include "adapters/provider.h"
#include "adapters/sms/twilio_webhooks.h"

namespace ogw::kannel_test {

// smsbox's password and the key that signs delivery reports and incoming SMS; no result may
// ever show either.
inline constexpr char kPassword[] = "kannel-pass-4711";
inline constexpr char kDlrSecret[] = "dlr-hmac-key-0815";
inline constexpr char kProvider[] = "kannel-test";

inline OutboundMessage Message(const std::string& id, const std::string& to = "+4917012345678") {
  OutboundMessage m;
  m.message_id = id;
  m.org_id = "org_1";
  m.channel = Channel::kSms;
  m.to = to;
  m.text = "Meeting on Friday at the community hall, 18:00.";
  return m;
}

// The query of a request target ("/path?query"), decoded.
inline FormParams Query(const std::string& target) {
  const size_t question = target.find('?');
  if (question == std::string::npos) return {};
  absl::StatusOr<FormParams> params = ParseFormUrlEncoded(target.substr(question + 1));
  EXPECT_TRUE(params.ok()) << params.status();
  return params.ok() ? *params : FormParams{};
}

inline std::string Param(const FormParams& params, const std::string& name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return "<absent>";
}

}  // namespace ogw::kannel_test
