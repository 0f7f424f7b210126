#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace ogw {

// Reads RFC 4180 CSV from a buffer holding the whole file.
//
// Accepted: a leading UTF-8 byte order mark (skipped); records ending in CRLF, LF or a lone CR;
// a missing line break after the last record; fields in double quotes holding commas, line
// breaks (kept as written) and doubled quotes ("" -> "). Completely empty lines are skipped;
// a line holding only spaces is a record with one field. Fields are returned as written, not
// trimmed.
//
// Errors (InvalidArgument, message starting "line N: ", N being the 1-based physical line of
// the offending byte): a quote inside an unquoted field, text after a closing quote, a quote
// never closed (N = line where the field started), bytes that are not well-formed UTF-8.
// After an error the reader stays at the failing record; callers stop reading.
//
// Thread-safety: none; one reader per thread. `data` must outlive the reader.
class CsvReader {
 public:
  explicit CsvReader(std::string_view data);

  // Reads the next record into `*fields` (replacing its contents) and the line it starts on
  // into `*line`. Returns false, leaving both untouched, once the input is exhausted.
  absl::StatusOr<bool> Next(std::vector<std::string>* fields, size_t* line);

 private:
  // Line number of `offset`, counting from the start of the current record.
  size_t LineAt(size_t offset) const;

  std::string_view data_;
  size_t pos_ = 0;
  size_t line_ = 1;          // Physical line at pos_.
  size_t record_start_ = 0;  // Offset and line of the record being read, for LineAt.
  size_t record_line_ = 1;
};

}  // namespace ogw
