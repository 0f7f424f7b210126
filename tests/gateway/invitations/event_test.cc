#include "gateway/invitations/event.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testutil/field_errors.h"

namespace ogw {
namespace {

using nlohmann::json;

json Roundtable() {
  return {{"post_id", "pst_1"},
          {"default_language", "en"},
          {"texts",
           {{"en", {{"title", "Roundtable on consular services"}, {"description", "**Agenda**"}}},
            {"ka", {{"title", "მრგვალი მაგიდა"}}}}},
          {"time_zone", "Europe/Berlin"},
          {"starts_at", "2026-06-12T10:00"},
          {"ends_at", "2026-06-12T12:30"},
          {"rsvp_deadline", "2026-06-05T18:00"},
          {"place", "Embassy, Hiroshimastr. 1"},
          {"capacity", 40},
          {"organiser", "Consular section"},
          {"reminder_minutes", {1440, 10080}}};
}

using ::ogw::testing::Dump;
using ::ogw::testing::MessageAt;

TEST(EventTest, LocalTimesInTheVenuesZoneBecomeInstants) {
  absl::StatusOr<Event> e = EventFromJson(Roundtable(), nullptr);
  ASSERT_TRUE(e.ok()) << e.status();
  // 10:00 in Berlin in June is 08:00 UTC (CEST, UTC+2).
  EXPECT_EQ(e->starts_at_millis, 1781251200000);
  EXPECT_EQ(e->ends_at_millis - e->starts_at_millis, 150 * 60'000);
  EXPECT_EQ(e->rsvp_deadline_millis, 1780675200000);
  // Reminders: the earliest first, as they go out.
  EXPECT_EQ(e->reminder_minutes, (std::vector<int64_t>{10080, 1440}));
  EXPECT_EQ(e->offer_hours, 48);
  // In winter the same wall-clock time is an hour later in UTC.
  EXPECT_EQ(*LocalTimeToMillis("2026-01-12T10:00", "Europe/Berlin"), 1768208400000);
  EXPECT_EQ(*LocalTimeToMillis("2026-01-12T10:00:30", "Asia/Tbilisi"), 1768197630000);
}

TEST(EventTest, ATimeTheClocksSkipIsRefusedAndLocalTimesRoundTrip) {
  auto skipped = LocalTimeToMillis("2026-03-29T02:30", "Europe/Berlin");
  ASSERT_FALSE(skipped.ok());
  EXPECT_THAT(std::string(MessageOf(skipped.status())), ::testing::HasSubstr("does not exist"));
  for (const char* local : {"2026-06-12T10:00", "2026-12-31T23:59", "2026-01-01T00:00:05"}) {
    for (const char* zone : {"Europe/Berlin", "Asia/Kolkata", "America/Sao_Paulo", "UTC"}) {
      auto millis = LocalTimeToMillis(local, zone);
      ASSERT_TRUE(millis.ok()) << local << " " << zone;
      EXPECT_EQ(MillisToLocalTime(*millis, zone), local) << zone;
    }
  }
  for (const char* bad : {"2026-06-12 10:00", "2026-02-30T10:00", "2026-06-12T24:00", "12/06/2026",
                          "2026-06-12T10:00Z", ""}) {
    EXPECT_FALSE(LocalTimeToMillis(bad, "Europe/Berlin").ok()) << bad;
  }
}

TEST(EventTest, EveryProblemIsNamedByItsField) {
  json body = Roundtable();
  body["texts"]["fr"] = {{"title", ""}};
  body["texts"]["xx-!"] = {{"title", "x"}};
  body["time_zone"] = "Mars/Olympus";
  body["capacity"] = 0;
  body["online_url"] = "ftp://example.org";
  body["reminder_minutes"] = {60, 60, -1};
  body["colour"] = "blue";
  FieldErrors errors;
  EXPECT_FALSE(EventFromJson(body, &errors).ok());
  const std::string all = Dump(errors);
  EXPECT_NE(MessageAt(errors, "texts.fr.title"), "") << all;
  EXPECT_EQ(MessageAt(errors, "texts.xx-!"), "is not a BCP 47 language tag") << all;
  EXPECT_EQ(MessageAt(errors, "time_zone"), "is not an IANA time zone such as Europe/Berlin")
      << all;
  EXPECT_NE(MessageAt(errors, "capacity"), "") << all;
  EXPECT_EQ(MessageAt(errors, "online_url"), "must be an http:// or https:// URL") << all;
  EXPECT_EQ(MessageAt(errors, "reminder_minutes[1]"), "repeats an earlier reminder") << all;
  EXPECT_NE(MessageAt(errors, "reminder_minutes[2]"), "") << all;
  EXPECT_EQ(MessageAt(errors, "colour"), "unknown key") << all;

  body = Roundtable();
  body["ends_at"] = "2026-06-12T09:00";
  body["rsvp_deadline"] = "2026-06-13T09:00";
  body.erase("place");
  body["default_language"] = "fr";
  EXPECT_FALSE(EventFromJson(body, &errors).ok());
  EXPECT_EQ(MessageAt(errors, "ends_at"), "must be after starts_at") << Dump(errors);
  EXPECT_EQ(MessageAt(errors, "rsvp_deadline"), "must not be after starts_at") << Dump(errors);
  EXPECT_EQ(MessageAt(errors, "place"), "give a place, an online_url, or both") << Dump(errors);
  EXPECT_EQ(MessageAt(errors, "default_language"), "has no text in texts") << Dump(errors);
}

TEST(EventTest, StoredFormRoundTripsAndTextFollowsThePersonsLanguages) {
  absl::StatusOr<Event> e = EventFromJson(Roundtable(), nullptr);
  ASSERT_TRUE(e.ok()) << e.status();
  e->id = "evt_1";
  e->org_id = "org_1";
  e->version = 1;
  const json stored = ToJson(*e);
  EXPECT_EQ(stored["starts_at"], "2026-06-12T10:00");
  EXPECT_EQ(stored["starts_at_millis"], e->starts_at_millis);
  absl::StatusOr<Event> back = EventFromStoredJson(stored);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ToJson(*back), stored);
  EXPECT_EQ(back->TextFor({"ka-GE"}).title, "მრგვალი მაგიდა");
  EXPECT_EQ(back->TextFor({"fr", "en"}).title, "Roundtable on consular services");
  EXPECT_EQ(back->TextFor({}).title, "Roundtable on consular services");
  json corrupt = stored;
  corrupt["capacity"] = "many";
  EXPECT_EQ(EventFromStoredJson(corrupt).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace ogw
