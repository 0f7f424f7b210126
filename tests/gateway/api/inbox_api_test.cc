// The officers' inbox through the API: a conversation's round trip (a reply opens it, an
// officer is assigned, writes a note, answers from it, closes it, the person reopens it), two
// officers answering at once, canned answers in the person's language, filters and paging,
// scope and validation, a person who moves post or is erased, and a person's whole data.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/key_schema.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

class InboxApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    paris_ = CreatePost("Paris");
    berlin_ = CreatePost("Berlin");
    lead_ = CreateOfficerToken("officer", {paris_}, &lead_id_);
    nino_ = CreateOfficerToken("officer", {paris_}, &nino_id_);
    viewer_ = CreateOfficerToken("viewer", {paris_}, &viewer_id_);
    berlin_officer_ = CreateOfficerToken("officer", {berlin_}, &berlin_officer_id_);
    ana_ =
        CreateContact({{"name", "Ana"},
                       {"post_id", paris_},
                       {"languages", {"fr"}},
                       {"addresses",
                        {{{"kind", "phone"}, {"value", "+33611111111"}, {"consent", "granted"}},
                         {{"kind", "email"}, {"value", "ana@a.example"}, {"consent", "granted"}}}}},
                      admin_token_);
    bob_ = CreateContact(
        {{"name", "Bob"},
         {"post_id", paris_},
         {"addresses", {{{"kind", "phone"}, {"value", "+33622222222"}, {"consent", "granted"}}}}},
        admin_token_);
    ASSERT_FALSE(ana_.empty());
    ASSERT_FALSE(bob_.empty());
  }

  // The person writes through the channel's sandbox, as a real reply goes through the pipeline.
  void Writes(const std::string& contact, const std::string& text,
              const std::string& channel = "sms") {
    clock_.Advance(1000);
    HttpResult r = Post("/v1/sandbox/replies",
                        {{"contact_id", contact}, {"channel", channel}, {"text", text}}, lead_);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  json Conversation(const std::string& contact, const std::string& token) {
    HttpResult r = Get("/v1/conversations/" + contact, token);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }

  // Contact ids of a listing, in order.
  std::vector<std::string> Listed(const std::string& query, const std::string& token) {
    HttpResult r = Get("/v1/conversations" + query, token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> ids;
    for (const json& item : r.json.value("items", json::array())) {
      ids.push_back(item.value("contact_id", ""));
    }
    return ids;
  }

  // How many direct messages were queued for `contact` (their ids are indexed per person).
  int64_t QueuedFor(const std::string& contact) {
    auto r = pool().Command({"SCARD", keys::ContactDirectMessages(org_, contact)});
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->integer : -1;
  }

  std::string org_, paris_, berlin_;
  std::string lead_, lead_id_, nino_, nino_id_, viewer_, viewer_id_;
  std::string berlin_officer_, berlin_officer_id_;
  std::string ana_, bob_;
};

TEST_F(InboxApiTest, ARoundTripWithAssignmentANoteAnAnswerAndClosing) {
  Writes(ana_, "Bonjour, à quelle heure ouvre le consulat samedi ?");
  HttpResult page = Get("/v1/conversations", lead_);  // Officer of one post: post implied.
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.json["post"], paris_);
  EXPECT_EQ(page.json["counts"], json({{"open", 1}, {"waiting", 0}, {"closed", 0}}));
  ASSERT_EQ(page.json["items"].size(), 1u);
  const json item = page.json["items"][0];
  EXPECT_EQ(item["contact_id"], ana_);
  EXPECT_EQ(item["contact_name"], "Ana");
  EXPECT_EQ(item["state"], "open");
  EXPECT_TRUE(item["assignee"].is_null());
  EXPECT_EQ(item["last_channel"], "sms");
  EXPECT_EQ(item["last_message"]["text"], "Bonjour, à quelle heure ouvre le consulat samedi ?");
  EXPECT_EQ(item["version"], 1);

  // The lead assigns it to Nino and labels it.
  HttpResult assigned =
      Patch("/v1/conversations/" + ana_,
            {{"version", 1}, {"assignee", nino_id_}, {"labels", {" Horaires "}}}, lead_);
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(assigned.json["assignee"], nino_id_);
  EXPECT_EQ(assigned.json["labels"], json({"horaires"}));
  EXPECT_EQ(assigned.json["version"], 2);
  EXPECT_THAT(Listed("?assignee=me", nino_), ElementsAre(ana_));
  EXPECT_THAT(Listed("?assignee=none", lead_), ::testing::IsEmpty());
  EXPECT_THAT(Listed("?label=HORAIRES", lead_), ElementsAre(ana_));

  // Nino notes something for colleagues, then answers; the answer goes where Ana wrote.
  HttpResult note = Post("/v1/conversations/" + ana_ + "/notes",
                         {{"text", "Saturday hours changed in December."}, {"version", 2}}, nino_);
  ASSERT_EQ(note.status, 201) << note.body;
  EXPECT_EQ(note.json["version"], 3);
  EXPECT_FALSE(note.json.value("entry_id", "").empty());
  EXPECT_EQ(QueuedFor(ana_), 0) << "a note is never sent";

  HttpResult answer = Post("/v1/conversations/" + ana_ + "/replies",
                           {{"text", "Le samedi, de 9 h à 12 h."}, {"version", 3}}, nino_);
  ASSERT_EQ(answer.status, 202) << answer.body;
  EXPECT_EQ(answer.json["channel"], "sms");
  EXPECT_EQ(answer.json["channel_chosen"], "last_written");
  EXPECT_EQ(answer.json["state"], "waiting");
  EXPECT_EQ(answer.json["version"], 4);
  HttpResult status = Get("/v1/messages/" + answer.json.value("id", ""), nino_);
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(status.json["author"], nino_id_);
  EXPECT_EQ(QueuedFor(ana_), 1);

  // The lead, still on version 3, answers too: told, and nothing goes.
  HttpResult late = Post("/v1/conversations/" + ana_ + "/replies",
                         {{"text", "Samedi 9h-12h."}, {"version", 3}}, lead_);
  ExpectProblem(late, 409);
  EXPECT_EQ(late.json["field"], "version");
  EXPECT_EQ(late.json["current_version"], 4);
  EXPECT_EQ(QueuedFor(ana_), 1);

  // The log shows the note and the assignment, by whom.
  HttpResult log = Get("/v1/contacts/" + ana_ + "/conversation", lead_);
  ASSERT_EQ(log.status, 200);
  std::vector<std::string> kinds;
  for (const json& e : log.json["entries"]) kinds.push_back(e.value("kind", ""));
  EXPECT_THAT(kinds, ElementsAre("note", "thread", "in"));
  EXPECT_EQ(log.json["entries"][0]["author"], nino_id_);
  EXPECT_EQ(log.json["entries"][1]["assignee"], nino_id_);
  EXPECT_EQ(log.json["entries"][1]["author"], lead_id_);

  // Ana thanks them: open again. Nino closes it; a new question reopens it.
  Writes(ana_, "Merci beaucoup !");
  json c = Conversation(ana_, nino_);
  EXPECT_EQ(c["state"], "open");
  EXPECT_EQ(c["version"], 5);
  HttpResult closed =
      Patch("/v1/conversations/" + ana_, {{"version", 5}, {"state", "closed"}}, nino_);
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_THAT(Listed("?state=closed", lead_), ElementsAre(ana_));
  EXPECT_EQ(Get("/v1/conversations", lead_).json["counts"],
            json({{"open", 0}, {"waiting", 0}, {"closed", 1}}));
  Writes(ana_, "Et le dimanche ?", "email");
  c = Conversation(ana_, nino_);
  EXPECT_EQ(c["state"], "open");
  EXPECT_EQ(c["assignee"], nino_id_) << "reopening keeps the officer who knows the case";
  EXPECT_EQ(c["channels"], json({"sms", "email"}));
  EXPECT_THAT(Listed("?channel=email", lead_), ElementsAre(ana_));
}

