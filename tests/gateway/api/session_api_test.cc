// The dashboard's sign-in as a browser uses it: an admin invites an officer, the officer sets
// a password through the link and is signed in by a cookie; the cookie works where an API key
// does, with the officer's own role and posts, only with the session's CSRF token for
// changes and never from another site's page; sessions end at sign-out, when idle, with age,
// and when the officer is disabled; wrong passwords lock password sign-in for a while.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include <httplib.h>

#include "gateway/auth/session_store.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kPassword[] = "consulat de Lyon 2026";

class SessionApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    paris_ = CreatePost("Paris");
    berlin_ = CreatePost("Berlin");
    HttpResult officer = Post("/v1/officers",
                              {{"name", "Léa Martin"},
                               {"email", "Lea.Martin@Example.org"},
                               {"role", "officer"},
                               {"posts", {paris_}}},
                              admin_token_);
    ASSERT_EQ(officer.status, 201) << officer.body;
    lea_ = officer.json.value("id", "");
  }

  // A contact of `post` with an e-mail address of their own.
  static json Person(const std::string& name, const std::string& post) {
    return {{"name", name},
            {"post_id", post},
            {"addresses", {{{"kind", "email"}, {"value", name + "@example.org"}}}}};
  }

  // The invitation's token, from the link the admin is given.
  std::string Invite(const std::string& officer_id) {
    HttpResult invited =
        Post("/v1/officers/" + officer_id + "/invitation", json::object(), admin_token_);
    EXPECT_EQ(invited.status, 201) << invited.body;
    EXPECT_EQ(invited.Header("Cache-Control"), "no-store");
    const std::string url = invited.json.value("url", "");
    const size_t at = url.find("/ui/#invitation=");
    EXPECT_NE(at, std::string::npos) << url;
    return at == std::string::npos ? "" : url.substr(at + 16);
  }

  // A signed-in browser: its cookie and CSRF token.
  struct Browser {
    std::string cookie;
    std::string csrf;
  };
  Browser SignedIn(const HttpResult& answer) {
    EXPECT_EQ(answer.status, 201) << answer.body;
    const std::string set = answer.Header("Set-Cookie");
    EXPECT_THAT(set, HasSubstr("; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"));
    const size_t semi = set.find(';');
    return {set.substr(0, semi), answer.json.value("csrf_token", "")};
  }
  Browser AcceptedInvitation(const std::string& officer_id) {
    return SignedIn(Post("/v1/session/password",
                         {{"invitation", Invite(officer_id)}, {"password", kPassword}}, ""));
  }

  HttpResult BrowserGet(const Browser& b, const std::string& path) {
    return Read(client_->Get(path, {{"Cookie", b.cookie}}));
  }
  HttpResult BrowserPost(const Browser& b, const std::string& path, const json& body,
                         httplib::Headers headers) {
    headers.emplace("Cookie", b.cookie);
    return Post(path, body, "", headers);
  }
  HttpResult BrowserDelete(const Browser& b, const std::string& path) {
    return Read(client_->Delete(path, {{"Cookie", b.cookie}, {"X-CSRF-Token", b.csrf}}));
  }
  static HttpResult Read(const httplib::Result& res) {
    HttpResult r;
    if (!res) return r;
    r.status = res->status;
    r.body = res->body;
    r.headers = res->headers;
    r.json = json::parse(res->body, nullptr, false);
    return r;
  }

  std::string paris_, berlin_, lea_;
};

