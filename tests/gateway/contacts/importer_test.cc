#include "gateway/contacts/importer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gateway/contacts/contact_json.h"
#include "gateway/core/clock.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "tests/testutil/redis_fixture.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw {
namespace {

using json = nlohmann::json;
using ::ogw::testing::ContainsNoneOf;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kOrg[] = "org_imp";
constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00Z.

// An error on `line` in `field` whose message contains `fragment`.
auto RowError(size_t line, const std::string& field, const std::string& fragment = "") {
  return AllOf(Field(&ImportRowError::line, line), Field(&ImportRowError::field, field),
               Field(&ImportRowError::message, HasSubstr(fragment)));
}

class ImporterTest : public ogw::testing::RedisTest {
 protected:
  void SetUp() override { FlushAll(); }

  ImportOptions Options() {
    ImportOptions options;
    options.org_id = kOrg;
    options.source = "import:survey.csv";
    options.known_posts = {"post_a", "post_b"};
    return options;
  }

  ImportReport Import(ImportFormat format, const std::string& data,
                      const ImportOptions& options) {
    auto report = importer_.Import(format, data, options);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : ImportReport{};
  }
  ImportReport ImportCsv(const std::string& csv) {
    return Import(ImportFormat::kCsv, csv, Options());
  }

  // The stored contact that owns `address_key` ("phone:+49..."); fails the test if none.
  StoredContact ByAddress(const std::string& address_key) {
    auto owners = store_.FindOwners(kOrg, {address_key});
    EXPECT_TRUE(owners.ok()) << owners.status();
    if (!owners.ok() || owners->front().empty()) {
      ADD_FAILURE() << "no contact owns " << address_key;
      return {};
    }
    auto stored = store_.Get(kOrg, owners->front());
    EXPECT_TRUE(stored.ok() && stored->has_value());
    return stored.ok() && stored->has_value() ? **stored : StoredContact{};
  }
  bool Owned(const std::string& address_key) {
    auto owners = store_.FindOwners(kOrg, {address_key});
    EXPECT_TRUE(owners.ok());
    return owners.ok() && !owners->front().empty();
  }

  // Every stored contact document, by id.
  std::map<std::string, std::string> Docs() {
    std::map<std::string, std::string> out;
    auto all = pool().Command({"HGETALL", keys::Contacts(kOrg)});
    EXPECT_TRUE(all.ok()) << all.status();
    if (!all.ok()) return out;
    for (size_t i = 0; i + 1 < all->elements.size(); i += 2) {
      out[all->elements[i].str] = all->elements[i + 1].str;
    }
    return out;
  }
  std::map<std::string, std::string> Versions() {
    std::map<std::string, std::string> out;
    auto all = pool().Command({"HGETALL", keys::ContactVersions(kOrg)});
    EXPECT_TRUE(all.ok()) << all.status();
    if (!all.ok()) return out;
    for (size_t i = 0; i + 1 < all->elements.size(); i += 2) {
      out[all->elements[i].str] = all->elements[i + 1].str;
    }
    return out;
  }

  size_t ContactCount() { return Docs().size(); }

  // Stores `c` directly, bypassing the importer; returns it with id and org set.
  Contact StoreDirectly(Contact c) {
    c.id = NewId("c", clock_.NowMillis());
    c.org_id = kOrg;
    c.created_at_millis = c.updated_at_millis = clock_.NowMillis();
    auto outcome = store_.Put(c, 0, nullptr);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    EXPECT_EQ(outcome->code, PutOutcome::Code::kOk);
    return c;
  }

