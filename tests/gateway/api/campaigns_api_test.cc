// Campaigns through the API: drafts and their validation, post scope and roles, launch (fan-out
// into the delivery queue, channel split, skipped reasons) and pause/resume/cancel. No worker
// runs here: the tests look at the API and the queue state only.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using json = nlohmann::json;

std::vector<std::string> Ids(const json& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.value("id", ""));
  return out;
}

class CampaignsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    admin_id_ = Get("/v1/me", admin_token_).json.value("officer_id", "");
    post_a_ = CreatePost("Berlin");
    post_b_ = CreatePost("Athens");
    officer_a_ = CreateOfficerToken("officer", {post_a_}, &officer_a_id_);
    officer_b_ = CreateOfficerToken("officer", {post_b_});
    viewer_a_ = CreateOfficerToken("viewer", {post_a_});
    template_ = CreateTemplate(Template("Greeting", ""), admin_token_);
    segment_ = CreateSegment({{"name", "Everyone"}, {"expression", "true"}}, admin_token_);
    ASSERT_FALSE(template_.empty());
    ASSERT_FALSE(segment_.empty());
  }

  static json Template(const std::string& name, const std::string& post) {
    json t = {{"name", name},
              {"default_language", "en"},
              {"variants",
               {{"en",
                 {{"body", "Hello {{contact.name}}, see you at {{event.place}}."},
                  {"subject", "Hello"},
                  {"sms", "Hello {{contact.name}}"}}}}}};
    if (!post.empty()) t["post_id"] = post;
    return t;
  }

  // Post A: Ana (e-mail, consent granted), Ben (e-mail, consent withdrawn), Carl (phone only,
  // consent granted), Dora (e-mail granted but opted out). Post B: Eve (e-mail granted).
  void SeedContacts() {
    auto add = [&](const std::string& name, const std::string& post, json address) {
      clock_.Advance(1);
      return CreateContact({{"name", name}, {"post_id", post}, {"addresses", {address}}},
                           admin_token_);
    };
    ana_ = add("Ana", post_a_,
               {{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}});
    ben_ = add("Ben", post_a_,
               {{"kind", "email"}, {"value", "ben@a.example"}, {"consent", "withdrawn"}});
    carl_ = add("Carl", post_a_,
                {{"kind", "phone"}, {"value", "+4915111111111"}, {"consent", "granted"}});
    dora_ = add("Dora", post_a_,
                {{"kind", "email"},
                 {"value", "dora@a.example"},
                 {"consent", "granted"},
                 {"opted_out", true}});
    eve_ = add("Eve", post_b_,
               {{"kind", "email"}, {"value", "eve@b.example"}, {"consent", "granted"}});
  }

  json Body(const std::string& name, const std::string& channel = "email",
            const std::string& post = "") {
    json b = {{"name", name},
              {"template_id", template_},
              {"segment_id", segment_},
              {"channel", channel},
              {"variables", {{"event", {{"place", "the embassy"}}}}}};
    if (!post.empty()) b["post_id"] = post;
    return b;
  }

  // Creates a campaign as `token` (admin by default) and returns its id.
  std::string Create(const json& body, const std::string& token = "") {
    HttpResult r = Post("/v1/campaigns", body, token.empty() ? admin_token_ : token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json.value("id", "");
  }

  HttpResult Action(const std::string& id, const std::string& action,
                    const std::string& token = "") {
    return Post("/v1/campaigns/" + id + "/" + action, json::object(),
                token.empty() ? admin_token_ : token);
  }

  std::string admin_id_;
  std::string post_a_, post_b_;
  std::string officer_a_, officer_a_id_, officer_b_, viewer_a_;
  std::string template_, segment_;
  std::string ana_, ben_, carl_, dora_, eve_;
};

// ---------------------------------------------------------------------------------------------
// Drafts.

