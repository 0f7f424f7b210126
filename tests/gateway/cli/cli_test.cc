// The admin command line, run in-process against the suite's private Redis.

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "gateway/cli/commands.h"
#include "gateway/core/clock.h"
#include "gateway/orgs/org_store.h"
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

  ASSERT_EQ(Run({"segment", "preview", "--org", org, "--expression", "country = \"ET\""}), 0);
  EXPECT_NE(out_.str().find("count: 1"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("አበበ ከበደ"), std::string::npos) << out_.str();

  EXPECT_NE(Run({"segment", "preview", "--org", org, "--expression", "country =="}), 0);
  EXPECT_NE(err_.str().find("at position"), std::string::npos) << err_.str();
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

}  // namespace
}  // namespace ogw::testing
