#include "gateway/invitations/ics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/text.h"

namespace ogw {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

int64_t Local(const char* local, const char* zone) {
  absl::StatusOr<int64_t> millis = LocalTimeToMillis(local, zone);
  EXPECT_TRUE(millis.ok()) << local << " " << zone;
  return millis.value_or(0);
}

Event Roundtable() {
  Event e;
  e.id = "evt_7Q2";
  e.org_id = "org_1";
  e.default_language = "en";
  e.texts["en"] = EventText{"Roundtable on consular services", "**Agenda**: passports"};
  e.texts["fr"] = EventText{"Table ronde sur les services consulaires", ""};
  e.time_zone = "Europe/Berlin";
  e.starts_at_millis = Local("2026-06-12T10:00", "Europe/Berlin");
  e.ends_at_millis = Local("2026-06-12T12:30", "Europe/Berlin");
  e.rsvp_deadline_millis = e.starts_at_millis;
  e.place = "Embassy, Hiroshimastr. 1";
  e.capacity = 40;
  e.organiser = "Consular section";
  e.version = 3;
  return e;
}

IcsOptions Options() {
  IcsOptions o;
  o.languages = {"en"};
  o.uid_domain = "gateway.example.org";
  o.dtstamp_millis = 1780000000000;  // 2026-05-28T20:26:40Z.
  return o;
}

// The content lines: CRLF-separated, folds joined (RFC 5545 3.1).
std::vector<std::string> Unfolded(std::string ics) {
  for (size_t at; (at = ics.find("\r\n ")) != std::string::npos;) ics.erase(at, 3);
  std::vector<std::string> lines;
  for (size_t start = 0; start < ics.size();) {
    size_t end = ics.find("\r\n", start);
    if (end == std::string::npos) end = ics.size();
    lines.push_back(ics.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// The value of the VEVENT's content line whose name and parameters are `prefix` (up to ':').
std::string ValueOf(const std::string& ics, std::string_view prefix) {
  const std::vector<std::string> lines = Unfolded(ics);
  for (auto line = std::find(lines.begin(), lines.end(), "BEGIN:VEVENT"); line != lines.end();
       ++line) {
    if (line->size() > prefix.size() && line->starts_with(prefix) &&
        (*line)[prefix.size()] == ':') {
      return line->substr(prefix.size() + 1);
    }
  }
  return "(none)";
}

// Every physical line CRLF-terminated, at most 75 octets, well-formed UTF-8 on its own.
void ExpectWellFolded(const std::string& ics) {
  ASSERT_TRUE(ics.ends_with("\r\n"));
  size_t start = 0;
  while (start < ics.size()) {
    const size_t end = ics.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "unterminated: " << ics.substr(start);
    const std::string_view line = std::string_view(ics).substr(start, end - start);
    EXPECT_LE(line.size(), 75u) << line;
    EXPECT_EQ(line.find_first_of("\r\n"), std::string_view::npos) << "bare CR or LF: " << line;
    EXPECT_TRUE(IsValidUtf8(line)) << "a character split by folding: " << line;
    EXPECT_FALSE(line.empty());
    start = end + 2;
  }
}

TEST(IcsTest, BerlinSummerEventInTheVenuesLocalTimeWithItsZone) {
  const std::string ics = BuildIcs(Roundtable(), Options());
  ExpectWellFolded(ics);
  const std::vector<std::string> lines = Unfolded(ics);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "END:VCALENDAR");
  EXPECT_THAT(lines, Contains("VERSION:2.0"));
  EXPECT_THAT(lines, Contains("PRODID:-//Outreach Gateway//Invitations//EN"));
  EXPECT_THAT(lines, Contains("CALSCALE:GREGORIAN"));
  EXPECT_THAT(lines, Contains("METHOD:PUBLISH"));
  EXPECT_THAT(lines, Contains("STATUS:CONFIRMED"));
  EXPECT_THAT(lines, Contains("UID:evt_7Q2@gateway.example.org"));
  EXPECT_THAT(lines, Contains("SEQUENCE:3"));
  EXPECT_THAT(lines, Contains("DTSTAMP:20260528T202640Z"));
  EXPECT_THAT(lines, Contains("DTSTART;TZID=Europe/Berlin:20260612T100000"));
  EXPECT_THAT(lines, Contains("DTEND;TZID=Europe/Berlin:20260612T123000"));
  EXPECT_THAT(lines, Contains("SUMMARY;LANGUAGE=en:Roundtable on consular services"));
  EXPECT_THAT(lines, Contains("LOCATION:Embassy\\, Hiroshimastr. 1"));
  EXPECT_THAT(lines, Not(Contains(HasSubstr("URL:"))));

  // One VTIMEZONE, ICU's, for the zone DTSTART names, before the event, with both observances
  // (Berlin keeps daylight saving time) and nothing of another VCALENDAR.
  auto begin = std::find(lines.begin(), lines.end(), "BEGIN:VTIMEZONE");
  auto end = std::find(lines.begin(), lines.end(), "END:VTIMEZONE");
  auto event = std::find(lines.begin(), lines.end(), "BEGIN:VEVENT");
  ASSERT_NE(begin, lines.end());
  ASSERT_NE(end, lines.end());
  EXPECT_LT(begin, end);
  EXPECT_LT(end, event);
  EXPECT_EQ(*(begin + 1), "TZID:Europe/Berlin");
  const std::vector<std::string> zone(begin, end + 1);
  EXPECT_THAT(zone, Contains("BEGIN:DAYLIGHT"));
  EXPECT_THAT(zone, Contains("BEGIN:STANDARD"));
  EXPECT_THAT(zone, Contains("TZOFFSETTO:+020000"));
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "BEGIN:VTIMEZONE"), 1);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "BEGIN:VCALENDAR"), 1);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "BEGIN:VEVENT"), 1);

  // The same wall-clock time in winter is still 10:00 there.
  Event winter = Roundtable();
  winter.starts_at_millis = Local("2026-12-15T10:00", "Europe/Berlin");
  winter.ends_at_millis = Local("2026-12-15T11:15:30", "Europe/Berlin");
  const std::string winter_ics = BuildIcs(winter, Options());
  EXPECT_EQ(ValueOf(winter_ics, "DTSTART;TZID=Europe/Berlin"), "20261215T100000");
  EXPECT_EQ(ValueOf(winter_ics, "DTEND;TZID=Europe/Berlin"), "20261215T111530");
}

