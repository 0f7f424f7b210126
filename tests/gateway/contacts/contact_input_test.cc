#include "gateway/contacts/contact_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/contacts/csv_reader.h"

namespace ogw {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00Z.

ContactInputOptions Options() {
  ContactInputOptions options;
  options.consent_source = "import:survey.csv";
  options.now_millis = kNow;
  return options;
}

// Matches a FieldError on `field` whose message contains `fragment`.
auto Err(const std::string& field, const std::string& fragment) {
  return AllOf(Field(&FieldError::field, field), Field(&FieldError::message, HasSubstr(fragment)));
}

// A minimal valid contact, to which each test adds the member it is about.
json Minimal() {
  return json{{"name", "ნინო ბერიძე"}, {"addresses", {{{"kind", "email"}, {"value", "n@ex.ge"}}}}};
}

// Runs ContactFromJson and expects it to fail; returns the errors.
std::vector<FieldError> ErrorsOf(const json& obj) {
  std::vector<FieldError> errors;
  const std::optional<Contact> contact = ContactFromJson(obj, Options(), &errors);
  EXPECT_FALSE(contact.has_value());
  EXPECT_FALSE(errors.empty());
  return errors;
}

// Runs ContactFromJson and expects it to succeed.
Contact Parse(const json& obj) {
  std::vector<FieldError> errors;
  std::optional<Contact> contact = ContactFromJson(obj, Options(), &errors);
  EXPECT_THAT(errors, IsEmpty());
  return contact.value_or(Contact{});
}

// ---- JSON ----

TEST(ContactFromJsonTest, BuildsAFullContact) {
  const json obj = json::parse(R"({
    "name": "  ნინო ბერიძე ",
    "post_id": "p_berlin",
    "languages": ["ka", "ru", "en-gb"],
    "country": "ge",
    "city": "Tbilisi",
    "time_zone": "Asia/Tbilisi",
    "attributes": {"generation": 2, "region": "Imereti", "score": -1.5},
    "tags": ["volunteer", "choir", "volunteer"],
    "addresses": [
      {"kind": "phone", "value": "599 12 34 56", "verified": true, "consent": "granted"},
      {"kind": "whatsapp", "value": "+995 599 12 34 56",
       "consent": {"state": "granted", "source": "form-7"}},
      {"kind": "email", "value": "Nino.Beridze@Example.GE", "consent": "withdrawn"},
      {"kind": "telegram", "value": "@Nino_Beridze", "consent": "unknown", "opted_out": true}
    ],
    "channel_order": ["whatsapp", "sms", "email"]
  })");
  const Contact contact = Parse(obj);

  Contact expected;
  expected.name = "ნინო ბერიძე";
  expected.post_id = "p_berlin";
  expected.languages = {"ka", "ru", "en-GB"};
  expected.country = "GE";
  expected.city = "Tbilisi";
  expected.time_zone = "Asia/Tbilisi";
  expected.attributes = {{"generation", 2.0}, {"region", std::string("Imereti")}, {"score", -1.5}};
  expected.tags = {"choir", "volunteer"};
  Address phone;
  phone.kind = AddressKind::kPhone;
  phone.value = "+995599123456";
  phone.verified = true;
  phone.consent = {ConsentState::kGranted, "import:survey.csv", kNow};
  Address whatsapp;
  whatsapp.kind = AddressKind::kWhatsApp;
  whatsapp.value = "+995599123456";
  whatsapp.consent = {ConsentState::kGranted, "form-7", kNow};
  Address email;
  email.kind = AddressKind::kEmail;
  email.value = "Nino.Beridze@example.ge";
  email.consent = {ConsentState::kWithdrawn, "import:survey.csv", kNow};
  Address telegram;
  telegram.kind = AddressKind::kTelegram;
  telegram.value = "@nino_beridze";
  telegram.opted_out = true;
  telegram.opted_out_at_millis = kNow;
  expected.addresses = {phone, whatsapp, email, telegram};
  expected.channel_order = {Channel::kWhatsApp, Channel::kSms, Channel::kEmail};
  EXPECT_EQ(contact, expected);
  EXPECT_TRUE(contact.HasReachable(AddressKind::kPhone));
  EXPECT_FALSE(contact.HasReachable(AddressKind::kEmail));
  EXPECT_TRUE(contact.id.empty());
  EXPECT_TRUE(contact.org_id.empty());
  EXPECT_EQ(contact.created_at_millis, 0);
}

TEST(ContactFromJsonTest, AcceptsNamesInManyScripts) {
  for (const char* name :
       {"محمد عبد الله", "አበበ ቢቂላ", "ნინო ბერიძე", "Γιώργος Παπαδόπουλος", "O'Brien-Smith"}) {
    json obj = Minimal();
    obj["name"] = name;
    EXPECT_EQ(Parse(obj).name, name);
  }
}