  FakeClock clock_{kNow};
  ContactStore store_{&pool()};
  ContactImporter importer_{&store_, &clock_};
};

Address MakeAddress(AddressKind kind, std::string value, ConsentState state = ConsentState::kUnknown,
                    bool opted_out = false) {
  Address a;
  a.kind = kind;
  a.value = std::move(value);
  if (state != ConsentState::kUnknown) a.consent = Consent{state, "person", kNow - 1000};
  a.opted_out = opted_out;
  if (opted_out) a.opted_out_at_millis = kNow - 500;
  return a;
}

// Good rows on lines 2, 6-7 (a quoted cell spanning two lines) and 10; bad rows on every other
// line.
const char kMixedCsv[] =
    "name,phone,email,languages,time_zone,attr.generation,tags\n"                      // 1
    "ნინო ბერიძე,+995 599 12 34 56,nino@example.ge,ka;ru,Asia/Tbilisi,2,volunteer\n"    // 2
    "Bad Phone,+49 30,badphone@example.org,,,,\n"                                      // 3
    "Bad Language,,badlang@example.org,english,,,\n"                                   // 4
    "Bad Zone,,badzone@example.org,,Mars/Olympus,,\n"                                  // 5
    "محمد عبد الله,+49 151 23456789,mohammed@example.org,\"ar;\n"                      // 6
    "de\",Europe/Berlin,3,\n"                                                          // 7
    "Duplicate,,nino@example.ge,,,,\n"                                                 // 8
    "After Multi-line,+49 30,after@example.org,,,,\n"                                  // 9
    "አበበ ቢቂላ,+251 91 123 4567,abebe@example.et,am,Africa/Addis_Ababa,1,runner;elder\n"  // 10
    "Duplicate Too,,mohammed@example.org,,,,\n";                                       // 11

TEST_F(ImporterTest, CsvImportsGoodRowsAndReportsBadOnesWithLinesAndFields) {
  ImportReport report = ImportCsv(kMixedCsv);
  EXPECT_EQ(report.rows, 9u);
  EXPECT_EQ(report.created, 3u);
  EXPECT_EQ(report.updated, 0u);
  EXPECT_EQ(report.unchanged, 0u);
  EXPECT_EQ(report.failed, 6u);
  EXPECT_THAT(report.errors,
              UnorderedElementsAre(RowError(3, "phone", "not a valid phone number"),
                                   RowError(4, "languages", "item 1"),
                                   RowError(5, "time_zone", "unknown IANA time zone"),
                                   RowError(8, "email", "first at line 2"),
                                   RowError(9, "phone", "not a valid phone number"),
                                   RowError(11, "email", "first at line 6")));
  EXPECT_EQ(report.errors.size(), 6u) << "one error per failed row";
  // Errors never echo the rejected value.
  for (const auto& e : report.errors) {
    EXPECT_THAT(e.message, ::testing::Not(HasSubstr("Mars/Olympus")));
    EXPECT_THAT(e.message, ::testing::Not(HasSubstr("english")));
  }
  EXPECT_EQ(ContactCount(), 3u);

  StoredContact nino = ByAddress("phone:+995599123456");
  EXPECT_EQ(nino.version, 1);
  EXPECT_EQ(nino.contact.name, "ნინო ბერიძე");
  EXPECT_EQ(nino.contact.org_id, kOrg);
  EXPECT_TRUE(IsWellFormedId(nino.contact.id, "c"));
  EXPECT_EQ(nino.contact.languages, (std::vector<std::string>{"ka", "ru"}));
  EXPECT_EQ(nino.contact.time_zone, "Asia/Tbilisi");
  EXPECT_EQ(std::get<double>(nino.contact.attributes.at("generation")), 2.0);
  EXPECT_THAT(nino.contact.tags, ElementsAre("volunteer"));
  EXPECT_EQ(nino.contact.created_at_millis, kNow);
  EXPECT_EQ(nino.contact.updated_at_millis, kNow);
  ASSERT_EQ(nino.contact.addresses.size(), 2u);
  EXPECT_EQ(ByAddress("email:nino@example.ge").contact.id, nino.contact.id);

  StoredContact mohammed = ByAddress("email:mohammed@example.org");
  EXPECT_EQ(mohammed.contact.name, "محمد عبد الله");
  EXPECT_EQ(mohammed.contact.languages, (std::vector<std::string>{"ar", "de"}));
  EXPECT_EQ(mohammed.contact.time_zone, "Europe/Berlin");
  EXPECT_EQ(ByAddress("phone:+4915123456789").contact.id, mohammed.contact.id);

  StoredContact abebe = ByAddress("phone:+251911234567");
  EXPECT_EQ(abebe.contact.name, "አበበ ቢቂላ");
  EXPECT_EQ(abebe.contact.time_zone, "Africa/Addis_Ababa");
  EXPECT_THAT(abebe.contact.tags, ElementsAre("elder", "runner"));

  // None of the rejected rows left anything behind.
  EXPECT_FALSE(Owned("email:badphone@example.org"));
  EXPECT_FALSE(Owned("email:badlang@example.org"));
  EXPECT_FALSE(Owned("email:badzone@example.org"));
  EXPECT_FALSE(Owned("email:after@example.org"));

  json j = report.ToJson(ImportFormat::kCsv);
  EXPECT_EQ(j.at("rows"), 9);
  EXPECT_EQ(j.at("created"), 3);
  EXPECT_EQ(j.at("failed"), 6);
  EXPECT_EQ(j.at("errors").size(), 6u);
  EXPECT_TRUE(j.at("errors").at(0).contains("line"));
  EXPECT_EQ(j.at("errors_truncated"), false);
}


TEST_F(ImporterTest, ErrorsNeverEchoTheRejectedValue) {
  // Reports are stored and logged: a misaligned column can put anyone's data into any cell.
  ImportReport report = ImportCsv(
      "name,email,phone,time_zone,languages,channel_order,country\n"
      "A,a@example.org,,\"Nino \"\"Secret\"\" Beridze\",,,\n"  // 2
      "B,b@example.org,,,secretlang,,\n"                          // 3
      "C,c@example.org,,,,secretchannel,\n"                       // 4
      "D,d@example.org,,,,,QQ\n"                                   // 5
      "E,e@example.org,,,ka;ka,,\n"                                // 6
      "F,secret.person@@example.org,,,,,\n"                        // 7
      "G,,+49 30 999 secret,,,,\n");                               // 8
  EXPECT_EQ(report.failed, 7u);
  EXPECT_THAT(report.errors,
              UnorderedElementsAre(RowError(2, "time_zone"), RowError(3, "languages"),
                                   RowError(4, "channel_order"), RowError(5, "country"),
                                   RowError(6, "languages"), RowError(7, "email"),
                                   RowError(8, "phone")));
  for (const auto& e : report.errors) {
    SCOPED_TRACE(e.line);
    EXPECT_FALSE(e.message.empty());
    EXPECT_THAT(e.message, ContainsNoneOf({"Secret", "Nino", "secret", "QQ", "\"ka\"", "\""}));
  }
  // What remains still says what is wrong.
  for (const auto& e : report.errors) {
    if (e.line == 2) {
      EXPECT_EQ(e.message, "unknown IANA time zone");
    }
    if (e.line == 4) {
      EXPECT_THAT(e.message, HasSubstr("expected email, sms"));
    }
  }
}

TEST_F(ImporterTest, ReimportingTheSameFileChangesNothing) {
  ImportReport first = ImportCsv(kMixedCsv);
  ASSERT_EQ(first.created, 3u);
  const auto docs_before = Docs();
  const auto versions_before = Versions();
  ASSERT_EQ(docs_before.size(), 3u);

  clock_.Advance(24 * 3600 * 1000);  // A day later: nothing may pick up the new time.
  ImportReport second = ImportCsv(kMixedCsv);
  EXPECT_EQ(second.rows, 9u);
  EXPECT_EQ(second.created, 0u);
  EXPECT_EQ(second.updated, 0u);
  EXPECT_EQ(second.unchanged, 3u);
  EXPECT_EQ(second.failed, 6u);
  EXPECT_EQ(Docs(), docs_before);  // Byte-identical documents.
  EXPECT_EQ(Versions(), versions_before);

  // A CRLF copy of the same file is the same data.
  std::string crlf;
  for (char c : std::string(kMixedCsv)) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  ImportReport third = ImportCsv(crlf);
  EXPECT_EQ(third.unchanged, 3u);
  EXPECT_EQ(third.failed, 6u);
  EXPECT_THAT(third.errors, ::testing::Contains(RowError(11, "email", "first at line 6")));
  EXPECT_EQ(Docs(), docs_before);
}

TEST_F(ImporterTest, UpsertsByAnyAddress) {
  ASSERT_EQ(ImportCsv("name,phone,email,city,tags,attr.tier\n"
                      "Giorgi,+995 599 11 22 33,giorgi@example.ge,Berlin,a,gold\n")
                .created,
            1u);
  const StoredContact before = ByAddress("phone:+995599112233");

  clock_.Advance(60'000);
  // Known phone, new e-mail, no city (keeps the stored one), another tag and attribute.
  ImportReport report = ImportCsv("name,phone,email,city,tags,attr.age\n"
                                  "Giorgi M.,+995 599 11 22 33,giorgi.m@example.org,,b,34\n");
  EXPECT_EQ(report.created, 0u);
  EXPECT_EQ(report.updated, 1u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(ContactCount(), 1u);

  const StoredContact after = ByAddress("email:giorgi.m@example.org");
  EXPECT_EQ(after.contact.id, before.contact.id);
  EXPECT_EQ(after.version, before.version + 1);
  EXPECT_EQ(after.contact.name, "Giorgi M.");
  EXPECT_EQ(after.contact.city, "Berlin");
  EXPECT_THAT(after.contact.tags, ElementsAre("a", "b"));
  EXPECT_EQ(std::get<std::string>(after.contact.attributes.at("tier")), "gold");
  EXPECT_EQ(std::get<double>(after.contact.attributes.at("age")), 34.0);
  ASSERT_EQ(after.contact.addresses.size(), 3u);
  EXPECT_EQ(after.contact.created_at_millis, kNow);
  EXPECT_EQ(after.contact.updated_at_millis, kNow + 60'000);
  EXPECT_EQ(ByAddress("email:giorgi@example.ge").contact.id, before.contact.id);

  // By e-mail alone works too.
  report = ImportCsv("name,email,country\nGiorgi M.,giorgi@example.ge,GE\n");
  EXPECT_EQ(report.updated, 1u);
  EXPECT_EQ(ByAddress("phone:+995599112233").contact.country, "GE");
  EXPECT_EQ(ContactCount(), 1u);
}

TEST_F(ImporterTest, RowWhoseAddressesBelongToTwoContactsIsRefused) {
  ASSERT_EQ(ImportCsv("name,phone,email\n"
                      "One,+4930 1111111,one@example.org\n"
                      "Two,+4930 2222222,two@example.org\n")
                .created,
            2u);
  const auto docs = Docs();
  ImportReport report = ImportCsv("name,phone,email\nMixed,+4930 1111111,two@example.org\n");
  EXPECT_EQ(report.failed, 1u);
  EXPECT_EQ(report.updated, 0u);
  EXPECT_THAT(report.errors, ElementsAre(RowError(2, "email", "different contact")));
  EXPECT_EQ(Docs(), docs);
}

TEST_F(ImporterTest, NeverRegrantsWithdrawnConsentOrClearsOptOut) {
  Contact c;
  c.name = "Careful Person";
  c.addresses = {
      MakeAddress(AddressKind::kPhone, "+4930123456", ConsentState::kWithdrawn),
      MakeAddress(AddressKind::kEmail, "careful@example.org", ConsentState::kGranted,
                  /*opted_out=*/true),
  };
  c = StoreDirectly(c);
  const auto docs = Docs();

  // Same name, consent granted for both: nothing may change.
  ImportReport report = ImportCsv(
      "name,phone,email,consent\nCareful Person,+49 30 123456,careful@example.org,granted\n");
  EXPECT_EQ(report.unchanged, 1u);
  EXPECT_EQ(report.updated, 0u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(Docs(), docs);

  // A change elsewhere in the row is applied, the person's "no" is kept.
  clock_.Advance(1000);
  report = ImportCsv(
      "name,phone,email,whatsapp,consent\n"
      "Careful P.,+49 30 123456,careful@example.org,+49 30 123456,granted\n");
  EXPECT_EQ(report.updated, 1u);
  StoredContact after = ByAddress("phone:+4930123456");
  EXPECT_EQ(after.contact.name, "Careful P.");
  const Address* phone = after.contact.FindAddress(AddressKind::kPhone);
  const Address* email = after.contact.FindAddress(AddressKind::kEmail);
  const Address* whatsapp = after.contact.FindAddress(AddressKind::kWhatsApp);
  ASSERT_TRUE(phone && email && whatsapp);
  EXPECT_EQ(phone->consent.state, ConsentState::kWithdrawn);
  EXPECT_EQ(phone->consent.source, "person");
  EXPECT_EQ(phone->consent.at_millis, kNow - 1000);
  EXPECT_FALSE(phone->Reachable());
  EXPECT_TRUE(email->opted_out);
  EXPECT_EQ(email->opted_out_at_millis, kNow - 500);
  EXPECT_FALSE(email->Reachable());
  // The new address gets the file's consent, with the import as source.
  EXPECT_EQ(whatsapp->consent.state, ConsentState::kGranted);
  EXPECT_EQ(whatsapp->consent.source, "import:survey.csv");
  EXPECT_EQ(whatsapp->consent.at_millis, kNow + 1000);
  EXPECT_TRUE(whatsapp->Reachable());

  // An import that withdraws consent is applied (only re-granting is refused).
  report = ImportCsv("name,whatsapp,consent\nCareful P.,+49 30 123456,withdrawn\n");
  EXPECT_EQ(report.updated, 1u);
  EXPECT_EQ(ByAddress("whatsapp:+4930123456").contact.FindAddress(AddressKind::kWhatsApp)
                ->consent.state,
            ConsentState::kWithdrawn);
}

TEST_F(ImporterTest, RowsOfOneBatchResolvingToTheSameContactAllMerge) {
  Contact c;
  c.name = "Shared";
  c.addresses = {MakeAddress(AddressKind::kPhone, "+4930555555"),
                 MakeAddress(AddressKind::kEmail, "shared@example.org"),
                 MakeAddress(AddressKind::kTelegram, "@shared_person"),
                 MakeAddress(AddressKind::kWhatsApp, "+4930555555"),
                 MakeAddress(AddressKind::kMessenger, "123456789"),
                 MakeAddress(AddressKind::kEmail, "shared2@example.org")};
  c = StoreDirectly(c);

  // Two rows, each naming the stored contact by a different address and adding something.
  ImportReport report = ImportCsv(
      "name,phone,email,tags,attr.a,attr.b\n"
      "Shared,+49 30 555555,,from-row-2,1,\n"
      "Shared,,shared@example.org,from-row-3,,2\n");
  EXPECT_EQ(report.updated, 2u);
  EXPECT_EQ(report.failed, 0u) << ::testing::PrintToString(report.errors.size());
  StoredContact after = ByAddress("phone:+4930555555");
  EXPECT_EQ(after.contact.id, c.id);
  EXPECT_THAT(after.contact.tags, ElementsAre("from-row-2", "from-row-3"));
  EXPECT_EQ(std::get<double>(after.contact.attributes.at("a")), 1.0);
  EXPECT_EQ(std::get<double>(after.contact.attributes.at("b")), 2.0);
  EXPECT_EQ(after.version, 3);

  // Six rows, one per address of the same person: none may be lost.
  report = ImportCsv(
      "name,phone,email,telegram,whatsapp,messenger,tags\n"
      "Shared,+49 30 555555,,,,,t1\n"
      "Shared,,shared@example.org,,,,t2\n"
      "Shared,,,@shared_person,,,t3\n"
      "Shared,,,,+49 30 555555,,t4\n"
      "Shared,,,,,123456789,t5\n"
      "Shared,,shared2@example.org,,,,t6\n");
  EXPECT_EQ(report.updated, 6u);
  EXPECT_EQ(report.failed, 0u);
  for (const auto& e : report.errors) ADD_FAILURE() << e.line << " " << e.field << ": " << e.message;
  after = ByAddress("phone:+4930555555");
  EXPECT_THAT(after.contact.tags,
              ElementsAre("from-row-2", "from-row-3", "t1", "t2", "t3", "t4", "t5", "t6"));
  EXPECT_EQ(ContactCount(), 1u);
}

TEST_F(ImporterTest, JsonImportNumbersRecords) {
  const std::string records = R"([
    {"name": "ნინო", "addresses": [{"kind": "email", "value": "nino@example.ge",
                                     "consent": "granted"}],
     "languages": ["ka"], "attributes": {"generation": 2}},
    {"name": "Bad", "addresses": [{"kind": "phone", "value": "+49 30"}]},
    "not an object",
    {"name": "No Address"},
    {"name": "Dup", "addresses": [{"kind": "email", "value": "nino@EXAMPLE.GE"}]},
    {"name": "Zone", "time_zone": "Nowhere/Land",
     "addresses": [{"kind": "email", "value": "zone@example.org"}]},
    {"name": "አበበ", "addresses": [{"kind": "phone", "value": "+251 91 123 4567"}],
     "channel_order": ["sms"]}
  ])";
  for (bool wrapped : {false, true}) {
    SCOPED_TRACE(wrapped);
    FlushAll();
    const std::string body = wrapped ? "{\"contacts\": " + records + "}" : records;
    ImportReport report = Import(ImportFormat::kJson, body, Options());
    EXPECT_EQ(report.rows, 7u);
    EXPECT_EQ(report.created, 2u);
    EXPECT_EQ(report.failed, 5u);
    EXPECT_THAT(report.errors,
                UnorderedElementsAre(RowError(2, "addresses[0].value", "not a valid phone"),
                                     RowError(3, "", "expected a contact object"),
                                     RowError(4, "addresses", "at least one address"),
                                     RowError(5, "email", "first at line 1"),
                                     RowError(6, "time_zone", "unknown IANA time zone")));
    json j = report.ToJson(ImportFormat::kJson);
    ASSERT_EQ(j.at("errors").size(), 5u);
    EXPECT_TRUE(j.at("errors").at(0).contains("record"));
    EXPECT_FALSE(j.at("errors").at(0).contains("line"));

    StoredContact nino = ByAddress("email:nino@example.ge");
    EXPECT_EQ(nino.contact.name, "ნინო");
    EXPECT_EQ(nino.contact.addresses[0].consent.state, ConsentState::kGranted);
    EXPECT_EQ(nino.contact.addresses[0].consent.source, "import:survey.csv");
    EXPECT_EQ(nino.contact.addresses[0].consent.at_millis, kNow);
    EXPECT_EQ(ByAddress("phone:+251911234567").contact.channel_order,
              (std::vector<Channel>{Channel::kSms}));
    EXPECT_EQ(ContactCount(), 2u);

    // Re-import: unchanged.
    ImportReport again = Import(ImportFormat::kJson, body, Options());
    EXPECT_EQ(again.unchanged, 2u);
    EXPECT_EQ(again.created + again.updated, 0u);
  }
}

TEST_F(ImporterTest, MalformedFilesFailAsAWhole) {
  auto bad_json = importer_.Import(ImportFormat::kJson, "[{", Options());
  EXPECT_EQ(bad_json.status().code(), absl::StatusCode::kInvalidArgument);
  auto not_array = importer_.Import(ImportFormat::kJson, R"({"people": []})", Options());
  EXPECT_EQ(not_array.status().code(), absl::StatusCode::kInvalidArgument);
  auto empty = importer_.Import(ImportFormat::kCsv, "", Options());
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_header = importer_.Import(ImportFormat::kCsv, "name,colour\nA,red\n", Options());
  EXPECT_EQ(bad_header.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(MessageOf(bad_header.status())), HasSubstr("line 1"));
  EXPECT_THAT(std::string(MessageOf(bad_header.status())), HasSubstr("colour"));
  // An unclosed quote names the line the field started on; nothing is written, not even the
  // good rows before it.
  auto unclosed = importer_.Import(ImportFormat::kCsv,
                                   "name,email\nA,a@example.org\nB,\"b@example.org\n\nC,c\n",
                                   Options());
  EXPECT_EQ(unclosed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(MessageOf(unclosed.status())), HasSubstr("line 3"));
  EXPECT_EQ(ContactCount(), 0u);

  ImportOptions options = Options();
  options.max_rows = 2;
  auto too_many = importer_.Import(
      ImportFormat::kCsv, "name,email\nA,a@example.org\nB,b@example.org\nC,c@example.org\n",
      options);
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  auto too_many_json = importer_.Import(
      ImportFormat::kJson,
      R"([{"name":"A","addresses":[{"kind":"email","value":"a@example.org"}]},
          {"name":"B","addresses":[{"kind":"email","value":"b@example.org"}]},
          {"name":"C","addresses":[{"kind":"email","value":"c@example.org"}]}])",
      options);
  EXPECT_EQ(too_many_json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ContactCount(), 0u);
}

TEST_F(ImporterTest, ReportedErrorsAreCapped) {
  ImportOptions options = Options();
  options.max_reported_errors = 2;
  ImportReport report = Import(ImportFormat::kCsv,
                               "name,email\n"
                               "A,not-an-email\n"
                               "B,also bad\n"
                               "C,c@example.org\n"
                               "D,@@\n"
                               "E,\n",
                               options);
  EXPECT_EQ(report.rows, 5u);
  EXPECT_EQ(report.created, 1u);
  EXPECT_EQ(report.failed, 4u);
  EXPECT_THAT(report.errors, ElementsAre(RowError(2, "email"), RowError(3, "email")));
  EXPECT_EQ(report.ToJson(ImportFormat::kCsv).at("errors_truncated"), true);
}

TEST_F(ImporterTest, OfficerScopeKeepsRowsInTheOfficersPosts) {
  Contact elsewhere;
  elsewhere.name = "Other Post Person";
  elsewhere.post_id = "post_b";
  elsewhere.addresses = {MakeAddress(AddressKind::kPhone, "+4930777777")};
  elsewhere = StoreDirectly(elsewhere);
  Contact unassigned;
  unassigned.name = "No Post Person";
  unassigned.addresses = {MakeAddress(AddressKind::kEmail, "nopost@example.org")};
  unassigned = StoreDirectly(unassigned);
  const std::string elsewhere_doc = Docs().at(elsewhere.id);
  const std::string unassigned_doc = Docs().at(unassigned.id);

  ImportOptions officer = Options();
  officer.scope = PostScope::Of({"post_a"});
  officer.default_post_id = "post_a";
  ImportReport report = Import(ImportFormat::kCsv,
                               "name,post_id,phone,email\n"
                               "Mine By Default,,+4930 1000001,\n"        // 2
                               "Mine Explicitly,post_a,+4930 1000002,\n"  // 3
                               "Wrong Post,post_b,+4930 1000003,\n"       // 4
                               "Takeover,,+49 30 777777,\n"               // 5
                               "Takeover Explicit,post_a,,nopost@example.org\n",  // 6
                               officer);
  EXPECT_EQ(report.rows, 5u);
  EXPECT_EQ(report.created, 2u);
  EXPECT_EQ(report.updated, 0u);
  EXPECT_EQ(report.failed, 3u);
  EXPECT_THAT(report.errors,
              UnorderedElementsAre(RowError(4, "post_id", "not one of your posts"),
                                   RowError(5, "phone", "outside your posts"),
                                   RowError(6, "email", "outside your posts")));
  EXPECT_EQ(ByAddress("phone:+49301000001").contact.post_id, "post_a");
  EXPECT_EQ(ByAddress("phone:+49301000002").contact.post_id, "post_a");
  EXPECT_FALSE(Owned("phone:+49301000003"));
  EXPECT_EQ(Docs().at(elsewhere.id), elsewhere_doc);
  EXPECT_EQ(Docs().at(unassigned.id), unassigned_doc);

  // Without a default post, an officer's row must name a post.
  ImportOptions no_default = Options();
  no_default.scope = PostScope::Of({"post_a"});
  report = Import(ImportFormat::kCsv,
                  "name,post_id,phone\n"
                  "Nowhere,,+4930 1000004\n"
                  "Somewhere,post_a,+4930 1000005\n",
                  no_default);
  EXPECT_EQ(report.created, 1u);
  EXPECT_EQ(report.failed, 1u);
  EXPECT_THAT(report.errors, ElementsAre(RowError(2, "post_id", "required")));
  EXPECT_FALSE(Owned("phone:+49301000004"));

  // An officer of post_a may update their own contacts, and JSON obeys the same rules.
  report = Import(ImportFormat::kJson,
                  R"([{"name": "Mine Renamed",
                       "addresses": [{"kind": "phone", "value": "+4930 1000001"}]},
                      {"name": "Sneaky", "post_id": "post_b",
                       "addresses": [{"kind": "phone", "value": "+4930 1000006"}]}])",
                  no_default);
  EXPECT_EQ(report.updated, 1u);
  EXPECT_THAT(report.errors, ElementsAre(RowError(2, "post_id")));
  EXPECT_EQ(ByAddress("phone:+49301000001").contact.name, "Mine Renamed");
  EXPECT_EQ(ByAddress("phone:+49301000001").contact.post_id, "post_a");

  // An admin (organisation-wide) may take over and move contacts between posts.
  report = Import(ImportFormat::kCsv, "name,post_id,phone\nMoved,post_a,+49 30 777777\n",
                  Options());
  EXPECT_EQ(report.updated, 1u);
  EXPECT_EQ(ByAddress("phone:+4930777777").contact.post_id, "post_a");
}

