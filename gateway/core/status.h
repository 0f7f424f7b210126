#pragma once

// Expected failures travel as absl::Status / absl::StatusOr<T> with canonical codes.
// Exceptions thrown by libraries are caught at the edge and converted.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <string_view>

// Debian's Abseil has its own string_view type; this gives a status message as std::string_view.
inline std::string_view MessageOf(const absl::Status& status) {
  return {status.message().data(), status.message().size()};
}

#define OGW_CONCAT_INNER(a, b) a##b
#define OGW_CONCAT(a, b) OGW_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` yields a non-OK status.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status _ogw_status = (expr);       \
    if (!_ogw_status.ok()) return _ogw_status; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, Foo());` declares x from an OK StatusOr or returns its status.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  OGW_ASSIGN_OR_RETURN_IMPL(OGW_CONCAT(_ogw_statusor_, __LINE__), lhs, rexpr)
#define OGW_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                              \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
