// The segments API: saving, validating, previewing (saved and unsaved expressions), updating,
// deleting and listing segments.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;
using json = nlohmann::json;

std::vector<std::string> Ids(const json& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.value("id", ""));
  return out;
}

class ApiSegmentsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    admin_id_ = Get("/v1/me", admin_token_).json.value("officer_id", "");
    post_ = CreatePost("Tbilisi");
  }

  // Five contacts with varied data; returns their ids in creation order.
  void SeedContacts() {
    auto add = [&](json body) {
      clock_.Advance(1);
      std::string id = CreateContact(body, admin_token_);
      ids_.push_back(id);
      return id;
    };
    nino_ = add({{"name", "ნინო ბერიძე"},
                 {"post_id", post_},
                 {"country", "GE"},
                 {"languages", {"ka"}},
                 {"tags", {"vip"}},
                 {"attributes", {{"age", 34}}},
                 {"addresses", {{{"kind", "whatsapp"}, {"value", "+995599123456"},
                                 {"consent", "granted"}}}}});
    add({{"name", "Nino Smith"},
         {"country", "DE"},
         {"languages", {"ka-GE", "de"}},
         {"attributes", {{"age", "29"}}},
         {"addresses", {{{"kind", "phone"}, {"value", "030 1234567"}}}}});
    add({{"name", "Hans"},
         {"country", "DE"},
         {"languages", {"de"}},
         {"tags", {"vip", "do-not-contact"}},
         {"addresses", {{{"kind", "email"}, {"value", "hans@example.de"},
                         {"consent", "granted"}, {"opted_out", true}}}}});
    add({{"name", "Maria"},
         {"country", "GR"},
         {"languages", {"el"}},
         {"attributes", {{"tier", "gold"}}},
         {"addresses", {{{"kind", "email"}, {"value", "maria@example.gr"},
                         {"consent", "granted"}}}}});
    add({{"name", "Giorgi"},
         {"post_id", post_},
         {"country", "GE"},
         {"languages", {"ka"}},
         {"addresses", {{{"kind", "whatsapp"}, {"value", "+995599654321"},
                         {"consent", "withdrawn"}}}}});
  }

  HttpResult PreviewOf(const std::string& expression, const std::string& query = "") {
    return Post("/v1/segments/preview" + query, {{"expression", expression}}, admin_token_);
  }

  HttpResult Create(const std::string& name, const std::string& expression,
                    const std::string& post = "", const std::string& token = "") {
    json body = {{"name", name}, {"expression", expression}};
    if (!post.empty()) body["post_id"] = post;
    return Post("/v1/segments", body, token.empty() ? admin_token_ : token);
  }

  std::string admin_id_;
  std::string post_;
  std::string nino_;
  std::vector<std::string> ids_;
};

// ---------------------------------------------------------------------------------------------
// Create, read, list.

TEST_F(ApiSegmentsTest, AdminCreatesOrganisationWideSegment) {
  const int64_t now = clock_.NowMillis();
  const std::string expr = "country in (\"DE\", \"GR\") and reachable(email)";
  HttpResult r = Create("Europe reachable", expr);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_THAT(r.json["id"].get<std::string>(), StartsWith("seg_"));
  EXPECT_EQ(r.json["org_id"], Get("/v1/me", admin_token_).json["org_id"]);
  EXPECT_EQ(r.json["post_id"], "");
  EXPECT_EQ(r.json["name"], "Europe reachable");
  EXPECT_EQ(r.json["expression"], expr);
  EXPECT_EQ(r.json["created_by"], admin_id_);
  EXPECT_EQ(r.json["created_at"], now);
  EXPECT_EQ(r.json["updated_at"], now);

  HttpResult g = Get("/v1/segments/" + r.json["id"].get<std::string>(), admin_token_);
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(g.json, r.json);
  HttpResult list = Get("/v1/segments", admin_token_);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json["items"].size(), 1u);
  EXPECT_EQ(list.json["items"][0], r.json);
}

TEST_F(ApiSegmentsTest, AdminMayCreateSegmentInAPost) {
  HttpResult r = Create("Tbilisi all", "true", post_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json["post_id"], post_);
}

