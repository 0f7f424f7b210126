#pragma once

#include <spdlog/spdlog.h>

#include <functional>
#include <string>
#include <utility>

#include "gateway/api/problem.h"
#include "gateway/core/status.h"

namespace ogw {

// A download (`<filename>.csv` or `.json`) streamed as `produce` writes it, chunk by chunk, so
// any size exports in bounded memory. A reader that goes away cancels it; another failure
// cuts the download short and is logged with `what`.
inline ApiResponse StreamedExport(bool csv, const std::string& filename, std::string what,
                                  std::function<absl::Status(const ApiResponse::Writer&)> produce) {
  ApiResponse r;
  r.status = 200;
  r.content_type = csv ? "text/csv; charset=utf-8" : "application/json";
  r.headers["Content-Disposition"] =
      "attachment; filename=\"" + filename + (csv ? ".csv" : ".json") + "\"";
  r.stream = [what = std::move(what),
              produce = std::move(produce)](const ApiResponse::Writer& write) {
    absl::Status s = produce(write);
    if (!s.ok() && !absl::IsCancelled(s)) {
      spdlog::warn("{}: export cut short: {}", what, MessageOf(s));
    }
    return s.ok();
  };
  return r;
}

}  // namespace ogw
