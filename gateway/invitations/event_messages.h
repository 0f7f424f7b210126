#pragma once

// The messages an event sends to its people: the invitation, a nudge to those who have not
// answered, reminders before the start, a change notice, and the thank-you afterwards
// (docs/ARCHITECTURE.md, "Invitations", "Event messages").
//
// Each is a campaign whose audience is the event's people in the states its purpose names,
// read from the seat ledger when it launches: a reminder scheduled a week ahead goes to those
// who said yes by then, not at the time it was scheduled. A message due later waits in
// {o:ORG}:evmsg:due (ZSET campaign id -> due ms) until the worker's sweep launches it.
//
// When rendered, every such message has the variable `event` in the person's language and
// time zone ({{event.title}}, {{event.when}}, {{event.place}}, {{event.deadline}}, ...); one
// that asks for an answer adds the RSVP buttons on chat channels and "1 / 2 / 3" on SMS; one
// that carries the date attaches the event's calendar file to e-mail (RFC 5545).
//
// Thread-safety: thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/provider.h"
#include "gateway/campaigns/campaign.h"
#include "gateway/campaigns/campaign_launcher.h"
#include "gateway/campaigns/campaign_store.h"
#include "gateway/contacts/contact.h"
#include "gateway/core/clock.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/redis_client.h"
#include "gateway/invitations/event.h"
#include "gateway/invitations/event_seats.h"

namespace ogw {

enum class EventPurpose { kInvitation, kNudge, kReminder, kUpdate, kThanks };

// "invitation", "nudge", "reminder", "update", "thanks".
std::string_view EventPurposeName(EventPurpose purpose);
std::optional<EventPurpose> ParseEventPurpose(std::string_view name);

// Who a purpose goes to: invitation -> invited; nudge -> invited, maybe; reminder -> yes;
// update -> yes, offered, waitlisted; thanks -> attended.
std::vector<SeatState> AudienceOf(EventPurpose purpose);
// Invitations and nudges ask for an answer.
bool AsksForAnswer(EventPurpose purpose);
// Invitations, reminders and updates carry the date as a calendar file on e-mail.
bool CarriesCalendar(EventPurpose purpose);

// The template variable `event` for a person reading in `language`, times in `time_zone`
// (their own; "" for the venue's): {"id", "title", "description", "when", "ends", "deadline",
// "place", "online_url", "organiser", "time_zone"}.
nlohmann::json EventVariables(const Event& event, std::string_view language,
                              std::string_view time_zone);

// The words of answering in a language (primary subtag; English when unknown): button titles
// (within the 20 characters every chat channel takes), the SMS answer line, and the labels of
// the links to a person's event page and calendar file.
struct EventAnswerWords {
  std::string_view yes, no, maybe, sms_line, answer_online, add_to_calendar;
};
const EventAnswerWords& AnswerWordsFor(std::string_view language);

// Adds `lines` to the text above the opt-out paragraph the renderer ends it with, so the last
// thing a person reads is how to stop, as on every other message.
void AddAboveOptOut(Channel channel, std::string_view language, std::string_view lines,
                    OutboundMessage* message);

// What a message that asks for an answer adds on `channel` in `language`: chat channels get
// the three buttons (rsvp:yes, rsvp:no, rsvp:maybe; titles in the language) unless the
// template has its own, SMS the line "Reply 1 = yes, 2 = no, 3 = maybe" at the end of the
// text, above the opt-out paragraph in `language`.
void AddAnswerPrompt(Channel channel, std::string_view language, OutboundMessage* message);

// The links to the person's own event page (`page_url`, /e/<token>) a message adds by itself:
// e-mails that ask for an answer get "Answer online: <page>" (text and HTML); chat messages
// that carry the date get "Add to calendar: <page>/calendar.ics" above the opt-out paragraph.
// SMS gets neither (a link costs a segment): its templates may use {{event.answer_url}} and
// {{event.calendar_url}}.
void AddEventLinks(Channel channel, std::string_view language, EventPurpose purpose,
                   std::string_view page_url, OutboundMessage* message);

// The domain of the calendar's UID ("<event>@<domain>"): the host of the gateway's public
// URL, the same in every message and download of the event, so calendars update the entry
// rather than add one.
std::string CalendarUidDomain(std::string_view public_base_url);

// The calendar file an e-mail of `event` carries (invite.ics), for a person with `languages`.
Attachment CalendarAttachment(const Event& event, const std::vector<std::string>& languages,
                              std::string_view attendee_email, std::string_view uid_domain,
                              int64_t now_millis);

// What an officer asks for: POST /v1/events/{id}/messages.
//   {"purpose": "reminder", "template_id": "tpl_...", "channel": "preferred",
//    "send_at": <ms> | "before_start_minutes": 1440, "quiet_hours": {"start","end"},
//    "variables": {...}, "name": "..."}
// Reminders without send_at or before_start_minutes follow the event's reminder_minutes (one
// message per offset). Quiet hours default to 21:00-08:00 in each person's zone.
struct EventMessageRequest {
  EventPurpose purpose = EventPurpose::kInvitation;
  Campaign campaign;  // template_id, channel, quiet_hours, variables, name as read.
  std::optional<int64_t> send_at_millis;
  std::optional<int64_t> before_start_minutes;
};
// Reads the body; problems go to `reader` naming the field.
EventMessageRequest ReadEventMessageRequest(JsonReader& reader);

class EventMessages {
 public:
  EventMessages(RedisPool* redis, const Clock* clock, CampaignStore* campaigns,
                CampaignLauncher* launcher)
      : redis_(redis), clock_(clock), campaigns_(campaigns), launcher_(launcher) {}

