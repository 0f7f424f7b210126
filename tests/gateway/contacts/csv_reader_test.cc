#include "gateway/contacts/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Record {
  std::vector<std::string> fields;
  size_t line;
  bool operator==(const Record&) const = default;
};

void PrintTo(const Record& record, std::ostream* os) {
  *os << "line " << record.line << ":";
  for (const auto& f : record.fields) *os << " [" << f << "]";
}

// Reads all of `data`; fails the test on an error.
std::vector<Record> ReadAll(std::string_view data) {
  CsvReader reader(data);
  std::vector<Record> records;
  std::vector<std::string> fields;
  size_t line = 0;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&fields, &line);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    records.push_back({fields, line});
  }
  return records;
}

// Reads until the first error and returns it (OK if there was none).
absl::Status FirstError(std::string_view data) {
  CsvReader reader(data);
  std::vector<std::string> fields;
  size_t line = 0;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&fields, &line);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
  }
}

TEST(CsvReaderTest, ReadsSimpleRecordsWithLineNumbers) {
  EXPECT_THAT(ReadAll("name,phone\nNino,599123456\nAbebe,0911234567\n"),
              ElementsAre(Record{{"name", "phone"}, 1}, Record{{"Nino", "599123456"}, 2},
                          Record{{"Abebe", "0911234567"}, 3}));
}

TEST(CsvReaderTest, EmptyInputHasNoRecords) {
  EXPECT_TRUE(ReadAll("").empty());
  EXPECT_TRUE(ReadAll("\n\r\n\n").empty());
  EXPECT_TRUE(ReadAll("\xEF\xBB\xBF").empty());
}

TEST(CsvReaderTest, LastRecordNeedsNoLineBreak) {
  EXPECT_THAT(ReadAll("a,b\nc,d"), ElementsAre(Record{{"a", "b"}, 1}, Record{{"c", "d"}, 2}));
}

TEST(CsvReaderTest, HandlesCrlfAndLoneCr) {
  EXPECT_THAT(ReadAll("a,b\r\nc,d\r\n"), ElementsAre(Record{{"a", "b"}, 1}, Record{{"c", "d"}, 2}));
  EXPECT_THAT(ReadAll("a,b\rc,d\r"), ElementsAre(Record{{"a", "b"}, 1}, Record{{"c", "d"}, 2}));
  EXPECT_THAT(ReadAll("a\r\n\r\nb\n"), ElementsAre(Record{{"a"}, 1}, Record{{"b"}, 3}));
}

TEST(CsvReaderTest, SkipsUtf8ByteOrderMark) {
  EXPECT_THAT(ReadAll("\xEF\xBB\xBFname,city\r\nმარიამი,თბილისი\r\n"),
              ElementsAre(Record{{"name", "city"}, 1}, Record{{"მარიამი", "თბილისი"}, 2}));
}

TEST(CsvReaderTest, ByteOrderMarkOnlyAtStartIsSkipped) {
  // A BOM later in the file is content (and valid UTF-8), not skipped.
  EXPECT_THAT(ReadAll("a\n\xEF\xBB\xBF"
                      "b\n"),
              ElementsAre(Record{{"a"}, 1}, Record{{"\xEF\xBB\xBF"
                                                    "b"},
                                                   2}));
}

TEST(CsvReaderTest, SkipsEmptyLinesButCountsThem) {
  EXPECT_THAT(ReadAll("\n\na\n\n\nb\n\n"), ElementsAre(Record{{"a"}, 3}, Record{{"b"}, 6}));
}

TEST(CsvReaderTest, KeepsEmptyFieldsAndWhitespace) {
  EXPECT_THAT(ReadAll(",\n a , b \n,,x\n \n"),
              ElementsAre(Record{{"", ""}, 1}, Record{{" a ", " b "}, 2}, Record{{"", "", "x"}, 3},
                          Record{{" "}, 4}));
}

TEST(CsvReaderTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const std::string data =
      "name,note,city\n"
      "\"Beridze, Nino\",\"She said \"\"hi\"\"\",Tbilisi\n"
      "\"محمد\",\"line one\nline two\r\nline three\",\"\"\n"
      "after,\"\",x\n";
  EXPECT_THAT(ReadAll(data),
              ElementsAre(Record{{"name", "note", "city"}, 1},
                          Record{{"Beridze, Nino", "She said \"hi\"", "Tbilisi"}, 2},
                          Record{{"محمد", "line one\nline two\r\nline three", ""}, 3},
                          Record{{"after", "", "x"}, 6}));
}

TEST(CsvReaderTest, QuotedFieldAtEndOfInput) {
  EXPECT_THAT(ReadAll("a,\"b\""), ElementsAre(Record{{"a", "b"}, 1}));
  EXPECT_THAT(ReadAll("\"\"\"\""), ElementsAre(Record{{"\""}, 1}));
  EXPECT_THAT(ReadAll("\"\""), ElementsAre(Record{{""}, 1}));
}

