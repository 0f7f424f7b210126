#include "gateway/invitations/rsvp_responder.h"

#include <spdlog/spdlog.h>

#include "gateway/campaigns/campaign_launcher.h"
#include "gateway/core/key_schema.h"
#include "gateway/invitations/rsvp_reply.h"

namespace ogw {
namespace {

constexpr int64_t kClosedNoticeSeconds = 24 * 3600;


// Rank of an invitation for a reply (higher answers first): an offer waiting for the person,
// then answers still open.
int Rank(const PersonState& person, bool open) {
  if (person.state == SeatState::kOffered) return 2;
  return open ? 1 : 0;
}

}  // namespace

std::optional<RsvpNotice> NoticeForState(SeatState state) {
  switch (state) {
    case SeatState::kYes:
      return RsvpNotice::kSeatConfirmed;
    case SeatState::kWaitlisted:
      return RsvpNotice::kWaitlisted;
    case SeatState::kNo:
    case SeatState::kCancelled:
      return RsvpNotice::kDeclined;
    case SeatState::kMaybe:
      return RsvpNotice::kMaybe;
    case SeatState::kOffered:
      return RsvpNotice::kSeatOffered;
    case SeatState::kInvited:
    case SeatState::kAttended:
      break;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<RsvpResponder::Invitation>> RsvpResponder::FindInvitation(
    std::string_view org_id, std::string_view contact_id) {
  ASSIGN_OR_RETURN(RedisReply members,
                   deps_.redis->Command({"SMEMBERS", keys::ContactEvents(org_id, contact_id)}));
  const int64_t now = deps_.clock->NowMillis();
  std::optional<Invitation> best;
  int best_rank = -1;
  for (const RedisReply& member : members.elements) {
    ASSIGN_OR_RETURN(std::optional<Event> event, deps_.events->Get(org_id, member.str));
    if (!event || now >= event->ends_at_millis || event->cancelled_at_millis != 0) continue;
    ASSIGN_OR_RETURN(std::optional<PersonState> person,
                     deps_.seats->Get(org_id, event->id, contact_id));
    if (!person || person->state == SeatState::kAttended) continue;
    const int rank = Rank(*person, now < event->rsvp_deadline_millis);
    if (rank > best_rank || (rank == best_rank && person->at_millis > best->person.at_millis)) {
      best_rank = rank;
      best = Invitation{*std::move(event), *std::move(person)};
    }
  }
  return best;
}

absl::StatusOr<bool> RsvpResponder::ApplyDeadline(const Event& event) {
  return deps_.seats->CloseAtDeadline(event.org_id, event.id, event.rsvp_deadline_millis,
                                      deps_.clock->NowMillis());
}

absl::StatusOr<std::optional<RsvpOutcome>> RsvpResponder::OnReply(const PersonReply& reply) {
  const Contact& contact = *reply.contact;
  ASSIGN_OR_RETURN(std::optional<Invitation> invitation, FindInvitation(reply.org_id, contact.id));
  if (!invitation) return std::nullopt;
  const Event& event = invitation->event;
  RsvpOutcome outcome;
  outcome.event_id = event.id;
  outcome.state = std::string(SeatStateName(invitation->person.state));

  RsvpReplyOptions options;
  options.numbered = reply.channel == Channel::kSms;  // SMS invitations offer 1, 2, 3.
  options.languages = contact.languages;
  const RsvpReading reading = ReadRsvpReply(reply.text, reply.button, options);
  const int64_t now = deps_.clock->NowMillis();
  // Before the deadline answers are open (closing them is the deadline's alone): no script.
  bool closed = false;
  if (now >= event.rsvp_deadline_millis) {
    ASSIGN_OR_RETURN(closed, ApplyDeadline(event));
  }
  if (!reading.answer) {
    outcome.reading = "unclear";
    // After answers closed an unclear message is simply conversation for the officers.
    if (!closed) {
      RETURN_IF_ERROR(deps_.seats->MarkUnclear(reply.org_id, event.id, contact.id, now).status());
    }
    return outcome;
  }
  const auto where = ReplyAddress(contact, reply.channel, reply.address);
  ASSIGN_OR_RETURN(AnswerResult answer,
                   deps_.seats->Answer(reply.org_id, event.id, contact.id,
                                       SeatActionOf(*reading.answer), reply.how, now));
  if (answer.outcome == AnswerOutcome::kNotInvited) return std::nullopt;  // Erased meanwhile.
  if (answer.outcome == AnswerOutcome::kClosed) {
    outcome.reading = "closed";
    // One closed message a day per person and event: an auto-responder must not loop.
    ASSIGN_OR_RETURN(
        RedisReply first,
        deps_.redis->Command({"SET", keys::EventClosedNotice(reply.org_id, event.id, contact.id),
                              "1", "NX", "EX", std::to_string(kClosedNoticeSeconds)}));
    if (!first.IsNil()) {
      RETURN_IF_ERROR(Tell(event, contact, RsvpNotice::kClosed, where, 0, 0));
    }
    return outcome;
  }
  outcome.reading = std::string(RsvpAnswerName(*reading.answer));
  outcome.state = std::string(SeatStateName(*answer.state));
  // The acknowledgement first: it is what the person waits for.
  if (std::optional<RsvpNotice> notice = NoticeForState(*answer.state)) {
    int64_t position = 0;
    if (*answer.state == SeatState::kWaitlisted) {
      ASSIGN_OR_RETURN(auto now_state, deps_.seats->Get(reply.org_id, event.id, contact.id));
      if (now_state) position = now_state->waitlist_position;
    }
    RETURN_IF_ERROR(Tell(event, contact, *notice, where, position, 0));
  }
  RETURN_IF_ERROR(Announce(event, answer.changes, contact.id));
  return outcome;
}

absl::Status RsvpResponder::Announce(const Event& event, const std::vector<SeatChange>& changes,
                                     std::string_view skip_contact_id) {
  absl::Status first_error;
  auto keep = [&first_error](absl::Status status) {
    if (!status.ok() && first_error.ok()) first_error = std::move(status);
  };
  // The notes go in one pipelined batch: a selection invites thousands at once.
  std::vector<ConversationAppend> notes;
  notes.reserve(changes.size());
  for (const SeatChange& change : changes) {
    ASSIGN_OR_RETURN(std::optional<PersonState> person,
                     deps_.seats->Get(event.org_id, event.id, change.contact_id));
    // The ledger's own record of the change (how), for the conversation.
    const std::string how = person && person->state == change.to ? person->how : "";
    notes.push_back({change.contact_id,
                     "rsvp",
                     {{"event", event.id},
                      {"from", change.from ? std::string(SeatStateName(*change.from)) : ""},
                      {"to", std::string(SeatStateName(change.to))},
                      {"how", how}}});
    if (change.contact_id == skip_contact_id) continue;
    std::optional<RsvpNotice> notice;
    if (change.to == SeatState::kOffered) notice = RsvpNotice::kSeatOffered;
    if (change.to == SeatState::kCancelled && change.from == SeatState::kOffered) {
      notice = RsvpNotice::kOfferExpired;
    }
    if (!notice) continue;
    auto stored = deps_.contacts->Get(event.org_id, change.contact_id);
    if (!stored.ok()) {
      keep(stored.status());
      continue;
    }
    if (!*stored) continue;  // Erased.
    int64_t until = change.offer_until_millis;
    if (*notice == RsvpNotice::kOfferExpired) {
      // The deadline they missed: the offer's, which the cancelled record no longer holds.
      until = person ? person->at_millis : deps_.clock->NowMillis();
    }
    keep(Tell(event, (*stored)->contact, *notice, std::nullopt, 0, until));
  }
  keep(deps_.conversations->AppendMany(event.org_id, notes));
  return first_error;
}

absl::StatusOr<RsvpResponder::PageAnswer> RsvpResponder::AnswerFromPage(const Event& event,
                                                                         const Contact& contact,
                                                                         RsvpAnswer answer) {
  const int64_t now = deps_.clock->NowMillis();
  if (now >= event.ends_at_millis) return absl::NotFoundError("the event has ended");
  if (event.cancelled_at_millis != 0) return PageAnswer{RsvpNotice::kEventCancelled, 0, std::nullopt};
  if (now >= event.rsvp_deadline_millis) RETURN_IF_ERROR(ApplyDeadline(event).status());
  ASSIGN_OR_RETURN(AnswerResult result, deps_.seats->Answer(event.org_id, event.id, contact.id,
                                                            SeatActionOf(answer), "link", now));
  if (result.outcome == AnswerOutcome::kNotInvited) {
    return absl::NotFoundError("not invited to the event");
  }
  PageAnswer page;
  if (result.outcome == AnswerOutcome::kClosed) return page;
  page.state = result.state;
  page.notice = NoticeForState(*result.state).value_or(RsvpNotice::kSeatConfirmed);
  if (*result.state == SeatState::kWaitlisted) {
    ASSIGN_OR_RETURN(auto now_state, deps_.seats->Get(event.org_id, event.id, contact.id));
    if (now_state) page.waitlist_position = now_state->waitlist_position;
  }
  RETURN_IF_ERROR(Announce(event, result.changes, contact.id));
  return page;
}

absl::StatusOr<size_t> RsvpResponder::AnnounceChange(const Event& before, const Event& after) {
  if (before.starts_at_millis == after.starts_at_millis && before.place == after.place &&
      before.online_url == after.online_url) {
    return 0;
  }
  return TellPeopleIn(after, {SeatState::kYes, SeatState::kOffered, SeatState::kWaitlisted},
                      RsvpNotice::kEventChanged);
}

absl::StatusOr<size_t> RsvpResponder::AnnounceCancellation(const Event& event) {
  return TellPeopleIn(event,
                      {SeatState::kYes, SeatState::kOffered, SeatState::kWaitlisted,
                       SeatState::kMaybe, SeatState::kInvited},
                      RsvpNotice::kEventCancelled);
}

absl::StatusOr<size_t> RsvpResponder::TellPeopleIn(const Event& event,
                                                   std::initializer_list<SeatState> states,
                                                   RsvpNotice notice) {
  size_t told = 0;
  absl::Status first_error;
  for (SeatState state : states) {
    std::string cursor;
    do {
      ASSIGN_OR_RETURN(PeoplePage page,
                       deps_.seats->List(event.org_id, event.id, state, cursor, 500));
      for (const PersonState& person : page.people) {
        auto stored = deps_.contacts->Get(event.org_id, person.contact_id);
        absl::Status status = stored.status();
        if (stored.ok() && *stored) {
          status = Tell(event, (*stored)->contact, notice, std::nullopt, 0, 0);
          told += status.ok();
        }
        if (!status.ok() && first_error.ok()) first_error = status;
      }
      cursor = page.next_cursor;
    } while (!cursor.empty());
  }
  if (!first_error.ok()) return first_error;
  return told;
}

absl::Status RsvpResponder::Tell(const Event& event, const Contact& contact, RsvpNotice notice,
                                 std::optional<std::pair<Channel, size_t>> where, int64_t position,
                                 int64_t offer_until_millis) {
  if (!where) {
    std::string reason;
    const std::optional<AddressChoice> choice = ChooseAddress(contact, "preferred", &reason);
    if (!choice) {
      spdlog::info("rsvp: {} of event {} has no usable address ({}); not told", contact.id,
                   event.id, reason);
      return absl::OkStatus();
    }
    where = std::make_pair(static_cast<Channel>(choice->channel),
                           static_cast<size_t>(choice->address_index));
  }
  RsvpNoticeInput input;
  input.notice = notice;
  input.languages = contact.languages;
  if (input.languages.empty()) input.languages.push_back(event.default_language);
  input.time_zone = contact.time_zone;
  input.waitlist_position = position;
  input.offer_until_millis = offer_until_millis;
  DirectMessageInput message;
  message.contact_id = contact.id;
  message.channel = static_cast<uint8_t>(where->first);
  message.address_index = static_cast<uint8_t>(where->second);
  message.payload = {{"contact_id", contact.id},
                     {"channel", std::string(ChannelName(where->first))},
                     {"text", RsvpNoticeText(event, input)},
                     {"subject", event.TextFor(input.languages).title},
                     {"author", "system"},
                     {"system", "rsvp"},
                     {"event", event.id},
                     {"contact_post", contact.post_id}};
  return deps_.queue->EnqueueDirect(event.org_id, message).status();
}

absl::StatusOr<size_t> RsvpResponder::Sweep(std::string_view org_id) {
  ASSIGN_OR_RETURN(std::vector<Event> events, deps_.events->List(org_id));
  const int64_t now = deps_.clock->NowMillis();
  size_t changed = 0;
  absl::Status first_error;
  for (const Event& event : events) {
    if (now >= event.ends_at_millis || event.cancelled_at_millis != 0) continue;
    if (absl::Status closed = ApplyDeadline(event).status(); !closed.ok()) {
      if (first_error.ok()) first_error = closed;
      continue;
    }
    auto expired = deps_.seats->ExpireOffers(org_id, event.id, now);
    // An event whose seats were never configured has nobody to sweep.
    if (expired.status().code() == absl::StatusCode::kFailedPrecondition) continue;
    if (!expired.ok()) {
      if (first_error.ok()) first_error = expired.status();
      continue;
    }
    changed += expired->size();
    absl::Status told = Announce(event, *expired);
    if (!told.ok() && first_error.ok()) first_error = told;
  }
  if (!first_error.ok()) return first_error;
  return changed;
}

}  // namespace ogw
