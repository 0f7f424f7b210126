// Monitoring reports through the API: a campaign launched, sent by a worker, answered through
// the channels' own paths (a reply by SMS, a STOP, a followed link in an e-mail), and its report
// counted by hand, in JSON and CSV; dimensions, validation, scope; response rates across a
// post's campaigns.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "gateway/core/iso_time.h"
#include "tests/testutil/api_harness.h"
#include "tests/testutil/report_json.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using json = nlohmann::json;

class ReportsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    paris_ = CreatePost("Paris");
    berlin_ = CreatePost("Berlin");
    officer_ = CreateOfficerToken("officer", {paris_});
    berlin_officer_ = CreateOfficerToken("officer", {berlin_});
    auto person = [&](const std::string& name, const std::string& gender, const json& address) {
      clock_.Advance(1);
      return CreateContact({{"name", name},
                            {"post_id", paris_},
                            {"attributes", {{"gender", gender}}},
                            {"addresses", {address}}},
                           admin_token_);
    };
    ana_ = person("Ana", "female",
                  {{"kind", "phone"}, {"value", "+33611111111"}, {"consent", "granted"}});
    bea_ = person("Bea", "female",
                  {{"kind", "phone"}, {"value", "+33622222222"}, {"consent", "granted"}});
    carl_ = person("Carl", "male",
                   {{"kind", "phone"}, {"value", "+33633333333"}, {"consent", "granted"}});
    dan_ = person("Dan", "male",
                  {{"kind", "email"}, {"value", "dan@d.example"}, {"consent", "granted"}});
    person("Eli", "male", {{"kind", "email"}, {"value", "eli@e.example"}, {"consent", "unknown"}});
    template_ = CreateTemplate(
        {{"name", "Survey"},
         {"post_id", paris_},
         {"default_language", "en"},
         {"variants",
          {{"en",
            {{"subject", "Our survey"},
             {"body", "Hello {{contact.name}}, [take the survey](https://survey.example.org/s)"},
             {"sms", "Hello {{contact.name}}, tell us what you think"}}}}}},
        officer_);
    segment_ =
        CreateSegment({{"name", "Paris"}, {"post_id", paris_}, {"expression", "true"}}, officer_);
  }

  std::string Launch(const std::string& name) {
    HttpResult created = Post("/v1/campaigns",
                              {{"name", name},
                               {"post_id", paris_},
                               {"template_id", template_},
                               {"segment_id", segment_},
                               {"channel", "preferred"},
                               {"report_attributes", {"gender", "country"}}},
                              officer_);
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = created.json.value("id", "");
    EXPECT_EQ(Post("/v1/campaigns/" + id + "/launch", json::object(), officer_).status, 202);
    auto worker = runtime_->NewWorker();
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(worker->RunOnce().ok());
    return id;
  }

  void Writes(const std::string& contact, const std::string& text) {
    clock_.Advance(1000);
    HttpResult r = Post("/v1/sandbox/replies",
                        {{"contact_id", contact}, {"channel", "sms"}, {"text", text}}, officer_);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // Follows the tracked link of the e-mail sent to `address`.
  void Clicks(const std::string& address) {
    HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
    for (const json& m : outbox.json["items"]) {
      if (m.value("to", "") != address) continue;
      const std::string text = m.value("text", "") + m.value("html", "");
      const size_t at = text.find("/l/");
      ASSERT_NE(at, std::string::npos) << text;
      EXPECT_EQ(Get(text.substr(at, 21), "").status, 302);
      return;
    }
    FAIL() << "no message to " << address;
  }

  std::string paris_, berlin_, officer_, berlin_officer_;
  std::string ana_, bea_, carl_, dan_;
  std::string template_, segment_;
};

