// The admin command line, run in-process against the suite's private Redis.

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "gateway/cli/commands.h"
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

  // Creates an organisation and returns its id.
  std::string CreateOrg() {
    EXPECT_EQ(Run({"org", "create", "--name", "Diaspora Directorate"}), 0) << err_.str();
    std::smatch m;
    std::string out = out_.str();
    EXPECT_TRUE(std::regex_search(out, m, std::regex("organisation (org_[a-z0-9]+)"))) << out;
    return m[1].str();
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
  std::string org = CreateOrg();
  EXPECT_NE(out_.str().find("admin API key (shown once): ogw_key_"), std::string::npos);
  ASSERT_EQ(Run({"org", "list"}), 0);
  EXPECT_NE(out_.str().find(org + "\tDiaspora Directorate"), std::string::npos) << out_.str();
}

TEST_F(CliTest, ImportReportsRowsAndExitsNonZeroWhenRowsFail) {
  std::string org = CreateOrg();
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
  std::string org = CreateOrg();
  EXPECT_NE(Run({"contacts", "import", "--org", org, "--file", csv, "--post", "post_x"}), 0);
  EXPECT_NE(err_.str().find("unknown post"), std::string::npos);
}

TEST_F(CliTest, KeyCreateIssuesAWorkingKeyForAnOfficer) {
  std::string org = CreateOrg();
  std::smatch m;
  std::string out = out_.str();
  ASSERT_TRUE(std::regex_search(out, m, std::regex("admin officer (off_[a-z0-9]+)")));
  ASSERT_EQ(Run({"key", "create", "--org", org, "--officer", m[1].str()}), 0) << err_.str();
  EXPECT_NE(out_.str().find("(shown once): ogw_key_"), std::string::npos);
  EXPECT_NE(Run({"key", "create", "--org", org, "--officer", "off_nope"}), 0);
}

}  // namespace
}  // namespace ogw::testing
