// The organisation API: who am I, the organisation and its counters, posts, officers and
// their API keys.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/testutil/api_harness.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using json = nlohmann::json;

std::vector<std::string> Ids(const json& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.value("id", ""));
  return out;
}

std::vector<std::string> Keys(const json& object) {
  std::vector<std::string> out;
  for (const auto& [k, _] : object.items()) out.push_back(k);
  return out;
}

class ApiOrgsTest : public ApiTest {
 protected:
  void Configure(GatewayConfig& config) override {
    config.bootstrap.organisation = "Ministry of Georgians Abroad";
    config.bootstrap.default_language = "ka";
  }

  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    HttpResult me = Get("/v1/me", admin_token_);
    ASSERT_EQ(me.status, 200) << me.body;
    org_id_ = me.json["org_id"];
    admin_id_ = me.json["officer_id"];
    admin_key_id_ = me.json["key_id"];
  }

  HttpResult CreateOfficer(const json& body) { return Post("/v1/officers", body, admin_token_); }

  std::string org_id_, admin_id_, admin_key_id_;
};

// ---------------------------------------------------------------------------------------------
// Me and the organisation.

TEST_F(ApiOrgsTest, MeDescribesTheAdmin) {
  HttpResult me = Get("/v1/me", admin_token_);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_THAT(me.json["org_id"].get<std::string>(), StartsWith("org_"));
  EXPECT_THAT(me.json["officer_id"].get<std::string>(), StartsWith("off_"));
  EXPECT_THAT(me.json["key_id"].get<std::string>(), StartsWith("key_"));
  EXPECT_EQ(admin_token_.rfind("ogw_" + me.json["key_id"].get<std::string>() + ".", 0), 0u);
  EXPECT_EQ(me.json["role"], "admin");
  EXPECT_EQ(me.json["organisation_wide"], true);
  EXPECT_EQ(me.json["posts"], json::array());
  EXPECT_THAT(me.body, ContainsNoneOf({admin_token_.substr(admin_token_.find('.') + 1)}));
}

TEST_F(ApiOrgsTest, MeDescribesOfficersAndViewers) {
  std::string a = CreatePost("A");
  std::string b = CreatePost("B");
  std::string officer_id, viewer_id;
  std::string officer = CreateOfficerToken("officer", {b, a}, &officer_id);
  std::string viewer = CreateOfficerToken("viewer", {a}, &viewer_id);
  HttpResult o = Get("/v1/me", officer);
  ASSERT_EQ(o.status, 200) << o.body;
  EXPECT_EQ(o.json["org_id"], org_id_);
  EXPECT_EQ(o.json["officer_id"], officer_id);
  EXPECT_EQ(o.json["role"], "officer");
  EXPECT_EQ(o.json["organisation_wide"], false);
  std::vector<std::string> posts = {a, b};
  std::sort(posts.begin(), posts.end());
  EXPECT_EQ(o.json["posts"], json(posts));
  HttpResult v = Get("/v1/me", viewer);
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(v.json["officer_id"], viewer_id);
  EXPECT_EQ(v.json["role"], "viewer");
  EXPECT_EQ(v.json["posts"], json({a}));
  EXPECT_NE(v.json["key_id"], o.json["key_id"]);
}

TEST_F(ApiOrgsTest, OrganisationShowsSettingsAndCounters) {
  HttpResult org = Get("/v1/organisation", admin_token_);
  ASSERT_EQ(org.status, 200) << org.body;
  EXPECT_EQ(org.json["id"], org_id_);
  EXPECT_EQ(org.json["name"], "Ministry of Georgians Abroad");
  EXPECT_EQ(org.json["default_language"], "ka");
  EXPECT_EQ(org.json["created_at"], clock_.NowMillis());
  EXPECT_EQ(org.json["stats"], json::object());

  std::string c1 = CreateContact(
      {{"name", "One"}, {"addresses", {{{"kind", "email"}, {"value", "one@example.org"}}}}},
      admin_token_);
  CreateContact(
      {{"name", "Two"}, {"addresses", {{{"kind", "email"}, {"value", "two@example.org"}}}}},
      admin_token_);
  ASSERT_EQ(Delete("/v1/contacts/" + c1, admin_token_).status, 204);
  // Visible to every role.
  std::string viewer = CreateOfficerToken("viewer", {CreatePost("P")});
  HttpResult after = Get("/v1/organisation", viewer);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.json["stats"]["contacts_created"], 2);
  EXPECT_EQ(after.json["stats"]["contacts_erased"], 1);
  EXPECT_EQ(after.json["name"], "Ministry of Georgians Abroad");
}

