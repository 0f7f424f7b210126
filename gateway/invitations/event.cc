#include "gateway/invitations/event.h"

#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <set>

#include "gateway/contacts/normalize.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/text.h"
#include "gateway/core/time_zones.h"

namespace ogw {
namespace {

constexpr size_t kMaxTitleBytes = 200;
constexpr size_t kMaxDescriptionBytes = 64 * 1024;
constexpr size_t kMaxPlaceBytes = 500;
constexpr size_t kMaxUrlBytes = 2048;
constexpr int64_t kMaxCapacity = 100'000;
constexpr size_t kMaxReminders = 5;
constexpr int64_t kMaxReminderMinutes = 60 * 24 * 60;  // Sixty days.
constexpr int64_t kMaxOfferHours = 14 * 24;
constexpr int64_t kMinute = 60'000;

// Reads exactly `width` ASCII digits at `text[*at]`.
bool Digits(std::string_view text, size_t* at, size_t width, int* out) {
  if (*at + width > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[*at + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *at += width;
  *out = value;
  return true;
}

bool Expect(std::string_view text, size_t* at, char c) {
  if (*at >= text.size() || text[*at] != c) return false;
  ++*at;
  return true;
}

// "YYYY-MM-DDTHH:MM[:SS]" as milliseconds since the epoch of that wall-clock time in UTC.
std::optional<int64_t> ParseWallClock(std::string_view text) {
  size_t at = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!Digits(text, &at, 4, &y) || !Expect(text, &at, '-') || !Digits(text, &at, 2, &mo) ||
      !Expect(text, &at, '-') || !Digits(text, &at, 2, &d) || !Expect(text, &at, 'T') ||
      !Digits(text, &at, 2, &h) || !Expect(text, &at, ':') || !Digits(text, &at, 2, &mi)) {
    return std::nullopt;
  }
  if (at < text.size() && (!Expect(text, &at, ':') || !Digits(text, &at, 2, &s))) {
    return std::nullopt;
  }
  if (at != text.size() || h > 23 || mi > 59 || s > 59 || y < 1970) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(mo),
                                         std::chrono::day(d)};
  if (!date.ok()) return std::nullopt;
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return ((days * 24 + h) * 60 + mi) * kMinute + s * 1000;
}

// A local time field: read, converted, and its problem recorded under its own name.
void ReadLocalTime(JsonReader& r, const char* field, bool required, const std::string& zone,
                   int64_t* out) {
  std::string local;
  r.String(field, &local, required);
  if (local.empty() || zone.empty()) return;
  auto millis = LocalTimeToMillis(local, zone);
  if (!millis.ok()) {
    r.Error(field, MessageOf(millis.status()));
    return;
  }
  *out = *millis;
}

absl::StatusOr<Event> ReadEvent(const nlohmann::json& input, bool stored, FieldErrors* errors) {
  Event e;
  // JsonReader reads no lists of numbers: reminder_minutes is read here, and the stored
  // form's derived instants are recomputed from the local times.
  nlohmann::json body = input;
  nlohmann::json reminders;
  if (body.is_object()) {
    if (auto it = body.find("reminder_minutes"); it != body.end()) {
      reminders = *it;
      body.erase(it);
    }
    if (stored) {
      for (const char* derived : {"starts_at_millis", "ends_at_millis", "rsvp_deadline_millis"}) {
        body.erase(derived);
      }
    }
  }
  JsonReader r = JsonReader::ForInput(body);
  if (stored) {
    r.String("id", &e.id, true);
    r.String("org_id", &e.org_id, true);
    r.String("created_by", &e.created_by);
    r.Int("version", &e.version, 0, std::numeric_limits<int64_t>::max(), true);
    r.Int("created_at", &e.created_at_millis, 0, std::numeric_limits<int64_t>::max(), true);
    r.Int("updated_at", &e.updated_at_millis, 0, std::numeric_limits<int64_t>::max(), true);
    r.Int("cancelled_at", &e.cancelled_at_millis, 0, std::numeric_limits<int64_t>::max());
  }
  r.String("post_id", &e.post_id);
  std::string default_language;
  r.String("default_language", &default_language, true);
  if (!default_language.empty()) {
    if (auto canonical = CanonicalLanguageTag(default_language)) {
      e.default_language = *canonical;
    } else {
      r.Error("default_language", "is not a BCP 47 language tag");
    }
  }
  r.Object(
      "texts",
      [&](JsonReader& t) {
        for (const auto& item : body.at("texts").items()) {
          const std::string& key = item.key();
          EventText text;
          t.Object(key, [&](JsonReader& f) {
            f.String("title", &text.title, true);
            f.String("description", &text.description);
            if (TrimAsciiSpace(text.title).empty() || text.title.size() > kMaxTitleBytes ||
                text.title.find_first_of("\r\n") != std::string::npos) {
              f.Error("title",
                      "must be one line of 1 to " + std::to_string(kMaxTitleBytes) + " bytes");
            }
            if (text.description.size() > kMaxDescriptionBytes) {
              f.Error("description",
                      "must be at most " + std::to_string(kMaxDescriptionBytes) + " bytes");
            }
          });
          std::optional<std::string> canonical = CanonicalLanguageTag(key);
          if (!canonical) {
            t.Error(key, "is not a BCP 47 language tag");
          } else if (!e.texts.emplace(*canonical, std::move(text)).second) {
            t.Error(key, "duplicates language " + *canonical);
          }
        }
        if (body.at("texts").empty()) r.Error("texts", "needs at least one language");
      },
      true);
  if (!e.default_language.empty() && body.is_object() && body.contains("texts") &&
      body["texts"].is_object() && !e.texts.contains(e.default_language)) {
    r.Error("default_language", "has no text in texts");
  }

  std::string zone_input;
  r.String("time_zone", &zone_input, true);
  if (!zone_input.empty()) {
    auto zone = NormalizeTimeZone(zone_input);
    zone.ok() ? void(e.time_zone = *zone)
              : r.Error("time_zone", "is not an IANA time zone such as Europe/Berlin");
  }
  ReadLocalTime(r, "starts_at", true, e.time_zone, &e.starts_at_millis);
  ReadLocalTime(r, "ends_at", true, e.time_zone, &e.ends_at_millis);
  ReadLocalTime(r, "rsvp_deadline", false, e.time_zone, &e.rsvp_deadline_millis);
  if (e.starts_at_millis > 0 && e.ends_at_millis > 0 && e.ends_at_millis <= e.starts_at_millis) {
    r.Error("ends_at", "must be after starts_at");
  }
  if (stored && input.is_object()) {
    // Exact as stored: a local time repeated when the clocks go back names two instants.
    e.starts_at_millis = input.value("starts_at_millis", e.starts_at_millis);
    e.ends_at_millis = input.value("ends_at_millis", e.ends_at_millis);
    e.rsvp_deadline_millis = input.value("rsvp_deadline_millis", e.rsvp_deadline_millis);
  }
  if (e.rsvp_deadline_millis == 0) e.rsvp_deadline_millis = e.starts_at_millis;
  if (e.starts_at_millis > 0 && e.rsvp_deadline_millis > e.starts_at_millis) {
    r.Error("rsvp_deadline", "must not be after starts_at");
  }

  r.String("place", &e.place);
  r.String("online_url", &e.online_url);
  if (e.place.size() > kMaxPlaceBytes) {
    r.Error("place", "must be at most " + std::to_string(kMaxPlaceBytes) + " bytes");
  }
  if (!e.online_url.empty() &&
      (e.online_url.size() > kMaxUrlBytes || !IsAbsoluteHttpUrl(e.online_url))) {
    r.Error("online_url", "must be an http:// or https:// URL");
  }
  if (TrimAsciiSpace(e.place).empty() && e.online_url.empty()) {
    r.Error("place", "give a place, an online_url, or both");
  }
  r.Int("capacity", &e.capacity, 1, kMaxCapacity, true);
  r.String("organiser", &e.organiser);
  if (e.organiser.size() > kMaxTitleBytes) {
    r.Error("organiser", "must be at most " + std::to_string(kMaxTitleBytes) + " bytes");
  }
  if (!reminders.is_null()) {
    const nlohmann::json& list = reminders;
    if (!list.is_array() || list.size() > kMaxReminders) {
      r.Error("reminder_minutes",
              "must be a list of at most " + std::to_string(kMaxReminders) + " numbers of minutes");
    } else {
      std::set<int64_t> seen;
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string key = "reminder_minutes[" + std::to_string(i) + "]";
        if (!list[i].is_number_integer() || list[i].get<int64_t>() < 1 ||
            list[i].get<int64_t>() > kMaxReminderMinutes) {
          r.Error(key,
                  "must be minutes before the start, 1 to " + std::to_string(kMaxReminderMinutes));
        } else if (!seen.insert(list[i].get<int64_t>()).second) {
          r.Error(key, "repeats an earlier reminder");
        }
      }
      // Latest reminder last: the order they go out in.
      e.reminder_minutes.assign(seen.rbegin(), seen.rend());
    }
  }
  r.Int("offer_hours", &e.offer_hours, 1, kMaxOfferHours);

