#pragma once

// Reading the (path, message) problems that the model readers (TemplateFromJson,
// EventFromJson) report, in tests.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ogw::testing {

using FieldProblems = std::vector<std::pair<std::string, std::string>>;

// The message at `path`, or "" when there is none.
inline std::string MessageAt(const FieldProblems& errors, std::string_view path) {
  for (const auto& [p, message] : errors) {
    if (p == path) return message;
  }
  return "";
}

// Every problem on its own line, for a failing assertion's message.
inline std::string Dump(const FieldProblems& errors) {
  std::string out;
  for (const auto& [p, m] : errors) out += p + ": " + m + "\n";
  return out;
}

}  // namespace ogw::testing
