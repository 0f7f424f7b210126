// Post scoping and role checks across every resource the API exposes: contacts, posts,
// officers, API keys, segments and imports. An officer or viewer of post A must never learn
// anything about post B's data (404, never 403 and never data); viewers can never write;
// officers can never reach admin-only routes; unauthenticated callers get 401.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/testutil/api_harness.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using json = nlohmann::json;

// Checks a problem+json response with `status`, returning whether it was one.
std::vector<std::string> Ids(const json& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.value("id", ""));
  return out;
}

class ApiScopeTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    post_a_ = CreatePost("Berlin");
    post_b_ = CreatePost("Athens");
    officer_a_ = CreateOfficerToken("officer", {post_a_}, &officer_a_id_);
    officer_b_ = CreateOfficerToken("officer", {post_b_}, &officer_b_id_);
    viewer_a_ = CreateOfficerToken("viewer", {post_a_}, &viewer_a_id_);
    contact_a_ = CreateContact({{"name", "Anna Alpha"},
                                {"post_id", post_a_},
                                {"addresses", {{{"kind", "phone"}, {"value", "+4915111111111"}}}}},
                               officer_a_);
    contact_b_ = CreateContact({{"name", "Boris Beta"},
                                {"post_id", post_b_},
                                {"addresses", {{{"kind", "phone"}, {"value", "+306912345678"},
                                                {"consent", "granted"}},
                                               {{"kind", "email"}, {"value", "boris@b.example"}}}}},
                               officer_b_);
    contact_none_ = CreateContact({{"name", "Nadia Nopost"},
                                   {"addresses", {{{"kind", "email"}, {"value", "nadia@n.example"}}}}},
                                  admin_token_);
    ASSERT_FALSE(contact_a_.empty());
    ASSERT_FALSE(contact_b_.empty());
    ASSERT_FALSE(contact_none_.empty());
  }

  // A 404 that reveals nothing about contact B (or the post-less contact).
  void ExpectHidden(const HttpResult& r) {
    ExpectProblem(r, 404);
    EXPECT_THAT(r.body, Not(HasSubstr("Boris")));
    EXPECT_THAT(r.body, Not(HasSubstr("Nadia")));
    EXPECT_THAT(r.body, Not(HasSubstr("+306912345678")));
    EXPECT_THAT(r.body, Not(HasSubstr(contact_b_)));
    EXPECT_THAT(r.body, Not(HasSubstr(contact_none_)));
    EXPECT_THAT(r.body, Not(HasSubstr(post_b_)));
  }

  // The contact as the admin sees it now.
  json AdminView(const std::string& id) {
    HttpResult r = Get("/v1/contacts/" + id, admin_token_);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }

  std::string post_a_, post_b_;
  std::string officer_a_, officer_b_, viewer_a_;
  std::string officer_a_id_, officer_b_id_, viewer_a_id_;
  std::string contact_a_, contact_b_, contact_none_;
};

// ---------------------------------------------------------------------------------------------
// Contacts: single-item routes.

TEST_F(ApiScopeTest, OfficerReadsOwnPostContact) {
  HttpResult r = Get("/v1/contacts/" + contact_a_, officer_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["id"], contact_a_);
  EXPECT_EQ(r.json["name"], "Anna Alpha");
  EXPECT_EQ(r.json["post_id"], post_a_);
}

TEST_F(ApiScopeTest, OfficerGetsNotFoundForOtherPostsContact) {
  ExpectHidden(Get("/v1/contacts/" + contact_b_, officer_a_));
  ExpectHidden(Get("/v1/contacts/" + contact_b_, viewer_a_));
  // Indistinguishable from a contact that does not exist at all.
  HttpResult missing = Get("/v1/contacts/c_0000000000aaaaaaaaaaaaaaaa", officer_a_);
  HttpResult hidden = Get("/v1/contacts/" + contact_b_, officer_a_);
  ExpectProblem(missing, 404);
  EXPECT_EQ(missing.json["detail"], hidden.json["detail"]);
  EXPECT_EQ(missing.json["title"], hidden.json["title"]);
}

TEST_F(ApiScopeTest, ContactWithoutPostIsVisibleToAdminsOnly) {
  ExpectHidden(Get("/v1/contacts/" + contact_none_, officer_a_));
  ExpectHidden(Get("/v1/contacts/" + contact_none_, officer_b_));
  ExpectHidden(Get("/v1/contacts/" + contact_none_, viewer_a_));
  HttpResult admin = Get("/v1/contacts/" + contact_none_, admin_token_);
  ASSERT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(admin.json["name"], "Nadia Nopost");
  EXPECT_EQ(admin.json["post_id"], "");
  ExpectHidden(Get("/v1/contacts/lookup?kind=email&value=nadia@n.example", officer_a_));
  ExpectHidden(Patch("/v1/contacts/" + contact_none_, {{"city", "X"}}, officer_a_));
  ExpectHidden(Delete("/v1/contacts/" + contact_none_, officer_a_));
  EXPECT_EQ(AdminView(contact_none_)["city"], "");
}