TEST_F(ApiSegmentsTest, OfficerMustNameOneOfTheirPosts) {
  std::string officer_id;
  std::string officer = CreateOfficerToken("officer", {post_}, &officer_id);
  HttpResult missing = Create("No post", "true", "", officer);
  ExpectProblem(missing, 422);
  EXPECT_EQ(missing.json["field"], "post_id");
  HttpResult other = Create("Other", "true", CreatePost("Other"), officer);
  ExpectProblem(other, 422);
  EXPECT_EQ(other.json["field"], "post_id");
  HttpResult ok = Create("Mine", "true", post_, officer);
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json["post_id"], post_);
  EXPECT_EQ(ok.json["created_by"], officer_id);
  HttpResult list = Get("/v1/segments", admin_token_);
  EXPECT_EQ(Ids(list.json["items"]), std::vector<std::string>{ok.json["id"]});
}

TEST_F(ApiSegmentsTest, ListIsInIdOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    HttpResult r = Create("S" + std::to_string(i), "true");
    ASSERT_EQ(r.status, 201);
    ids.push_back(r.json["id"]);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(Ids(Get("/v1/segments", admin_token_).json["items"]), ids);
}

TEST_F(ApiSegmentsTest, InvalidExpressionIsRejectedWithPosition) {
  struct Case {
    std::string expression;
    size_t position;
  };
  const std::vector<Case> cases = {
      {"country = DE", 10},
      {"tags = \"vip\"", 5},
      {"colour = \"red\"", 0},
      {"has(sms)", 4},
      {"(country = \"DE\"", 15},
      {"country = \"DE\" foo", 15},
      {"name = \"ნინო\" and has(fax)", 30},  // Byte offsets, not characters.
      {"", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expression);
    HttpResult r = Create("Broken", c.expression);
    ExpectProblem(r, 422);
    EXPECT_EQ(r.json.value("field", ""), "expression");
    ASSERT_TRUE(r.json.contains("errors")) << r.body;
    ASSERT_EQ(r.json["errors"].size(), 1u) << r.body;
    EXPECT_EQ(r.json["errors"][0]["field"], "expression");
    const std::string prefix = "at position " + std::to_string(c.position) + ": ";
    EXPECT_THAT(r.json["errors"][0]["message"].get<std::string>(), StartsWith(prefix));
    EXPECT_THAT(r.json.value("detail", ""), HasSubstr(prefix));

    // The unsaved preview reports the same problem.
    HttpResult p = PreviewOf(c.expression);
    ExpectProblem(p, 422);
    EXPECT_EQ(p.json.value("field", ""), "expression");
    EXPECT_THAT(p.json.value("detail", ""), StartsWith(prefix));
  }
  EXPECT_TRUE(Get("/v1/segments", admin_token_).json["items"].empty());
}

TEST_F(ApiSegmentsTest, OverlongExpressionIsRejected) {
  std::string expr = "true";
  while (expr.size() < 4097) expr += " or true";
  expr.resize(4097, ' ');
  HttpResult r = Create("Long", expr);
  ExpectProblem(r, 422);
  EXPECT_EQ(r.json["field"], "expression");
  EXPECT_THAT(r.json["errors"][0]["message"].get<std::string>(), StartsWith("at position 4096: "));
}

TEST_F(ApiSegmentsTest, OtherFieldsAreValidated) {
  HttpResult missing = Post("/v1/segments", json::object(), admin_token_);
  ExpectProblem(missing, 422);
  std::vector<std::string> fields;
  for (const auto& e : missing.json["errors"]) fields.push_back(e["field"]);
  EXPECT_THAT(fields, ::testing::IsSupersetOf({"name", "expression"}));
  HttpResult long_name = Create(std::string(201, 'n'), "true");
  ExpectProblem(long_name, 422);
  EXPECT_EQ(long_name.json["field"], "name");
  HttpResult unknown = Post("/v1/segments", {{"name", "X"}, {"expression", "true"}, {"x", 1}},
                            admin_token_);
  ExpectProblem(unknown, 422);
  EXPECT_EQ(unknown.json["field"], "x");
  HttpResult wrong_type = Post("/v1/segments", {{"name", "X"}, {"expression", 42}}, admin_token_);
  ExpectProblem(wrong_type, 422);
  EXPECT_EQ(wrong_type.json["field"], "expression");
  HttpResult not_json = PostRaw("/v1/segments", "nope", "application/json", admin_token_);
  ExpectProblem(not_json, 400);
  EXPECT_EQ(not_json.json["field"], "body");
  EXPECT_TRUE(Get("/v1/segments", admin_token_).json["items"].empty());
}

