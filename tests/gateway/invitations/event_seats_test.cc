#include "gateway/invitations/event_seats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/key_schema.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kOrg[] = "org_seats";
constexpr char kEvent[] = "evt_1";
constexpr int64_t kNow = 1767225600000;
constexpr int64_t kTtl = 3'600'000;

// "c:from>to" per change ("+" for a new person), "@<ms after kNow>" on offers: short to compare.
std::string Describe(const std::vector<SeatChange>& changes) {
  std::string out;
  for (const SeatChange& c : changes) {
    if (!out.empty()) out += " ";
    out += c.contact_id + ":" + (c.from ? std::string(SeatStateName(*c.from)) : "+") + ">" +
           std::string(SeatStateName(c.to));
    if (c.to == SeatState::kOffered) out += "@" + std::to_string(c.offer_until_millis - kNow);
  }
  return out;
}

// Checks the ledger against itself: counts against a recount, the waitlist and offers against
// the people, seats against capacity, and a replay of the log against the final states.
void ExpectConsistent(RedisPool& redis, const std::string& org, const std::string& event) {
  auto people = redis.Command({"HGETALL", keys::EventPeople(org, event)});
  auto counts = redis.Command({"HGETALL", keys::EventCounts(org, event)});
  auto wait = redis.Command({"ZRANGE", keys::EventWaitlist(org, event), "0", "-1"});
  auto offers = redis.Command({"ZRANGE", keys::EventOffers(org, event), "0", "-1", "WITHSCORES"});
  auto log = redis.Command({"XRANGE", keys::EventLog(org, event), "-", "+"});
  auto meta = redis.Command({"HMGET", keys::EventSeatMeta(org, event), "capacity", "closed"});
  ASSERT_TRUE(people.ok() && counts.ok() && wait.ok() && offers.ok() && log.ok() && meta.ok());

  std::map<std::string, std::string> state_of;
  std::map<std::string, int64_t> recount;
  std::set<std::string> waitlisted;
  std::map<std::string, int64_t> offered;  // contact -> offer_until
  for (size_t i = 0; i + 1 < people->elements.size(); i += 2) {
    const auto j = nlohmann::json::parse(people->elements[i + 1].str);
    const std::string contact = people->elements[i].str;
    const std::string state = j.at("state").get<std::string>();
    state_of[contact] = state;
    ++recount[state];
    if (state == "waitlisted") waitlisted.insert(contact);
    if (state == "offered") offered[contact] = j.at("offer_until").get<int64_t>();
    if (j.contains("unclear")) ++recount["unclear"];
  }
  std::map<std::string, int64_t> stored;
  for (size_t i = 0; i + 1 < counts->elements.size(); i += 2) {
    const int64_t n = std::stoll(counts->elements[i + 1].str);
    if (n != 0) stored[counts->elements[i].str] = n;
  }
  EXPECT_EQ(stored, recount) << "counts differ from a recount of the people";

  std::set<std::string> in_wait;
  for (const auto& e : wait->elements) in_wait.insert(e.str);
  EXPECT_EQ(in_wait, waitlisted) << "waitlist zset differs from the waitlisted people";
  std::map<std::string, int64_t> in_offers;
  for (size_t i = 0; i + 1 < offers->elements.size(); i += 2) {
    in_offers[offers->elements[i].str] = std::stoll(offers->elements[i + 1].str);
  }
  EXPECT_EQ(in_offers, offered) << "offers zset differs from the offered people";
  for (const auto& [contact, until] : in_offers) {
    EXPECT_EQ(in_wait.count(contact), 0u) << contact << " both offered and waitlisted";
  }

  const int64_t capacity = std::stoll(meta->elements[0].str);
  const bool closed = meta->elements[1].str == "1";
  const int64_t taken = recount["yes"] + recount["offered"] + recount["attended"];
  EXPECT_LE(taken, capacity);
  if (!closed && !in_wait.empty()) {
    EXPECT_EQ(taken, capacity) << "a seat idles while people wait";
  }

  // Replaying the log gives the final states: every change was logged once, from the state it
  // really left.
  std::map<std::string, std::string> replay;
  for (const auto& entry : log->elements) {
    std::map<std::string, std::string> f;
    const auto& kv = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < kv.size(); i += 2) f[kv[i].str] = kv[i + 1].str;
    if (f["to"] == "forgotten") continue;
    const std::string was = replay.count(f["contact"]) ? replay[f["contact"]] : "";
    EXPECT_EQ(was, f["from"]) << "log entry " << entry.elements[0].str << " for " << f["contact"];
    replay[f["contact"]] = f["to"];
  }
  EXPECT_EQ(replay, state_of) << "the log does not replay to the people's states";
}

class EventSeatsTest : public ogw::testing::RedisTest {
 protected:
  void SetUp() override { FlushAll(); }

  // Capacity `capacity` and people a, b, c, ... (`people` of them) invited.
  void Open(int64_t capacity, int people) {
    auto configured = seats_.Configure(kOrg, kEvent, capacity, kTtl, kNow);
    ASSERT_TRUE(configured.ok()) << configured.status();
    std::vector<std::string> ids;
    for (int i = 0; i < people; ++i) ids.push_back(std::string(1, static_cast<char>('a' + i)));
    auto invited = seats_.Invite(kOrg, kEvent, ids, "officer:off_1", kNow);
    ASSERT_TRUE(invited.ok()) << invited.status();
  }

