// The admin command line, run in-process against the suite's private Redis.

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "gateway/campaigns/campaign_store.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/progress.h"
#include "gateway/core/clock.h"
#include "gateway/invitations/event_store.h"
#include "gateway/orgs/org_store.h"
#include "gateway/segments/segment_store.h"
#include "templates/template_store.h"
#include "tests/testutil/org_fixture.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {
namespace {

class CliTest : public RedisTest {
 protected:
  void SetUp() override {
    FlushAll();
    config_ = dir_.path() + "/gateway.json";
    std::ofstream(config_) << R"({"redis": {"url": "unix://)" << endpoint().unix_socket
                           << R"("}, "logging": {"level": "error"}})";
  }

  // Runs `outreach-gateway --config <config> args...`; returns the exit code.
  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"outreach-gateway", "--config", config_});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    out_.str("");
    err_.str("");
    return RunCli(static_cast<int>(argv.size()), argv.data(), out_, err_);
  }

  // Creates an organisation with `org create` and returns its id.
  std::string CreateOrgByCli() {
    EXPECT_EQ(Run({"org", "create", "--name", "Diaspora Directorate"}), 0) << err_.str();
    std::smatch m;
    std::string out = out_.str();
    EXPECT_TRUE(std::regex_search(out, m, std::regex("organisation (org_[a-z0-9]+)"))) << out;
    return m[1].str();
  }

  // An organisation straight in the store, for commands that only need one to exist.
  TestOrg SeedOrg() {
    OrgStore orgs(&pool(), &SystemClock::Instance());
    auto org = CreateTestOrg(orgs);
    EXPECT_TRUE(org.ok()) << org.status();
    return org.ok() ? *std::move(org) : TestOrg{};
  }

  TempDir dir_;
  std::string config_;
  std::ostringstream out_, err_;
};

TEST_F(CliTest, CheckConfigAcceptsGoodAndNamesBadKeys) {
  EXPECT_EQ(Run({"check-config"}), 0);
  EXPECT_NE(out_.str().find(": ok"), std::string::npos);
  std::ofstream(config_) << R"({"api": {"rate_limit": {"per_second": "fast"}}})";
  EXPECT_NE(Run({"check-config"}), 0);
  EXPECT_NE(err_.str().find("api.rate_limit.per_second"), std::string::npos) << err_.str();
}

TEST_F(CliTest, OrgCreatePrintsAnAdminKeyOnceAndOrgListShowsIt) {
  std::string org = CreateOrgByCli();
  EXPECT_NE(out_.str().find("admin API key (shown once): ogw_key_"), std::string::npos);
  ASSERT_EQ(Run({"org", "list"}), 0);
  EXPECT_NE(out_.str().find(org + "\tDiaspora Directorate"), std::string::npos) << out_.str();
}

