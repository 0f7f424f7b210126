// ConversationThreads over the suite's private Redis: what a message from the person and an
// officer's change do to a thread, that its indexes always agree with it (filters, counts,
// moves, erasure), paging through equal times, the listing budget, and the version check.

#include "gateway/conversations/conversation_threads.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/core/ids.h"
#include "gateway/orgs/org_store.h"
#include "tests/testutil/org_fixture.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// ThreadFilter built by name (designated initializers would have to name every field).
struct Filter {
  ThreadFilter f;
  explicit Filter(std::string post) { f.post = std::move(post); }
  Filter& State(ThreadState s) {
    f.state = s;
    return *this;
  }
  Filter& Assignee(std::string a) {
    f.assignee = std::move(a);
    return *this;
  }
  Filter& Channel(std::string c) {
    f.channel = std::move(c);
    return *this;
  }
  Filter& Campaign(std::string c) {
    f.campaign = std::move(c);
    return *this;
  }
  Filter& Label(std::string l) {
    f.label = std::move(l);
    return *this;
  }
  operator ThreadFilter() const { return f; }  // NOLINT: reads as the filter it builds.
};

class ConversationThreadsTest : public RedisTest {
 protected:
  void SetUp() override {
    FlushAll();
    OrgStore orgs(&pool(), &clock_);
    auto org = CreateTestOrg(orgs);
    ASSERT_TRUE(org.ok()) << org.status();
    org_ = org->id();
    contacts_ = std::make_unique<ContactStore>(&pool());
    threads_ = std::make_unique<ConversationThreads>(&pool(), &clock_);
  }

  std::string CreateContact(const std::string& name, const std::string& post) {
    Contact c;
    c.id = NewId("c", clock_.NowMillis() + static_cast<int64_t>(++created_));
    c.org_id = org_;
    c.name = name;
    c.post_id = post;
    c.created_at_millis = c.updated_at_millis = clock_.NowMillis();
    auto put = contacts_->Put(c, 0, nullptr);
    EXPECT_TRUE(put.ok()) << put.status();
    return c.id;
  }

  // The person wrote: stream id "<at>-<seq>", as the log would give it.
  int64_t Wrote(const std::string& contact, const std::string& post, int64_t at,
                const std::string& channel = "sms", const std::string& campaign = "", int seq = 0) {
    auto v = threads_->NoteInbound(
        org_, contact, post, std::to_string(at) + "-" + std::to_string(seq), channel, campaign, at);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.value_or(-1);
  }

  std::vector<std::string> Listed(const ThreadFilter& filter, size_t limit = 100) {
    auto page = threads_->List(org_, filter, {}, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const auto& [id, at] : page->items) ids.push_back(id);
    }
    return ids;
  }

  ConversationThread Thread(const std::string& contact) {
    auto t = threads_->Get(org_, contact);
    EXPECT_TRUE(t.ok() && t->has_value());
    return t.ok() && t->has_value() ? **t : ConversationThread{};
  }

  FakeClock clock_{1'764'325'000'000};
  std::string org_;
  std::unique_ptr<ContactStore> contacts_;
  std::unique_ptr<ConversationThreads> threads_;
  size_t created_ = 0;
};

TEST_F(ConversationThreadsTest, AMessageFromThePersonOpensTheThreadAndARetryChangesNothing) {
  const std::string ana = CreateContact("Ana", "post_a");
  EXPECT_EQ(Wrote(ana, "post_a", 1000), 1);
  ConversationThread t = Thread(ana);
  EXPECT_EQ(t.state, ThreadState::kOpen);
  EXPECT_EQ(t.post_id, "post_a");
  EXPECT_EQ(t.last_inbound_entry, "1000-0");
  EXPECT_EQ(t.last_activity_millis, 1000);
  EXPECT_THAT(t.channels, ElementsAre("sms"));

  // The provider retries the same message: nothing moves.
  EXPECT_EQ(Wrote(ana, "post_a", 1000), 1);
  EXPECT_EQ(Thread(ana).version, 1);

  // Closed by an officer; the person writes again on Telegram: open, on top, both channels.
  ThreadChange close;
  close.officer_id = "off_1";
  close.state = ThreadState::kClosed;
  ASSERT_TRUE(threads_->Change(org_, ana, "post_a", close).ok());
  EXPECT_THAT(Listed(Filter("post_a").State(ThreadState::kClosed)), ElementsAre(ana));
  EXPECT_EQ(Wrote(ana, "post_a", 2000, "telegram"), 3);
  t = Thread(ana);
  EXPECT_EQ(t.state, ThreadState::kOpen);
  EXPECT_THAT(t.channels, ElementsAre("sms", "telegram"));
  EXPECT_EQ(t.last_channel, "telegram");
  EXPECT_THAT(Listed(Filter("post_a").State(ThreadState::kClosed)), IsEmpty());
  EXPECT_THAT(Listed(Filter("post_a").State(ThreadState::kOpen)), ElementsAre(ana));
  // An older message delivered late does not take the thread back.
  EXPECT_EQ(Wrote(ana, "post_a", 1500, "email"), 3);
  EXPECT_EQ(Thread(ana).last_channel, "telegram");
}