  AnswerResult Say(const std::string& contact, SeatAction action, int64_t at = kNow,
                   const std::string& how = "sms:msg") {
    auto r = seats_.Answer(kOrg, kEvent, contact, action, how, at);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : AnswerResult();
  }

  std::string StateOf(const std::string& contact) {
    auto p = seats_.Get(kOrg, kEvent, contact);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok() || !p->has_value()) return "absent";
    return std::string(SeatStateName((*p)->state));
  }

  EventCounts CountsNow() {
    auto c = seats_.Counts(kOrg, kEvent);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : EventCounts();
  }

  size_t LogSize() {
    auto n = pool().Command({"XLEN", keys::EventLog(kOrg, kEvent)});
    EXPECT_TRUE(n.ok());
    return n.ok() ? static_cast<size_t>(n->integer) : 0;
  }

  void ExpectConsistentNow() { ExpectConsistent(pool(), kOrg, kEvent); }

  EventSeats seats_{&pool()};
};

TEST(SeatStateTest, NamesRoundTrip) {
  for (size_t i = 0; i < kSeatStateCount; ++i) {
    const auto state = static_cast<SeatState>(i);
    EXPECT_EQ(ParseSeatState(SeatStateName(state)), state);
  }
  EXPECT_EQ(ParseSeatState("Yes"), std::nullopt);
  EXPECT_EQ(ParseSeatState("forgotten"), std::nullopt);
  EXPECT_EQ(SeatActionOf(RsvpAnswer::kYes), SeatAction::kYes);
  EXPECT_EQ(SeatActionOf(RsvpAnswer::kNo), SeatAction::kNo);
  EXPECT_EQ(SeatActionOf(RsvpAnswer::kMaybe), SeatAction::kMaybe);
}