  absl::Status status = r.Finish();
  if (!status.ok()) {
    if (errors != nullptr) *errors = r.problems();
    return status;
  }
  if (errors != nullptr) errors->clear();
  return e;
}

}  // namespace

const EventText& Event::TextFor(const std::vector<std::string>& languages) const {
  for (const std::string& wanted : languages) {
    if (auto it = texts.find(wanted); it != texts.end()) return it->second;
    const std::string primary = wanted.substr(0, wanted.find('-'));
    for (const auto& [tag, text] : texts) {
      if (tag.substr(0, tag.find('-')) == primary) return text;
    }
  }
  auto fallback = texts.find(default_language);
  return fallback != texts.end() ? fallback->second : texts.begin()->second;
}

absl::StatusOr<Event> EventFromJson(const nlohmann::json& body, FieldErrors* errors) {
  return ReadEvent(body, /*stored=*/false, errors);
}

nlohmann::json ToJson(const Event& e) {
  nlohmann::json texts = nlohmann::json::object();
  for (const auto& [language, text] : e.texts) {
    nlohmann::json t = {{"title", text.title}};
    if (!text.description.empty()) t["description"] = text.description;
    texts[language] = std::move(t);
  }
  return {{"id", e.id},
          {"org_id", e.org_id},
          {"post_id", e.post_id},
          {"default_language", e.default_language},
          {"texts", std::move(texts)},
          {"time_zone", e.time_zone},
          {"starts_at", MillisToLocalTime(e.starts_at_millis, e.time_zone)},
          {"ends_at", MillisToLocalTime(e.ends_at_millis, e.time_zone)},
          {"rsvp_deadline", MillisToLocalTime(e.rsvp_deadline_millis, e.time_zone)},
          {"starts_at_millis", e.starts_at_millis},
          {"ends_at_millis", e.ends_at_millis},
          {"rsvp_deadline_millis", e.rsvp_deadline_millis},
          {"place", e.place},
          {"online_url", e.online_url},
          {"capacity", e.capacity},
          {"organiser", e.organiser},
          {"reminder_minutes", e.reminder_minutes},
          {"offer_hours", e.offer_hours},
          {"cancelled_at", e.cancelled_at_millis},
          {"created_by", e.created_by},
          {"version", e.version},
          {"created_at", e.created_at_millis},
          {"updated_at", e.updated_at_millis}};
}

