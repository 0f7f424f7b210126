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

}  // namespace
}  // namespace ogw::testing