// ---------------------------------------------------------------------------------------------
// Posts.

TEST_F(ApiOrgsTest, CreatePostNormalisesFields) {
  const int64_t now = clock_.NowMillis();
  HttpResult r = Post("/v1/posts",
                      {{"name", "Embassy in Berlin"},
                       {"country", "de"},
                       {"city", "Berlin"},
                       {"default_language", "KA-ge"},
                       {"time_zone", "europe/berlin"}},
                      admin_token_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_THAT(r.json["id"].get<std::string>(), StartsWith("post_"));
  EXPECT_EQ(r.json["org_id"], org_id_);
  EXPECT_EQ(r.json["name"], "Embassy in Berlin");
  EXPECT_EQ(r.json["country"], "DE");
  EXPECT_EQ(r.json["city"], "Berlin");
  EXPECT_EQ(r.json["default_language"], "ka-GE");
  EXPECT_EQ(r.json["time_zone"], "Europe/Berlin");
  EXPECT_EQ(r.json["created_at"], now);
  HttpResult g = Get("/v1/posts/" + r.json["id"].get<std::string>(), admin_token_);
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.json, r.json);
}

TEST_F(ApiOrgsTest, CreatePostWithOnlyNameLeavesOthersEmpty) {
  HttpResult r = Post("/v1/posts", {{"name", "Consulate"}}, admin_token_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json["country"], "");
  EXPECT_EQ(r.json["default_language"], "");
  EXPECT_EQ(r.json["time_zone"], "");
}

TEST_F(ApiOrgsTest, PostValidationNamesEachField) {
  struct Case {
    json body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"name", "X"}, {"country", "XX"}}, "country"},
      {{{"name", "X"}, {"country", "Germany"}}, "country"},
      {{{"name", "X"}, {"default_language", "english"}}, "default_language"},
      {{{"name", "X"}, {"time_zone", "Mars/Olympus"}}, "time_zone"},
      {{{"name", "X"}, {"bogus", 1}}, "bogus"},
      {{{"name", 5}}, "name"},
      {{{"name", ""}}, "name"},
      {{{"name", std::string(201, 'x')}}, "name"},
      {{{"country", "DE"}}, "name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.dump());
    HttpResult r = Post("/v1/posts", c.body, admin_token_);
    ExpectProblem(r, 422);
    EXPECT_EQ(r.json.value("field", ""), c.field);
    EXPECT_THAT(ErrorFields(r), ::testing::Contains(c.field));
  }
  HttpResult all = Post("/v1/posts",
                        {{"name", "X"}, {"country", "XX"}, {"default_language", "english"},
                         {"time_zone", "Nowhere/Land"}},
                        admin_token_);
  ExpectProblem(all, 422);
  EXPECT_THAT(ErrorFields(all), UnorderedElementsAre("country", "default_language", "time_zone"));
  HttpResult list = Get("/v1/posts", admin_token_);
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(list.json["items"].empty()) << list.body;
}

TEST_F(ApiOrgsTest, ListPostsInCreationOrder) {
  std::vector<std::string> ids;
  for (const char* name : {"Berlin", "Athens", "Paris"}) {
    clock_.Advance(1);
    ids.push_back(CreatePost(name));
  }
  HttpResult r = Get("/v1/posts", admin_token_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Ids(r.json["items"]), ids);
  EXPECT_EQ(r.json["items"][1]["name"], "Athens");
}

