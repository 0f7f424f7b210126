#pragma once

// Shared pieces of the benchmark drivers: a private redis-server in a temporary directory,
// Redis memory figures, a wall-clock timer and a deterministic generator of realistic diaspora
// contacts (names in Latin, Greek, Georgian, Amharic and Arabic script; residence in DE, GR,
// FR, GE, ET or US with a valid national phone number of that country).

#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_flags.h"
#include "gateway/contacts/contact.h"
#include "gateway/core/embedded_redis.h"
#include "gateway/core/ids.h"
#include "gateway/core/redis_client.h"

namespace ogw::bench {

// ---------------------------------------------------------------------------------------------
// A private redis-server, removed with its directory on destruction.

class BenchRedis {
 public:
  BenchRedis() {
    char tmpl[] = "/tmp/ogw-bench-XXXXXX";  // Short: the directory holds a unix socket.
    const char* dir = mkdtemp(tmpl);
    if (dir == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    dir_ = dir;
    EmbeddedRedis::Options options;
    options.data_dir = dir_;
    redis_ = std::make_unique<EmbeddedRedis>(options);
    if (absl::Status s = redis_->Start(); !s.ok()) {
      std::fprintf(stderr, "cannot start redis-server: %s\n", std::string(s.message()).c_str());
      std::exit(1);
    }
    pool_ = std::make_unique<RedisPool>(redis_->endpoint(), 8, std::chrono::milliseconds(60000));
  }
  ~BenchRedis() {
    pool_.reset();
    redis_.reset();  // Stops the owned server.
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  BenchRedis(const BenchRedis&) = delete;
  BenchRedis& operator=(const BenchRedis&) = delete;

  RedisPool* pool() { return pool_.get(); }
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return redis_->pid(); }

  // A field of INFO <section> as a number (0 when absent).
  double Info(const std::string& section, const std::string& field) {
    auto reply = pool_->Command({"INFO", section});
    if (!reply.ok()) return 0;
    const std::string& text = reply->str;
    const std::string needle = field + ":";
    size_t at = 0;
    while ((at = text.find(needle, at)) != std::string::npos) {
      if (at == 0 || text[at - 1] == '\n') return std::atof(text.c_str() + at + needle.size());
      at += needle.size();
    }
    return 0;
  }
  long long UsedMemory() { return static_cast<long long>(Info("memory", "used_memory")); }
  // Waits until no background AOF rewrite runs (the server starts one whenever the file has
  // doubled), so that a short measurement does not depend on whether one happens to overlap it.
  void WaitForAofRewrite() {
    while (Info("persistence", "aof_rewrite_in_progress") != 0 ||
           Info("persistence", "aof_rewrite_scheduled") != 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  // CPU seconds the server has used (user + system, all its threads).
  double CpuSeconds() { return Info("cpu", "used_cpu_user") + Info("cpu", "used_cpu_sys"); }
  // CPU seconds its finished background children (AOF rewrites) have used.
  double ChildCpuSeconds() {
    return Info("cpu", "used_cpu_user_children") + Info("cpu", "used_cpu_sys_children");
  }

 private:
  std::string dir_;
  std::unique_ptr<EmbeddedRedis> redis_;
  std::unique_ptr<RedisPool> pool_;
};

// ---------------------------------------------------------------------------------------------
// Deterministic contact generator.

// SplitMix64: a tiny, good-enough PRNG; every row is a pure function of its index.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  bool Chance(int percent) { return Below(100) < static_cast<uint64_t>(percent); }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

struct NamePart {
  const char* native;
  const char* latin;  // For the e-mail local part.
};

struct Community {
  const char* key;
  NamePart first[8];
  NamePart last[8];
};

inline const Community kCommunities[] = {
    {"ka",
     {{"ნინო", "nino"}, {"გიორგი", "giorgi"}, {"თამარ", "tamar"}, {"დავით", "davit"},
      {"ნათია", "natia"}, {"ლევან", "levan"}, {"მარიამ", "mariam"}, {"ირაკლი", "irakli"}},
     {{"ბერიძე", "beridze"}, {"მაისურაძე", "maisuradze"}, {"კაპანაძე", "kapanadze"},
      {"გელაშვილი", "gelashvili"}, {"ლომიძე", "lomidze"}, {"ჯავახიშვილი", "javakhishvili"},
      {"ხარაიშვილი", "kharaishvili"}, {"წერეთელი", "tsereteli"}}},
    {"am",
     {{"አበበ", "abebe"}, {"ትግስት", "tigist"}, {"ሰላም", "selam"}, {"ዮሐንስ", "yohannes"},
      {"መሰረት", "meseret"}, {"ብርሃኑ", "birhanu"}, {"ሄለን", "helen"}, {"ዳዊት", "dawit"}},
     {{"ተስፋዬ", "tesfaye"}, {"ገብረመድህን", "gebremedhin"}, {"ወልደማርያም", "woldemariam"},
      {"ኃይሌ", "haile"}, {"አለሙ", "alemu"}, {"በቀለ", "bekele"}, {"ታደሰ", "tadesse"},
      {"ግርማ", "girma"}}},
    {"ar",
     {{"محمد", "mohammed"}, {"فاطمة", "fatima"}, {"أحمد", "ahmed"}, {"ليلى", "layla"},
      {"يوسف", "youssef"}, {"مريم", "maryam"}, {"عمر", "omar"}, {"نور", "nour"}},
     {{"الحسن", "alhassan"}, {"خليل", "khalil"}, {"العلي", "alali"}, {"حداد", "haddad"},
      {"منصور", "mansour"}, {"سعيد", "said"}, {"الخطيب", "alkhatib"}, {"عثمان", "othman"}}},
    {"el",
     {{"Γιώργος", "giorgos"}, {"Μαρία", "maria"}, {"Νίκος", "nikos"}, {"Ελένη", "eleni"},
      {"Δημήτρης", "dimitris"}, {"Κατερίνα", "katerina"}, {"Γιάννης", "giannis"},
      {"Σοφία", "sofia"}},
     {{"Παπαδόπουλος", "papadopoulos"}, {"Ιωάννου", "ioannou"}, {"Γεωργίου", "georgiou"},
      {"Νικολάου", "nikolaou"}, {"Οικονόμου", "oikonomou"}, {"Παπαδάκης", "papadakis"},
      {"Βασιλείου", "vasileiou"}, {"Μακρής", "makris"}}},
    {"latin",
     {{"Anna", "anna"}, {"Lukas", "lukas"}, {"Marie", "marie"}, {"Jean", "jean"},
      {"Sophie", "sophie"}, {"Michael", "michael"}, {"Zoë", "zoe"}, {"José", "jose"}},
     {{"Müller", "mueller"}, {"Schmidt", "schmidt"}, {"Dubois", "dubois"}, {"Martin", "martin"},
      {"Smith", "smith"}, {"O'Brien", "obrien"}, {"Weber", "weber"}, {"Lefèvre", "lefevre"}}},
};
// Share of each community, in percent (same order as kCommunities).
inline constexpr int kCommunityShare[] = {30, 20, 15, 15, 20};

struct CountrySpec {
  const char* code;
  const char* language;  // Language of the country of residence.
  const char* cities[3];
  const char* time_zones[3];  // Matching cities.
  int country_calling_code;
  int share;  // Percent.
};

inline const CountrySpec kCountries[] = {
    {"DE", "de", {"Berlin", "München", "Hamburg"},
     {"Europe/Berlin", "Europe/Berlin", "Europe/Berlin"}, 49, 25},
    {"GR", "el", {"Αθήνα", "Θεσσαλονίκη", "Πάτρα"},
     {"Europe/Athens", "Europe/Athens", "Europe/Athens"}, 30, 15},
    {"FR", "fr", {"Paris", "Lyon", "Marseille"}, {"Europe/Paris", "Europe/Paris", "Europe/Paris"},
     33, 15},
    {"GE", "ka", {"თბილისი", "ბათუმი", "Kutaisi"}, {"Asia/Tbilisi", "Asia/Tbilisi", "Asia/Tbilisi"},
     995, 15},
    {"ET", "am", {"Addis Ababa", "አዲስ አበባ", "Bahir Dar"},
     {"Africa/Addis_Ababa", "Africa/Addis_Ababa", "Africa/Addis_Ababa"}, 251, 10},
    {"US", "en", {"New York", "Washington", "Los Angeles"},
     {"America/New_York", "America/New_York", "America/Los_Angeles"}, 1, 20},
};

inline constexpr const char* kTags[] = {"volunteer", "newsletter", "donor",
                                        "vip",       "event-2025", "parent"};
inline constexpr const char* kAgeBands[] = {"18-29", "30-44", "45-64", "65+"};
inline constexpr const char* kEmailDomains[] = {"gmail.com", "yahoo.com", "outlook.com",
                                                "gmx.de",    "orange.fr", "mail.ge"};

// One generated person in raw (as typed) and normalised form.
struct Person {
  std::string name;
  std::string post_id;
  const CountrySpec* country = nullptr;
  std::string city;
  std::string time_zone;
  std::vector<std::string> languages;
  std::string email;           // Empty: none.
  std::string phone_national;  // As typed in the country of residence; empty: none.
  std::string phone_e164;
  bool whatsapp = false;  // WhatsApp on the same number.
  std::string consent;    // granted | withdrawn | unknown (row-wide).
  std::string email_consent;  // Empty: as `consent`.
  std::vector<std::string> tags;
  int generation = 1;
  std::string age_band;
  int member_since = 2020;
};

inline constexpr int kPosts = 10;
inline std::string PostId(int i) { return "p_post" + std::to_string(i); }

// A national phone number of `country`, unique for `serial`, that libphonenumber accepts as a
// valid mobile (or, for the US, geographic) number.
inline void MakePhone(const CountrySpec& country, uint64_t serial, std::string* national,
                      std::string* e164) {
  char digits[16];
  char nat[32];
  char sig[24];  // National significant number.
  const std::string_view code = country.code;
  if (code == "DE") {  // 0170 1234567
    std::snprintf(digits, sizeof digits, "%07llu", static_cast<unsigned long long>(serial % 10000000));
    std::snprintf(nat, sizeof nat, "0170 %s", digits);
    std::snprintf(sig, sizeof sig, "170%s", digits);
  } else if (code == "GR") {  // 694 123 4567
    std::snprintf(digits, sizeof digits, "%07llu", static_cast<unsigned long long>(serial % 10000000));
    std::snprintf(nat, sizeof nat, "694 %.3s %s", digits, digits + 3);
    std::snprintf(sig, sizeof sig, "694%s", digits);
  } else if (code == "FR") {  // 06 12 34 56 78
    std::snprintf(digits, sizeof digits, "%07llu", static_cast<unsigned long long>(serial % 10000000));
    std::snprintf(nat, sizeof nat, "06 1%.1s %.2s %.2s %.2s", digits, digits + 1, digits + 3,
                  digits + 5);
    std::snprintf(sig, sizeof sig, "61%s", digits);
  } else if (code == "GE") {  // 599 12 34 56 / 555 ...
    std::snprintf(digits, sizeof digits, "%07llu", static_cast<unsigned long long>(serial % 2000000));
    const char* prefix = digits[0] == '1' ? "555" : "599";
    std::snprintf(nat, sizeof nat, "%s %.2s %.2s %.2s", prefix, digits + 1, digits + 3, digits + 5);
    std::snprintf(sig, sizeof sig, "%s%s", prefix, digits + 1);
  } else if (code == "ET") {  // 091 123 4567
    std::snprintf(digits, sizeof digits, "%07llu", static_cast<unsigned long long>(serial % 10000000));
    std::snprintf(nat, sizeof nat, "091 %.3s %s", digits, digits + 3);
    std::snprintf(sig, sizeof sig, "91%s", digits);
  } else {  // US: (415) 2xx-xxxx
    std::snprintf(digits, sizeof digits, "%07llu",
                  static_cast<unsigned long long>(2000000 + serial % 8000000));
    std::snprintf(nat, sizeof nat, "(415) %.3s-%s", digits, digits + 3);
    std::snprintf(sig, sizeof sig, "415%s", digits);
  }
  *national = nat;
  // Appended piecewise: `"+" + std::to_string(...)` trips GCC 12's false -Wrestrict.
  e164->assign(1, '+');
  e164->append(std::to_string(country.country_calling_code));
  e164->append(sig);
}

inline Person MakePerson(uint64_t index) {
  Rng rng(index);
  Person p;
  // Community.
  int roll = static_cast<int>(rng.Below(100));
  size_t ci = 0;
  while (roll >= kCommunityShare[ci]) roll -= kCommunityShare[ci++];
  const Community& com = kCommunities[ci];
  const NamePart& first = rng.Pick(com.first);
  const NamePart& last = rng.Pick(com.last);
  p.name = std::string(first.native) + " " + last.native;
  // Residence: the country index is index-derived so that phone serials never collide.
  const size_t country_index = index % 20 < 5    ? 0   // DE 25 %
                               : index % 20 < 8  ? 1   // GR 15 %
                               : index % 20 < 11 ? 2   // FR 15 %
                               : index % 20 < 14 ? 3   // GE 15 %
                               : index % 20 < 16 ? 4   // ET 10 %
                                                 : 5;  // US 20 %
  p.country = &kCountries[country_index];
  const size_t city = rng.Below(3);
  p.city = p.country->cities[city];
  p.time_zone = p.country->time_zones[city];
  p.post_id = PostId(static_cast<int>(rng.Below(kPosts)));
  // Languages: the community's, then often the country's.
  const std::string_view key = com.key;
  if (key == "latin") {
    p.languages.push_back(p.country->language);
    if (std::string_view(p.country->language) != "en" && rng.Chance(50)) {
      p.languages.push_back("en");
    }
  } else {
    p.languages.push_back(com.key);
    if (key == "ka" && rng.Chance(40)) p.languages.push_back("ru");
    if (key == "am" && rng.Chance(30)) p.languages.push_back("ti");
    if (key == "ar" && rng.Chance(20)) p.languages.push_back("ar-SY");
    if (std::string_view(p.country->language) != key && rng.Chance(60)) {
      p.languages.push_back(p.country->language);
    }
  }
  // Addresses: at least one of e-mail and phone.
  const int shape = static_cast<int>(rng.Below(100));
  const bool has_email = shape >= 10;  // 90 %
  const bool has_phone = shape < 85;   // 85 %
  if (has_email) {
    p.email = std::string(first.latin) + "." + last.latin + "." + std::to_string(index) + "@" +
              rng.Pick(kEmailDomains);
    if (rng.Chance(10)) p.email[0] = static_cast<char>(p.email[0] - 'a' + 'A');
  }
  if (has_phone) {
    MakePhone(*p.country, index / 20 * 5 + index % 20, &p.phone_national, &p.phone_e164);
    p.whatsapp = rng.Chance(45);
  }
  const int consent = static_cast<int>(rng.Below(100));
  p.consent = consent < 70 ? "granted" : consent < 92 ? "unknown" : "withdrawn";
  if (has_email && rng.Chance(15)) p.email_consent = p.consent == "granted" ? "withdrawn" : "granted";
  for (const char* tag : kTags) {
    if (rng.Chance(18)) p.tags.push_back(tag);
  }
  p.generation = 1 + static_cast<int>(rng.Below(3));
  p.age_band = rng.Pick(kAgeBands);
  p.member_since = 2005 + static_cast<int>(rng.Below(21));
  return p;
}

// The stored form of a person, as the importer would build it (normalised values).
inline Contact ToContact(const Person& p, const std::string& org_id, int64_t now_millis) {
  Contact c;
  c.id = NewId("c", now_millis);
  c.org_id = org_id;
  c.post_id = p.post_id;
  c.name = p.name;
  c.languages = p.languages;
  c.country = p.country->code;
  c.city = p.city;
  c.time_zone = p.time_zone;
  c.attributes["generation"] = static_cast<double>(p.generation);
  c.attributes["age_band"] = p.age_band;
  c.attributes["member_since"] = static_cast<double>(p.member_since);
  c.tags = p.tags;  // Stored sorted.
  std::sort(c.tags.begin(), c.tags.end());
  auto consent_of = [&](const std::string& state) {
    Consent consent;
    if (state == "granted") consent.state = ConsentState::kGranted;
    if (state == "withdrawn") consent.state = ConsentState::kWithdrawn;
    if (consent.state != ConsentState::kUnknown) {
      consent.source = "import";
      consent.at_millis = now_millis;
    }
    return consent;
  };
  if (!p.email.empty()) {
    Address a;
    a.kind = AddressKind::kEmail;
    a.value = p.email;
    if (const size_t at = a.value.find('@'); at != std::string::npos) {
      for (size_t i = at; i < a.value.size(); ++i) {
        if (a.value[i] >= 'A' && a.value[i] <= 'Z') a.value[i] = static_cast<char>(a.value[i] + 32);
      }
    }
    a.consent = consent_of(p.email_consent.empty() ? p.consent : p.email_consent);
    c.addresses.push_back(std::move(a));
  }
  if (!p.phone_e164.empty()) {
    Address a;
    a.kind = AddressKind::kPhone;
    a.value = p.phone_e164;
    a.consent = consent_of(p.consent);
    c.addresses.push_back(a);
    if (p.whatsapp) {
      a.kind = AddressKind::kWhatsApp;
      c.addresses.push_back(std::move(a));
      c.channel_order = {Channel::kWhatsApp, Channel::kSms};
    }
  }
  c.verified = true;
  c.created_at_millis = now_millis;
  c.updated_at_millis = now_millis;
  return c;
}

// ---------------------------------------------------------------------------------------------
// CSV.

inline void AppendCsvCell(std::string* out, std::string_view cell) {
  if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(cell);
    return;
  }
  out->push_back('"');
  for (char ch : cell) {
    if (ch == '"') out->push_back('"');
    out->push_back(ch);
  }
  out->push_back('"');
}

inline const char kCsvHeader[] =
    "name,post_id,country,city,time_zone,languages,email,phone,whatsapp,consent,email_consent,"
    "tags,channel_order,attr.generation,attr.age_band,attr.member_since\r\n";

inline std::string Joined(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(sep);
    out.append(items[i]);
  }
  return out;
}

inline void AppendCsvRow(std::string* out, const Person& p) {
  const std::string cells[] = {
      p.name,
      p.post_id,
      p.country->code,
      p.city,
      p.time_zone,
      Joined(p.languages, ';'),
      p.email,
      p.phone_national,
      p.whatsapp ? p.phone_national : std::string(),
      p.consent,
      p.email_consent,
      Joined(p.tags, ';'),
      p.whatsapp ? "whatsapp;sms" : "",
      std::to_string(p.generation),
      p.age_band,
      std::to_string(p.member_since),
  };
  bool first = true;
  for (const auto& cell : cells) {
    if (!first) out->push_back(',');
    first = false;
    AppendCsvCell(out, cell);
  }
  out->append("\r\n");
}

inline std::string MakeCsv(size_t rows) {
  std::string csv = kCsvHeader;
  csv.reserve(rows * 190);
  for (size_t i = 0; i < rows; ++i) AppendCsvRow(&csv, MakePerson(i));
  return csv;
}

}  // namespace ogw::bench
