// Events through the API: creation with local times in the venue's zone, scope, and the
// representative selection's preview (quotas, seed, shortfall, composition).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "gateway/core/ids.h"
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

}  // namespace
}  // namespace ogw::testing
