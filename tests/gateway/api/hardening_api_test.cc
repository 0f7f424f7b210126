// Hostile and unusual input: deep nesting, values out of range, invalid query text, races.

#include <gtest/gtest.h>

#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using json = nlohmann::json;

class HardeningApiTest : public ApiTest {};

TEST_F(HardeningApiTest, DeeplyNestedBodiesAreRejectedNotCrashing) {
  std::string deep = "{\"name\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  HttpResult r = PostRaw("/v1/posts", deep, "application/json", admin_token_);
  ExpectProblem(r, 400);
  EXPECT_EQ(r.json["field"], "body");
  HttpResult import = PostRaw("/v1/imports?format=json", std::string(50000, '[') +
                                                             std::string(50000, ']'),
                              "application/json", admin_token_);
  ExpectProblem(import, 422);
  EXPECT_EQ(Get("/healthz", "").status, 200);  // Still alive.
}

TEST_F(HardeningApiTest, MalformedJsonImportDoesNotEchoTheFile) {
  HttpResult r = PostRaw("/v1/imports?format=json", "[{\"name\": \"Secret Person\", ",
                         "application/json", admin_token_);
  ExpectProblem(r, 422);
  EXPECT_EQ(r.body.find("Secret Person"), std::string::npos) << r.body;
  HttpResult range = PostRaw("/v1/imports?format=json",
                             R"([{"name": "A", "attributes": {"n": 1e400}}])",
                             "application/json", admin_token_, {{"Idempotency-Key", "big-1"}});
  ExpectProblem(range, 422);
  // The key was not left "in flight": the repeat replays the answer.
  HttpResult again = PostRaw("/v1/imports?format=json",
                             R"([{"name": "A", "attributes": {"n": 1e400}}])",
                             "application/json", admin_token_, {{"Idempotency-Key", "big-1"}});
  EXPECT_EQ(again.status, 422);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
}

TEST_F(HardeningApiTest, ImportSourceMustBePrintableText) {
  HttpResult r = PostRaw("/v1/imports?source=%FF%FE", "name,email\nA,a@example.org\n", "text/csv",
                         admin_token_);
  ExpectProblem(r, 400);
  EXPECT_EQ(r.json["field"], "source");
  HttpResult ctl = PostRaw("/v1/imports?source=a%0Ab", "name,email\nA,a@example.org\n",
                           "text/csv", admin_token_);
  ExpectProblem(ctl, 400);
  EXPECT_EQ(Get("/v1/contacts", admin_token_).json["items"].size(), 0u);
}

TEST_F(HardeningApiTest, ContactWithGrantedButOptedOutAddressCanStillBeRenamed) {
  std::string id = CreateContact({{"name", "Eleni"},
                                  {"addresses", {{{"kind", "email"},
                                                  {"value", "eleni@example.gr"},
                                                  {"consent", "granted"},
                                                  {"opted_out", true}}}}},
                                 admin_token_);
  HttpResult r = Patch("/v1/contacts/" + id, {{"name", "Eleni P."}}, admin_token_);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["name"], "Eleni P.");
  EXPECT_EQ(r.json["addresses"][0]["opted_out"], true);
}

TEST_F(HardeningApiTest, OfficersCannotTakeOverOrganisationWideTemplates) {
  std::string post = CreatePost("Embassy");
  std::string officer = CreateOfficerToken("officer", {post});
  json t = {{"name", "Everyone"},
            {"default_language", "en"},
            {"variants", {{"en", {{"body", "Hello {{contact.name}}"}}}}}};
  HttpResult created = Post("/v1/templates", t, admin_token_);
  ASSERT_EQ(created.status, 201);
  std::string id = created.json["id"];
  t["post_id"] = post;
  t["name"] = "Mine";
  ExpectProblem(Put("/v1/templates/" + id, t, officer), 403);
  ExpectProblem(Delete("/v1/templates/" + id, officer), 403);
  EXPECT_EQ(Get("/v1/templates/" + id, admin_token_).json["name"], "Everyone");
}

}  // namespace
}  // namespace ogw::testing