TEST_F(ApiScopeTest, OfficerCannotPatchOtherPostsContact) {
  ExpectHidden(Patch("/v1/contacts/" + contact_b_, {{"name", "Hijacked"}}, officer_a_));
  ExpectHidden(Patch("/v1/contacts/" + contact_b_, {{"post_id", post_a_}}, officer_a_));
  json b = AdminView(contact_b_);
  EXPECT_EQ(b["name"], "Boris Beta");
  EXPECT_EQ(b["post_id"], post_b_);
  EXPECT_EQ(b["version"], 1);
}

TEST_F(ApiScopeTest, OfficerCannotDeleteOtherPostsContact) {
  ExpectHidden(Delete("/v1/contacts/" + contact_b_, officer_a_));
  EXPECT_EQ(AdminView(contact_b_)["name"], "Boris Beta");
  HttpResult org = Get("/v1/organisation", admin_token_);
  ASSERT_EQ(org.status, 200) << org.body;
  EXPECT_EQ(org.json["stats"].value("contacts_erased", 0), 0);
  // Officer B may.
  HttpResult del = Delete("/v1/contacts/" + contact_b_, officer_b_);
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(del.body.empty());
}

TEST_F(ApiScopeTest, OfficerCannotChangeConsentOfOtherPostsContact) {
  ExpectHidden(Post("/v1/contacts/" + contact_b_ + "/consent",
                    {{"kind", "phone"}, {"value", "+306912345678"}, {"state", "withdrawn"},
                     {"source", "officer-a"}},
                    officer_a_));
  json b = AdminView(contact_b_);
  EXPECT_EQ(b["addresses"][0]["consent"]["state"], "granted");
  EXPECT_EQ(b["addresses"][0]["opted_out"], false);
}

TEST_F(ApiScopeTest, LookupOnlyFindsContactsInScope) {
  HttpResult own = Get("/v1/contacts/lookup?kind=phone&value=%2B4915111111111", officer_a_);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.json["id"], contact_a_);
  ExpectHidden(Get("/v1/contacts/lookup?kind=phone&value=%2B306912345678", officer_a_));
  ExpectHidden(Get("/v1/contacts/lookup?kind=email&value=boris@b.example", viewer_a_));
  // The owner's officer and the admin find it.
  HttpResult b = Get("/v1/contacts/lookup?kind=email&value=boris@b.example", officer_b_);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.json["id"], contact_b_);
  HttpResult admin = Get("/v1/contacts/lookup?kind=phone&value=%2B306912345678", admin_token_);
  ASSERT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(admin.json["id"], contact_b_);
}

// ---------------------------------------------------------------------------------------------
// Contacts: listing, creating, moving.

TEST_F(ApiScopeTest, ListShowsOnlyContactsInScope) {
  HttpResult a = Get("/v1/contacts", officer_a_);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(Ids(a.json["items"]), std::vector<std::string>{contact_a_});
  EXPECT_FALSE(a.json.contains("next_cursor"));

  HttpResult v = Get("/v1/contacts", viewer_a_);
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(Ids(v.json["items"]), std::vector<std::string>{contact_a_});

  HttpResult b = Get("/v1/contacts", officer_b_);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(Ids(b.json["items"]), std::vector<std::string>{contact_b_});

  HttpResult admin = Get("/v1/contacts", admin_token_);
  ASSERT_EQ(admin.status, 200) << admin.body;
  std::vector<std::string> all = {contact_a_, contact_b_, contact_none_};
  std::sort(all.begin(), all.end());
  EXPECT_EQ(Ids(admin.json["items"]), all);
}

TEST_F(ApiScopeTest, ListFilteredByForeignPostIsEmpty) {
  HttpResult r = Get("/v1/contacts?post_id=" + post_b_, officer_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json["items"].empty()) << r.body;
  EXPECT_THAT(r.body, Not(HasSubstr("Boris")));
  HttpResult own = Get("/v1/contacts?post_id=" + post_a_, officer_a_);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(Ids(own.json["items"]), std::vector<std::string>{contact_a_});
  HttpResult admin = Get("/v1/contacts?post_id=" + post_b_, admin_token_);
  ASSERT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(Ids(admin.json["items"]), std::vector<std::string>{contact_b_});
}

TEST_F(ApiScopeTest, OfficerOfTwoPostsSeesBothButNotPostless) {
  std::string both = CreateOfficerToken("officer", {post_a_, post_b_});
  HttpResult r = Get("/v1/contacts", both);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> want = {contact_a_, contact_b_};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(Ids(r.json["items"]), want);
  ExpectProblem(Get("/v1/contacts/" + contact_none_, both), 404);
  EXPECT_EQ(Get("/v1/contacts/" + contact_b_, both).status, 200);
}