TEST_F(EventSeatsTest, NothingWorksBeforeConfigure) {
  auto invited = seats_.Invite(kOrg, kEvent, {"a"}, "officer:off_1", kNow);
  EXPECT_EQ(invited.status().code(), absl::StatusCode::kFailedPrecondition);
  auto answered = seats_.Answer(kOrg, kEvent, "a", SeatAction::kYes, "sms:1", kNow);
  EXPECT_EQ(answered.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(seats_.Configure(kOrg, kEvent, -1, kTtl, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(seats_.Configure(kOrg, kEvent, 5, 0, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(seats_.Configure("", kEvent, 5, kTtl, kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EventSeatsTest, InviteAddsNewPeopleOnlyAndKeepsStates) {
  ASSERT_TRUE(seats_.Configure(kOrg, kEvent, 10, kTtl, kNow).ok());
  auto first = seats_.Invite(kOrg, kEvent, {"a", "b", "b"}, "officer:off_1", kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(Describe(*first), "a:+>invited b:+>invited");
  Say("a", SeatAction::kYes);
  auto again = seats_.Invite(kOrg, kEvent, {"a", "b", "c"}, "officer:off_2", kNow + 1);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Describe(*again), "c:+>invited");
  EXPECT_EQ(StateOf("a"), "yes");
  auto c = seats_.Get(kOrg, kEvent, "c");
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->how, "officer:off_2");
  EXPECT_EQ((*c)->at_millis, kNow + 1);
  const EventCounts counts = CountsNow();
  EXPECT_EQ(counts.Of(SeatState::kInvited), 2);
  EXPECT_EQ(counts.Of(SeatState::kYes), 1);
  EXPECT_EQ(counts.capacity, 10);
  EXPECT_EQ(counts.offer_ttl_ms, kTtl);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, InvitesManyInBatches) {
  ASSERT_TRUE(seats_.Configure(kOrg, kEvent, 10, kTtl, kNow).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 1234; ++i) ids.push_back("p" + std::to_string(i));
  auto invited = seats_.Invite(kOrg, kEvent, ids, "officer:off_1", kNow);
  ASSERT_TRUE(invited.ok()) << invited.status();
  EXPECT_EQ(invited->size(), 1234u);
  EXPECT_EQ(CountsNow().Of(SeatState::kInvited), 1234);
  auto none = seats_.Invite(kOrg, kEvent, {}, "officer:off_1", kNow);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(EventSeatsTest, AnswerFromSomeoneNotInvitedChangesNothing) {
  Open(2, 1);
  const AnswerResult r = Say("zz", SeatAction::kYes);
  EXPECT_EQ(r.outcome, AnswerOutcome::kNotInvited);
  EXPECT_FALSE(r.state.has_value());
  EXPECT_TRUE(r.changes.empty());
  EXPECT_EQ(StateOf("zz"), "absent");
  EXPECT_EQ(CountsNow().SeatsTaken(), 0);
}

TEST_F(EventSeatsTest, YesTakesFreeSeatsThenWaitlists) {
  Open(2, 4);
  AnswerResult r = Say("a", SeatAction::kYes);
  EXPECT_EQ(r.outcome, AnswerOutcome::kChanged);
  EXPECT_EQ(r.state, SeatState::kYes);
  EXPECT_EQ(Describe(r.changes), "a:invited>yes");
  EXPECT_EQ(Describe(Say("b", SeatAction::kYes).changes), "b:invited>yes");
  r = Say("c", SeatAction::kYes);
  EXPECT_EQ(r.state, SeatState::kWaitlisted);
  EXPECT_EQ(Describe(r.changes), "c:invited>waitlisted");
  EXPECT_EQ(Describe(Say("d", SeatAction::kYes).changes), "d:invited>waitlisted");
  const EventCounts counts = CountsNow();
  EXPECT_EQ(counts.SeatsTaken(), 2);
  EXPECT_EQ(counts.Of(SeatState::kWaitlisted), 2);
  auto d = seats_.Get(kOrg, kEvent, "d");
  ASSERT_TRUE(d.ok() && d->has_value());
  EXPECT_EQ((*d)->waitlist_position, 2);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, TheSameAnswerAgainChangesNothing) {
  Open(1, 3);
  Say("a", SeatAction::kYes, kNow, "sms:m1");
  Say("b", SeatAction::kYes, kNow, "sms:m2");  // Waitlisted.
  Say("c", SeatAction::kNo, kNow, "sms:m3");
  const size_t logged = LogSize();
  // Providers redeliver: the same replies arrive again.
  for (const auto& [contact, action] : std::vector<std::pair<std::string, SeatAction>>{
           {"a", SeatAction::kYes}, {"b", SeatAction::kYes}, {"c", SeatAction::kNo}}) {
    const AnswerResult r = Say(contact, action, kNow + 5000, "sms:again");
    EXPECT_EQ(r.outcome, AnswerOutcome::kUnchanged) << contact;
    EXPECT_TRUE(r.changes.empty()) << contact;
  }
  EXPECT_EQ(LogSize(), logged);
  auto a = seats_.Get(kOrg, kEvent, "a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->how, "sms:m1");  // Nothing rewritten either.
  EXPECT_EQ((*a)->at_millis, kNow);
  auto b = seats_.Get(kOrg, kEvent, "b");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->waitlist_position, 1);  // Kept their place.
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, NoFromYesOffersTheSeatToTheFirstWaitlisted) {
  Open(1, 3);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);
  Say("c", SeatAction::kYes, kNow + 2);
  const AnswerResult r = Say("a", SeatAction::kNo, kNow + 100, "sms:m9");
  EXPECT_EQ(r.outcome, AnswerOutcome::kChanged);
  EXPECT_EQ(r.state, SeatState::kNo);
  EXPECT_EQ(Describe(r.changes), "a:yes>no b:waitlisted>offered@" + std::to_string(100 + kTtl));
  auto b = seats_.Get(kOrg, kEvent, "b");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->offer_until_millis, kNow + 100 + kTtl);
  EXPECT_EQ((*b)->how, "seat freed");
  EXPECT_EQ((*b)->waitlist_position, 0);
  EXPECT_EQ(CountsNow().SeatsTaken(), 1);  // The offer holds the seat.
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, MaybeAndCancelFromYesAlsoFreeTheSeat) {
  Open(2, 4);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes);
  Say("c", SeatAction::kYes, kNow + 1);
  Say("d", SeatAction::kYes, kNow + 2);
  EXPECT_EQ(Describe(Say("a", SeatAction::kMaybe, kNow + 10).changes),
            "a:yes>maybe c:waitlisted>offered@" + std::to_string(10 + kTtl));
  const AnswerResult r = Say("b", SeatAction::kCancel, kNow + 20, "officer:off_1");
  EXPECT_EQ(r.state, SeatState::kCancelled);
  EXPECT_EQ(Describe(r.changes),
            "b:yes>cancelled d:waitlisted>offered@" + std::to_string(20 + kTtl));
  EXPECT_EQ(Say("b", SeatAction::kCancel, kNow + 30).outcome, AnswerOutcome::kUnchanged);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, OfferedYesKeepsTheHeldSeat) {
  Open(1, 3);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);
  Say("c", SeatAction::kYes, kNow + 2);
  Say("a", SeatAction::kNo, kNow + 10);  // b is offered.
  const AnswerResult r = Say("b", SeatAction::kYes, kNow + 20);
  EXPECT_EQ(r.state, SeatState::kYes);
  EXPECT_EQ(Describe(r.changes), "b:offered>yes");
  EXPECT_EQ(StateOf("c"), "waitlisted");
  EXPECT_EQ(CountsNow().SeatsTaken(), 1);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, OfferedNoPassesTheSeatOn) {
  Open(1, 3);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);
  Say("c", SeatAction::kYes, kNow + 2);
  Say("a", SeatAction::kNo, kNow + 10);
  EXPECT_EQ(Describe(Say("b", SeatAction::kNo, kNow + 20).changes),
            "b:offered>no c:waitlisted>offered@" + std::to_string(20 + kTtl));
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, NoOrMaybeFromTheWaitlistLeavesIt) {
  Open(1, 4);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);
  Say("c", SeatAction::kYes, kNow + 2);
  Say("d", SeatAction::kYes, kNow + 3);
  EXPECT_EQ(Describe(Say("b", SeatAction::kNo, kNow + 10).changes), "b:waitlisted>no");
  EXPECT_EQ(Describe(Say("c", SeatAction::kMaybe, kNow + 11).changes), "c:waitlisted>maybe");
  auto wait = seats_.Waitlist(kOrg, kEvent, 10);
  ASSERT_TRUE(wait.ok());
  ASSERT_EQ(wait->size(), 1u);
  EXPECT_EQ((*wait)[0].contact_id, "d");
  // Changing their mind again: the end of the queue, seats being full.
  EXPECT_EQ(Describe(Say("b", SeatAction::kYes, kNow + 20).changes), "b:no>waitlisted");
  wait = seats_.Waitlist(kOrg, kEvent, 10);
  ASSERT_TRUE(wait.ok());
  ASSERT_EQ(wait->size(), 2u);
  EXPECT_EQ((*wait)[1].contact_id, "b");
  EXPECT_EQ((*wait)[1].since_millis, kNow + 20);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, WaitlistIsInTheOrderAnswersReachTheLedger) {
  Open(0, 5);
  Say("e", SeatAction::kYes, kNow + 1);
  Say("c", SeatAction::kYes, kNow + 2);
  Say("d", SeatAction::kYes, kNow + 2);  // Same millisecond as c: after c all the same.
  // Stamped earlier by a process whose answer reached Redis later: still behind.
  Say("b", SeatAction::kYes, kNow);
  Say("a", SeatAction::kYes, kNow + 3);
  auto wait = seats_.Waitlist(kOrg, kEvent, 10);
  ASSERT_TRUE(wait.ok());
  std::vector<std::string> order;
  for (const auto& w : *wait) order.push_back(w.contact_id);
  EXPECT_THAT(order, ElementsAre("e", "c", "d", "b", "a"));
  EXPECT_EQ((*wait)[0].since_millis, kNow + 1);
  EXPECT_EQ((*wait)[3].since_millis, kNow);
  auto limited = seats_.Waitlist(kOrg, kEvent, 2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);
  // Seats go out in that order.
  auto raised = seats_.Configure(kOrg, kEvent, 3, kTtl, kNow + 10);
  ASSERT_TRUE(raised.ok()) << raised.status();
  const std::string until = std::to_string(10 + kTtl);
  EXPECT_EQ(Describe(*raised), "e:waitlisted>offered@" + until + " c:waitlisted>offered@" + until +
                                   " d:waitlisted>offered@" + until);
  auto b = seats_.Get(kOrg, kEvent, "b");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->waitlist_position, 1);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, ExpiredOffersPassDownTheWaitlist) {
  Open(1, 4);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);
  Say("c", SeatAction::kYes, kNow + 2);
  Say("d", SeatAction::kYes, kNow + 3);
  Say("a", SeatAction::kNo, kNow + 10);  // b offered until kNow + 10 + kTtl.
  auto early = seats_.ExpireOffers(kOrg, kEvent, kNow + 10 + kTtl - 1);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_TRUE(early->empty());
  auto expired = seats_.ExpireOffers(kOrg, kEvent, kNow + 10 + kTtl);
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(Describe(*expired),
            "b:offered>cancelled c:waitlisted>offered@" + std::to_string(10 + 2 * kTtl));
  auto b = seats_.Get(kOrg, kEvent, "b");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->how, "offer expired");
  // Long after: c's offer lapses, d gets it; then d's lapses with nobody waiting.
  expired = seats_.ExpireOffers(kOrg, kEvent, kNow + 10 * kTtl);
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(Describe(*expired),
            "c:offered>cancelled d:waitlisted>offered@" + std::to_string(11 * kTtl));
  expired = seats_.ExpireOffers(kOrg, kEvent, kNow + 20 * kTtl);
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(Describe(*expired), "d:offered>cancelled");
  EXPECT_EQ(CountsNow().SeatsTaken(), 0);
  // The free seat is there for the next yes.
  EXPECT_EQ(Describe(Say("b", SeatAction::kYes, kNow + 21 * kTtl).changes), "b:cancelled>yes");
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, ManyOffersExpireAcrossBatches) {
  ASSERT_TRUE(seats_.Configure(kOrg, kEvent, 600, kTtl, kNow).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 1300; ++i) ids.push_back("p" + std::to_string(1000 + i));
  ASSERT_TRUE(seats_.Invite(kOrg, kEvent, ids, "officer:off_1", kNow).ok());
  for (const auto& id : ids) Say(id, SeatAction::kYes);
  // Everyone seated says no at once: 600 offers go to the waitlist.
  for (int i = 0; i < 600; ++i) Say(ids[i], SeatAction::kNo, kNow + 1);
  EXPECT_EQ(CountsNow().Of(SeatState::kOffered), 600);
  auto expired = seats_.ExpireOffers(kOrg, kEvent, kNow + 1 + kTtl);
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(expired->size(), 600u + 100u);  // 600 cancelled, the last 100 offered.
  const EventCounts counts = CountsNow();
  EXPECT_EQ(counts.Of(SeatState::kCancelled), 600);
  EXPECT_EQ(counts.Of(SeatState::kOffered), 100);
  EXPECT_EQ(counts.Of(SeatState::kWaitlisted), 0);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, LateConfirmationOfALapsedOffer) {
  Open(1, 4);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);
  Say("a", SeatAction::kNo, kNow + 10);  // b offered, nobody else waits.
  // Past the deadline, before the sweep: nobody else wants the seat, so it is still b's.
  EXPECT_EQ(Describe(Say("b", SeatAction::kYes, kNow + 10 + kTtl + 5).changes), "b:offered>yes");

  Say("c", SeatAction::kYes, kNow + 20 + kTtl);
  Say("d", SeatAction::kYes, kNow + 21 + kTtl);
  Say("b", SeatAction::kNo, kNow + 30 + kTtl);  // c offered until kNow + 30 + 2 * kTtl.
  // c confirms too late while d waits: c's offer lapses, d is offered, c queues behind.
  const int64_t late = kNow + 30 + 2 * kTtl;
  const AnswerResult r = Say("c", SeatAction::kYes, late);
  EXPECT_EQ(r.state, SeatState::kWaitlisted);
  EXPECT_EQ(Describe(r.changes),
            "c:offered>cancelled c:cancelled>waitlisted d:waitlisted>offered@" +
                std::to_string(30 + 3 * kTtl));
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, CapacityLoweredBelowSeatsTakenIsRefused) {
  Open(3, 4);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes);
  Say("c", SeatAction::kYes);
  Say("d", SeatAction::kYes);
  Say("c", SeatAction::kNo, kNow + 1);  // d offered: still 3 seats taken.
  auto lowered = seats_.Configure(kOrg, kEvent, 2, kTtl, kNow + 2);
  EXPECT_EQ(lowered.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(MessageOf(lowered.status())), HasSubstr("3 seats taken"));
  EXPECT_EQ(CountsNow().capacity, 3);
  // Down to exactly the seats taken is fine, and so is a new offer time.
  auto exact = seats_.Configure(kOrg, kEvent, 3, 60'000, kNow + 3);
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_TRUE(exact->empty());
  EXPECT_EQ(CountsNow().offer_ttl_ms, 60'000);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, ClosedAnswersChangeNothing) {
  Open(1, 3);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);
  auto closed = seats_.SetClosed(kOrg, kEvent, true, kNow + 2);
  ASSERT_TRUE(closed.ok()) << closed.status();
  const size_t logged = LogSize();
  for (SeatAction action :
       {SeatAction::kYes, SeatAction::kNo, SeatAction::kMaybe, SeatAction::kCancel}) {
    const AnswerResult r = Say("a", action, kNow + 3);
    EXPECT_EQ(r.outcome, AnswerOutcome::kClosed);
    EXPECT_EQ(r.state, SeatState::kYes);
    EXPECT_TRUE(r.changes.empty());
  }
  EXPECT_EQ(Say("c", SeatAction::kYes, kNow + 3).outcome, AnswerOutcome::kClosed);
  EXPECT_EQ(Say("zz", SeatAction::kYes, kNow + 3).outcome, AnswerOutcome::kNotInvited);
  EXPECT_EQ(LogSize(), logged);
  EXPECT_TRUE(CountsNow().closed);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, WhileClosedOffersLapseAndReopeningOffersTheSeats) {
  Open(1, 3);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);
  Say("c", SeatAction::kYes, kNow + 2);
  Say("a", SeatAction::kNo, kNow + 10);  // b offered.
  ASSERT_TRUE(seats_.SetClosed(kOrg, kEvent, true, kNow + 20).ok());
  // Nobody could accept an offer now: b's lapses and the seat stays free.
  auto expired = seats_.ExpireOffers(kOrg, kEvent, kNow + 10 + kTtl);
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(Describe(*expired), "b:offered>cancelled");
  EXPECT_EQ(StateOf("c"), "waitlisted");
  ExpectConsistentNow();
  auto reopened = seats_.SetClosed(kOrg, kEvent, false, kNow + 2 * kTtl);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(Describe(*reopened), "c:waitlisted>offered@" + std::to_string(3 * kTtl));
  EXPECT_FALSE(CountsNow().closed);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, AttendedOnlyFromYes) {
  Open(1, 3);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);  // Waitlisted.
  EXPECT_TRUE(seats_.SetAttended(kOrg, kEvent, "a", true, "officer:door", kNow + 5).ok());
  EXPECT_EQ(StateOf("a"), "attended");
  EXPECT_TRUE(seats_.SetAttended(kOrg, kEvent, "a", true, "officer:door", kNow + 6).ok());
  const absl::Status waiting = seats_.SetAttended(kOrg, kEvent, "b", true, "officer:door", kNow);
  EXPECT_EQ(waiting.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(MessageOf(waiting)), HasSubstr("waitlisted"));
  EXPECT_EQ(seats_.SetAttended(kOrg, kEvent, "c", true, "officer:door", kNow).code(),
            absl::StatusCode::kFailedPrecondition);  // Only invited.
  EXPECT_EQ(seats_.SetAttended(kOrg, kEvent, "zz", true, "officer:door", kNow).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(seats_.SetAttended(kOrg, kEvent, "c", false, "officer:door", kNow).code(),
            absl::StatusCode::kFailedPrecondition);  // Not attended.
  // Someone who came sits on a seat; a late reply does not undo it.
  EXPECT_EQ(CountsNow().SeatsTaken(), 1);
  EXPECT_EQ(Say("a", SeatAction::kNo, kNow + 7).outcome, AnswerOutcome::kUnchanged);
  EXPECT_EQ(StateOf("b"), "waitlisted");
  // Marked by mistake: back to yes.
  EXPECT_TRUE(seats_.SetAttended(kOrg, kEvent, "a", false, "officer:door", kNow + 8).ok());
  EXPECT_EQ(StateOf("a"), "yes");
  EXPECT_TRUE(seats_.SetAttended(kOrg, kEvent, "a", false, "officer:door", kNow + 9).ok());
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, ForgetFreesTheSeatOffersItAndScrubsTheLog) {
  Open(1, 3);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes, kNow + 1);
  Say("c", SeatAction::kYes, kNow + 2);
  auto forgotten = seats_.Forget(kOrg, kEvent, "a", kNow + 10);
  ASSERT_TRUE(forgotten.ok()) << forgotten.status();
  EXPECT_EQ(Describe(*forgotten), "b:waitlisted>offered@" + std::to_string(10 + kTtl));
  EXPECT_EQ(StateOf("a"), "absent");
  EXPECT_EQ(CountsNow().Of(SeatState::kYes), 0);
  auto log = seats_.Log(kOrg, kEvent, "", 100);
  ASSERT_TRUE(log.ok()) << log.status();
  for (const SeatLogEntry& e : *log) EXPECT_NE(e.contact_id, "a");
  ASSERT_FALSE(log->empty());
  // The change itself stays, without the person's id.
  bool found = false;
  for (const SeatLogEntry& e : *log) {
    if (e.to == "forgotten") {
      found = true;
      EXPECT_EQ(e.contact_id, "");
      EXPECT_EQ(e.from, "yes");
    }
  }
  EXPECT_TRUE(found);
  // A waitlisted person leaves the waitlist; forgetting twice is fine.
  ASSERT_TRUE(seats_.Forget(kOrg, kEvent, "c", kNow + 11).ok());
  auto again = seats_.Forget(kOrg, kEvent, "c", kNow + 12);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->empty());
  auto wait = seats_.Waitlist(kOrg, kEvent, 10);
  ASSERT_TRUE(wait.ok());
  EXPECT_TRUE(wait->empty());
  EXPECT_EQ(Say("c", SeatAction::kYes, kNow + 13).outcome, AnswerOutcome::kNotInvited);
  ExpectConsistentNow();
}

