#pragma once

// An event people are invited to (a roundtable, a consultation, counselling days): its JSON
// forms and the checks every event passes before it is stored. Times are kept as UTC
// milliseconds and entered, as an organiser thinks of them, in the venue's local time.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/status.h"
#include "templates/template.h"

namespace ogw {

// Title and description in one language.
struct EventText {
  std::string title;        // Plain text, one line.
  std::string description;  // Markdown; optional.
  bool operator==(const EventText&) const = default;
};

struct Event {
  std::string id;  // "evt_..."
  std::string org_id;
  std::string post_id;  // Empty: organisation-wide (admins only).
  std::string default_language;
  std::map<std::string, EventText> texts;  // Canonical BCP 47 tag -> text; has default_language.
  std::string time_zone;                   // The venue's IANA zone.
  int64_t starts_at_millis = 0;
  int64_t ends_at_millis = 0;
  int64_t rsvp_deadline_millis = 0;  // Answers close then; at the latest the start.
  std::string place;                 // Where, for people; or empty with an online link.
  std::string online_url;            // http(s); optional.
  int64_t capacity = 0;              // Seats.
  std::string organiser;             // Who people can ask: a name, office or address.
  // Reminders to people who said yes, this many minutes before the start (at most 5).
  std::vector<int64_t> reminder_minutes;
  // How long a freed seat is held for the first waitlisted person to confirm.
  int64_t offer_hours = 48;
  // When an officer called the event off (0: it goes ahead). A cancelled event takes no
  // answers, changes or messages but an update; its people were told.
  int64_t cancelled_at_millis = 0;
  std::string created_by;
  int64_t created_at_millis = 0;
  int64_t updated_at_millis = 0;
  int64_t version = 0;  // Bumped on every change; 0 for an unsaved event.

  // The text for a person with `languages` (most preferred first): the first language the
  // event has (exact tag, then primary subtag), else the default language's.
  const EventText& TextFor(const std::vector<std::string>& languages) const;
};

// Validates an API request body:
//   {"post_id": "...", "default_language": "en",
//    "texts": {"en": {"title": "Roundtable on consular services", "description": "..."}},
//    "time_zone": "Europe/Berlin", "starts_at": "2026-06-12T10:00", "ends_at": "2026-06-12T12:30",
//    "rsvp_deadline": "2026-06-05T18:00", "place": "Embassy, Hiroshimastr. 1", "online_url":
//    "https://...", "capacity": 40, "organiser": "Consular section", "reminder_minutes": [10080,
//    1440], "offer_hours": 48}
// Times are local to time_zone ("YYYY-MM-DDTHH:MM", seconds optional); a time that does not
// exist there (skipped by daylight saving) is an error naming the field. Required:
// default_language, texts (with the default language), time_zone, starts_at, ends_at,
// capacity, and place or online_url. rsvp_deadline defaults to the start. Unknown keys are
// errors. On failure returns InvalidArgument and fills `errors` (when not null) with every
// problem as (path, message); id, org_id, created_by, version and the timestamps are left for
// the store.
absl::StatusOr<Event> EventFromJson(const nlohmann::json& body, FieldErrors* errors);

// The stored and API form: the input form (times local, as entered) plus "starts_at_millis",
// "ends_at_millis", "rsvp_deadline_millis", "cancelled_at" (0: not cancelled), "id", "org_id",
// "created_by", "version", "created_at" and "updated_at".
nlohmann::json ToJson(const Event& event);

// Reads what ToJson wrote, with the same checks. Errors are kDataLoss.
absl::StatusOr<Event> EventFromStoredJson(const nlohmann::json& stored);

// "2026-06-12T10:00" in `time_zone` as UTC milliseconds; InvalidArgument when the text is not
// such a time or the time does not exist in the zone. And back, to the minute (":SS" only
// when not 0).
absl::StatusOr<int64_t> LocalTimeToMillis(std::string_view local, std::string_view time_zone);
std::string MillisToLocalTime(int64_t millis, std::string_view time_zone);

}  // namespace ogw
