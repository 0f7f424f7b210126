// Events through the API: creation with local times in the venue's zone, scope, the
// representative selection's preview (quotas, seed, shortfall, composition), the lists officers
// export (people, waitlist, attendees as JSON and CSV) and replacements for people who declined.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "gateway/contacts/csv_reader.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using json = nlohmann::json;

class EventsApiTest : public ApiTest {
 protected:
  json Roundtable(const std::string& post_id) {
    return {{"post_id", post_id},
            {"default_language", "en"},
            {"texts", {{"en", {{"title", "Roundtable on consular services"}}}}},
            {"time_zone", "Europe/Berlin"},
            {"starts_at", "2026-06-12T10:00"},
            {"ends_at", "2026-06-12T12:30"},
            {"place", "Embassy"},
            {"capacity", 10}};
  }
  // A person with an e-mail address (consent given unless `reachable` is false) and the given
  // gender and country.
  std::string Person(int i, const std::string& gender, const std::string& country,
                     bool reachable = true) {
    return CreateContact({{"name", "Person " + std::to_string(i)},
                          {"country", country},
                          {"attributes", {{"gender", gender}}},
                          {"addresses",
                           {{{"kind", "email"},
                             {"value", "p" + std::to_string(i) + "@example.org"},
                             {"consent", reachable ? "granted" : "withdrawn"}}}}},
                         admin_token_);
  }

  // The records of a CSV answer, read back with the importer's RFC 4180 reader.
  static std::vector<std::vector<std::string>> CsvRecords(const std::string& body) {
    std::vector<std::vector<std::string>> records;
    CsvReader reader(body);
    std::vector<std::string> fields;
    size_t line = 0;
    for (;;) {
      absl::StatusOr<bool> more = reader.Next(&fields, &line);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      records.push_back(fields);
    }
    return records;
  }
  // The rows of a CSV answer after its header, as column -> cell, keyed by contact_id.
  static std::map<std::string, std::map<std::string, std::string>> CsvByContact(
      const std::string& body) {
    std::map<std::string, std::map<std::string, std::string>> out;
    std::vector<std::vector<std::string>> records = CsvRecords(body);
    if (records.empty()) return out;
    for (size_t i = 1; i < records.size(); ++i) {
      EXPECT_EQ(records[i].size(), records[0].size()) << "row " << i;
      std::map<std::string, std::string> row;
      for (size_t c = 0; c < records[i].size() && c < records[0].size(); ++c) {
        row[records[0][c]] = records[i][c];
      }
      out[row["contact_id"]] = row;
    }
    return out;
  }
  // The first column of every row after the header.
  static std::vector<std::string> CsvContactIds(const std::string& body) {
    std::vector<std::string> ids;
    std::vector<std::vector<std::string>> records = CsvRecords(body);
    for (size_t i = 1; i < records.size(); ++i) ids.push_back(records[i].at(0));
    return ids;
  }
  // An event with everyone matching `expression` invited by a saved selection; its id.
  std::string EventWithEveryoneInvited(json event, int people, const std::string& expression) {
    HttpResult created = Post("/v1/events", event, admin_token_);
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = created.json.value("id", "");
    HttpResult saved =
        Post("/v1/events/" + id + "/selection",
             {{"expression", expression}, {"count", people}, {"seed", 5}}, admin_token_);
    EXPECT_EQ(saved.status, 201) << saved.body;
    EXPECT_EQ(saved.json["invited"], people) << saved.body;
    return id;
  }
  HttpResult Answer(const std::string& event, const std::string& contact, const std::string& what) {
    HttpResult r = Post("/v1/events/" + event + "/people/" + contact + "/answer",
                        {{"answer", what}}, admin_token_);
    EXPECT_EQ(r.status, 200) << r.body;
    return r;
  }
  // A GET with extra headers (not recorded for the OpenAPI check, which has no headers).
  httplib::Result GetWith(const std::string& path, httplib::Headers headers) {
    headers.emplace("Authorization", "Bearer " + admin_token_);
    return client_->Get(path, headers);
  }
};

TEST_F(EventsApiTest, CrudWithLocalTimesAndPostScope) {
  const std::string a = CreatePost("Embassy A");
  const std::string b = CreatePost("Embassy B");
  const std::string officer_a = CreateOfficerToken("officer", {a});
  HttpResult created = Post("/v1/events", Roundtable(a), officer_a);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json.value("id", "");
  EXPECT_TRUE(IsWellFormedId(id, "evt"));
  EXPECT_EQ(created.json["starts_at"], "2026-06-12T10:00");
  EXPECT_EQ(created.json["starts_at_millis"], 1781251200000);
  EXPECT_EQ(created.json["rsvp_deadline"], "2026-06-12T10:00") << "defaults to the start";
  EXPECT_EQ(created.json["version"], 1);

  // Another post's officer neither sees nor changes it; officers keep events in their posts.
  const std::string officer_b = CreateOfficerToken("officer", {b});
  EXPECT_EQ(Get("/v1/events/" + id, officer_b).status, 404);
  EXPECT_TRUE(Get("/v1/events", officer_b).json["items"].empty());
  ExpectProblem(Post("/v1/events", Roundtable(b), officer_a), 422);
  ExpectProblem(Post("/v1/events", Roundtable(""), officer_a), 422);

  json changed = Roundtable(a);
  changed["capacity"] = 12;
  changed["starts_at"] = "2026-03-29T02:30";  // Skipped by daylight saving in Berlin.
  HttpResult refused = Put("/v1/events/" + id, changed, officer_a);
  ExpectProblem(refused, 422);
  EXPECT_EQ(refused.json["field"], "starts_at");
  changed["starts_at"] = "2026-06-12T09:30";
  HttpResult put = Put("/v1/events/" + id, changed, officer_a);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json["version"], 2);
  EXPECT_EQ(put.json["capacity"], 12);
  EXPECT_EQ(Get("/v1/events", officer_a).json["items"].size(), 1u);
  EXPECT_EQ(Delete("/v1/events/" + id, officer_a).status, 204);
  EXPECT_EQ(Get("/v1/events/" + id, officer_a).status, 404);
}