TEST_F(ConversationThreadsTest, AMessageTheGatewayAnsweredItselfLeavesTheStateAsItWas) {
  const std::string ana = CreateContact("Ana", "post_a");
  // STOP as her first message: a thread, closed, nothing for an officer to do.
  auto first = threads_->NoteInbound(org_, ana, "post_a", "1000-0", "sms", "", 1000, true);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Thread(ana).state, ThreadState::kClosed);
  Wrote(ana, "post_a", 2000);
  ThreadChange wait;
  wait.officer_id = "off_1";
  wait.state = ThreadState::kWaiting;
  ASSERT_TRUE(threads_->Change(org_, ana, "post_a", wait).ok());
  // A clear RSVP "yes": still waiting, but on top and on the new channel.
  ASSERT_TRUE(
      threads_->NoteInbound(org_, ana, "post_a", "3000-0", "telegram", "", 3000, true).ok());
  const ConversationThread t = Thread(ana);
  EXPECT_EQ(t.state, ThreadState::kWaiting);
  EXPECT_EQ(t.last_activity_millis, 3000);
  EXPECT_EQ(t.last_channel, "telegram");
}

TEST_F(ConversationThreadsTest, FiltersCombineAndCountsFollowEveryChange) {
  const std::string ana = CreateContact("Ana", "post_a");
  const std::string bob = CreateContact("Bob", "post_a");
  const std::string eka = CreateContact("Eka", "post_a");
  const std::string far = CreateContact("Far", "post_b");
  Wrote(ana, "post_a", 1000, "sms", "cmp_survey");
  Wrote(bob, "post_a", 2000, "email");
  Wrote(eka, "post_a", 3000, "sms", "cmp_other");
  Wrote(far, "post_b", 4000, "sms", "cmp_survey");

  ThreadChange assign;
  assign.officer_id = "off_lead";
  assign.assignee = "off_nino";
  assign.labels = std::vector<std::string>{"passport", "urgent"};
  ASSERT_TRUE(threads_->Change(org_, ana, "post_a", assign).ok());
  ThreadChange wait;
  wait.officer_id = "off_nino";
  wait.state = ThreadState::kWaiting;
  wait.labels = std::vector<std::string>{"passport"};
  ASSERT_TRUE(threads_->Change(org_, eka, "post_a", wait).ok());

  EXPECT_THAT(Listed(Filter("post_a")), ElementsAre(eka, bob, ana));
  EXPECT_THAT(Listed(Filter("post_b")), ElementsAre(far));
  EXPECT_THAT(Listed(Filter("post_a").Label("passport")), ElementsAre(eka, ana));
  EXPECT_THAT(Listed(Filter("post_a").State(ThreadState::kOpen).Label("passport")),
              ElementsAre(ana));
  EXPECT_THAT(Listed(Filter("post_a").Assignee("off_nino")), ElementsAre(ana));
  EXPECT_THAT(Listed(Filter("post_a").Assignee("")), ElementsAre(eka, bob));
  EXPECT_THAT(Listed(Filter("post_a").Channel("sms")), ElementsAre(eka, ana));
  EXPECT_THAT(Listed(Filter("post_a").Campaign("cmp_survey")), ElementsAre(ana));
  EXPECT_THAT(Listed(Filter("post_a").Channel("email").Label("urgent")), IsEmpty());

  auto counts = threads_->CountByState(org_, "post_a");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)[0], 2);  // open
  EXPECT_EQ((*counts)[1], 1);  // waiting
  EXPECT_EQ((*counts)[2], 0);  // closed

  // Unassigned and relabelled: the old sets forget it.
  ThreadChange clear;
  clear.officer_id = "off_lead";
  clear.assignee = "";
  clear.labels = std::vector<std::string>{};
  ASSERT_TRUE(threads_->Change(org_, ana, "post_a", clear).ok());
  EXPECT_THAT(Listed(Filter("post_a").Assignee("off_nino")), IsEmpty());
  EXPECT_THAT(Listed(Filter("post_a").Label("urgent")), IsEmpty());
  EXPECT_THAT(Listed(Filter("post_a").Assignee("")), ElementsAre(eka, bob, ana));
}

