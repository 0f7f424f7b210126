// What people are told about their place at an event: the language chosen, times in their own
// zone, and the event's own words left as they are.

#include "gateway/invitations/rsvp_texts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testutil/utc_millis.h"

namespace ogw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Event Roundtable() {
  Event e;
  e.id = "evt_1";
  e.default_language = "en";
  e.texts["en"] = {"Roundtable on consular services", ""};
  e.texts["fr"] = {"Table ronde sur les services consulaires", ""};
  e.time_zone = "Europe/Berlin";
  e.starts_at_millis = testing::UtcMillis(2026, 6, 12, 8, 0);  // 10:00 in Berlin (CEST).
  e.ends_at_millis = testing::UtcMillis(2026, 6, 12, 10, 30);
  e.rsvp_deadline_millis = testing::UtcMillis(2026, 6, 5, 16, 0);
  e.capacity = 40;
  return e;
}

TEST(RsvpTextsTest, ConfirmationIsInThePersonsLanguageWithTheEventsOwnTitle) {
  RsvpNoticeInput input;
  input.notice = RsvpNotice::kSeatConfirmed;
  input.languages = {"fr-CA", "en"};
  const std::string text = RsvpNoticeText(Roundtable(), input);
  EXPECT_THAT(text, HasSubstr("Votre place pour « Table ronde sur les services consulaires »"));
  EXPECT_THAT(text, HasSubstr("12 juin 2026"));
  EXPECT_THAT(text, HasSubstr("10:00"));
  EXPECT_THAT(text, HasSubstr("répondez NON"));
}

TEST(RsvpTextsTest, TimesAreShownInThePersonsOwnZone) {
  RsvpNoticeInput input;
  input.notice = RsvpNotice::kSeatConfirmed;
  input.languages = {"en"};
  input.time_zone = "Asia/Tbilisi";  // UTC+4: the 10:00 Berlin start is 12:00 there.
  EXPECT_THAT(RsvpNoticeText(Roundtable(), input), HasSubstr("12:00"));
  input.time_zone = "";  // Unknown: the venue's.
  EXPECT_THAT(RsvpNoticeText(Roundtable(), input), HasSubstr("10:00"));
  input.time_zone = "Mars/Olympus";  // Not a zone: the venue's, not UTC.
  EXPECT_THAT(RsvpNoticeText(Roundtable(), input), HasSubstr("10:00"));
}

TEST(RsvpTextsTest, WaitlistNoticeGivesThePosition) {
  RsvpNoticeInput input;
  input.notice = RsvpNotice::kWaitlisted;
  input.languages = {"ka"};
  input.waitlist_position = 3;
  const std::string text = RsvpNoticeText(Roundtable(), input);
  EXPECT_THAT(text, HasSubstr("მოლოდინის სიაში"));
  EXPECT_THAT(text, HasSubstr("ნომერი 3"));
  // No Georgian text of the event: its default language's title.
  EXPECT_THAT(text, HasSubstr("Roundtable on consular services"));
}

TEST(RsvpTextsTest, OfferGivesTheDeadlineToConfirm) {
  RsvpNoticeInput input;
  input.notice = RsvpNotice::kSeatOffered;
  input.languages = {"de"};
  input.offer_until_millis = testing::UtcMillis(2026, 6, 7, 16, 0);
  const std::string text = RsvpNoticeText(Roundtable(), input);
  EXPECT_THAT(text, HasSubstr("7. Juni 2026"));
  EXPECT_THAT(text, HasSubstr("18:00"));
  EXPECT_THAT(text, HasSubstr("mit JA"));
}

TEST(RsvpTextsTest, UnknownLanguageFallsBackToEnglish) {
  RsvpNoticeInput input;
  input.notice = RsvpNotice::kClosed;
  input.languages = {"qu"};
  const std::string text = RsvpNoticeText(Roundtable(), input);
  EXPECT_THAT(text, HasSubstr("Answers for “Roundtable on consular services” closed on"));
  EXPECT_THAT(text, HasSubstr("June 5, 2026"));
}

