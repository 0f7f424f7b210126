#include "gateway/core/json_reader.h"

#include <gtest/gtest.h>

namespace ogw {
namespace {

using nlohmann::json;

TEST(JsonReaderTest, ReadsTypedValuesAndKeepsDefaults) {
  json j = {{"name", "x"}, {"port", 80}, {"on", true}, {"ratio", 0.5}, {"list", {"a", "b"}}};
  JsonReader r(j, "");
  std::string name, missing = "default";
  int port = 0;
  bool on = false;
  double ratio = 0;
  std::vector<std::string> list;
  r.String("name", &name);
  r.String("missing", &missing);
  r.Int("port", &port, 1, 65535);
  r.Bool("on", &on);
  r.Double("ratio", &ratio, 0, 1);
  r.StringList("list", &list);
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(name, "x");
  EXPECT_EQ(missing, "default");
  EXPECT_EQ(port, 80);
  EXPECT_TRUE(on);
  EXPECT_EQ(ratio, 0.5);
  EXPECT_EQ(list, (std::vector<std::string>{"a", "b"}));
}

TEST(JsonReaderTest, ReportsEveryProblemWithItsPath) {
  json j = {{"server", {{"port", "eighty"}, {"extra", 1}}}, {"unknown", true}};
  JsonReader r(j, "");
  int port = 0;
  std::string required;
  r.Object("server", [&](JsonReader& s) { s.Int("port", &port, 1, 65535); });
  r.String("required", &required, true);
  absl::Status s = r.Finish();
  ASSERT_FALSE(s.ok());
  std::string msg(MessageOf(s));
  EXPECT_NE(msg.find("server.port: expected an integer in 1..65535"), std::string::npos) << msg;
  EXPECT_NE(msg.find("server.extra: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("required: is required"), std::string::npos) << msg;
  EXPECT_EQ(r.problems().size(), 4u);
}

TEST(JsonReaderTest, UnderscoreKeysAreComments) {
  json j = {{"_comment", "documentation"}, {"a", 1}};
  JsonReader r(j, "");
  int a = 0;
  r.Int("a", &a, 0, 10);
  EXPECT_TRUE(r.Finish().ok());
}

TEST(JsonReaderTest, ExpandsEnvironmentVariablesInConfigMode) {
  json j = {{"url", "redis://:${PW}@host:1"}, {"other", "${NOPE}"}};
  auto env = [](const char* name) -> const char* {
    return std::string(name) == "PW" ? "s3cret" : nullptr;
  };
  JsonReader r(j, "", env);
  std::string url, other;
  r.String("url", &url);
  r.String("other", &other);
  absl::Status s = r.Finish();
  EXPECT_EQ(url, "redis://:s3cret@host:1");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(MessageOf(s)).find("other: environment variable NOPE is not set"),
            std::string::npos);
}

TEST(JsonReaderTest, InputModeNeverExpandsEnvironmentVariables) {
  setenv("OGW_TEST_SECRET", "leaked", 1);
  json j = {{"name", "${OGW_TEST_SECRET}"}};
  JsonReader r = JsonReader::ForInput(j);
  std::string name;
  r.String("name", &name);
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(name, "${OGW_TEST_SECRET}");
}

TEST(JsonReaderTest, ObjectListNamesElementPaths) {
  json j = {{"items", json::array({{{"n", 1}}, {{"n", "x"}}, 5})}};
  JsonReader r(j, "");
  std::vector<int> ns;
  r.ObjectList("items", [&](JsonReader& item) {
    int n = 0;
    item.Int("n", &n, 0, 10);
    ns.push_back(n);
  });
  absl::Status s = r.Finish();
  ASSERT_FALSE(s.ok());
  std::string msg(MessageOf(s));
  EXPECT_NE(msg.find("items[1].n: expected an integer"), std::string::npos) << msg;
  EXPECT_NE(msg.find("items[2]: expected an object"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ogw