TEST_F(CliTest, ImportReportsRowsAndExitsNonZeroWhenRowsFail) {
  const std::string org = SeedOrg().id();
  ASSERT_FALSE(org.empty());
  std::string csv = dir_.path() + "/people.csv";
  std::ofstream(csv) << "name,country,phone\nአበበ ከበደ,ET,0911 234567\nBroken,ET,12\n";
  EXPECT_EQ(Run({"contacts", "import", "--org", org, "--file", csv}), 3);
  nlohmann::json report = nlohmann::json::parse(out_.str());
  EXPECT_EQ(report["created"], 1);
  EXPECT_EQ(report["failed"], 1);
  EXPECT_EQ(report["errors"][0]["line"], 3);
  EXPECT_EQ(report["errors"][0]["field"], "phone");
  // Progress on the error stream, as plain lines off a terminal.
  EXPECT_NE(err_.str().find("2/2 rows"), std::string::npos) << err_.str();

  ASSERT_EQ(Run({"segment", "preview", "--org", org, "--expression", "country = \"ET\""}), 0);
  EXPECT_NE(out_.str().find("count: 1"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("አበበ ከበደ"), std::string::npos) << out_.str();

  EXPECT_NE(Run({"segment", "preview", "--org", org, "--expression", "country =="}), 0);
  EXPECT_NE(err_.str().find("at position"), std::string::npos) << err_.str();
}

TEST_F(CliTest, ExportWritesWhatImportReadsWithProgressAndFailsClearly) {
  const std::string org = SeedOrg().id();
  ASSERT_FALSE(org.empty());
  const std::string csv = dir_.path() + "/people.csv";
  std::ofstream(csv) << "name,country,phone,email,consent,attr.gender\n"
                        "አበበ ከበደ,ET,0911 234567,abebe@example.et,granted,male\n"
                        "Nino,GE,599 12 34 56,,withdrawn,female\n";
  ASSERT_EQ(Run({"contacts", "import", "--org", org, "--file", csv}), 0) << err_.str();
  const std::string exported = dir_.path() + "/export.csv";
  ASSERT_EQ(Run({"contacts", "export", "--org", org, "--file", exported}), 0) << err_.str();
  // Not a terminal: plain lines, and the summary.
  EXPECT_NE(err_.str().find("2/2 contacts"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("exported 2 contacts"), std::string::npos) << err_.str();
  EXPECT_EQ(err_.str().find('\r'), std::string::npos) << "no bar redrawn in a log";
  std::ifstream in(exported);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.rfind("id,name,post_id,", 0), 0u) << text;
  EXPECT_NE(text.find("'+251911234567,granted,import:people.csv,"), std::string::npos) << text;
  EXPECT_NE(text.find("'+995599123456,withdrawn,"), std::string::npos) << text;

  // The export imports again: nothing changes.
  ASSERT_EQ(Run({"contacts", "import", "--org", org, "--file", exported}), 0) << err_.str();
  const nlohmann::json report = nlohmann::json::parse(out_.str());
  EXPECT_EQ(report["unchanged"], 2) << out_.str();

  ASSERT_EQ(Run({"contacts", "export", "--org", org, "--file", "-", "--format", "json"}), 0);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["contacts"].size(), 2u);
  EXPECT_NE(Run({"contacts", "export", "--org", org, "--file", "-", "--format", "xml"}), 0);
  EXPECT_NE(Run({"contacts", "export", "--org", org, "--file", "/nonexistent-dir/x.csv"}), 0);
  EXPECT_NE(err_.str().find("cannot write"), std::string::npos) << err_.str();
  EXPECT_NE(Run({"contacts", "export", "--org", "org_nope", "--file", "-"}), 0);
}