TEST_F(ApiOrgsTest, PatchPostUpdatesGivenFields) {
  HttpResult created = Post("/v1/posts",
                            {{"name", "Embassy"}, {"country", "GR"}, {"city", "Athens"},
                             {"time_zone", "Europe/Athens"}},
                            admin_token_);
  ASSERT_EQ(created.status, 201);
  const std::string id = created.json["id"];
  HttpResult r = Patch("/v1/posts/" + id, {{"city", "Thessaloniki"}, {"default_language", "el"}},
                       admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["name"], "Embassy");
  EXPECT_EQ(r.json["country"], "GR");
  EXPECT_EQ(r.json["city"], "Thessaloniki");
  EXPECT_EQ(r.json["default_language"], "el");
  EXPECT_EQ(r.json["time_zone"], "Europe/Athens");
  EXPECT_EQ(r.json["created_at"], created.json["created_at"]);
  EXPECT_EQ(Get("/v1/posts/" + id, admin_token_).json, r.json);
}

TEST_F(ApiOrgsTest, InvalidPatchLeavesPostUnchanged) {
  HttpResult created = Post("/v1/posts", {{"name", "Embassy"}, {"country", "GR"}}, admin_token_);
  ASSERT_EQ(created.status, 201);
  const std::string id = created.json["id"];
  HttpResult country = Patch("/v1/posts/" + id, {{"country", "XX"}, {"city", "Nowhere"}},
                             admin_token_);
  ExpectProblem(country, 422);
  EXPECT_EQ(country.json["field"], "country");
  HttpResult language = Patch("/v1/posts/" + id, {{"default_language", "english"}},
                              admin_token_);
  ExpectProblem(language, 422);
  EXPECT_EQ(language.json["field"], "default_language");
  HttpResult unknown = Patch("/v1/posts/" + id, {{"org_id", "org_other"}}, admin_token_);
  ExpectProblem(unknown, 422);
  EXPECT_EQ(unknown.json["field"], "org_id");
  // A post keeps a name: it cannot be blanked out.
  HttpResult blank = Patch("/v1/posts/" + id, {{"name", ""}}, admin_token_);
  ExpectProblem(blank, 422);
  EXPECT_EQ(blank.json["field"], "name");
  auto not_json = client_->Patch("/v1/posts/" + id, {{"Authorization", "Bearer " + admin_token_}},
                                 "[", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  EXPECT_THAT(not_json->body, HasSubstr("\"field\":\"body\""));
  EXPECT_EQ(Get("/v1/posts/" + id, admin_token_).json, created.json);
}

TEST_F(ApiOrgsTest, UnknownPostIsNotFound) {
  ExpectProblem(Get("/v1/posts/post_0000000000aaaaaaaaaaaaaaaa", admin_token_), 404);
  ExpectProblem(Patch("/v1/posts/post_0000000000aaaaaaaaaaaaaaaa", {{"city", "X"}}, admin_token_),
                404);
  EXPECT_TRUE(Get("/v1/posts", admin_token_).json["items"].empty());
}

// ---------------------------------------------------------------------------------------------
// Officers.

TEST_F(ApiOrgsTest, CreateOfficerNormalisesAndLists) {
  std::string post = CreatePost("P");
  clock_.Advance(1);
  HttpResult r = CreateOfficer({{"name", "Tamar"},
                                {"email", "Tamar.K@Example.ORG"},
                                {"role", "officer"},
                                {"posts", {post}}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_THAT(r.json["id"].get<std::string>(), StartsWith("off_"));
  EXPECT_EQ(r.json["org_id"], org_id_);
  EXPECT_EQ(r.json["name"], "Tamar");
  EXPECT_EQ(r.json["email"], "Tamar.K@example.org");
  EXPECT_EQ(r.json["role"], "officer");
  EXPECT_EQ(r.json["posts"], json({post}));
  EXPECT_EQ(r.json["disabled"], false);
  EXPECT_EQ(r.json["created_at"], clock_.NowMillis());
  const std::string id = r.json["id"];
  EXPECT_EQ(Get("/v1/officers/" + id, admin_token_).json, r.json);

  HttpResult list = Get("/v1/officers", admin_token_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(Ids(list.json["items"]), (std::vector<std::string>{admin_id_, id}));
  EXPECT_EQ(list.json["items"][0]["role"], "admin");
  EXPECT_EQ(list.json["items"][0]["name"], "Administrator");
  // A new officer has no key until one is issued.
  HttpResult keys = Get("/v1/officers/" + id + "/keys", admin_token_);
  ASSERT_EQ(keys.status, 200);
  EXPECT_TRUE(keys.json["items"].empty());
}

TEST_F(ApiOrgsTest, OfficerValidation) {
  struct Case {
    json body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"name", "X"}, {"role", "superuser"}}, "role"},
      {{{"name", "X"}}, "role"},
      {{{"role", "officer"}}, "name"},
      {{{"name", ""}, {"role", "officer"}}, "name"},
      {{{"name", "X"}, {"role", "officer"}, {"email", "not-an-email"}}, "email"},
      {{{"name", "X"}, {"role", "officer"}, {"posts", "p"}}, "posts"},
      {{{"name", "X"}, {"role", "officer"}, {"disabled", "yes"}}, "disabled"},
      {{{"name", "X"}, {"role", "officer"}, {"password", "hunter2"}}, "password"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.dump());
    HttpResult r = CreateOfficer(c.body);
    ExpectProblem(r, 422);
    EXPECT_THAT(ErrorFields(r), ::testing::Contains(c.field));
  }
  HttpResult unknown_post = CreateOfficer(
      {{"name", "X"}, {"role", "officer"}, {"posts", {"post_0000000000aaaaaaaaaaaaaaaa"}}});
  ExpectProblem(unknown_post, 422);
  EXPECT_EQ(unknown_post.json["field"], "posts");
  EXPECT_THAT(unknown_post.json.value("detail", ""), HasSubstr("posts[0]"));
  EXPECT_EQ(Get("/v1/officers", admin_token_).json["items"].size(), 1u);
}

TEST_F(ApiOrgsTest, PatchOfficerChangesRoleAndPosts) {
  std::string a = CreatePost("A");
  std::string b = CreatePost("B");
  std::string id;
  std::string token = CreateOfficerToken("viewer", {a}, &id);
  EXPECT_EQ(Get("/v1/me", token).json["role"], "viewer");
  HttpResult r = Patch("/v1/officers/" + id, {{"role", "officer"}, {"posts", {a, b}}},
                       admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["role"], "officer");
  EXPECT_EQ(r.json["posts"], json({a, b}));
  EXPECT_EQ(r.json["name"], "Officer viewer");
  EXPECT_EQ(Get("/v1/officers/" + id, admin_token_).json, r.json);
  // Takes effect on the existing key at once.
  HttpResult me = Get("/v1/me", token);
  EXPECT_EQ(me.json["role"], "officer");
  EXPECT_EQ(me.json["posts"].size(), 2u);

  HttpResult bad_post = Patch("/v1/officers/" + id, {{"posts", {"post_nope"}}}, admin_token_);
  ExpectProblem(bad_post, 422);
  EXPECT_EQ(bad_post.json["field"], "posts");
  HttpResult bad_role = Patch("/v1/officers/" + id, {{"role", "root"}}, admin_token_);
  ExpectProblem(bad_role, 422);
  EXPECT_EQ(bad_role.json["field"], "role");
  HttpResult blank = Patch("/v1/officers/" + id, {{"name", ""}}, admin_token_);
  ExpectProblem(blank, 422);
  EXPECT_EQ(blank.json["field"], "name");
  EXPECT_EQ(Get("/v1/officers/" + id, admin_token_).json, r.json);
  ExpectProblem(Patch("/v1/officers/off_0000000000aaaaaaaaaaaaaaaa", {{"role", "viewer"}},
                      admin_token_),
                404);
  ExpectProblem(Get("/v1/officers/off_0000000000aaaaaaaaaaaaaaaa", admin_token_), 404);
}

TEST_F(ApiOrgsTest, AdminCannotDemoteOrDisableThemselves) {
  for (const json& body : {json{{"role", "officer"}}, json{{"role", "viewer"}},
                           json{{"disabled", true}}}) {
    SCOPED_TRACE(body.dump());
    HttpResult r = Patch("/v1/officers/" + admin_id_, body, admin_token_);
    ExpectProblem(r, 409);
    EXPECT_THAT(r.json.value("detail", ""), HasSubstr("themselves"));
  }
  HttpResult me = Get("/v1/me", admin_token_);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json["role"], "admin");
  HttpResult self = Get("/v1/officers/" + admin_id_, admin_token_);
  EXPECT_EQ(self.json["role"], "admin");
  EXPECT_EQ(self.json["disabled"], false);
  // Other edits of oneself are fine.
  HttpResult rename = Patch("/v1/officers/" + admin_id_, {{"name", "Chief"}}, admin_token_);
  ASSERT_EQ(rename.status, 200) << rename.body;
  EXPECT_EQ(rename.json["name"], "Chief");
  EXPECT_EQ(rename.json["role"], "admin");
}