TEST_F(ConversationThreadsTest, AStaleVersionIsRefusedAndChangesNothing) {
  const std::string ana = CreateContact("Ana", "post_a");
  Wrote(ana, "post_a", 1000);
  ThreadChange first;
  first.officer_id = "off_1";
  first.expected_version = 1;
  first.state = ThreadState::kWaiting;
  first.officer_message = true;
  auto done = threads_->Change(org_, ana, "post_a", first);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->version, 2);

  ThreadChange second = first;
  second.officer_id = "off_2";
  second.state = ThreadState::kClosed;
  auto refused = threads_->Change(org_, ana, "post_a", second);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  EXPECT_EQ(MessageOf(refused.status()), "version 2");
  EXPECT_EQ(Thread(ana).state, ThreadState::kWaiting);
  EXPECT_EQ(Thread(ana).updated_by, "off_1");
}

TEST_F(ConversationThreadsTest, NotesAndChangesAreLoggedAndNothingIsWrittenForAPersonWhoIsGone) {
  const std::string ana = CreateContact("Ana", "post_a");
  ThreadChange note;
  note.officer_id = "off_1";
  note.note = "Called her; she will bring the form on Monday.";
  auto noted = threads_->Change(org_, ana, "post_a", note);
  ASSERT_TRUE(noted.ok()) << noted.status();
  EXPECT_FALSE(noted->entry_id.empty());
  ThreadChange close;
  close.officer_id = "off_1";
  close.state = ThreadState::kClosed;
  close.log_change = true;
  ASSERT_TRUE(threads_->Change(org_, ana, "post_a", close).ok());

  ConversationLog log(&pool(), &clock_);
  auto entries = log.Read(org_, ana, "", 10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].kind, "thread");
  EXPECT_EQ((*entries)[0].Field("state"), "closed");
  EXPECT_EQ((*entries)[0].Field("author"), "off_1");
  EXPECT_EQ((*entries)[1].kind, "note");
  EXPECT_EQ((*entries)[1].Field("text"), note.note);

  auto gone = threads_->Change(org_, "c_nobody", "post_a", note);
  EXPECT_TRUE(absl::IsNotFound(gone.status()));
  auto none = threads_->NoteInbound(org_, "c_nobody", "post_a", "1-0", "sms", "", 1);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  auto t = threads_->Get(org_, "c_nobody");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->has_value());
}

TEST_F(ConversationThreadsTest, AMovedPersonTakesTheThreadAlongAndAForgottenOneLeavesNoTrace) {
  const std::string ana = CreateContact("Ana", "post_a");
  Wrote(ana, "post_a", 1000);
  ThreadChange label;
  label.officer_id = "off_1";
  label.labels = std::vector<std::string>{"visa"};
  ASSERT_TRUE(threads_->Change(org_, ana, "post_a", label).ok());

  // A contact write that moves her (ContactStore follows it).
  auto stored = contacts_->Get(org_, ana);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  Contact moved = (*stored)->contact;
  moved.post_id = "post_b";
  ASSERT_TRUE(contacts_->Put(moved, (*stored)->version, &(*stored)->contact).ok());
  EXPECT_THAT(Listed(Filter("post_a")), IsEmpty());
  EXPECT_THAT(Listed(Filter("post_a").Label("visa")), IsEmpty());
  EXPECT_THAT(Listed(Filter("post_b").Label("visa")), ElementsAre(ana));
  EXPECT_EQ(Thread(ana).post_id, "post_b");

  ASSERT_TRUE(threads_->Forget(org_, ana).ok());
  EXPECT_THAT(Listed(Filter("post_b")), IsEmpty());
  EXPECT_THAT(Listed(Filter("post_b").Label("visa")), IsEmpty());
  auto counts = threads_->CountByState(org_, "post_b");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)[0], 0);
}