TEST_F(InboxApiTest, OfTwoOfficersAnsweringFromTheSameVersionOnlyOneAnswerGoes) {
  Writes(bob_, "Is my passport ready?");
  const int64_t version = Conversation(bob_, lead_).value("version", 0);
  std::atomic<int> accepted{0}, conflicts{0};
  auto answer = [&](const std::string& token, const std::string& text) {
    httplib::Client client("127.0.0.1", server_->port());
    json body = {{"text", text}, {"version", version}};
    auto r = client.Post("/v1/conversations/" + bob_ + "/replies",
                         {{"Authorization", "Bearer " + token}}, body.dump(), "application/json");
    if (r && r->status == 202) ++accepted;
    if (r && r->status == 409) ++conflicts;
  };
  std::thread a(answer, lead_, "Yes, since Monday.");
  std::thread b(answer, nino_, "It is ready.");
  a.join();
  b.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(conflicts.load(), 1);
  EXPECT_EQ(QueuedFor(bob_), 1);
}

TEST_F(InboxApiTest, CannedAnswersInThePersonsLanguageWithTheirName) {
  HttpResult org_wide = Post("/v1/canned-answers",
                             {{"title", "Opening hours"},
                              {"texts",
                               {{"en", "Hello {{contact.name}}, we open at 9:00."},
                                {"fr", "Bonjour {{contact.name}}, nous ouvrons à 9 h."}}}},
                             admin_token_);
  ASSERT_EQ(org_wide.status, 201) << org_wide.body;
  const std::string hours = org_wide.json.value("id", "");
  HttpResult mine = Post("/v1/canned-answers",
                         {{"title", "Bring your passport"},
                          {"post_id", paris_},
                          {"texts", {{"fr", "Merci d'apporter votre passeport."}}}},
                         lead_);
  ASSERT_EQ(mine.status, 201) << mine.body;
  EXPECT_EQ(mine.json["created_by"], lead_id_);
  const std::string passport = mine.json.value("id", "");

  // Ana reads French; Bob has no language and gets the first the answer has after the
  // post's (English here).
  Writes(ana_, "Horaires ?");
  HttpResult to_ana = Post("/v1/conversations/" + ana_ + "/replies",
                           {{"canned_answer_id", hours}, {"state", "closed"}}, lead_);
  ASSERT_EQ(to_ana.status, 202) << to_ana.body;
  EXPECT_EQ(to_ana.json["text"], "Bonjour Ana, nous ouvrons à 9 h.");
  EXPECT_EQ(to_ana.json["language"], "fr");
  EXPECT_EQ(to_ana.json["state"], "closed");
  EXPECT_EQ(Conversation(ana_, lead_)["state"], "closed");
  Writes(bob_, "Hours?");
  HttpResult to_bob =
      Post("/v1/conversations/" + bob_ + "/replies", {{"canned_answer_id", hours}}, lead_);
  ASSERT_EQ(to_bob.status, 202) << to_bob.body;
  EXPECT_EQ(to_bob.json["text"], "Hello Bob, we open at 9:00.");

  // What each officer sees and may change.
  HttpResult listed = Get("/v1/canned-answers?language=fr", lead_);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json["items"].size(), 2u);
  HttpResult berlin_list = Get("/v1/canned-answers", berlin_officer_);
  ASSERT_EQ(berlin_list.status, 200);
  ASSERT_EQ(berlin_list.json["items"].size(), 1u);
  EXPECT_EQ(berlin_list.json["items"][0]["id"], hours);
  ExpectProblem(Get("/v1/canned-answers/" + passport, berlin_officer_), 404);
  HttpResult foreign = Post("/v1/conversations/" + ana_ + "/replies",
                            {{"canned_answer_id", passport}}, admin_token_);
  EXPECT_EQ(foreign.status, 202) << "admins use every post's answers: " << foreign.body;
  ExpectProblem(
      Put("/v1/canned-answers/" + hours, {{"title", "x"}, {"texts", {{"en", "y"}}}}, lead_), 403);
  HttpResult renamed = Put("/v1/canned-answers/" + passport,
                           {{"title", "Passport"},
                            {"post_id", paris_},
                            {"texts", {{"fr", "Apportez votre passeport, {{contact.name}}."}}}},
                           nino_);
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  HttpResult again =
      Post("/v1/conversations/" + ana_ + "/replies", {{"canned_answer_id", passport}}, nino_);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(again.json["text"], "Apportez votre passeport, Ana.");
  EXPECT_EQ(Delete("/v1/canned-answers/" + passport, nino_).status, 204);
  ExpectProblem(Get("/v1/canned-answers/" + passport, nino_), 404);

  // Bad input names the field.
  HttpResult bad = Post("/v1/canned-answers",
                        {{"title", ""}, {"texts", {{"fr!", "x"}, {"en", "{{#open}}"}}}}, lead_);
  ExpectProblem(bad, 422);
  EXPECT_THAT(ErrorFields(bad), ::testing::IsSupersetOf({"title", "texts.fr!", "texts.en"}));
  HttpResult no_text = Post("/v1/conversations/" + ana_ + "/replies", json::object(), lead_);
  ExpectProblem(no_text, 422);
  EXPECT_EQ(no_text.json["field"], "text");
  HttpResult unknown = Post("/v1/conversations/" + ana_ + "/replies",
                            {{"canned_answer_id", "ca_00000000000000000000000000"}}, lead_);
  ExpectProblem(unknown, 422);
  EXPECT_EQ(unknown.json["field"], "canned_answer_id");
}