TEST_F(ApiOrgsTest, AdminCanDemoteAndDisableAnotherAdmin) {
  std::string other_id;
  std::string other = CreateOfficerToken("admin", {}, &other_id);
  ASSERT_EQ(Get("/v1/officers", other).status, 200);
  HttpResult demote = Patch("/v1/officers/" + other_id, {{"role", "viewer"}}, admin_token_);
  ASSERT_EQ(demote.status, 200) << demote.body;
  EXPECT_EQ(demote.json["role"], "viewer");
  ExpectProblem(Get("/v1/officers", other), 403);
  HttpResult disable = Patch("/v1/officers/" + other_id, {{"disabled", true}}, admin_token_);
  ASSERT_EQ(disable.status, 200) << disable.body;
  ExpectProblem(Get("/v1/me", other), 401);
}

// ---------------------------------------------------------------------------------------------
// API keys.

TEST_F(ApiOrgsTest, IssuedKeyIsShownOnceAndListedWithoutSecret) {
  std::string officer_id;
  CreateOfficerToken("officer", {CreatePost("P")}, &officer_id);
  clock_.Advance(1000);
  HttpResult k = Post("/v1/officers/" + officer_id + "/keys", json::object(), admin_token_);
  ASSERT_EQ(k.status, 201) << k.body;
  EXPECT_EQ(k.Header("Cache-Control"), "no-store");
  const std::string key_id = k.json["id"];
  const std::string token = k.json["token"];
  EXPECT_THAT(key_id, StartsWith("key_"));
  EXPECT_EQ(k.json["officer_id"], officer_id);
  EXPECT_EQ(k.json["revoked"], false);
  EXPECT_EQ(k.json["created_at"], clock_.NowMillis());
  ASSERT_THAT(token, StartsWith("ogw_" + key_id + "."));
  const std::string secret = token.substr(token.find('.') + 1);
  EXPECT_GE(secret.size(), 32u);

  HttpResult me = Get("/v1/me", token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json["key_id"], key_id);
  EXPECT_EQ(me.json["officer_id"], officer_id);

  HttpResult list = Get("/v1/officers/" + officer_id + "/keys", admin_token_);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["items"].size(), 2u);  // The harness's key and this one.
  EXPECT_EQ(list.json["items"][1]["id"], key_id);
  for (const auto& item : list.json["items"]) {
    EXPECT_THAT(Keys(item), UnorderedElementsAre("id", "officer_id", "created_at", "revoked"));
  }
  EXPECT_THAT(list.body, ContainsNoneOf({secret}));
  EXPECT_THAT(list.body, Not(HasSubstr("token")));
  EXPECT_THAT(list.body, Not(HasSubstr("secret")));
  HttpResult own = Get("/v1/officers/" + officer_id + "/keys", token);
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(own.json, list.json);

  // Not even Redis holds the secret.
  auto all = pool().Command({"KEYS", "*"});
  ASSERT_TRUE(all.ok());
  for (const auto& key : all->elements) {
    auto type = pool().Command({"TYPE", key.str});
    ASSERT_TRUE(type.ok());
    if (type->str != "hash") continue;
    auto values = pool().Command({"HVALS", key.str});
    ASSERT_TRUE(values.ok());
    for (const auto& v : values->elements) EXPECT_THAT(v.str, ContainsNoneOf({secret})) << key.str;
  }
}

