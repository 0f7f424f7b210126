#pragma once

// Turns people's replies into RSVP answers and tells people what their answer, or someone
// else's, means for them (docs/ARCHITECTURE.md, "Invitations", "Reading replies").
//
// A reply belongs to an invitation when its sender is in an event ({o:ORG}:cev:CONTACT) that
// has not ended and where they have not been marked attended. Of several, the one that holds a
// seat offer for them, then one still open for answers, then the one where their state last
// changed. The reply is read with ReadRsvpReply in the person's languages (numbers 1/2/3 on
// SMS, where invitations offer them); an answer runs the seat ledger's script, an unclear
// reply is counted for an officer, and a clear answer after answers closed gets the polite
// closed message (at most one a day per person and event).
//
// Every change of anyone's state is noted in their conversation (kind "rsvp": event, from,
// to, how), and the person it concerns is told in their language: the one who replied on the
// channel they used, people offered a freed seat or whose offer lapsed on their first usable
// channel. Notices are direct messages from "system"; the delivery worker sends them.
//
// Reliability: OnReply runs before the inbound pipeline stores the reply. A failure returns an
// error, the reply is not stored, and the provider's retry repeats the whole: the ledger
// ignores an answer that changes nothing, so only the acknowledgement can repeat.
//
// Thread-safety: thread-safe; every dependency is.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/core/channel.h"
#include "gateway/inbound/person_reply.h"
#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/invitations/event_seats.h"
#include "gateway/inbound/person_reply.h"
#include "gateway/invitations/event_store.h"
#include "gateway/invitations/rsvp_texts.h"
#include "queue/delivery_queue.h"

namespace ogw {

struct RsvpDeps {
  RedisPool* redis = nullptr;
  const Clock* clock = nullptr;
  EventStore* events = nullptr;
  EventSeats* seats = nullptr;
  ContactStore* contacts = nullptr;
  ConversationLog* conversations = nullptr;
  DeliveryQueue* queue = nullptr;
};

struct RsvpOutcome {
  std::string event_id;
  // "yes", "no", "maybe" (read and applied), "unclear" (for an officer) or "closed" (an
  // answer after answers closed; nothing changed).
  std::string reading;
  std::string state;  // The person's state afterwards.
};

// What a person is told of the state their answer led to (a seat, the waitlist, ...);
// nullopt for invited and attended.
std::optional<RsvpNotice> NoticeForState(SeatState state);

class RsvpResponder {
 public:
  explicit RsvpResponder(RsvpDeps deps) : deps_(deps) {}

  // Reads and applies a reply; nullopt when the sender has no open invitation (an ordinary
  // message).
  absl::StatusOr<std::optional<RsvpOutcome>> OnReply(const PersonReply& reply);

  // Notes each change in its person's conversation (`how` as the ledger has it) and tells
  // people offered a seat or whose offer lapsed. The changes of an answer, an officer's
  // answer, a capacity change or an erasure. Failures to tell one person do not stop the
  // others; the first is returned.
  absl::Status Announce(const Event& event, const std::vector<SeatChange>& changes,
                        std::string_view skip_contact_id = "");

  // An answer the person gave on their own event page (/e/<token>), applied as a reply would
  // be, with `how` "link"; the notice the page shows them (their new state, kClosed after
  // answers closed, kEventCancelled for a cancelled event, which takes no answer) and their
  // waitlist position. Others' changes are announced as usual.
  // NotFound when the event has ended or the person is not (or no longer) in it.
  struct PageAnswer {
    RsvpNotice notice = RsvpNotice::kClosed;
    int64_t waitlist_position = 0;
    std::optional<SeatState> state;  // The person's state afterwards; unset when closed.
  };
  absl::StatusOr<PageAnswer> AnswerFromPage(const Event& event, const Contact& contact,
                                            RsvpAnswer answer);

  // After an officer changed the event: when its start, place or online link changed, tells
  // everyone with a seat, offered one or waiting (kEventChanged, in their language, on their
  // first usable channel) and returns how many people it concerned; 0 for any other change.
  // Failures to tell one person do not stop the others; the first is returned.
  absl::StatusOr<size_t> AnnounceChange(const Event& before, const Event& after);
  // After an officer called the event off: tells everyone who had not declined (yes, offered,
  // waitlisted, maybe, invited) that it is cancelled; how many people it concerned.
  absl::StatusOr<size_t> AnnounceCancellation(const Event& event);

  // Housekeeping of one organisation's events, run on the worker's timer: answers close at
  // the deadline (once: an officer may reopen them), lapsed offers expire and their seats go
  // on down the waitlist, and everyone concerned is told. Returns the changes made.
  absl::StatusOr<size_t> Sweep(std::string_view org_id);

 private:
  struct Invitation {
    Event event;
    PersonState person;
  };
  // The invitation a reply of `contact_id` answers (see the top).
  absl::StatusOr<std::optional<Invitation>> FindInvitation(std::string_view org_id,
                                                           std::string_view contact_id);
  // Queues `notice` to `contact` on `channel` at `address_index`, or on their first usable
  // channel when `channel` is nullopt (nothing when they have none).
  absl::Status Tell(const Event& event, const Contact& contact, RsvpNotice notice,
                    std::optional<std::pair<Channel, size_t>> where, int64_t position,
                    int64_t offer_until_millis);
  // Tells the event's people in `states` `notice` on their first usable channel; how many
  // people it concerned. Failures to tell one person do not stop the others.
  absl::StatusOr<size_t> TellPeopleIn(const Event& event, std::initializer_list<SeatState> states,
                                      RsvpNotice notice);
  // Closes answers once the deadline has passed; whether answers are closed.
  absl::StatusOr<bool> ApplyDeadline(const Event& event);

  RsvpDeps deps_;
};

}  // namespace ogw
