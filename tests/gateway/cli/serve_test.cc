// The real binary, as the quick start runs it: `outreach-gateway serve` with no Redis URL
// starts a private redis-server, prints the address and a first admin key, stops everything on
// SIGTERM and finds its data again on the next start.

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/testutil/gateway_process.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {
namespace {

// `outreach-gateway serve` with `config`.
class ServeProcess : public GatewayProcess {
 public:
  ServeProcess(const std::string& config, const std::string& log)
      : GatewayProcess(OGW_GATEWAY_BINARY, config, log) {}
};

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool RedisAnswers(const std::string& socket) {
  auto conn = RedisConnection::Connect(RedisEndpoint{"", 0, socket, "", 0},
                                       std::chrono::milliseconds(200));
  return conn.ok() && (*conn)->Command({"PING"}).ok();
}

// A config serving on `port` with the private Redis's data under `dir`/data.
std::string WriteConfig(const TempDir& dir, int port) {
  std::string config = dir.path() + "/gateway.json";
  std::ofstream(config) << R"({"server": {"port": )" << port << R"(}, "redis": {"data_dir": ")"
                        << dir.path() << R"(/data"}})";
  return config;
}

TEST(ServeTest, QuickStartRunsPrivateRedisAndKeepsDataAcrossRestarts) {
  TempDir dir;
  int port = FreePort();
  std::string config = WriteConfig(dir, port);
  std::string socket = dir.path() + "/data/redis.sock";

  std::string token;
  {
    ServeProcess serve(config, dir.path() + "/first.log");
    std::string log = serve.WaitFor("first admin API key");
    EXPECT_NE(log.find("listening on http://127.0.0.1:" + std::to_string(port)),
              std::string::npos) << log;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(log, m, std::regex("ogw_key_[a-z0-9]+\\.[a-z2-7]+"))) << log;
    token = m.str();
    httplib::Client client("127.0.0.1", port);
    auto created = client.Post("/v1/posts", {{"Authorization", "Bearer " + token}},
                               R"({"name": "Embassy in Athens", "country": "GR"})",
                               "application/json");
    ASSERT_TRUE(created) << httplib::to_string(created.error()) << "\n" << log;
    EXPECT_EQ(created->status, 201);
    EXPECT_TRUE(RedisAnswers(socket));
    EXPECT_EQ(serve.Terminate(), 0);
    EXPECT_FALSE(RedisAnswers(socket)) << "the private redis-server outlived the gateway";
  }
  {
    ServeProcess serve(config, dir.path() + "/second.log");
    std::string log = serve.WaitFor("listening on");
    EXPECT_EQ(log.find("first admin API key"), std::string::npos) << "bootstrapped twice";
    httplib::Client client("127.0.0.1", port);
    auto posts = client.Get("/v1/posts", {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(posts);
    EXPECT_EQ(posts->status, 200);
    EXPECT_NE(posts->body.find("Embassy in Athens"), std::string::npos) << posts->body;
    EXPECT_EQ(serve.Terminate(), 0);
  }
}

TEST(ServeTest, PrivateRedisDiesWithACrashedGateway) {
  TempDir dir;
  int port = FreePort();
  std::string config = WriteConfig(dir, port);
  {
    ServeProcess serve(config, dir.path() + "/serve.log");
    serve.WaitFor("listening on");
    ASSERT_TRUE(RedisAnswers(dir.path() + "/data/redis.sock"));
  }  // SIGKILL
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = !RedisAnswers(dir.path() + "/data/redis.sock");
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone);
}

TEST(ServeTest, BadConfigFailsStartupNamingTheKey) {
  TempDir dir;
  std::string config = dir.path() + "/gateway.json";
  std::ofstream(config) << R"({"server": {"prot": 1}})";
  ServeProcess serve(config, dir.path() + "/serve.log");
  std::string log = serve.WaitFor("error:");
  EXPECT_NE(log.find("server.prot: unknown key"), std::string::npos) << log;
}

// The shell blocks of README.md's section `heading` (up to the next "## "), in order.
std::string ReadmeShell(const std::string& heading) {
  std::ifstream in(std::string(OGW_SOURCE_DIR) + "/README.md");
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  size_t at = text.find("\n" + heading + "\n");
  EXPECT_NE(at, std::string::npos) << heading;
  const size_t end = text.find("\n## ", at + 1);
  std::string script;
  while ((at = text.find("```sh\n", at)) != std::string::npos && at < end) {
    at += 6;
    const size_t close = text.find("```\n", at);
    script += text.substr(at, close - at);
    at = close;
  }
  return script;
}