TEST(RsvpTextsTest, BracesInATitleAreNotPlaceholders) {
  Event e = Roundtable();
  e.texts["en"].title = "Meet {when} the {deadline}";
  RsvpNoticeInput input;
  input.notice = RsvpNotice::kDeclined;
  input.languages = {"en"};
  const std::string text = RsvpNoticeText(e, input);
  EXPECT_THAT(text, HasSubstr("“Meet {when} the {deadline}”"));
}

TEST(RsvpTextsTest, AChangeNoticeGivesTheNewTimeAndThePlaceOrLink) {
  Event e = Roundtable();
  e.place = "Embassy, Hall B";
  RsvpNoticeInput input;
  input.notice = RsvpNotice::kEventChanged;
  input.languages = {"de"};
  EXPECT_THAT(RsvpNoticeText(e, input), HasSubstr("Neuer Termin: Freitag, 12. Juni 2026"));
  EXPECT_THAT(RsvpNoticeText(e, input), HasSubstr("Ort: Embassy, Hall B."));
  e.online_url = "https://meet.example/rt";
  EXPECT_THAT(RsvpNoticeText(e, input),
              HasSubstr("Ort: Embassy, Hall B (https://meet.example/rt)."));
  e.place.clear();
  EXPECT_THAT(RsvpNoticeText(e, input), HasSubstr("Ort: https://meet.example/rt."));
}

TEST(RsvpTextsTest, EveryNoticeHasEveryLanguageAndNoPlaceholderLeft) {
  for (RsvpNotice notice : {RsvpNotice::kSeatConfirmed, RsvpNotice::kWaitlisted,
                            RsvpNotice::kDeclined, RsvpNotice::kMaybe, RsvpNotice::kSeatOffered,
                            RsvpNotice::kOfferExpired, RsvpNotice::kClosed,
                            RsvpNotice::kEventChanged, RsvpNotice::kEventCancelled}) {
    for (const char* language : {"en", "fr", "es", "pt", "de", "ar", "ru", "uk", "ka", "tr"}) {
      RsvpNoticeInput input;
      input.notice = notice;
      input.languages = {language};
      input.waitlist_position = 2;
      input.offer_until_millis = testing::UtcMillis(2026, 6, 7, 16, 0);
      const std::string text = RsvpNoticeText(Roundtable(), input);
      EXPECT_THAT(text, Not(HasSubstr("{"))) << language << ": " << text;
      EXPECT_THAT(text, HasSubstr(std::string(language) == "fr" ? "Table ronde" : "Roundtable"))
          << language << ": " << text;
      if (std::string(language) != "en") {
        RsvpNoticeInput english = input;
        english.languages = {"en"};
        EXPECT_NE(text, RsvpNoticeText(Roundtable(), english)) << language;
      }
    }
  }
}

TEST(RsvpTextsTest, FormatEventTimeFollowsTheLanguage) {
  const int64_t at = testing::UtcMillis(2026, 6, 12, 8, 0);
  EXPECT_THAT(FormatEventTime(at, "Europe/Berlin", "en"), HasSubstr("Friday, June 12, 2026"));
  EXPECT_THAT(FormatEventTime(at, "Europe/Berlin", "de"), HasSubstr("Freitag, 12. Juni 2026"));
  EXPECT_THAT(FormatEventTime(at, "UTC", "en"), HasSubstr("8:00"));
}

TEST(RsvpTextsTest, EventTimesUsePlainSpacesSoSmsStaysInTheGsmAlphabet) {
  const int64_t at = testing::UtcMillis(2026, 6, 12, 8, 0);
  for (const char* language : {"en", "fr", "de", "es", "pt"}) {
    SCOPED_TRACE(language);
    const std::string when = FormatEventTime(at, "Europe/Berlin", language);
    EXPECT_EQ(when.find("\u202f"), std::string::npos) << when;
    EXPECT_EQ(when.find("\u00a0"), std::string::npos) << when;
  }
  EXPECT_THAT(FormatEventTime(at, "Europe/Berlin", "en"), HasSubstr("10:00 AM"));
}

}  // namespace
}  // namespace ogw
