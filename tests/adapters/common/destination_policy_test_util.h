#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adapters/common/destination_policy.h"

namespace ogw::destination_policy_test {

// The policy allowing `allowed` beyond the public addresses; a test failure and null if it
// cannot be made.
inline std::shared_ptr<const DestinationPolicy> Policy(
    const std::vector<std::string>& allowed = {}) {
  auto policy = DestinationPolicy::Make(allowed);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : nullptr;
}

}  // namespace ogw::destination_policy_test