TEST(ContactFromJsonTest, TrimsUnicodeSpaceAndNormalisesToNfc) {
  json obj = Minimal();
  obj["name"] = "\xC2\xA0 Jose\xCC\x81 \xE3\x80\x80";  // NBSP, combining acute, ideographic space.
  obj["city"] = "Mu\xCC\x88nchen";
  const Contact contact = Parse(obj);
  EXPECT_EQ(contact.name, "Jos\xC3\xA9");
  EXPECT_EQ(contact.city, "M\xC3\xBCnchen");
}

TEST(ContactFromJsonTest, NameLengthCountsCharactersNotBytes) {
  std::string amharic;
  for (int i = 0; i < 200; ++i) amharic += "አ";  // 3 bytes each.
  json obj = Minimal();
  obj["name"] = amharic;
  EXPECT_EQ(Parse(obj).name, amharic);
  obj["name"] = amharic + "በ";
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("name", "at most 200 characters")));
}

TEST(ContactFromJsonTest, NameErrors) {
  json obj = Minimal();
  obj.erase("name");
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("name", "is required")));
  obj["name"] = nullptr;
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("name", "is required")));
  obj["name"] = 42;
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("name", "must be a string")));
  obj["name"] = " \t ";
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("name", "must not be empty")));
  obj["name"] = "Nino\nBeridze";
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("name", "control characters")));
  obj["name"] = std::string("Nino\xFF");
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("name", "UTF-8")));
}

TEST(ContactFromJsonTest, RejectsNonObjectsAndUnknownKeys) {
  EXPECT_THAT(ErrorsOf(json::array()), ElementsAre(Err("", "must be a JSON object")));
  EXPECT_THAT(ErrorsOf(json("Nino")), ElementsAre(Err("", "must be a JSON object")));
  json obj = Minimal();
  obj["nmae"] = "typo";
  obj["id"] = "c_123";
  EXPECT_THAT(ErrorsOf(obj),
              UnorderedElementsAre(Err("nmae", "unknown field"), Err("id", "unknown field")));
  // An import reads exports, which carry the id: accepted and not read.
  obj.erase("nmae");
  ContactInputOptions import_options;
  import_options.ignore_id = true;
  std::vector<FieldError> errors;
  const std::optional<Contact> imported = ContactFromJson(obj, import_options, &errors);
  ASSERT_TRUE(imported.has_value());
  EXPECT_TRUE(imported->id.empty());
  obj["id"] = 7;
  EXPECT_FALSE(ContactFromJson(obj, import_options, &errors).has_value());
}

TEST(ContactFromJsonTest, AConsentRecordKeepsItsTimeButNotOneInTheFuture) {
  json obj = Minimal();
  obj["addresses"][0]["consent"] = {{"state", "granted"}, {"source", "form-7"}, {"at", 1'000}};
  const Contact contact = Parse(obj);
  EXPECT_EQ(contact.addresses[0].consent.at_millis, 1'000);
  EXPECT_EQ(contact.addresses[0].consent.source, "form-7");
  for (const json& bad : {json(Options().now_millis + 1), json(-5), json(1.5), json("today")}) {
    obj["addresses"][0]["consent"]["at"] = bad;
    EXPECT_THAT(ErrorsOf(obj), ElementsAre(Field(&FieldError::field, "addresses[0].consent.at")))
        << bad;
  }
}

TEST(ContactFromJsonTest, NullMeansAbsentForOptionalMembers) {
  json obj = Minimal();
  for (const char* key : {"post_id", "languages", "country", "city", "time_zone", "attributes",
                          "tags", "channel_order"}) {
    obj[key] = nullptr;
  }
  const Contact contact = Parse(obj);
  EXPECT_TRUE(contact.country.empty());
  EXPECT_TRUE(contact.languages.empty());
  EXPECT_EQ(contact.addresses.size(), 1u);
}

TEST(ContactFromJsonTest, EmptyStringsLeaveOptionalScalarsUnset) {
  json obj = Minimal();
  obj["country"] = "";
  obj["time_zone"] = " ";
  obj["post_id"] = "";
  obj["city"] = "";
  const Contact contact = Parse(obj);
  EXPECT_EQ(contact.country, "");
  EXPECT_EQ(contact.time_zone, "");
  EXPECT_EQ(contact.post_id, "");
  EXPECT_EQ(contact.city, "");
}

TEST(ContactFromJsonTest, ScalarMemberErrors) {
  json obj = Minimal();
  obj["country"] = "Georgia";
  obj["time_zone"] = "Asia/Tbilis";
  obj["post_id"] = "p berlin";
  obj["city"] = 7;
  EXPECT_THAT(
      ErrorsOf(obj),
      UnorderedElementsAre(Err("country", "alpha-2"), Err("time_zone", "unknown IANA time zone"),
                           Err("post_id", "A-Z, a-z, 0-9"), Err("city", "must be a string")));
  obj = Minimal();
  obj["country"] = 49;
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("country", "must be a string")));
}

TEST(ContactFromJsonTest, TimeZoneIsCanonicalised) {
  json obj = Minimal();
  obj["time_zone"] = "europe/berlin";
  EXPECT_EQ(Parse(obj).time_zone, "Europe/Berlin");
  obj["time_zone"] = "UTC";
  EXPECT_EQ(Parse(obj).time_zone, "Etc/UTC");
}

TEST(ContactFromJsonTest, LanguageErrors) {
  json obj = Minimal();
  obj["languages"] = {"am", "english", 5, "xx-invalid-!!", "AM"};
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("languages[1]", "2 or 3 letter language code"),
                                         Err("languages[2]", "must be a string"),
                                         Err("languages[3]", "not a well-formed BCP 47"),
                                         Err("languages[4]", "duplicate language \"am\"")));
  obj["languages"] = "ka";
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("languages", "must be an array")));
  obj["languages"] = json::array();
  for (int i = 0; i < 17; ++i) obj["languages"].push_back("ka");
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("languages", "at most 16")));
}

