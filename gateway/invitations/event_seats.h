#pragma once

// The seat ledger of an event: who is invited, what each person answered, the seats and the
// waitlist. Every change runs as one Lua script (event_seats.lua) that reads the person's state,
// the seats taken and the capacity and applies the rule, so several gateway processes answering
// hundreds of replies at once never overbook and never lose a place in the waitlist.
//
// Keys (gateway/core/key_schema.h), all under the organisation's hash tag, so one script
// reaches them in one slot:
//   {o:ORG}:ev:EVENT:meta    HASH    capacity, offer_ttl_ms, closed ("1": answers closed),
//                                    deadline_closed (the RSVP deadline that closed them)
//   {o:ORG}:ev:EVENT:people  HASH    contact -> {"state","at","how","offer_until","unclear"}
//                                    (JSON; times in ms, offer_until only while offered,
//                                    unclear while their latest reply waits for an officer)
//   {o:ORG}:ev:EVENT:counts  HASH    state -> people in it, and "unclear" -> people whose
//                                    latest reply was unclear (kept by the script: no scans)
//   {o:ORG}:ev:EVENT:wait    ZSET    waitlisted contact -> arrival number (meta's wait_seq): first
//                                    come to the ledger, first served
//   {o:ORG}:ev:EVENT:offers  ZSET    offered contact -> offer deadline ms
//   {o:ORG}:ev:EVENT:log     STREAM  one entry per change: contact, from, to, how, at (capped
//                                    at about kMaxLogEntries)
//   {o:ORG}:cev:CONTACT      SET     the events the person is in: written before Invite's
//                                    script, removed by Forget and DeleteEvent; erasure
//                                    (ForgetPerson) and replies find the person's events here
//
// Seats taken = yes + offered + attended (an offered seat is held for its person; someone who
// came sat on one), never above the capacity.
//
// Rules of an answer (Answer):
//  - yes: from yes or waitlisted nothing changes; offered -> yes keeps the held seat (an offer
//    past its deadline still holds while nobody else waits; otherwise it lapses and the person
//    joins the end of the waitlist); otherwise yes when a seat is free and nobody waits, else
//    waitlisted.
//  - no, maybe, cancel (-> cancelled): from yes or offered frees the seat, from waitlisted
//    leaves the waitlist.
//  - the state the answer leads to already holds: nothing changes and nothing is logged
//    (providers redeliver replies). Attended people keep their state.
//  - answers closed: nothing changes.
// After every change a free seat goes to the first waitlisted person as an offer held until
// now + offer_ttl_ms (not while answers are closed: nobody could accept it).
//
// Thread-safety: thread-safe; every method leases connections from the pool.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"
#include "gateway/invitations/rsvp_reply.h"

namespace ogw {

enum class SeatState { kInvited, kYes, kNo, kMaybe, kWaitlisted, kOffered, kCancelled, kAttended };
inline constexpr size_t kSeatStateCount = 8;

// "invited", "yes", "no", "maybe", "waitlisted", "offered", "cancelled", "attended": the names
// in the keys, the log and the API.
std::string_view SeatStateName(SeatState state);
// The inverse of SeatStateName; nullopt for anything else.
std::optional<SeatState> ParseSeatState(std::string_view name);

// What a person (or an officer for them) says.
enum class SeatAction { kYes, kNo, kMaybe, kCancel };
SeatAction SeatActionOf(RsvpAnswer answer);

// One person's move, for acknowledgements ("you have a seat", "a seat is free for you").
struct SeatChange {
  std::string contact_id;
  std::optional<SeatState> from;  // nullopt: newly invited.
  SeatState to = SeatState::kInvited;
  int64_t offer_until_millis = 0;  // When `to` is kOffered: the deadline to confirm.
};

enum class AnswerOutcome {
  kChanged,     // `changes` holds the person's own change(s) first, then offers made.
  kUnchanged,   // Their state already followed from the answer (a redelivery, or attended).
  kClosed,      // Answers are closed: nothing changed (send the polite closed message).
  kNotInvited,  // The person is not in the event.
};

struct AnswerResult {
  AnswerOutcome outcome = AnswerOutcome::kUnchanged;
  std::optional<SeatState> state;  // The person's state afterwards; nullopt when not invited.
  std::vector<SeatChange> changes;
};

struct EventCounts {
  int64_t capacity = 0;
  int64_t offer_ttl_ms = 0;
  bool closed = false;
  std::array<int64_t, kSeatStateCount> by_state{};  // Indexed by SeatState.
  int64_t unclear = 0;  // People whose latest reply waits for an officer.

  int64_t Of(SeatState state) const { return by_state[static_cast<size_t>(state)]; }
  int64_t SeatsTaken() const {
    return Of(SeatState::kYes) + Of(SeatState::kOffered) + Of(SeatState::kAttended);
  }
};

struct PersonState {
  std::string contact_id;
  SeatState state = SeatState::kInvited;
  int64_t at_millis = 0;             // When they reached the state.
  std::string how;                   // "sms:<reply id>", "officer:<id>", "offer expired", ...
  int64_t offer_until_millis = 0;    // kOffered only.
  int64_t waitlist_position = 0;     // 1 = next to be offered a seat; 0 when not waitlisted.
  int64_t unclear_since_millis = 0;  // Their latest reply was unclear (0: none pending).
};

struct PeoplePage {
  std::vector<PersonState> people;  // In contact id order within the page.
  std::string next_cursor;          // "" when the listing is complete.
};

// The changes one operation made in one event.
struct EventSeatChanges {
  std::string event_id;
  std::vector<SeatChange> changes;
};

struct WaitlistEntry {
  std::string contact_id;
  int64_t since_millis = 0;
};

struct SeatLogEntry {
  std::string id;          // Stream id: the cursor of Log.
  std::string contact_id;  // "" for a forgotten (erased) person.
  std::string from;        // A state name, or "" when newly invited.
  std::string to;          // A state name, or "forgotten".
  std::string how;
  int64_t at_millis = 0;
};

class EventSeats {
 public:
  static constexpr int64_t kMaxLogEntries = 100'000;

