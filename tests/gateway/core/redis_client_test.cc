#include "gateway/core/redis_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/redis_fixture.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Runs `call`; after a server restart the first call on an idle connection may find it dead
// and report kUnavailable. One retry must then succeed.
template <typename F>
auto WithOneRetry(F call) -> decltype(call()) {
  auto result = call();
  if (!result.ok() && result.status().code() == absl::StatusCode::kUnavailable) {
    result = call();
  }
  return result;
}

class RedisClientTest : public ogw::testing::RedisTest {
 protected:
  void SetUp() override { FlushAll(); }
};

TEST_F(RedisClientTest, CommandReturnsEachReplyType) {
  auto set = pool().Command({"SET", "greeting", "გამარჯობა"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->type, RedisReply::Type::kStatus);
  EXPECT_EQ(set->str, "OK");

  auto get = pool().Command({"GET", "greeting"});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->type, RedisReply::Type::kString);
  EXPECT_EQ(get->str, "გამარჯობა");

  auto missing = pool().Command({"GET", "nope"});
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_TRUE(missing->IsNil());

  auto incr = pool().Command({"INCRBY", "counter", "41"});
  ASSERT_TRUE(incr.ok()) << incr.status();
  EXPECT_EQ(incr->type, RedisReply::Type::kInteger);
  EXPECT_EQ(incr->integer, 41);

  ASSERT_TRUE(pool().Command({"RPUSH", "list", "a", "b", "c"}).ok());
  auto range = pool().Command({"LRANGE", "list", "0", "-1"});
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->type, RedisReply::Type::kArray);
  ASSERT_EQ(range->elements.size(), 3u);
  EXPECT_EQ(range->elements[0].str, "a");
  EXPECT_EQ(range->elements[2].str, "c");

  // Nested arrays (HSCAN: cursor + items) and nil entries inside arrays (HMGET).
  ASSERT_TRUE(pool().Command({"HSET", "h", "f1", "v1"}).ok());
  auto hmget = pool().Command({"HMGET", "h", "f1", "missing"});
  ASSERT_TRUE(hmget.ok()) << hmget.status();
  ASSERT_EQ(hmget->elements.size(), 2u);
  EXPECT_EQ(hmget->elements[0].str, "v1");
  EXPECT_TRUE(hmget->elements[1].IsNil());
  auto scan = pool().Command({"HSCAN", "h", "0"});
  ASSERT_TRUE(scan.ok()) << scan.status();
  ASSERT_EQ(scan->elements.size(), 2u);
  EXPECT_EQ(scan->elements[0].str, "0");
  ASSERT_EQ(scan->elements[1].elements.size(), 2u);
  EXPECT_EQ(scan->elements[1].elements[0].str, "f1");
}

TEST_F(RedisClientTest, BinarySafeArguments) {
  const std::string value("a\0b\r\nc", 6);
  const std::string key("k\0ey", 4);
  ASSERT_TRUE(pool().Command({"SET", key, value}).ok());
  auto get = pool().Command({"GET", key});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->str, value);
  auto other = pool().Command({"GET", "k"});
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->IsNil());
  auto empty = pool().Command({"SET", "empty", ""});
  ASSERT_TRUE(empty.ok());
  auto got = pool().Command({"GET", "empty"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->type, RedisReply::Type::kString);
  EXPECT_EQ(got->str, "");
}

TEST_F(RedisClientTest, ErrorRepliesBecomeInternalErrors) {
  ASSERT_TRUE(pool().Command({"SET", "text", "abc"}).ok());
  auto incr = pool().Command({"INCR", "text"});
  ASSERT_FALSE(incr.ok());
  EXPECT_EQ(incr.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(MessageOf(incr.status())), HasSubstr("not an integer"));

  auto wrong_type = pool().Command({"LPUSH", "text", "x"});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(MessageOf(wrong_type.status())), HasSubstr("WRONGTYPE"));

  auto unknown = pool().Command({"NOSUCHCOMMAND"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInternal);

  // An error reply does not poison the connection: the next command works.
  auto get = pool().Command({"GET", "text"});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->str, "abc");
}

TEST_F(RedisClientTest, ConnectionCanReturnErrorRepliesInPlace) {
  auto conn = RedisConnection::Connect(endpoint(), std::chrono::milliseconds(1000));
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_TRUE((*conn)->Command({"SET", "text", "abc"}).ok());
  auto reply = (*conn)->Command({"INCR", "text"}, /*allow_error_reply=*/true);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->IsError());
  EXPECT_THAT(reply->str, StartsWith("ERR"));
  EXPECT_EQ(reply->AsStatus().code(), absl::StatusCode::kInternal);
  EXPECT_FALSE((*conn)->broken());

  RedisReply ok_reply;
  ok_reply.type = RedisReply::Type::kString;
  EXPECT_TRUE(ok_reply.AsStatus().ok());
}

