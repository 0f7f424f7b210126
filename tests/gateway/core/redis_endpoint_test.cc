#include <gtest/gtest.h>

#include "gateway/core/redis_client.h"

namespace ogw {
namespace {

TEST(RedisEndpointTest, ParsesTcpUrlWithPasswordAndDb) {
  auto ep = RedisEndpoint::Parse("redis://:pa:ss@10.0.0.1:6380/3");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->host, "10.0.0.1");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->password, "pa:ss");
  EXPECT_EQ(ep->db, 3);
  EXPECT_EQ(ep->Describe(), "redis://10.0.0.1:6380/3");  // No password in logs.
}

TEST(RedisEndpointTest, DefaultsPortAndDb) {
  auto ep = RedisEndpoint::Parse("redis://localhost");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->db, 0);
}

TEST(RedisEndpointTest, ParsesUnixSocket) {
  auto ep = RedisEndpoint::Parse("unix:///run/redis/redis.sock?db=2");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->unix_socket, "/run/redis/redis.sock");
  EXPECT_EQ(ep->db, 2);
}

TEST(RedisEndpointTest, RejectsMalformedUrls) {
  EXPECT_FALSE(RedisEndpoint::Parse("http://x").ok());
  EXPECT_FALSE(RedisEndpoint::Parse("redis://host:99999").ok());
  EXPECT_FALSE(RedisEndpoint::Parse("redis://host:abc").ok());
  EXPECT_FALSE(RedisEndpoint::Parse("redis://").ok());
  EXPECT_FALSE(RedisEndpoint::Parse("unix://relative.sock").ok());
  EXPECT_FALSE(RedisEndpoint::Parse("redis://host/x").ok());
}

}  // namespace
}  // namespace ogw