TEST_F(ImporterTest, KeepsNamesInEveryScript) {
  ImportReport report = ImportCsv(
      "name,email,city\n"
      "محمد عبد الله,arabic@example.org,القاهرة\n"
      "ნინო ბერიძე,georgian@example.org,თბილისი\n"
      "አበበ ቢቂላ,amharic@example.org,አዲስ አበባ\n"
      "\xC2\xA0 Rene\xCC\x81" "e Müller \xC2\xA0,latin@example.org,Zürich\n");
  EXPECT_EQ(report.created, 4u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(ByAddress("email:arabic@example.org").contact.name, "محمد عبد الله");
  EXPECT_EQ(ByAddress("email:arabic@example.org").contact.city, "القاهرة");
  EXPECT_EQ(ByAddress("email:georgian@example.org").contact.name, "ნინო ბერიძე");
  EXPECT_EQ(ByAddress("email:amharic@example.org").contact.name, "አበበ ቢቂላ");
  EXPECT_EQ(ByAddress("email:amharic@example.org").contact.city, "አዲስ አበባ");
  // Trimmed of no-break spaces and composed (NFC).
  EXPECT_EQ(ByAddress("email:latin@example.org").contact.name, "Ren\xC3\xA9" "e Müller");
  // Stored as UTF-8 in the document, not escaped.
  EXPECT_THAT(Docs().at(ByAddress("email:georgian@example.org").contact.id),
              HasSubstr("ნინო ბერიძე"));
}

TEST_F(ImporterTest, ImportsAGeneratedFileOf5000Rows) {
  std::string csv = "name,email,phone,attr.n\n";
  for (int i = 0; i < 5000; ++i) {
    csv += "Person " + std::to_string(i) + ",p" + std::to_string(i) + "@example.org,+4930" +
           std::to_string(20000000 + i) + "," + std::to_string(i) + "\n";
  }
  ImportReport report = ImportCsv(csv);
  EXPECT_EQ(report.rows, 5000u);
  EXPECT_EQ(report.created, 5000u);
  EXPECT_EQ(report.failed, 0u);
  for (size_t i = 0; i < std::min<size_t>(report.errors.size(), 5); ++i) {
    ADD_FAILURE() << report.errors[i].line << " " << report.errors[i].field << ": "
                  << report.errors[i].message;
  }
  const auto docs = Docs();
  EXPECT_EQ(docs.size(), 5000u);
  auto index = pool().Command({"HLEN", keys::AddressIndex(kOrg)});
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->integer, 10000);
  StoredContact last = ByAddress("email:p4999@example.org");
  EXPECT_EQ(last.contact.name, "Person 4999");
  EXPECT_EQ(std::get<double>(last.contact.attributes.at("n")), 4999.0);
  EXPECT_EQ(ByAddress("phone:+493020004999").contact.id, last.contact.id);

  ImportReport again = ImportCsv(csv);
  EXPECT_EQ(again.unchanged, 5000u);
  EXPECT_EQ(again.created + again.updated + again.failed, 0u);
  EXPECT_EQ(Docs(), docs);
}