TEST_F(ConversationThreadsTest, PagesThroughEqualTimesWithoutRepeatsOrGaps) {
  std::set<std::string> all;
  for (int i = 0; i < 23; ++i) {
    const std::string id = CreateContact("P" + std::to_string(i), "post_a");
    Wrote(id, "post_a", 5000 + (i % 3));  // Many share a millisecond.
    all.insert(id);
  }
  std::vector<std::string> seen;
  ThreadCursor cursor;
  for (int page = 0; page < 10; ++page) {
    auto p = threads_->List(org_, Filter("post_a"), cursor, 5);
    ASSERT_TRUE(p.ok()) << p.status();
    for (const auto& [id, at] : p->items) seen.push_back(id);
    if (p->next.empty()) break;
    // The cursor survives its text form.
    auto decoded = ThreadCursor::Decode(p->next.Encode());
    ASSERT_TRUE(decoded.has_value()) << p->next.Encode();
    cursor = *decoded;
  }
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all);
}

TEST_F(ConversationThreadsTest, AFilterMatchingFewOfManyEndsItsPageEarlyWithACursor) {
  // A budget of 50 conversations a call over two sets of 60 with nothing in common: people who
  // wrote by SMS, and people labelled "rare" who wrote by e-mail.
  ConversationThreads threads(&pool(), &clock_, /*list_budget=*/50);
  std::vector<std::string> rare;
  for (int i = 0; i < 60; ++i) {
    Wrote(CreateContact("S", "post_a"), "post_a", 10'000 + i, "sms");
    rare.push_back(CreateContact("R", "post_a"));
    Wrote(rare.back(), "post_a", 20'000 + i, "email");
    ThreadChange label;
    label.officer_id = "off_1";
    label.labels = std::vector<std::string>{"rare"};
    ASSERT_TRUE(threads.Change(org_, rare.back(), "post_a", label).ok());
  }
  const ThreadFilter none = Filter("post_a").Channel("sms").Label("rare");
  auto bounded = threads.List(org_, none, {}, 10);
  ASSERT_TRUE(bounded.ok()) << bounded.status();
  EXPECT_THAT(bounded->items, IsEmpty());
  EXPECT_FALSE(bounded->next.empty()) << "the walk stopped at its budget and says where";
  auto rest = threads.List(org_, none, bounded->next, 10);
  ASSERT_TRUE(rest.ok());
  EXPECT_THAT(rest->items, IsEmpty());
  EXPECT_TRUE(rest->next.empty());

  // A narrow filter drives the walk: the newest rare one comes at once.
  auto found = threads.List(org_, Filter("post_a").State(ThreadState::kOpen).Label("rare"), {}, 1);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].first, rare.back());
}

TEST(ThreadLabelTest, LabelsAreNormalisedAndCheckedForWhatKeysCannotHold) {
  EXPECT_EQ(NormaliseLabel("  Passport "), "passport");
  EXPECT_EQ(NormaliseLabel("Ვიზა"), "Ვიზა");  // Only ASCII is folded.
  EXPECT_FALSE(NormaliseLabel("").has_value());
  EXPECT_FALSE(NormaliseLabel("a,b").has_value());
  EXPECT_FALSE(NormaliseLabel("a:b").has_value());
  EXPECT_FALSE(NormaliseLabel("a\nb").has_value());
  EXPECT_FALSE(NormaliseLabel(std::string(41, 'x')).has_value());
  EXPECT_FALSE(NormaliseLabel("\xff").has_value());
  EXPECT_FALSE(ThreadCursor::Decode("abc").has_value());
  EXPECT_FALSE(ThreadCursor::Decode("12-notacontact").has_value());
}

}  // namespace
}  // namespace ogw::testing
