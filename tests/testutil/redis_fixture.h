#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "gateway/core/embedded_redis.h"
#include "gateway/core/redis_client.h"

namespace ogw::testing {

// A private redis-server for one test suite, in a fresh temporary directory, reached over a
// unix socket: hermetic, no ports. Tests that need a clean database call FlushAll().
class RedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  static RedisPool& pool() { return *pool_; }
  static const RedisEndpoint& endpoint() { return endpoint_; }
  static const std::string& data_dir() { return data_dir_; }
  static void FlushAll();
  // Restarts the server on the same data (AOF). With `crash`, the server is killed with
  // SIGKILL first, as in a power cut; otherwise it shuts down cleanly.
  static void RestartRedis(bool crash);
  // Leases every connection the pool may open and reconnects dead ones, so a test starts with
  // a healthy pool whatever an earlier restart left behind.
  static void ReconnectPool();

 private:
  static std::string data_dir_;
  static RedisEndpoint endpoint_;
  static std::unique_ptr<EmbeddedRedis> redis_;
  static std::unique_ptr<RedisPool> pool_;
};

// A fresh temporary directory (short path, so unix sockets fit), removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ogw::testing