TEST_F(ApiOrgsTest, IdempotentRepeatOfKeyIssueDoesNotReplayTheSecret) {
  std::string officer_id;
  CreateOfficerToken("officer", {CreatePost("P")}, &officer_id);
  const httplib::Headers idem = {{"Idempotency-Key", "issue-1"}};
  HttpResult first = Post("/v1/officers/" + officer_id + "/keys", json::object(), admin_token_,
                          idem);
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string token = first.json["token"];
  HttpResult again = Post("/v1/officers/" + officer_id + "/keys", json::object(), admin_token_,
                          idem);
  ExpectProblem(again, 409);
  EXPECT_FALSE(again.json.contains("token"));
  EXPECT_THAT(again.body, ContainsNoneOf({token.substr(token.find('.') + 1)}));
  EXPECT_EQ(Get("/v1/officers/" + officer_id + "/keys", admin_token_).json["items"].size(), 2u);
  EXPECT_EQ(Get("/v1/me", token).status, 200);
}

TEST_F(ApiOrgsTest, RevokedKeyIsListedAsRevokedAndStopsWorking) {
  std::string officer_id;
  std::string first = CreateOfficerToken("officer", {CreatePost("P")}, &officer_id);
  HttpResult second = Post("/v1/officers/" + officer_id + "/keys", json::object(), admin_token_);
  ASSERT_EQ(second.status, 201);
  const std::string first_id = Get("/v1/me", first).json["key_id"];
  HttpResult del = Delete("/v1/keys/" + first_id, admin_token_);
  ASSERT_EQ(del.status, 204) << del.body;
  ExpectProblem(Get("/v1/me", first), 401);
  EXPECT_EQ(Get("/v1/me", second.json["token"].get<std::string>()).status, 200);
  HttpResult list = Get("/v1/officers/" + officer_id + "/keys", admin_token_);
  ASSERT_EQ(list.json["items"].size(), 2u);
  for (const auto& k : list.json["items"]) {
    EXPECT_EQ(k["revoked"], k["id"] == first_id) << k.dump();
  }
  // Revoking again is harmless; an unknown key is 404.
  EXPECT_EQ(Delete("/v1/keys/" + first_id, admin_token_).status, 204);
  ExpectProblem(Delete("/v1/keys/key_0000000000aaaaaaaaaaaaaaaa", admin_token_), 404);
}

TEST_F(ApiOrgsTest, KeyForUnknownOfficerIsNotFound) {
  HttpResult r = Post("/v1/officers/off_0000000000aaaaaaaaaaaaaaaa/keys", json::object(),
                      admin_token_);
  ExpectProblem(r, 404);
  EXPECT_FALSE(r.json.contains("token"));
  ExpectProblem(Get("/v1/officers/off_0000000000aaaaaaaaaaaaaaaa/keys", admin_token_), 404);
}

TEST_F(ApiOrgsTest, UnknownRouteIsProblemJson) {
  HttpResult r = Get("/v1/nothing-here", admin_token_);
  ExpectProblem(r, 404);
  EXPECT_EQ(r.json["detail"], "no such route");
}

}  // namespace
}  // namespace ogw::testing