TEST_F(ApiScopeTest, ScopeFollowsOfficerReassignment) {
  HttpResult patch = Patch("/v1/officers/" + officer_a_id_, {{"posts", {post_b_}}}, admin_token_);
  ASSERT_EQ(patch.status, 200) << patch.body;
  // The same key now sees post B, and no longer post A.
  EXPECT_EQ(Get("/v1/contacts/" + contact_b_, officer_a_).status, 200);
  ExpectProblem(Get("/v1/contacts/" + contact_a_, officer_a_), 404);
  HttpResult list = Get("/v1/contacts", officer_a_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(Ids(list.json["items"]), std::vector<std::string>{contact_b_});
}

TEST_F(ApiScopeTest, OfficerCreatesContactsOnlyInOwnPosts) {
  json body = {{"name", "New Person"},
               {"post_id", post_b_},
               {"addresses", {{{"kind", "email"}, {"value", "new@p.example"}}}}};
  HttpResult foreign = Post("/v1/contacts", body, officer_a_);
  ExpectProblem(foreign, 422);
  EXPECT_EQ(foreign.json["field"], "post_id");
  body.erase("post_id");
  HttpResult none = Post("/v1/contacts", body, officer_a_);
  ExpectProblem(none, 422);
  EXPECT_EQ(none.json["field"], "post_id");
  // Nothing was stored: the address is still free.
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=new@p.example", admin_token_), 404);
  body["post_id"] = post_a_;
  HttpResult own = Post("/v1/contacts", body, officer_a_);
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_EQ(own.json["post_id"], post_a_);
}

TEST_F(ApiScopeTest, OfficerCannotMoveContactToForeignPostOrRemoveItsPost) {
  HttpResult move = Patch("/v1/contacts/" + contact_a_, {{"post_id", post_b_}}, officer_a_);
  ExpectProblem(move, 422);
  EXPECT_EQ(move.json["field"], "post_id");
  HttpResult unassign = Patch("/v1/contacts/" + contact_a_, {{"post_id", nullptr}}, officer_a_);
  ExpectProblem(unassign, 422);
  EXPECT_EQ(unassign.json["field"], "post_id");
  json a = AdminView(contact_a_);
  EXPECT_EQ(a["post_id"], post_a_);
  EXPECT_EQ(a["version"], 1);
  // Officer B still cannot see it.
  ExpectProblem(Get("/v1/contacts/" + contact_a_, officer_b_), 404);
}

TEST_F(ApiScopeTest, DuplicateAddressNamesOwnerOnlyWhenVisible) {
  json body = {{"name", "Copycat"},
               {"post_id", post_a_},
               {"addresses", {{{"kind", "email"}, {"value", "cc@c.example"}},
                              {{"kind", "phone"}, {"value", "+30 691 234 5678"}}}}};
  HttpResult hidden = Post("/v1/contacts", body, officer_a_);
  ExpectProblem(hidden, 409);
  EXPECT_EQ(hidden.json["field"], "addresses[1].value");
  EXPECT_FALSE(hidden.json.contains("existing_contact_id")) << hidden.body;
  EXPECT_THAT(hidden.body, Not(HasSubstr(contact_b_)));

  HttpResult admin = Post("/v1/contacts", body, admin_token_);
  ExpectProblem(admin, 409);
  EXPECT_EQ(admin.json["field"], "addresses[1].value");
  EXPECT_EQ(admin.json.value("existing_contact_id", ""), contact_b_);

  body["addresses"][1]["value"] = "+4915111111111";  // Contact A's, visible to officer A.
  HttpResult visible = Post("/v1/contacts", body, officer_a_);
  ExpectProblem(visible, 409);
  EXPECT_EQ(visible.json.value("existing_contact_id", ""), contact_a_);
  // Contact B is untouched.
  EXPECT_EQ(AdminView(contact_b_)["name"], "Boris Beta");
}

TEST_F(ApiScopeTest, PatchTakingForeignAddressDoesNotNameOwner) {
  HttpResult r = Patch("/v1/contacts/" + contact_a_,
                       {{"addresses", {{{"kind", "email"}, {"value", "boris@b.example"}}}}},
                       officer_a_);
  ExpectProblem(r, 409);
  EXPECT_EQ(r.json["field"], "addresses[0].value");
  EXPECT_FALSE(r.json.contains("existing_contact_id")) << r.body;
  json a = AdminView(contact_a_);
  ASSERT_EQ(a["addresses"].size(), 1u);
  EXPECT_EQ(a["addresses"][0]["value"], "+4915111111111");
}

// ---------------------------------------------------------------------------------------------
// Viewers never write; officers never reach admin routes.

TEST_F(ApiScopeTest, ViewerCanReadButEveryWriteIsForbidden) {
  // Reads work.
  EXPECT_EQ(Get("/v1/contacts/" + contact_a_, viewer_a_).status, 200);
  EXPECT_EQ(Get("/v1/posts/" + post_a_, viewer_a_).status, 200);
  EXPECT_EQ(Get("/v1/segments", viewer_a_).status, 200);
  HttpResult preview = Post("/v1/segments/preview", {{"expression", "true"}}, viewer_a_);
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.json["count"], 1);

  HttpResult seg = Post("/v1/segments", {{"name", "A"}, {"expression", "true"},
                                         {"post_id", post_a_}}, officer_a_);
  ASSERT_EQ(seg.status, 201) << seg.body;
  const std::string seg_id = seg.json["id"];
  HttpResult key = Post("/v1/officers/" + viewer_a_id_ + "/keys", json::object(), admin_token_);
  ASSERT_EQ(key.status, 201);
  const std::string key_id = key.json["id"];

  struct Write {
    std::string what;
    HttpResult result;
  };
  std::vector<Write> writes = {
      {"POST contact",
       Post("/v1/contacts", {{"name", "V"}, {"post_id", post_a_},
                             {"addresses", {{{"kind", "email"}, {"value", "v@v.example"}}}}},
            viewer_a_)},
      {"PATCH contact", Patch("/v1/contacts/" + contact_a_, {{"name", "Changed"}}, viewer_a_)},
      {"DELETE contact", Delete("/v1/contacts/" + contact_a_, viewer_a_)},
      {"POST consent",
       Post("/v1/contacts/" + contact_a_ + "/consent",
            {{"kind", "phone"}, {"value", "+4915111111111"}, {"state", "withdrawn"},
             {"source", "v"}},
            viewer_a_)},
      {"POST import", PostRaw("/v1/imports?format=csv&post_id=" + post_a_,
                              "name,email\nImp,imp@i.example\n", "text/csv", viewer_a_)},
      {"POST segment", Post("/v1/segments", {{"name", "V"}, {"expression", "true"},
                                              {"post_id", post_a_}}, viewer_a_)},
      {"PUT segment", Put("/v1/segments/" + seg_id, {{"name", "Renamed"}}, viewer_a_)},
      {"DELETE segment", Delete("/v1/segments/" + seg_id, viewer_a_)},
      {"POST post", Post("/v1/posts", {{"name", "Viewer post"}}, viewer_a_)},
      {"PATCH post", Patch("/v1/posts/" + post_a_, {{"name", "Renamed"}}, viewer_a_)},
      {"POST officer", Post("/v1/officers", {{"name", "X"}, {"role", "admin"}}, viewer_a_)},
      {"PATCH self", Patch("/v1/officers/" + viewer_a_id_, {{"role", "admin"}}, viewer_a_)},
      {"POST key", Post("/v1/officers/" + viewer_a_id_ + "/keys", json::object(), viewer_a_)},
      {"DELETE key", Delete("/v1/keys/" + key_id, viewer_a_)},
  };
  for (const auto& w : writes) {
    SCOPED_TRACE(w.what);
    ExpectProblem(w.result, 403);
    EXPECT_THAT(w.result.json.value("detail", ""), HasSubstr("role"));
  }

  // Nothing changed.
  json a = AdminView(contact_a_);
  EXPECT_EQ(a["name"], "Anna Alpha");
  EXPECT_EQ(a["version"], 1);
  EXPECT_EQ(a["addresses"][0]["consent"]["state"], "unknown");
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=v@v.example", admin_token_), 404);
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=imp@i.example", admin_token_), 404);
  HttpResult segs = Get("/v1/segments", admin_token_);
  ASSERT_EQ(segs.json["items"].size(), 1u);
  EXPECT_EQ(segs.json["items"][0]["name"], "A");
  HttpResult posts = Get("/v1/posts", admin_token_);
  EXPECT_EQ(posts.json["items"].size(), 2u);
  EXPECT_EQ(Get("/v1/posts/" + post_a_, admin_token_).json["name"], "Berlin");
  HttpResult officers = Get("/v1/officers", admin_token_);
  EXPECT_EQ(officers.json["items"].size(), 4u);  // Bootstrap admin + 3.
  HttpResult me = Get("/v1/me", viewer_a_);
  EXPECT_EQ(me.json["role"], "viewer");
  HttpResult keys = Get("/v1/officers/" + viewer_a_id_ + "/keys", admin_token_);
  ASSERT_EQ(keys.json["items"].size(), 2u);
  for (const auto& k : keys.json["items"]) EXPECT_EQ(k["revoked"], false);
}

