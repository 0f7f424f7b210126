#pragma once

// What the gateway says to a person about their place at an event, in their language: the
// acknowledgement of an answer, a freed seat offered to them, an offer that lapsed, and the
// polite refusal after answers closed. Kept short (an SMS segment or two) and written for
// people, not systems: the event's title and time, and what to do next.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/invitations/event.h"

namespace ogw {

enum class RsvpNotice {
  kSeatConfirmed,  // They said yes and have a seat.
  kWaitlisted,     // They said yes; the event is full.
  kDeclined,       // They said no (or cancelled).
  kMaybe,          // They said maybe: asked to confirm by the deadline.
  kSeatOffered,    // A seat was freed for them: confirm by the offer's deadline.
  kOfferExpired,   // They did not confirm in time; the seat went on.
  kClosed,         // They answered after answers closed.
  kEventChanged,   // The event's time or place changed (people with a seat or waiting).
  kEventCancelled, // The event was called off (everyone who had not declined).
};

// What fills a notice: the person's languages pick the language (and the event's text), their
// time zone (IANA, "" for the venue's) the zone times are shown in.
struct RsvpNoticeInput {
  RsvpNotice notice = RsvpNotice::kSeatConfirmed;
  std::vector<std::string> languages;
  std::string time_zone;
  int64_t waitlist_position = 0;   // kWaitlisted: 1 = next; 0 unknown (not shown).
  int64_t offer_until_millis = 0;  // kSeatOffered, kOfferExpired.
};

// The notice's text in the first of the person's languages that has one (primary subtag),
// else English.
std::string RsvpNoticeText(const Event& event, const RsvpNoticeInput& input);

// `millis` as a person reads it: date, time and zone in `language`'s conventions, in
// `time_zone` ("Friday, 12 June 2026 at 10:00 CEST"). An unknown zone shows UTC. Spaces are
// plain ones, never CLDR's no-break spaces, which would take an SMS out of the GSM alphabet.
std::string FormatEventTime(int64_t millis, std::string_view time_zone, std::string_view language);

}  // namespace ogw