TEST_F(CampaignsApiTest, CreateReturnsADraft) {
  const int64_t now = clock_.NowMillis();
  json body = Body("Embassy day");
  body["quiet_hours"] = {{"start", "21:00"}, {"end", "08:00"}};
  body["send_at"] = now + 3'600'000;
  HttpResult r = Post("/v1/campaigns", body, admin_token_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_THAT(r.json["id"].get<std::string>(), StartsWith("cmp_"));
  EXPECT_EQ(r.json["state"], "draft");
  EXPECT_EQ(r.json["stats"], json::object());
  EXPECT_EQ(r.json["name"], "Embassy day");
  EXPECT_EQ(r.json["template_id"], template_);
  EXPECT_EQ(r.json["segment_id"], segment_);
  EXPECT_EQ(r.json["channel"], "email");
  EXPECT_EQ(r.json["post_id"], "");
  EXPECT_EQ(r.json["send_at"], now + 3'600'000);
  EXPECT_EQ(r.json["quiet_hours"], json({{"start", "21:00"}, {"end", "08:00"}}));
  EXPECT_EQ(r.json["variables"]["event"]["place"], "the embassy");
  EXPECT_EQ(r.json["created_by"], admin_id_);
  EXPECT_EQ(r.json["created_at"], now);
  EXPECT_EQ(r.json["launched_at"], 0);

  const std::string id = r.json["id"];
  HttpResult got = Get("/v1/campaigns/" + id, admin_token_);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json, r.json);
  HttpResult list = Get("/v1/campaigns", admin_token_);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["items"].size(), 1u);
  EXPECT_EQ(list.json["items"][0], r.json);
}

TEST_F(CampaignsApiTest, ValidationNamesTheField) {
  struct Case {
    std::string label;
    json body;
    std::string field;
  };
  json bad_channel = Body("X", "fax");
  json bad_quiet = Body("X");
  bad_quiet["quiet_hours"] = {{"start", "25:00"}, {"end", "08:00"}};
  json same_quiet = Body("X");
  same_quiet["quiet_hours"] = {{"start", "08:00"}, {"end", "08:00"}};
  json missing_template = Body("X");
  missing_template.erase("template_id");
  json unknown_template = Body("X");
  unknown_template["template_id"] = "tpl_0000000000aaaaaaaaaaaaaaaa";
  json unknown_segment = Body("X");
  unknown_segment["segment_id"] = "seg_0000000000aaaaaaaaaaaaaaaa";
  json no_name = Body("");
  json contact_variable = Body("X");
  contact_variable["variables"] = {{"contact", {{"name", "Mallory"}}}};
  json unknown_key = Body("X");
  unknown_key["colour"] = "red";
  json negative_send_at = Body("X");
  negative_send_at["send_at"] = -1;
  json unknown_step = Body("X", "cascade");
  unknown_step["cascade"] = {{"channels", {"sms", "fax"}}};
  json twice = Body("X", "all");
  twice["cascade"] = {{"channels", {"sms", "sms"}}};
  json too_soon = Body("X", "cascade");
  too_soon["cascade"] = {{"undelivered_after_minutes", 0}};
  json answer_before_delivery = Body("X", "cascade");
  answer_before_delivery["cascade"] = {{"undelivered_after_minutes", 60},
                                       {"unanswered_after_minutes", 30}};
  const std::vector<Case> cases = {
      {"bad channel", bad_channel, "channel"},
      {"bad quiet hours", bad_quiet, "quiet_hours.start"},
      {"empty quiet hours", same_quiet, "quiet_hours.end"},
      {"missing template", missing_template, "template_id"},
      {"unknown template", unknown_template, "template_id"},
      {"unknown segment", unknown_segment, "segment_id"},
      {"no name", no_name, "name"},
      {"contact variable", contact_variable, "variables"},
      {"unknown key", unknown_key, "colour"},
      {"negative send_at", negative_send_at, "send_at"},
      {"unknown cascade channel", unknown_step, "cascade.channels"},
      {"channel listed twice", twice, "cascade.channels"},
      {"cascade wait too short", too_soon, "cascade.undelivered_after_minutes"},
      {"answer before delivery", answer_before_delivery, "cascade.unanswered_after_minutes"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    HttpResult r = Post("/v1/campaigns", c.body, admin_token_);
    ExpectProblem(r, 422);
    EXPECT_THAT(ErrorFields(r), Contains(c.field)) << r.body;
  }
  ExpectProblem(PostRaw("/v1/campaigns", "{", "application/json", admin_token_), 400);
  EXPECT_TRUE(Get("/v1/campaigns", admin_token_).json["items"].empty());
}

TEST_F(CampaignsApiTest, PatchChangesADraftOnly) {
  SeedContacts();
  json body = Body("Draft");
  body["quiet_hours"] = {{"start", "22:00"}, {"end", "07:00"}};
  const std::string id = Create(body);
  clock_.Advance(1000);
  HttpResult p = Patch("/v1/campaigns/" + id,
                       {{"name", "Renamed"}, {"channel", "preferred"}, {"quiet_hours", nullptr}},
                       admin_token_);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json["name"], "Renamed");
  EXPECT_EQ(p.json["channel"], "preferred");
  EXPECT_TRUE(p.json["quiet_hours"].is_null());
  EXPECT_EQ(p.json["template_id"], template_);
  EXPECT_EQ(p.json["updated_at"], clock_.NowMillis());
  EXPECT_EQ(p.json["state"], "draft");
  EXPECT_EQ(Get("/v1/campaigns/" + id, admin_token_).json["name"], "Renamed");

  HttpResult bad = Patch("/v1/campaigns/" + id, {{"channel", "pigeon"}}, admin_token_);
  ExpectProblem(bad, 422);
  EXPECT_EQ(bad.json["field"], "channel");
  HttpResult unknown = Patch("/v1/campaigns/" + id,
                             {{"segment_id", "seg_0000000000aaaaaaaaaaaaaaaa"}}, admin_token_);
  ExpectProblem(unknown, 422);
  EXPECT_EQ(unknown.json["field"], "segment_id");
  EXPECT_EQ(Get("/v1/campaigns/" + id, admin_token_).json["channel"], "preferred");

  ASSERT_EQ(Action(id, "launch").status, 202);
  HttpResult late = Patch("/v1/campaigns/" + id, {{"name", "Too late"}}, admin_token_);
  ExpectProblem(late, 409);
  EXPECT_THAT(late.json.value("detail", ""), HasSubstr("already launched"));
}