absl::StatusOr<Event> EventFromStoredJson(const nlohmann::json& stored) {
  absl::StatusOr<Event> e = ReadEvent(stored, /*stored=*/true, nullptr);
  if (!e.ok()) {
    return absl::DataLossError("stored event is not valid: " + std::string(MessageOf(e.status())));
  }
  return e;
}

absl::StatusOr<int64_t> LocalTimeToMillis(std::string_view local, std::string_view time_zone) {
  const std::optional<int64_t> wall = ParseWallClock(local);
  if (!wall) {
    return absl::InvalidArgumentError("must be a local time such as 2026-06-12T10:00");
  }
  const icu::TimeZone* zone = FindTimeZone(time_zone);
  if (zone == nullptr) return absl::InvalidArgumentError("has no known time zone");
  // The instant whose local time is `wall`: guess with the offset at `wall` read as UTC,
  // correct once with the offset at the guess, and check (a time skipped when clocks go
  // forward has no instant; of a repeated one this finds one of the two).
  const int64_t guess = *wall - ZoneOffsetMillis(zone, *wall);
  const int64_t utc = *wall - ZoneOffsetMillis(zone, guess);
  if (utc + ZoneOffsetMillis(zone, utc) != *wall) {
    return absl::InvalidArgumentError("does not exist in " + std::string(time_zone) +
                                      " (the clocks skip it when daylight saving time starts)");
  }
  return utc;
}

std::string MillisToLocalTime(int64_t millis, std::string_view time_zone) {
  const int64_t local = millis + ZoneOffsetMillis(FindTimeZone(time_zone), millis);
  const int64_t day_millis = 24 * 60 * kMinute;
  const int64_t days = local >= 0 ? local / day_millis : (local - day_millis + 1) / day_millis;
  const int64_t into_day = local - days * day_millis;
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  char out[32];
  const int seconds = static_cast<int>(into_day / 1000 % 60);
  std::snprintf(out, sizeof(out), "%04d-%02u-%02uT%02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(into_day / 3'600'000), static_cast<int>(into_day / kMinute % 60));
  std::string text(out);
  if (seconds != 0) {
    std::snprintf(out, sizeof(out), ":%02d", seconds);
    text += out;
  }
  return text;
}

}  // namespace ogw