TEST_F(ApiScopeTest, OfficerIsForbiddenFromAdminRoutes) {
  HttpResult admin_keys = Get("/v1/me", admin_token_);
  const std::string admin_id = admin_keys.json["officer_id"];
  const std::string admin_key_id = admin_keys.json["key_id"];

  struct Call {
    std::string what;
    HttpResult result;
  };
  std::vector<Call> calls = {
      {"POST post", Post("/v1/posts", {{"name", "Rogue post"}}, officer_a_)},
      {"PATCH post", Patch("/v1/posts/" + post_a_, {{"name", "Renamed"}}, officer_a_)},
      {"GET officers", Get("/v1/officers", officer_a_)},
      {"POST officer", Post("/v1/officers", {{"name", "Sock puppet"}, {"role", "admin"}},
                            officer_a_)},
      {"PATCH self role", Patch("/v1/officers/" + officer_a_id_, {{"role", "admin"}}, officer_a_)},
      {"PATCH self posts",
       Patch("/v1/officers/" + officer_a_id_, {{"posts", {post_a_, post_b_}}}, officer_a_)},
      {"PATCH admin", Patch("/v1/officers/" + admin_id, {{"disabled", true}}, officer_a_)},
      {"POST own key", Post("/v1/officers/" + officer_a_id_ + "/keys", json::object(), officer_a_)},
      {"POST other key",
       Post("/v1/officers/" + officer_b_id_ + "/keys", json::object(), officer_a_)},
      {"DELETE admin key", Delete("/v1/keys/" + admin_key_id, officer_a_)},
  };
  for (const auto& c : calls) {
    SCOPED_TRACE(c.what);
    ExpectProblem(c.result, 403);
    EXPECT_THAT(c.result.json.value("detail", ""), HasSubstr("admin"));
    EXPECT_THAT(c.result.body, ContainsNoneOf({"ogw_"}));
  }
  // Nothing changed: no new post, officer A still scoped to A, admin key still valid.
  HttpResult posts = Get("/v1/posts", admin_token_);
  ASSERT_EQ(posts.status, 200);
  EXPECT_EQ(posts.json["items"].size(), 2u);
  EXPECT_EQ(Get("/v1/posts/" + post_a_, admin_token_).json["name"], "Berlin");
  HttpResult me = Get("/v1/me", officer_a_);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json["role"], "officer");
  EXPECT_EQ(me.json["posts"], json::array({post_a_}));
  EXPECT_EQ(Get("/v1/me", admin_token_).status, 200);
  EXPECT_EQ(Get("/v1/officers", admin_token_).json["items"].size(), 4u);
  HttpResult keys = Get("/v1/officers/" + officer_a_id_ + "/keys", admin_token_);
  EXPECT_EQ(keys.json["items"].size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Posts, officers and keys.

TEST_F(ApiScopeTest, OfficerSeesOnlyOwnPosts) {
  HttpResult list = Get("/v1/posts", officer_a_);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Ids(list.json["items"]), std::vector<std::string>{post_a_});
  EXPECT_THAT(list.body, Not(HasSubstr("Athens")));
  HttpResult own = Get("/v1/posts/" + post_a_, viewer_a_);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.json["name"], "Berlin");
  HttpResult other = Get("/v1/posts/" + post_b_, officer_a_);
  ExpectProblem(other, 404);
  EXPECT_THAT(other.body, Not(HasSubstr("Athens")));
  HttpResult admin = Get("/v1/posts", admin_token_);
  EXPECT_EQ(admin.json["items"].size(), 2u);
}