TEST_F(EventSeatsTest, ForgetScrubsALongLog) {
  Open(5, 2);
  for (int i = 0; i < 1200; ++i) {
    Say("a", i % 2 == 0 ? SeatAction::kYes : SeatAction::kNo, kNow + i);
    Say("b", i % 2 == 0 ? SeatAction::kYes : SeatAction::kNo, kNow + i);
  }
  ASSERT_TRUE(seats_.Forget(kOrg, kEvent, "a", kNow + 5000).ok());
  auto log = seats_.Log(kOrg, kEvent, "", 10'000);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->size(), 1u + 1200u + 1u);  // b's invitation and answers, and the forgetting.
  for (const SeatLogEntry& e : *log) EXPECT_NE(e.contact_id, "a");
}

TEST_F(EventSeatsTest, UnclearRepliesCountPeopleUntilTheyAnswer) {
  Open(2, 3);
  auto marked = seats_.MarkUnclear(kOrg, kEvent, "a", kNow);
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_TRUE(*marked);
  marked = seats_.MarkUnclear(kOrg, kEvent, "a", kNow + 1);  // A second unclear message.
  ASSERT_TRUE(marked.ok());
  EXPECT_FALSE(*marked);
  ASSERT_TRUE(seats_.MarkUnclear(kOrg, kEvent, "b", kNow).ok());
  marked = seats_.MarkUnclear(kOrg, kEvent, "z", kNow);  // Not invited.
  ASSERT_TRUE(marked.ok());
  EXPECT_FALSE(*marked);
  auto counts = seats_.Counts(kOrg, kEvent);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->unclear, 2);
  auto a = seats_.Get(kOrg, kEvent, "a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->unclear_since_millis, kNow);
  ExpectConsistent(pool(), kOrg, kEvent);

  // A clear answer settles it, also one that changes nothing; so does forgetting the person.
  Say("a", SeatAction::kYes);
  ASSERT_TRUE(seats_.MarkUnclear(kOrg, kEvent, "a", kNow).ok());
  Say("a", SeatAction::kYes);
  ASSERT_TRUE(seats_.Forget(kOrg, kEvent, "b", kNow).ok());
  counts = seats_.Counts(kOrg, kEvent);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->unclear, 0);
  ExpectConsistent(pool(), kOrg, kEvent);
}