TEST_F(EventsApiTest, SelectionPreviewMeetsQuotasWithARecordedSeed) {
  HttpResult created = Post("/v1/events", Roundtable(""), admin_token_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json.value("id", "");
  // 12 women and 8 men in Germany, 10 women and 10 men in Georgia; two who withdrew consent.
  int i = 0;
  for (int n = 0; n < 12; ++n) Person(i++, "female", "DE");
  for (int n = 0; n < 8; ++n) Person(i++, "male", "DE");
  for (int n = 0; n < 10; ++n) Person(i++, "female", "GE");
  for (int n = 0; n < 10; ++n) Person(i++, "male", "GE");
  Person(i++, "male", "DE", /*reachable=*/false);
  Person(i++, "female", "GE", /*reachable=*/false);

  const json request = {{"expression", "true"},
                        {"count", 10},
                        {"seed", 20260612},
                        {"quotas",
                         {{{"attributes", {"gender"}}, {"targets", {{"female", 5}, {"male", 5}}}},
                          {{"attributes", {"country"}}}}}};
  HttpResult r = Post("/v1/events/" + id + "/selection/preview", request, admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["seed"], 20260612);
  EXPECT_EQ(r.json["eligible"], 40);
  EXPECT_EQ(r.json["unreachable"], 2);
  EXPECT_EQ(r.json["shortfall"], 0);
  ASSERT_EQ(r.json["selected"].size(), 10u);
  std::map<std::string, json> groups;
  for (const json& g : r.json["composition"]) {
    groups[g["dimension"].get<std::string>() + ":" + g["group"].get<std::string>()] = g;
  }
  EXPECT_EQ(groups["gender:female"]["selected"], 5);
  EXPECT_EQ(groups["gender:male"]["selected"], 5);
  // Proportional: 20 of 40 in each country, so 5 and 5.
  EXPECT_EQ(groups["country:DE"]["target"], 5);
  EXPECT_EQ(groups["country:DE"]["selected"], 5);
  EXPECT_EQ(groups["country:GE"]["in_segment"], 20);
  EXPECT_DOUBLE_EQ(groups["country:GE"]["segment_share"].get<double>(), 0.5);

  // The same seed draws the same people; another seed, others.
  HttpResult again = Post("/v1/events/" + id + "/selection/preview", request, admin_token_);
  EXPECT_EQ(again.json["selected"], r.json["selected"]);
  json other = request;
  other["seed"] = 7;
  EXPECT_NE(Post("/v1/events/" + id + "/selection/preview", other, admin_token_).json["selected"],
            r.json["selected"]);
  // Without a seed one is chosen and shown, so the draw can be repeated.
  json unseeded = request;
  unseeded.erase("seed");
  HttpResult drawn = Post("/v1/events/" + id + "/selection/preview", unseeded, admin_token_);
  ASSERT_EQ(drawn.status, 200) << drawn.body;
  unseeded["seed"] = drawn.json["seed"];
  EXPECT_EQ(
      Post("/v1/events/" + id + "/selection/preview", unseeded, admin_token_).json["selected"],
      drawn.json["selected"]);
}

TEST_F(EventsApiTest, AQuotaThatCannotBeMetIsReportedNotFilled) {
  HttpResult created = Post("/v1/events", Roundtable(""), admin_token_);
  const std::string id = created.json.value("id", "");
  for (int i = 0; i < 6; ++i) Person(i, i < 5 ? "female" : "male", "DE");
  json request = {
      {"expression", "true"},
      {"count", 4},
      {"seed", 1},
      {"quotas", {{{"attributes", {"gender"}}, {"targets", {{"female", 2}, {"male", 2}}}}}}};
  HttpResult r = Post("/v1/events/" + id + "/selection/preview", request, admin_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["selected"].size(), 3u);
  EXPECT_EQ(r.json["shortfall"], 1);
  request["fill_shortfall"] = true;
  r = Post("/v1/events/" + id + "/selection/preview", request, admin_token_);
  EXPECT_EQ(r.json["selected"].size(), 4u);
  EXPECT_EQ(r.json["filled_outside_quotas"], 1);

  // Bad requests name their field.
  request["quotas"][0]["targets"] = {{"female", 1}, {"male", 1}};
  HttpResult bad = Post("/v1/events/" + id + "/selection/preview", request, admin_token_);
  ExpectProblem(bad, 422);
  EXPECT_EQ(bad.json["field"], "quotas[0].targets") << bad.body;
  request["quotas"][0]["attributes"] = {"a", "b", "c"};
  bad = Post("/v1/events/" + id + "/selection/preview", request, admin_token_);
  EXPECT_EQ(bad.json["field"], "quotas[0].attributes") << bad.body;
  bad = Post("/v1/events/" + id + "/selection/preview", {{"count", 2}}, admin_token_);
  EXPECT_EQ(bad.json["field"], "segment_id") << bad.body;
}

TEST_F(EventsApiTest, ASavedSelectionInvitesPeopleAndAnswersFillSeatsThenTheWaitlist) {
  json event = Roundtable("");
  event["capacity"] = 2;
  event["offer_hours"] = 24;
  HttpResult created = Post("/v1/events", event, admin_token_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json.value("id", "");
  EXPECT_EQ(created.json["rsvp"]["capacity"], 2);
  EXPECT_EQ(created.json["rsvp"]["seats_taken"], 0);
  for (int i = 0; i < 6; ++i) Person(i, i % 2 == 0 ? "female" : "male", "DE");

  const json request = {{"expression", "true"},
                        {"count", 4},
                        {"seed", 42},
                        {"quotas", {{{"attributes", {"gender"}}}}}};
  HttpResult saved = Post("/v1/events/" + id + "/selection", request, admin_token_);
  ASSERT_EQ(saved.status, 201) << saved.body;
  EXPECT_EQ(saved.json["invited"], 4);
  EXPECT_EQ(saved.json["seed"], 42);
  const std::vector<std::string> chosen = saved.json["selected"];
  // The preview with the same seed drew the same people; the record is kept with the event.
  EXPECT_EQ(Post("/v1/events/" + id + "/selection/preview", request, admin_token_).json["selected"],
            saved.json["selected"]);
  HttpResult records = Get("/v1/events/" + id + "/selections", admin_token_);
  ASSERT_EQ(records.json["items"].size(), 1u);
  EXPECT_EQ(records.json["items"][0]["selected"], saved.json["selected"]);
  // A second draw never picks people already invited.
  json more = request;
  more["count"] = 2;
  more["quotas"] = json::array();
  HttpResult second = Post("/v1/events/" + id + "/selection", more, admin_token_);
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(second.json["already_invited"], 4);
  for (const json& c : second.json["selected"]) {
    EXPECT_EQ(std::count(chosen.begin(), chosen.end(), c.get<std::string>()), 0);
  }
  EXPECT_EQ(Get("/v1/events/" + id, admin_token_).json["rsvp"]["people"]["invited"], 6);

  // Two yes take the seats, the third waits; a no frees a seat, offered to the first waiting.
  auto answer = [&](const std::string& contact, const std::string& what) {
    return Post("/v1/events/" + id + "/people/" + contact + "/answer", {{"answer", what}},
                admin_token_);
  };
  EXPECT_EQ(answer(chosen[0], "yes").json["state"], "yes");
  EXPECT_EQ(answer(chosen[1], "yes").json["state"], "yes");
  HttpResult waiting = answer(chosen[2], "yes");
  EXPECT_EQ(waiting.json["state"], "waitlisted");
  EXPECT_EQ(answer(chosen[2], "yes").json["outcome"], "unchanged") << "a redelivered yes";
  HttpResult freed = answer(chosen[0], "no");
  ASSERT_EQ(freed.status, 200) << freed.body;
  ASSERT_EQ(freed.json["changes"].size(), 2u) << freed.body;
  EXPECT_EQ(freed.json["changes"][1]["contact_id"], chosen[2]);
  EXPECT_EQ(freed.json["changes"][1]["to"], "offered");
  EXPECT_EQ(freed.json["changes"][1]["offer_until"], clock_.NowMillis() + 24 * 3'600'000);
  HttpResult offered = Get("/v1/events/" + id + "/people?state=offered", admin_token_);
  ASSERT_EQ(offered.json["items"].size(), 1u);
  EXPECT_EQ(offered.json["items"][0]["contact_id"], chosen[2]);
  EXPECT_EQ(answer(chosen[2], "yes").json["state"], "yes");
  const json rsvp = Get("/v1/events/" + id, admin_token_).json["rsvp"];
  EXPECT_EQ(rsvp["seats_taken"], 2);
  EXPECT_EQ(rsvp["people"]["no"], 1);

  // A capacity below the seats taken is refused; attendance only for people who said yes.
  json smaller = Roundtable("");
  smaller["capacity"] = 1;
  HttpResult refused = Put("/v1/events/" + id, smaller, admin_token_);
  ExpectProblem(refused, 409);
  EXPECT_EQ(refused.json["field"], "capacity");
  HttpResult came = Post("/v1/events/" + id + "/people/" + chosen[1] + "/attendance",
                         {{"attended", true}}, admin_token_);
  ASSERT_EQ(came.status, 200) << came.body;
  EXPECT_EQ(came.json["state"], "attended");
  ExpectProblem(Post("/v1/events/" + id + "/people/" + chosen[0] + "/attendance",
                     {{"attended", true}}, admin_token_),
                409);
  ExpectProblem(answer(chosen[1], "perhaps"), 422);
  ExpectProblem(Get("/v1/events/" + id + "/people?state=lost", admin_token_), 400);

  // Erasing a person frees their seat and takes them out of the event.
  ASSERT_EQ(Delete("/v1/contacts/" + chosen[2], admin_token_).status, 204);
  const json after = Get("/v1/events/" + id, admin_token_).json["rsvp"];
  EXPECT_EQ(after["people"]["yes"], 0);
  EXPECT_EQ(after["seats_taken"], 1);
  const json left = Get("/v1/events/" + id + "/people", admin_token_).json["items"];
  EXPECT_EQ(left.size(), 5u);
  for (const json& p : left) EXPECT_NE(p["contact_id"], chosen[2]);
}

TEST_F(EventsApiTest, AnswersCloseAtTheDeadlineButOfficersMayStillRecordThem) {
  json event = Roundtable("");
  event["rsvp_deadline"] = "2026-06-05T18:00";
  HttpResult created = Post("/v1/events", event, admin_token_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json.value("id", "");
  EXPECT_FALSE(created.json["rsvp"]["closed"]);
  const std::string ana = Person(1, "female", "DE");
  ASSERT_EQ(Post("/v1/events/" + id + "/selection",
                 {{"expression", "true"}, {"count", 1}, {"seed", 1}}, admin_token_)
                .status,
            201);
  clock_.Set(1780675200000 + 1);  // Just after the deadline.
  // Saving the event again notices the deadline has passed.
  ASSERT_EQ(Put("/v1/events/" + id, event, admin_token_).status, 200);
  EXPECT_TRUE(Get("/v1/events/" + id, admin_token_).json["rsvp"]["closed"]);
  HttpResult late =
      Post("/v1/events/" + id + "/people/" + ana + "/answer", {{"answer", "yes"}}, admin_token_);
  ASSERT_EQ(late.status, 200) << late.body;
  EXPECT_EQ(late.json["state"], "yes");
  // Someone who is not invited cannot answer; an unknown person is not found.
  const std::string bo = Person(2, "male", "DE");
  ExpectProblem(
      Post("/v1/events/" + id + "/people/" + bo + "/answer", {{"answer", "yes"}}, admin_token_),
      409);
  ExpectProblem(
      Post("/v1/events/" + id + "/people/c_nope/answer", {{"answer", "yes"}}, admin_token_), 404);
}

TEST_F(EventsApiTest, EventMessagesGoToThePeopleInTheirStatesAndOfficersChangesAreNoted) {
  clock_.Set(1780000000000);  // 2026-05-28, before the roundtable.
  json event = Roundtable("");
  event["reminder_minutes"] = {1440};
  const std::string ana = Person(1, "female", "DE");
  const std::string bo = Person(2, "male", "DE");
  const std::string id = EventWithEveryoneInvited(event, 2, "true");
  const std::string tmpl = CreateTemplate(
      {{"name", "Invitation"},
       {"default_language", "en"},
       {"variants", {{"en", {{"subject", "{{event.title}}"}, {"body", "On {{event.when}}"}}}}}},
      admin_token_);

  HttpResult invitation = Post("/v1/events/" + id + "/messages",
                               {{"purpose", "invitation"}, {"template_id", tmpl}}, admin_token_);
  ASSERT_EQ(invitation.status, 201) << invitation.body;
  ASSERT_EQ(invitation.json["campaigns"].size(), 1u);
  EXPECT_EQ(invitation.json["campaigns"][0]["event"]["purpose"], "invitation");
  EXPECT_EQ(invitation.json["campaigns"][0]["queued"], 2);

  // The reminder follows the event's offset and waits for its time.
  HttpResult reminder = Post("/v1/events/" + id + "/messages",
                             {{"purpose", "reminder"}, {"template_id", tmpl}}, admin_token_);
  ASSERT_EQ(reminder.status, 201) << reminder.body;
  EXPECT_EQ(reminder.json["campaigns"][0]["launched_at"], 0);

  // An officer's answer is noted in the person's conversation.
  Answer(id, ana, "yes");
  HttpResult log = Get("/v1/contacts/" + ana + "/conversation", admin_token_);
  ASSERT_EQ(log.status, 200) << log.body;
  bool noted = false;
  for (const json& entry : log.json["entries"]) {
    if (entry["kind"] == "rsvp" && entry["to"] == "yes") {
      noted = true;
      EXPECT_EQ(entry["event"], id);
      EXPECT_THAT(entry["how"].get<std::string>(), ::testing::StartsWith("officer:"));
    }
  }
  EXPECT_TRUE(noted) << log.body;

  // What cannot work is refused, naming the field.
  HttpResult past =
      Post("/v1/events/" + id + "/messages",
           {{"purpose", "nudge"}, {"template_id", tmpl}, {"send_at", 1000}}, admin_token_);
  ExpectProblem(past, 422);
  EXPECT_EQ(ErrorFields(past), std::vector<std::string>{"send_at"});
  HttpResult unknown = Post("/v1/events/" + id + "/messages",
                            {{"purpose", "party"}, {"template_id", "tpl_nope"}}, admin_token_);
  ExpectProblem(unknown, 422);
  EXPECT_EQ(ErrorFields(unknown), (std::vector<std::string>{"purpose", "template_id"}));
  // Nobody attended yet: nobody to thank.
  ExpectProblem(Post("/v1/events/" + id + "/messages",
                     {{"purpose", "thanks"}, {"template_id", tmpl}}, admin_token_),
                409);
}

TEST_F(EventsApiTest, ANewTimeOrPlaceIsToldToPeopleWithASeatOrWaitingUnlessAskedNotTo) {
  json event = Roundtable("");
  event["capacity"] = 1;
  const std::string ana = Person(1, "female", "DE");
  const std::string bo = Person(2, "male", "DE");
  const std::string cy = Person(3, "female", "DE");
  const std::string id = EventWithEveryoneInvited(event, 3, "true");
  Answer(id, ana, "yes");
  Answer(id, bo, "yes");  // Waitlisted.
  Answer(id, cy, "no");
  auto worker = runtime_->NewWorker();
  // The notices sent so far, by address.
  const auto told = [&] {
    for (int i = 0; i < 10; ++i) {
      clock_.Advance(5);
      auto handled = worker->RunOnce();
      EXPECT_TRUE(handled.ok()) << handled.status();
    }
    std::multiset<std::string> to;
    HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
    for (const json& m : outbox.json["items"]) {
      if (m.value("text", "").find("has changed") != std::string::npos) to.insert(m["to"]);
    }
    return to;
  };

  // Saved as it was: nobody is told.
  ASSERT_EQ(Put("/v1/events/" + id, event, admin_token_).status, 200);
  EXPECT_TRUE(told().empty());
  // A typo fixed in the place, with notify=false: nobody either.
  event["place"] = "Embassy, Hall A";
  ASSERT_EQ(Put("/v1/events/" + id + "?notify=false", event, admin_token_).status, 200);
  EXPECT_TRUE(told().empty());
  HttpResult bad = Put("/v1/events/" + id + "?notify=maybe", event, admin_token_);
  ExpectProblem(bad, 400);
  EXPECT_EQ(bad.json["field"], "notify");
  // Another hall: the one with a seat and the one waiting are told, not the one who said no.
  event["place"] = "Embassy, Hall B";
  ASSERT_EQ(Put("/v1/events/" + id, event, admin_token_).status, 200);
  EXPECT_EQ(told(), (std::multiset<std::string>{"p1@example.org", "p2@example.org"}));
  // A new time, an hour later: told again.
  event["starts_at"] = "2026-06-12T11:00";
  event["ends_at"] = "2026-06-12T13:30";
  ASSERT_EQ(Put("/v1/events/" + id, event, admin_token_).status, 200);
  std::multiset<std::string> twice = told();
  EXPECT_EQ(twice.count("p1@example.org"), 2u);
  EXPECT_EQ(twice.count("p3@example.org"), 0u);
}

TEST_F(EventsApiTest, PeopleAnswerOnTheirOwnPageAndTakeTheCalendarFromIt) {
  json event = Roundtable("");
  event["capacity"] = 1;
  event["texts"]["fr"] = {{"title", "Table ronde"}};
  const std::string amelie = CreateContact(
      {{"name", "Amélie"},
       {"languages", {"fr"}},
       {"addresses", {{{"kind", "email"}, {"value", "amelie@example.org"}, {"consent", "granted"}}}}},
      admin_token_);
  const std::string ben = CreateContact(
      {{"name", "Ben"},
       {"languages", {"en"}},
       {"addresses", {{{"kind", "email"}, {"value", "ben@example.org"}, {"consent", "granted"}}}}},
      admin_token_);
  const std::string id = EventWithEveryoneInvited(event, 2, "true");
  const std::string org = Get("/v1/me", admin_token_).json.value("org_id", "");
  const auto page = [&](const std::string& contact) {
    return "/e/" + runtime_->tokens().EventLinkToken(org, id, contact);
  };

  // The page: in her language, with the three answers; looking at it changes nothing.
  HttpResult shown = Get(page(amelie), "");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(shown.body, ::testing::HasSubstr("<html lang=\"fr\""));
  EXPECT_THAT(shown.body, ::testing::HasSubstr("<h1>Table ronde</h1>"));
  EXPECT_THAT(shown.body, ::testing::HasSubstr("name=\"answer\" value=\"yes\">Oui</button>"));
  EXPECT_THAT(shown.body, ::testing::HasSubstr("Ajouter au calendrier"));
  EXPECT_EQ(Get("/v1/events/" + id, admin_token_).json["rsvp"]["people"]["invited"], 2);

  // Her yes takes the one seat, with "link" as how; Ben's goes to the waitlist.
  HttpResult yes = PostRaw(page(amelie), "answer=yes", "application/x-www-form-urlencoded", "");
  ASSERT_EQ(yes.status, 200) << yes.body;
  EXPECT_THAT(yes.body, ::testing::HasSubstr("est confirmée"));
  HttpResult people = Get("/v1/events/" + id + "/people?state=yes", admin_token_);
  ASSERT_EQ(people.json["items"].size(), 1u);
  EXPECT_EQ(people.json["items"][0]["contact_id"], amelie);
  EXPECT_EQ(people.json["items"][0]["how"], "link");
  HttpResult waiting = PostRaw(page(ben), "answer=yes", "application/x-www-form-urlencoded", "");
  ASSERT_EQ(waiting.status, 200) << waiting.body;
  EXPECT_THAT(waiting.body, ::testing::HasSubstr("waiting list (number 1)"));

  // Her calendar file, with the event's UID.
  HttpResult calendar = Get(page(amelie) + "/calendar.ics", "");
  ASSERT_EQ(calendar.status, 200) << calendar.body;
  EXPECT_EQ(calendar.Header("Content-Type"), "text/calendar; charset=utf-8");
  EXPECT_THAT(calendar.body, ::testing::HasSubstr("BEGIN:VCALENDAR"));
  EXPECT_THAT(calendar.body, ::testing::HasSubstr("UID:" + id + "@"));

  // Nonsense is refused; a forged token, or one of someone who was erased, shows nothing.
  EXPECT_EQ(PostRaw(page(amelie), "answer=perhaps", "application/x-www-form-urlencoded", "")
                .status,
            400);
  std::string forged = page(ben);
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(Get(forged, "").status, 404);
  EXPECT_EQ(Get("/e/nonsense", "").status, 404);
  ASSERT_EQ(Delete("/v1/contacts/" + ben, admin_token_).status, 204);
  EXPECT_EQ(Get(page(ben), "").status, 404);
  // After the event, the link leads nowhere.
  clock_.Set(1781260200000 + 1);  // 2026-06-12 10:30 UTC: it has ended.
  EXPECT_EQ(Get(page(amelie), "").status, 404);
}

TEST_F(EventsApiTest, ErasingSomeoneWithASeatOffersItToTheNextPersonWhoIsTold) {
  json event = Roundtable("");
  event["capacity"] = 1;
  event["offer_hours"] = 24;
  const std::string ana = Person(1, "female", "DE");
  const std::string bo = Person(2, "male", "DE");
  const std::string id = EventWithEveryoneInvited(event, 2, "true");
  Answer(id, ana, "yes");
  Answer(id, bo, "yes");  // Waitlisted.
  ASSERT_EQ(Delete("/v1/contacts/" + ana, admin_token_).status, 204);
  HttpResult offered = Get("/v1/events/" + id + "/people?state=offered", admin_token_);
  ASSERT_EQ(offered.json["items"].size(), 1u) << offered.body;
  EXPECT_EQ(offered.json["items"][0]["contact_id"], bo);
  auto worker = runtime_->NewWorker();
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(5);
    ASSERT_TRUE(worker->RunOnce().ok());
  }
  HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
  ASSERT_EQ(outbox.json["items"].size(), 1u) << outbox.body;
  EXPECT_EQ(outbox.json["items"][0]["to"], "p2@example.org");
  EXPECT_THAT(outbox.json["items"][0].value("text", ""), ::testing::HasSubstr("Good news"));
}

TEST_F(EventsApiTest, ACancelledEventTellsItsPeopleOnceAndTakesNothingMore) {
  clock_.Set(1780000000000);  // 2026-05-28, before the roundtable.
  json event = Roundtable("");
  event["reminder_minutes"] = {1440};
  const std::string ana = Person(1, "female", "DE");
  const std::string bo = Person(2, "male", "DE");
  const std::string cy = Person(3, "female", "DE");
  const std::string id = EventWithEveryoneInvited(event, 3, "true");
  const std::string org = Get("/v1/me", admin_token_).json.value("org_id", "");
  Answer(id, ana, "yes");
  Answer(id, cy, "no");
  const std::string tmpl = CreateTemplate(
      {{"name", "Reminder"},
       {"default_language", "en"},
       {"variants", {{"en", {{"subject", "{{event.title}}"}, {"body", "See you tomorrow"}}}}}},
      admin_token_);
  ASSERT_EQ(Post("/v1/events/" + id + "/messages",
                 {{"purpose", "reminder"}, {"template_id", tmpl}}, admin_token_)
                .status,
            201);

  ExpectProblem(Post("/v1/events/" + id + "/cancellation?notify=perhaps", json::object(),
                     admin_token_),
                400);
  HttpResult cancelled = Post("/v1/events/" + id + "/cancellation", json::object(), admin_token_);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.json["cancelled_at"], clock_.NowMillis());
  clock_.Advance(1000);
  HttpResult again = Post("/v1/events/" + id + "/cancellation", json::object(), admin_token_);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["cancelled_at"], cancelled.json["cancelled_at"]);

  // Told once, in their language: everyone but the one who had said no.
  auto worker = runtime_->NewWorker();
  const auto drain = [&] {
    for (int i = 0; i < 5; ++i) {
      clock_.Advance(5);
      ASSERT_TRUE(worker->RunOnce().ok());
    }
  };
  drain();
  std::multiset<std::string> told;
  const HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
  for (const json& m : outbox.json["items"]) {
    EXPECT_THAT(m.value("text", ""), ::testing::HasSubstr("has been cancelled"));
    told.insert(m["to"]);
  }
  EXPECT_EQ(told, (std::multiset<std::string>{"p1@example.org", "p2@example.org"}));
  // Its reminder never goes.
  auto waiting = pool().Command({"ZCARD", keys::EventMessagesDue(org)});
  ASSERT_TRUE(waiting.ok());
  EXPECT_EQ(waiting->integer, 0);

  // Nothing more changes it; an update can still reach its people.
  ExpectProblem(Put("/v1/events/" + id, event, admin_token_), 409);
  ExpectProblem(Post("/v1/events/" + id + "/people/" + bo + "/answer", {{"answer", "yes"}},
                     admin_token_),
                409);
  ExpectProblem(Post("/v1/events/" + id + "/messages",
                     {{"purpose", "reminder"}, {"template_id", tmpl}}, admin_token_),
                409);
  EXPECT_EQ(Post("/v1/events/" + id + "/messages",
                 {{"purpose", "update"}, {"template_id", tmpl}}, admin_token_)
                .status,
            201);
  // A reply is no answer any more: it waits for an officer.
  HttpResult reply = Post("/v1/sandbox/replies",
                          {{"contact_id", bo}, {"channel", "email"}, {"text", "Yes, I come"}},
                          admin_token_);
  ASSERT_EQ(reply.status, 201) << reply.body;
  HttpResult state = Get("/v1/events/" + id + "/people?state=invited", admin_token_);
  ASSERT_EQ(state.json["items"].size(), 1u);
  EXPECT_EQ(state.json["items"][0]["contact_id"], bo);
  // The person's page says so, without buttons.
  const std::string page = "/e/" + runtime_->tokens().EventLinkToken(org, id, ana);
  HttpResult shown = Get(page, "");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_THAT(shown.body, ::testing::HasSubstr("has been cancelled"));
  EXPECT_THAT(shown.body, ::testing::Not(::testing::HasSubstr("<button")));
  // The person's key is the URL: no Referer takes it elsewhere, no cache or index keeps it.
  EXPECT_EQ(shown.Header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(shown.Header("Cache-Control"), "no-store");
  EXPECT_EQ(shown.Header("X-Robots-Tag"), "noindex");
  EXPECT_THAT(shown.Header("Content-Security-Policy"),
              ::testing::HasSubstr("default-src 'none'; style-src 'unsafe-inline'; form-action"));
  HttpResult pressed = PostRaw(page, "answer=no", "application/x-www-form-urlencoded", "");
  ASSERT_EQ(pressed.status, 200) << pressed.body;
  EXPECT_THAT(pressed.body, ::testing::HasSubstr("has been cancelled"));
  EXPECT_EQ(Get("/v1/events/" + id + "/people?state=yes", admin_token_).json["items"].size(), 1u);
}

TEST_F(EventsApiTest, EventMessagesCarryThePersonsOwnLinks) {
  clock_.Set(1780000000000);  // 2026-05-28, before the roundtable.
  const std::string ana = Person(1, "female", "DE");
  const std::string id = EventWithEveryoneInvited(Roundtable(""), 1, "true");
  const std::string org = Get("/v1/me", admin_token_).json.value("org_id", "");
  const std::string tmpl = CreateTemplate(
      {{"name", "Invitation"},
       {"default_language", "en"},
       {"variants",
        {{"en", {{"subject", "{{event.title}}"}, {"body", "Calendar: {{event.calendar_url}}"}}}}}},
      admin_token_);
  ASSERT_EQ(Post("/v1/events/" + id + "/messages",
                 {{"purpose", "invitation"}, {"template_id", tmpl}}, admin_token_)
                .status,
            201);
  auto worker = runtime_->NewWorker();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(worker->RunOnce().ok());
  HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
  ASSERT_EQ(outbox.json["items"].size(), 1u) << outbox.body;
  const std::string text = outbox.json["items"][0]["text"];
  const std::string link = config_.links.public_base_url + "/e/" +
                           runtime_->tokens().EventLinkToken(org, id, ana);
  EXPECT_THAT(text, ::testing::HasSubstr("Calendar: " + link + "/calendar.ics"));
  EXPECT_THAT(text, ::testing::HasSubstr("Answer online: " + link));
  // The calendar file went with it.
  EXPECT_EQ(outbox.json["items"][0]["attachments"], json::array({"invite.ics"}));
}

TEST_F(EventsApiTest, PeopleAsCsvForSpreadsheetsWithContactColumnsAndSafeCells) {
  clock_.Set(1'780'000'000'000);  // 2026-05-28T20:26:40Z
  auto contact = [&](const std::string& name, int i, json extra = json::object()) {
    json body = {{"name", name},
                 {"addresses",
                  {{{"kind", "email"},
                    {"value", "csv" + std::to_string(i) + "@example.org"},
                    {"consent", "granted"}}}}};
    body.update(extra);
    return CreateContact(body, admin_token_);
  };
  const std::string ana = contact(
      "Ana Beridze", 1, {{"languages", {"ka", "ru"}}, {"country", "GE"}, {"city", "Tbilisi"}});
  const std::string doe = contact("Doe, \"Jo\"", 2, {{"country", "DE"}, {"city", "Berlin"}});
  const std::string formula = contact("=HYPERLINK(\"http://evil.example\",\"click\")", 3);
  const std::string plus = contact("+49 call me", 4);
  const std::string at = contact("@SUM(A1)", 5);
  const std::string minus = contact("-2+3", 6);
  json event = Roundtable("");
  event["capacity"] = 1;
  const std::string id = EventWithEveryoneInvited(event, 6, "true");
  Answer(id, ana, "yes");
  clock_.Advance(60'000);
  Answer(id, doe, "yes");
  // A `how` from outside (a provider's reply id) may hold anything, line breaks included.
  const std::string org = Get("/v1/events/" + id, admin_token_).json.value("org_id", "");
  const std::string late = contact("Late Comer", 7);
  ASSERT_TRUE(
      runtime_->Services()
          .event_seats->Invite(org, id, {late}, "=1+1\r\nsecond, \"line\"", clock_.NowMillis())
          .ok());

  HttpResult csv = Get("/v1/events/" + id + "/people?format=csv", admin_token_);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_TRUE(csv.Header("Content-Type").starts_with("text/csv")) << csv.Header("Content-Type");
  EXPECT_NE(csv.Header("Content-Disposition").find("attachment"), std::string::npos);
  const std::vector<std::vector<std::string>> records = CsvRecords(csv.body);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records[0],
            (std::vector<std::string>{"contact_id", "name", "state", "at", "how", "offer_until",
                                      "waitlist_position", "languages", "country", "city"}));
  EXPECT_TRUE(
      csv.body.starts_with("contact_id,name,state,at,how,offer_until,"
                           "waitlist_position,languages,country,city\r\n"));
  // RFC 4180: a cell with a comma or a quote is quoted and its quotes doubled.
  EXPECT_NE(csv.body.find("\"Doe, \"\"Jo\"\"\""), std::string::npos) << csv.body;
  auto rows = CsvByContact(csv.body);
  ASSERT_EQ(rows.size(), 7u) << csv.body;
  EXPECT_EQ(rows[ana]["name"], "Ana Beridze");
  EXPECT_EQ(rows[ana]["state"], "yes");
  EXPECT_EQ(rows[ana]["at"], "2026-05-28T20:26:40Z");
  EXPECT_TRUE(rows[ana]["how"].starts_with("officer:")) << rows[ana]["how"];
  EXPECT_EQ(rows[ana]["offer_until"], "");
  EXPECT_EQ(rows[ana]["waitlist_position"], "");
  EXPECT_EQ(rows[ana]["languages"], "ka;ru");
  EXPECT_EQ(rows[ana]["country"], "GE");
  EXPECT_EQ(rows[ana]["city"], "Tbilisi");
  EXPECT_EQ(rows[doe]["name"], "Doe, \"Jo\"");
  EXPECT_EQ(rows[doe]["state"], "waitlisted");
  EXPECT_EQ(rows[doe]["at"], "2026-05-28T20:27:40Z");
  EXPECT_EQ(rows[doe]["waitlist_position"], "1");
  EXPECT_EQ(rows[doe]["city"], "Berlin");
  // Cells a spreadsheet would run as formulas start with an apostrophe.
  EXPECT_EQ(rows[formula]["name"], "'=HYPERLINK(\"http://evil.example\",\"click\")");
  EXPECT_EQ(rows[plus]["name"], "'+49 call me");
  EXPECT_EQ(rows[at]["name"], "'@SUM(A1)");
  EXPECT_EQ(rows[minus]["name"], "'-2+3");
  EXPECT_EQ(rows[minus]["state"], "invited");
  EXPECT_EQ(rows[late]["how"], "'=1+1\r\nsecond, \"line\"");

  // The state filter applies; Accept: text/csv asks for CSV too; unknown formats are refused.
  HttpResult waiting =
      Get("/v1/events/" + id + "/people?format=csv&state=waitlisted", admin_token_);
  ASSERT_EQ(waiting.status, 200) << waiting.body;
  EXPECT_EQ(CsvContactIds(waiting.body), std::vector<std::string>{doe});
  httplib::Result accepted = GetWith("/v1/events/" + id + "/people", {{"Accept", "text/csv"}});
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
  EXPECT_EQ(CsvByContact(accepted->body).size(), 7u);
  HttpResult xml = Get("/v1/events/" + id + "/people?format=xml", admin_token_);
  ExpectProblem(xml, 400);
  EXPECT_EQ(xml.json["field"], "format");
  // JSON pages show the waitlist position too.
  HttpResult page = Get("/v1/events/" + id + "/people?state=waitlisted", admin_token_);
  ASSERT_EQ(page.json["items"].size(), 1u) << page.body;
  EXPECT_EQ(page.json["items"][0]["waitlist_position"], 1);

  // Contact columns only for people in the caller's posts: the list is the event's, the
  // contacts are not all theirs.
  const std::string post = CreatePost("Embassy A");
  const std::string officer = CreateOfficerToken("officer", {post});
  json own = Roundtable(post);
  HttpResult officer_event = Post("/v1/events", own, officer);
  ASSERT_EQ(officer_event.status, 201) << officer_event.body;
  const std::string theirs = officer_event.json.value("id", "");
  ASSERT_TRUE(runtime_->Services()
                  .event_seats->Invite(org, theirs, {ana}, "officer:x", clock_.NowMillis())
                  .ok());
  HttpResult scoped = Get("/v1/events/" + theirs + "/people?format=csv", officer);
  ASSERT_EQ(scoped.status, 200) << scoped.body;
  auto scoped_rows = CsvByContact(scoped.body);
  ASSERT_EQ(scoped_rows.size(), 1u);
  EXPECT_EQ(scoped_rows[ana]["state"], "invited");
  EXPECT_EQ(scoped_rows[ana]["name"], "");
  EXPECT_EQ(scoped_rows[ana]["city"], "");
}

TEST_F(EventsApiTest, WaitlistInItsOrderAndAttendeesAsJsonAndCsv) {
  json event = Roundtable("");
  event["capacity"] = 1;
  std::vector<std::string> people;
  for (int i = 0; i < 4; ++i) people.push_back(Person(i, "female", "DE"));
  const std::string id = EventWithEveryoneInvited(event, 4, "true");
  // First come, first served: the waitlist follows the time of the answer, not the id.
  Answer(id, people[0], "yes");
  clock_.Advance(1000);
  Answer(id, people[3], "yes");
  clock_.Advance(1000);
  Answer(id, people[1], "yes");
  clock_.Advance(1000);
  Answer(id, people[2], "no");

  HttpResult waitlist = Get("/v1/events/" + id + "/waitlist", admin_token_);
  ASSERT_EQ(waitlist.status, 200) << waitlist.body;
  ASSERT_EQ(waitlist.json["items"].size(), 2u) << waitlist.body;
  EXPECT_EQ(waitlist.json["items"][0]["contact_id"], people[3]);
  EXPECT_EQ(waitlist.json["items"][0]["waitlist_position"], 1);
  EXPECT_EQ(waitlist.json["items"][0]["state"], "waitlisted");
  EXPECT_EQ(waitlist.json["items"][1]["contact_id"], people[1]);
  EXPECT_EQ(waitlist.json["items"][1]["waitlist_position"], 2);
  HttpResult waitlist_csv = Get("/v1/events/" + id + "/waitlist?format=csv", admin_token_);
  ASSERT_EQ(waitlist_csv.status, 200) << waitlist_csv.body;
  EXPECT_EQ(CsvContactIds(waitlist_csv.body), (std::vector<std::string>{people[3], people[1]}));
  EXPECT_EQ(CsvByContact(waitlist_csv.body)[people[1]]["waitlist_position"], "2");
  EXPECT_EQ(CsvByContact(waitlist_csv.body)[people[1]]["name"], "Person 1");

  // Attendees: people with a seat (yes) and people who came (attended).
  ASSERT_EQ(Post("/v1/events/" + id + "/people/" + people[0] + "/attendance", {{"attended", true}},
                 admin_token_)
                .status,
            200);
  json larger = Roundtable("");
  larger["capacity"] = 2;
  ASSERT_EQ(Put("/v1/events/" + id, larger, admin_token_).status, 200);
  Answer(id, people[3], "yes");  // Offered the new seat, and takes it.
  HttpResult attendees = Get("/v1/events/" + id + "/attendees", admin_token_);
  ASSERT_EQ(attendees.status, 200) << attendees.body;
  std::map<std::string, std::string> states;
  for (const json& p : attendees.json["items"]) states[p["contact_id"]] = p["state"];
  EXPECT_EQ(states,
            (std::map<std::string, std::string>{{people[0], "attended"}, {people[3], "yes"}}));
  HttpResult attendees_csv = Get("/v1/events/" + id + "/attendees?format=csv", admin_token_);
  ASSERT_EQ(attendees_csv.status, 200) << attendees_csv.body;
  auto rows = CsvByContact(attendees_csv.body);
  ASSERT_EQ(rows.size(), 2u) << attendees_csv.body;
  EXPECT_EQ(rows[people[0]]["state"], "attended");
  EXPECT_EQ(rows[people[3]]["name"], "Person 3");
  EXPECT_EQ(rows[people[3]]["country"], "DE");
  ExpectProblem(Get("/v1/events/" + id + "/attendees?format=pdf", admin_token_), 400);
  ExpectProblem(Get("/v1/events/evt_nope/waitlist", admin_token_), 404);
}

TEST_F(EventsApiTest, WholeListsStopAtTheirLimitWithAClearError) {
  HttpResult created = Post("/v1/events", Roundtable(""), admin_token_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json.value("id", "");
  const std::string org = created.json.value("org_id", "");
  std::vector<std::string> many;
  for (int i = 0; i <= 50'000; ++i) many.push_back("c_many" + std::to_string(i));
  ASSERT_TRUE(
      runtime_->Services().event_seats->Invite(org, id, many, "test", clock_.NowMillis()).ok());
  HttpResult csv = Get("/v1/events/" + id + "/people?format=csv", admin_token_);
  ExpectProblem(csv, 409);
  EXPECT_NE(csv.json.value("detail", "").find("50000"), std::string::npos) << csv.body;
  // A filter that leaves few people is fine.
  HttpResult none = Get("/v1/events/" + id + "/attendees?format=csv", admin_token_);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(CsvRecords(none.body).size(), 1u) << "the header only";
}

TEST_F(EventsApiTest, ReplacementsComeFromTheDeclinedPersonsStratumOnceEach) {
  json event = Roundtable("");
  event["capacity"] = 10;
  HttpResult created = Post("/v1/events", event, admin_token_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json.value("id", "");
  const std::string org = created.json.value("org_id", "");
  const std::string base = "/v1/events/" + id + "/replacements";
  // Nothing to draw from before a selection.
  ExpectProblem(Post(base, json::object(), admin_token_), 409);

  std::set<std::string> germans, georgians;
  for (int i = 0; i < 6; ++i) germans.insert(Person(i, "female", "DE"));
  for (int i = 6; i < 9; ++i) georgians.insert(Person(i, "male", "GE"));
  const json request = {
      {"expression", "true"},
      {"count", 4},
      {"seed", 7},
      {"quotas", {{{"attributes", {"country"}}, {"targets", {{"DE", 3}, {"GE", 1}}}}}}};
  HttpResult saved = Post("/v1/events/" + id + "/selection", request, admin_token_);
  ASSERT_EQ(saved.status, 201) << saved.body;
  const std::vector<std::string> chosen = saved.json["selected"];
  std::string georgian, german, other_german;
  std::vector<std::string> georgians_left;
  for (const std::string& c : chosen) {
    if (georgians.contains(c)) georgian = c;
    if (germans.contains(c)) (german.empty() ? german : other_german) = c;
  }
  for (const std::string& g : georgians) {
    if (g != georgian) georgians_left.push_back(g);
  }
  ASSERT_FALSE(georgian.empty());
  ASSERT_FALSE(other_german.empty());
  ASSERT_EQ(georgians_left.size(), 2u);
  // One Georgian left to draw is erased meanwhile: the draw walks on past them.
  ASSERT_EQ(Delete("/v1/contacts/" + georgians_left[0], admin_token_).status, 204);

  // Nobody declined yet: nothing to do.
  HttpResult idle = Post(base, json::object(), admin_token_);
  ASSERT_EQ(idle.status, 200) << idle.body;
  EXPECT_TRUE(idle.json["replacements"].empty());

  Answer(id, georgian, "no");
  Answer(id, german, "yes");
  Answer(id, german, "cancel");
  // An explicit list is checked person by person, each error naming its entry.
  HttpResult bad = Post(base, {{"contact_ids", {german, other_german, "c_nope"}}}, admin_token_);
  ExpectProblem(bad, 422);
  EXPECT_EQ(ErrorFields(bad), (std::vector<std::string>{"contact_ids[1]", "contact_ids[2]"}));
  ExpectProblem(Post(base, {{"contact_ids", "all"}}, admin_token_), 422);

  // Without a list, everyone who declined is replaced by the next person of their stratum.
  HttpResult replaced = Post(base, json::object(), admin_token_);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.json["kind"], "replacement");
  EXPECT_EQ(replaced.json["selection_seed"], 7);
  std::map<std::string, std::string> by;
  for (const json& pair : replaced.json["replacements"]) by[pair["declined"]] = pair["replacement"];
  ASSERT_EQ(by.size(), 2u) << replaced.body;
  EXPECT_EQ(by[georgian], georgians_left[1]);
  EXPECT_TRUE(germans.contains(by[german])) << replaced.body;
  EXPECT_EQ(std::count(chosen.begin(), chosen.end(), by[german]), 0);
  EXPECT_TRUE(replaced.json["shortfall"].empty());
  HttpResult state = Get("/v1/events/" + id + "/people?state=invited", admin_token_);
  std::map<std::string, std::string> how;
  for (const json& p : state.json["items"]) how[p["contact_id"]] = p["how"];
  EXPECT_EQ(how[georgians_left[1]], "replacement:" + georgian);
  EXPECT_EQ(how[by[german]], "replacement:" + german);

  // Each declined person is replaced once; the draw is recorded with the selections.
  HttpResult again = Post(base, json::object(), admin_token_);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(again.json["replacements"].empty()) << again.body;
  HttpResult twice = Post(base, {{"contact_ids", {georgian}}}, admin_token_);
  ExpectProblem(twice, 422);
  EXPECT_EQ(twice.json["field"], "contact_ids[0]");
  HttpResult records = Get("/v1/events/" + id + "/selections", admin_token_);
  ASSERT_EQ(records.json["items"].size(), 2u) << records.body;
  EXPECT_EQ(records.json["items"][1]["kind"], "replacement");
  EXPECT_EQ(records.json["items"][1]["replacements"], replaced.json["replacements"]);

  // When the stratum has no one left, the person is reported short, and stays so.
  Answer(id, georgians_left[1], "no");
  HttpResult short_of = Post(base, json::object(), admin_token_);
  ASSERT_EQ(short_of.status, 200) << short_of.body;
  EXPECT_TRUE(short_of.json["replacements"].empty());
  EXPECT_EQ(short_of.json["shortfall"], json::array({georgians_left[1]}));
  EXPECT_EQ(Post(base, json::object(), admin_token_).json["shortfall"],
            json::array({georgians_left[1]}));
  // Someone the latest draw never saw has no stratum to draw from.
  const std::string stranger = Person(20, "male", "FR");
  ASSERT_TRUE(runtime_->Services()
                  .event_seats->Invite(org, id, {stranger}, "officer:x", clock_.NowMillis())
                  .ok());
  Answer(id, stranger, "no");
  HttpResult outside = Post(base, {{"contact_ids", {stranger}}}, admin_token_);
  ASSERT_EQ(outside.status, 200) << outside.body;
  EXPECT_EQ(outside.json["not_in_draw"], json::array({stranger}));
}

}  // namespace
}  // namespace ogw::testing
