// POST /v1/imports and GET /v1/contacts/export: CSV and JSON through the API, and an export
// that imports again, into another organisation, unchanged (consent records included).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "gateway/contacts/contact_input.h"
#include "gateway/contacts/csv_reader.h"
#include "gateway/core/iso_time.h"

#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

class ImportsApiTest : public ApiTest {};

const char kCsv[] =
    "name,country,languages,phone,email,consent,attr.generation,tags\r\n"
    "ნინო ბერიძე,GE,ka;ru,599 12 34 56,nino@Example.GE,granted,2,volunteer\r\n"
    "محمد علي,DE,ar,030 1234567,,granted,1,\r\n"
    "Bad Phone,DE,de,12,,granted,,\r\n"
    "\"Abebe, Kebede\",ET,am,0911 234567,abebe@example.et,unknown,3,\"a;b\"\r\n"
    "Bad Language,GR,english,,x@example.gr,granted,,\r\n"
    "Duplicate,GE,ka,+995 599 123456,,granted,,\r\n";

TEST_F(ImportsApiTest, CsvImportKeepsGoodRowsAndReportsBadOnesByLineAndField) {
  HttpResult r = PostRaw("/v1/imports?source=survey.csv", kCsv, "text/csv", admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["rows"], 6);
  EXPECT_EQ(r.json["created"], 3);
  EXPECT_EQ(r.json["failed"], 3);
  const auto& errors = r.json["errors"];
  ASSERT_EQ(errors.size(), 3u) << r.body;
  EXPECT_EQ(errors[0]["line"], 4);
  EXPECT_EQ(errors[0]["field"], "phone");
  EXPECT_EQ(errors[1]["line"], 6);
  EXPECT_EQ(errors[1]["field"], "languages");
  EXPECT_EQ(errors[2]["line"], 7);
  EXPECT_EQ(errors[2]["field"], "phone");
  EXPECT_NE(errors[2]["message"].get<std::string>().find("line 2"), std::string::npos);

  HttpResult nino = Get("/v1/contacts/lookup?kind=phone&value=%2B995599123456", admin_token_);
  ASSERT_EQ(nino.status, 200) << nino.body;
  EXPECT_EQ(nino.json["name"], "ნინო ბერიძე");
  EXPECT_EQ(nino.json["attributes"]["generation"], 2);
  EXPECT_EQ(nino.json["addresses"][0]["consent"]["source"], "import:survey.csv");
  HttpResult email = Get("/v1/contacts/lookup?kind=email&value=nino%40example.ge", admin_token_);
  EXPECT_EQ(email.json["id"], nino.json["id"]);
}

TEST_F(ImportsApiTest, ReimportingTheSameFileChangesNothing) {
  HttpResult first = PostRaw("/v1/imports", kCsv, "text/csv", admin_token_);
  ASSERT_EQ(first.status, 200);
  auto before = pool().Command(
      {"HGETALL",
       "{o:" + Get("/v1/me", admin_token_).json["org_id"].get<std::string>() + "}:contacts"});
  clock_.Advance(60'000);
  HttpResult second = PostRaw("/v1/imports", kCsv, "text/csv", admin_token_);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.json["created"], 0);
  EXPECT_EQ(second.json["updated"], 0);
  EXPECT_EQ(second.json["unchanged"], 3);
  auto after = pool().Command(
      {"HGETALL",
       "{o:" + Get("/v1/me", admin_token_).json["org_id"].get<std::string>() + "}:contacts"});
  ASSERT_TRUE(before.ok() && after.ok());
  ASSERT_EQ(before->elements.size(), after->elements.size());
  for (size_t i = 0; i < before->elements.size(); ++i) {
    EXPECT_EQ(before->elements[i].str, after->elements[i].str);
  }
}

