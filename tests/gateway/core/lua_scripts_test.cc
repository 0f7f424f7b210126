// Every Lua script of the gateway loads into a real Redis: a script that does not compile would
// otherwise fail only when its code path first runs. Linked into the API test binary, which
// holds every component (the scripts register themselves when constructed).

#include <gtest/gtest.h>

#include <set>

#include "gateway/core/redis_client.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {
namespace {

class LuaScriptsTest : public RedisTest {};

TEST_F(LuaScriptsTest, EveryScriptLoadsIntoRedis) {
  const std::vector<const RedisScript*> scripts = RedisScript::Registered();
  // The gateway has 23 scripts today; fewer means some component's scripts were not linked.
  EXPECT_GE(scripts.size(), 23u);
  std::set<std::string> shas;
  for (const RedisScript* script : scripts) {
    auto loaded = pool().Command({"SCRIPT", "LOAD", script->source()});
    ASSERT_TRUE(loaded.ok()) << loaded.status() << "\n" << script->source();
    EXPECT_EQ(loaded->str, script->sha1()) << script->source();
    shas.insert(script->sha1());
  }
  EXPECT_EQ(shas.size(), scripts.size()) << "two scripts have the same source";
}

}  // namespace
}  // namespace ogw::testing