TEST_F(RedisClientTest, ConnectToMissingSocketIsUnavailable) {
  RedisEndpoint nowhere;
  nowhere.unix_socket = data_dir() + "/no-such.sock";
  auto conn = RedisConnection::Connect(nowhere, std::chrono::milliseconds(200));
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kUnavailable);

  RedisPool bad_pool(nowhere, 2, std::chrono::milliseconds(200));
  auto reply = bad_pool.Command({"PING"});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  // A failed connect gives its slot back: more attempts than connections still answer
  // (instead of waiting forever for a free slot).
  for (int i = 0; i < 5; ++i) {
    auto again = bad_pool.Command({"PING"});
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.status().code(), absl::StatusCode::kUnavailable);
  }
}

TEST_F(RedisClientTest, SelectsTheDatabaseOfTheEndpoint) {
  RedisEndpoint db3 = endpoint();
  db3.db = 3;
  RedisPool pool3(db3, 2);
  ASSERT_TRUE(pool3.Command({"SET", "where", "db3"}).ok());
  auto in_db0 = pool().Command({"GET", "where"});
  ASSERT_TRUE(in_db0.ok());
  EXPECT_TRUE(in_db0->IsNil());
  auto in_db3 = pool3.Command({"GET", "where"});
  ASSERT_TRUE(in_db3.ok());
  EXPECT_EQ(in_db3->str, "db3");
}

TEST_F(RedisClientTest, PipelineReturnsRepliesInOrderWithErrorsInPlace) {
  auto replies = pool().Pipeline({{"SET", "a", "1"},
                                  {"INCR", "a"},
                                  {"HSET", "a", "f", "v"},  // WRONGTYPE: a is a string.
                                  {"GET", "a"},
                                  {"GET", "missing"},
                                  {"INCRBY", "a", "10"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 6u);
  EXPECT_EQ((*replies)[0].str, "OK");
  EXPECT_EQ((*replies)[1].integer, 2);
  EXPECT_TRUE((*replies)[2].IsError());
  EXPECT_THAT((*replies)[2].str, StartsWith("WRONGTYPE"));
  EXPECT_EQ((*replies)[3].str, "2");
  EXPECT_TRUE((*replies)[4].IsNil());
  EXPECT_EQ((*replies)[5].integer, 12);

  auto empty = pool().Pipeline({});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
}

TEST_F(RedisClientTest, LargePipeline) {
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 5000; ++i) {
    commands.push_back({"SET", "k" + std::to_string(i), std::string(100, 'x') + std::to_string(i)});
  }
  auto replies = pool().Pipeline(commands);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 5000u);
  for (const auto& r : *replies) ASSERT_EQ(r.str, "OK");
  auto size = pool().Command({"DBSIZE"});
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->integer, 5000);
  auto last = pool().Command({"GET", "k4999"});
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->str, std::string(100, 'x') + "4999");
}

TEST_F(RedisClientTest, ScriptSha1IsTheServersSha1) {
  RedisScript script("return 'hi'");
  EXPECT_EQ(script.source(), "return 'hi'");
  EXPECT_EQ(script.sha1().size(), 40u);
  auto loaded = pool().Command({"SCRIPT", "LOAD", script.source()});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->str, script.sha1());
}