TEST(ContactFromJsonTest, AttributeErrors) {
  json obj = Minimal();
  obj["attributes"] = {
      {"generation", 2},        {"bad name", "x"}, {"flag", true},
      {"list", {1, 2}},         {"empty", ""},     {"long", std::string(1001, 'x')},
      {std::string(65, 'a'), 1}};
  EXPECT_THAT(ErrorsOf(obj),
              UnorderedElementsAre(Err("attributes.bad name", "attribute names"),
                                   Err("attributes.flag", "must be a string or a number"),
                                   Err("attributes.list", "must be a string or a number"),
                                   Err("attributes.empty", "must not be empty"),
                                   Err("attributes.long", "at most 1000 characters"),
                                   Err("attributes." + std::string(65, 'a'), "attribute names")));
  obj["attributes"] = json::array();
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("attributes", "must be an object")));
}

TEST(ContactFromJsonTest, AttributeNumbersMustBeFinite) {
  json obj = Minimal();
  obj["attributes"] = {{"x", std::numeric_limits<double>::infinity()}};
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("attributes.x", "finite")));
  obj["attributes"] = {{"big", 12345678901234LL}, {"neg", -3}};
  const Contact contact = Parse(obj);
  EXPECT_EQ(std::get<double>(contact.attributes.at("big")), 12345678901234.0);
  EXPECT_EQ(std::get<double>(contact.attributes.at("neg")), -3.0);
}

TEST(ContactFromJsonTest, TagsAreSortedAndMerged) {
  json obj = Minimal();
  obj["tags"] = {"ქორო", "choir", " choir ", "Amharic-class"};
  EXPECT_THAT(Parse(obj).tags, ElementsAre("Amharic-class", "choir", "ქორო"));
}

TEST(ContactFromJsonTest, TagErrors) {
  json obj = Minimal();
  obj["tags"] = {"ok", "", std::string(65, 't'), 3};
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("tags[1]", "must not be empty"),
                                         Err("tags[2]", "at most 64 characters"),
                                         Err("tags[3]", "must be a string")));
  obj["tags"] = {{"key", "value"}};
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("tags", "must be an array")));
}

TEST(ContactFromJsonTest, AtLeastOneAddressIsRequired) {
  json obj = Minimal();
  obj.erase("addresses");
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("addresses", "at least one address")));
  obj["addresses"] = json::array();
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("addresses", "at least one address")));
  obj["addresses"] = {{"kind", "email"}, {"value", "a@b.de"}};  // An object, not an array.
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("addresses", "must be an array")));
}

TEST(ContactFromJsonTest, PhonesUseTheContactsCountry) {
  json obj = Minimal();
  obj["country"] = "ET";
  obj["addresses"] = {{{"kind", "phone"}, {"value", "0911 234567"}},
                      {{"kind", "whatsapp"}, {"value", "091 123 4567"}},
                      {{"kind", "phone"}, {"value", "+30 691 234 5678"}}};
  const Contact contact = Parse(obj);
  ASSERT_EQ(contact.addresses.size(), 3u);
  EXPECT_EQ(contact.addresses[0].value, "+251911234567");
  EXPECT_EQ(contact.addresses[1].value, "+251911234567");
  EXPECT_EQ(contact.addresses[2].value, "+306912345678");

  obj["country"] = "DE";
  obj["addresses"] = {{{"kind", "phone"}, {"value", "030 1234567"}},
                      {{"kind", "phone"}, {"value", "12345"}}};
  EXPECT_THAT(ErrorsOf(obj),
              ElementsAre(Err("addresses[1].value", "not a valid phone number for region DE")));
}