TEST_F(ApiScopeTest, OfficerSeesOnlyOwnOfficerRecordAndKeys) {
  HttpResult self = Get("/v1/officers/" + officer_a_id_, officer_a_);
  ASSERT_EQ(self.status, 200) << self.body;
  EXPECT_EQ(self.json["id"], officer_a_id_);
  EXPECT_EQ(self.json["posts"], json::array({post_a_}));

  HttpResult other = Get("/v1/officers/" + officer_b_id_, officer_a_);
  ExpectProblem(other, 404);
  EXPECT_THAT(other.body, Not(HasSubstr(post_b_)));
  const std::string admin_id = Get("/v1/me", admin_token_).json["officer_id"];
  ExpectProblem(Get("/v1/officers/" + admin_id, viewer_a_), 404);

  HttpResult own_keys = Get("/v1/officers/" + officer_a_id_ + "/keys", officer_a_);
  ASSERT_EQ(own_keys.status, 200) << own_keys.body;
  ASSERT_EQ(own_keys.json["items"].size(), 1u);
  EXPECT_EQ(own_keys.json["items"][0]["id"], Get("/v1/me", officer_a_).json["key_id"]);
  HttpResult other_keys = Get("/v1/officers/" + officer_b_id_ + "/keys", officer_a_);
  ExpectProblem(other_keys, 404);
  EXPECT_THAT(other_keys.body, Not(HasSubstr("key_")));
  ExpectProblem(Get("/v1/officers/" + admin_id + "/keys", viewer_a_), 404);
}

TEST_F(ApiScopeTest, OnlyAdminsRevokeKeys) {
  const std::string key_b = Get("/v1/me", officer_b_).json["key_id"];
  ExpectProblem(Delete("/v1/keys/" + key_b, officer_a_), 403);
  ExpectProblem(Delete("/v1/keys/" + key_b, viewer_a_), 403);
  ExpectProblem(Delete("/v1/keys/" + key_b, officer_b_), 403);  // Not even one's own.
  EXPECT_EQ(Get("/v1/me", officer_b_).status, 200);
  EXPECT_EQ(Delete("/v1/keys/" + key_b, admin_token_).status, 204);
  ExpectProblem(Get("/v1/me", officer_b_), 401);
}

// ---------------------------------------------------------------------------------------------
// Segments.

TEST_F(ApiScopeTest, OfficerSavesSegmentsOnlyInOwnPosts) {
  HttpResult own = Post("/v1/segments", {{"name", "Mine"}, {"expression", "true"},
                                         {"post_id", post_a_}}, officer_a_);
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_EQ(own.json["post_id"], post_a_);
  EXPECT_EQ(own.json["created_by"], officer_a_id_);

  HttpResult foreign = Post("/v1/segments", {{"name", "Theirs"}, {"expression", "true"},
                                             {"post_id", post_b_}}, officer_a_);
  ExpectProblem(foreign, 422);
  EXPECT_EQ(foreign.json["field"], "post_id");
  HttpResult org_wide = Post("/v1/segments", {{"name", "All"}, {"expression", "true"}},
                             officer_a_);
  ExpectProblem(org_wide, 422);
  EXPECT_EQ(org_wide.json["field"], "post_id");

  HttpResult list = Get("/v1/segments", admin_token_);
  ASSERT_EQ(list.json["items"].size(), 1u);
  EXPECT_EQ(list.json["items"][0]["name"], "Mine");
}