TEST_F(RedisClientTest, EvalRunsScriptsWithKeysAndArgs) {
  RedisScript script(
      "redis.call('SET', KEYS[1], ARGV[1]) "
      "return {redis.call('GET', KEYS[1]), tonumber(ARGV[2]) + 1, #KEYS, #ARGV}");
  auto reply = pool().Eval(script, {"k1", "k2"}, {"value", "41"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  ASSERT_EQ(reply->elements.size(), 4u);
  EXPECT_EQ(reply->elements[0].str, "value");
  EXPECT_EQ(reply->elements[1].integer, 42);
  EXPECT_EQ(reply->elements[2].integer, 2);
  EXPECT_EQ(reply->elements[3].integer, 2);

  // No keys, no args.
  RedisScript plain("return 7");
  auto seven = pool().Eval(plain, {}, {});
  ASSERT_TRUE(seven.ok()) << seven.status();
  EXPECT_EQ(seven->integer, 7);
}

TEST_F(RedisClientTest, EvalFallsBackToSourceAfterScriptFlush) {
  RedisScript script("return redis.call('INCR', KEYS[1])");
  auto first = pool().Eval(script, {"n"}, {});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->integer, 1);

  ASSERT_TRUE(pool().Command({"SCRIPT", "FLUSH"}).ok());
  auto exists = pool().Command({"SCRIPT", "EXISTS", script.sha1()});
  ASSERT_TRUE(exists.ok());
  ASSERT_EQ(exists->elements.size(), 1u);
  ASSERT_EQ(exists->elements[0].integer, 0);

  auto second = pool().Eval(script, {"n"}, {});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->integer, 2);
  // The script ran exactly once per call: no double execution in the fallback.
  auto n = pool().Command({"GET", "n"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->str, "2");

  // EVAL caches the script again, so EVALSHA works directly afterwards.
  auto cached = pool().Command({"SCRIPT", "EXISTS", script.sha1()});
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->elements[0].integer, 1);
  auto third = pool().Eval(script, {"n"}, {});
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->integer, 3);
}

TEST_F(RedisClientTest, EvalScriptErrorsAreInternal) {
  RedisScript failing("return redis.error_reply('MYERR custom failure')");
  auto reply = pool().Eval(failing, {}, {});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(MessageOf(reply.status())), HasSubstr("custom failure"));

  // A runtime error inside a script that was never loaded (EVAL path).
  ASSERT_TRUE(pool().Command({"SET", "s", "x"}).ok());
  ASSERT_TRUE(pool().Command({"SCRIPT", "FLUSH"}).ok());
  RedisScript wrong_type("return redis.call('LPUSH', KEYS[1], 'v')");
  auto runtime = pool().Eval(wrong_type, {"s"}, {});
  ASSERT_FALSE(runtime.ok());
  EXPECT_EQ(runtime.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(MessageOf(runtime.status())), HasSubstr("WRONGTYPE"));

  RedisScript syntax("this is not lua");
  auto bad = pool().Eval(syntax, {}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal);

  // The pool still works.
  auto ping = pool().Command({"PING"});
  ASSERT_TRUE(ping.ok()) << ping.status();
  EXPECT_EQ(ping->str, "PONG");
}

TEST_F(RedisClientTest, EvalShaArgsInPipeline) {
  RedisScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  std::vector<std::string> args = RedisConnection::EvalShaArgs(script, {"x"}, {"5"});
  EXPECT_THAT(args, ElementsAre("EVALSHA", script.sha1(), "1", "x", "5"));
  auto replies = pool().Pipeline({{"SCRIPT", "LOAD", script.source()},
                                  args,
                                  RedisConnection::EvalShaArgs(script, {"x"}, {"10"})});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[0].str, script.sha1());
  EXPECT_EQ((*replies)[1].integer, 5);
  EXPECT_EQ((*replies)[2].integer, 15);
}

