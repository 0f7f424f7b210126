#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/api/api_server.h"
#include "gateway/app/runtime.h"
#include "gateway/core/clock.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  nlohmann::json json;  // Parsed body, or null when not JSON.
  httplib::Headers headers;
  std::string Header(const std::string& name) const;
};

// Expects an application/problem+json response with `status`, a title and a matching body.
void ExpectProblem(const HttpResult& r, int status);
// The `field` of every entry of a problem's `errors` list, in order.
std::vector<std::string> ErrorFields(const HttpResult& r);

// An in-process gateway (Runtime + ApiServer on a free loopback port) over the suite's
// private Redis, flushed before every test, with an injected clock and a bootstrapped admin.
class ApiTest : public RedisTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Called before the runtime opens, to adjust settings.
  virtual void Configure(GatewayConfig& /*config*/) {}
  // Opens the runtime and the server again over the same Redis with `config_` as it is now
  // (a test changed it), as a restart of the gateway would.
  void RestartGateway();
  // Sets the configuration file's provider accounts, each read as the gateway reads that file
  // (`${ENV}` expanded), and restarts the gateway with them; fails the test on a bad account.
  void ConfigureProviders(const std::vector<nlohmann::json>& accounts);
  // Registers at their providers the accounts that wait for it (as the gateway's watcher also
  // does every second) until none does; false after 10 s.
  bool RegisterProviders();

  HttpResult Get(const std::string& path, const std::string& token);
  HttpResult Post(const std::string& path, const nlohmann::json& body, const std::string& token,
                  const httplib::Headers& headers = {});
  HttpResult PostRaw(const std::string& path, const std::string& body,
                     const std::string& content_type, const std::string& token,
                     const httplib::Headers& headers = {});
  HttpResult Patch(const std::string& path, const nlohmann::json& body, const std::string& token);
  HttpResult Put(const std::string& path, const nlohmann::json& body, const std::string& token);
  HttpResult Delete(const std::string& path, const std::string& token);

  // Creates another organisation (a second tenant) with an admin officer and returns that
  // admin's API key token.
  std::string CreateOrganisation(const std::string& name, std::string* org_id = nullptr);
  // Creates a post as the admin and returns its id.
  std::string CreatePost(const std::string& name);
  // Creates an officer with `role` and `posts` and returns a fresh API key token for them.
  std::string CreateOfficerToken(const std::string& role, const std::vector<std::string>& posts,
                                 std::string* officer_id = nullptr);
  // Creates a contact (as `token`) and returns its id; fails the test on error.
  std::string CreateContact(const nlohmann::json& body, const std::string& token);
  // Creates a template (POST /v1/templates as `token`) and returns its id; fails the test on
  // error.
  std::string CreateTemplate(const nlohmann::json& body, const std::string& token);
  // Creates a saved segment (POST /v1/segments as `token`) and returns its id; fails the test
  // on error.
  std::string CreateSegment(const nlohmann::json& body, const std::string& token);

  FakeClock clock_;
  GatewayConfig config_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string admin_token_;
};

}  // namespace ogw::testing