TEST(IcsTest, AZoneWithoutDaylightSavingHasOneObservance) {
  Event e = Roundtable();
  e.time_zone = "Asia/Tbilisi";
  e.starts_at_millis = Local("2026-06-12T10:00", "Asia/Tbilisi");
  e.ends_at_millis = Local("2026-06-12T12:00", "Asia/Tbilisi");
  const std::string ics = BuildIcs(e, Options());
  ExpectWellFolded(ics);
  EXPECT_EQ(ValueOf(ics, "DTSTART;TZID=Asia/Tbilisi"), "20260612T100000");
  EXPECT_THAT(Unfolded(ics), Contains("TZID:Asia/Tbilisi"));
  EXPECT_THAT(Unfolded(ics), Contains("BEGIN:STANDARD"));
  EXPECT_THAT(Unfolded(ics), Not(Contains("BEGIN:DAYLIGHT")));
}

TEST(IcsTest, UtcEventsAreWrittenInUtcWithoutAZone) {
  for (const char* zone : {"UTC", "Etc/UTC"}) {
    Event e = Roundtable();
    e.time_zone = zone;
    e.starts_at_millis = Local("2026-06-12T08:00", "UTC");
    e.ends_at_millis = Local("2026-06-12T09:00", "UTC");
    const std::string ics = BuildIcs(e, Options());
    ExpectWellFolded(ics);
    const std::vector<std::string> lines = Unfolded(ics);
    EXPECT_THAT(lines, Contains("DTSTART:20260612T080000Z")) << zone;
    EXPECT_THAT(lines, Contains("DTEND:20260612T090000Z")) << zone;
    EXPECT_THAT(lines, Not(Contains("BEGIN:VTIMEZONE"))) << zone;
    EXPECT_THAT(ics, Not(HasSubstr("TZID"))) << zone;
  }
}

TEST(IcsTest, TheSecondOccurrenceOfARepeatedHourIsWrittenInUtc) {
  // 25 October 2026, Berlin: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice. RFC 5545
  // reads "TZID=Europe/Berlin:20261025T023000" as the first (00:30 UTC).
  Event first = Roundtable();
  first.starts_at_millis = 1792888200000;  // 2026-10-25T00:30:00Z, 02:30 CEST.
  first.ends_at_millis = first.starts_at_millis + 3'600'000;
  Event second = first;
  second.starts_at_millis += 3'600'000;  // 01:30Z, 02:30 CET.
  second.ends_at_millis += 3'600'000;
  const std::string first_ics = BuildIcs(first, Options());
  const std::string second_ics = BuildIcs(second, Options());
  EXPECT_EQ(ValueOf(first_ics, "DTSTART;TZID=Europe/Berlin"), "20261025T023000");
  EXPECT_EQ(ValueOf(first_ics, "DTEND"), "20261025T013000Z");  // 02:30 CET, the second.
  EXPECT_EQ(ValueOf(second_ics, "DTSTART"), "20261025T013000Z");
  EXPECT_EQ(ValueOf(second_ics, "DTEND;TZID=Europe/Berlin"), "20261025T033000");
}