TEST_F(RedisClientTest, PoolIsSafeAcrossThreads) {
  RedisPool small(endpoint(), 3);
  constexpr int kThreads = 8;
  constexpr int kIncrements = 300;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        if (i % 2 == 0) {
          if (!small.Command({"INCR", "shared"}).ok()) ++failures;
        } else {
          auto r = small.Pipeline({{"INCR", "shared"}, {"INCR", "t" + std::to_string(t)}});
          if (!r.ok() || (*r)[1].integer <= 0) ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto shared = pool().Command({"GET", "shared"});
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(shared->str, std::to_string(kThreads * kIncrements));
  auto t0 = pool().Command({"GET", "t0"});
  ASSERT_TRUE(t0.ok());
  EXPECT_EQ(t0->str, std::to_string(kIncrements / 2));
}

TEST_F(RedisClientTest, PoolNeverOpensMoreThanItsLimit) {
  RedisPool small(endpoint(), 2);
  auto a = small.Acquire();
  auto b = small.Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  auto first = std::make_unique<RedisPool::Lease>(std::move(*a));
  std::atomic<bool> third_acquired{false};
  std::thread waiter([&] {
    auto c = small.Acquire();
    EXPECT_TRUE(c.ok());
    if (c.ok()) {
      EXPECT_TRUE((*c)->Command({"PING"}).ok());
    }
    third_acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_FALSE(third_acquired.load()) << "a third connection was handed out";
  first.reset();  // Returns one connection to the pool, which the waiter gets.
  waiter.join();
  EXPECT_TRUE(third_acquired.load());
}

class RedisRestartTest : public ogw::testing::RedisTest {
 protected:
  void SetUp() override {
    ReconnectPool();
    FlushAll();
  }
};

TEST_F(RedisRestartTest, ConnectionReportsUnavailableAndReconnects) {
  auto conn = RedisConnection::Connect(endpoint(), std::chrono::milliseconds(1000));
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_TRUE((*conn)->Command({"SET", "before", "1"}).ok());
  RestartRedis(/*crash=*/false);
  auto dead = (*conn)->Command({"GET", "before"});
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE((*conn)->broken());
  // Broken connections fail fast until reconnected.
  auto still_dead = (*conn)->Pipeline({{"PING"}});
  ASSERT_FALSE(still_dead.ok());
  EXPECT_EQ(still_dead.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE((*conn)->Reconnect().ok());
  EXPECT_FALSE((*conn)->broken());
  auto get = (*conn)->Command({"GET", "before"});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->str, "1");  // Clean shutdown flushed the AOF.
}

TEST_F(RedisRestartTest, PoolRecoversAfterCleanRestart) {
  ASSERT_TRUE(pool().Command({"SET", "k", "v"}).ok());
  RestartRedis(/*crash=*/false);
  auto get = WithOneRetry([] { return pool().Command({"GET", "k"}); });
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->str, "v");
  // And keeps working without further failures.
  for (int i = 0; i < 10; ++i) {
    auto r = pool().Command({"INCR", "after"});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->integer, i + 1);
  }
}

TEST_F(RedisRestartTest, PoolRecoversAfterCrashAndKeepsData) {
  std::vector<std::vector<std::string>> writes;
  for (int i = 0; i < 200; ++i) {
    writes.push_back({"HSET", "crash:h", "f" + std::to_string(i), "v" + std::to_string(i)});
  }
  writes.push_back({"SET", "crash:s", "ሰላም"});
  writes.push_back({"ZADD", "crash:z", "0", "a", "0", "b"});
  auto w = pool().Pipeline(writes);
  ASSERT_TRUE(w.ok()) << w.status();

  RestartRedis(/*crash=*/true);

  auto len = WithOneRetry([] { return pool().Command({"HLEN", "crash:h"}); });
  ASSERT_TRUE(len.ok()) << len.status();
  EXPECT_EQ(len->integer, 200);
  auto v = pool().Command({"HGET", "crash:h", "f199"});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->str, "v199");
  auto s = pool().Command({"GET", "crash:s"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->str, "ሰላም");
  auto z = pool().Command({"ZRANGE", "crash:z", "0", "-1"});
  ASSERT_TRUE(z.ok());
  ASSERT_EQ(z->elements.size(), 2u);
  EXPECT_EQ(z->elements[1].str, "b");
}

TEST_F(RedisRestartTest, EvalWorksAfterCrashEmptiedTheScriptCache) {
  RedisScript script("return redis.call('INCR', KEYS[1])");
  auto before = pool().Eval(script, {"e"}, {});
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->integer, 1);
  RestartRedis(/*crash=*/true);
  auto after = WithOneRetry([&] { return pool().Eval(script, {"e"}, {}); });
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->integer, 2);
  auto pipelined = WithOneRetry([] { return pool().Pipeline({{"GET", "e"}}); });
  ASSERT_TRUE(pipelined.ok()) << pipelined.status();
  EXPECT_EQ((*pipelined)[0].str, "2");
}

TEST_F(RedisRestartTest, EveryIdleConnectionRecovers) {
  // Open several connections at once so the pool holds more than one idle connection, then
  // restart: each stale connection may fail once, but never twice in a row.
  {
    std::vector<RedisPool::Lease> leases;
    for (int i = 0; i < 4; ++i) {
      auto lease = pool().Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      ASSERT_TRUE((*lease)->Command({"PING"}).ok());
      leases.push_back(std::move(*lease));
    }
  }
  RestartRedis(/*crash=*/false);
  std::vector<RedisPool::Lease> leases;
  for (int i = 0; i < 4; ++i) {
    auto lease = pool().Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    auto ping = (*lease)->Command({"PING"});
    if (!ping.ok()) {
      EXPECT_EQ(ping.status().code(), absl::StatusCode::kUnavailable);
      ASSERT_TRUE((*lease)->Reconnect().ok());
      ping = (*lease)->Command({"PING"});
    }
    ASSERT_TRUE(ping.ok()) << ping.status();
    EXPECT_EQ(ping->str, "PONG");
    leases.push_back(std::move(*lease));
  }
}

}  // namespace
}  // namespace ogw