TEST(ContactFromJsonTest, NationalPhoneWithoutCountryNeedsPlus) {
  json obj = Minimal();
  obj["addresses"] = {{{"kind", "phone"}, {"value", "030 1234567"}}};
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("addresses[0].value", "must start with +")));
  // A bad country is reported, and the phone cannot be read without it either.
  obj["country"] = "ZZ";
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("country", "unknown ISO 3166-1"),
                                         Err("addresses[0].value", "must start with +")));
}

TEST(ContactFromJsonTest, AddressErrorsNameTheirPath) {
  json obj = Minimal();
  obj["country"] = "DE";
  obj["addresses"] = json::parse(R"([
    "n@ex.ge",
    {"kind": "fax", "value": "030 1234567"},
    {"value": "a@b.de"},
    {"kind": "email"},
    {"kind": "email", "value": 5},
    {"kind": "email", "value": "not-an-email"},
    {"kind": "phone", "value": "030 1234567", "verified": "yes", "opted_out": 1},
    {"kind": "phone", "value": "030 1234568", "colour": "red"},
    {"kind": "telegram", "value": "@abc"},
    {"kind": "messenger", "value": "12ab"}
  ])");
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("addresses[0]", "must be an object"),
                                         Err("addresses[1].kind", "must be one of email, phone"),
                                         Err("addresses[2].kind", "is required"),
                                         Err("addresses[3].value", "is required"),
                                         Err("addresses[4].value", "must be a string"),
                                         Err("addresses[5].value", "exactly one @"),
                                         Err("addresses[6].verified", "must be true or false"),
                                         Err("addresses[6].opted_out", "must be true or false"),
                                         Err("addresses[7].colour", "unknown field"),
                                         Err("addresses[8].value", "5-32 characters"),
                                         Err("addresses[9].value", "1-32 digits")));
}

TEST(ContactFromJsonTest, DuplicateNormalisedAddressesAreErrors) {
  json obj = Minimal();
  obj["country"] = "DE";
  obj["addresses"] = {{{"kind", "phone"}, {"value", "030 1234567"}},
                      {{"kind", "whatsapp"}, {"value", "030 1234567"}},  // Other kind: fine.
                      {{"kind", "email"}, {"value", "a@Example.de"}},
                      {{"kind", "phone"}, {"value", "+49 (30) 123-4567"}},
                      {{"kind", "email"}, {"value", " a@example.DE"}},
                      {{"kind", "email"}, {"value", "A@example.de"}}};  // Local part differs.
  EXPECT_THAT(ErrorsOf(obj),
              ElementsAre(Err("addresses[3].value", "duplicate address (same as addresses[0])"),
                          Err("addresses[4].value", "duplicate address (same as addresses[2])")));
}

TEST(ContactFromJsonTest, ConsentSemantics) {
  json obj = Minimal();
  obj["addresses"] = json::parse(R"([
    {"kind": "email", "value": "a@b.de", "consent": "granted"},
    {"kind": "email", "value": "b@b.de", "consent": {"state": "withdrawn", "source": "sms-stop"}},
    {"kind": "email", "value": "c@b.de", "consent": {"state": "unknown", "source": "x"}},
    {"kind": "email", "value": "d@b.de", "consent": {"state": "granted"}},
    {"kind": "email", "value": "e@b.de"}
  ])");
  const Contact contact = Parse(obj);
  ASSERT_EQ(contact.addresses.size(), 5u);
  EXPECT_EQ(contact.addresses[0].consent,
            (Consent{ConsentState::kGranted, "import:survey.csv", kNow}));
  EXPECT_EQ(contact.addresses[1].consent, (Consent{ConsentState::kWithdrawn, "sms-stop", kNow}));
  EXPECT_EQ(contact.addresses[2].consent, Consent{});
  EXPECT_EQ(contact.addresses[3].consent,
            (Consent{ConsentState::kGranted, "import:survey.csv", kNow}));
  EXPECT_EQ(contact.addresses[4].consent, Consent{});
  EXPECT_FALSE(contact.addresses[4].opted_out);
  EXPECT_EQ(contact.addresses[4].opted_out_at_millis, 0);
}

TEST(ContactFromJsonTest, DefaultConsentSourceIsImport) {
  json obj = Minimal();
  obj["addresses"][0]["consent"] = "granted";
  std::vector<FieldError> errors;
  const std::optional<Contact> contact = ContactFromJson(obj, ContactInputOptions{}, &errors);
  ASSERT_TRUE(contact.has_value());
  EXPECT_EQ(contact->addresses[0].consent.source, "import");
  EXPECT_EQ(contact->addresses[0].consent.at_millis, 0);
}