// ---------------------------------------------------------------------------------------------
// Scope and roles.

TEST_F(CampaignsApiTest, OfficersKeepCampaignsInTheirPosts) {
  HttpResult org_wide = Post("/v1/campaigns", Body("Mine"), officer_a_);
  ExpectProblem(org_wide, 422);
  EXPECT_EQ(org_wide.json["field"], "post_id");
  HttpResult other = Post("/v1/campaigns", Body("Theirs", "email", post_b_), officer_a_);
  ExpectProblem(other, 422);
  EXPECT_EQ(other.json["field"], "post_id");
  ExpectProblem(Post("/v1/campaigns", Body("Viewer", "email", post_a_), viewer_a_), 403);

  // A template kept in post B is invisible to post A's officer, so it is "unknown".
  const std::string template_b = CreateTemplate(Template("B only", post_b_), admin_token_);
  json with_b = Body("Mixed", "email", post_a_);
  with_b["template_id"] = template_b;
  HttpResult hidden = Post("/v1/campaigns", with_b, officer_a_);
  ExpectProblem(hidden, 422);
  EXPECT_EQ(hidden.json["field"], "template_id");

  HttpResult ok = Post("/v1/campaigns", Body("Mine", "email", post_a_), officer_a_);
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json["post_id"], post_a_);
  EXPECT_EQ(ok.json["created_by"], officer_a_id_);
}

