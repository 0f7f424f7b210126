#include "gateway/segments/segment_expression.h"

#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ogw {
namespace {

using ::testing::HasSubstr;

Address MakeAddress(AddressKind kind, std::string value, ConsentState consent,
                    bool opted_out = false) {
  Address address;
  address.kind = kind;
  address.value = std::move(value);
  address.consent.state = consent;
  address.opted_out = opted_out;
  return address;
}

// A Georgian speaker in Berlin: numeric attributes stored as numbers and as numeric text.
Contact Nino() {
  Contact c;
  c.id = "c_nino";
  c.org_id = "o_1";
  c.post_id = "p_berlin";
  c.name = "ნინო ბერიძე";
  c.languages = {"ka-GE", "de"};
  c.country = "DE";
  c.city = "Berlin";
  c.time_zone = "Europe/Berlin";
  c.attributes = {
      {"age", 34.0},
      {"score", std::string("12.5")},
      {"tier", std::string("gold")},
      {"zip", std::string("0123")},
      {"household-size", 3.0},
  };
  c.tags = {"student", "vip"};
  c.addresses = {
      MakeAddress(AddressKind::kEmail, "nino@example.org", ConsentState::kGranted),
      MakeAddress(AddressKind::kWhatsApp, "+4915112345678", ConsentState::kUnknown),
      MakeAddress(AddressKind::kPhone, "+4915112345678", ConsentState::kGranted,
                  /*opted_out=*/true),
  };
  c.verified = true;
  return c;
}

// An unverified contact in Athens whose primary language tag is stored in upper case.
Contact Giorgi() {
  Contact c;
  c.id = "c_giorgi";
  c.org_id = "o_1";
  c.post_id = "p_athens";
  c.name = "Giorgi Papadopoulos";
  c.languages = {"el", "KA"};
  c.country = "GR";
  c.city = "Athens";
  c.time_zone = "Europe/Athens";
  c.attributes = {
      {"age", std::string("29")},
      {"tier", std::string("silver")},
      {"score", 7.0},
  };
  c.tags = {"volunteer"};
  c.addresses = {MakeAddress(AddressKind::kPhone, "+306912345678", ConsentState::kGranted)};
  c.verified = false;
  return c;
}

// Nothing filled in but the id: every text field is empty and there are no attributes.
Contact Blank() {
  Contact c;
  c.id = "c_blank";
  return c;
}

SegmentExpression Compile(std::string_view text) {
  absl::StatusOr<SegmentExpression> expression = SegmentExpression::Parse(text);
  if (!expression.ok()) {
    ADD_FAILURE() << "Parse(" << text << ") failed: " << expression.status();
    return *SegmentExpression::Parse("false");
  }
  return *std::move(expression);
}

bool Matches(std::string_view text, const Contact& contact) {
  return Compile(text).Matches(contact);
}

// Which of Nino, Giorgi, Blank match, as a string like "NG-", to keep expectations compact.
std::string Who(std::string_view text) {
  SegmentExpression e = Compile(text);
  std::string who;
  who += e.Matches(Nino()) ? 'N' : '-';
  who += e.Matches(Giorgi()) ? 'G' : '-';
  who += e.Matches(Blank()) ? 'B' : '-';
  return who;
}

SegmentParseError ErrorOf(std::string_view text) {
  absl::StatusOr<SegmentExpression> expression = SegmentExpression::Parse(text);
  if (expression.ok()) {
    ADD_FAILURE() << "Parse(" << text << ") succeeded but should have failed";
    return {};
  }
  EXPECT_EQ(expression.status().code(), absl::StatusCode::kInvalidArgument);
  std::optional<SegmentParseError> error = SegmentParseErrorFromStatus(expression.status());
  if (!error) {
    ADD_FAILURE() << "not a parse error: " << expression.status();
    return {};
  }
  return *error;
}

// Expects Parse(text) to fail at byte `expected_position` with `fragment` in the message.
#define EXPECT_PARSE_ERROR(text, expected_position, fragment)               \
  do {                                                                      \
    const SegmentParseError parse_error = ErrorOf(text);                    \
    EXPECT_EQ(parse_error.position, static_cast<size_t>(expected_position)) \
        << (text) << " -> " << parse_error.message;                         \
    EXPECT_THAT(parse_error.message, HasSubstr(fragment)) << (text);        \
  } while (0)

// ------------------------------------------------------------------------------------------
// Basics

TEST(SegmentExpressionTest, KeepsTextVerbatim) {
  const std::string text = "  country = \"DE\"\n";
  EXPECT_EQ(Compile(text).text(), text);
}

TEST(SegmentExpressionTest, TrueAndFalseConstants) {
  EXPECT_EQ(Who("true"), "NGB");
  EXPECT_EQ(Who("false"), "---");
  EXPECT_EQ(Who("TRUE"), "NGB");
  EXPECT_EQ(Who("False"), "---");
}

TEST(SegmentExpressionTest, CopiesAndMovesShareBehaviour) {
  SegmentExpression original = Compile("country = \"DE\"");
  SegmentExpression copy = original;
  EXPECT_TRUE(copy.Matches(Nino()));
  EXPECT_FALSE(copy.Matches(Giorgi()));
  EXPECT_EQ(copy.text(), original.text());

  SegmentExpression moved = std::move(copy);
  EXPECT_TRUE(moved.Matches(Nino()));
  EXPECT_EQ(moved.text(), "country = \"DE\"");

  SegmentExpression assigned = Compile("false");
  assigned = original;
  EXPECT_TRUE(assigned.Matches(Nino()));

  std::vector<SegmentExpression> many(3, original);
  for (const SegmentExpression& e : many) EXPECT_TRUE(e.Matches(Nino()));
}

// ------------------------------------------------------------------------------------------
// Text fields

TEST(SegmentExpressionTest, EveryTextFieldSupportsEquality) {
  EXPECT_EQ(Who("id = \"c_nino\""), "N--");
  EXPECT_EQ(Who("name = \"Giorgi Papadopoulos\""), "-G-");
  EXPECT_EQ(Who("post = \"p_athens\""), "-G-");
  EXPECT_EQ(Who("country = \"DE\""), "N--");
  EXPECT_EQ(Who("city = \"Berlin\""), "N--");
  EXPECT_EQ(Who("timezone = \"Europe/Athens\""), "-G-");
  EXPECT_EQ(Who("city != \"Berlin\""), "-GB");
}

TEST(SegmentExpressionTest, EmptyTextFieldsCompareAsEmptyText) {
  EXPECT_EQ(Who("post = \"\""), "--B");
  EXPECT_EQ(Who("country = \"\""), "--B");
  EXPECT_EQ(Who("post != \"\""), "NG-");
}

TEST(SegmentExpressionTest, OrderingOnTextIsByteWise) {
  // "" < "Athens" < "Berlin".
  EXPECT_EQ(Who("city < \"Berlin\""), "-GB");
  EXPECT_EQ(Who("city <= \"Berlin\""), "NGB");
  EXPECT_EQ(Who("city > \"Athens\""), "N--");
  EXPECT_EQ(Who("city >= \"Athens\""), "NG-");
  EXPECT_EQ(Who("city > \"B\""), "N--");
  // Upper case sorts before lower case in byte order.
  EXPECT_EQ(Who("city < \"athens\""), "NGB");
}

TEST(SegmentExpressionTest, TextComparisonIsCaseSensitiveExceptCountry) {
  EXPECT_EQ(Who("city = \"berlin\""), "---");
  EXPECT_EQ(Who("name = \"giorgi papadopoulos\""), "---");
  EXPECT_EQ(Who("country = \"de\""), "N--");
  EXPECT_EQ(Who("country = \"De\""), "N--");
  EXPECT_EQ(Who("country != \"de\""), "-GB");
  EXPECT_EQ(Who("country in (\"de\", \"gr\")"), "NG-");
  EXPECT_EQ(Who("country > \"de\""), "-G-");  // Compared as "DE".
}

TEST(SegmentExpressionTest, ScalarMembership) {
  EXPECT_EQ(Who("country in (\"DE\", \"GR\")"), "NG-");
  EXPECT_EQ(Who("country in (\"GR\")"), "-G-");
  EXPECT_EQ(Who("country in (\"FR\", \"IT\", \"ES\")"), "---");
  EXPECT_EQ(Who("country in (\"GR\", \"GR\", \"DE\")"), "NG-");  // Duplicates are harmless.
  EXPECT_EQ(Who("country not in (\"DE\")"), "-GB");
  EXPECT_EQ(Who("city in (\"Athens\", \"Berlin\")"), "NG-");
  EXPECT_EQ(Who("post in (\"\", \"p_athens\")"), "-GB");
  EXPECT_EQ(Who("timezone not in (\"Europe/Berlin\", \"Europe/Athens\")"), "--B");
}

TEST(SegmentExpressionTest, UnicodeTextWorks) {
  EXPECT_EQ(Who("name = \"ნინო ბერიძე\""), "N--");
  EXPECT_EQ(Who("name != \"ნინო ბერიძე\""), "-GB");
  EXPECT_EQ(Who("starts_with(name, \"ნინო\")"), "N--");
  EXPECT_EQ(Who("name in (\"ნინო ბერიძე\", \"Γιώργος\")"), "N--");
  // Georgian letters (U+10D0..) sort after every ASCII letter byte-wise.
  EXPECT_EQ(Who("name > \"Z\""), "N--");
  EXPECT_EQ(Who("name > \"ნ\""), "N--");
  EXPECT_EQ(Who("name < \"ნ\""), "-GB");

  Contact tbilisi = Blank();
  tbilisi.city = "თბილისი";
  EXPECT_TRUE(Matches("city = \"თბილისი\"", tbilisi));
  EXPECT_TRUE(Matches("city in (\"ქუთაისი\", \"თბილისი\")", tbilisi));
  EXPECT_FALSE(Matches("city = \"თბილის\"", tbilisi));
}

TEST(SegmentExpressionTest, StringEscapes) {
  Contact quoted = Blank();
  quoted.name = "Nino \"the\" \\ great";
  EXPECT_TRUE(Matches(R"(name = "Nino \"the\" \\ great")", quoted));
  EXPECT_FALSE(Matches(R"(name = "Nino \"the\" \\\\ great")", quoted));
  EXPECT_TRUE(Matches(R"(starts_with(name, "Nino \""))", quoted));
}

// ------------------------------------------------------------------------------------------
// verified

TEST(SegmentExpressionTest, Verified) {
  EXPECT_EQ(Who("verified = true"), "N-B");
  EXPECT_EQ(Who("verified = false"), "-G-");
  EXPECT_EQ(Who("verified != true"), "-G-");
  EXPECT_EQ(Who("verified != false"), "N-B");
  EXPECT_EQ(Who("verified"), "N-B");
  EXPECT_EQ(Who("not verified"), "-G-");
  EXPECT_EQ(Who("VERIFIED = TRUE"), "N-B");
  EXPECT_EQ(Who("(verified)"), "N-B");
  EXPECT_EQ(Who("verified and country = \"DE\""), "N--");
}

// ------------------------------------------------------------------------------------------
// List fields

TEST(SegmentExpressionTest, LanguagesMatchOnPrimarySubtag) {
  // "ka" covers the stored "ka-GE" (Nino) and "KA" (Giorgi): subtag prefix, any case.
  EXPECT_EQ(Who("\"ka\" in languages"), "NG-");
  EXPECT_EQ(Who("\"KA\" in languages"), "NG-");
  EXPECT_EQ(Who("\"ka-GE\" in languages"), "N--");
  EXPECT_EQ(Who("\"ka-ge\" in languages"), "N--");
  EXPECT_EQ(Who("\"de\" in languages"), "N--");
  EXPECT_EQ(Who("\"el\" in languages"), "-G-");
  EXPECT_EQ(Who("\"k\" in languages"), "---");  // Not a subtag boundary.
  EXPECT_EQ(Who("\"ka-GE-x\" in languages"), "---");
  EXPECT_EQ(Who("\"ka\" not in languages"), "--B");
  EXPECT_EQ(Who("\"ka\" NOT IN languages"), "--B");

  Contact kabyle = Blank();
  kabyle.languages = {"kab"};
  EXPECT_FALSE(Matches("\"ka\" in languages", kabyle));
  EXPECT_TRUE(Matches("\"kab\" in languages", kabyle));

  Contact chinese = Blank();
  chinese.languages = {"zh-Hant-TW"};
  EXPECT_TRUE(Matches("\"zh\" in languages", chinese));
  EXPECT_TRUE(Matches("\"zh-hant\" in languages", chinese));
  EXPECT_FALSE(Matches("\"zh-Hans\" in languages", chinese));
}

TEST(SegmentExpressionTest, TagsMatchExactly) {
  EXPECT_EQ(Who("\"vip\" in tags"), "N--");
  EXPECT_EQ(Who("\"student\" in tags"), "N--");
  EXPECT_EQ(Who("\"volunteer\" in tags"), "-G-");
  EXPECT_EQ(Who("\"VIP\" in tags"), "---");
  EXPECT_EQ(Who("\"vi\" in tags"), "---");
  EXPECT_EQ(Who("\"vip\" not in tags"), "-GB");

  Contact unsorted = Blank();
  unsorted.tags = {"zeta", "alpha", "mid"};  // Violates the sorted invariant; still found.
  EXPECT_TRUE(Matches("\"alpha\" in tags", unsorted));
  EXPECT_TRUE(Matches("\"mid\" in tags", unsorted));
}

TEST(SegmentExpressionTest, ChannelsListAddressKindsPresent) {
  EXPECT_EQ(Who("\"whatsapp\" in channels"), "N--");
  EXPECT_EQ(Who("\"email\" in channels"), "N--");
  EXPECT_EQ(Who("\"phone\" in channels"), "NG-");
  EXPECT_EQ(Who("\"PHONE\" in channels"), "NG-");
  EXPECT_EQ(Who("\"telegram\" in channels"), "---");
  EXPECT_EQ(Who("\"telegram\" not in channels"), "NGB");
  EXPECT_EQ(Who("\"whatsapp\" not in channels"), "-GB");
}

// ------------------------------------------------------------------------------------------
// Functions

TEST(SegmentExpressionTest, Has) {
  EXPECT_EQ(Who("has(email)"), "N--");
  EXPECT_EQ(Who("has(phone)"), "NG-");
  EXPECT_EQ(Who("has(whatsapp)"), "N--");
  EXPECT_EQ(Who("has(telegram)"), "---");
  EXPECT_EQ(Who("has(messenger)"), "---");
  EXPECT_EQ(Who("HAS(Email)"), "N--");
  EXPECT_EQ(Who("not has(email)"), "-GB");
}

TEST(SegmentExpressionTest, ReachableNeedsGrantedConsentAndNoOptOut) {
  EXPECT_EQ(Who("reachable(email)"), "N--");     // Granted.
  EXPECT_EQ(Who("reachable(whatsapp)"), "---");  // Consent unknown.
  EXPECT_EQ(Who("reachable(phone)"), "-G-");     // Nino opted out; Giorgi granted.

  Contact withdrawn = Blank();
  withdrawn.addresses = {MakeAddress(AddressKind::kTelegram, "@x", ConsentState::kWithdrawn)};
  EXPECT_TRUE(Matches("has(telegram)", withdrawn));
  EXPECT_FALSE(Matches("reachable(telegram)", withdrawn));

  // Any address of the kind will do, not only the first.
  Contact two_phones = Blank();
  two_phones.addresses = {
      MakeAddress(AddressKind::kPhone, "+1", ConsentState::kGranted, /*opted_out=*/true),
      MakeAddress(AddressKind::kPhone, "+2", ConsentState::kGranted),
  };
  EXPECT_TRUE(Matches("reachable(phone)", two_phones));
}

TEST(SegmentExpressionTest, Exists) {
  EXPECT_EQ(Who("exists(attr.age)"), "NG-");
  EXPECT_EQ(Who("exists(attr.zip)"), "N--");
  EXPECT_EQ(Who("exists(attr.household-size)"), "N--");
  EXPECT_EQ(Who("exists(attr.missing)"), "---");
  EXPECT_EQ(Who("not exists(attr.zip)"), "-GB");
  EXPECT_EQ(Who("exists(attr.Age)"), "---");  // Attribute names are case-sensitive.
  EXPECT_EQ(Who("EXISTS(ATTR.age)"), "NG-");  // The attr. prefix is not.
}

TEST(SegmentExpressionTest, StartsWith) {
  EXPECT_EQ(Who("starts_with(name, \"Gio\")"), "-G-");
  EXPECT_EQ(Who("starts_with(name, \"gio\")"), "---");  // Case-sensitive.
  EXPECT_EQ(Who("starts_with(city, \"Ber\")"), "N--");
  EXPECT_EQ(Who("starts_with(timezone, \"Europe/\")"), "NG-");
  EXPECT_EQ(Who("starts_with(country, \"g\")"), "-G-");  // Country literal is upper-cased.
  EXPECT_EQ(Who("starts_with(name, \"\")"), "NGB");
  EXPECT_EQ(Who("starts_with(attr.tier, \"go\")"), "N--");
  EXPECT_EQ(Who("starts_with(attr.tier, \"s\")"), "-G-");
  // A numeric attribute is tested in its shortest text form: 34 -> "34".
  EXPECT_EQ(Who("starts_with(attr.age, \"3\")"), "N--");
  EXPECT_EQ(Who("starts_with(attr.age, \"2\")"), "-G-");
  EXPECT_EQ(Who("starts_with(attr.missing, \"\")"), "---");
}

// ------------------------------------------------------------------------------------------
// Attributes

TEST(SegmentExpressionTest, AttributeNumericComparison) {
  // Nino's age is the number 34; Giorgi's is the text "29", which parses as a number.
  EXPECT_EQ(Who("attr.age > 30"), "N--");
  EXPECT_EQ(Who("attr.age < 30"), "-G-");
  EXPECT_EQ(Who("attr.age = 29"), "-G-");
  EXPECT_EQ(Who("attr.age = 29.0"), "-G-");
  EXPECT_EQ(Who("attr.age = 34"), "N--");
  EXPECT_EQ(Who("attr.age != 34"), "-G-");  // Blank has no age: false even for !=.
  EXPECT_EQ(Who("attr.age >= 34"), "N--");
  EXPECT_EQ(Who("attr.age <= 29"), "-G-");
  EXPECT_EQ(Who("attr.age >= 29"), "NG-");
  EXPECT_EQ(Who("attr.age > -1.5"), "NG-");
  EXPECT_EQ(Who("attr.age < 3.4e1"), "-G-");
  // "12.5" (text) against 10 compares as numbers; 7 (number) too.
  EXPECT_EQ(Who("attr.score > 10"), "N--");
  EXPECT_EQ(Who("attr.score = 12.5"), "N--");
  EXPECT_EQ(Who("attr.score < 10"), "-G-");
  // Numeric comparison is not fooled by text order: "9" > "12.5" as text but 9 < 12.5.
  EXPECT_EQ(Who("attr.score > 9"), "N--");
  // "0123" parses as the number 123.
  EXPECT_TRUE(Matches("attr.zip = 123", Nino()));
  EXPECT_TRUE(Matches("attr.household-size >= 3", Nino()));
}

TEST(SegmentExpressionTest, AttributeTextComparison) {
  EXPECT_EQ(Who("attr.tier = \"gold\""), "N--");
  EXPECT_EQ(Who("attr.tier != \"gold\""), "-G-");
  EXPECT_EQ(Who("attr.tier < \"h\""), "N--");
  EXPECT_EQ(Who("attr.tier > \"h\""), "-G-");
  EXPECT_EQ(Who("attr.tier = \"GOLD\""), "---");
  // A text literal makes the comparison textual even when the value is numeric text.
  EXPECT_FALSE(Matches("attr.zip = \"123\"", Nino()));
  EXPECT_TRUE(Matches("attr.zip = \"0123\"", Nino()));
  // A number value is compared as its shortest text: 34 -> "34".
  EXPECT_TRUE(Matches("attr.age = \"34\"", Nino()));
  EXPECT_FALSE(Matches("attr.age = \"34.0\"", Nino()));
  EXPECT_TRUE(Matches("attr.score = \"7\"", Giorgi()));
  // "29" is text but the literal is text too: text order, "29" < "3".
  EXPECT_TRUE(Matches("attr.age < \"3\"", Giorgi()));
  // Text that is not a number against a number literal falls back to byte-wise text order
  // against the literal as written: "gold" vs "5" ('g' > '5').
  EXPECT_TRUE(Matches("attr.tier > 5", Nino()));
  EXPECT_FALSE(Matches("attr.tier = 5", Nino()));
  EXPECT_TRUE(Matches("attr.tier != 5", Nino()));
}

TEST(SegmentExpressionTest, MissingAttributeMakesEveryComparisonFalse) {
  const Contact blank = Blank();
  for (const char* text : {
           "attr.missing = \"x\"",
           "attr.missing != \"x\"",
           "attr.missing < \"x\"",
           "attr.missing <= 1",
           "attr.missing > 1",
           "attr.missing >= \"\"",
           "attr.missing != 0",
           "attr.missing in (\"x\", 1)",
           "attr.missing not in (\"x\", 1)",
           "starts_with(attr.missing, \"\")",
           "exists(attr.missing)",
       }) {
    EXPECT_FALSE(Matches(text, blank)) << text;
    EXPECT_FALSE(Matches(text, Nino())) << text;
  }
  // Negating the whole comparison does select contacts without the attribute.
  EXPECT_TRUE(Matches("not (attr.missing = \"x\")", blank));
  EXPECT_TRUE(Matches("not attr.missing = \"x\"", blank));
}

TEST(SegmentExpressionTest, AttributeMembership) {
  EXPECT_EQ(Who("attr.tier in (\"gold\", \"bronze\")"), "N--");
  EXPECT_EQ(Who("attr.tier not in (\"gold\", \"bronze\")"), "-G-");
  EXPECT_EQ(Who("attr.age in (29, 40)"), "-G-");  // Numeric text "29" against numbers.
  EXPECT_EQ(Who("attr.age in (34)"), "N--");
  EXPECT_EQ(Who("attr.age in (34.0, \"x\")"), "N--");
  EXPECT_EQ(Who("attr.age in (\"34\")"), "N--");  // Number 34 as text "34".
  EXPECT_EQ(Who("attr.age in (\"29\")"), "-G-");
  EXPECT_EQ(Who("attr.age not in (29)"), "N--");
  EXPECT_EQ(Who("attr.score in (12.5, 7)"), "NG-");
  EXPECT_FALSE(Matches("attr.zip in (\"123\")", Nino()));
  EXPECT_TRUE(Matches("attr.zip in (123)", Nino()));
  EXPECT_TRUE(Matches("attr.zip in (\"0123\")", Nino()));
}

TEST(SegmentExpressionTest, AttributeNamesAllowDigitsUnderscoresAndHyphens) {
  Contact c = Blank();
  c.attributes = {{"survey_2026-q1", std::string("yes")}, {"2fa", 1.0}};
  EXPECT_TRUE(Matches("attr.survey_2026-q1 = \"yes\"", c));
  EXPECT_TRUE(Matches("attr.2fa = 1", c));
  EXPECT_TRUE(Matches("attr.2fa>0", c));
  EXPECT_TRUE(Matches("ATTR.2fa = 1", c));
  EXPECT_FALSE(Matches("attr.2FA = 1", c));
}

// ------------------------------------------------------------------------------------------
// Boolean structure

TEST(SegmentExpressionTest, AndBindsTighterThanOr) {
  // DE or (Athens and unverified): Nino matches through the first operand. Read left to right,
  // ((DE or Athens) and unverified) would exclude her.
  EXPECT_TRUE(Matches("country = \"DE\" or city = \"Athens\" and verified = false", Nino()));
  EXPECT_FALSE(Matches("(country = \"DE\" or city = \"Athens\") and verified = false", Nino()));
  EXPECT_TRUE(Matches("city = \"Athens\" and verified = false or country = \"DE\"", Nino()));
}

TEST(SegmentExpressionTest, NotBindsTighterThanAnd) {
  // (not GR) and Athens is false for Nino; not (GR and Athens) would be true.
  EXPECT_FALSE(Matches("not country = \"GR\" and city = \"Athens\"", Nino()));
  EXPECT_TRUE(Matches("not (country = \"GR\" and city = \"Athens\")", Nino()));
  EXPECT_TRUE(Matches("not not verified", Nino()));
  EXPECT_FALSE(Matches("not not not verified", Nino()));
}

TEST(SegmentExpressionTest, LongChainsAndNestedGroups) {
  EXPECT_EQ(Who("country = \"FR\" or country = \"IT\" or country = \"GR\" or country = \"ES\""),
            "-G-");
  EXPECT_EQ(Who("verified and has(email) and \"vip\" in tags and attr.age > 18"), "N--");
  EXPECT_EQ(Who("((((country = \"DE\"))))"), "N--");
  EXPECT_EQ(Who("(country = \"DE\" or country = \"GR\") and (has(email) or not verified)"), "NG-");
}

TEST(SegmentExpressionTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(Who("Country = \"DE\" AND \"ka\" IN languages"), "N--");
  EXPECT_EQ(Who("country = \"DE\" Or NOT Verified"), "NG-");
  EXPECT_EQ(Who("country NoT iN (\"DE\")"), "-GB");
  EXPECT_EQ(Who("\"vip\" Not In Tags"), "-GB");
  EXPECT_EQ(Who("CITY = \"Athens\""), "-G-");
}

TEST(SegmentExpressionTest, WhitespaceIsFlexible) {
  EXPECT_EQ(Who("country=\"DE\"and\"vip\"in tags"), "N--");
  EXPECT_EQ(Who("\tcountry\n=\r\n\"DE\"  "), "N--");
  EXPECT_EQ(Who("has( email )and(attr.age>30)"), "N--");
  EXPECT_EQ(Who("country in(\"DE\",\"GR\")"), "NG-");
}

TEST(SegmentExpressionTest, RealisticAudience) {
  const char* text =
      "country in (\"DE\", \"AT\", \"CH\") and (\"ka\" in languages or attr.tier = \"gold\")"
      " and reachable(email) and \"do-not-contact\" not in tags";
  EXPECT_EQ(Who(text), "N--");
  Contact blocked = Nino();
  blocked.tags.push_back("do-not-contact");
  EXPECT_FALSE(Matches(text, blocked));
}

TEST(SegmentExpressionTest, ConcurrentMatchesAgree) {
  const SegmentExpression e =
      Compile("(\"ka\" in languages and attr.age > 30) or (country = \"GR\" and reachable(phone))");
  const Contact nino = Nino();
  const Contact giorgi = Giorgi();
  const Contact blank = Blank();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, copy = e] {
      for (int i = 0; i < 20000; ++i) {
        const SegmentExpression& use = (i % 2 == 0) ? e : copy;
        if (!use.Matches(nino) || !use.Matches(giorgi) || use.Matches(blank)) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ------------------------------------------------------------------------------------------
// Errors: every message is "at position N: ..." with N a byte offset.

TEST(SegmentExpressionErrorTest, MessageFormat) {
  absl::StatusOr<SegmentExpression> e = SegmentExpression::Parse("");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(e.status().message()), "at position 0: expression is empty");

  e = SegmentExpression::Parse("colour = \"red\"");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()),
              ::testing::StartsWith("at position 0: unknown field 'colour'"));
}

TEST(SegmentExpressionErrorTest, ParseErrorFromStatus) {
  std::optional<SegmentParseError> error =
      SegmentParseErrorFromStatus(absl::InvalidArgumentError("at position 12: bad thing"));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->position, 12u);
  EXPECT_EQ(error->message, "bad thing");

  EXPECT_FALSE(SegmentParseErrorFromStatus(absl::OkStatus()).has_value());
  EXPECT_FALSE(SegmentParseErrorFromStatus(absl::NotFoundError("at position 1: x")).has_value());
  EXPECT_FALSE(SegmentParseErrorFromStatus(absl::InvalidArgumentError("nope")).has_value());
  EXPECT_FALSE(
      SegmentParseErrorFromStatus(absl::InvalidArgumentError("at position x: y")).has_value());
}

TEST(SegmentExpressionErrorTest, EmptyInput) {
  EXPECT_PARSE_ERROR("", 0, "expression is empty");
  EXPECT_PARSE_ERROR("   \n\t", 0, "expression is empty");
}

TEST(SegmentExpressionErrorTest, UnknownField) {
  EXPECT_PARSE_ERROR("colour = \"red\"", 0, "unknown field 'colour'");
  EXPECT_PARSE_ERROR("colour = \"red\"", 0, "known fields are id, name");
  EXPECT_PARSE_ERROR("verified and colour = \"red\"", 13, "unknown field 'colour'");
  EXPECT_PARSE_ERROR("email = \"a@b.c\"", 0, "has(email)");
  EXPECT_PARSE_ERROR("attr = 3", 0, "attr.<name>");
  EXPECT_PARSE_ERROR("has = 3", 0, "is a function");
  EXPECT_PARSE_ERROR("\"x\" in colours", 7, "unknown field 'colours'");
  EXPECT_PARSE_ERROR("starts_with(surname, \"x\")", 12, "unknown field 'surname'");
}

TEST(SegmentExpressionErrorTest, UnknownFunction) {
  EXPECT_PARSE_ERROR("foo(email)", 0, "unknown function 'foo'");
  EXPECT_PARSE_ERROR("country = \"DE\" and contains(name, \"x\")", 19,
                     "unknown function 'contains'");
}

TEST(SegmentExpressionErrorTest, UnknownAddressKind) {
  EXPECT_PARSE_ERROR("has(sms)", 4, "unknown address kind 'sms'");
  EXPECT_PARSE_ERROR("reachable(fax)", 10, "expected one of email, phone");
  EXPECT_PARSE_ERROR("has(\"email\")", 4, "without quotes");
  EXPECT_PARSE_ERROR("has()", 4, "expected an address kind");
  EXPECT_PARSE_ERROR("\"sms\" in channels", 0, "unknown address kind \"sms\"");
}

TEST(SegmentExpressionErrorTest, StringLiterals) {
  EXPECT_PARSE_ERROR("name = \"Nino", 7, "unterminated string");
  EXPECT_PARSE_ERROR("name = \"Nino\\\"", 7, "unterminated string");  // \" does not close.
  EXPECT_PARSE_ERROR("name = \"Nino\\", 7, "unterminated string");
  EXPECT_PARSE_ERROR("name = \"a\\nb\"", 9, "unknown escape");
  EXPECT_PARSE_ERROR("name = \"ok\xff\"", 10, "invalid UTF-8");
  EXPECT_PARSE_ERROR("name = \"\xe1\x83\"", 8, "invalid UTF-8");  // Truncated sequence.
  EXPECT_PARSE_ERROR("country = 'DE'", 10, "double quotes");
}

TEST(SegmentExpressionErrorTest, PositionsAreByteOffsetsAfterUnicode) {
  // "name = \"" is 8 bytes and each Georgian letter 3 bytes: 8 + 12 + 1 + 1 = 22.
  EXPECT_PARSE_ERROR("name = \"ნინო\" foo", 22, "found 'foo'");
  EXPECT_PARSE_ERROR("name = ნინო", 7, "unexpected character 'ნ'");
}

TEST(SegmentExpressionErrorTest, TrailingGarbage) {
  EXPECT_PARSE_ERROR("country = \"DE\" foo", 15, "expected 'and', 'or' or the end");
  EXPECT_PARSE_ERROR("country = \"DE\" \"GR\"", 15, "found \"GR\"");
  EXPECT_PARSE_ERROR("verified verified", 9, "found 'verified'");
  EXPECT_PARSE_ERROR("country = \"DE\")", 14, "unmatched ')'");
  EXPECT_PARSE_ERROR("true = verified", 5, "expected 'and', 'or'");
}

TEST(SegmentExpressionErrorTest, MissingClosingParenthesis) {
  EXPECT_PARSE_ERROR("(country = \"DE\"", 15, "expected ')' to close the '(' at position 0");
  EXPECT_PARSE_ERROR("verified and ((has(email)) or verified", 38, "'(' at position 13");
  EXPECT_PARSE_ERROR("country in (\"DE\", \"GR\"", 22,
                     "expected ',' or ')' in the list opened at position 11");
  EXPECT_PARSE_ERROR("country in (\"DE\" \"GR\")", 17, "',' or ')'");
  EXPECT_PARSE_ERROR("has(email", 9, "')' to close has( at position 3");
  EXPECT_PARSE_ERROR("starts_with(name, \"x\" and verified", 22, "')' to close starts_with(");
}

TEST(SegmentExpressionErrorTest, UnexpectedCharacters) {
  EXPECT_PARSE_ERROR("country = \"DE\" # note", 15, "unexpected character '#'");
  EXPECT_PARSE_ERROR("country == \"DE\"", 8, "'==' is not an operator");
  EXPECT_PARSE_ERROR("verified && has(email)", 9, "use 'and'");
  EXPECT_PARSE_ERROR("verified || has(email)", 9, "use 'or'");
  EXPECT_PARSE_ERROR("!verified", 0, "use 'not'");
  EXPECT_PARSE_ERROR("verified\x01", 8, "byte 0x01");
  EXPECT_PARSE_ERROR("attr. = 3", 5, "attribute name");
  EXPECT_PARSE_ERROR("name.first = \"x\"", 4, "unexpected character '.'");
}

TEST(SegmentExpressionErrorTest, Numbers) {
  EXPECT_PARSE_ERROR("attr.age > 3x", 11, "malformed number '3x'");
  EXPECT_PARSE_ERROR("attr.age > 1.", 11, "malformed number");
  EXPECT_PARSE_ERROR("attr.age > 1.2.3", 11, "malformed number");
  EXPECT_PARSE_ERROR("attr.age > 1e", 11, "malformed number");
  EXPECT_PARSE_ERROR("attr.age > 1e999", 11, "out of range");
  EXPECT_PARSE_ERROR("attr.age > - 1", 11, "unexpected character '-'");
}

TEST(SegmentExpressionErrorTest, ListFieldsNeedIn) {
  EXPECT_PARSE_ERROR("tags = \"vip\"", 5, "'=' cannot be used on the list field 'tags'");
  EXPECT_PARSE_ERROR("tags = \"vip\"", 5, "\"vip\" in tags");
  EXPECT_PARSE_ERROR("languages = \"ka\"", 10, "\"ka\" in languages");
  EXPECT_PARSE_ERROR("languages < 3", 10, "'<' cannot be used on the list field 'languages'");
  EXPECT_PARSE_ERROR("channels != \"email\"", 9, "\"whatsapp\" in channels");
  EXPECT_PARSE_ERROR("tags in (\"vip\")", 5, "'in' cannot be used on the list field 'tags'");
  EXPECT_PARSE_ERROR("tags", 0, "'tags' is a list");
  EXPECT_PARSE_ERROR("verified and tags", 13, "'tags' is a list");
}

TEST(SegmentExpressionErrorTest, TypeMismatches) {
  EXPECT_PARSE_ERROR("verified = \"yes\"", 11, "type mismatch: 'verified' is true or false");
  EXPECT_PARSE_ERROR("verified = 1", 11, "type mismatch");
  EXPECT_PARSE_ERROR("verified < true", 9, "use = or !=");
  EXPECT_PARSE_ERROR("verified in (true)", 9, "'in' cannot be used on 'verified'");
  EXPECT_PARSE_ERROR("name = 3", 7, "type mismatch: 'name' is text");
  EXPECT_PARSE_ERROR("post = true", 7, "type mismatch");
  EXPECT_PARSE_ERROR("country in (\"DE\", 3)", 18, "type mismatch: 'country' is text");
  EXPECT_PARSE_ERROR("attr.vip = true", 11, "attributes hold text or numbers");
  EXPECT_PARSE_ERROR("attr.vip in (1, false)", 16, "attributes hold text or numbers");
  EXPECT_PARSE_ERROR("3 in tags", 0, "type mismatch: 'tags' holds text");
  EXPECT_PARSE_ERROR("\"x\" in country", 7, "'country' is not a list");
  EXPECT_PARSE_ERROR("exists(name)", 7, "expected an attribute");
  EXPECT_PARSE_ERROR("starts_with(tags, \"x\")", 12, "starts_with() needs a text field");
  EXPECT_PARSE_ERROR("starts_with(verified, \"x\")", 12, "starts_with() needs a text field");
  EXPECT_PARSE_ERROR("starts_with(name, 3)", 18, "type mismatch");
  EXPECT_PARSE_ERROR("starts_with(name \"x\")", 17, "expected ','");
  EXPECT_PARSE_ERROR("\"\" in languages", 0, "empty language tag");
}

TEST(SegmentExpressionErrorTest, MalformedConditions) {
  EXPECT_PARSE_ERROR("country = DE", 10, "text values need double quotes: \"DE\"");
  EXPECT_PARSE_ERROR("country = attr.home", 10, "fields cannot be compared");
  EXPECT_PARSE_ERROR("country =", 9, "found end of expression");
  EXPECT_PARSE_ERROR("country \"DE\"", 8, "expected a comparison");
  EXPECT_PARSE_ERROR("country", 7, "expected a comparison");
  EXPECT_PARSE_ERROR("country not (\"DE\")", 12, "expected 'in'");
  EXPECT_PARSE_ERROR("country in \"DE\"", 11, "expected '('");
  EXPECT_PARSE_ERROR("country in ()", 12, "the list after 'in' is empty");
  EXPECT_PARSE_ERROR("country in (\"DE\",)", 17, "expected a value");
  EXPECT_PARSE_ERROR("\"DE\" = country", 5, "expected 'in' after the value \"DE\"");
  EXPECT_PARSE_ERROR("\"x\" not tags", 8, "expected 'in'");
  EXPECT_PARSE_ERROR("\"x\" in (\"a\")", 7, "put a field before 'in'");
  EXPECT_PARSE_ERROR("country = \"DE\" and", 18, "expected a condition");
  EXPECT_PARSE_ERROR("and verified", 0, "expected a condition");
  EXPECT_PARSE_ERROR("()", 1, "expected a condition");
  EXPECT_PARSE_ERROR("not", 3, "found end of expression");
  EXPECT_PARSE_ERROR("verified or or verified", 12, "found 'or'");
}

TEST(SegmentExpressionErrorTest, FirstProblemInTheTextIsReported) {
  // A syntax error before a lexical one wins, and vice versa.
  EXPECT_PARSE_ERROR("colour = \"unterminated", 0, "unknown field");
  EXPECT_PARSE_ERROR("country = \"DE\" and name = \"a\\q\" and colour = 1", 28, "unknown escape");
}

TEST(SegmentExpressionErrorTest, TextLengthLimit) {
  std::string at_limit = "verified";
  at_limit.resize(SegmentExpression::kMaxTextBytes, ' ');
  EXPECT_TRUE(SegmentExpression::Parse(at_limit).ok());

  std::string too_long = at_limit + " ";
  EXPECT_PARSE_ERROR(too_long, SegmentExpression::kMaxTextBytes, "the limit is 4096 bytes");
}

TEST(SegmentExpressionErrorTest, NestingDepthLimit) {
  const int max = SegmentExpression::kMaxDepth;
  auto parens = [](int n) {
    return std::string(static_cast<size_t>(n), '(') + "verified" +
           std::string(static_cast<size_t>(n), ')');
  };
  EXPECT_TRUE(Matches(parens(max), Nino()));
  EXPECT_PARSE_ERROR(parens(max + 1), static_cast<size_t>(max), "deeper than the limit of 64");

  auto nots = [](int n) {
    std::string text;
    for (int i = 0; i < n; ++i) text += "not ";
    return text + "verified";
  };
  EXPECT_TRUE(Matches(nots(max), Nino()));  // Even number of nots.
  EXPECT_PARSE_ERROR(nots(max + 1), static_cast<size_t>(max) * 4, "deeper than the limit");

  // Parentheses and `not` count together.
  std::string mixed;
  for (int i = 0; i < max / 2; ++i) mixed += "not (";
  mixed += "not verified";
  mixed += std::string(static_cast<size_t>(max / 2), ')');
  EXPECT_PARSE_ERROR(mixed, static_cast<size_t>(max / 2) * 5, "deeper than the limit");

  // Thousands of unparenthesised terms are not nesting.
  std::string wide = "verified";
  for (int i = 0; i < 300; ++i) wide += " and verified";
  EXPECT_TRUE(Matches(wide, Nino()));
}

// ------------------------------------------------------------------------------------------
// What people did

TEST(SegmentBehaviourTest, PredicatesAreListedOnceInOrderAndMatchNobodyUnbound) {
  const std::string text =
      "replied(\"cmp_a\") or clicked(\"cmp_a\") or (rsvp(\"evt_1\", \"yes\") and "
      "not attended(\"evt_1\")) or replied(\"cmp_a\") or opted_out(\"cmp_b\")";
  SegmentExpression e = Compile(text);
  ASSERT_EQ(e.behaviour().size(), 5u);
  EXPECT_EQ(e.behaviour()[0], (BehaviourRef{BehaviourRef::Kind::kReplied, "cmp_a", "", ""}));
  EXPECT_EQ(e.behaviour()[1], (BehaviourRef{BehaviourRef::Kind::kClicked, "cmp_a", "", ""}));
  EXPECT_EQ(e.behaviour()[2], (BehaviourRef{BehaviourRef::Kind::kRsvp, "evt_1", "yes", ""}));
  EXPECT_EQ(e.behaviour()[3],
            (BehaviourRef{BehaviourRef::Kind::kRsvp, "evt_1", "attended", ""}));
  EXPECT_EQ(e.behaviour()[4], (BehaviourRef{BehaviourRef::Kind::kOptedOut, "cmp_b", "", ""}));
  EXPECT_FALSE(e.bound());
  EXPECT_EQ(Who(text), "---") << "unbound predicates match nobody";
  EXPECT_TRUE(Compile("country = \"GE\"").bound());
}

TEST(SegmentBehaviourTest, AnsweredNamesAQuestionAndOptionallyAValue) {
  SegmentExpression e =
      Compile("answered(\"cmp_a\", \"attend\", \"yes\") or answered(\"cmp_a\", \"topic\")");
  ASSERT_EQ(e.behaviour().size(), 2u);
  EXPECT_EQ(e.behaviour()[0],
            (BehaviourRef{BehaviourRef::Kind::kAnswered, "cmp_a", "yes", "attend"}));
  EXPECT_EQ(e.behaviour()[1], (BehaviourRef{BehaviourRef::Kind::kAnswered, "cmp_a", "", "topic"}));
  for (const char* bad : {"answered(\"cmp_a\")", "answered(\"cmp_a\", attend)",
                          "answered(\"cmp_a\", \"attend\", 1)", "answered(\"evt_a\", \"x\")"}) {
    EXPECT_FALSE(SegmentExpression::Parse(bad).ok()) << bad;
  }
}

TEST(SegmentBehaviourTest, BoundPredicatesReadTheirPeople) {
  const std::string text = "replied(\"cmp_a\") and not rsvp(\"evt_1\", \"no\")";
  auto facts = std::make_shared<BehaviourFacts>();
  facts->people = {{"c_nino", "c_giorgi"}, {"c_giorgi"}};
  auto bound = SegmentExpression::Parse(text, facts);
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_TRUE(bound->bound());
  EXPECT_TRUE(bound->Matches(Nino()));
  EXPECT_FALSE(bound->Matches(Giorgi()));
  EXPECT_FALSE(bound->Matches(Blank()));
  // Copies share the facts; the expression outlives the caller's pointer.
  SegmentExpression copy = *bound;
  facts.reset();
  EXPECT_TRUE(copy.Matches(Nino()));
  // Facts that do not fit the expression are refused.
  auto wrong = std::make_shared<BehaviourFacts>();
  EXPECT_EQ(SegmentExpression::Parse(text, wrong).status().code(), absl::StatusCode::kInternal);
}

TEST(SegmentExpressionErrorTest, BehaviourArguments) {
  EXPECT_PARSE_ERROR("replied(\"spring\")", 8, "is not a campaign id (cmp_...)");
  EXPECT_PARSE_ERROR("replied(cmp_1)", 8, "a campaign id in double quotes");
  EXPECT_PARSE_ERROR("attended(\"cmp_1\")", 9, "is not an event id (evt_...)");
  EXPECT_PARSE_ERROR("rsvp(\"evt_1\")", 12, "',' and an answer");
  EXPECT_PARSE_ERROR("rsvp(\"evt_1\", \"perhaps\")", 14, "rsvp() takes one of");
  EXPECT_PARSE_ERROR("rsvp(\"evt_1\", yes)", 14, "rsvp() takes one of");
  EXPECT_PARSE_ERROR("replied(\"cmp_1\"", 15, "')' to close replied(");
}

}  // namespace
}  // namespace ogw