TEST_F(CliTest, CampaignsLaunchWithProgressAndReportAsTablesCsvOrJson) {
  const std::string org = SeedOrg().id();
  ASSERT_FALSE(org.empty());
  const std::string csv = dir_.path() + "/people.csv";
  std::ofstream(csv) << "name,country,email,consent,attr.gender\n"
                        "Ana,GE,ana@example.org,granted,female\n"
                        "Bela,GE,bela@example.org,granted,female\n"
                        "Emil,DE,emil@example.org,granted,male\n"
                        "Gia,GE,gia@example.org,withdrawn,male\n";
  ASSERT_EQ(Run({"contacts", "import", "--org", org, "--file", csv}), 0) << err_.str();
  const Clock& clock = SystemClock::Instance();
  TemplateStore templates(&pool(), &clock);
  FieldErrors errors;
  auto t = TemplateFromJson({{"name", "Survey"},
                             {"default_language", "en"},
                             {"variants", {{"en", {{"subject", "Survey"}, {"body", "Hello"}}}}}},
                            &errors);
  ASSERT_TRUE(t.ok()) << t.status();
  t->org_id = org;
  auto tmpl = templates.Create(*t);
  ASSERT_TRUE(tmpl.ok());
  SegmentStore segments(&pool(), &clock);
  Segment everyone;
  everyone.org_id = org;
  everyone.name = "Everyone";
  everyone.expression = "true";
  auto segment = segments.Create(everyone);
  ASSERT_TRUE(segment.ok());
  CampaignStore campaigns(&pool(), &clock);
  Campaign c;
  c.org_id = org;
  c.name = "Survey";
  c.template_id = tmpl->id;
  c.segment_id = segment->id;
  c.channel = "email";
  c.report_attributes = {"gender", "country"};
  auto campaign = campaigns.Create(c);
  ASSERT_TRUE(campaign.ok());

  ASSERT_EQ(Run({"campaigns", "launch", "--org", org, "--campaign", campaign->id}), 0)
      << err_.str();
  EXPECT_NE(out_.str().find("audience: 4\nqueued: 3\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("skipped consent_withdrawn: 1\n"), std::string::npos) << out_.str();
  EXPECT_NE(err_.str().find("4/4 contacts"), std::string::npos) << err_.str();
  EXPECT_NE(Run({"campaigns", "launch", "--org", org, "--campaign", campaign->id}), 0)
      << "launched once";
  EXPECT_NE(err_.str().find("already launched"), std::string::npos) << err_.str();

  ASSERT_EQ(Run({"campaigns", "report", "--org", org, "--campaign", campaign->id, "--format", "csv",
                 "--by", "gender"}),
            0)
      << err_.str();
  EXPECT_NE(out_.str().find("total,,3,0,0,0,0,0,0,0,0,0\r\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("gender,female,2,"), std::string::npos) << out_.str();
  ASSERT_EQ(Run({"campaigns", "report", "--org", org, "--campaign", campaign->id}), 0);
  EXPECT_NE(out_.str().find("(running)"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("country  recipients"), std::string::npos) << out_.str();
  ASSERT_EQ(
      Run({"campaigns", "report", "--org", org, "--campaign", campaign->id, "--format", "json"}),
      0);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["totals"]["recipients"], 3);
  EXPECT_NE(
      Run({"campaigns", "report", "--org", org, "--campaign", campaign->id, "--by", "shoe_size"}),
      0);
  EXPECT_NE(err_.str().find("shoe_size"), std::string::npos) << err_.str();
  EXPECT_NE(Run({"campaigns", "report", "--org", org, "--campaign", "cmp_nope"}), 0);
}

TEST(ProgressLineTest, ABarOnATerminalAndPlainTextElsewhere) {
  const std::string bar = ProgressReporter::Line(true, "contacts", 250'000, 1'000'000, 5.0);
  EXPECT_EQ(bar.rfind("\r[=======", 0), 0u) << bar;
  EXPECT_NE(bar.find(" 25% 250000/1000000 contacts, 50000/s, 5s, 15s left"), std::string::npos)
      << bar;
  const std::string plain = ProgressReporter::Line(false, "contacts", 250'000, 1'000'000, 5.0);
  EXPECT_EQ(plain, "250000/1000000 contacts, 50000/s, 5s, 15s left");
  EXPECT_EQ(ProgressReporter::Line(false, "rows", 10, 0, 75.0), "10 rows, 0/s, 1m15s");
}

TEST_F(CliTest, ImportIntoUnknownOrganisationOrPostFails) {
  std::string csv = dir_.path() + "/people.csv";
  std::ofstream(csv) << "name,email\nA,a@example.org\n";
  EXPECT_NE(Run({"contacts", "import", "--org", "org_nope", "--file", csv}), 0);
  EXPECT_NE(err_.str().find("unknown organisation"), std::string::npos);
  const std::string org = SeedOrg().id();
  ASSERT_FALSE(org.empty());
  EXPECT_NE(Run({"contacts", "import", "--org", org, "--file", csv, "--post", "post_x"}), 0);
  EXPECT_NE(err_.str().find("unknown post"), std::string::npos);
}

TEST_F(CliTest, KeyCreateIssuesAWorkingKeyForAnOfficer) {
  const TestOrg org = SeedOrg();
  ASSERT_EQ(org.members.size(), 1u);
  const Officer& admin = org.members[0].officer;
  ASSERT_EQ(Run({"key", "create", "--org", org.id(), "--officer", admin.id}), 0) << err_.str();
  const std::string out = out_.str();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(\(shown once\): (ogw_key_\S+))"))) << out;
  // Working: the store takes the printed key for that officer.
  OrgStore orgs(&pool(), &SystemClock::Instance());
  auto principal = orgs.Authenticate(m[1].str());
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->officer_id, admin.id);
  EXPECT_NE(Run({"key", "create", "--org", org.id(), "--officer", "off_nope"}), 0);
}

TEST_F(CliTest, PreviewSelectionPrintsTheCompositionAsATable) {
  const std::string org = SeedOrg().id();
  ASSERT_FALSE(org.empty());
  // 4 women and 2 men who may be invited, 1 man who withdrew consent.
  const std::string csv = dir_.path() + "/people.csv";
  std::ofstream(csv) << "name,country,email,consent,attr.gender\n"
                        "Ana,GE,ana@example.org,granted,female\n"
                        "Bela,GE,bela@example.org,granted,female\n"
                        "Cira,DE,cira@example.org,granted,female\n"
                        "Dina,DE,dina@example.org,granted,female\n"
                        "Emil,DE,emil@example.org,granted,male\n"
                        "Faro,GE,faro@example.org,granted,male\n"
                        "Gia,GE,gia@example.org,withdrawn,male\n";
  ASSERT_EQ(Run({"contacts", "import", "--org", org, "--file", csv}), 0)
      << out_.str() << err_.str();
  EventStore events(&pool(), &SystemClock::Instance());
  FieldErrors errors;
  auto event = EventFromJson({{"default_language", "en"},
                              {"texts", {{"en", {{"title", "Roundtable"}}}}},
                              {"time_zone", "Europe/Berlin"},
                              {"starts_at", "2026-06-12T10:00"},
                              {"ends_at", "2026-06-12T12:30"},
                              {"place", "Embassy"},
                              {"capacity", 10}},
                             &errors);
  ASSERT_TRUE(event.ok()) << event.status();
  event->org_id = org;
  auto created = events.Create(*event);
  ASSERT_TRUE(created.ok()) << created.status();

  const std::string request = dir_.path() + "/request.json";
  std::ofstream(request) << R"({"expression": "true", "count": 3, "seed": 42,
                               "quotas": [{"attributes": ["gender"]}]})";
  ASSERT_EQ(Run({"events", "preview-selection", "--org", org, "--event", created->id, "--request",
                 request}),
            0)
      << err_.str();
  const std::string out = out_.str();
  EXPECT_NE(out.find("seed: 42\n"), std::string::npos) << out;
  EXPECT_NE(out.find("eligible: 6\n"), std::string::npos) << out;
  EXPECT_NE(out.find("unreachable: 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("selected: 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("shortfall: 0\n"), std::string::npos) << out;
  // Aligned columns: text to the left, numbers to the right.
  EXPECT_NE(out.find("dimension  group   share %  target  selected  shortfall\n"
                     "gender     female     66.7       2         2          0\n"
                     "gender     male       33.3       1         1          0\n"),
            std::string::npos)
      << out;

  // The same seed draws the same people.
  const std::string first = out;
  ASSERT_EQ(Run({"events", "preview-selection", "--org", org, "--event", created->id, "--request",
                 request}),
            0);
  EXPECT_EQ(out_.str(), first);

  // Errors name what is wrong: the event, the request's field, the file.
  EXPECT_NE(Run({"events", "preview-selection", "--org", org, "--event", "evt_nope", "--request",
                 request}),
            0);
  EXPECT_NE(err_.str().find("unknown event"), std::string::npos) << err_.str();
  std::ofstream(request) << R"({"expression": "true", "count": 3,
                               "quotas": [{"attributes": ["gender"], "targets": {"female": 1}}]})";
  EXPECT_NE(Run({"events", "preview-selection", "--org", org, "--event", created->id, "--request",
                 request}),
            0);
  EXPECT_NE(err_.str().find("quotas[0].targets"), std::string::npos) << err_.str();
  std::ofstream(request) << "{not json";
  EXPECT_NE(Run({"events", "preview-selection", "--org", org, "--event", created->id, "--request",
                 request}),
            0);
  EXPECT_NE(err_.str().find("request.json"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace ogw::testing