TEST_F(EventSeatsTest, TheDeadlineClosesAnswersOnceAndAnOfficerMayReopen) {
  Open(2, 2);
  const int64_t deadline = kNow + kTtl;
  auto closed = seats_.CloseAtDeadline(kOrg, kEvent, deadline, kNow);
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_FALSE(*closed);
  closed = seats_.CloseAtDeadline(kOrg, kEvent, deadline, deadline);
  ASSERT_TRUE(closed.ok());
  EXPECT_TRUE(*closed);
  EXPECT_EQ(Say("a", SeatAction::kYes, deadline).outcome, AnswerOutcome::kClosed);

  ASSERT_TRUE(seats_.SetClosed(kOrg, kEvent, false, deadline + 1).ok());
  closed = seats_.CloseAtDeadline(kOrg, kEvent, deadline, deadline + 2);
  ASSERT_TRUE(closed.ok());
  EXPECT_FALSE(*closed);  // This deadline already closed them once.
  EXPECT_EQ(Say("a", SeatAction::kYes, deadline + 3).outcome, AnswerOutcome::kChanged);

  // The event moved: its new deadline closes answers again.
  closed = seats_.CloseAtDeadline(kOrg, kEvent, deadline + 10, deadline + 10);
  ASSERT_TRUE(closed.ok());
  EXPECT_TRUE(*closed);
}