TEST(IcsTest, LongGeorgianAndArabicTextFoldsWithoutSplittingACharacter) {
  Event e = Roundtable();
  // Three-byte Georgian letters and two-byte Arabic ones, at every offset against the fold.
  const std::string georgian = "საკონსულო მომსახურების მრგვალი მაგიდა საქართველოს მოქალაქეებისთვის";
  const std::string arabic =
      "طاولة مستديرة حول الخدمات القنصلية للمواطنين المقيمين في ألمانيا، مع أسئلة وأجوبة؛ "
      "ومناقشة مفتوحة حول جوازات السفر والتوثيق والتسجيل القنصلي";
  for (int shift = 0; shift < 3; ++shift) {
    // Shifted by ASCII letters so that each character meets the fold at each of its bytes.
    const std::string title = std::string(shift, 'a') + georgian;
    const std::string description = std::string(shift, 'a') + arabic;
    e.texts["ka"] = EventText{title, ""};
    e.texts["ar"] = EventText{"مائدة مستديرة", description};
    IcsOptions options = Options();
    options.languages = {"ka"};
    std::string ics = BuildIcs(e, options);
    ExpectWellFolded(ics);
    EXPECT_EQ(ValueOf(ics, "SUMMARY;LANGUAGE=ka"), title);
    EXPECT_THAT(ics, HasSubstr("\r\n "));  // Folded.

    options.languages = {"ar"};
    ics = BuildIcs(e, options);
    ExpectWellFolded(ics);
    // The Arabic comma and semicolon are not the ASCII ones: not escaped.
    EXPECT_EQ(ValueOf(ics, "DESCRIPTION;LANGUAGE=ar"),
              description + "\\n\\nOrganiser: Consular section");
  }
}

TEST(IcsTest, TextIsEscapedAndMarkdownBecomesPlainText) {
  Event e = Roundtable();
  e.texts["en"] =
      EventText{"Q&A; budget, 2026 \\ plans",
                "**Agenda**\n\n- Passports, visas\n- Questions; answers\r\n\r\nC:\\temp"};
  e.place = "Embassy; Hall B,\r\n2nd floor\a";  // The bell is no TEXT: dropped.
  e.organiser = "Consular section, desk 2";
  const std::string ics = BuildIcs(e, Options());
  ExpectWellFolded(ics);
  EXPECT_EQ(ValueOf(ics, "SUMMARY;LANGUAGE=en"), "Q&A\\; budget\\, 2026 \\\\ plans");
  EXPECT_EQ(ValueOf(ics, "DESCRIPTION;LANGUAGE=en"),
            "Agenda\\n\\n- Passports\\, visas\\n- Questions\\; answers\\n\\nC:\\\\temp"
            "\\n\\nOrganiser: Consular section\\, desk 2");
  EXPECT_EQ(ValueOf(ics, "LOCATION"), "Embassy\\; Hall B\\,\\n2nd floor");
  EXPECT_THAT(ics, Not(HasSubstr("ORGANIZER")));
}

TEST(IcsTest, TheTextIsInThePersonsLanguage) {
  IcsOptions options = Options();
  options.languages = {"fr"};
  EXPECT_EQ(ValueOf(BuildIcs(Roundtable(), options), "SUMMARY;LANGUAGE=fr"),
            "Table ronde sur les services consulaires");
  options.languages = {"de", "fr-CA"};
  EXPECT_EQ(ValueOf(BuildIcs(Roundtable(), options), "SUMMARY;LANGUAGE=fr"),
            "Table ronde sur les services consulaires");
  // A language the event does not have: the default one.
  options.languages = {"de"};
  const std::string ics = BuildIcs(Roundtable(), options);
  EXPECT_EQ(ValueOf(ics, "SUMMARY;LANGUAGE=en"), "Roundtable on consular services");
  EXPECT_EQ(ValueOf(ics, "DESCRIPTION;LANGUAGE=en"),
            "Agenda: passports\\n\\nOrganiser: Consular section");
  options.languages = {};
  EXPECT_EQ(ValueOf(BuildIcs(Roundtable(), options), "SUMMARY;LANGUAGE=en"),
            "Roundtable on consular services");
}