TEST_F(ReportsApiTest, AReportCountsWhatPeopleDidThroughTheirChannels) {
  const std::string id = Launch("Survey announcement");
  Writes(ana_, "Thank you, I will answer it");
  Writes(ana_, "Done!");
  Writes(carl_, "STOP");
  Clicks("dan@d.example");

  HttpResult r = Get("/v1/campaigns/" + id + "/report", officer_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json& t = r.json["totals"];
  EXPECT_EQ(t["recipients"], 4);
  EXPECT_EQ(t["sent"], 4);
  EXPECT_EQ(t["replied"], 1);
  EXPECT_EQ(t["opted_out"], 1);
  EXPECT_EQ(t["clicked"], 1);
  EXPECT_EQ(t["responded"], 2);
  EXPECT_EQ(t["skipped"]["no_consent"], 1);
  EXPECT_EQ(t["units"]["sms"], 3);
  EXPECT_EQ(t["units"]["email"], 1);
  EXPECT_EQ(r.json["dimensions"], json({"channel", "gender", "country"}));
  EXPECT_EQ(BreakdownRow(r.json, "channel", "sms")["recipients"], 3);
  EXPECT_EQ(BreakdownRow(r.json, "channel", "email")["clicked"], 1);
  const json women = BreakdownRow(r.json, "gender", "female");
  EXPECT_EQ(women["recipients"], 2);
  EXPECT_EQ(women["responded"], 1);
  const json men = BreakdownRow(r.json, "gender", "male");
  EXPECT_EQ(men["recipients"], 2);
  EXPECT_EQ(men["responded"], 1);
  EXPECT_EQ(men["opted_out"], 1);
  EXPECT_EQ(BreakdownRow(r.json, "country", "")["recipients"], 4) << "nobody has a country";
  EXPECT_EQ(r.json["frozen"], false);

  // The campaign's counters say the same.
  HttpResult campaign = Get("/v1/campaigns/" + id, officer_);
  EXPECT_EQ(campaign.json["stats"]["people_replied"], 1);
  EXPECT_EQ(campaign.json["stats"]["people_clicked"], 1);
  EXPECT_EQ(campaign.json["stats"]["people_opted_out"], 1);

  // CSV, narrowed to one dimension, with SMS priced.
  HttpResult csv = Get("/v1/campaigns/" + id +
                           "/report?format=csv&by=gender&sms_price_per_segment=0.05&currency=EUR",
                       officer_);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_THAT(csv.Header("Content-Type"), StartsWith("text/csv"));
  EXPECT_THAT(csv.body, StartsWith("dimension,value,recipients,sent,"));
  EXPECT_THAT(csv.body, HasSubstr("total,,4,4,0,0,0,1,1,2,1,0\r\n"));
  EXPECT_THAT(csv.body, HasSubstr("gender,female,2,2,0,0,0,0,1,1,0,0\r\n"));
  EXPECT_THAT(csv.body, Not(HasSubstr("channel,sms")));
  HttpResult priced =
      Get("/v1/campaigns/" + id + "/report?by=channel&sms_price_per_segment=0.05&currency=EUR",
          officer_);
  EXPECT_DOUBLE_EQ(priced.json["totals"]["cost"]["sms"].get<double>(), 0.15);
  EXPECT_EQ(priced.json["totals"]["cost"]["currency"], "EUR");
  EXPECT_EQ(priced.json["breakdowns"].size(), 1u);
}

TEST_F(ReportsApiTest, BadQueriesAndOtherPostsAreRefused) {
  const std::string id = Launch("Survey announcement");
  HttpResult unknown = Get("/v1/campaigns/" + id + "/report?by=channel,shoe_size", officer_);
  ExpectProblem(unknown, 400);
  EXPECT_THAT(unknown.json.value("detail", ""), HasSubstr("shoe_size"));
  ExpectProblem(Get("/v1/campaigns/" + id + "/report?format=xml", officer_), 400);
  ExpectProblem(Get("/v1/campaigns/" + id + "/report?sms_price_per_segment=-1", officer_), 400);
  ExpectProblem(Get("/v1/campaigns/" + id + "/report", berlin_officer_), 404);
  ExpectProblem(Get("/v1/campaigns/cmp_nope/report", officer_), 404);
  ExpectProblem(Get("/v1/reports/campaigns?post=" + paris_, berlin_officer_), 404);
  ExpectProblem(Get("/v1/reports/campaigns?from=yesterday", officer_), 400);

  HttpResult draft = Post("/v1/campaigns",
                          {{"name", "Draft"},
                           {"post_id", paris_},
                           {"template_id", template_},
                           {"segment_id", segment_},
                           {"channel", "sms"}},
                          officer_);
  ASSERT_EQ(draft.status, 201);
  ExpectProblem(Get("/v1/campaigns/" + draft.json["id"].get<std::string>() + "/report", officer_),
                409);
  HttpResult twice = Post("/v1/campaigns",
                          {{"name", "Twice"},
                           {"post_id", paris_},
                           {"template_id", template_},
                           {"segment_id", segment_},
                           {"channel", "sms"},
                           {"report_attributes", {"gender", "gender"}}},
                          officer_);
  ExpectProblem(twice, 422);
  EXPECT_EQ(ErrorFields(twice), std::vector<std::string>{"report_attributes"});
}

TEST_F(ReportsApiTest, ResponseRatesAcrossAPostsCampaigns) {
  const std::string first = Launch("First");
  Writes(ana_, "Yes");
  clock_.Advance(3600 * 1000);
  const std::string second = Launch("Second");
  Writes(bea_, "Count me in");
  Writes(ana_, "Me too");

  HttpResult r = Get("/v1/reports/campaigns?by=channel", officer_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["post"], paris_);
  const json& rows = r.json["rows"];
  ASSERT_EQ(rows.size(), 4u) << r.body;  // Two campaigns, two channels each.
  EXPECT_EQ(rows[0]["campaign_id"], first);
  EXPECT_EQ(rows[2]["campaign_id"], second);
  for (const json& row : rows) {
    if (row["value"] != "sms") continue;
    EXPECT_EQ(row["sent"], 3);
    EXPECT_EQ(row["responded"], row["campaign_id"] == first ? 1 : 2);
    EXPECT_DOUBLE_EQ(row["response_rate"].get<double>(),
                     row["campaign_id"] == first ? 1.0 / 3 : 2.0 / 3);
  }
  HttpResult later = Get("/v1/reports/campaigns?by=gender&post=" + paris_ +
                             "&from=" + FormatIsoUtc(clock_.NowMillis() - 60'000),
                         officer_);
  ASSERT_EQ(later.status, 200) << later.body;
  for (const json& row : later.json["rows"]) EXPECT_EQ(row["campaign_id"], second);
  HttpResult csv = Get("/v1/reports/campaigns?format=csv", officer_);
  ASSERT_EQ(csv.status, 200);
  EXPECT_THAT(csv.body, StartsWith("campaign_id,name,launched_at,value,recipients,sent,replied,"
                                   "clicked,responded,response_rate\r\n"));
  EXPECT_THAT(csv.body, HasSubstr(",sms,3,3,2,0,2,0.6667\r\n"));
}

TEST_F(ReportsApiTest, AReportBackGoesToThoseWhoAnsweredOneSegmentAway) {
  const std::string survey = Launch("Survey announcement");
  Writes(ana_, "I answered");
  Clicks("dan@d.example");
  Writes(carl_, "STOP");
  auto count = [&](const std::string& expression, const std::string& token) {
    HttpResult r = Post("/v1/segments/preview?sample=10", {{"expression", expression}}, token);
    EXPECT_EQ(r.status, 200) << expression << ": " << r.body;
    std::set<std::string> ids;
    for (const json& c : r.json["sample"]) ids.insert(c["id"].get<std::string>());
    return ids;
  };
  const std::string answered = "replied(\"" + survey + "\") or clicked(\"" + survey + "\")";
  EXPECT_EQ(count(answered, officer_), (std::set<std::string>{ana_, dan_}));
  EXPECT_EQ(count("opted_out(\"" + survey + "\")", officer_), (std::set<std::string>{carl_}));
  EXPECT_EQ(count("reachable(phone) and not replied(\"" + survey + "\")", officer_),
            (std::set<std::string>{bea_}))
      << "Carl opted out";
  // Another post's officers cannot read who answered it; unknown campaigns are named.
  HttpResult hidden = Post("/v1/segments/preview", {{"expression", answered}}, berlin_officer_);
  ExpectProblem(hidden, 422);
  EXPECT_THAT(hidden.json.value("detail", ""), HasSubstr("no such campaign"));
  ExpectProblem(Post("/v1/segments/preview", {{"expression", "replied(\"cmp_nope\")"}}, officer_),
                422);

  // The report-back: a saved segment, a campaign, launched to exactly those two.
  const std::string segment = CreateSegment(
      {{"name", "Answered"}, {"post_id", paris_}, {"expression", answered}}, officer_);
  HttpResult created = Post("/v1/campaigns",
                            {{"name", "What we did with your answers"},
                             {"post_id", paris_},
                             {"template_id", template_},
                             {"segment_id", segment},
                             {"channel", "preferred"}},
                            officer_);
  ASSERT_EQ(created.status, 201) << created.body;
  HttpResult launched = Post("/v1/campaigns/" + created.json["id"].get<std::string>() + "/launch",
                             json::object(), officer_);
  ASSERT_EQ(launched.status, 202) << launched.body;
  EXPECT_EQ(launched.json["queued"], 2);
  EXPECT_EQ(launched.json["channels"], json({{"email", 1}, {"sms", 1}}));
}

TEST_F(ReportsApiTest, ASurveyCountsWhoCompletedItThroughTheirLinkOrAnOfficer) {
  // The survey link carries the person's completion link for the survey tool to call.
  const std::string survey_template = CreateTemplate(
      {{"name", "Survey with completion"},
       {"post_id", paris_},
       {"default_language", "en"},
       {"variants",
        {{"en",
          {{"subject", "Our survey"},
           {"body",
            "Hello {{contact.name}}, [take the survey](https://survey.example.org/s?"
            "done={{survey.completion_url}})\n\nWe ask to improve consular services; answers "
            "are kept for a year."},
           {"sms", "Hello {{contact.name}}"}}}}}},
      officer_);
  HttpResult created = Post("/v1/campaigns",
                            {{"name", "Survey"},
                             {"post_id", paris_},
                             {"template_id", survey_template},
                             {"segment_id", segment_},
                             {"channel", "preferred"}},
                            officer_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json["id"];
  ExpectProblem(Post("/v1/campaigns/" + id + "/completions", {{"contact_id", ana_}}, officer_),
                409);
  ASSERT_EQ(Post("/v1/campaigns/" + id + "/launch", json::object(), officer_).status, 202);
  auto worker = runtime_->NewWorker();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(worker->RunOnce().ok());

  // Dan follows his survey link: the survey tool gets his completion link.
  std::string location;
  const HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
  for (const json& m : outbox.json["items"]) {
    if (m.value("to", "") != "dan@d.example") continue;
    const std::string text = m.value("text", "");
    const size_t at = text.find("/l/");
    ASSERT_NE(at, std::string::npos) << text;
    HttpResult followed = Get(text.substr(at, 21), "");
    ASSERT_EQ(followed.status, 302);
    location = followed.Header("Location");
  }
  const size_t done = location.find("done=");
  ASSERT_NE(done, std::string::npos) << location;
  const std::string completion_url = location.substr(done + 5);
  const size_t path = completion_url.find("/done/");
  ASSERT_NE(path, std::string::npos) << completion_url;
  // The tool sends him there at the end (a page), or calls it itself (twice: counted once).
  HttpResult page = Get(completion_url.substr(path), "");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.Header("Content-Type"), StartsWith("text/html"));
  EXPECT_THAT(page.body, HasSubstr("Thank you"));
  EXPECT_EQ(page.Header("Referrer-Policy"), "no-referrer");
  EXPECT_THAT(page.Header("Content-Security-Policy"), HasSubstr("default-src 'none'"));
  // In the language of the tool's page when it says (?lang=), else of the browser.
  HttpResult french = Get(completion_url.substr(path) + "?lang=fr", "");
  EXPECT_THAT(french.body, HasSubstr("Vos réponses sont enregistrées."));
  EXPECT_EQ(french.Header("Content-Language"), "fr");
  EXPECT_EQ(Post(completion_url.substr(path), json::object(), "").status, 204);
  EXPECT_EQ(Get("/done/" + std::string(60, 'a'), "").status, 404);
  EXPECT_EQ(Post("/done/forged.token", json::object(), "").status, 404);

  // Ana told an officer on the phone; Eli was never sent the survey.
  HttpResult marked =
      Post("/v1/campaigns/" + id + "/completions", {{"contact_id", ana_}}, officer_);
  ASSERT_EQ(marked.status, 200) << marked.body;
  EXPECT_EQ(marked.json["completed"], true);
  HttpResult again = Post("/v1/campaigns/" + id + "/completions", {{"contact_id", ana_}}, officer_);
  EXPECT_EQ(again.json["completed"], false) << "counted once";
  ExpectProblem(Post("/v1/campaigns/" + id + "/completions", {{"contact_id", "c_nope"}}, officer_),
                422);
  ExpectProblem(Post("/v1/campaigns/" + id + "/completions", json::object(), officer_), 422);
  ExpectProblem(
      Post("/v1/campaigns/" + id + "/completions", {{"contact_id", ana_}}, berlin_officer_), 404);

  HttpResult report = Get("/v1/campaigns/" + id + "/report?by=channel", officer_);
  ASSERT_EQ(report.status, 200);
  EXPECT_EQ(report.json["totals"]["completed"], 2);
  EXPECT_EQ(report.json["totals"]["clicked"], 1);
  EXPECT_EQ(report.json["totals"]["responded"], 2);
  EXPECT_EQ(BreakdownRow(report.json, "channel", "email")["completed"], 1);
  EXPECT_EQ(Get("/v1/campaigns/" + id, officer_).json["stats"]["people_completed"], 2);
  // A reminder to those who have not completed it is one segment away.
  HttpResult rest = Post("/v1/segments/preview?sample=10",
                         {{"expression", "not completed(\"" + id + "\")"}}, officer_);
  ASSERT_EQ(rest.status, 200) << rest.body;
  std::set<std::string> ids;
  for (const json& c : rest.json["sample"]) ids.insert(c["id"].get<std::string>());
  EXPECT_EQ(ids.count(ana_) + ids.count(dan_), 0u);
  EXPECT_EQ(ids.count(bea_) + ids.count(carl_), 2u);
}

TEST_F(ReportsApiTest, ASurveyReminderLaunchesAtItsDateToThoseWhoHaveNotAnsweredByThen) {
  const std::string survey = Launch("Survey announcement");
  const std::string not_done = CreateSegment({{"name", "Not completed"},
                                              {"post_id", paris_},
                                              {"expression", "not completed(\"" + survey + "\")"}},
                                             officer_);
  HttpResult created = Post("/v1/campaigns",
                            {{"name", "Reminder"},
                             {"post_id", paris_},
                             {"template_id", template_},
                             {"segment_id", not_done},
                             {"channel", "preferred"}},
                            officer_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string reminder = created.json["id"];
  const std::string launch = "/v1/campaigns/" + reminder + "/launch";
  const int64_t day = 24 * 3600 * 1000;

  ExpectProblem(Post(launch, {{"at", clock_.NowMillis() - 1}}, officer_), 422);
  ExpectProblem(Post(launch, {{"at", "tomorrow"}}, officer_), 422);
  ExpectProblem(Post(launch, {{"at", clock_.NowMillis() + day}}, berlin_officer_), 404);
  // Planned, then taken back, then planned again for the reminder date.
  HttpResult planned = Post(launch, {{"at", clock_.NowMillis() + day}}, officer_);
  ASSERT_EQ(planned.status, 202) << planned.body;
  EXPECT_EQ(planned.json["state"], "draft");
  EXPECT_EQ(planned.json["launch_at"], clock_.NowMillis() + day);
  HttpResult unplanned = Post("/v1/campaigns/" + reminder + "/cancel", json::object(), officer_);
  ASSERT_EQ(unplanned.status, 200) << unplanned.body;
  EXPECT_EQ(unplanned.json["state"], "draft");
  EXPECT_EQ(unplanned.json["launch_at"], 0);
  ASSERT_EQ(Post(launch, {{"at", clock_.NowMillis() + day}}, officer_).status, 202);
  EventMessages& due = *runtime_->Services().event_messages;
  const std::string org = Get("/v1/me", admin_token_).json.value("org_id", "");
  auto early = due.LaunchDue(org);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(*early, 0u);

  // Meanwhile Ana and Dan complete the survey: the reminder's audience is chosen when it goes.
  ASSERT_EQ(
      Post("/v1/campaigns/" + survey + "/completions", {{"contact_id", ana_}}, officer_).status,
      200);
  ASSERT_EQ(
      Post("/v1/campaigns/" + survey + "/completions", {{"contact_id", dan_}}, officer_).status,
      200);
  clock_.Advance(day);
  auto launched = due.LaunchDue(org);
  ASSERT_TRUE(launched.ok()) << launched.status();
  EXPECT_EQ(*launched, 1u);
  HttpResult sent = Get("/v1/campaigns/" + reminder, officer_);
  EXPECT_NE(sent.json["state"], "draft");
  EXPECT_EQ(sent.json["queued"], 2);  // Bea and Carl.
  EXPECT_EQ(sent.json["segment_expression"], "not completed(\"" + survey + "\")");
  ExpectProblem(Post(launch, {{"at", clock_.NowMillis() + day}}, officer_), 409);

  // A planned launch that finds nobody says why.
  HttpResult nobody = Post(
      "/v1/campaigns",
      {{"name", "Nobody"},
       {"post_id", paris_},
       {"template_id", template_},
       {"segment_id",
        CreateSegment({{"name", "None"}, {"post_id", paris_}, {"expression", "false"}}, officer_)},
       {"channel", "preferred"}},
      officer_);
  const std::string id = nobody.json["id"];
  ASSERT_EQ(
      Post("/v1/campaigns/" + id + "/launch", {{"at", clock_.NowMillis() + 1000}}, officer_).status,
      202);
  clock_.Advance(1000);
  ASSERT_TRUE(due.LaunchDue(org).ok());
  HttpResult failed = Get("/v1/campaigns/" + id, officer_);
  EXPECT_EQ(failed.json["state"], "draft");
  EXPECT_THAT(failed.json.value("launch_error", ""), HasSubstr("nobody"));
}

TEST_F(ReportsApiTest, AnInChannelSurveyAsksItsQuestionsOneAfterAnotherAndKeepsTheAnswers) {
  const json attend = {{"key", "attend"},
                       {"text", {{"en", "Will you come to the counselling days? 1 yes, 2 no"}}},
                       {"choices",
                        {{{"value", "yes"}, {"words", {"oui"}}},
                         {{"value", "no"}, {"words", {"non"}}}}}};
  const json topic = {{"key", "topic"},
                      {"text", {{"en", "What about? 1 passport, 2 pension, 3 other"}}},
                      {"choices",
                       {{{"value", "passport"}, {"words", json::array()}},
                        {{"value", "pension"}, {"words", json::array()}},
                        {{"value", "other"}, {"words", json::array()}}}}};
  HttpResult created = Post("/v1/campaigns",
                            {{"name", "Counselling days"},
                             {"post_id", paris_},
                             {"template_id", template_},
                             {"segment_id", segment_},
                             {"channel", "sms"},
                             {"in_channel_survey",
                              {{"questions", {attend, topic}},
                               {"thanks", {{"en", "Thank you, see you there."}}}}}},
                            officer_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json["id"];
  EXPECT_EQ(created.json["in_channel_survey"]["questions"][1]["key"], "topic");
  ASSERT_EQ(Post("/v1/campaigns/" + id + "/launch", json::object(), officer_).status, 202);
  auto worker = runtime_->NewWorker();
  auto run = [&] {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(worker->RunOnce().ok());
  };
  run();
  // What each number was sent, oldest first.
  auto sent_to = [&](const std::string& number) {
    std::vector<std::string> texts;
    const HttpResult outbox = Get("/v1/sandbox/messages", admin_token_);
    for (const json& m : outbox.json["items"]) {
      if (m.value("to", "") == number) texts.push_back(m.value("text", ""));
    }
    std::reverse(texts.begin(), texts.end());  // Listed newest first.
    return texts;
  };
  std::vector<std::string> to_ana = sent_to("+33611111111");
  ASSERT_EQ(to_ana.size(), 1u);
  EXPECT_THAT(to_ana[0], HasSubstr("Hello Ana"));
  EXPECT_THAT(to_ana[0], HasSubstr("Will you come to the counselling days?"));

  Writes(ana_, "Oui");
  run();
  to_ana = sent_to("+33611111111");
  ASSERT_EQ(to_ana.size(), 2u);
  EXPECT_THAT(to_ana[1], HasSubstr("What about?"));
  Writes(ana_, "not sure, can I call you?");  // Unclear: kept for an officer, asked nothing.
  run();
  EXPECT_EQ(sent_to("+33611111111").size(), 2u);
  Writes(ana_, "2");
  run();
  to_ana = sent_to("+33611111111");
  ASSERT_EQ(to_ana.size(), 3u);
  EXPECT_THAT(to_ana[2], HasSubstr("Thank you, see you there."));
  Writes(bea_, "2");
  run();
  ASSERT_EQ(sent_to("+33622222222").size(), 2u);
  Writes(ana_, "Merci!");  // After the last answer: an ordinary message.

  // The conversation says what each reply was read as.
  std::vector<std::string> readings;
  const HttpResult log = Get("/v1/contacts/" + ana_ + "/conversation", officer_);
  for (const json& e : log.json["entries"]) {
    if (e["kind"] != "in") continue;
    readings.push_back(e.value("question", "-") + "=" + e.value("answer", "-"));
    if (e.contains("survey")) {
      EXPECT_EQ(e["survey"], id);
    }
  }
  std::sort(readings.begin(), readings.end());
  EXPECT_EQ(readings, (std::vector<std::string>{"-=-", "attend=yes", "topic=pension",
                                                "topic=unclear"}));
  const json stats = Get("/v1/campaigns/" + id, officer_).json["stats"];
  EXPECT_EQ(stats["answer:attend:yes"], 1);
  EXPECT_EQ(stats["answer:attend:no"], 1);
  EXPECT_EQ(stats["answer:topic:pension"], 1);
  EXPECT_EQ(stats["answer:topic:unclear"], 1);
  EXPECT_EQ(stats["people_answered"], 2);
  HttpResult report = Get("/v1/campaigns/" + id + "/report", officer_);
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(report.json["totals"]["completed"], 1);  // Ana answered every question.

  // A report-back to those who will come is one segment away.
  auto preview = [&](const std::string& expression) {
    return Post("/v1/segments/preview?sample=10", {{"expression", expression}}, officer_);
  };
  auto ids = [](const HttpResult& r) {
    std::set<std::string> out;
    for (const json& c : r.json["sample"]) out.insert(c["id"].get<std::string>());
    return out;
  };
  EXPECT_EQ(ids(preview("answered(\"" + id + "\", \"attend\", \"yes\")")),
            (std::set<std::string>{ana_}));
  EXPECT_EQ(ids(preview("answered(\"" + id + "\", \"attend\")")),
            (std::set<std::string>{ana_, bea_}));
  EXPECT_EQ(ids(preview("not answered(\"" + id + "\", \"attend\") and has(phone)")),
            (std::set<std::string>{carl_}));
  ExpectProblem(preview("answered(\"" + id + "\", \"attend\", \"perhaps\")"), 422);
  ExpectProblem(preview("answered(\"" + id + "\", \"colour\")"), 422);
  ExpectProblem(preview("answered(\"" + id + "\")"), 422);

  // The replies, for the officers' own analysis: every message that counted, oldest first.
  HttpResult replies = Get("/v1/campaigns/" + id + "/replies?format=json", officer_);
  ASSERT_EQ(replies.status, 200) << replies.body;
  std::vector<std::string> rows;
  for (const json& r : replies.json["replies"]) {
    rows.push_back(r.value("name", "") + ":" + r.value("text", "") + ":" +
                   r.value("answer", ""));
  }
  EXPECT_EQ(rows, (std::vector<std::string>{"Ana:Oui:yes", "Ana:not sure, can I call you?:unclear",
                                            "Ana:2:pension", "Bea:2:no", "Ana:Merci!:"}));
  HttpResult csv = Get("/v1/campaigns/" + id + "/replies?format=csv", officer_);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_THAT(csv.body, StartsWith("at,contact_id,name,channel,address,subject,text,keyword,"
                                   "question,answer,entry_id\r\n"));
  EXPECT_THAT(csv.body, HasSubstr(",Bea,sms,"));
  EXPECT_EQ(Get("/v1/campaigns/" + id + "/replies", berlin_officer_).status, 404);
}

}  // namespace
}  // namespace ogw::testing