TEST_F(EventSeatsTest, DeleteEventRemovesEveryKey) {
  Open(1, 3);
  Say("a", SeatAction::kYes);
  Say("b", SeatAction::kYes);
  Say("a", SeatAction::kNo, kNow + 1);
  Say("c", SeatAction::kYes, kNow + 2);
  ASSERT_TRUE(seats_.DeleteEvent(kOrg, kEvent).ok());
  auto keys = pool().Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->elements.empty());
}

TEST_F(EventSeatsTest, ListPagesThroughPeopleWithAStateFilter) {
  ASSERT_TRUE(seats_.Configure(kOrg, kEvent, 50, kTtl, kNow).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) ids.push_back("p" + std::to_string(1000 + i));
  ASSERT_TRUE(seats_.Invite(kOrg, kEvent, ids, "officer:off_1", kNow).ok());
  for (int i = 0; i < 300; i += 3) Say(ids[i], SeatAction::kYes, kNow + i);  // 50 yes, 50 wait.

  auto collect = [&](std::optional<SeatState> state, size_t limit) {
    std::set<std::string> seen;
    std::string cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = seats_.List(kOrg, kEvent, state, cursor, limit);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const PersonState& p : page->people) {
        EXPECT_TRUE(seen.insert(p.contact_id).second) << p.contact_id << " listed twice";
        if (state) {
          EXPECT_EQ(p.state, *state);
        }
      }
      if (page->next_cursor.empty()) break;
      cursor = page->next_cursor;
    }
    return seen;
  };
  EXPECT_EQ(collect(std::nullopt, 40).size(), 300u);
  EXPECT_EQ(collect(SeatState::kYes, 10).size(), 50u);
  EXPECT_EQ(collect(SeatState::kWaitlisted, 1000).size(), 50u);
  EXPECT_EQ(collect(SeatState::kInvited, 25).size(), 200u);
  EXPECT_EQ(seats_.List(kOrg, kEvent, std::nullopt, "12x", 10).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EventSeatsTest, LogRecordsEveryChangeInOrder) {
  Open(1, 2);
  Say("a", SeatAction::kYes, kNow + 1, "sms:m1");
  Say("b", SeatAction::kYes, kNow + 2, "whatsapp:m2");
  Say("a", SeatAction::kCancel, kNow + 3, "officer:off_1");
  auto log = seats_.Log(kOrg, kEvent, "", 100);
  ASSERT_TRUE(log.ok()) << log.status();
  std::vector<std::string> lines;
  for (const SeatLogEntry& e : *log) {
    lines.push_back(e.contact_id + " " + e.from + ">" + e.to + " " + e.how + " " +
                    std::to_string(e.at_millis - kNow));
  }
  EXPECT_THAT(lines,
              ElementsAre("a >invited officer:off_1 0", "b >invited officer:off_1 0",
                          "a invited>yes sms:m1 1", "b invited>waitlisted whatsapp:m2 2",
                          "a yes>cancelled officer:off_1 3", "b waitlisted>offered seat freed 3"));
  auto after = seats_.Log(kOrg, kEvent, (*log)[3].id, 2);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].id, (*log)[4].id);
  EXPECT_EQ(seats_.Log(kOrg, kEvent, "nope", 2).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---- Concurrency: several gateway processes against one Redis. ----

constexpr int kWorkers = 8;
constexpr int kAnswersPerWorker = 1000;
constexpr int kPeople = 300;
constexpr int64_t kSeats = 50;
constexpr int64_t kShortTtl = 2'000;

std::string Person(int i) { return "c" + std::to_string(1000 + i); }

// Random answers from one worker, with an offer sweep now and then; each worker's clock moves
// 10 ms per answer, so offers lapse and late confirmations happen. Returns the changes made.
absl::StatusOr<int64_t> FireAnswers(EventSeats& seats, int worker) {
  std::mt19937 rng(12345 + worker);
  std::uniform_int_distribution<int> person(0, kPeople - 1);
  std::uniform_int_distribution<int> dice(0, 99);
  int64_t changes = 0;
  for (int i = 0; i < kAnswersPerWorker; ++i) {
    const int64_t now = kNow + 10 * i;
    const int roll = dice(rng);
    const SeatAction action = roll < 55   ? SeatAction::kYes
                              : roll < 90 ? SeatAction::kNo
                              : roll < 95 ? SeatAction::kMaybe
                                          : SeatAction::kCancel;
    const std::string how = "sms:w" + std::to_string(worker) + "-" + std::to_string(i);
    ASSIGN_OR_RETURN(AnswerResult r,
                     seats.Answer(kOrg, kEvent, Person(person(rng)), action, how, now));
    if (r.outcome == AnswerOutcome::kNotInvited || r.outcome == AnswerOutcome::kClosed) {
      return absl::InternalError("unexpected outcome");
    }
    changes += static_cast<int64_t>(r.changes.size());
    if (i % 50 == 49) {
      ASSIGN_OR_RETURN(std::vector<SeatChange> expired, seats.ExpireOffers(kOrg, kEvent, now));
      changes += static_cast<int64_t>(expired.size());
    }
  }
  return changes;
}

class EventSeatsConcurrencyTest : public EventSeatsTest {
 protected:
  // Configures the event and invites everyone; returns the changes made (for the log count).
  int64_t OpenBusyEvent() {
    auto configured = seats_.Configure(kOrg, kEvent, kSeats, kShortTtl, kNow);
    EXPECT_TRUE(configured.ok()) << configured.status();
    std::vector<std::string> ids;
    for (int i = 0; i < kPeople; ++i) ids.push_back(Person(i));
    auto invited = seats_.Invite(kOrg, kEvent, ids, "officer:off_1", kNow);
    EXPECT_TRUE(invited.ok()) << invited.status();
    return invited.ok() ? static_cast<int64_t>(invited->size()) : 0;
  }

  void ExpectBusyEventConsistent(int64_t changes) {
    ExpectConsistentNow();
    const EventCounts counts = CountsNow();
    EXPECT_LE(counts.SeatsTaken(), kSeats);
    int64_t people = 0;
    for (int64_t n : counts.by_state) people += n;
    EXPECT_EQ(people, kPeople);
    // With more yes than seats the event fills and a waitlist forms.
    EXPECT_EQ(counts.SeatsTaken(), kSeats);
    EXPECT_GT(counts.Of(SeatState::kWaitlisted), 0);
    EXPECT_EQ(static_cast<int64_t>(LogSize()), changes) << "every change logged exactly once";
  }
};

TEST_F(EventSeatsConcurrencyTest, ProcessesAnsweringAtOnceNeverOverbook) {
  int64_t changes = OpenBusyEvent();
  std::vector<pid_t> children;
  std::vector<int> pipes;
  for (int w = 0; w < kWorkers; ++w) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // A gateway process of its own: its own pool and connection. Only _exit from here.
      close(fds[0]);
      RedisPool redis(endpoint(), 1);
      EventSeats seats(&redis);
      absl::StatusOr<int64_t> made = FireAnswers(seats, w);
      if (!made.ok()) {
        std::fprintf(stderr, "worker %d: %s\n", w, std::string(MessageOf(made.status())).c_str());
        _exit(2);
      }
      const int64_t n = *made;
      const bool written = write(fds[1], &n, sizeof(n)) == static_cast<ssize_t>(sizeof(n));
      _exit(written ? 0 : 3);
    }
    close(fds[1]);
    children.push_back(pid);
    pipes.push_back(fds[0]);
  }
  for (int w = 0; w < kWorkers; ++w) {
    int64_t n = 0;
    const bool read_ok = read(pipes[w], &n, sizeof(n)) == static_cast<ssize_t>(sizeof(n));
    close(pipes[w]);
    int status = 0;
    ASSERT_EQ(waitpid(children[w], &status, 0), children[w]);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "worker " << w;
    EXPECT_TRUE(read_ok) << "worker " << w;
    changes += n;
  }
  ExpectBusyEventConsistent(changes);
}

TEST_F(EventSeatsConcurrencyTest, ThreadsWithTheirOwnConnectionsNeverOverbook) {
  int64_t changes = OpenBusyEvent();
  std::vector<absl::StatusOr<int64_t>> made(kWorkers, int64_t{0});
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([w, &made] {
      RedisPool redis(endpoint(), 1);
      EventSeats seats(&redis);
      made[w] = FireAnswers(seats, w);
    });
  }
  for (std::thread& t : threads) t.join();
  for (int w = 0; w < kWorkers; ++w) {
    ASSERT_TRUE(made[w].ok()) << made[w].status();
    changes += *made[w];
  }
  ExpectBusyEventConsistent(changes);
}

}  // namespace
}  // namespace ogw