TEST_F(ApiScopeTest, OtherPostsSegmentIsHiddenFromOfficer) {
  HttpResult seg_b = Post("/v1/segments", {{"name", "Athens VIPs"},
                                           {"expression", "\"vip\" in tags"},
                                           {"post_id", post_b_}}, officer_b_);
  ASSERT_EQ(seg_b.status, 201) << seg_b.body;
  const std::string id = seg_b.json["id"];
  auto hidden = [&](const HttpResult& r) {
    ExpectProblem(r, 404);
    EXPECT_THAT(r.body, Not(HasSubstr("Athens VIPs")));
    EXPECT_THAT(r.body, Not(HasSubstr("Boris")));
  };
  hidden(Get("/v1/segments/" + id, officer_a_));
  hidden(Get("/v1/segments/" + id, viewer_a_));
  hidden(Get("/v1/segments/" + id + "/preview", officer_a_));
  hidden(Put("/v1/segments/" + id, {{"name", "Taken"}, {"post_id", post_a_}}, officer_a_));
  hidden(Delete("/v1/segments/" + id, officer_a_));
  // Unchanged and still there.
  HttpResult check = Get("/v1/segments/" + id, officer_b_);
  ASSERT_EQ(check.status, 200) << check.body;
  EXPECT_EQ(check.json["name"], "Athens VIPs");
  EXPECT_EQ(check.json["post_id"], post_b_);
}

TEST_F(ApiScopeTest, SegmentListIsFilteredByVisibility) {
  auto create = [&](const std::string& name, const std::string& post, const std::string& token) {
    json body = {{"name", name}, {"expression", "true"}};
    if (!post.empty()) body["post_id"] = post;
    HttpResult r = Post("/v1/segments", body, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json.value("id", "");
  };
  std::string org = create("Everyone", "", admin_token_);
  std::string a = create("Berlin all", post_a_, officer_a_);
  std::string b = create("Athens all", post_b_, officer_b_);
  std::vector<std::string> all = {org, a, b};
  std::sort(all.begin(), all.end());

  HttpResult officer = Get("/v1/segments", officer_a_);
  ASSERT_EQ(officer.status, 200);
  std::vector<std::string> want_a = {org, a};
  std::sort(want_a.begin(), want_a.end());
  EXPECT_EQ(Ids(officer.json["items"]), want_a);
  EXPECT_THAT(officer.body, Not(HasSubstr("Athens all")));
  EXPECT_EQ(Ids(Get("/v1/segments", viewer_a_).json["items"]), want_a);
  EXPECT_EQ(Ids(Get("/v1/segments", admin_token_).json["items"]), all);
}

TEST_F(ApiScopeTest, OrganisationWideSegmentIsReadOnlyForOfficers) {
  HttpResult seg = Post("/v1/segments", {{"name", "Everyone"}, {"expression", "true"}},
                        admin_token_);
  ASSERT_EQ(seg.status, 201) << seg.body;
  const std::string id = seg.json["id"];
  EXPECT_EQ(Get("/v1/segments/" + id, officer_a_).status, 200);
  HttpResult del = Delete("/v1/segments/" + id, officer_a_);
  ExpectProblem(del, 403);
  HttpResult put = Put("/v1/segments/" + id, {{"name", "Mine now"}}, officer_a_);
  ExpectProblem(put, 403);
  // Moving it into the officer's own post is no way around it either.
  HttpResult take = Put("/v1/segments/" + id,
                        {{"name", "Mine now"}, {"expression", "has(email)"}, {"post_id", post_a_}},
                        officer_a_);
  ExpectProblem(take, 403);
  HttpResult check = Get("/v1/segments/" + id, admin_token_);
  EXPECT_EQ(check.json["name"], "Everyone");
  EXPECT_EQ(check.json["post_id"], "");
}

TEST_F(ApiScopeTest, SegmentPreviewsCountOnlyContactsInScope) {
  // Two more in A, one more in B, all tagged; plus the three from SetUp (untagged).
  for (int i = 0; i < 2; ++i) {
    CreateContact({{"name", "A" + std::to_string(i)},
                   {"post_id", post_a_},
                   {"tags", {"vip"}},
                   {"addresses", {{{"kind", "email"}, {"value", "a" + std::to_string(i) +
                                                                  "@a.example"}}}}},
                  officer_a_);
  }
  CreateContact({{"name", "B0"},
                 {"post_id", post_b_},
                 {"tags", {"vip"}},
                 {"addresses", {{{"kind", "email"}, {"value", "b0@b.example"}}}}},
                officer_b_);
  CreateContact({{"name", "N0"},
                 {"tags", {"vip"}},
                 {"addresses", {{{"kind", "email"}, {"value", "n0@n.example"}}}}},
                admin_token_);
  HttpResult seg = Post("/v1/segments", {{"name", "VIP"}, {"expression", "\"vip\" in tags"}},
                        admin_token_);
  ASSERT_EQ(seg.status, 201) << seg.body;
  const std::string path = "/v1/segments/" + seg.json["id"].get<std::string>() + "/preview";

  auto count_of = [](const HttpResult& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.value("count", -1);
  };
  EXPECT_EQ(count_of(Get(path, admin_token_)), 4);
  EXPECT_EQ(count_of(Get(path, officer_a_)), 2);
  EXPECT_EQ(count_of(Get(path, viewer_a_)), 2);
  EXPECT_EQ(count_of(Get(path, officer_b_)), 1);
  EXPECT_EQ(count_of(Post("/v1/segments/preview", {{"expression", "true"}}, admin_token_)), 7);
  EXPECT_EQ(count_of(Post("/v1/segments/preview", {{"expression", "true"}}, officer_a_)), 3);
  EXPECT_EQ(count_of(Post("/v1/segments/preview", {{"expression", "post = \"\""}}, officer_a_)),
            0);
  EXPECT_EQ(count_of(Post("/v1/segments/preview", {{"expression", "post = \"\""}},
                          admin_token_)),
            2);
  EXPECT_EQ(count_of(Post("/v1/segments/preview",
                          {{"expression", "post = \"" + post_b_ + "\""}}, officer_a_)),
            0);

  // The sample holds only in-scope contacts.
  HttpResult sample = Get(path + "?sample=100", officer_a_);
  ASSERT_EQ(sample.status, 200);
  ASSERT_EQ(sample.json["sample"].size(), 2u);
  for (const auto& c : sample.json["sample"]) EXPECT_EQ(c["post_id"], post_a_);
  EXPECT_THAT(sample.body, Not(HasSubstr("B0")));
  EXPECT_THAT(sample.body, Not(HasSubstr("N0")));
  HttpResult all = Post("/v1/segments/preview?sample=100", {{"expression", "true"}}, officer_b_);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.json["count"], 2);
  for (const auto& c : all.json["sample"]) EXPECT_EQ(c["post_id"], post_b_);
}