TEST(IcsTest, ACancelledEventCancelsTheSameUidWithItsNewSequence) {
  Event e = Roundtable();
  e.version = 7;
  IcsOptions options = Options();
  options.cancelled = true;
  const std::vector<std::string> lines = Unfolded(BuildIcs(e, options));
  EXPECT_THAT(lines, Contains("METHOD:CANCEL"));
  EXPECT_THAT(lines, Contains("STATUS:CANCELLED"));
  EXPECT_THAT(lines, Not(Contains("METHOD:PUBLISH")));
  EXPECT_THAT(lines, Not(Contains("STATUS:CONFIRMED")));
  EXPECT_THAT(lines, Contains("SEQUENCE:7"));
  EXPECT_THAT(lines, Contains("UID:evt_7Q2@gateway.example.org"));
}

TEST(IcsTest, AttendeeLine) {
  IcsOptions options = Options();
  options.attendee_email = "nino@example.org";
  options.attendee_name = "Nino Beridze";
  EXPECT_THAT(Unfolded(BuildIcs(Roundtable(), options)),
              Contains("ATTENDEE;CN=Nino Beridze;RSVP=FALSE:mailto:nino@example.org"));
  // A name with characters that end a parameter is quoted; a quote in it cannot be.
  options.attendee_name = "Beridze, \"Nino\"; Dr.";
  EXPECT_THAT(Unfolded(BuildIcs(Roundtable(), options)),
              Contains("ATTENDEE;CN=\"Beridze, 'Nino'; Dr.\";RSVP=FALSE:mailto:nino@example.org"));
  options.attendee_name = "";
  EXPECT_THAT(Unfolded(BuildIcs(Roundtable(), options)),
              Contains("ATTENDEE;RSVP=FALSE:mailto:nino@example.org"));
  // No address, or something that is not one: no attendee.
  for (const char* address : {"", "not an address", "a@b.org\r\nX-EVIL:1"}) {
    options.attendee_email = address;
    const std::string ics = BuildIcs(Roundtable(), options);
    EXPECT_THAT(ics, Not(HasSubstr("ATTENDEE"))) << address;
    EXPECT_THAT(ics, Not(HasSubstr("X-EVIL"))) << address;
  }
}

TEST(IcsTest, AnOrganiserWithAnAddressIsTheOrganizer) {
  Event e = Roundtable();
  e.organiser = "consular@embassy.example.org";
  std::string ics = BuildIcs(e, Options());
  EXPECT_EQ(ValueOf(ics, "ORGANIZER"), "mailto:consular@embassy.example.org");
  EXPECT_EQ(ValueOf(ics, "DESCRIPTION;LANGUAGE=en"), "Agenda: passports");
  e.organiser = "Consular section <consular@embassy.example.org>";
  ics = BuildIcs(e, Options());
  EXPECT_EQ(ValueOf(ics, "ORGANIZER;CN=Consular section"), "mailto:consular@embassy.example.org");
  e.organiser = "";
  e.texts["en"].description = "";
  ics = BuildIcs(e, Options());
  EXPECT_THAT(ics, Not(HasSubstr("ORGANIZER")));
  EXPECT_THAT(ics, Not(HasSubstr("DESCRIPTION")));
}

TEST(IcsTest, AnOnlineEventIsLocatedAtItsLink) {
  Event e = Roundtable();
  e.place = "";
  e.online_url = "https://meet.example.org/r/abc?lang=en,fr";
  std::string ics = BuildIcs(e, Options());
  ExpectWellFolded(ics);
  EXPECT_EQ(ValueOf(ics, "URL"), "https://meet.example.org/r/abc?lang=en,fr");
  EXPECT_EQ(ValueOf(ics, "LOCATION"), "https://meet.example.org/r/abc?lang=en\\,fr");
  // With a place too, the place is the location and the link stays the URL.
  e.place = "Embassy";
  ics = BuildIcs(e, Options());
  EXPECT_EQ(ValueOf(ics, "LOCATION"), "Embassy");
  EXPECT_EQ(ValueOf(ics, "URL"), "https://meet.example.org/r/abc?lang=en,fr");
}

}  // namespace
}  // namespace ogw