TEST_F(CampaignsApiTest, ACampaignUsesOnlyTemplatesAndSegmentsOfItsPostOrTheOrganisation) {
  // Even the admin, who sees every post: post A's officers could otherwise edit the content
  // and audience of a campaign of post B or of the whole organisation.
  const std::string template_a = CreateTemplate(Template("A only", post_a_), admin_token_);
  const std::string segment_a =
      CreateSegment({{"name", "A"}, {"expression", "true"}, {"post_id", post_a_}}, admin_token_);
  for (const std::string& post : {std::string(), post_b_}) {
    json with_template = Body("T", "email", post);
    with_template["template_id"] = template_a;
    HttpResult r = Post("/v1/campaigns", with_template, admin_token_);
    ExpectProblem(r, 422);
    EXPECT_EQ(r.json["field"], "template_id");
    json with_segment = Body("S", "email", post);
    with_segment["segment_id"] = segment_a;
    r = Post("/v1/campaigns", with_segment, admin_token_);
    ExpectProblem(r, 422);
    EXPECT_EQ(r.json["field"], "segment_id");
  }
  json own = Body("Own", "email", post_a_);
  own["template_id"] = template_a;
  own["segment_id"] = segment_a;
  EXPECT_EQ(Post("/v1/campaigns", own, admin_token_).status, 201);
  // A draft cannot be moved to another post with them either.
  HttpResult draft = Post("/v1/campaigns", own, admin_token_);
  ASSERT_EQ(draft.status, 201);
  HttpResult moved =
      Patch("/v1/campaigns/" + draft.json.value("id", ""), {{"post_id", post_b_}}, admin_token_);
  ExpectProblem(moved, 422);
}

TEST_F(CampaignsApiTest, OtherPostsCampaignsAreHidden) {
  SeedContacts();
  const std::string mine = Create(Body("A's", "email", post_a_), officer_a_);
  clock_.Advance(1);  // Ids sort by creation time.
  const std::string org_wide = Create(Body("Everyone's"));

  // Post B's officer: 404 everywhere, exactly like a missing campaign.
  for (const HttpResult& r :
       {Get("/v1/campaigns/" + mine, officer_b_),
        Patch("/v1/campaigns/" + mine, {{"name", "Hijacked"}}, officer_b_),
        Action(mine, "launch", officer_b_), Action(mine, "pause", officer_b_),
        Action(mine, "resume", officer_b_), Action(mine, "cancel", officer_b_)}) {
    ExpectProblem(r, 404);
    EXPECT_EQ(r.body.find("A's"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Ids(Get("/v1/campaigns", officer_b_).json["items"]),
            std::vector<std::string>{org_wide});
  EXPECT_EQ(Ids(Get("/v1/campaigns", viewer_a_).json["items"]),
            (std::vector<std::string>{mine, org_wide}));
  EXPECT_EQ(Get("/v1/campaigns/" + mine, viewer_a_).status, 200);
  ExpectProblem(Action(mine, "launch", viewer_a_), 403);

  // Organisation-wide campaigns are readable by all, driven by admins only.
  EXPECT_EQ(Get("/v1/campaigns/" + org_wide, officer_a_).status, 200);
  ExpectProblem(Action(org_wide, "launch", officer_a_), 403);
  ExpectProblem(Patch("/v1/campaigns/" + org_wide, {{"name", "Mine now"}}, officer_a_), 403);
  EXPECT_EQ(Get("/v1/campaigns/" + org_wide, admin_token_).json["state"], "draft");

  ExpectProblem(Get("/v1/campaigns/cmp_0000000000aaaaaaaaaaaaaaaa", admin_token_), 404);
  ExpectProblem(Get("/v1/campaigns/not-an-id", admin_token_), 404);

  // Post A's officer launches their own campaign: only post A's contacts are counted.
  HttpResult launched = Action(mine, "launch", officer_a_);
  ASSERT_EQ(launched.status, 202) << launched.body;
  EXPECT_EQ(launched.json["audience"], 4);
  EXPECT_EQ(launched.json["queued"], 1);
}

// ---------------------------------------------------------------------------------------------
// Launch.

TEST_F(CampaignsApiTest, LaunchQueuesReachableContactsAndCountsTheRest) {
  SeedContacts();
  const std::string id = Create(Body("Embassy day"));
  const int64_t now = clock_.NowMillis();
  HttpResult r = Action(id, "launch");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json["id"], id);
  EXPECT_EQ(r.json["launched_at"], now);
  EXPECT_EQ(r.json["audience"], 5);
  EXPECT_EQ(r.json["queued"], 2);  // Ana and Eve.
  EXPECT_EQ(r.json["channels"], json({{"email", 2}}));
  EXPECT_EQ(r.json["skipped"],
            json({{"consent_withdrawn", 1}, {"no_address", 1}, {"opted_out", 1}}));
  EXPECT_EQ(r.json["state"], "running");
  EXPECT_EQ(r.json["stats"]["queued"], 2);
  EXPECT_EQ(r.json["stats"]["pending"], 2);
  EXPECT_EQ(r.json["stats"]["sent"], 0);

  HttpResult got = Get("/v1/campaigns/" + id, admin_token_);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json["state"], "running");
  EXPECT_EQ(got.json["queued"], 2);
  EXPECT_EQ(Get("/v1/campaigns", admin_token_).json["items"][0]["state"], "running");

  HttpResult again = Action(id, "launch");
  ExpectProblem(again, 409);
  EXPECT_THAT(again.json.value("detail", ""), HasSubstr("already launched"));
}