TEST_F(ApiSegmentsTest, UnknownSegmentIsNotFound) {
  const std::string id = "seg_0000000000aaaaaaaaaaaaaaaa";
  ExpectProblem(Get("/v1/segments/" + id, admin_token_), 404);
  ExpectProblem(Get("/v1/segments/" + id + "/preview", admin_token_), 404);
  ExpectProblem(Put("/v1/segments/" + id, {{"name", "X"}}, admin_token_), 404);
  ExpectProblem(Delete("/v1/segments/" + id, admin_token_), 404);
}

// ---------------------------------------------------------------------------------------------
// Previews.

TEST_F(ApiSegmentsTest, PreviewCountsMatchingContacts) {
  SeedContacts();
  struct Case {
    std::string expression;
    int count;
  };
  const std::vector<Case> cases = {
      {"true", 5},
      {"false", 0},
      {"country = \"DE\"", 2},
      {"country = \"de\"", 2},
      {"country in (\"GE\", \"GR\")", 3},
      {"\"ka\" in languages", 3},
      {"\"ka-GE\" in languages", 1},
      {"\"vip\" in tags", 2},
      {"\"vip\" in tags and \"do-not-contact\" not in tags", 1},
      {"has(whatsapp)", 2},
      {"reachable(whatsapp)", 1},
      {"reachable(email)", 1},
      {"has(email)", 2},
      {"attr.age > 30", 1},
      {"attr.age >= 29", 2},
      {"not exists(attr.tier)", 4},
      {"attr.tier != \"gold\"", 0},
      {"starts_with(name, \"ნინო\")", 1},
      {"starts_with(name, \"Nino\")", 1},
      {"post = \"\"", 3},
      {"post = \"" + post_ + "\"", 2},
      {"NOT verified", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expression);
    HttpResult r = PreviewOf(c.expression, "?sample=0");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["count"], c.count);
    EXPECT_TRUE(r.json["sample"].empty());
  }
}

TEST_F(ApiSegmentsTest, SavedSegmentPreviewReturnsCountAndSample) {
  SeedContacts();
  HttpResult seg = Create("Georgian speakers", "\"ka\" in languages");
  ASSERT_EQ(seg.status, 201);
  const std::string path = "/v1/segments/" + seg.json["id"].get<std::string>() + "/preview";

  HttpResult two = Get(path + "?sample=2", admin_token_);
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_EQ(two.json["count"], 3);
  ASSERT_EQ(two.json["sample"].size(), 2u);
  // The sample is the smallest ids, in order: Nino (GE), Nino Smith.
  EXPECT_EQ(two.json["sample"][0]["id"], ids_[0]);
  EXPECT_EQ(two.json["sample"][1]["id"], ids_[1]);
  EXPECT_EQ(two.json["sample"][0]["name"], "ნინო ბერიძე");
  EXPECT_EQ(two.json["sample"][0]["addresses"][0]["value"], "+995599123456");
  // The same again: stable.
  EXPECT_EQ(Get(path + "?sample=2", admin_token_).json, two.json);

  HttpResult all = Get(path, admin_token_);  // Default sample size covers all three.
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.json["count"], 3);
  EXPECT_EQ(Ids(all.json["sample"]), (std::vector<std::string>{ids_[0], ids_[1], ids_[4]}));
  HttpResult none = Get(path + "?sample=0", admin_token_);
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.json["count"], 3);
  EXPECT_TRUE(none.json["sample"].empty());
}