TEST(ContactFromJsonTest, ConsentErrors) {
  json obj = Minimal();
  obj["addresses"] = json::parse(R"([
    {"kind": "email", "value": "a@b.de", "consent": "yes"},
    {"kind": "email", "value": "b@b.de", "consent": {"source": "form"}},
    {"kind": "email", "value": "c@b.de", "consent": {"state": "GRANTED"}},
    {"kind": "email", "value": "d@b.de", "consent": {"state": "granted", "source": ""}},
    {"kind": "email", "value": "e@b.de", "consent": {"state": "granted", "when": 1}},
    {"kind": "email", "value": "f@b.de", "consent": true}
  ])");
  EXPECT_THAT(ErrorsOf(obj),
              ElementsAre(Err("addresses[0].consent", "granted, withdrawn, unknown"),
                          Err("addresses[1].consent.state", "is required"),
                          Err("addresses[2].consent.state", "granted, withdrawn, unknown"),
                          Err("addresses[3].consent.source", "must not be empty"),
                          Err("addresses[4].consent.when", "unknown field"),
                          Err("addresses[5].consent", "must be a consent state")));
}

TEST(ContactFromJsonTest, ChannelOrderErrors) {
  json obj = Minimal();
  obj["channel_order"] = {"sms", "pigeon", "sms", 3, "email"};
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("channel_order[1]", "unknown channel \"pigeon\""),
                                         Err("channel_order[2]", "duplicate channel \"sms\""),
                                         Err("channel_order[3]", "must be a string")));
  obj["channel_order"] = "sms";
  EXPECT_THAT(ErrorsOf(obj), ElementsAre(Err("channel_order", "must be an array")));
}

TEST(ContactFromJsonTest, CollectsAllErrorsAtOnce) {
  const json obj = json::parse(R"({
    "name": "",
    "languages": ["english"],
    "country": "XX",
    "time_zone": "Nowhere/Land",
    "attributes": {"generation": null},
    "tags": [""],
    "addresses": [{"kind": "phone", "value": "12"}],
    "channel_order": ["fax"],
    "extra": 1
  })");
  std::vector<FieldError> errors = {{"earlier", "kept"}};
  EXPECT_FALSE(ContactFromJson(obj, Options(), &errors).has_value());
  std::vector<std::string> fields;
  for (const FieldError& e : errors) fields.push_back(e.field);
  EXPECT_THAT(fields, UnorderedElementsAre("earlier", "extra", "name", "languages[0]", "country",
                                           "time_zone", "attributes.generation", "tags[0]",
                                           "addresses[0].value", "channel_order[0]"));
}

TEST(ContactFromJsonTest, UnknownKeysWithInvalidUtf8AreReportedSafely) {
  json obj = Minimal();
  obj[std::string("bad\xFFkey")] = 1;
  const std::vector<FieldError> errors = ErrorsOf(obj);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "bad\xEF\xBF\xBDkey");
  EXPECT_NO_THROW((void)json(errors[0].field).dump());
}

// ---- CSV ----

CsvContactMapper Mapper(const std::vector<std::string>& header) {
  absl::StatusOr<CsvContactMapper> mapper = CsvContactMapper::FromHeader(header);
  EXPECT_TRUE(mapper.ok()) << mapper.status();
  return *std::move(mapper);
}

std::vector<FieldError> RowErrors(const CsvContactMapper& mapper,
                                  const std::vector<std::string>& row) {
  std::vector<FieldError> errors;
  EXPECT_FALSE(mapper.Map(row, Options(), &errors).has_value());
  return errors;
}

TEST(CsvContactMapperTest, HeaderNamesAreCaseInsensitiveAndTrimmed) {
  const CsvContactMapper mapper = Mapper({" Name ", "PHONE", "Country", "attr.Generation"});
  std::vector<FieldError> errors;
  const std::optional<Contact> contact =
      mapper.Map({"Abebe Bikila", "0911 234567", "ET", "2"}, Options(), &errors);
  ASSERT_TRUE(contact.has_value()) << testing::PrintToString(errors);
  EXPECT_EQ(contact->name, "Abebe Bikila");
  EXPECT_EQ(contact->addresses[0].value, "+251911234567");
  EXPECT_EQ(std::get<double>(contact->attributes.at("Generation")), 2.0);
}