TEST(MergeContactTest, FollowsTheMergeRules) {
  Contact stored;
  stored.id = "c_1";
  stored.name = "Old";
  stored.city = "Berlin";
  stored.country = "DE";
  stored.languages = {"de"};
  stored.tags = {"b", "c"};
  stored.attributes = {{"x", 1.0}, {"y", std::string("keep")}};
  stored.addresses = {MakeAddress(AddressKind::kEmail, "a@example.org", ConsentState::kGranted)};
  stored.updated_at_millis = 5;

  Contact input;
  input.name = "New";
  input.tags = {"a", "c"};
  input.attributes = {{"x", 2.0}};
  input.addresses = {MakeAddress(AddressKind::kEmail, "a@example.org", ConsentState::kUnknown),
                     MakeAddress(AddressKind::kPhone, "+4930123456")};
  Contact merged = MergeContact(stored, input, 99);
  EXPECT_EQ(merged.id, "c_1");
  EXPECT_EQ(merged.name, "New");
  EXPECT_EQ(merged.city, "Berlin");
  EXPECT_EQ(merged.country, "DE");
  EXPECT_EQ(merged.languages, (std::vector<std::string>{"de"}));
  EXPECT_THAT(merged.tags, ElementsAre("a", "b", "c"));
  EXPECT_EQ(std::get<double>(merged.attributes.at("x")), 2.0);
  EXPECT_EQ(std::get<std::string>(merged.attributes.at("y")), "keep");
  ASSERT_EQ(merged.addresses.size(), 2u);
  EXPECT_EQ(merged.addresses[0].consent.state, ConsentState::kGranted);  // Unknown keeps it.
  EXPECT_EQ(merged.updated_at_millis, 99);

  // Merging what is already there changes nothing, not even the timestamp.
  Contact same = MergeContact(merged, input, 1234);
  EXPECT_EQ(same, merged);
}