  explicit EventSeats(RedisPool* redis) : redis_(redis) {}

  // Sets the capacity and how long a freed seat is held for a waitlisted person. A capacity
  // above the seats taken offers the new seats to the waitlist (the returned changes); one below
  // is refused (FailedPrecondition naming the seats taken).
  absl::StatusOr<std::vector<SeatChange>> Configure(std::string_view org, std::string_view event,
                                                    int64_t capacity, int64_t offer_ttl_ms,
                                                    int64_t now_millis);
  // Closes answers (RSVP deadline passed, or the officer closed them) or reopens them; reopening
  // offers seats freed meanwhile to the waitlist (the returned changes).
  absl::StatusOr<std::vector<SeatChange>> SetClosed(std::string_view org, std::string_view event,
                                                    bool closed, int64_t now_millis);

  // Closes answers when `now_millis` has reached `deadline_millis`, once per deadline: answers an
  // officer reopens afterwards stay open, and a later deadline (the event moved) closes them
  // again. Returns whether answers are closed now.
  absl::StatusOr<bool> CloseAtDeadline(std::string_view org, std::string_view event,
                                       int64_t deadline_millis, int64_t now_millis);

  // Adds people as invited. People already in the event keep their state; only the new ones
  // are returned. FailedPrecondition before Configure.
  absl::StatusOr<std::vector<SeatChange>> Invite(std::string_view org, std::string_view event,
                                                 const std::vector<std::string>& contact_ids,
                                                 std::string_view how, int64_t now_millis);

  // Applies one answer atomically (the rules at the top). `how` says where it came from:
  // "sms:<reply message id>", "officer:<officer id>". `even_if_closed`: an officer records an
  // answer after answers closed (a seat it frees is not offered on while closed).
  // FailedPrecondition before Configure.
  absl::StatusOr<AnswerResult> Answer(std::string_view org, std::string_view event,
                                      std::string_view contact_id, SeatAction action,
                                      std::string_view how, int64_t now_millis,
                                      bool even_if_closed = false);

  // Marks that the person's latest reply could not be read as an answer (counted until their
  // next answer or change of state). False when already marked or not invited.
  absl::StatusOr<bool> MarkUnclear(std::string_view org, std::string_view event,
                                   std::string_view contact_id, int64_t now_millis);

  // Offers whose deadline is at or before now become cancelled ("offer expired") and their
  // seats go on down the waitlist. Returns the changes in order. Run by a periodic sweep.
  absl::StatusOr<std::vector<SeatChange>> ExpireOffers(std::string_view org, std::string_view event,
                                                       int64_t now_millis);

  // yes -> attended, or (attended = false) attended -> yes; already there is fine. NotFound when
  // the person is not in the event, FailedPrecondition from any other state.
  absl::Status SetAttended(std::string_view org, std::string_view event,
                           std::string_view contact_id, bool attended, std::string_view how,
                           int64_t now_millis);

  absl::StatusOr<EventCounts> Counts(std::string_view org, std::string_view event);
  absl::StatusOr<std::optional<PersonState>> Get(std::string_view org, std::string_view event,
                                                 std::string_view contact_id);
  // A page of the people (in a state, when given) by HSCAN: `cursor` "" starts, a page has up
  // to about `limit` people (a small event comes whole) and may be empty before the end.
  absl::StatusOr<PeoplePage> List(std::string_view org, std::string_view event,
                                  std::optional<SeatState> state, std::string_view cursor,
                                  size_t limit);
  // The first `limit` waitlisted people, next to be offered first.
  absl::StatusOr<std::vector<WaitlistEntry>> Waitlist(std::string_view org, std::string_view event,
                                                      size_t limit);
  // Up to `limit` log entries after `after_id` ("" from the oldest kept), oldest first.
  absl::StatusOr<std::vector<SeatLogEntry>> Log(std::string_view org, std::string_view event,
                                                std::string_view after_id, size_t limit);

  // Erasure of a person: removes them from every key of the event, their log entries included
  // (the change is logged without their id, so the counts still add up), frees their seat and
  // offers it on (the returned changes). Nothing to do is fine.
  absl::StatusOr<std::vector<SeatChange>> Forget(std::string_view org, std::string_view event,
                                                 std::string_view contact_id, int64_t now_millis);
  // Erasure of a person from every event they are in ({o:ORG}:cev:CONTACT, kept by Invite and
  // Forget), and of that index. The changes of each event, for the caller to announce (a
  // freed seat offered to the next person); their own change among them.
  absl::StatusOr<std::vector<EventSeatChanges>> ForgetPerson(std::string_view org,
                                                             std::string_view contact_id,
                                                             int64_t now_millis);
  // Deletes every key of the event's ledger, and the event from its people's indexes.
  absl::Status DeleteEvent(std::string_view org, std::string_view event);

 private:
  struct ScriptResult {
    std::string result;
    std::string detail;
    std::vector<SeatChange> changes;
  };
  absl::StatusOr<ScriptResult> Run(std::string_view org, std::string_view event,
                                   std::vector<std::string> args);

  RedisPool* redis_;
};

}  // namespace ogw