TEST(CsvContactMapperTest, HeaderErrorsAreAllReported) {
  const absl::StatusOr<CsvContactMapper> mapper =
      CsvContactMapper::FromHeader({"name", "Email", "surname", "EMAIL", "", "attr.bad name",
                                    "attr.x", "attr.x", "fax_consent"});
  ASSERT_FALSE(mapper.ok());
  EXPECT_EQ(mapper.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(mapper.status().message());
  EXPECT_THAT(message, HasSubstr("unknown column \"surname\" (column 3)"));
  EXPECT_THAT(message, HasSubstr("duplicate column \"EMAIL\" (columns 2 and 4)"));
  EXPECT_THAT(message, HasSubstr("empty column name (column 5)"));
  EXPECT_THAT(message, HasSubstr("\"attr.bad name\" names an invalid attribute"));
  EXPECT_THAT(message, HasSubstr("duplicate column \"attr.x\" (columns 7 and 8)"));
  EXPECT_THAT(message, HasSubstr("unknown column \"fax_consent\" (column 9)"));
}

TEST(CsvContactMapperTest, HeaderNeedsNameAndAnAddressColumn) {
  absl::StatusOr<CsvContactMapper> mapper = CsvContactMapper::FromHeader({"email", "city"});
  ASSERT_FALSE(mapper.ok());
  EXPECT_THAT(std::string(mapper.status().message()), HasSubstr("missing column \"name\""));
  mapper = CsvContactMapper::FromHeader({"name", "city", "consent"});
  ASSERT_FALSE(mapper.ok());
  EXPECT_THAT(std::string(mapper.status().message()), HasSubstr("no address column"));
  EXPECT_TRUE(CsvContactMapper::FromHeader({"name", "messenger"}).ok());
  // Attribute names keep their case, so these are two different columns.
  EXPECT_TRUE(CsvContactMapper::FromHeader({"name", "email", "attr.gen", "attr.Gen"}).ok());
}

TEST(CsvContactMapperTest, MapsEveryColumn) {
  const CsvContactMapper mapper = Mapper({"name",
                                          "post_id",
                                          "languages",
                                          "country",
                                          "city",
                                          "time_zone",
                                          "tags",
                                          "email",
                                          "phone",
                                          "whatsapp",
                                          "telegram",
                                          "messenger",
                                          "consent",
                                          "phone_consent",
                                          "verified",
                                          "channel_order",
                                          "attr.generation",
                                          "attr.postcode",
                                          "attr.note",
                                          "attr.empty",
                                          "attr.ratio"});
  std::vector<FieldError> errors;
  const std::optional<Contact> contact = mapper.Map({" محمد عبد الله ",
                                                     "p_berlin",
                                                     "ar-eg| en ;de;",
                                                     "de",
                                                     "Berlin",
                                                     "europe/berlin",
                                                     "volunteer; choir;volunteer",
                                                     "Mohamed@Example.DE",
                                                     "030 1234567",
                                                     "+20 10 01234567",
                                                     "@Mohamed_Eg",
                                                     "123456789",
                                                     "Granted",
                                                     "WITHDRAWN",
                                                     "TRUE",
                                                     "WhatsApp; SMS",
                                                     "2",
                                                     "01067",
                                                     "hello",
                                                     "",
                                                     "-1.5e3"},
                                                    Options(), &errors);
  ASSERT_TRUE(contact.has_value()) << testing::PrintToString(errors);
  EXPECT_EQ(contact->name, "محمد عبد الله");
  EXPECT_EQ(contact->post_id, "p_berlin");
  EXPECT_THAT(contact->languages, ElementsAre("ar-EG", "en", "de"));
  EXPECT_EQ(contact->country, "DE");
  EXPECT_EQ(contact->city, "Berlin");
  EXPECT_EQ(contact->time_zone, "Europe/Berlin");
  EXPECT_THAT(contact->tags, ElementsAre("choir", "volunteer"));
  EXPECT_THAT(contact->channel_order, ElementsAre(Channel::kWhatsApp, Channel::kSms));
  EXPECT_EQ(contact->attributes.size(), 4u);
  EXPECT_EQ(std::get<double>(contact->attributes.at("generation")), 2.0);
  EXPECT_EQ(std::get<std::string>(contact->attributes.at("postcode")), "01067");
  EXPECT_EQ(std::get<std::string>(contact->attributes.at("note")), "hello");
  EXPECT_EQ(std::get<double>(contact->attributes.at("ratio")), -1500.0);

  ASSERT_EQ(contact->addresses.size(), 5u);
  const Consent granted{ConsentState::kGranted, "import:survey.csv", kNow};
  const Consent withdrawn{ConsentState::kWithdrawn, "import:survey.csv", kNow};
  EXPECT_EQ(contact->addresses[0].kind, AddressKind::kEmail);
  EXPECT_EQ(contact->addresses[0].value, "Mohamed@example.de");
  EXPECT_EQ(contact->addresses[0].consent, granted);
  EXPECT_EQ(contact->addresses[1].kind, AddressKind::kPhone);
  EXPECT_EQ(contact->addresses[1].value, "+49301234567");
  EXPECT_EQ(contact->addresses[1].consent, withdrawn);
  EXPECT_EQ(contact->addresses[2].kind, AddressKind::kWhatsApp);
  EXPECT_EQ(contact->addresses[2].value, "+201001234567");
  EXPECT_EQ(contact->addresses[3].value, "@mohamed_eg");
  EXPECT_EQ(contact->addresses[4].value, "123456789");
  for (const Address& address : contact->addresses) EXPECT_TRUE(address.verified);
}

TEST(CsvContactMapperTest, AttributeCellsBecomeNumbersOnlyWhenFullyNumeric) {
  const CsvContactMapper mapper = Mapper({"name", "email", "attr.a"});
  const auto value_of = [&](const std::string& cell) -> AttributeValue {
    std::vector<FieldError> errors;
    const std::optional<Contact> contact =
        mapper.Map({"Nino", "n@ex.ge", cell}, Options(), &errors);
    EXPECT_TRUE(contact.has_value()) << cell;
    if (!contact || !contact->attributes.contains("a")) return std::string("<absent>");
    return contact->attributes.at("a");
  };
  EXPECT_EQ(value_of("42"), AttributeValue(42.0));
  EXPECT_EQ(value_of("0"), AttributeValue(0.0));
  EXPECT_EQ(value_of("0.5"), AttributeValue(0.5));
  EXPECT_EQ(value_of("-7"), AttributeValue(-7.0));
  EXPECT_EQ(value_of(" 3.25 "), AttributeValue(3.25));
  EXPECT_EQ(value_of("1e3"), AttributeValue(1000.0));
  EXPECT_EQ(value_of("007"), AttributeValue(std::string("007")));
  EXPECT_EQ(value_of("1,5"), AttributeValue(std::string("1,5")));
  EXPECT_EQ(value_of("+5"), AttributeValue(std::string("+5")));
  EXPECT_EQ(value_of("inf"), AttributeValue(std::string("inf")));
  EXPECT_EQ(value_of("nan"), AttributeValue(std::string("nan")));
  EXPECT_EQ(value_of("1e999"), AttributeValue(std::string("1e999")));
  EXPECT_EQ(value_of("12abc"), AttributeValue(std::string("12abc")));
  EXPECT_EQ(value_of("0x10"), AttributeValue(std::string("0x10")));
  EXPECT_EQ(value_of("ქუთაისი"), AttributeValue(std::string("ქუთაისი")));
  EXPECT_EQ(value_of(""), AttributeValue(std::string("<absent>")));
}

TEST(CsvContactMapperTest, EmptyCellsMeanAbsent) {
  const CsvContactMapper mapper =
      Mapper({"name", "email", "phone", "country", "languages", "consent", "verified"});
  std::vector<FieldError> errors;
  const std::optional<Contact> contact =
      mapper.Map({"Abebe", "", " 0911 234567 ", "ET", "", "", ""}, Options(), &errors);
  ASSERT_TRUE(contact.has_value()) << testing::PrintToString(errors);
  ASSERT_EQ(contact->addresses.size(), 1u);
  EXPECT_EQ(contact->addresses[0].kind, AddressKind::kPhone);
  EXPECT_EQ(contact->addresses[0].consent, Consent{});
  EXPECT_FALSE(contact->addresses[0].verified);
  EXPECT_TRUE(contact->languages.empty());
}

TEST(CsvContactMapperTest, ErrorsNameTheColumn) {
  const CsvContactMapper mapper =
      Mapper({"name", "country", "languages", "tags", "time_zone", "email", "phone", "whatsapp",
              "consent", "phone_consent", "verified", "channel_order", "attr.note"});
  const std::vector<FieldError> errors = RowErrors(
      mapper, {"", "GR", "el;greek", std::string(65, 't'), "Athens", "giorgos@", "12",
               "+30 691 234 5678", "maybe", "sure", "yes", "sms;fax", std::string(1001, 'n')});
  EXPECT_THAT(errors, UnorderedElementsAre(
                          Err("consent", "granted, withdrawn, unknown"),
                          Err("phone_consent", "granted, withdrawn, unknown"),
                          Err("verified", "true or false"), Err("name", "must not be empty"),
                          Err("languages", "item 2: language tag \"greek\""),
                          Err("tags", "item 1: must be at most 64 characters"),
                          Err("time_zone", "unknown IANA time zone"), Err("email", "no domain"),
                          Err("phone", "not a valid phone number for region GR"),
                          Err("channel_order", "item 2: unknown channel \"fax\""),
                          Err("attr.note", "at most 1000 characters")));
}

TEST(CsvContactMapperTest, ConsentColumnErrorsMapToTheColumnUsed) {
  const CsvContactMapper mapper = Mapper({"name", "email", "phone", "country", "email_consent"});
  // A bad country makes the phone unreadable; the error names the phone column.
  EXPECT_THAT(RowErrors(mapper, {"Nino", "n@ex.ge", "599 12 34 56", "Georgia", "granted"}),
              ElementsAre(Err("country", "alpha-2"), Err("phone", "must start with +")));
  // Rows without any address.
  EXPECT_THAT(RowErrors(mapper, {"Nino", "", "", "GE", "granted"}),
              ElementsAre(Err("addresses", "at least one address")));
}

TEST(CsvContactMapperTest, RowWithWrongCellCountIsAnError) {
  const CsvContactMapper mapper = Mapper({"name", "email"});
  EXPECT_THAT(RowErrors(mapper, {"Nino"}),
              ElementsAre(Err("", "row has 1 cells but the header has 2")));
  EXPECT_THAT(RowErrors(mapper, {"Nino", "n@ex.ge", "extra"}),
              ElementsAre(Err("", "row has 3 cells but the header has 2")));
}

TEST(CsvContactMapperTest, KindConsentOverridesRowConsentOnlyForItsKind) {
  const CsvContactMapper mapper =
      Mapper({"name", "email", "whatsapp", "consent", "whatsapp_consent"});
  std::vector<FieldError> errors;
  const std::optional<Contact> contact = mapper.Map(
      {"ნინო", "n@ex.ge", "+995 599 12 34 56", "withdrawn", "granted"}, Options(), &errors);
  ASSERT_TRUE(contact.has_value()) << testing::PrintToString(errors);
  EXPECT_EQ(contact->addresses[0].consent.state, ConsentState::kWithdrawn);
  EXPECT_EQ(contact->addresses[1].consent.state, ConsentState::kGranted);
  EXPECT_TRUE(contact->HasReachable(AddressKind::kWhatsApp));
  EXPECT_FALSE(contact->HasReachable(AddressKind::kEmail));
}

TEST(CsvContactMapperTest, ReadsAWholeFileWithCsvReader) {
  const std::string file =
      "\xEF\xBB\xBFName,Phone,Country,Languages,Tags,attr.generation\r\n"
      "\"Beridze, Nino\",599 12 34 56,GE,ka;ru,\"choir;\"\"new\"\"\",2\r\n"
      "\r\n"
      "\"ቢቂላ, አበበ\",0911 234567,ET,am,,1\r\n"
      "\"Multi\r\nLine\",0911 234567,ET,am,,1\r\n"
      "Παπαδόπουλος,210 1234567,GR,el,,\r\n"
      "محمد,0049 30 1234567,DE,ar-EG,,3\r\n"
      "Bad Phone,12,DE,de,,\r\n";
  CsvReader reader(file);
  std::vector<std::string> fields;
  size_t line = 0;
  ASSERT_TRUE(*reader.Next(&fields, &line));
  const CsvContactMapper mapper = Mapper(fields);
  std::vector<std::pair<size_t, Contact>> contacts;
  std::vector<std::pair<size_t, FieldError>> problems;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&fields, &line);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    std::vector<FieldError> errors;
    if (std::optional<Contact> contact = mapper.Map(fields, Options(), &errors)) {
      contacts.emplace_back(line, *std::move(contact));
    }
    for (FieldError& e : errors) problems.emplace_back(line, std::move(e));
  }
  ASSERT_EQ(contacts.size(), 4u);
  EXPECT_EQ(contacts[0].first, 2u);
  EXPECT_EQ(contacts[0].second.name, "Beridze, Nino");
  EXPECT_THAT(contacts[0].second.tags, ElementsAre("\"new\"", "choir"));
  EXPECT_THAT(contacts[0].second.languages, ElementsAre("ka", "ru"));
  EXPECT_EQ(contacts[0].second.addresses[0].value, "+995599123456");
  EXPECT_EQ(contacts[1].first, 4u);
  EXPECT_EQ(contacts[1].second.name, "ቢቂላ, አበበ");
  EXPECT_EQ(contacts[1].second.addresses[0].value, "+251911234567");
  EXPECT_EQ(contacts[2].first, 7u);
  EXPECT_EQ(contacts[2].second.addresses[0].value, "+302101234567");
  EXPECT_TRUE(contacts[2].second.attributes.empty());
  EXPECT_EQ(contacts[3].first, 8u);
  EXPECT_EQ(contacts[3].second.addresses[0].value, "+49301234567");
  EXPECT_EQ(std::get<double>(contacts[3].second.attributes.at("generation")), 3.0);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].first, 5u);
  EXPECT_THAT(problems[0].second, Err("name", "control characters or line breaks"));
  EXPECT_EQ(problems[1].first, 9u);
  EXPECT_THAT(problems[1].second, Err("phone", "not a valid phone number for region DE"));
}

}  // namespace
}  // namespace ogw
