#pragma once

// Files the test servers write their configuration to and read their logs from.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace ogw::testing {

// The whole file; empty when it cannot be read (a log not written yet).
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline absl::Status WriteFile(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) return absl::InternalError("cannot write " + path.string());
  return absl::OkStatus();
}

}  // namespace ogw::testing
