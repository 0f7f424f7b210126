#include "gateway/contacts/normalize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace ogw {
namespace {

using ::testing::HasSubstr;

// Expects `result` to be an InvalidArgument error whose message contains `fragment`.
template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& result, std::string_view fragment) {
  ASSERT_FALSE(result.ok()) << "unexpectedly accepted: " << *result;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(std::string(fragment)));
}

// ---- Phones ----

// What SMSCs put in Kannel's %p, as seen from real operators.
TEST(NormalizeTest, SmsSenderWithoutPlusIsReadAsInternational) {
  EXPECT_EQ(NormalizeSmsSender("4915112345678", "").value, "+4915112345678");
  EXPECT_TRUE(NormalizeSmsSender("4915112345678", "").e164);
  EXPECT_EQ(NormalizeSmsSender("004915112345678", "").value, "+4915112345678");
  EXPECT_EQ(NormalizeSmsSender("+49 151 12345678", "").value, "+4915112345678");
  // International wins over the provider's country when the digits make a valid number.
  EXPECT_EQ(NormalizeSmsSender("306900000001", "DE").value, "+306900000001");
}

TEST(NormalizeTest, SmsSenderInNationalFormUsesTheProvidersCountry) {
  EXPECT_EQ(NormalizeSmsSender("015112345678", "DE").value, "+4915112345678");
  EXPECT_EQ(NormalizeSmsSender("0612345678", "FR").value, "+33612345678");
  // Without a country a national number cannot be read: kept as sent.
  const SmsSender kept = NormalizeSmsSender("015112345678", "");
  EXPECT_EQ(kept.value, "015112345678");
  EXPECT_FALSE(kept.e164);
}

TEST(NormalizeTest, SmsSenderThatIsNoNumberIsKeptAsSent) {
  EXPECT_EQ(NormalizeSmsSender("88000", "DE").value, "88000");
  EXPECT_EQ(NormalizeSmsSender("VODAFONE", "").value, "VODAFONE");
  EXPECT_FALSE(NormalizeSmsSender("VODAFONE", "").e164);
  EXPECT_EQ(NormalizeSmsSender("  ", "").value, "unknown");
  EXPECT_EQ(NormalizeSmsSender("a\x01" "b\xc3\xa9" "c", "").value, "abc");
  EXPECT_EQ(NormalizeSmsSender(std::string(100, 'A'), "").value.size(), kMaxRawSenderBytes);
}

TEST(NormalizePhoneTest, NationalNumbersUseTheDefaultRegion) {
  EXPECT_EQ(*NormalizePhone("030 1234567", "DE"), "+49301234567");
  EXPECT_EQ(*NormalizePhone("0151 23456789", "DE"), "+4915123456789");
  EXPECT_EQ(*NormalizePhone("210 1234567", "GR"), "+302101234567");
  EXPECT_EQ(*NormalizePhone("691 234 5678", "GR"), "+306912345678");
  EXPECT_EQ(*NormalizePhone("599 12 34 56", "GE"), "+995599123456");
  EXPECT_EQ(*NormalizePhone("0911 234567", "ET"), "+251911234567");
  EXPECT_EQ(*NormalizePhone("011 551 1234", "ET"), "+251115511234");
}

TEST(NormalizePhoneTest, InternationalNumbersIgnoreTheDefaultRegion) {
  EXPECT_EQ(*NormalizePhone("+49 30 1234567", ""), "+49301234567");
  EXPECT_EQ(*NormalizePhone("+30 691 234 5678", ""), "+306912345678");
  EXPECT_EQ(*NormalizePhone("+995 599 12 34 56", ""), "+995599123456");
  EXPECT_EQ(*NormalizePhone("+251 91 123 4567", ""), "+251911234567");
  // A Georgian number for a contact living in Germany.
  EXPECT_EQ(*NormalizePhone("+995 599 12 34 56", "DE"), "+995599123456");
}

TEST(NormalizePhoneTest, AcceptsSeparatorsAndInternationalPrefix) {
  EXPECT_EQ(*NormalizePhone("(030) 123-4567", "DE"), "+49301234567");
  EXPECT_EQ(*NormalizePhone("0049 30 1234567", "DE"), "+49301234567");
  EXPECT_EQ(*NormalizePhone("00 995 599 123456", "DE"), "+995599123456");
  EXPECT_EQ(*NormalizePhone("00251-91-123-4567", "GR"), "+251911234567");
  EXPECT_EQ(*NormalizePhone("+49.30/1234567", ""), "+49301234567");
  EXPECT_EQ(*NormalizePhone("  +49 30 1234567\t", ""), "+49301234567");
  EXPECT_EQ(*NormalizePhone("030 1234567", "de"), "+49301234567");  // Region in any case.
  EXPECT_EQ(*NormalizePhone("(+49) 30 1234567", ""), "+49301234567");
  EXPECT_EQ(*NormalizePhone("+49 (0)30 1234567", ""), "+49301234567");  // German trunk "(0)".
  EXPECT_EQ(*NormalizePhone("\xEF\xBC\x8B" "995 599 12 34 56", ""), "+995599123456");
}