TEST_F(ImportsApiTest, JsonImportReportsRecordNumbers) {
  nlohmann::json body = nlohmann::json::array(
      {{{"name", "Ana"}, {"addresses", {{{"kind", "email"}, {"value", "ana@example.pt"}}}}},
       {{"name", "Bad"},
        {"time_zone", "Mars/Base"},
        {"addresses", {{{"kind", "email"}, {"value", "b@example.pt"}}}}},
       {{"name", "NoAddress"}}});
  HttpResult r = Post("/v1/imports?format=json", body, admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["created"], 1);
  ASSERT_EQ(r.json["errors"].size(), 2u);
  EXPECT_EQ(r.json["errors"][0]["record"], 2);
  EXPECT_EQ(r.json["errors"][0]["field"], "time_zone");
  EXPECT_EQ(r.json["errors"][1]["record"], 3);
  EXPECT_EQ(r.json["errors"][1]["field"], "addresses");
}

TEST_F(ImportsApiTest, MalformedFilesAreRejectedWholeWithTheLine) {
  HttpResult header = PostRaw("/v1/imports", "name,shoe_size\nA,42\n", "text/csv", admin_token_);
  EXPECT_EQ(header.status, 422);
  EXPECT_NE(header.json["detail"].get<std::string>().find("line 1"), std::string::npos)
      << header.body;
  EXPECT_NE(header.json["detail"].get<std::string>().find("shoe_size"), std::string::npos);

  HttpResult quote = PostRaw("/v1/imports", "name,email\nA,a@example.org\n\"B,b@example.org\n",
                             "text/csv", admin_token_);
  EXPECT_EQ(quote.status, 422);
  EXPECT_NE(quote.json["detail"].get<std::string>().find("line 3"), std::string::npos)
      << quote.body;
  // Nothing from a rejected file is stored.
  EXPECT_EQ(Get("/v1/contacts", admin_token_).json["items"].size(), 0u);

  HttpResult json =
      PostRaw("/v1/imports?format=json", "{\"contacts\": 5}", "application/json", admin_token_);
  EXPECT_EQ(json.status, 422);
  HttpResult format = PostRaw("/v1/imports?format=xml", "<x/>", "text/xml", admin_token_);
  EXPECT_EQ(format.status, 400);
  EXPECT_EQ(format.json["field"], "format");
}

TEST_F(ImportsApiTest, ImportIntoAPostAssignsItAndViewersCannotImport) {
  std::string post = CreatePost("Consulate in Thessaloniki");
  HttpResult r = PostRaw("/v1/imports?post_id=" + post, "name,email\nEleni,eleni@example.gr\n",
                         "text/csv", admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  HttpResult eleni = Get("/v1/contacts/lookup?kind=email&value=eleni%40example.gr", admin_token_);
  EXPECT_EQ(eleni.json["post_id"], post);

  std::string viewer = CreateOfficerToken("viewer", {post});
  HttpResult denied =
      PostRaw("/v1/imports?post_id=" + post, "name,email\nX,x@example.gr\n", "text/csv", viewer);
  EXPECT_EQ(denied.status, 403);
  HttpResult unknown = PostRaw("/v1/imports?post_id=post_nope", "name,email\nX,x@example.gr\n",
                               "text/csv", admin_token_);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.json["field"], "post_id");
}

class ContactExportApiTest : public ApiTest {
 protected:
  // The contacts of an organisation as GET /v1/contacts gives them, by name, without what an
  // import does not carry over (ids, organisation, times of the contact record itself).
  std::map<std::string, nlohmann::json> ComparableContacts(const std::string& token) {
    std::map<std::string, nlohmann::json> out;
    HttpResult page = Get("/v1/contacts?limit=100", token);
    EXPECT_EQ(page.status, 200) << page.body;
    for (nlohmann::json c : page.json.value("items", nlohmann::json::array())) {
      for (const char* key : {"id", "org_id", "created_at", "updated_at", "version"}) {
        c.erase(key);
      }
      for (auto& a : c["addresses"]) a.erase("opted_out_at");
      out[c.value("name", "")] = c;
    }
    return out;
  }
};