TEST_F(InboxApiTest, ScopeRolesAndValidation) {
  Writes(ana_, "Bonjour");
  // Another post's officer sees neither the list nor the conversation.
  ExpectProblem(Get("/v1/conversations?post=" + paris_, berlin_officer_), 404);
  ExpectProblem(Get("/v1/conversations/" + ana_, berlin_officer_), 404);
  ExpectProblem(Patch("/v1/conversations/" + ana_, {{"state", "closed"}}, berlin_officer_), 404);
  // A viewer reads but does not change.
  EXPECT_EQ(Get("/v1/conversations", viewer_).status, 200);
  ExpectProblem(Patch("/v1/conversations/" + ana_, {{"state", "closed"}}, viewer_), 403);
  ExpectProblem(Post("/v1/conversations/" + ana_ + "/notes", {{"text", "x"}}, viewer_), 403);

  // Who may be assigned: an enabled officer or admin of the person's post.
  for (const std::string& who : {viewer_id_, berlin_officer_id_, std::string("off_nobody"),
                                 std::string("off_00000000000000000000000000")}) {
    HttpResult r = Patch("/v1/conversations/" + ana_, {{"assignee", who}}, lead_);
    ExpectProblem(r, 422);
    EXPECT_EQ(r.json["field"], "assignee") << who;
  }
  HttpResult bad = Patch("/v1/conversations/" + ana_,
                         {{"state", "done"}, {"labels", {"ok", "a,b"}}, {"version", -1}}, lead_);
  ExpectProblem(bad, 422);
  EXPECT_THAT(ErrorFields(bad), ::testing::UnorderedElementsAre("state", "labels[1]", "version"));
  ExpectProblem(Patch("/v1/conversations/" + ana_, json::object(), lead_), 422);
  ExpectProblem(Post("/v1/conversations/" + ana_ + "/notes", {{"text", ""}}, lead_), 422);
  ExpectProblem(Get("/v1/conversations?state=done", lead_), 400);
  ExpectProblem(Get("/v1/conversations?assignee=bob", lead_), 400);
  ExpectProblem(Get("/v1/conversations?channel=fax", lead_), 400);
  ExpectProblem(Get("/v1/conversations?before=yesterday", lead_), 400);
  ExpectProblem(Get("/v1/conversations", admin_token_), 400);  // Admins name the post.
  EXPECT_EQ(Get("/v1/conversations?post=" + paris_, admin_token_).status, 200);
  // Nothing of the refused calls changed the conversation.
  json c = Conversation(ana_, lead_);
  EXPECT_EQ(c["version"], 1);
  EXPECT_EQ(c["state"], "open");
  // STOP is answered by the gateway: Bob's conversation exists, closed.
  Writes(bob_, "STOP");
  json stopped = Conversation(bob_, lead_);
  EXPECT_EQ(stopped["state"], "closed");
  EXPECT_EQ(stopped["version"], 1);
  EXPECT_THAT(Listed("?state=closed", lead_), ElementsAre(bob_));
  EXPECT_THAT(Listed("?state=open", lead_), ElementsAre(ana_));
  // A person nobody wrote with yet: open, version 0, not listed.
  const std::string cleo = CreateContact(
      {{"name", "Cleo"},
       {"post_id", paris_},
       {"addresses", {{{"kind", "email"}, {"value", "cleo@c.example"}, {"consent", "granted"}}}}},
      admin_token_);
  json none = Conversation(cleo, lead_);
  EXPECT_EQ(none["version"], 0);
  EXPECT_EQ(none["state"], "open");
  EXPECT_THAT(Listed("", lead_), ElementsAre(bob_, ana_));
}