TEST(NormalizePhoneTest, AcceptsArabicIndicDigits) {
  EXPECT_EQ(*NormalizePhone("+٤٩ ٣٠ ١٢٣٤٥٦٧", ""), "+49301234567");
  EXPECT_EQ(*NormalizePhone("٠٣٠١٢٣٤٥٦٧", "DE"), "+49301234567");
}

TEST(NormalizePhoneTest, EmptyRegionRequiresPlus) {
  ExpectInvalid(NormalizePhone("030 1234567", ""), "must start with +");
  ExpectInvalid(NormalizePhone("0049 30 1234567", ""), "must start with +");
}

TEST(NormalizePhoneTest, RejectsNumbersInvalidForTheirRegion) {
  ExpectInvalid(NormalizePhone("123", "DE"), "not a valid phone number for region DE");
  ExpectInvalid(NormalizePhone("030 1234567", "ET"), "not a valid phone number for region ET");
  ExpectInvalid(NormalizePhone("+30 123", ""), "not a valid phone number for region GR");
  ExpectInvalid(NormalizePhone("+995 12", ""), "not a valid phone number for region GE");
  ExpectInvalid(NormalizePhone("+49 30", ""), "region DE");
}

TEST(NormalizePhoneTest, RejectsLettersInsteadOfReadingThemAsVanityDigits) {
  // libphonenumber alone turns this into the valid-looking +49301234567999.
  ExpectInvalid(NormalizePhone("+49 30 1234567 xyz", "DE"), "may only contain digits");
  ExpectInvalid(NormalizePhone("+1 800 FLOWERS", ""), "may only contain digits");
  ExpectInvalid(NormalizePhone("+49 30 1234567 ext. 5", ""), "may only contain digits");
  ExpectInvalid(NormalizePhone("tel:+49301234567", ""), "may only contain digits");
  ExpectInvalid(NormalizePhone("#30", "DE"), "may only contain digits");
  ExpectInvalid(NormalizePhone("49+301234567", ""), "may only contain digits");
  ExpectInvalid(NormalizePhone("++49301234567", ""), "may only contain digits");
  ExpectInvalid(NormalizePhone("abc", "DE"), "may only contain digits");
}

TEST(NormalizePhoneTest, RejectsOtherGarbage) {
  ExpectInvalid(NormalizePhone("", "DE"), "empty");
  ExpectInvalid(NormalizePhone("   ", "DE"), "empty");
  ExpectInvalid(NormalizePhone("+", ""), "not a phone number");
  ExpectInvalid(NormalizePhone("+999 123456", ""), "unknown country code");
  ExpectInvalid(NormalizePhone("+49 30 12345678901234567890", ""), "too long");
  ExpectInvalid(NormalizePhone(std::string(100, '1'), "DE"), "too long");
  ExpectInvalid(NormalizePhone("030\xFF"
                               "1234567",
                               "DE"),
                "UTF-8");
  ExpectInvalid(NormalizePhone("030 1234567", "ZZ"), "no phone numbering plan for region ZZ");
}