TEST_F(ApiSegmentsTest, PreviewSampleParameterIsValidated) {
  SeedContacts();
  for (const char* sample : {"101", "-1", "abc", "", "1000000", "2.5"}) {
    SCOPED_TRACE(sample);
    HttpResult r = PreviewOf("true", std::string("?sample=") + sample);
    ExpectProblem(r, 400);
    EXPECT_EQ(r.json["field"], "sample");
  }
  HttpResult max = PreviewOf("true", "?sample=100");
  ASSERT_EQ(max.status, 200) << max.body;
  EXPECT_EQ(max.json["sample"].size(), 5u);
}

TEST_F(ApiSegmentsTest, UnsavedPreviewValidatesBody) {
  HttpResult missing = Post("/v1/segments/preview", json::object(), admin_token_);
  ExpectProblem(missing, 422);
  EXPECT_EQ(missing.json["field"], "expression");
  HttpResult extra = Post("/v1/segments/preview", {{"expression", "true"}, {"name", "x"}},
                          admin_token_);
  ExpectProblem(extra, 422);
  EXPECT_EQ(extra.json["field"], "name");
}

TEST_F(ApiSegmentsTest, PreviewReflectsContactsAsTheyAreNow) {
  SeedContacts();
  HttpResult seg = Create("VIP", "\"vip\" in tags");
  ASSERT_EQ(seg.status, 201);
  const std::string path = "/v1/segments/" + seg.json["id"].get<std::string>() + "/preview";
  EXPECT_EQ(Get(path, admin_token_).json["count"], 2);
  ASSERT_EQ(Patch("/v1/contacts/" + ids_[3], {{"tags", {"vip"}}}, admin_token_).status, 200);
  EXPECT_EQ(Get(path, admin_token_).json["count"], 3);
  ASSERT_EQ(Delete("/v1/contacts/" + nino_, admin_token_).status, 204);
  HttpResult after = Get(path + "?sample=100", admin_token_);
  EXPECT_EQ(after.json["count"], 2);
  EXPECT_THAT(after.body, Not(HasSubstr("ნინო")));
}

TEST_F(ApiSegmentsTest, IdempotentPreviewReplayDoesNotResurrectErasedContact) {
  SeedContacts();
  const httplib::Headers idem = {{"Idempotency-Key", "preview-1"}};
  const json body = {{"expression", "\"ka\" in languages"}};
  HttpResult first = Post("/v1/segments/preview?sample=5", body, admin_token_, idem);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_THAT(first.body, HasSubstr("ნინო ბერიძე"));
  ASSERT_EQ(Delete("/v1/contacts/" + nino_, admin_token_).status, 204);
  HttpResult again = Post("/v1/segments/preview?sample=5", body, admin_token_, idem);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_THAT(again.body, Not(HasSubstr("ნინო ბერიძე")));
  EXPECT_THAT(again.body, Not(HasSubstr("+995599123456")));
  EXPECT_THAT(again.body, Not(HasSubstr(nino_)));
  EXPECT_EQ(again.json["count"], 2);
}

// ---------------------------------------------------------------------------------------------
// Update and delete.