TEST_F(SessionApiTest, AnInvitedOfficerSetsAPasswordAndWorksWithTheirOwnScope) {
  const std::string token = Invite(lea_);
  // Too short: told by its field, and the link still works.
  HttpResult weak =
      Post("/v1/session/password", {{"invitation", token}, {"password", "short"}}, "");
  ExpectProblem(weak, 422);
  EXPECT_EQ(weak.json["field"], "password");
  HttpResult set =
      Post("/v1/session/password", {{"invitation", token}, {"password", kPassword}}, "");
  const Browser lea = SignedIn(set);
  EXPECT_EQ(set.json["officer"]["id"], lea_);
  EXPECT_FALSE(lea.csrf.empty());
  // Nothing secret in the answer but the cookie: no hash, no invitation.
  EXPECT_THAT(set.body, Not(HasSubstr("scrypt")));
  EXPECT_THAT(set.body, Not(HasSubstr(token)));
  // A link works once.
  ExpectProblem(Post("/v1/session/password", {{"invitation", token}, {"password", kPassword}}, ""),
                404);

  // The cookie is accepted where a key is, with Léa's role and post.
  const std::string in_paris = CreateContact(Person("Amina", paris_), admin_token_);
  const std::string in_berlin = CreateContact(Person("Jonas", berlin_), admin_token_);
  HttpResult me = BrowserGet(lea, "/v1/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json["officer_id"], lea_);
  EXPECT_EQ(me.json["role"], "officer");
  EXPECT_EQ(BrowserGet(lea, "/v1/contacts/" + in_paris).status, 200);
  EXPECT_EQ(BrowserGet(lea, "/v1/contacts/" + in_berlin).status, 404);
  HttpResult session = BrowserGet(lea, "/v1/session");
  ASSERT_EQ(session.status, 200);
  EXPECT_EQ(session.json["csrf_token"], lea.csrf);
  EXPECT_EQ(session.json["officer"]["email"], "Lea.Martin@example.org");
  // An officer may not do an admin's work through the dashboard either.
  ExpectProblem(BrowserPost(lea, "/v1/posts", {{"name", "Rome"}}, {{"X-CSRF-Token", lea.csrf}}),
                403);
}

TEST_F(SessionApiTest, ChangesNeedTheCsrfTokenAndComeOnlyFromTheGatewaysOwnPages) {
  const Browser lea = AcceptedInvitation(lea_);
  const json amina = Person("Amina", paris_);
  // A form on another site can make the browser post, but cannot set this header.
  ExpectProblem(BrowserPost(lea, "/v1/contacts", amina, {}), 403);
  ExpectProblem(BrowserPost(lea, "/v1/contacts", amina, {{"X-CSRF-Token", "forged"}}), 403);
  ExpectProblem(BrowserPost(lea, "/v1/contacts", amina,
                            {{"X-CSRF-Token", lea.csrf}, {"Origin", "https://evil.example"}}),
                403);
  HttpResult made =
      BrowserPost(lea, "/v1/contacts", amina,
                  {{"X-CSRF-Token", lea.csrf},
                   {"Origin", "http://127.0.0.1:" + std::to_string(server_->port())}});
  EXPECT_EQ(made.status, 201) << made.body;
  // Sign-in itself refuses another site's page.
  ExpectProblem(Post("/v1/session", {{"email", "lea.martin@example.org"}, {"password", kPassword}},
                     "", {{"Origin", "https://evil.example"}}),
                403);
  // An API key needs no CSRF token: no browser sends it by itself.
  EXPECT_EQ(Post("/v1/contacts", Person("Bo", paris_), admin_token_).status, 201);
  ExpectProblem(Get("/v1/session", admin_token_), 404);
}

TEST_F(SessionApiTest, SignOutIdleTimeAgeAndDisablingEndSessions) {
  Browser lea = AcceptedInvitation(lea_);
  // Signed out: the cookie is cleared and no longer works.
  HttpResult out = BrowserDelete(lea, "/v1/session");
  EXPECT_EQ(out.status, 204);
  EXPECT_THAT(out.Header("Set-Cookie"), HasSubstr("ogw_session=; Path=/; HttpOnly"));
  EXPECT_THAT(out.Header("Set-Cookie"), HasSubstr("Max-Age=0"));
  ExpectProblem(BrowserGet(lea, "/v1/me"), 401);

  // Signed in again with the address in any case: 30 minutes idle end it.
  lea = SignedIn(
      Post("/v1/session", {{"email", " lea.martin@example.org "}, {"password", kPassword}}, ""));
  clock_.Advance(29 * 60'000);
  EXPECT_EQ(BrowserGet(lea, "/v1/me").status, 200);  // Renewed.
  clock_.Advance(29 * 60'000);
  EXPECT_EQ(BrowserGet(lea, "/v1/me").status, 200);
  clock_.Advance(31 * 60'000);
  ExpectProblem(BrowserGet(lea, "/v1/me"), 401);

  // Busy all day: 12 hours end it anyway.
  lea = SignedIn(
      Post("/v1/session", {{"email", "lea.martin@example.org"}, {"password", kPassword}}, ""));
  for (int i = 0; i < 12 * 3 - 1; ++i) {
    clock_.Advance(20 * 60'000);
    ASSERT_EQ(BrowserGet(lea, "/v1/me").status, 200) << i;
  }
  clock_.Advance(20 * 60'000);
  ExpectProblem(BrowserGet(lea, "/v1/me"), 401);

  // Disabled by an admin: every session of hers ends at once.
  lea = SignedIn(
      Post("/v1/session", {{"email", "lea.martin@example.org"}, {"password", kPassword}}, ""));
  HttpResult disabled = Patch("/v1/officers/" + lea_, {{"disabled", true}}, admin_token_);
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  ExpectProblem(BrowserGet(lea, "/v1/me"), 401);
  ExpectProblem(
      Post("/v1/session", {{"email", "lea.martin@example.org"}, {"password", kPassword}}, ""), 401);
  ExpectProblem(Post("/v1/officers/" + lea_ + "/invitation", json::object(), admin_token_), 409);
}

TEST_F(SessionApiTest, WrongPasswordsLockPasswordSignInWithoutTellingWhoExists) {
  AcceptedInvitation(lea_);
  const json wrong = {{"email", "lea.martin@example.org"}, {"password", "not her password"}};
  HttpResult refused = Post("/v1/session", wrong, "");
  ExpectProblem(refused, 401);
  // An unknown address gets the same answer.
  HttpResult unknown =
      Post("/v1/session", {{"email", "nobody@example.org"}, {"password", kPassword}}, "");
  ExpectProblem(unknown, 401);
  EXPECT_EQ(unknown.json["detail"], refused.json["detail"]);
  EXPECT_TRUE(refused.Header("Set-Cookie").empty());
  for (int i = 1; i < 10; ++i) ExpectProblem(Post("/v1/session", wrong, ""), 401);
  // Ten wrong: even the right password waits.
  const json right = {{"email", "lea.martin@example.org"}, {"password", kPassword}};
  HttpResult locked = Post("/v1/session", right, "");
  ExpectProblem(locked, 429);
  EXPECT_EQ(locked.Header("Retry-After"), "900");
  clock_.Advance(16 * 60'000);
  // Redis's own clock ends the count; the test's clock cannot, so a new invitation (which
  // clears it) stands for the wait here.
  AcceptedInvitation(lea_);
  SignedIn(Post("/v1/session", right, ""));
}

TEST_F(SessionApiTest, AnAddressSignsInToOneOfficerAndInvitationsNeedOne) {
  HttpResult twin = Post("/v1/officers",
                         {{"name", "Léa M. (Berlin)"},
                          {"email", "lea.martin@example.org"},
                          {"role", "viewer"},
                          {"posts", {berlin_}}},
                         admin_token_);
  ASSERT_EQ(twin.status, 201);
  AcceptedInvitation(lea_);
  HttpResult taken = Post("/v1/session/password",
                          {{"invitation", Invite(twin.json["id"])}, {"password", kPassword}}, "");
  ExpectProblem(taken, 409);
  EXPECT_EQ(taken.json["field"], "email");
  // The bootstrapped admin has no address: no invitation until one is set.
  const std::string admin = Get("/v1/me", admin_token_).json.value("officer_id", "");
  ExpectProblem(Post("/v1/officers/" + admin + "/invitation", json::object(), admin_token_), 409);
  // Only admins invite, and only their organisation's officers.
  std::string viewer_id;
  const std::string viewer = CreateOfficerToken("viewer", {paris_}, &viewer_id);
  ExpectProblem(Post("/v1/officers/" + lea_ + "/invitation", json::object(), viewer), 403);
  const std::string other = CreateOrganisation("Other ministry");
  ExpectProblem(Post("/v1/officers/" + lea_ + "/invitation", json::object(), other), 404);
  // The officer's document never carries the password's hash.
  HttpResult shown = Get("/v1/officers/" + lea_, admin_token_);
  EXPECT_THAT(shown.body, Not(HasSubstr("scrypt")));
  EXPECT_THAT(shown.body, Not(HasSubstr("password")));
}

}  // namespace
}  // namespace ogw::testing
