// Bulletins through the API and their public pages: entries written by officers in several
// languages and read in the reader's one, right to left in Arabic; feeds; conditional
// requests answered 304 until the bulletin changes; planned, expired and withdrawn entries;
// who may write where, and validation naming every field; the Atom feed read by a real feed
// reader (feedparser) and the pages parsed as strict HTML (html5lib); a bulletin campaign.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "gateway/bulletins/bulletin_pages.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr int64_t kHour = 3'600'000;

class BulletinsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    paris_ = CreatePost("Paris");
    berlin_ = CreatePost("Berlin");
    paris_officer_ = CreateOfficerToken("officer", {paris_});
    berlin_officer_ = CreateOfficerToken("officer", {berlin_});
    viewer_ = CreateOfficerToken("viewer", {paris_});
  }

  static json CounsellingDays() {
    return {{"en",
             {{"title", "Consular days in Lyon"},
              {"body", "We hold **consular days** in Lyon on 12 June."}}},
            {"fr",
             {{"title", "Journées consulaires à Lyon"},
              {"body", "Nous tenons des **journées consulaires** à Lyon le 12 juin."}}},
            {"ar",
             {{"title", "أيام قنصلية في ليون"},
              {"body", "نعقد **أيامًا قنصلية** في ليون يوم 12 يونيو."}}}};
  }

  // Creates an entry as `token`; its JSON.
  json Publish(json body, const std::string& token) {
    HttpResult r = Post("/v1/bulletins/entries", body, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json;
  }

  std::string Base(const std::string& post) { return "/b/" + org_ + "/" + post; }

  // A public page with the reader's headers.
  HttpResult Read(const std::string& path, const httplib::Headers& headers = {}) {
    auto res = client_->Get(path, headers);
    HttpResult r;
    if (!res) {
      ADD_FAILURE() << "no answer for " << path;
      return r;
    }
    r.status = res->status;
    r.body = res->body;
    r.headers = res->headers;
    return r;
  }

  std::string org_, paris_, berlin_, paris_officer_, berlin_officer_, viewer_;
};