TEST_F(ImporterTest, OptOutInTheFileAppliesToAStoredAddress) {
  ImportReport first = ImportCsv("name,phone,consent\nLeila,+49 30 1000007,granted\n");
  ASSERT_EQ(first.created, 1u);
  ImportReport second = Import(ImportFormat::kJson,
                               R"([{"name": "Leila", "addresses": [{"kind": "phone",
                                  "value": "+49 30 1000007", "opted_out": true}]}])",
                               Options());
  EXPECT_EQ(second.updated, 1u);
  const StoredContact stored = ByAddress("phone:+49301000007");
  const Address& phone = stored.contact.addresses.front();
  EXPECT_TRUE(phone.opted_out);
  EXPECT_GT(phone.opted_out_at_millis, 0);
  EXPECT_FALSE(phone.Reachable());
}

TEST_F(ImporterTest, DefaultPostOnlyAppliesToNewContacts) {
  ImportReport first = ImportCsv("name,post_id,phone\nStays,post_b,+49 30 1000006\n");
  ASSERT_EQ(first.created, 1u);
  ImportOptions options = Options();
  options.default_post_id = "post_a";
  ImportReport second = Import(ImportFormat::kCsv,
                               "name,phone\nStays,+49 30 1000006\nNew,+49 30 1000005\n", options);
  EXPECT_EQ(second.created, 1u);
  EXPECT_EQ(ByAddress("phone:+49301000006").contact.post_id, "post_b");
  EXPECT_EQ(ByAddress("phone:+49301000005").contact.post_id, "post_a");
}

TEST_F(ImporterTest, RowNamingAnUnknownPostIsRejected) {
  ImportReport report = ImportCsv("name,post_id,phone\nLost,_,+49 30 1000009\nGhost,post_z,+49 30 1000008\n");
  EXPECT_EQ(report.created, 0u);
  ASSERT_EQ(report.errors.size(), 2u);
  EXPECT_EQ(report.errors[0].field, "post_id");
  EXPECT_EQ(report.errors[0].message, "unknown post");
  EXPECT_EQ(report.errors[1].line, 3u);
}

}  // namespace
}  // namespace ogw
