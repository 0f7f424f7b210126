// Rate limits count an IPv6 client by its /64, so rotating temporary addresses does not buy a
// new budget; IPv4 clients, and what does not read as an address, count as themselves.

#include "gateway/core/client_network.h"

#include <gtest/gtest.h>

namespace ogw {
namespace {

TEST(RateLimitClientTest, AnIpv4AddressIsItsOwnClient) {
  EXPECT_EQ(RateLimitClient("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(RateLimitClient("127.0.0.1"), "127.0.0.1");
  EXPECT_NE(RateLimitClient("203.0.113.7"), RateLimitClient("203.0.113.8"));
}

TEST(RateLimitClientTest, TheAddressesOfOneIpv6SubnetAreOneClient) {
  const std::string a = RateLimitClient("2001:db8:1:2:a:b:c:d");
  EXPECT_EQ(a, "2001:db8:1:2::/64");
  // Temporary addresses of the same line, written in any of IPv6's forms.
  EXPECT_EQ(RateLimitClient("2001:db8:1:2:ffff:ffff:ffff:ffff"), a);
  EXPECT_EQ(RateLimitClient("2001:0DB8:0001:0002::1"), a);
  EXPECT_EQ(RateLimitClient("[2001:db8:1:2::99]"), a);
  EXPECT_EQ(RateLimitClient("2001:db8:1:2::1%eth0"), a);
  // The next subnet is another client.
  EXPECT_EQ(RateLimitClient("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  EXPECT_EQ(RateLimitClient("::1"), "::/64");
}

TEST(RateLimitClientTest, AnIpv4AddressWrittenAsIpv6IsTheIpv4Client) {
  EXPECT_EQ(RateLimitClient("::ffff:203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(RateLimitClient("::ffff:cb00:7107"), "203.0.113.7");
}

TEST(RateLimitClientTest, WhatIsNoAddressCountsAsItself) {
  EXPECT_EQ(RateLimitClient(""), "");
  EXPECT_EQ(RateLimitClient("unknown"), "unknown");
  EXPECT_EQ(RateLimitClient("2001:db8::g"), "2001:db8::g");
  EXPECT_EQ(RateLimitClient("1.2.3.4.5"), "1.2.3.4.5");
  const std::string long_text(200, ':');
  EXPECT_EQ(RateLimitClient(long_text), long_text);
}

}  // namespace
}  // namespace ogw