TEST_F(BulletinsApiTest, AnEntryInThreeLanguagesIsReadInTheReadersLanguage) {
  const json entry = Publish({{"post_id", paris_}, {"texts", CounsellingDays()}}, paris_officer_);
  const std::string id = entry.value("id", "");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(entry["version"], 1);
  EXPECT_THAT(entry["texts"]["fr"]["html"].get<std::string>(),
              HasSubstr("<strong>journées consulaires</strong>"));

  // A French reader's browser gets French, with the other languages linked.
  HttpResult fr = Read(Base(paris_) + "/", {{"Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5"}});
  ASSERT_EQ(fr.status, 200) << fr.body;
  EXPECT_EQ(fr.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(fr.Header("Content-Language"), "fr");
  EXPECT_THAT(fr.body, HasSubstr("<html lang=\"fr\" dir=\"ltr\">"));
  EXPECT_THAT(fr.body, HasSubstr("Journées consulaires à Lyon"));
  EXPECT_THAT(fr.body, HasSubstr("Avis — <bdi>Paris</bdi>"));
  EXPECT_THAT(fr.body, HasSubstr(">العربية</a>"));
  EXPECT_THAT(fr.Header("Content-Security-Policy"), HasSubstr("default-src 'none'"));

  // Arabic, chosen on the page: right to left.
  HttpResult ar = Get(Base(paris_) + "/?lang=ar", "");
  ASSERT_EQ(ar.status, 200);
  EXPECT_THAT(ar.body, HasSubstr("<html lang=\"ar\" dir=\"rtl\">"));
  EXPECT_THAT(ar.body, HasSubstr("أيام قنصلية في ليون"));

  // The entry's own page, and the same without the trailing slash for the index.
  HttpResult page = Get(Base(paris_) + "/" + id + "?lang=en", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("<h2>Consular days in Lyon</h2>"));
  HttpResult bare = Get(Base(paris_) + "?lang=ar", "");
  EXPECT_EQ(bare.status, 301);
  EXPECT_EQ(bare.Header("Location"), Base(paris_) + "/?lang=ar");

  // Feeds, discoverable from the pages.
  HttpResult atom = Get(Base(paris_) + "/feed.atom?lang=fr", "");
  ASSERT_EQ(atom.status, 200);
  EXPECT_EQ(atom.Header("Content-Type"), "application/atom+xml; charset=utf-8");
  EXPECT_THAT(atom.body, HasSubstr("<title type=\"text\">Journées consulaires à Lyon</title>"));
  HttpResult feed = Get(Base(paris_) + "/feed.json?lang=en", "");
  ASSERT_EQ(feed.status, 200);
  const json parsed = json::parse(feed.body);
  ASSERT_EQ(parsed["items"].size(), 1u);
  EXPECT_EQ(parsed["items"][0]["title"], "Consular days in Lyon");

  // Berlin's bulletin has nothing.
  HttpResult berlin = Get(Base(berlin_) + "/", "");
  ASSERT_EQ(berlin.status, 200);
  EXPECT_THAT(berlin.body, HasSubstr("There are no notices at the moment."));
}

TEST_F(BulletinsApiTest, ReadersWhoTakeGzipGetThePageCompressedOnceWithItsOwnTag) {
  Publish({{"post_id", paris_}, {"texts", CounsellingDays()}}, paris_officer_);
  const std::string index = Base(paris_) + "/?lang=en";
  // What a browser receives on the wire, before it inflates.
  httplib::Client wire("127.0.0.1", server_->port());
  wire.set_decompress(false);
  auto zipped = wire.Get(index, {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_TRUE(zipped);
  ASSERT_EQ(zipped->status, 200);
  EXPECT_EQ(zipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(zipped->get_header_value("Vary"), "Accept-Language, Accept-Encoding");
  ASSERT_GE(zipped->body.size(), 2u);
  EXPECT_EQ(zipped->body.substr(0, 2), "\x1f\x8b");
  auto plain = wire.Get(index, {{"Accept-Encoding", "identity"}});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->get_header_value("Content-Encoding"), "");
  EXPECT_THAT(plain->body, HasSubstr("Consular days in Lyon"));
  EXPECT_LT(zipped->body.size() * 2, plain->body.size());
  // Two representations, two tags: a cache never answers one with the other.
  const std::string zipped_tag = zipped->get_header_value("ETag");
  const std::string plain_tag = plain->get_header_value("ETag");
  EXPECT_EQ(zipped_tag, plain_tag.substr(0, plain_tag.size() - 1) + "-gzip\"");
  auto again = wire.Get(index, {{"Accept-Encoding", "gzip"}, {"If-None-Match", zipped_tag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_EQ(again->get_header_value("ETag"), zipped_tag);
  auto other = wire.Get(index, {{"Accept-Encoding", "gzip"}, {"If-None-Match", plain_tag}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  // The harness's own client inflates it to the same page.
  EXPECT_EQ(Read(index, {{"Accept-Encoding", "gzip"}}).body, plain->body);
}

TEST_F(BulletinsApiTest, ConditionalRequestsGet304UntilTheBulletinChanges) {
  const json entry = Publish({{"post_id", paris_}, {"texts", CounsellingDays()}}, paris_officer_);
  const std::string index = Base(paris_) + "/?lang=en";
  HttpResult first = Read(index);
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.Header("ETag");
  const std::string modified = first.Header("Last-Modified");
  ASSERT_FALSE(etag.empty());
  ASSERT_NE(ParseHttpDate(modified), -1) << modified;
  EXPECT_EQ(Read(index).Header("ETag"), etag);  // Served again, the same bytes.

  HttpResult by_tag = Read(index, {{"If-None-Match", etag}});
  EXPECT_EQ(by_tag.status, 304);
  EXPECT_TRUE(by_tag.body.empty());
  EXPECT_EQ(Read(index, {{"If-Modified-Since", modified}}).status, 304);
  // A date the server never gave (in the future) is no date.
  EXPECT_EQ(Read(index, {{"If-Modified-Since", HttpDate(clock_.NowMillis() + 86'400'000)}}).status,
            200);
  // If-None-Match decides when both are sent.
  EXPECT_EQ(Read(index, {{"If-None-Match", "\"other\""}, {"If-Modified-Since", modified}}).status,
            200);

  // The officer corrects the text an hour later: readers see it, marked updated.
  clock_.Advance(kHour);
  json texts = CounsellingDays();
  texts["en"]["body"] = "We hold consular days in Lyon on **13 June**.";
  HttpResult patched = Patch("/v1/bulletins/entries/" + entry["id"].get<std::string>(),
                             {{"texts", texts}, {"version", 1}}, paris_officer_);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json["version"], 2);
  EXPECT_GT(patched.json["updated_at"].get<int64_t>(), 0);
  HttpResult after = Read(index, {{"If-None-Match", etag}});
  ASSERT_EQ(after.status, 200);
  EXPECT_NE(after.Header("ETag"), etag);
  EXPECT_THAT(after.body, HasSubstr("<strong>13 June</strong>"));
  EXPECT_THAT(after.body, HasSubstr("Updated"));
  EXPECT_GT(ParseHttpDate(after.Header("Last-Modified")), ParseHttpDate(modified));

  // Two officers from one version: the second is told.
  HttpResult stale = Patch("/v1/bulletins/entries/" + entry["id"].get<std::string>(),
                           {{"pinned", true}, {"version", 1}}, paris_officer_);
  ExpectProblem(stale, 409);
  EXPECT_THAT(stale.body, HasSubstr("version 2"));
}

TEST_F(BulletinsApiTest, PlannedEntriesWaitExpiredAndWithdrawnOnesAreGone) {
  const int64_t now = clock_.NowMillis();
  const json planned = Publish({{"post_id", paris_},
                                {"texts", {{"en", {{"title", "Survey opens"}, {"body", "Soon."}}}}},
                                {"published_at", now + kHour}},
                               paris_officer_);
  const json brief =
      Publish({{"post_id", paris_},
               {"texts", {{"en", {{"title", "Office closed today"}, {"body", "Closed."}}}}},
               {"expires_at", now + 2 * kHour}},
              paris_officer_);
  const json lasting =
      Publish({{"post_id", paris_},
               {"texts", {{"en", {{"title", "Opening hours"}, {"body", "9 to 5."}}}}},
               {"pinned", true}},
              paris_officer_);
  const std::string index = Base(paris_) + "/?lang=en";
  const std::string planned_url = Base(paris_) + "/" + planned["id"].get<std::string>();
  const std::string brief_url = Base(paris_) + "/" + brief["id"].get<std::string>();

  HttpResult now_page = Read(index);
  EXPECT_THAT(now_page.body, Not(HasSubstr("Survey opens")));
  EXPECT_LT(now_page.body.find("Opening hours"), now_page.body.find("Office closed today"))
      << "pinned first";
  EXPECT_EQ(Read(planned_url).status, 404);

  clock_.Advance(kHour);  // No write: the time alone changes the page.
  EXPECT_THAT(Read(index).body, HasSubstr("Survey opens"));
  EXPECT_EQ(Read(planned_url).status, 200);

  clock_.Advance(kHour);
  HttpResult later = Read(index);
  EXPECT_THAT(later.body, Not(HasSubstr("Office closed today")));
  EXPECT_EQ(Read(brief_url).status, 410);

  HttpResult withdrawn =
      Delete("/v1/bulletins/entries/" + planned["id"].get<std::string>(), paris_officer_);
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_GT(withdrawn.json["withdrawn_at"].get<int64_t>(), 0);
  EXPECT_EQ(
      Delete("/v1/bulletins/entries/" + planned["id"].get<std::string>(), paris_officer_).status,
      200);  // Withdrawing twice changes nothing.
  EXPECT_EQ(Get(planned_url, "").status, 410);
  EXPECT_THAT(Read(index).body, Not(HasSubstr("Survey opens")));
  EXPECT_THAT(Read(Base(paris_) + "/feed.atom").body, Not(HasSubstr("Survey opens")));
  ExpectProblem(Patch("/v1/bulletins/entries/" + planned["id"].get<std::string>(),
                      {{"pinned", true}}, paris_officer_),
                410);
  // The officers' list keeps what is not withdrawn.
  HttpResult list = Get("/v1/bulletins/entries?post=" + paris_, paris_officer_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json["items"].size(), 2u);
  EXPECT_EQ(Get("/v1/bulletins/entries/" + lasting["id"].get<std::string>(), viewer_).status, 200);
}

TEST_F(BulletinsApiTest, OfficersWriteOnlyWhereTheyMayAndEveryBadFieldIsNamed) {
  const json body = {{"post_id", paris_}, {"texts", CounsellingDays()}};
  ExpectProblem(Post("/v1/bulletins/entries", body, berlin_officer_), 422);
  ExpectProblem(Post("/v1/bulletins/entries", body, viewer_), 403);
  HttpResult no_post =
      Post("/v1/bulletins/entries", {{"texts", CounsellingDays()}}, paris_officer_);
  ExpectProblem(no_post, 422);
  EXPECT_THAT(ErrorFields(no_post), ::testing::ElementsAre("post_id"));

  HttpResult bad = Post("/v1/bulletins/entries",
                        {{"post_id", paris_},
                         {"texts", {{"en", {{"title", ""}, {"body", "x"}}}, {"x!", "y"}}},
                         {"expires_at", -5}},
                        paris_officer_);
  ExpectProblem(bad, 422);
  EXPECT_THAT(ErrorFields(bad),
              ::testing::UnorderedElementsAre("texts.en.title", "texts.x!", "expires_at"));
  ExpectProblem(Post("/v1/bulletins/entries",
                     {{"post_id", paris_}, {"texts", CounsellingDays()}, {"event_id", "evt_nope"}},
                     paris_officer_),
                422);

  // Another post's officer neither sees nor changes the entry.
  const json entry = Publish(body, paris_officer_);
  const std::string url = "/v1/bulletins/entries/" + entry["id"].get<std::string>();
  ExpectProblem(Get(url, berlin_officer_), 404);
  ExpectProblem(Patch(url, {{"pinned", true}}, berlin_officer_), 404);
  ExpectProblem(Delete(url, berlin_officer_), 404);
  // Nor moves it into their own bulletin; the officer of Paris cannot move it to Berlin.
  ExpectProblem(Patch(url, {{"post_id", berlin_}}, paris_officer_), 422);

  // The organisation's own bulletin is the admins'.
  const json national = Publish(
      {{"texts", {{"en", {{"title", "New ministry portal"}, {"body", "Live."}}}}}}, admin_token_);
  EXPECT_EQ(national["post_id"], "");
  HttpResult org_page = Get("/b/" + org_ + "/-/", "");
  ASSERT_EQ(org_page.status, 200);
  EXPECT_THAT(org_page.body, HasSubstr("New ministry portal"));
  EXPECT_THAT(Get(Base(paris_) + "/", "").body, Not(HasSubstr("New ministry portal")));

  // Unknown organisations, posts and entries: 404 pages, never a hint of another tenant.
  EXPECT_EQ(Read("/b/org_0000000000000000000000/-/").status, 404);
  EXPECT_EQ(Read("/b/" + org_ + "/post_0000000000000000000000/").status, 404);
  EXPECT_EQ(Read("/b/" + org_ + "/nonsense/").status, 404);
  EXPECT_EQ(Read(Base(paris_) + "/bul_0000000000000000000000").status, 404);
  EXPECT_EQ(Read(Base(berlin_) + "/" + entry["id"].get<std::string>()).status, 404);
  EXPECT_EQ(Read(Base(paris_) + "/whatever.php").status, 404);
  // The address without the slash: only well-formed ids and a known language are sent back.
  EXPECT_EQ(Read("/b/" + org_ + "/nonsense").status, 404);
  HttpResult redirect = Read(Base(paris_) + "?lang=fr&x=%0d%0aSet-Cookie:a");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.Header("Location"), Base(paris_) + "/?lang=fr");
  EXPECT_EQ(Read(Base(paris_) + "?lang=%0d%0a").Header("Location"), Base(paris_) + "/");
}

TEST_F(BulletinsApiTest, ACampaignOnTheBulletinChannelPublishesOneEntryInEveryLanguage) {
  const std::string tmpl = CreateTemplate(
      {{"name", "Consular days"},
       {"post_id", paris_},
       {"default_language", "fr"},
       {"collects_data", true},
       {"variants",
        {{"fr",
          {{"subject", "Journées consulaires à {{city}}"},
           {"body", "Nous serons à **{{city}}** le 12 juin. Bonjour {{contact.name}}."},
           {"data_use", "Vos réponses restent au consulat de {{city}}."}}},
         {"en",
          {{"body", "We will be in **{{city}}** on 12 June."},
           {"data_use", "Your answers stay with the consulate in {{city}}."}}}}}},
      paris_officer_);
  // No segment: a bulletin is published, not sent.
  HttpResult created = Post("/v1/campaigns",
                            {{"name", "Consular days in Lyon"},
                             {"template_id", tmpl},
                             {"channel", "bulletin"},
                             {"post_id", paris_},
                             {"variables", {{"city", "Lyon"}}}},
                            paris_officer_);
  ASSERT_EQ(created.status, 201) << created.body;
  HttpResult without_segment =
      Post("/v1/campaigns",
           {{"name", "SMS"}, {"template_id", tmpl}, {"channel", "sms"}, {"post_id", paris_}},
           paris_officer_);
  ExpectProblem(without_segment, 422);
  EXPECT_THAT(ErrorFields(without_segment), ::testing::ElementsAre("segment_id"));

  const std::string id = created.json["id"];
  HttpResult launched = Post("/v1/campaigns/" + id + "/launch", json::object(), paris_officer_);
  ASSERT_EQ(launched.status, 202) << launched.body;
  EXPECT_EQ(launched.json["state"], "finished");
  const std::string entry_id = launched.json.value("bulletin_entry_id", "");
  ASSERT_FALSE(entry_id.empty()) << launched.body;
  ExpectProblem(Post("/v1/campaigns/" + id + "/launch", json::object(), paris_officer_), 409);

  HttpResult entry = Get("/v1/bulletins/entries/" + entry_id, paris_officer_);
  ASSERT_EQ(entry.status, 200);
  EXPECT_EQ(entry.json["campaign_id"], id);
  EXPECT_EQ(entry.json["texts"]["fr"]["title"], "Journées consulaires à Lyon");
  EXPECT_EQ(entry.json["texts"]["en"]["title"], "Consular days in Lyon");  // No subject: the name.
  EXPECT_THAT(entry.json["texts"]["fr"]["html"].get<std::string>(),
              HasSubstr("Nous serons à <strong>Lyon</strong> le 12 juin. Bonjour ."));
  // The purpose and data-use statement, its variables filled in as the body's.
  EXPECT_THAT(entry.json["texts"]["en"]["html"].get<std::string>(),
              HasSubstr("Your answers stay with the consulate in Lyon."));

  HttpResult fr = Read(Base(paris_) + "/", {{"Accept-Language", "fr"}});
  EXPECT_THAT(fr.body, HasSubstr("Journées consulaires à Lyon"));
  HttpResult en = Read(Base(paris_) + "/" + entry_id + "?lang=en");
  EXPECT_THAT(en.body, HasSubstr("We will be in <strong>Lyon</strong> on 12 June."));
}

TEST_F(BulletinsApiTest, AnEntryOfAnEventShowsWhenAndWhereAndItsCalendarFile) {
  HttpResult event =
      Post("/v1/events",
           {{"post_id", paris_},
            {"default_language", "fr"},
            {"texts",
             {{"fr", {{"title", "Journée de conseil"}}}, {"ar", {{"title", "يوم الاستشارات"}}}}},
            {"time_zone", "Europe/Paris"},
            {"starts_at", "2030-06-12T10:00"},
            {"ends_at", "2030-06-12T16:00"},
            {"place", "Consulat, 12 rue de Lyon"},
            {"capacity", 40}},
           paris_officer_);
  ASSERT_EQ(event.status, 201) << event.body;
  const std::string event_id = event.json.value("id", "");
  const json entry = Publish(
      {{"post_id", paris_}, {"texts", CounsellingDays()}, {"event_id", event_id}}, paris_officer_);
  const std::string id = entry.value("id", "");

  HttpResult page = Get(Base(paris_) + "/" + id + "?lang=fr", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("<dt>Quand</dt>"));
  EXPECT_THAT(page.body, HasSubstr("<time datetime=\"2030-06-12T08:00:00Z\">"));
  EXPECT_THAT(page.body, HasSubstr("Consulat, 12 rue de Lyon"));
  EXPECT_THAT(page.body, HasSubstr(id + "/event.ics?lang=fr\">Ajouter à mon agenda</a>"));

  HttpResult ics = Get(Base(paris_) + "/" + id + "/event.ics?lang=ar", "");
  ASSERT_EQ(ics.status, 200) << ics.body;
  EXPECT_EQ(ics.Header("Content-Type"), "text/calendar; charset=utf-8");
  EXPECT_THAT(ics.body, HasSubstr("BEGIN:VEVENT"));
  EXPECT_THAT(ics.body, HasSubstr("SUMMARY;LANGUAGE=ar:يوم الاستشارات"));
  EXPECT_THAT(ics.body, HasSubstr("DTSTART;TZID=Europe/Paris:20300612T100000"));
  EXPECT_THAT(ics.body, Not(HasSubstr("ATTENDEE")));

  // An entry without an event has no calendar; a withdrawn one neither.
  const json plain = Publish({{"post_id", paris_}, {"texts", CounsellingDays()}}, paris_officer_);
  EXPECT_EQ(Get(Base(paris_) + "/" + plain.value("id", "") + "/event.ics", "").status, 404);
  ASSERT_EQ(Delete("/v1/bulletins/entries/" + id, paris_officer_).status, 200);
  EXPECT_EQ(Get(Base(paris_) + "/" + id + "/event.ics", "").status, 404);
}

TEST_F(BulletinsApiTest, AFeedReaderReadsTheFeedAndPagesParseAsStrictHtml) {
  const json first = Publish(
      {{"post_id", paris_},
       {"texts",
        {{"fr",
          {{"title", "Passeports & visas : <nouveaux> horaires"},
           {"body",
            "Du **lundi** au jeudi.\n\n- 9 h à 12 h\n- "
            "[Rendez-vous](https://rdv.example.org/?a=1&b=2)"}}},
         {"ar", {{"title", "جوازات السفر والتأشيرات"}, {"body", "من **الاثنين** إلى الخميس."}}}}}},
      paris_officer_);
  clock_.Advance(kHour);
  const json second = Publish({{"post_id", paris_}, {"texts", CounsellingDays()}}, paris_officer_);
  TempDir dir;
  auto save = [&](const std::string& path, const std::string& name) {
    HttpResult r = Read(path);
    EXPECT_EQ(r.status, name == "missing.html" ? 404 : 200) << path;
    std::ofstream(dir.path() + "/" + name) << r.body;
    return dir.path() + "/" + name;
  };
  const std::string atom = save(Base(paris_) + "/feed.atom?lang=fr", "feed.atom");
  std::string pages;
  for (const auto& [path, name] : std::vector<std::pair<std::string, std::string>>{
           {Base(paris_) + "/?lang=fr", "index-fr.html"},
           {Base(paris_) + "/?lang=ar", "index-ar.html"},
           {Base(paris_) + "/" + first["id"].get<std::string>() + "?lang=ar", "entry-ar.html"},
           {Base(paris_) + "/" + second["id"].get<std::string>(), "entry.html"},
           {Base(paris_) + "/bul_0000000000000000000000", "missing.html"}}) {
    pages += " " + save(path, name);
  }
  const std::string command = "/usr/bin/python3 " OGW_SOURCE_DIR "/tests/tools/read_bulletin.py " +
                              atom + pages + " > " + dir.path() + "/read.json 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0)
      << "python3-feedparser and python3-html5lib installed? (scripts/install-deps)";
  std::ifstream in(dir.path() + "/read.json");
  std::stringstream text;
  text << in.rdbuf();
  const json read = json::parse(text.str(), nullptr, false);
  ASSERT_TRUE(read.is_object()) << text.str();

  const json& feed = read["feed"];
  EXPECT_FALSE(feed["bozo"].get<bool>()) << feed["problem"];
  EXPECT_EQ(feed["version"], "atom10");
  EXPECT_EQ(feed["language"], "fr");
  ASSERT_EQ(feed["entries"].size(), 2u);
  // Newest first; titles as written, markup-looking text kept as text.
  EXPECT_EQ(feed["entries"][0]["title"], "Journées consulaires à Lyon");
  EXPECT_EQ(feed["entries"][1]["title"], "Passeports & visas : <nouveaux> horaires");
  EXPECT_EQ(feed["entries"][1]["id"], config_.links.public_base_url + Base(paris_) + "/" +
                                          first["id"].get<std::string>() + "?lang=fr");
  EXPECT_THAT(feed["entries"][1]["content"].get<std::string>(),
              HasSubstr("<a href=\"https://rdv.example.org/?a=1&amp;b=2\">Rendez-vous</a>"));
  EXPECT_FALSE(feed["entries"][0]["updated"].get<std::string>().empty());
  for (const auto& [page, problem] : read["html"].items()) {
    EXPECT_EQ(problem, "") << page;
  }
}

}  // namespace
}  // namespace ogw::testing