TEST_F(CampaignsApiTest, PreferredChannelSplitsAcrossChannels) {
  SeedContacts();
  const std::string id = Create(Body("Preferred", "preferred", post_a_), officer_a_);
  HttpResult r = Action(id, "launch", officer_a_);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json["audience"], 4);  // Post A only.
  EXPECT_EQ(r.json["queued"], 2);
  EXPECT_EQ(r.json["channels"], json({{"email", 1}, {"sms", 1}}));
  EXPECT_EQ(r.json["skipped"], json({{"no_consent", 2}}));
}

TEST_F(CampaignsApiTest, ACascadeKeepsItsChannelsAndTimes) {
  json body = Body("Cascade", "cascade", post_a_);
  body["cascade"] = {{"channels", {"sms", "email"}},
                     {"undelivered_after_minutes", 120},
                     {"unanswered_after_minutes", 1440}};
  HttpResult r = Post("/v1/campaigns", body, officer_a_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json["channel"], "cascade");
  EXPECT_EQ(r.json["cascade"], body["cascade"]);
  HttpResult got = Get("/v1/campaigns/" + r.json["id"].get<std::string>(), officer_a_);
  EXPECT_EQ(got.json["cascade"], body["cascade"]);
  SeedContacts();
  HttpResult launched = Action(r.json["id"].get<std::string>(), "launch", officer_a_);
  ASSERT_EQ(launched.status, 202) << launched.body;
  EXPECT_EQ(launched.json["queued"], 2);  // Post A's people with a usable channel.
}

TEST_F(CampaignsApiTest, LaunchWithNobodyToReachConflicts) {
  SeedContacts();
  json body = Body("Nobody", "telegram");
  const std::string id = Create(body);
  HttpResult r = Action(id, "launch");
  ExpectProblem(r, 409);
  EXPECT_THAT(r.json.value("detail", ""), HasSubstr("nobody"));
  EXPECT_EQ(Get("/v1/campaigns/" + id, admin_token_).json["state"], "draft");
}

TEST_F(CampaignsApiTest, LaunchAfterTheTemplateWasDeletedConflicts) {
  SeedContacts();
  const std::string id = Create(Body("Orphan"));
  ASSERT_EQ(Delete("/v1/templates/" + template_, admin_token_).status, 204);
  HttpResult r = Action(id, "launch");
  ExpectProblem(r, 409);
  EXPECT_EQ(r.json.value("field", ""), "template_id");
  EXPECT_EQ(Get("/v1/campaigns/" + id, admin_token_).json["state"], "draft");
}