// ---------------------------------------------------------------------------------------------
// Imports.

TEST_F(ApiScopeTest, OfficerCannotImportIntoForeignPost) {
  HttpResult r = PostRaw("/v1/imports?format=csv&post_id=" + post_b_,
                         "name,email\nSmuggled,smuggled@s.example\n", "text/csv", officer_a_);
  ExpectProblem(r, 422);
  EXPECT_EQ(r.json["field"], "post_id");
  EXPECT_THAT(r.json.value("detail", ""), HasSubstr("post"));
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=smuggled@s.example", admin_token_), 404);
  HttpResult list = Get("/v1/contacts?post_id=" + post_b_, admin_token_);
  EXPECT_EQ(Ids(list.json["items"]), std::vector<std::string>{contact_b_});
}

TEST_F(ApiScopeTest, ImportRowTouchingForeignContactFailsWithoutOverwrite) {
  const std::string csv =
      "name,phone,email\n"
      "Overwriter,+306912345678,\n"     // Line 2: contact B's phone.
      "Fresh Person,,fresh@f.example\n"  // Line 3: new.
      "Anna Renamed,+4915111111111,\n";  // Line 4: contact A, in scope.
  HttpResult r = PostRaw("/v1/imports?format=csv&post_id=" + post_a_, csv, "text/csv",
                         officer_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["rows"], 3);
  EXPECT_EQ(r.json["created"], 1);
  EXPECT_EQ(r.json["updated"], 1);
  EXPECT_EQ(r.json["failed"], 1);
  ASSERT_EQ(r.json["errors"].size(), 1u);
  EXPECT_EQ(r.json["errors"][0]["line"], 2);
  EXPECT_EQ(r.json["errors"][0]["field"], "phone");
  EXPECT_THAT(r.body, Not(HasSubstr(contact_b_)));
  EXPECT_THAT(r.body, Not(HasSubstr("Boris")));

  json b = AdminView(contact_b_);
  EXPECT_EQ(b["name"], "Boris Beta");
  EXPECT_EQ(b["post_id"], post_b_);
  EXPECT_EQ(b["version"], 1);
  EXPECT_EQ(AdminView(contact_a_)["name"], "Anna Renamed");
  HttpResult fresh = Get("/v1/contacts/lookup?kind=email&value=fresh@f.example", officer_a_);
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(fresh.json["post_id"], post_a_);
}

TEST_F(ApiScopeTest, ImportRowNamingForeignPostFails) {
  const std::string csv = "name,email,post_id\nSneaky,sneaky@s.example," + post_b_ + "\n";
  HttpResult r = PostRaw("/v1/imports?format=csv&post_id=" + post_a_, csv, "text/csv",
                         officer_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["created"], 0);
  EXPECT_EQ(r.json["failed"], 1);
  ASSERT_EQ(r.json["errors"].size(), 1u);
  EXPECT_EQ(r.json["errors"][0]["field"], "post_id");
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=sneaky@s.example", admin_token_), 404);
}

TEST_F(ApiScopeTest, ImportRowTouchingPostlessContactFailsForOfficer) {
  const std::string csv = "name,email\nClaimer,nadia@n.example\n";
  HttpResult r = PostRaw("/v1/imports?format=csv&post_id=" + post_a_, csv, "text/csv",
                         officer_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["failed"], 1);
  EXPECT_EQ(r.json["updated"], 0);
  ASSERT_EQ(r.json["errors"].size(), 1u);
  EXPECT_EQ(r.json["errors"][0]["field"], "email");
  json n = AdminView(contact_none_);
  EXPECT_EQ(n["name"], "Nadia Nopost");
  EXPECT_EQ(n["post_id"], "");
}