TEST_F(ContactExportApiTest, AnExportImportsAgainUnchangedInCsvAndJson) {
  const std::string paris = CreatePost("Paris");
  // People as officers keep them: several scripts, consent records from a form, one opted
  // out by STOP, an attribute that is a number and one that is text, a phone starting with +
  // (a formula to a spreadsheet), a name with a comma and a quote.
  CreateContact({{"name", "ნინო ბერიძე"},
                 {"post_id", paris},
                 {"languages", {"ka", "ru"}},
                 {"country", "GE"},
                 {"city", "Tbilisi"},
                 {"time_zone", "Asia/Tbilisi"},
                 {"attributes", {{"generation", 2}, {"region", "Kakheti"}}},
                 {"tags", {"volunteer", "survey-2026"}},
                 {"channel_order", {"whatsapp", "sms"}},
                 {"addresses",
                  {{{"kind", "phone"},
                    {"value", "+995599123456"},
                    {"consent", {{"state", "granted"}, {"source", "form-7"}}}},
                   {{"kind", "email"}, {"value", "nino@example.ge"}, {"consent", "granted"}}}}},
                admin_token_);
  const std::string abebe = CreateContact(
      {{"name", "Abebe \"Abe\", Kebede"},
       {"country", "ET"},
       {"languages", {"am"}},
       {"addresses", {{{"kind", "phone"}, {"value", "+251911234567"}, {"consent", "granted"}}}}},
      admin_token_);
  clock_.Advance(1000);
  HttpResult stop =
      Post("/v1/sandbox/replies", {{"contact_id", abebe}, {"channel", "sms"}, {"text", "STOP"}},
           admin_token_);
  ASSERT_EQ(stop.status, 201) << stop.body;
  CreateContact({{"name", "=cmd|' /C calc'!A0"},
                 {"addresses",
                  {{{"kind", "email"}, {"value", "formula@example.org"}, {"consent", "unknown"}}}}},
                admin_token_);
  const auto original = ComparableContacts(admin_token_);
  ASSERT_EQ(original.size(), 3u);

  for (const std::string format : {"csv", "json"}) {
    SCOPED_TRACE(format);
    HttpResult exported = Get("/v1/contacts/export?format=" + format, admin_token_);
    ASSERT_EQ(exported.status, 200) << exported.body;
    EXPECT_THAT(exported.Header("Content-Disposition"), ::testing::HasSubstr("contacts." + format));
    if (format == "csv") {
      // A spreadsheet shows the formula as text.
      EXPECT_THAT(exported.body, ::testing::HasSubstr("'=cmd|"));
      EXPECT_THAT(exported.body, ::testing::HasSubstr("'+995599123456"));
      EXPECT_THAT(exported.body, ::testing::HasSubstr("attr.generation,attr.region"));
    } else {
      ASSERT_EQ(exported.json["contacts"].size(), 3u);
    }
    // Into a second organisation, whose ids and posts differ: the same people.
    std::string org_b;
    const std::string other = CreateOrganisation("Second " + format, &org_b);
    HttpResult post = Post("/v1/posts", {{"name", "Paris"}}, other);
    ASSERT_EQ(post.status, 201);
    std::string body = exported.body;
    // Posts are the organisation's own: the import names the new one.
    for (size_t at = body.find(paris); at != std::string::npos; at = body.find(paris)) {
      body.replace(at, paris.size(), post.json.value("id", ""));
    }
    HttpResult imported = PostRaw("/v1/imports?format=" + format + "&source=export", body,
                                  format == "csv" ? "text/csv" : "application/json", other);
    ASSERT_EQ(imported.status, 200) << imported.body;
    EXPECT_EQ(imported.json["created"], 3) << imported.body;
    EXPECT_EQ(imported.json["failed"], 0) << imported.body;
    auto copy = ComparableContacts(other);
    ASSERT_EQ(copy.size(), 3u);
    for (auto& [name, c] : copy) {
      nlohmann::json expected = original.at(name);
      if (!expected.value("post_id", "").empty()) expected["post_id"] = post.json["id"];
      if (format == "csv") {
        // One column per kind: the opt-out is carried as withdrawn consent; "verified" is not
        // a column of the export.
        for (auto& a : expected["addresses"]) {
          if (a.value("opted_out", false)) a["opted_out"] = false;
        }
        for (auto& a : c["addresses"]) a["verified"] = false;
        for (auto& a : expected["addresses"]) a["verified"] = false;
        // Its columns go kind by kind.
        auto by_kind = [](const nlohmann::json& x, const nlohmann::json& y) {
          return x["kind"].get<std::string>() < y["kind"].get<std::string>();
        };
        std::sort(c["addresses"].begin(), c["addresses"].end(), by_kind);
        std::sort(expected["addresses"].begin(), expected["addresses"].end(), by_kind);
      }
      EXPECT_EQ(c, expected) << name;
    }
  }
}