TEST_F(ApiSegmentsTest, PutUpdatesGivenFieldsAndPreviewFollows) {
  SeedContacts();
  const int64_t created = clock_.NowMillis();
  HttpResult seg = Create("Germany", "country = \"DE\"");
  ASSERT_EQ(seg.status, 201);
  const std::string id = seg.json["id"];
  EXPECT_EQ(Get("/v1/segments/" + id + "/preview", admin_token_).json["count"], 2);

  clock_.Advance(60'000);
  HttpResult put = Put("/v1/segments/" + id, {{"expression", "country = \"GR\""}}, admin_token_);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json["name"], "Germany");
  EXPECT_EQ(put.json["expression"], "country = \"GR\"");
  EXPECT_EQ(put.json["created_at"], created);
  HttpResult g = Get("/v1/segments/" + id, admin_token_);
  EXPECT_EQ(g.json["expression"], "country = \"GR\"");
  EXPECT_EQ(g.json["created_at"], created);
  EXPECT_EQ(g.json["updated_at"], created + 60'000);
  EXPECT_EQ(g.json["created_by"], admin_id_);
  HttpResult preview = Get("/v1/segments/" + id + "/preview", admin_token_);
  EXPECT_EQ(preview.json["count"], 1);
  EXPECT_EQ(preview.json["sample"][0]["name"], "Maria");

  HttpResult rename = Put("/v1/segments/" + id, {{"name", "Greece"}}, admin_token_);
  ASSERT_EQ(rename.status, 200) << rename.body;
  EXPECT_EQ(Get("/v1/segments/" + id, admin_token_).json["name"], "Greece");
  EXPECT_EQ(Get("/v1/segments/" + id, admin_token_).json["expression"], "country = \"GR\"");
}

TEST_F(ApiSegmentsTest, InvalidPutLeavesSegmentUnchanged) {
  HttpResult seg = Create("Stable", "true");
  ASSERT_EQ(seg.status, 201);
  const std::string id = seg.json["id"];
  HttpResult bad = Put("/v1/segments/" + id, {{"expression", "country == \"DE\""}}, admin_token_);
  ExpectProblem(bad, 422);
  EXPECT_EQ(bad.json["field"], "expression");
  EXPECT_THAT(bad.json["errors"][0]["message"].get<std::string>(),
              MatchesRegex("at position [0-9]+: .*"));
  HttpResult empty_name = Put("/v1/segments/" + id, {{"name", ""}}, admin_token_);
  ExpectProblem(empty_name, 422);
  EXPECT_EQ(empty_name.json["field"], "name");
  HttpResult unknown = Put("/v1/segments/" + id, {{"colour", "red"}}, admin_token_);
  ExpectProblem(unknown, 422);
  EXPECT_EQ(unknown.json["field"], "colour");
  HttpResult g = Get("/v1/segments/" + id, admin_token_);
  EXPECT_EQ(g.json, seg.json);
}

TEST_F(ApiSegmentsTest, DeleteRemovesSegment) {
  HttpResult keep = Create("Keep", "true");
  HttpResult drop = Create("Drop", "false");
  ASSERT_EQ(drop.status, 201);
  const std::string id = drop.json["id"];
  HttpResult del = Delete("/v1/segments/" + id, admin_token_);
  ASSERT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(del.body.empty());
  ExpectProblem(Get("/v1/segments/" + id, admin_token_), 404);
  ExpectProblem(Get("/v1/segments/" + id + "/preview", admin_token_), 404);
  ExpectProblem(Delete("/v1/segments/" + id, admin_token_), 404);
  EXPECT_EQ(Ids(Get("/v1/segments", admin_token_).json["items"]),
            std::vector<std::string>{keep.json["id"]});
}

TEST_F(ApiSegmentsTest, OfficerManagesSegmentsOfOwnPost) {
  std::string officer = CreateOfficerToken("officer", {post_});
  SeedContacts();
  HttpResult seg = Create("Tbilisi Georgian", "\"ka\" in languages", post_, officer);
  ASSERT_EQ(seg.status, 201) << seg.body;
  const std::string id = seg.json["id"];
  HttpResult preview = Get("/v1/segments/" + id + "/preview", officer);
  ASSERT_EQ(preview.status, 200);
  EXPECT_EQ(preview.json["count"], 2);  // Nino Smith (no post) is outside the scope.
  for (const auto& c : preview.json["sample"]) EXPECT_EQ(c["post_id"], post_);
  // The admin previewing the same segment sees the whole organisation.
  EXPECT_EQ(Get("/v1/segments/" + id + "/preview", admin_token_).json["count"], 3);
  HttpResult put = Put("/v1/segments/" + id, {{"name", "Renamed"}}, officer);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json["post_id"], post_);
  EXPECT_EQ(Delete("/v1/segments/" + id, officer).status, 204);
  EXPECT_TRUE(Get("/v1/segments", admin_token_).json["items"].empty());
}

TEST_F(ApiSegmentsTest, ViewerCanPreviewButNotSave) {
  std::string viewer = CreateOfficerToken("viewer", {post_});
  SeedContacts();
  HttpResult p = Post("/v1/segments/preview", {{"expression", "true"}}, viewer);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json["count"], 2);
  HttpResult seg = Create("Viewer's", "true", post_, viewer);
  ExpectProblem(seg, 403);
  EXPECT_TRUE(Get("/v1/segments", admin_token_).json["items"].empty());
}

}  // namespace
}  // namespace ogw::testing
