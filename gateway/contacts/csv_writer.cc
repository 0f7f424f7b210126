#include "gateway/contacts/csv_writer.h"

namespace ogw {
namespace {

constexpr std::string_view kFormulaStarts = "=+-@\t\r";

template <typename Cells>
void AppendRecord(std::string* out, const Cells& cells) {
  bool first = true;
  for (std::string_view text : cells) {
    if (!first) *out += ',';
    first = false;
    const bool protect =
        !text.empty() && kFormulaStarts.find(text.front()) != std::string_view::npos;
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
      if (protect) *out += '\'';
      *out += text;
      continue;
    }
    *out += '"';
    if (protect) *out += '\'';
    for (char c : text) {
      if (c == '"') *out += '"';
      *out += c;
    }
    *out += '"';
  }
  *out += "\r\n";
}

}  // namespace

void AppendCsvRecord(std::string* out, std::initializer_list<std::string_view> cells) {
  AppendRecord(out, cells);
}

void AppendCsvRecord(std::string* out, const std::vector<std::string>& cells) {
  AppendRecord(out, cells);
}

std::string_view UnprotectCsvCell(std::string_view cell) {
  if (cell.size() >= 2 && cell.front() == '\'' &&
      kFormulaStarts.find(cell[1]) != std::string_view::npos) {
    cell.remove_prefix(1);
  }
  return cell;
}

}  // namespace ogw