TEST_F(InboxApiTest, PagesFollowLatestActivityAndAMovedOrErasedPersonLeavesThePostsInbox) {
  std::vector<std::string> people = {ana_, bob_};
  for (int i = 0; i < 3; ++i) {
    people.push_back(CreateContact({{"name", "P" + std::to_string(i)},
                                    {"post_id", paris_},
                                    {"addresses",
                                     {{{"kind", "phone"},
                                       {"value", "+3363333333" + std::to_string(i)},
                                       {"consent", "granted"}}}}},
                                   admin_token_));
  }
  for (const std::string& p : people) Writes(p, "Hello");
  Writes(ana_, "Me again");  // Ana moves to the top.
  std::vector<std::string> seen;
  std::string before;
  for (int i = 0; i < 5; ++i) {
    HttpResult r =
        Get("/v1/conversations?limit=2" + (before.empty() ? "" : "&before=" + before), lead_);
    ASSERT_EQ(r.status, 200) << r.body;
    for (const json& item : r.json["items"]) seen.push_back(item["contact_id"]);
    before = r.json.value("next_before", "");
    if (before.empty()) break;
  }
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.front(), ana_);
  EXPECT_EQ(seen.back(), bob_);

  // Ana moves to Berlin: her conversation goes with her.
  HttpResult moved = Patch("/v1/contacts/" + ana_, {{"post_id", berlin_}}, admin_token_);
  ASSERT_EQ(moved.status, 200) << moved.body;
  const std::vector<std::string> paris = Listed("", lead_);
  EXPECT_EQ(std::count(paris.begin(), paris.end(), ana_), 0);
  EXPECT_THAT(Listed("", berlin_officer_), ElementsAre(ana_));
  EXPECT_EQ(Conversation(ana_, berlin_officer_)["post_id"], berlin_);

  // Erased: gone from the list and the counts.
  ASSERT_EQ(Delete("/v1/contacts/" + ana_, admin_token_).status, 204);
  EXPECT_THAT(Listed("", berlin_officer_), ::testing::IsEmpty());
  EXPECT_EQ(Get("/v1/conversations", berlin_officer_).json["counts"]["open"], 0);
  auto thread = pool().Command({"EXISTS", keys::Thread(org_, ana_)});
  ASSERT_TRUE(thread.ok());
  EXPECT_EQ(thread->integer, 0);
}

