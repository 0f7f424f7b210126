// ConversationLog on its own over the suite's private Redis: order, paging, one log a person,
// what an entry keeps, and that nothing is written for a person who does not exist.

#include "gateway/conversations/conversation_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "gateway/orgs/org_store.h"
#include "tests/testutil/org_fixture.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

class ConversationLogTest : public RedisTest {
 protected:
  void SetUp() override {
    FlushAll();
    OrgStore orgs(&pool(), &clock_);
    auto org = CreateTestOrg(orgs);
    ASSERT_TRUE(org.ok()) << org.status();
    org_ = org->id();
    contacts_ = std::make_unique<ContactStore>(&pool());
    log_ = std::make_unique<ConversationLog>(&pool(), &clock_);
    ana_ = CreateContact("Ana", "+4915111111111");
    bob_ = CreateContact("Bob", "+4915122222222");
  }

  std::string CreateContact(const std::string& name, const std::string& phone) {
    Contact c;
    c.id = NewId("c", clock_.NowMillis() + static_cast<int64_t>(++created_));
    c.org_id = org_;
    c.name = name;
    Address a;
    a.kind = AddressKind::kPhone;
    a.value = phone;
    c.addresses.push_back(a);
    c.created_at_millis = c.updated_at_millis = clock_.NowMillis();
    auto put = contacts_->Put(c, 0, nullptr);
    EXPECT_TRUE(put.ok()) << put.status();
    return c.id;
  }

  // Appends an `in` entry saying `text` to `contact`; returns its id.
  std::string Say(const std::string& contact, const std::string& text) {
    auto id = log_->Append(org_, {contact, "in", {{"channel", "sms"}, {"text", text}}});
    EXPECT_TRUE(id.ok()) << id.status();
    EXPECT_TRUE(id.ok() && !id->empty());
    return id.ok() ? *id : "";
  }

  std::vector<std::string> Texts(const std::string& contact, const std::string& before,
                                 size_t limit) {
    auto entries = log_->Read(org_, contact, before, limit);
    EXPECT_TRUE(entries.ok()) << entries.status();
    std::vector<std::string> out;
    if (entries.ok()) {
      for (const ConversationEntry& e : *entries) out.push_back(e.Field("text"));
    }
    return out;
  }

  FakeClock clock_;
  std::unique_ptr<ContactStore> contacts_;
  std::unique_ptr<ConversationLog> log_;
  std::string org_;
  std::string ana_;
  std::string bob_;
  size_t created_ = 0;
};

TEST_F(ConversationLogTest, ReadsNewestFirstInAppendOrder) {
  std::vector<std::string> ids;
  for (const char* text : {"one", "two", "three"}) {
    ids.push_back(Say(ana_, text));
    clock_.Advance(1000);
  }
  EXPECT_THAT(Texts(ana_, "", 10), ElementsAre("three", "two", "one"));
  // Entry ids grow with each append: they are the paging cursor.
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  EXPECT_TRUE(ConversationLog::IsEntryId(ids[0])) << ids[0];
}

TEST_F(ConversationLogTest, PagesStopAtTheLimitAndContinueBeforeTheCursor) {
  std::vector<std::string> ids;
  for (int i = 1; i <= 5; ++i) ids.push_back(Say(ana_, "m" + std::to_string(i)));

  auto first = log_->Read(org_, ana_, "", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_THAT(*first, SizeIs(2));
  EXPECT_EQ((*first)[0].id, ids[4]);
  EXPECT_EQ((*first)[1].id, ids[3]);
  // The cursor is exclusive: the next page starts just below the last entry seen.
  EXPECT_THAT(Texts(ana_, (*first)[1].id, 2), ElementsAre("m3", "m2"));
  EXPECT_THAT(Texts(ana_, ids[1], 2), ElementsAre("m1"));
  EXPECT_THAT(Texts(ana_, ids[0], 2), IsEmpty());
  // A limit past the end gives what there is.
  EXPECT_THAT(Texts(ana_, "", 100), SizeIs(5));
}

TEST_F(ConversationLogTest, EachPersonHasTheirOwnLog) {
  Say(ana_, "from Ana");
  Say(bob_, "from Bob");
  Say(ana_, "Ana again");
  EXPECT_THAT(Texts(ana_, "", 10), ElementsAre("Ana again", "from Ana"));
  EXPECT_THAT(Texts(bob_, "", 10), ElementsAre("from Bob"));
  // Another organisation's reader sees nothing of Ana's log, even with her contact id.
  OrgStore orgs(&pool(), &clock_);
  OrgSpec other_spec;
  other_spec.name = "Other Ministry";
  auto other = CreateTestOrg(orgs, other_spec);
  ASSERT_TRUE(other.ok()) << other.status();
  auto foreign = log_->Read(other->id(), ana_, "", 10);
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  EXPECT_THAT(*foreign, IsEmpty());
}

TEST_F(ConversationLogTest, StoredEntryKeepsKindTimeAndNonEmptyFields) {
  clock_.Set(1'760'000'000'123);
  auto id = log_->Append(org_, {ana_,
                                "out",
                                {{"channel", "sms"},
                                 {"text", "Your appointment is on Monday"},
                                 {"author", "off_1"},
                                 {"subject", ""}}});
  ASSERT_TRUE(id.ok()) << id.status();

  auto entry = log_->Get(org_, ana_, *id);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->id, *id);
  EXPECT_EQ(entry->kind, "out");
  EXPECT_EQ(entry->at_millis, 1'760'000'000'123);  // The gateway's clock, not Redis's.
  // Empty fields are not kept; kind and time are not among the fields.
  EXPECT_THAT(entry->fields, UnorderedElementsAre(Pair("channel", "sms"),
                                                  Pair("text", "Your appointment is on Monday"),
                                                  Pair("author", "off_1")));
  EXPECT_EQ(entry->Field("subject"), "");

  auto missing = log_->Get(org_, bob_, *id);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ConversationLogTest, NothingIsWrittenForAPersonWhoDoesNotExist) {
  const std::string ghost = NewId("c", clock_.NowMillis() + 999);
  auto id = log_->Append(org_, {ghost, "in", {{"text", "hello?"}}});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "");
  EXPECT_THAT(Texts(ghost, "", 10), IsEmpty());
  auto exists = pool().Command({"EXISTS", keys::Conversation(org_, ghost)});
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists->integer, 0);
}

TEST_F(ConversationLogTest, AppendManyWritesEachPersonsEntryIntoTheirLog) {
  ASSERT_TRUE(log_->AppendMany(org_, {{ana_, "out", {{"text", "to Ana"}}},
                                      {bob_, "out", {{"text", "to Bob"}}},
                                      {ana_, "out", {{"text", "to Ana 2"}}}})
                  .ok());
  EXPECT_THAT(Texts(ana_, "", 10), ElementsAre("to Ana 2", "to Ana"));
  EXPECT_THAT(Texts(bob_, "", 10), ElementsAre("to Bob"));
}

}  // namespace
}  // namespace ogw::testing
