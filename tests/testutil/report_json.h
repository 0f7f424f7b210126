#pragma once

// Reading campaign reports (GET /v1/campaigns/{id}/report) in tests.

#include <string>

#include <nlohmann/json.hpp>

namespace ogw::testing {

// The row of `value` in the report's breakdown by `dimension`; {} when there is none.
inline nlohmann::json BreakdownRow(const nlohmann::json& report, const std::string& dimension,
                                   const std::string& value) {
  for (const nlohmann::json& b : report["breakdowns"]) {
    if (b["dimension"] != dimension) continue;
    for (const nlohmann::json& v : b["values"]) {
      if (v["value"] == value) return v;
    }
  }
  return nlohmann::json::object();
}

}  // namespace ogw::testing
