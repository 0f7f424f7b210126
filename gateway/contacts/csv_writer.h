#pragma once

// Writing RFC 4180 CSV, the counterpart of CsvReader.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace ogw {

// One CSV record (cells with a comma, quote or line break quoted, quotes doubled, CRLF after
// each record). Officers open these files in spreadsheets, which run a cell that starts with
// = + - @ (or a tab or CR, OWASP's list) as a formula, so such a cell gets a leading
// apostrophe and shows as the text it is; UnprotectCsvCell takes it off again on import.
void AppendCsvRecord(std::string* out, std::initializer_list<std::string_view> cells);
void AppendCsvRecord(std::string* out, const std::vector<std::string>& cells);

// A cell as written before AppendCsvRecord protected it: "'+4915..." reads "+4915...".
std::string_view UnprotectCsvCell(std::string_view cell);

}  // namespace ogw
