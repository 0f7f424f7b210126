#pragma once

#include <gmock/gmock.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ogw::testing {

// How a secret is named in test output: its first three characters and its length, enough to
// tell which one leaked without printing it.
inline std::string SecretHint(std::string_view secret) {
  return "\"" + std::string(secret.substr(0, 3)) + "...\" (" + std::to_string(secret.size()) +
         " chars)";
}

// Matches text (an API answer, a log, a stored value, an error) that contains none of
// `secrets`. On a mismatch it names every secret found, by SecretHint, and where it starts.
// An empty secret counts as found: it is a mistake in the test, not a pass.
//
// Neither the description nor the explanation carries a secret in full. gMock still prints
// the value under test, so a failing check shows the leaked text there.
class ContainsNoneOfMatcher {
 public:
  using is_gtest_matcher = void;

  explicit ContainsNoneOfMatcher(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {}

  bool MatchAndExplain(std::string_view text, std::ostream* os) const {
    bool clean = true;
    for (const std::string& secret : secrets_) {
      const size_t at = text.find(secret);
      if (at == std::string_view::npos) continue;
      if (os != nullptr) {
        *os << (clean ? "leaks " : ", ") << SecretHint(secret) << " at offset " << at;
      }
      clean = false;
    }
    return clean;
  }
  void DescribeTo(std::ostream* os) const { Describe("contains none of", os); }
  void DescribeNegationTo(std::ostream* os) const { Describe("contains one of", os); }

 private:
  void Describe(const char* what, std::ostream* os) const {
    *os << what << " " << secrets_.size() << " secret(s):";
    for (const std::string& secret : secrets_) *os << " " << SecretHint(secret);
  }

  std::vector<std::string> secrets_;
};

inline ContainsNoneOfMatcher ContainsNoneOf(std::vector<std::string> secrets) {
  return ContainsNoneOfMatcher(std::move(secrets));
}

}  // namespace ogw::testing