TEST_F(ContactExportApiTest, ManyContactsStreamAndScopeIsKept) {
  const std::string paris = CreatePost("Paris");
  const std::string berlin = CreatePost("Berlin");
  std::string csv = "name,post_id,email,consent\r\n";
  for (int i = 0; i < 3000; ++i) {
    csv += "Person " + std::to_string(i) + "," + (i % 3 == 0 ? berlin : paris) + ",p" +
           std::to_string(i) + "@example.org,granted\r\n";
  }
  HttpResult imported = PostRaw("/v1/imports", csv, "text/csv", admin_token_);
  ASSERT_EQ(imported.status, 200) << imported.body.substr(0, 300);
  ASSERT_EQ(imported.json["created"], 3000);

  HttpResult all = Get("/v1/contacts/export?format=csv", admin_token_);
  ASSERT_EQ(all.status, 200);
  CsvReader reader(all.body);
  std::vector<std::string> fields;
  size_t line = 0, rows = 0;
  while (true) {
    auto next = reader.Next(&fields, &line);
    ASSERT_TRUE(next.ok()) << next.status();
    if (!*next) break;
    ++rows;
  }
  EXPECT_EQ(rows, 3001u);  // Header and every contact.

  const std::string officer = CreateOfficerToken("officer", {berlin});
  HttpResult mine = Get("/v1/contacts/export?format=json", officer);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.json["contacts"].size(), 1000u);
  for (const auto& c : mine.json["contacts"]) EXPECT_EQ(c["post_id"], berlin);
  ExpectProblem(Get("/v1/contacts/export?post=" + paris, officer), 404);
  ExpectProblem(Get("/v1/contacts/export?format=xml", officer), 400);
  const std::string viewer = CreateOfficerToken("viewer", {berlin});
  ExpectProblem(Get("/v1/contacts/export", viewer), 403);
}

TEST(CsvConsentRecordTest, ImportReadsTheRecordAndRefusesABadTime) {
  auto mapper = CsvContactMapper::FromHeader(
      {"id", "name", "email", "email_consent", "email_consent_source", "email_consent_at"});
  ASSERT_TRUE(mapper.ok()) << mapper.status();
  ContactInputOptions options;
  options.now_millis = 1'800'000'000'000;
  std::vector<FieldError> errors;
  auto c = mapper->Map(
      {"c_whatever", "Ana", "ana@example.org", "granted", "form-7", "2026-06-12T08:00:00Z"},
      options, &errors);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->addresses[0].consent.source, "form-7");
  EXPECT_EQ(c->addresses[0].consent.at_millis, 1'781'251'200'000);
  auto bad = mapper->Map({"", "Ana", "ana@example.org", "granted", "form-7", "12/06/2026"}, options,
                         &errors);
  EXPECT_FALSE(bad.has_value());
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.back().field, "email_consent_at");

  // Times read back exactly as exports write them.
  EXPECT_EQ(FormatIsoUtc(1'781'251'200'250, /*exact=*/true), "2026-06-12T08:00:00.250Z");
  EXPECT_EQ(FormatIsoUtc(1'781'251'200'250), "2026-06-12T08:00:00Z");
  EXPECT_EQ(ParseIsoUtc("2026-06-12T08:00:00.250Z"), 1'781'251'200'250);
  EXPECT_EQ(ParseIsoUtc("2026-06-12 08:00:00+00:00"), 1'781'251'200'000);
  EXPECT_FALSE(ParseIsoUtc("2026-02-30T08:00:00Z").has_value());
  EXPECT_FALSE(ParseIsoUtc("2026-06-12T08:00:00+02:00").has_value());
}

}  // namespace
}  // namespace ogw::testing
