// Provider accounts at rest and in use: ProviderStore seals each type's secrets in Redis and
// opens them again; ProviderDirectory builds the configured and stored accounts into the
// registry the worker reads, keeps providers whose definition did not change, and skips what
// it cannot use.

#include "gateway/providers/provider_directory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/core/key_schema.h"
#include "gateway/providers/provider_store.h"
#include "tests/testutil/redis_fixture.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kToken[] = "twilio-auth-token-0123456789abcdef";

ProviderAccount Account(const json& j) {
  auto account = ProviderAccountFromJson(j, ProviderSource::kConfig);
  EXPECT_TRUE(account.ok()) << account.status();
  return account.ok() ? *std::move(account) : ProviderAccount();
}

ProviderAccount TwilioAccount(const std::string& name, const std::string& org) {
  return Account({{"name", name},
                  {"type", "twilio"},
                  {"channels", {"sms"}},
                  {"organisation", org},
                  {"account_sid", "AC0123456789abcdef0123456789abcdef"},
                  {"auth_token", kToken},
                  {"from", "+302100000000"},
                  {"api_base", "http://127.0.0.1:9"}});
}

class ProviderDirectoryTest : public RedisTest {
 protected:
  void SetUp() override {
    FlushAll();
    auto box = SecretBox::FromHexKey(std::string(64, 'a'));
    ASSERT_TRUE(box.ok());
    store_ = std::make_unique<ProviderStore>(&pool(), *std::move(box));
    context_.public_base_url = "https://gw.example.org";
    context_.message_id_key = std::string(32, 'k');
    context_.redis = &pool();
    context_.clock = &clock_;
  }

  FakeClock clock_;
  ProviderContext context_;
  std::unique_ptr<ProviderStore> store_;
};

TEST_F(ProviderDirectoryTest, SecretsAreSealedAtRestAndOpenedOnLoad) {
  ASSERT_TRUE(store_->Create(TwilioAccount("tw-athens", "org_1")).ok());
  auto raw = pool().Command({"HGET", keys::ProviderDefinitions(), "tw-athens"});
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(raw->str, ContainsNoneOf({kToken}));
  EXPECT_THAT(raw->str, HasSubstr("\"from\":\"+302100000000\""));  // Only secrets are sealed.

  auto loaded = store_->Get("tw-athens");
  ASSERT_TRUE(loaded.ok() && loaded->has_value()) << loaded.status();
  EXPECT_EQ(*(*loaded)->settings->Field("auth_token"), kToken);
  EXPECT_EQ(ProviderAccountToJson(**loaded, true),
            ProviderAccountToJson(TwilioAccount("tw-athens", "org_1"), true));

  // Another key cannot open it: the account is refused, not loaded with garbage.
  auto other_box = SecretBox::FromHexKey(std::string(64, 'b'));
  ASSERT_TRUE(other_box.ok());
  ProviderStore other(&pool(), *std::move(other_box));
  EXPECT_FALSE(other.Get("tw-athens").ok());
}

TEST_F(ProviderDirectoryTest, StoredDefinitionsThatNoLongerReadAreSkippedAndTheRestLoad) {
  ASSERT_TRUE(store_->Create(TwilioAccount("tw-athens", "org_1")).ok());
  // Written by a newer version (a type this one lacks) and by hand (not JSON).
  ASSERT_TRUE(pool()
                  .Command({"HSET", keys::ProviderDefinitions(), "tg-berlin",
                            R"({"name":"tg-berlin","type":"telegram-bot","channels":["telegram"],
                                  "organisation":"org_1","bot_token":"sealed"})"})
                  .ok());
  ASSERT_TRUE(pool().Command({"HSET", keys::ProviderDefinitions(), "broken", "{"}).ok());
  auto all = store_->LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].name, "tw-athens");

  ProviderDirectory directory({}, store_.get(), context_);
  ASSERT_TRUE(directory.Load().ok());
  EXPECT_TRUE(directory.Find("tw-athens").has_value());
  EXPECT_FALSE(directory.Find("tg-berlin").has_value());
}