TEST(CsvReaderTest, ReusesTheFieldVector) {
  CsvReader reader("a,b,c\nd\ne,f\n");
  std::vector<std::string> fields = {"stale", "stale", "stale", "stale", "stale"};
  size_t line = 0;
  ASSERT_TRUE(*reader.Next(&fields, &line));
  EXPECT_THAT(fields, ElementsAre("a", "b", "c"));
  ASSERT_TRUE(*reader.Next(&fields, &line));
  EXPECT_THAT(fields, ElementsAre("d"));
  ASSERT_TRUE(*reader.Next(&fields, &line));
  EXPECT_THAT(fields, ElementsAre("e", "f"));
  EXPECT_EQ(line, 3u);
  ASSERT_FALSE(*reader.Next(&fields, &line));
  EXPECT_THAT(fields, ElementsAre("e", "f"));  // Untouched at the end.
  EXPECT_EQ(line, 3u);
  ASSERT_FALSE(*reader.Next(&fields, &line));  // And stays at the end.
}

TEST(CsvReaderTest, UnterminatedQuoteNamesTheLineWhereTheFieldStarts) {
  const absl::Status status = FirstError("a,b\nc,\"never\nclosed\n\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("line 2:"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("never closed"));
}

TEST(CsvReaderTest, StrayQuoteInUnquotedFieldNamesItsLine) {
  const absl::Status status = FirstError("a,b\n\"multi\nline\",ok\nsay \"hi\",x\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("line 4:"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("quote inside an unquoted field"));
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsAnError) {
  const absl::Status status = FirstError("x\n\"a\nb\"c,d\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("line 3:"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("after a closing quote"));
  EXPECT_THAT(std::string(FirstError(" \"a\",b").message()),
              HasSubstr("line 1: quote inside an unquoted field"));
}

TEST(CsvReaderTest, InvalidUtf8NamesTheLine) {
  const absl::Status status = FirstError("name\nአበበ\nbad \xC3\x28 byte\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("line 3: text is not valid UTF-8"));
  // Inside a quoted multi-line field: the physical line of the bad byte.
  EXPECT_THAT(std::string(FirstError("a\n\"x\ny\nz\xFF\"\n").message()),
              HasSubstr("line 4: text is not valid UTF-8"));
  // Latin-1 exports are the usual culprit.
  EXPECT_THAT(std::string(FirstError("Stra\xDF"
                                     "e\n")
                              .message()),
              HasSubstr("line 1:"));
}

TEST(CsvReaderTest, ErrorIsSticky) {
  CsvReader reader("ok\nbad\"\nlater\n");
  std::vector<std::string> fields;
  size_t line = 0;
  ASSERT_TRUE(*reader.Next(&fields, &line));
  EXPECT_FALSE(reader.Next(&fields, &line).ok());
  EXPECT_FALSE(reader.Next(&fields, &line).ok());
}

TEST(CsvReaderTest, LineNumbersAfterMultiLineFieldsAndCrlf) {
  const std::string data = "h\r\n\"a\r\nb\r\nc\"\r\n\r\nd\r\n\"e\rf\"\ng\n";
  EXPECT_THAT(ReadAll(data), ElementsAre(Record{{"h"}, 1}, Record{{"a\r\nb\r\nc"}, 2},
                                         Record{{"d"}, 6}, Record{{"e\rf"}, 7}, Record{{"g"}, 9}));
}

TEST(CsvReaderTest, ReadsOneHundredThousandRowsQuickly) {
  std::string data = "name,post_id,languages,country,city,time_zone,tags,email,phone,consent\n";
  for (int i = 0; i < 100000; ++i) {
    data += "\"Beridze, Nino ";
    data += std::to_string(i);
    data += "\",p_berlin,ka;ru,DE,Berlin,Europe/Berlin,volunteer;choir,nino";
    data += std::to_string(i);
    data += "@example.com,+49 30 1234567,granted\r\n";
  }
  const auto start = std::chrono::steady_clock::now();
  CsvReader reader(data);
  std::vector<std::string> fields;
  size_t line = 0;
  size_t records = 0;
  size_t bytes = 0;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&fields, &line);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    ASSERT_EQ(fields.size(), 10u);
    bytes += fields[0].size();
    ++records;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(records, 100001u);
  EXPECT_EQ(line, 100001u);
  EXPECT_GT(bytes, 0u);
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(seconds, 0.3) << "read " << data.size() << " bytes";
#else
  EXPECT_LT(seconds, 10.0) << "read " << data.size() << " bytes";
#endif
  RecordProperty("seconds", std::to_string(seconds));
}

}  // namespace
}  // namespace ogw