TEST_F(CampaignsApiTest, ALaunchedCampaignSendsTheTemplateAsItWasAtLaunch) {
  SeedContacts();
  const std::string id = Create(Body("Frozen", "sms"));
  HttpResult launched = Action(id, "launch");
  ASSERT_EQ(launched.status, 202) << launched.body;
  EXPECT_EQ(launched.json["template_version"], 1);
  EXPECT_EQ(launched.json["segment_expression"], "true");
  // Edited after the launch (as an officer of another post could, were it shared), then
  // deleted: the running campaign still sends what was launched.
  json edited = Template("Greeting", "");
  edited["variants"]["en"]["sms"] = "Changed after launch {{contact.name}}";
  ASSERT_EQ(Put("/v1/templates/" + template_, edited, admin_token_).status, 200);
  ASSERT_EQ(Delete("/v1/templates/" + template_, admin_token_).status, 204);
  auto worker = runtime_->NewWorker();
  ASSERT_TRUE(worker->RunOnce().ok());
  HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
  ASSERT_EQ(outbox.json["items"].size(), 1u) << outbox.body;  // Carl, the one phone.
  const std::string text = outbox.json["items"][0].value("text", "");
  EXPECT_THAT(text, HasSubstr("Hello Carl"));
  EXPECT_THAT(text, Not(HasSubstr("Changed")));
}

TEST_F(CampaignsApiTest, LaunchWithSendAtLaterIsScheduled) {
  SeedContacts();
  json body = Body("Later");
  body["send_at"] = clock_.NowMillis() + 86'400'000;
  const std::string id = Create(body);
  HttpResult r = Action(id, "launch");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json["state"], "scheduled");
  HttpResult paused = Action(id, "pause");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(paused.json["state"], "paused");
  HttpResult resumed = Action(id, "resume");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.json["state"], "scheduled");  // Its start is still ahead.
}

// ---------------------------------------------------------------------------------------------
// Pause, resume, cancel.

TEST_F(CampaignsApiTest, PauseResumeCancelTransitions) {
  SeedContacts();
  const std::string id = Create(Body("Controlled"));

  HttpResult draft = Action(id, "pause");
  ExpectProblem(draft, 409);
  EXPECT_EQ(draft.json.value("detail", ""), "campaign is not launched");
  ExpectProblem(Action(id, "resume"), 409);
  ExpectProblem(Action(id, "cancel"), 409);

  ASSERT_EQ(Action(id, "launch").status, 202);

  HttpResult resume_running = Action(id, "resume");
  ExpectProblem(resume_running, 409);
  EXPECT_THAT(resume_running.json.value("detail", ""), HasSubstr("running"));

  HttpResult paused = Action(id, "pause");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(paused.json["id"], id);
  EXPECT_EQ(paused.json["state"], "paused");
  EXPECT_EQ(paused.json["stats"]["queued"], 2);
  EXPECT_FALSE(paused.json.contains("not_sent"));
  EXPECT_EQ(Get("/v1/campaigns/" + id, admin_token_).json["state"], "paused");

  HttpResult pause_again = Action(id, "pause");
  ExpectProblem(pause_again, 409);
  EXPECT_THAT(pause_again.json.value("detail", ""), HasSubstr("paused"));

  HttpResult resumed = Action(id, "resume");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.json["state"], "running");

  HttpResult cancelled = Action(id, "cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.json["state"], "cancelled");
  EXPECT_EQ(cancelled.json["not_sent"], 2);
  EXPECT_EQ(cancelled.json["stats"]["pending"], 2);
  EXPECT_EQ(Get("/v1/campaigns/" + id, admin_token_).json["state"], "cancelled");

  for (const char* action : {"pause", "resume", "cancel"}) {
    SCOPED_TRACE(action);
    HttpResult r = Action(id, action);
    ExpectProblem(r, 409);
    EXPECT_THAT(r.json.value("detail", ""), HasSubstr("cancelled"));
  }
  ExpectProblem(Action(id, "launch"), 409);
}

TEST_F(CampaignsApiTest, OfficerDrivesTheirPostsCampaign) {
  SeedContacts();
  const std::string id = Create(Body("A's", "email", post_a_), officer_a_);
  ASSERT_EQ(Action(id, "launch", officer_a_).status, 202);
  EXPECT_EQ(Action(id, "pause", officer_a_).status, 200);
  ExpectProblem(Action(id, "resume", viewer_a_), 403);
  EXPECT_EQ(Action(id, "resume", officer_a_).status, 200);
  HttpResult c = Action(id, "cancel", officer_a_);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json["not_sent"], 1);
}

}  // namespace
}  // namespace ogw::testing
