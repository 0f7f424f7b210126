// POST /v1/imports: CSV and JSON through the API.

#include <gtest/gtest.h>

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
  auto before = pool().Command({"HGETALL", "{o:" + Get("/v1/me", admin_token_).json["org_id"].get<std::string>() + "}:contacts"});
  clock_.Advance(60'000);
  HttpResult second = PostRaw("/v1/imports", kCsv, "text/csv", admin_token_);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.json["created"], 0);
  EXPECT_EQ(second.json["updated"], 0);
  EXPECT_EQ(second.json["unchanged"], 3);
  auto after = pool().Command({"HGETALL", "{o:" + Get("/v1/me", admin_token_).json["org_id"].get<std::string>() + "}:contacts"});
  ASSERT_TRUE(before.ok() && after.ok());
  ASSERT_EQ(before->elements.size(), after->elements.size());
  for (size_t i = 0; i < before->elements.size(); ++i) {
    EXPECT_EQ(before->elements[i].str, after->elements[i].str);
  }
}

TEST_F(ImportsApiTest, JsonImportReportsRecordNumbers) {
  nlohmann::json body = nlohmann::json::array(
      {{{"name", "Ana"}, {"addresses", {{{"kind", "email"}, {"value", "ana@example.pt"}}}}},
       {{"name", "Bad"}, {"time_zone", "Mars/Base"}, {"addresses", {{{"kind", "email"}, {"value", "b@example.pt"}}}}},
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

  HttpResult quote =
      PostRaw("/v1/imports", "name,email\nA,a@example.org\n\"B,b@example.org\n", "text/csv",
              admin_token_);
  EXPECT_EQ(quote.status, 422);
  EXPECT_NE(quote.json["detail"].get<std::string>().find("line 3"), std::string::npos)
      << quote.body;
  // Nothing from a rejected file is stored.
  EXPECT_EQ(Get("/v1/contacts", admin_token_).json["items"].size(), 0u);

  HttpResult json = PostRaw("/v1/imports?format=json", "{\"contacts\": 5}", "application/json",
                            admin_token_);
  EXPECT_EQ(json.status, 422);
  HttpResult format = PostRaw("/v1/imports?format=xml", "<x/>", "text/xml", admin_token_);
  EXPECT_EQ(format.status, 400);
  EXPECT_EQ(format.json["field"], "format");
}

TEST_F(ImportsApiTest, ImportIntoAPostAssignsItAndViewersCannotImport) {
  std::string post = CreatePost("Consulate in Thessaloniki");
  HttpResult r = PostRaw("/v1/imports?post_id=" + post,
                         "name,email\nEleni,eleni@example.gr\n", "text/csv", admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  HttpResult eleni = Get("/v1/contacts/lookup?kind=email&value=eleni%40example.gr", admin_token_);
  EXPECT_EQ(eleni.json["post_id"], post);

  std::string viewer = CreateOfficerToken("viewer", {post});
  HttpResult denied = PostRaw("/v1/imports?post_id=" + post, "name,email\nX,x@example.gr\n",
                              "text/csv", viewer);
  EXPECT_EQ(denied.status, 403);
  HttpResult unknown = PostRaw("/v1/imports?post_id=post_nope", "name,email\nX,x@example.gr\n",
                               "text/csv", admin_token_);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.json["field"], "post_id");
}

}  // namespace
}  // namespace ogw::testing
