// DestinationPolicy: which addresses accounts added through the API may connect to, judged on
// every spelling a resolver accepts. No sockets: every host here is an address literal, an
// allowed host name (never resolved) or "localhost" (from /etc/hosts). That libcurl enforces
// it at connect time is destination_policy_guard_test.cc.

#include "adapters/common/destination_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/adapters/common/destination_policy_test_util.h"

namespace ogw {
namespace {

using destination_policy_test::Policy;
using ::testing::HasSubstr;

TEST(DestinationPolicyTest, RefusesEveryInternalAddressInEverySpelling) {
  auto policy = Policy();
  for (const char* host : {"localhost",
                           "127.0.0.1",
                           "127.1",
                           "2130706433",
                           "0177.0.0.1",
                           "0x7f.0.0.1",
                           "0x7f000001",
                           "[::1]",
                           "[::ffff:127.0.0.1]",
                           "[::ffff:7f00:1]",
                           "[64:ff9b::7f00:1]",
                           "10.0.0.1",
                           "172.16.0.1",
                           "172.31.255.255",
                           "192.168.1.1",
                           "169.254.169.254",
                           "100.64.0.1",
                           "224.0.0.1",
                           "239.255.255.250",
                           "0.0.0.0",
                           "255.255.255.255",
                           "[fe80::1]",
                           "[fc00::1]",
                           "[fd12:3456::1]",
                           "[ff02::1]",
                           "[::]",
                           "[::ffff:10.0.0.1]",
                           "[::ffff:169.254.169.254]"}) {
    const absl::Status checked = policy->CheckUrl(std::string("http://") + host + ":8080/x");
    EXPECT_FALSE(checked.ok()) << host;
  }
  // The same through every scheme a provider uses.
  EXPECT_FALSE(policy->CheckUrl("imap://127.0.0.1:143/INBOX").ok());
  EXPECT_FALSE(policy->CheckUrl("smtps://[::1]:465").ok());
  EXPECT_FALSE(policy->CheckUrl("not a url").ok());
}

TEST(DestinationPolicyTest, AcceptsPublicAddresses) {
  auto policy = Policy();
  for (const char* url :
       {"https://93.184.216.34/send", "http://8.8.8.8:13013/cgi-bin/sendsms",
        "smtp://[2606:4700:4700::1111]:587", "https://172.32.0.1/x", "https://100.128.0.1/x"}) {
    EXPECT_TRUE(policy->CheckUrl(url).ok()) << url;
  }
}

TEST(DestinationPolicyTest, TheInstallationAllowsRangesAndHostNames) {
  auto policy = Policy({"10.20.0.0/16", "fd00::/8", "kannel.embassy.internal"});
  EXPECT_TRUE(policy->CheckUrl("http://10.20.3.4:13013/cgi-bin/sendsms").ok());
  EXPECT_FALSE(policy->CheckUrl("http://10.21.0.1/").ok());
  EXPECT_TRUE(policy->CheckUrl("http://[fd00::5]/").ok());
  // A name the installation trusts is not resolved here at all.
  EXPECT_TRUE(policy->CheckUrl("http://KANNEL.embassy.internal:13013/").ok());
  EXPECT_EQ(DestinationPolicy::For(policy, "http://kannel.embassy.internal/"), nullptr);
  EXPECT_EQ(DestinationPolicy::For(policy, "http://other.example/"), policy);

  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/x", "bad host!", ""}) {
    auto made = DestinationPolicy::Make({bad});
    ASSERT_FALSE(made.ok()) << bad;
    EXPECT_THAT(std::string(made.status().message()), HasSubstr("allowed_destinations"));
  }
}

}  // namespace
}  // namespace ogw