TEST_F(InboxApiTest, APersonsDataHoldsEverythingKeptAboutThem) {
  Writes(ana_, "Bonjour, je voudrais venir à la table ronde.");
  ASSERT_EQ(Post("/v1/conversations/" + ana_ + "/notes", {{"text", "Speaks at the panel."}}, lead_)
                .status,
            201);
  HttpResult answer = Post("/v1/conversations/" + ana_ + "/replies",
                           {{"text", "Avec plaisir, Ana."}, {"state", "closed"}}, lead_);
  ASSERT_EQ(answer.status, 202) << answer.body;
  HttpResult event = Post("/v1/events",
                          {{"post_id", paris_},
                           {"default_language", "en"},
                           {"texts", {{"en", {{"title", "Roundtable"}}}}},
                           {"time_zone", "Europe/Paris"},
                           {"starts_at", "2030-06-12T10:00"},
                           {"ends_at", "2030-06-12T12:00"},
                           {"place", "Embassy"},
                           {"capacity", 5}},
                          admin_token_);
  ASSERT_EQ(event.status, 201) << event.body;
  const std::string event_id = event.json.value("id", "");
  HttpResult drawn =
      Post("/v1/events/" + event_id + "/selection",
           {{"expression", "name = \"Ana\""}, {"count", 1}, {"seed", 1}}, admin_token_);
  ASSERT_EQ(drawn.status, 201) << drawn.body;

  ExpectProblem(Get("/v1/contacts/" + ana_ + "/data", viewer_), 403);
  ExpectProblem(Get("/v1/contacts/" + ana_ + "/data", berlin_officer_), 404);
  HttpResult data = Get("/v1/contacts/" + ana_ + "/data", lead_);
  ASSERT_EQ(data.status, 200) << data.body;
  EXPECT_THAT(data.Header("Content-Disposition"), HasSubstr(ana_ + ".json"));
  const json& doc = data.json;
  EXPECT_EQ(doc["contact"]["name"], "Ana");
  EXPECT_EQ(doc["contact"]["addresses"].size(), 2u);
  EXPECT_EQ(doc["contact"]["addresses"][0]["consent"]["state"], "granted");
  EXPECT_EQ(doc["conversation"]["state"], "closed");
  std::vector<std::string> kinds;
  for (const json& e : doc["history"]) kinds.push_back(e.value("kind", ""));
  // Oldest first: her message, the note, the answer's state change is in the thread only.
  ASSERT_GE(kinds.size(), 2u);
  EXPECT_EQ(kinds[0], "in");
  EXPECT_EQ(doc["history"][0]["text"], "Bonjour, je voudrais venir à la table ronde.");
  EXPECT_EQ(kinds[1], "note");
  ASSERT_EQ(doc["messages"].size(), 1u);
  EXPECT_EQ(doc["messages"][0]["text"], "Avec plaisir, Ana.");
  EXPECT_EQ(doc["messages"][0]["author"], lead_id_);
  EXPECT_EQ(doc["messages"][0]["status"], "queued");
  ASSERT_EQ(doc["events"].size(), 1u);
  EXPECT_EQ(doc["events"][0]["event_id"], event_id);
  EXPECT_EQ(doc["events"][0]["state"], "invited");
  EXPECT_EQ(doc["exported_at"], clock_.NowMillis());

  // Bob, who never wrote: his contact and nothing else.
  HttpResult bob = Get("/v1/contacts/" + bob_ + "/data", lead_);
  ASSERT_EQ(bob.status, 200);
  EXPECT_TRUE(bob.json["conversation"].is_null());
  EXPECT_TRUE(bob.json["history"].empty());
  EXPECT_TRUE(bob.json["messages"].empty());
  EXPECT_TRUE(bob.json["events"].empty());
}

}  // namespace
}  // namespace ogw::testing
