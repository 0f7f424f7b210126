#pragma once

// An event as an iCalendar file (RFC 5545) that people add to their calendar: attached to the
// invitation e-mail, a link elsewhere. One file per person (their language, themselves as
// attendee); the same UID for every version of the event, so calendars replace the entry
// when the SEQUENCE grows and remove it on METHOD:CANCEL.

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/invitations/event.h"

namespace ogw {

struct IcsOptions {
  std::vector<std::string> languages;  // The person's languages; Event::TextFor picks the text.
  // Host of public_base_url; UID = "<event id>@<uid_domain>" (the id alone when empty).
  std::string uid_domain;
  std::string attendee_email;  // ATTENDEE;RSVP=FALSE:mailto:...; "" (or not an address) = none.
  std::string attendee_name;   // The attendee's CN; optional.
  bool cancelled = false;      // METHOD:CANCEL and STATUS:CANCELLED.
  int64_t dtstamp_millis = 0;  // DTSTAMP: when the file is made (now).
};

// One VCALENDAR (PRODID "-//Outreach Gateway//Invitations//EN", VERSION 2.0, CALSCALE
// GREGORIAN, METHOD PUBLISH or CANCEL) holding the venue's VTIMEZONE and one VEVENT: UID,
// SEQUENCE (the event's version), DTSTAMP, DTSTART and DTEND as local times with
// TZID=<event.time_zone>, SUMMARY and DESCRIPTION (the Markdown as plain text) in the chosen
// language (LANGUAGE=<tag>), LOCATION (the place, else the online link), URL (the online
// link), ORGANIZER when the organiser is an e-mail address ("a@b.org" or "Name <a@b.org>";
// otherwise "Organiser: ..." ends the DESCRIPTION), ATTENDEE, and STATUS CONFIRMED or
// CANCELLED.
//
// RFC 5545 throughout: CRLF line endings, TEXT escaped (\\ \; \, and \n), content lines folded
// at 75 octets without splitting a UTF-8 character, UTC times with "Z".
//
// The VTIMEZONE is ICU's VTimeZone::writeSimple at the start: the zone's rules in force around
// the event (one STANDARD, or a DAYLIGHT and STANDARD pair with yearly RRULEs), which every
// common calendar reads. Times are written in UTC ("Z", no TZID) instead:
// - for every time when the zone is UTC itself (UTC, Etc/UTC, GMT, ...): a VTIMEZONE adds
//   nothing, and some calendars show a named zone "UTC" oddly;
// - for a time in the hour repeated when the clocks go back, when the event is in its second
//   occurrence (RFC 5545 reads such a local time as the first);
// - for a zone ICU does not know (a stored event always has a known one).
std::string BuildIcs(const Event& event, const IcsOptions& options);

}  // namespace ogw
