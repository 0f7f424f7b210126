#include "tests/testutil/redis_fixture.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

namespace ogw::testing {

std::string RedisTest::data_dir_;
RedisEndpoint RedisTest::endpoint_;
std::unique_ptr<EmbeddedRedis> RedisTest::redis_;
std::unique_ptr<RedisPool> RedisTest::pool_;

namespace {
constexpr int kPoolSize = 8;

std::string MakeTempDir() {
  char tmpl[] = "/tmp/ogw-test-XXXXXX";
  char* dir = mkdtemp(tmpl);
  if (dir == nullptr) std::abort();
  return dir;
}
}  // namespace

TempDir::TempDir() : path_(MakeTempDir()) {}
TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void RedisTest::SetUpTestSuite() {
  data_dir_ = MakeTempDir();
  EmbeddedRedis::Options options;
  options.data_dir = data_dir_;
  redis_ = std::make_unique<EmbeddedRedis>(options);
  absl::Status s = redis_->Start();
  ASSERT_TRUE(s.ok()) << s;
  endpoint_ = redis_->endpoint();
  pool_ = std::make_unique<RedisPool>(endpoint_, kPoolSize);
}

void RedisTest::TearDownTestSuite() {
  pool_.reset();
  redis_.reset();
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
}

void RedisTest::FlushAll() {
  auto r = pool_->Command({"FLUSHALL"});
  ASSERT_TRUE(r.ok()) << r.status();
}

void RedisTest::ReconnectPool() {
  std::vector<RedisPool::Lease> leases;
  for (int i = 0; i < kPoolSize; ++i) {
    auto lease = pool_->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    if (!(*lease)->Command({"PING"}).ok()) ASSERT_TRUE((*lease)->Reconnect().ok());
    leases.push_back(std::move(*lease));
  }
}

void RedisTest::RestartRedis(bool crash) {
  if (crash) {
    // Make sure what the test wrote reached the AOF, as appendfsync everysec would within a
    // second, then kill without letting Redis flush anything else.
    auto r = pool_->Command({"EVAL", "return 1", "0"});
    (void)r;
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    redis_->Kill();
  }
  redis_.reset();
  EmbeddedRedis::Options options;
  options.data_dir = data_dir_;
  redis_ = std::make_unique<EmbeddedRedis>(options);
  absl::Status s = redis_->Start();
  ASSERT_TRUE(s.ok()) << s;
}

}  // namespace ogw::testing