TEST(ServeTest, TheReadmeExamplesRunAsWritten) {
  TempDir dir;
  const int port = FreePort();
  // The sample configuration, as the quick start runs it, on a free port.
  std::ifstream sample(std::string(OGW_SOURCE_DIR) + "/config/gateway.example.json");
  nlohmann::json config = nlohmann::json::parse(sample);
  config["server"]["port"] = port;
  config["redis"]["data_dir"] = dir.path() + "/data";
  config["links"]["public_base_url"] = "http://127.0.0.1:" + std::to_string(port);
  std::ofstream(dir.path() + "/gateway.json") << config.dump(2);
  ServeProcess serve(dir.path() + "/gateway.json", dir.path() + "/serve.log");
  const std::string log = serve.WaitFor("first admin API key");
  std::smatch key;
  ASSERT_TRUE(std::regex_search(log, key, std::regex("ogw_key_[a-z0-9]+\\.[a-z2-7]+"))) << log;

  // The README's lines with the key and address filled in, every curl failing on an HTTP
  // error (the README's -s alone would hide one), every command's failure ending the script.
  std::string script = ReadmeShell("## Using it");
  ASSERT_NE(script.find("/launch"), std::string::npos);
  script = std::regex_replace(script, std::regex("(^|\n)KEY=[^\n]*"), "$1KEY=" + key.str());
  script = std::regex_replace(script, std::regex("(^|\n)API=[^\n]*"),
                              "$1API=http://127.0.0.1:" + std::to_string(port));
  std::ofstream(dir.path() + "/readme.sh")
      << "set -euo pipefail\ncd " << dir.path() << "\n"
      << "curl() { command curl --fail-with-body --max-time 20 \"$@\"; }\n"
      << script;
  const std::string out = dir.path() + "/readme.out";
  const int status = std::system(("bash " + dir.path() + "/readme.sh >" + out + " 2>&1").c_str());
  std::ifstream printed(out);
  std::stringstream output;
  output << printed.rdbuf();
  EXPECT_EQ(status, 0) << output.str() << "\n" << serve.Log();
  // What the commands did is really there: the launched campaign and the simulated reply.
  EXPECT_NE(output.str().find("\"created\":1,\"errors\":[]"), std::string::npos)
      << "the CSV row is imported: " << output.str();
  EXPECT_NE(output.str().find("\"launched_at\""), std::string::npos) << output.str();
  EXPECT_NE(output.str().find("Merci, je viendrai"), std::string::npos) << output.str();
  EXPECT_NE(output.str().find("\"state\":\"waiting\""), std::string::npos) << output.str();
  // The campaign's report, its totals through jq.
  EXPECT_NE(output.str().find("\"recipients\": "), std::string::npos) << output.str();
  EXPECT_NE(output.str().find("\"units\": {"), std::string::npos) << output.str();
  EXPECT_NE(output.str().find("id,name,post_id,languages,"), std::string::npos) << output.str();
  EXPECT_NE(output.str().find("\"kannel-berlin\""), std::string::npos) << output.str();
  // The event: two drawn by country, Nino's "კი" read as her yes.
  EXPECT_NE(output.str().find("\"invited\":2"), std::string::npos) << output.str();
  EXPECT_NE(output.str().find("\"state\":\"yes\""), std::string::npos) << output.str();
  EXPECT_NE(output.str().find(",ნინო ბერიძე,yes,"), std::string::npos) << output.str();
  // The bulletin, read without a key: the French page and the English feed.
  EXPECT_NE(output.str().find(">Journée de conseil le 12 juin</a></h2>"), std::string::npos)
      << output.str();
  EXPECT_NE(output.str().find("<title type=\"text\">Counselling day on 12 June</title>"),
            std::string::npos)
      << output.str();
  // A reader's answer through the notice's form, in the post's inbox.
  EXPECT_NE(output.str().find("{\"text\":\"Do I need an appointment?\",\"bulletin_entry\":\"bul_"),
            std::string::npos)
      << output.str();
  EXPECT_EQ(serve.Terminate(), 0);
}

}  // namespace
}  // namespace ogw::testing
