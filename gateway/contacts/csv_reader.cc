#include "gateway/contacts/csv_reader.h"

#include <cstring>

#include "gateway/contacts/normalize.h"

namespace ogw {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

absl::Status LineError(size_t line, std::string_view message) {
  std::string text = "line " + std::to_string(line) + ": ";
  text.append(message);
  return absl::InvalidArgumentError(std::move(text));
}

bool EndsField(char c) { return c == ',' || c == '\n' || c == '\r'; }

}  // namespace

CsvReader::CsvReader(std::string_view data) : data_(data) {
  if (data_.substr(0, kUtf8Bom.size()) == kUtf8Bom) pos_ = kUtf8Bom.size();
}

size_t CsvReader::LineAt(size_t offset) const {
  size_t line = record_line_;
  for (size_t i = record_start_; i < offset; ++i) {
    if (data_[i] == '\n') {
      ++line;
    } else if (data_[i] == '\r' && (i + 1 >= data_.size() || data_[i + 1] != '\n')) {
      ++line;
    }
  }
  return line;
}

absl::StatusOr<bool> CsvReader::Next(std::vector<std::string>* fields, size_t* line) {
  const char* const d = data_.data();
  const size_t n = data_.size();
  while (pos_ < n && (d[pos_] == '\n' || d[pos_] == '\r')) {
    if (d[pos_] == '\r' && pos_ + 1 < n && d[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }
  if (pos_ >= n) return false;
  record_start_ = pos_;
  record_line_ = line_;

  // Strings of earlier records are reused so a long import does not allocate per field.
  size_t count = 0;
  bool saw_quoted = false;
  size_t i = pos_;
  while (true) {
    if (count == fields->size()) fields->emplace_back();
    std::string& field = (*fields)[count++];
    field.clear();
    if (i < n && d[i] == '"') {
      saw_quoted = true;
      const size_t opening = i;
      ++i;
      while (true) {
        const void* quote = std::memchr(d + i, '"', n - i);
        if (quote == nullptr) return LineError(LineAt(opening), "quoted field is never closed");
        const size_t q = static_cast<size_t>(static_cast<const char*>(quote) - d);
        field.append(d + i, q - i);
        if (q + 1 < n && d[q + 1] == '"') {
          field.push_back('"');
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < n && !EndsField(d[i])) {
        return LineError(LineAt(i), "unexpected character after a closing quote");
      }
    } else {
      const size_t start = i;
      while (i < n && !EndsField(d[i])) {
        if (d[i] == '"') {
          return LineError(LineAt(i),
                           "quote inside an unquoted field (quote the whole field "
                           "and double the quote)");
        }
        ++i;
      }
      field.assign(d + start, i - start);
    }
    if (i < n && d[i] == ',') {
      ++i;
      continue;
    }
    break;
  }

  const size_t bad = FindInvalidUtf8(data_.substr(record_start_, i - record_start_));
  if (bad != std::string_view::npos) {
    return LineError(LineAt(record_start_ + bad), "text is not valid UTF-8");
  }

  // Only quoted fields can hold line breaks, so most records skip the rescan.
  line_ = saw_quoted ? LineAt(i) : record_line_;
  if (i < n) {
    if (d[i] == '\r' && i + 1 < n && d[i + 1] == '\n') ++i;
    ++i;
    ++line_;
  }
  pos_ = i;
  fields->resize(count);
  *line = record_line_;
  return true;
}

}  // namespace ogw