  // Creates the campaign(s) for `request`, launching those due now and scheduling the rest.
  // InvalidArgument naming the field when a time is past or after the event's end, or a
  // reminder has no time; errors of the launch (FailedPrecondition: nobody to send to).
  absl::StatusOr<std::vector<Campaign>> Create(const Event& event,
                                               const EventMessageRequest& request,
                                               std::string_view officer_id);
  // After the event's start moved: its messages waiting at an offset before the start
  // (reminders) move with it; the number moved. Messages at a fixed time stay.
  absl::StatusOr<size_t> FollowEventTime(const Event& event);
  // After the event was called off: its messages still waiting never go; the number dropped
  // (their campaigns stay, never launched).
  absl::StatusOr<size_t> DropWaiting(const Event& event);
  // Launches the organisation's event messages that are due; the number launched. A launch
  // that finds nobody to send to (everyone answered before the nudge) settles the message.
  absl::StatusOr<size_t> LaunchDue(std::string_view org_id);

  // Any draft campaign can wait in the same due set: launched at `at_millis` by LaunchDue,
  // its audience chosen then (a survey's reminder to those who have not answered by a date).
  // FailedPrecondition when launched or being launched, NotFound when absent.
  absl::StatusOr<Campaign> PlanLaunch(std::string_view org_id, std::string_view campaign_id,
                                      int64_t at_millis);
  // Takes a planned launch back; the campaign stays a draft. nullopt when none was planned.
  absl::StatusOr<std::optional<Campaign>> UnplanLaunch(std::string_view org_id,
                                                        std::string_view campaign_id);

 private:
  // A planned launch that could not happen (nobody to send to, template deleted): the
  // campaign says why. Event messages that found nobody left are settled instead.
  absl::Status NoteLaunchError(std::string_view org_id, std::string_view campaign_id,
                               std::string_view error);
  // The event's messages waiting in the due set, not launched: (campaign id, campaign).
  absl::StatusOr<std::vector<std::pair<std::string, Campaign>>> Waiting(const Event& event);

  RedisPool* redis_;
  const Clock* clock_;
  CampaignStore* campaigns_;
  CampaignLauncher* launcher_;
};

}  // namespace ogw