TEST(NormalizePhoneTest, IsThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 200; ++i) {
        auto de = NormalizePhone("030 1234567", "DE");
        auto ge = NormalizePhone("599 12 34 56", "GE");
        auto zone = NormalizeTimeZone("europe/berlin");
        if (!de.ok() || *de != "+49301234567" || !ge.ok() || *ge != "+995599123456" || !zone.ok() ||
            *zone != "Europe/Berlin") {
          ++failures[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// ---- E-mail ----

TEST(NormalizeEmailTest, LowerCasesOnlyTheDomain) {
  EXPECT_EQ(*NormalizeEmail("Nino.Beridze@Example.COM"), "Nino.Beridze@example.com");
  EXPECT_EQ(*NormalizeEmail("  abebe+news@mail.example.et \r\n"), "abebe+news@mail.example.et");
  EXPECT_EQ(*NormalizeEmail("o'neil@sub-domain.example.org"), "o'neil@sub-domain.example.org");
}

TEST(NormalizeEmailTest, KeepsInternationalisedDomainsInUtf8) {
  EXPECT_EQ(*NormalizeEmail("ali@BÜCHER.de"), "ali@bÜcher.de");
  EXPECT_EQ(*NormalizeEmail("Mohamed@مثال.إختبار"), "Mohamed@مثال.إختبار");
  EXPECT_EQ(*NormalizeEmail("ნინო@ფოსტა.გე"), "ნინო@ფოსტა.გე");
}

TEST(NormalizeEmailTest, RejectsMalformedAddresses) {
  ExpectInvalid(NormalizeEmail(""), "empty");
  ExpectInvalid(NormalizeEmail("no-at-sign.example.com"), "exactly one @");
  ExpectInvalid(NormalizeEmail("a@b@example.com"), "exactly one @");
  ExpectInvalid(NormalizeEmail("a@@example.com"), "exactly one @");
  ExpectInvalid(NormalizeEmail("@example.com"), "nothing before the @");
  ExpectInvalid(NormalizeEmail("abebe@"), "no domain");
  ExpectInvalid(NormalizeEmail("abebe@localhost"), "must contain a dot");
  ExpectInvalid(NormalizeEmail("abebe@.example.com"), "empty label");
  ExpectInvalid(NormalizeEmail("abebe@example..com"), "empty label");
  ExpectInvalid(NormalizeEmail("abebe@example.com."), "empty label");
  ExpectInvalid(NormalizeEmail("abebe@-example.com"), "must not start or end with -");
  ExpectInvalid(NormalizeEmail("abebe@exa_mple.com"), "invalid character");
  ExpectInvalid(NormalizeEmail("a b@example.com"), "spaces or control characters");
  ExpectInvalid(NormalizeEmail("ab@exa mple.com"), "spaces or control characters");
  ExpectInvalid(NormalizeEmail("ab\x01@example.com"), "spaces or control characters");
  ExpectInvalid(NormalizeEmail("ab\xC2\xA0x@example.com"), "spaces or control characters");
  ExpectInvalid(NormalizeEmail("\"quoted\"@example.com"), "needs quoting");
  ExpectInvalid(NormalizeEmail("a\xFF@example.com"), "UTF-8");
}

TEST(NormalizeEmailTest, EnforcesLengthLimits) {
  const std::string local64(64, 'a');
  EXPECT_TRUE(NormalizeEmail(local64 + "@example.com").ok());
  ExpectInvalid(NormalizeEmail(local64 + "a@example.com"), "longer than 64");
  std::string domain;
  for (int i = 0; i < 25; ++i) domain += "abcdefghi.";
  domain += "de";  // 252 bytes.
  ASSERT_EQ(("a@" + domain).size(), 254u);
  EXPECT_TRUE(NormalizeEmail("a@" + domain).ok());
  ExpectInvalid(NormalizeEmail("ab@" + domain), "longer than 254");
}

// ---- Language tags ----

TEST(NormalizeLanguageTagTest, CanonicalisesWellFormedTags) {
  EXPECT_EQ(*NormalizeLanguageTag("ka"), "ka");
  EXPECT_EQ(*NormalizeLanguageTag("am"), "am");
  EXPECT_EQ(*NormalizeLanguageTag("ar-EG"), "ar-EG");
  EXPECT_EQ(*NormalizeLanguageTag("ar-eg"), "ar-EG");
  EXPECT_EQ(*NormalizeLanguageTag("pt-br"), "pt-BR");
  EXPECT_EQ(*NormalizeLanguageTag("PT-BR"), "pt-BR");
  EXPECT_EQ(*NormalizeLanguageTag("zh-hant-tw"), "zh-Hant-TW");
  EXPECT_EQ(*NormalizeLanguageTag("ZH-HANT-TW"), "zh-Hant-TW");
  EXPECT_EQ(*NormalizeLanguageTag(" el "), "el");
  EXPECT_EQ(*NormalizeLanguageTag("ti-ER"), "ti-ER");
  EXPECT_EQ(*NormalizeLanguageTag("prs"), "prs");  // Dari: ISO 639-3, not in ICU's list.
  EXPECT_EQ(*NormalizeLanguageTag("iw"), "he");    // Deprecated code replaced.
  EXPECT_EQ(*NormalizeLanguageTag("sr-Latn"), "sr-Latn");
}

TEST(NormalizeLanguageTagTest, RejectsMalformedTags) {
  ExpectInvalid(NormalizeLanguageTag(""), "empty");
  ExpectInvalid(NormalizeLanguageTag("   "), "empty");
  ExpectInvalid(NormalizeLanguageTag("xx-invalid-!!"), "not a well-formed BCP 47");
  ExpectInvalid(NormalizeLanguageTag("en_US"), "not a well-formed BCP 47");
  ExpectInvalid(NormalizeLanguageTag("en-"), "not a well-formed BCP 47");
  ExpectInvalid(NormalizeLanguageTag("en--US"), "not a well-formed BCP 47");
  ExpectInvalid(NormalizeLanguageTag("e"), "not a well-formed BCP 47");
  ExpectInvalid(NormalizeLanguageTag("en-US-US"), "not a well-formed BCP 47");
  ExpectInvalid(NormalizeLanguageTag("ar EG"), "not a well-formed BCP 47");
  ExpectInvalid(NormalizeLanguageTag("español"), "not a well-formed BCP 47");
  ExpectInvalid(NormalizeLanguageTag(std::string(80, 'a')), "too long");
}

TEST(NormalizeLanguageTagTest, RejectsTagsWithoutAShortLanguageCode) {
  ExpectInvalid(NormalizeLanguageTag("english"), "2 or 3 letter language code");
  ExpectInvalid(NormalizeLanguageTag("Georgian"), "2 or 3 letter language code");
  ExpectInvalid(NormalizeLanguageTag("und"), "2 or 3 letter language code");
  ExpectInvalid(NormalizeLanguageTag("x-private"), "2 or 3 letter language code");
}

// ---- Time zones ----

TEST(NormalizeTimeZoneTest, AcceptsKnownZones) {
  EXPECT_EQ(*NormalizeTimeZone("Europe/Berlin"), "Europe/Berlin");
  EXPECT_EQ(*NormalizeTimeZone("Asia/Tbilisi"), "Asia/Tbilisi");
  EXPECT_EQ(*NormalizeTimeZone("Africa/Addis_Ababa"), "Africa/Addis_Ababa");
  EXPECT_EQ(*NormalizeTimeZone("Europe/Athens"), "Europe/Athens");
  EXPECT_EQ(*NormalizeTimeZone(" Asia/Tbilisi\n"), "Asia/Tbilisi");
}

TEST(NormalizeTimeZoneTest, ReturnsCanonicalIanaNames) {
  EXPECT_EQ(*NormalizeTimeZone("UTC"), "Etc/UTC");
  EXPECT_EQ(*NormalizeTimeZone("Etc/UTC"), "Etc/UTC");
  EXPECT_EQ(*NormalizeTimeZone("US/Eastern"), "America/New_York");
  // ICU's CLDR-canonical names are the old ones; the current IANA names are stored.
  EXPECT_EQ(*NormalizeTimeZone("Asia/Calcutta"), "Asia/Kolkata");
  EXPECT_EQ(*NormalizeTimeZone("Asia/Kolkata"), "Asia/Kolkata");
  EXPECT_EQ(*NormalizeTimeZone("Africa/Asmera"), "Africa/Asmara");
  EXPECT_EQ(*NormalizeTimeZone("Africa/Asmara"), "Africa/Asmara");
  EXPECT_EQ(*NormalizeTimeZone("Europe/Kiev"), "Europe/Kyiv");
}

TEST(NormalizeTimeZoneTest, IgnoresCase) {
  EXPECT_EQ(*NormalizeTimeZone("europe/berlin"), "Europe/Berlin");
  EXPECT_EQ(*NormalizeTimeZone("ASIA/TBILISI"), "Asia/Tbilisi");
  EXPECT_EQ(*NormalizeTimeZone("utc"), "Etc/UTC");
}

TEST(NormalizeTimeZoneTest, IsIdempotent) {
  for (const char* zone : {"UTC", "US/Eastern", "Asia/Calcutta", "Europe/Kiev", "GMT"}) {
    const absl::StatusOr<std::string> once = NormalizeTimeZone(zone);
    ASSERT_TRUE(once.ok()) << zone;
    EXPECT_EQ(*NormalizeTimeZone(*once), *once) << zone;
  }
}

TEST(NormalizeTimeZoneTest, RejectsUnknownZones) {
  ExpectInvalid(NormalizeTimeZone(""), "empty");
  ExpectInvalid(NormalizeTimeZone("Mars/Olympus_Mons"), "unknown IANA time zone");
  ExpectInvalid(NormalizeTimeZone("Berlin"), "unknown IANA time zone");
  ExpectInvalid(NormalizeTimeZone("GMT+5"), "unknown IANA time zone");
  ExpectInvalid(NormalizeTimeZone("Etc/Unknown"), "unknown IANA time zone");
  ExpectInvalid(NormalizeTimeZone("Europe/Berlin Europe/Paris"), "unknown IANA time zone");
  ExpectInvalid(NormalizeTimeZone("Europe/Berlín"), "unknown IANA time zone");
}

// ---- Countries ----

TEST(NormalizeCountryTest, UpperCasesKnownCodes) {
  EXPECT_EQ(*NormalizeCountry("DE"), "DE");
  EXPECT_EQ(*NormalizeCountry("de"), "DE");
  EXPECT_EQ(*NormalizeCountry(" ge "), "GE");
  EXPECT_EQ(*NormalizeCountry("Et"), "ET");
  EXPECT_EQ(*NormalizeCountry("GR"), "GR");
  EXPECT_EQ(*NormalizeCountry("XK"), "XK");
}

TEST(NormalizeCountryTest, RejectsUnknownOrMalformedCodes) {
  ExpectInvalid(NormalizeCountry(""), "empty");
  ExpectInvalid(NormalizeCountry("ZZ"), "unknown ISO 3166-1 country code \"ZZ\"");
  ExpectInvalid(NormalizeCountry("EU"), "unknown ISO 3166-1");
  ExpectInvalid(NormalizeCountry("DEU"), "alpha-2");
  ExpectInvalid(NormalizeCountry("D1"), "alpha-2");
  ExpectInvalid(NormalizeCountry("Germany"), "alpha-2");
}

// ---- Addresses ----

TEST(NormalizeAddressTest, DispatchesByKind) {
  EXPECT_EQ(*NormalizeAddress(AddressKind::kEmail, "A@Example.com", "DE"), "A@example.com");
  EXPECT_EQ(*NormalizeAddress(AddressKind::kPhone, "030 1234567", "DE"), "+49301234567");
  EXPECT_EQ(*NormalizeAddress(AddressKind::kWhatsApp, "0911 234567", "ET"), "+251911234567");
  ExpectInvalid(NormalizeAddress(AddressKind::kWhatsApp, "0911 234567", ""), "must start with +");
}

TEST(NormalizeAddressTest, Telegram) {
  EXPECT_EQ(*NormalizeAddress(AddressKind::kTelegram, "@Nino_Beridze", ""), "@nino_beridze");
  EXPECT_EQ(*NormalizeAddress(AddressKind::kTelegram, " @abcde ", ""), "@abcde");
  EXPECT_EQ(*NormalizeAddress(AddressKind::kTelegram, "@" + std::string(32, 'x'), ""),
            "@" + std::string(32, 'x'));
  EXPECT_EQ(*NormalizeAddress(AddressKind::kTelegram, "123456789", ""), "123456789");
  EXPECT_EQ(*NormalizeAddress(AddressKind::kTelegram, "-1001234567890", ""), "-1001234567890");
  EXPECT_EQ(*NormalizeAddress(AddressKind::kTelegram, "00042", ""), "42");

  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "@abcd", ""), "5-32 characters");
  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "@" + std::string(33, 'x'), ""),
                "5-32 characters");
  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "@nino-beridze", ""),
                "numeric chat id or @username");
  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "nino_beridze", ""),
                "numeric chat id or @username");
  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "+123", ""),
                "numeric chat id or @username");
  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "12 34", ""),
                "numeric chat id or @username");
  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "-", ""), "numeric chat id or @username");
  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "99999999999999999999", ""),
                "out of range");
  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "0", ""), "must not be 0");
  ExpectInvalid(NormalizeAddress(AddressKind::kTelegram, "", ""), "empty");
}

TEST(NormalizeAddressTest, Messenger) {
  EXPECT_EQ(*NormalizeAddress(AddressKind::kMessenger, "1234567890123456", ""), "1234567890123456");
  EXPECT_EQ(*NormalizeAddress(AddressKind::kMessenger, " 0042 ", ""), "0042");
  EXPECT_TRUE(NormalizeAddress(AddressKind::kMessenger, std::string(32, '9'), "").ok());
  ExpectInvalid(NormalizeAddress(AddressKind::kMessenger, std::string(33, '9'), ""), "1-32 digits");
  ExpectInvalid(NormalizeAddress(AddressKind::kMessenger, "12a4", ""), "1-32 digits");
  ExpectInvalid(NormalizeAddress(AddressKind::kMessenger, "-123", ""), "1-32 digits");
  ExpectInvalid(NormalizeAddress(AddressKind::kMessenger, "", ""), "1-32 digits");
}

}  // namespace
}  // namespace ogw