TEST_F(ApiScopeTest, OfficerImportWithoutPostFailsRowsNeedingCreation) {
  HttpResult r = PostRaw("/v1/imports?format=csv", "name,email\nNobody,nobody@n.example\n",
                         "text/csv", officer_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["created"], 0);
  EXPECT_EQ(r.json["failed"], 1);
  ASSERT_EQ(r.json["errors"].size(), 1u);
  EXPECT_EQ(r.json["errors"][0]["field"], "post_id");
  ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=nobody@n.example", admin_token_), 404);
}

// ---------------------------------------------------------------------------------------------
// Authentication.

class ApiAuthTest : public ApiScopeTest {
 protected:
  void ExpectUnauthorized(const HttpResult& r) {
    ExpectProblem(r, 401);
    EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer");
    EXPECT_THAT(r.body, Not(HasSubstr("Anna")));
    EXPECT_THAT(r.body, Not(HasSubstr(contact_a_)));
  }
  // Every kind of route, read and write.
  void ExpectLockedOut(const std::string& token) {
    ExpectUnauthorized(Get("/v1/me", token));
    ExpectUnauthorized(Get("/v1/contacts", token));
    ExpectUnauthorized(Get("/v1/contacts/" + contact_a_, token));
    ExpectUnauthorized(Patch("/v1/contacts/" + contact_a_, {{"name", "X"}}, token));
    ExpectUnauthorized(Delete("/v1/contacts/" + contact_a_, token));
    ExpectUnauthorized(Post("/v1/contacts",
                            {{"name", "X"}, {"post_id", post_a_},
                             {"addresses", {{{"kind", "email"}, {"value", "x@x.example"}}}}},
                            token));
    ExpectUnauthorized(Get("/v1/segments", token));
    ExpectUnauthorized(Post("/v1/posts", {{"name", "X"}}, token));
    ExpectUnauthorized(PostRaw("/v1/imports?format=csv&post_id=" + post_a_,
                               "name,email\nX,x@x.example\n", "text/csv", token));
    json a = AdminView(contact_a_);
    EXPECT_EQ(a["name"], "Anna Alpha");
    ExpectProblem(Get("/v1/contacts/lookup?kind=email&value=x@x.example", admin_token_), 404);
  }
};

TEST_F(ApiAuthTest, MissingKeyIsUnauthorized) { ExpectLockedOut(""); }

TEST_F(ApiAuthTest, MalformedKeysAreUnauthorized) {
  ExpectLockedOut("garbage");
  ExpectLockedOut("ogw_");
  ExpectLockedOut("ogw_key_123.abc");
  // A real key id with a wrong secret.
  const std::string key_id = Get("/v1/me", officer_a_).json["key_id"];
  ExpectLockedOut("ogw_" + key_id + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  // A correct token with the wrong scheme is not accepted either.
  auto r = client_->Get("/v1/me", {{"Authorization", "Basic " + officer_a_}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer");
}

TEST_F(ApiAuthTest, RevokedKeyIsUnauthorized) {
  const std::string key_id = Get("/v1/me", officer_a_).json["key_id"];
  ASSERT_EQ(Get("/v1/contacts/" + contact_a_, officer_a_).status, 200);
  HttpResult revoke = Delete("/v1/keys/" + key_id, admin_token_);
  ASSERT_EQ(revoke.status, 204) << revoke.body;
  ExpectLockedOut(officer_a_);
  // The officer's other, new key works.
  HttpResult fresh = Post("/v1/officers/" + officer_a_id_ + "/keys", json::object(), admin_token_);
  ASSERT_EQ(fresh.status, 201);
  HttpResult me = Get("/v1/me", fresh.json["token"].get<std::string>());
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json["officer_id"], officer_a_id_);
  // Revoking the unknown key id is a 404.
  ExpectProblem(Delete("/v1/keys/key_0000000000aaaaaaaaaaaaaaaa", admin_token_), 404);
}

TEST_F(ApiAuthTest, DisabledOfficerIsUnauthorizedUntilEnabled) {
  HttpResult disable = Patch("/v1/officers/" + officer_a_id_, {{"disabled", true}}, admin_token_);
  ASSERT_EQ(disable.status, 200) << disable.body;
  EXPECT_EQ(disable.json["disabled"], true);
  ExpectLockedOut(officer_a_);
  // Other officers are unaffected.
  EXPECT_EQ(Get("/v1/contacts/" + contact_b_, officer_b_).status, 200);
  HttpResult enable = Patch("/v1/officers/" + officer_a_id_, {{"disabled", false}}, admin_token_);
  ASSERT_EQ(enable.status, 200) << enable.body;
  HttpResult back = Get("/v1/contacts/" + contact_a_, officer_a_);
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(back.json["name"], "Anna Alpha");
}

TEST_F(ApiAuthTest, PublicEndpointsNeedNoKey) {
  HttpResult health = Get("/healthz", "");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(health.json["status"], "ok");
  HttpResult ready = Get("/readyz", "");
  ASSERT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json["redis"], "ok");
}

}  // namespace
}  // namespace ogw::testing
