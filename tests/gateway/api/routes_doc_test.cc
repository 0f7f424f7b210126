// docs/API.md, the OpenAPI document and the server agree: every documented route exists and
// every route is documented.

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/testutil/api_harness.h"

namespace ogw::testing {
namespace {

class RoutesDocTest : public ApiTest {};

TEST_F(RoutesDocTest, ApiDocListsExactlyTheServedRoutes) {
  std::ifstream in(OGW_SOURCE_DIR "/docs/API.md");
  ASSERT_TRUE(in) << "docs/API.md is missing";
  std::stringstream buf;
  buf << in.rdbuf();
  std::string doc = buf.str();
  // Route headings look like: ### `GET /v1/contacts/{id}`
  std::regex heading(R"(### `(GET|POST|PUT|PATCH|DELETE) (/[^`]*)`)");
  std::set<std::string> documented;
  for (std::sregex_iterator it(doc.begin(), doc.end(), heading), end; it != end; ++it) {
    documented.insert((*it)[1].str() + " " + (*it)[2].str());
  }
  std::set<std::string> served;
  for (const auto& r : server_->routes()) served.insert(r.method + " " + r.pattern);
  for (const auto& d : documented) EXPECT_TRUE(served.contains(d)) << "documented, not served: " << d;
  for (const auto& s : served) EXPECT_TRUE(documented.contains(s)) << "served, not documented: " << s;
  EXPECT_GT(served.size(), 20u);
}

// The OpenAPI document the gateway serves describes exactly the routes it serves.
TEST_F(RoutesDocTest, OpenApiDocumentListsExactlyTheServedRoutes) {
  HttpResult doc = Get("/v1/openapi.json", "");
  ASSERT_EQ(doc.status, 200) << doc.body;
  ASSERT_TRUE(doc.json.is_object()) << "not JSON";
  EXPECT_EQ(doc.json.value("openapi", ""), "3.1.0");
  std::set<std::string> described;
  for (const auto& [path, item] : doc.json["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      described.insert(upper + " " + path);
      EXPECT_FALSE(operation.value("operationId", "").empty()) << upper << " " << path;
    }
  }
  std::set<std::string> served;
  for (const auto& r : server_->routes()) served.insert(r.method + " " + r.pattern);
  for (const auto& d : described) EXPECT_TRUE(served.contains(d)) << "described, not served: " << d;
  for (const auto& s : served) EXPECT_TRUE(described.contains(s)) << "served, not described: " << s;
}

// Every documented route answers something other than "no such route".
TEST_F(RoutesDocTest, EveryRouteIsReachable) {
  for (const auto& r : server_->routes()) {
    std::string path = std::regex_replace(r.pattern, std::regex(R"(\{[a-z_]+\})"), "x");
    HttpResult res;
    if (r.method == "GET") res = Get(path, admin_token_);
    if (r.method == "POST") res = Post(path, nlohmann::json::object(), admin_token_);
    if (r.method == "PUT") res = Put(path, nlohmann::json::object(), admin_token_);
    if (r.method == "PATCH") res = Patch(path, nlohmann::json::object(), admin_token_);
    if (r.method == "DELETE") res = Delete(path, admin_token_);
    if (res.json.is_object()) {
      EXPECT_NE(res.json.value("detail", ""), "no such route") << r.method << " " << path;
    }
    EXPECT_NE(res.status, 500) << r.method << " " << path << ": " << res.body;
  }
}

}  // namespace
}  // namespace ogw::testing
