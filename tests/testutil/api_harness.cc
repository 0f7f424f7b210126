#include "tests/testutil/api_harness.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gateway/core/json_reader.h"
#include "tests/testutil/org_fixture.h"

namespace ogw::testing {
namespace {

// What the test sent.
struct SentRequest {
  std::string_view method;
  std::string_view path;
  std::string_view content_type;
  std::string_view body;
};

// The body as the traffic file keeps it: parsed when it is JSON, else the text.
nlohmann::json BodyForTraffic(std::string_view content_type, std::string_view body) {
  // Bodies nested past what the API takes stay text (the tests send such bodies on purpose).
  if (content_type.find("json") != std::string_view::npos &&
      JsonNestingDepth(body) <= kMaxInputJsonDepth) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) return j;
  }
  return body.empty() ? nlohmann::json() : nlohmann::json(std::string(body));
}

// With OGW_API_TRAFFIC_DIR set, every exchange is appended to <dir>/<pid>.jsonl, which
// tests/openapi/check_traffic.py then checks against the OpenAPI document.
void RecordTraffic(const SentRequest& sent, const HttpResult& answer) {
  static const char* dir = std::getenv("OGW_API_TRAFFIC_DIR");
  if (dir == nullptr || *dir == '\0' || answer.status == 0) return;
  std::filesystem::create_directories(dir);
  std::ofstream out(std::string(dir) + "/" + std::to_string(getpid()) + ".jsonl", std::ios::app);
  const std::string response_type = answer.Header("Content-Type");
  const nlohmann::json line = {{"method", sent.method},
                               {"path", sent.path},
                               {"request_content_type", sent.content_type},
                               {"request_body", BodyForTraffic(sent.content_type, sent.body)},
                               {"status", answer.status},
                               {"response_content_type", response_type},
                               {"response_body", BodyForTraffic(response_type, answer.body)}};
  out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

HttpResult Convert(const httplib::Result& r, const SentRequest& sent) {
  HttpResult out;
  if (!r) {
    ADD_FAILURE() << "HTTP request failed: " << httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  out.headers = r->headers;
  out.json = nlohmann::json::parse(r->body, nullptr, false);
  if (out.json.is_discarded()) out.json = nullptr;
  RecordTraffic(sent, out);
  return out;
}

httplib::Headers WithAuth(const std::string& token, httplib::Headers headers = {}) {
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return headers;
}

}  // namespace

void ExpectProblem(const HttpResult& r, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_TRUE(r.Header("Content-Type").starts_with("application/problem+json")) << r.body;
  ASSERT_TRUE(r.json.is_object()) << r.body;
  EXPECT_EQ(r.json.value("status", 0), status) << r.body;
  EXPECT_FALSE(r.json.value("title", "").empty()) << r.body;
}

std::vector<std::string> ErrorFields(const HttpResult& r) {
  std::vector<std::string> out;
  if (!r.json.is_object() || !r.json.contains("errors")) return out;
  for (const auto& e : r.json["errors"]) out.push_back(e.value("field", ""));
  return out;
}

std::string HttpResult::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

void ApiTest::SetUp() {
  FlushAll();
  config_ = GatewayConfig();
  config_.redis.url = "unix://" + endpoint().unix_socket;
  config_.server.port = 0;
  config_.server.threads = 4;
  config_.api.rate_limit = {1000, 1000};
  config_.api.scan_rate_limit = {1000, 1000};
  config_.api.public_rate_limit = {10000, 100000};
  // The tests' providers and sinks listen on loopback.
  config_.api.allowed_destinations = {"127.0.0.0/8"};
  Configure(config_);
  auto runtime = Runtime::Open(config_, &clock_);
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  runtime_ = std::move(*runtime);
  auto token = runtime_->BootstrapIfEmpty();
  ASSERT_TRUE(token.ok() && token->has_value()) << token.status();
  admin_token_ = **token;
  server_ = std::make_unique<ApiServer>(runtime_->Services(), config_.server);
  ASSERT_TRUE(server_->Start().ok());
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_read_timeout(30, 0);
}

void ApiTest::RestartGateway() {
  client_.reset();
  if (server_) server_->Stop();
  server_.reset();
  runtime_.reset();
  auto runtime = Runtime::Open(config_, &clock_);
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  runtime_ = std::move(*runtime);
  server_ = std::make_unique<ApiServer>(runtime_->Services(), config_.server);
  ASSERT_TRUE(server_->Start().ok());
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_read_timeout(30, 0);
}

void ApiTest::ConfigureProviders(const std::vector<nlohmann::json>& accounts) {
  config_.delivery.providers.clear();
  for (size_t i = 0; i < accounts.size(); ++i) {
    JsonReader reader(accounts[i], "delivery.providers[" + std::to_string(i) + "]");
    ProviderAccount read;
    ReadProviderAccount(reader, ProviderSource::kConfig, &read);
    ASSERT_TRUE(reader.Finish().ok()) << reader.Finish();
    config_.delivery.providers.push_back(std::move(read));
  }
  RestartGateway();
}

bool ApiTest::RegisterProviders() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (runtime_->providers().RegisterPending() > 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

void ApiTest::TearDown() {
  client_.reset();
  if (server_) server_->Stop();
  server_.reset();
  runtime_.reset();
}

HttpResult ApiTest::Get(const std::string& path, const std::string& token) {
  return Convert(client_->Get(path, WithAuth(token)), {"GET", path, "", ""});
}

HttpResult ApiTest::Post(const std::string& path, const nlohmann::json& body,
                         const std::string& token, const httplib::Headers& headers) {
  return PostRaw(path, body.dump(), "application/json", token, headers);
}

HttpResult ApiTest::PostRaw(const std::string& path, const std::string& body,
                            const std::string& content_type, const std::string& token,
                            const httplib::Headers& headers) {
  return Convert(client_->Post(path, WithAuth(token, headers), body, content_type),
                 {"POST", path, content_type, body});
}

HttpResult ApiTest::Patch(const std::string& path, const nlohmann::json& body,
                          const std::string& token) {
  const std::string sent = body.dump();
  return Convert(client_->Patch(path, WithAuth(token), sent, "application/json"),
                 {"PATCH", path, "application/json", sent});
}

HttpResult ApiTest::Put(const std::string& path, const nlohmann::json& body,
                        const std::string& token) {
  const std::string sent = body.dump();
  return Convert(client_->Put(path, WithAuth(token), sent, "application/json"),
                 {"PUT", path, "application/json", sent});
}

HttpResult ApiTest::Delete(const std::string& path, const std::string& token) {
  return Convert(client_->Delete(path, WithAuth(token)), {"DELETE", path, "", ""});
}

std::string ApiTest::CreateOrganisation(const std::string& name, std::string* org_id) {
  OrgSpec spec;
  spec.name = name;
  auto org = CreateTestOrg(runtime_->orgs(), spec);
  EXPECT_TRUE(org.ok()) << org.status();
  if (!org.ok()) return "";
  if (org_id != nullptr) *org_id = org->id();
  return org->members.front().token;
}

std::string ApiTest::CreatePost(const std::string& name) {
  HttpResult r = Post("/v1/posts", {{"name", name}}, admin_token_);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json.value("id", "");
}

std::string ApiTest::CreateOfficerToken(const std::string& role,
                                        const std::vector<std::string>& posts,
                                        std::string* officer_id) {
  HttpResult o = Post("/v1/officers", {{"name", "Officer " + role}, {"role", role}, {"posts", posts}},
                      admin_token_);
  EXPECT_EQ(o.status, 201) << o.body;
  std::string id = o.json.value("id", "");
  if (officer_id != nullptr) *officer_id = id;
  HttpResult k = Post("/v1/officers/" + id + "/keys", nlohmann::json::object(), admin_token_);
  EXPECT_EQ(k.status, 201) << k.body;
  return k.json.value("token", "");
}

std::string ApiTest::CreateContact(const nlohmann::json& body, const std::string& token) {
  HttpResult r = Post("/v1/contacts", body, token);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json.value("id", "");
}

std::string ApiTest::CreateTemplate(const nlohmann::json& body, const std::string& token) {
  HttpResult r = Post("/v1/templates", body, token);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json.value("id", "");
}

std::string ApiTest::CreateSegment(const nlohmann::json& body, const std::string& token) {
  HttpResult r = Post("/v1/segments", body, token);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json.value("id", "");
}

}  // namespace ogw::testing