TEST_F(ProviderDirectoryTest, AccountsBindTheirChannelsAndTheRestFallsBackToTheSandbox) {
  ProviderAccount shared = Account({{"name", "hook"},
                                    {"type", "webhook"},
                                    {"channels", {"email"}},
                                    {"url", "http://127.0.0.1:9/"}});
  ProviderDirectory directory({shared}, store_.get(), context_);
  ASSERT_TRUE(directory.Load().ok());
  ASSERT_TRUE(store_->Create(TwilioAccount("tw-athens", "org_1")).ok());
  ASSERT_TRUE(directory.Refresh().ok());

  auto sms_of_org = directory.registry().For(Channel::kSms, "org_1");
  ASSERT_NE(sms_of_org, nullptr);
  EXPECT_EQ(sms_of_org->account, "tw-athens");
  auto sms_elsewhere = directory.registry().For(Channel::kSms, "org_2");
  ASSERT_NE(sms_elsewhere, nullptr);
  EXPECT_EQ(sms_elsewhere->account, "sms-sandbox");
  auto email = directory.registry().For(Channel::kEmail, "org_2");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->account, "hook");
  EXPECT_TRUE(directory.IsConfigured("hook"));
  EXPECT_FALSE(directory.IsConfigured("tw-athens"));
  // A stored account always has from_api: its connections are checked.
  EXPECT_TRUE(directory.Find("tw-athens")->from_api);
  EXPECT_FALSE(directory.Find("hook")->from_api);
}

TEST_F(ProviderDirectoryTest, AnUnchangedAccountKeepsItsProviderAcrossRebuilds) {
  ProviderDirectory directory({}, store_.get(), context_);
  ASSERT_TRUE(store_->Create(TwilioAccount("tw-athens", "org_1")).ok());
  ASSERT_TRUE(directory.Load().ok());
  const std::shared_ptr<Provider> before =
      directory.registry().For(Channel::kSms, "org_1")->provider;

  ASSERT_TRUE(store_->Create(TwilioAccount("tw-berlin", "org_2")).ok());
  ASSERT_TRUE(directory.Refresh().ok());
  EXPECT_EQ(directory.registry().For(Channel::kSms, "org_1")->provider, before);

  ProviderAccount changed = TwilioAccount("tw-athens", "org_1");
  changed.per_second = 5;
  ASSERT_TRUE(store_->Replace(changed).ok());
  ASSERT_TRUE(directory.Refresh().ok());
  auto after = directory.registry().For(Channel::kSms, "org_1");
  EXPECT_NE(after->provider, before);
  EXPECT_EQ(after->rate.per_second, 5);
}

TEST_F(ProviderDirectoryTest, AConfiguredAccountThatCannotBeBuiltIsAnErrorAtLoad) {
  // Passes the reader, fails the provider's own check (ca_file unreadable).
  ProviderAccount mail = Account({{"name", "mail"},
                                  {"type", "smtp"},
                                  {"channels", {"email"}},
                                  {"url", "smtp://127.0.0.1:25"},
                                  {"from", "a@b.example"},
                                  {"ca_file", "/nonexistent/ca.pem"}});
  ProviderDirectory directory({mail}, store_.get(), context_);
  absl::Status loaded = directory.Load();
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(MessageOf(loaded)), HasSubstr("provider mail: ca_file"));
}

TEST_F(ProviderDirectoryTest, OneProcessRegistersADefinitionAndDeletingForgetsIt) {
  using Registration = ProviderStore::Registration;
  ASSERT_TRUE(store_->Create(TwilioAccount("tw-athens", "org_1")).ok());
  auto first = store_->ClaimRegistration("tw-athens", "digest-1", 60'000);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, Registration::kClaimed);
  // A second process meanwhile: busy, whatever the definition it read.
  EXPECT_EQ(*store_->ClaimRegistration("tw-athens", "digest-1", 60'000), Registration::kBusy);
  EXPECT_EQ(*store_->ClaimRegistration("tw-athens", "digest-2", 60'000), Registration::kBusy);
  ASSERT_TRUE(store_->FinishRegistration("tw-athens", "digest-1", /*registered=*/true).ok());
  EXPECT_EQ(*store_->ClaimRegistration("tw-athens", "digest-1", 60'000), Registration::kDone);
  // A failed attempt records nothing and frees the lease for the next one.
  EXPECT_EQ(*store_->ClaimRegistration("tw-athens", "digest-2", 60'000), Registration::kClaimed);
  ASSERT_TRUE(store_->FinishRegistration("tw-athens", "digest-2", /*registered=*/false).ok());
  EXPECT_EQ(*store_->ClaimRegistration("tw-athens", "digest-2", 60'000), Registration::kClaimed);
  ASSERT_TRUE(store_->FinishRegistration("tw-athens", "digest-2", /*registered=*/false).ok());
  // An account deleted and created again with the same definition registers again.
  ASSERT_TRUE(*store_->Delete("tw-athens"));
  EXPECT_EQ(*store_->ClaimRegistration("tw-athens", "digest-1", 60'000), Registration::kClaimed);
}

}  // namespace
}  // namespace ogw::testing
