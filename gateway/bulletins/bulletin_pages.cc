#include "gateway/bulletins/bulletin_pages.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include <unicode/locid.h>
#include <unicode/uenum.h>
#include <unicode/uloc.h>
#include <unicode/unistr.h>
#include <nlohmann/json.hpp>

#include "gateway/core/iso_time.h"
#include "gateway/invitations/rsvp_texts.h"
#include "templates/markdown_render.h"

namespace ogw {
namespace {

// The words around the notices, per primary language subtag; English when a language has
// none. The same languages as the gateway's other texts for people.
// clang-format off
enum Word {
  kNotices, kPublished, kUpdated, kPinned, kLanguages, kFeed, kNone, kAll, kReply, kSubscribe,
  kWhen, kWhere, kCalendar, kCancelled, kOnline, kWords
};
// clang-format on
using Words = std::array<std::string_view, kWords>;

// clang-format off
const std::map<std::string, Words, std::less<>>& AllWords() {
  static const auto* words = new std::map<std::string, Words, std::less<>>{
      {"en", {"Notices", "Published", "Updated", "Pinned", "Languages", "News feed",
              "There are no notices at the moment.", "All notices", "Reply to this notice",
              "Subscribe to these notices", "When", "Where", "Add to my calendar",
              "This event was cancelled.", "Online"}},
      {"fr", {"Avis", "Publié le", "Mis à jour le", "Épinglé", "Langues", "Fil d’actualité",
              "Aucun avis pour le moment.", "Tous les avis", "Répondre à cet avis",
              "S’abonner à ces avis", "Quand", "Où", "Ajouter à mon agenda",
              "Cet événement est annulé.", "En ligne"}},
      {"es", {"Avisos", "Publicado el", "Actualizado el", "Fijado", "Idiomas", "Canal de noticias",
              "No hay avisos por el momento.", "Todos los avisos", "Responder a este aviso",
              "Suscribirse a estos avisos", "Cuándo", "Dónde", "Añadir a mi calendario",
              "Este evento se ha cancelado.", "En línea"}},
      {"pt", {"Avisos", "Publicado em", "Atualizado em", "Fixado", "Idiomas", "Feed de notícias",
              "Não há avisos de momento.", "Todos os avisos", "Responder a este aviso",
              "Subscrever estes avisos", "Quando", "Onde", "Adicionar ao meu calendário",
              "Este evento foi cancelado.", "Online"}},
      {"de", {"Mitteilungen", "Veröffentlicht am", "Aktualisiert am", "Angeheftet", "Sprachen",
              "Newsfeed", "Zurzeit gibt es keine Mitteilungen.", "Alle Mitteilungen",
              "Auf diese Mitteilung antworten", "Diese Mitteilungen abonnieren", "Wann", "Wo",
              "Zu meinem Kalender hinzufügen", "Diese Veranstaltung wurde abgesagt.", "Online"}},
      {"ar", {"إعلانات", "نُشر في", "حُدّث في", "مثبّت", "اللغات", "موجز الأخبار",
              "لا توجد إعلانات حاليًا.", "كل الإعلانات", "الرد على هذا الإعلان",
              "الاشتراك في هذه الإعلانات", "متى", "أين", "أضف إلى تقويمي",
              "أُلغي هذا الحدث.", "عبر الإنترنت"}},
      {"ru", {"Объявления", "Опубликовано", "Обновлено", "Закреплено", "Языки", "Лента новостей",
              "Сейчас объявлений нет.", "Все объявления", "Ответить на это объявление",
              "Подписаться на объявления", "Когда", "Где", "Добавить в мой календарь",
              "Это мероприятие отменено.", "Онлайн"}},
      {"uk", {"Оголошення", "Опубліковано", "Оновлено", "Закріплено", "Мови", "Стрічка новин",
              "Наразі оголошень немає.", "Усі оголошення", "Відповісти на це оголошення",
              "Підписатися на оголошення", "Коли", "Де", "Додати до мого календаря",
              "Цей захід скасовано.", "Онлайн"}},
      {"ka", {"განცხადებები", "გამოქვეყნდა", "განახლდა", "მიმაგრებული", "ენები",
              "სიახლეების არხი", "ამჟამად განცხადებები არ არის.", "ყველა განცხადება",
              "ამ განცხადებაზე პასუხი", "განცხადებების გამოწერა", "როდის", "სად", "ჩემს კალენდარში დამატება",
              "ეს ღონისძიება გაუქმდა.", "ონლაინ"}},
      {"tr", {"Duyurular", "Yayımlanma", "Güncellenme", "Sabitlendi", "Diller", "Haber akışı",
              "Şu anda duyuru yok.", "Tüm duyurular", "Bu duyuruya yanıt verin",
              "Bu duyurulara abone olun", "Ne zaman", "Nerede", "Takvimime ekle",
              "Bu etkinlik iptal edildi.", "Çevrimiçi"}},
  };
  return *words;
}
// clang-format on

std::string_view Primary(std::string_view tag) { return tag.substr(0, tag.find('-')); }

std::string_view W(std::string_view language, Word w) {
  const auto& all = AllWords();
  auto it = all.find(Primary(language));
  if (it == all.end()) it = all.find("en");
  return it->second[w];
}

std::string E(std::string_view text) { return HtmlEscape(text); }

// The language's name in itself ("français", "العربية"), for the language switch.
std::string Autonym(const std::string& tag) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale = icu::Locale::forLanguageTag(tag, status);
  if (U_FAILURE(status)) return tag;
  icu::UnicodeString name;
  locale.getDisplayName(locale, name);
  std::string out;
  name.toUTF8String(out);
  return out.empty() ? tag : out;
}

std::string Dir(std::string_view language) { return IsRtlLanguage(language) ? "rtl" : "ltr"; }

// A date as a reader of `language` writes it, with a machine-readable datetime.
std::string TimeTag(int64_t millis, const BulletinFrame& frame) {
  return "<time datetime=\"" + FormatIsoUtc(millis) + "\">" +
         E(FormatEventTime(millis, frame.time_zone, frame.language)) + "</time>";
}

std::string Title(const BulletinFrame& frame) {
  std::string title = std::string(W(frame.language, kNotices));
  if (!frame.post_name.empty()) title += " — " + frame.post_name;
  return title + " — " + frame.org_name;
}

std::string LangQuery(std::string_view language) { return "?lang=" + std::string(language); }

// Small and self-contained: a readable column on any screen, long words and links broken
// rather than overflowing, the system's fonts, dark mode.
constexpr std::string_view kStyle =
    "body{margin:0;font:1rem/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff}"
    "header,main,footer{max-width:40rem;margin:0 auto;padding:0 1rem}"
    "main{overflow-wrap:anywhere}img{max-width:100%;height:auto}"
    "a{color:#0b57a4}h1{font-size:1.5rem;margin:1rem 0 .5rem}h2{font-size:1.2rem;margin:0}"
    "article{border-top:1px solid #ccc;padding:1rem "
    "0}.meta{color:#555;font-size:.9rem;margin:.25rem 0}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:.5rem "
    "0}dt{font-weight:600}"
    "dd{margin:0}.event{border:1px solid #ccc;border-radius:4px;padding:0 1rem;margin:1rem 0}"
    "nav ul{list-style:none;padding:0;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}"
    ".org{margin:1rem 0 0;color:#555}.pin{font-weight:600}"
    "label,legend{display:block;font-weight:600;margin:1rem 0 .25rem}"
    "input[type=email],input[type=tel],input[type=text],textarea{box-sizing:border-box;width:100%;"
    "font:inherit;padding:.5rem;border:1px solid "
    "#767676;border-radius:4px}textarea{min-height:8rem}"
    "fieldset{border:0;padding:0;margin:0}.check{display:flex;gap:.5rem;align-items:flex-start;"
    "margin:.5rem 0}.check label{display:inline;font-weight:400;margin:0}.check "
    "input{margin-top:.3rem}"
    ".hint{color:#555;font-size:.9rem;margin:.25rem 0}.error{color:#b00020;margin:.25rem 0}"
    "[aria-invalid=true]{border-color:#b00020;border-width:2px}.alert{border:2px solid #b00020;"
    "padding:.5rem 1rem}button{font:inherit;padding:.6rem 1.5rem;margin:1rem 0;background:#0b57a4;"
    "color:#fff;border:0;border-radius:4px;cursor:pointer}.hp{display:none}"
    "@media(prefers-color-scheme:dark){body{color:#eee;background:#121212}a{color:#8ab4f8}"
    ".meta,.org,.hint{color:#bbb}.error{color:#ff8a80}button{background:#8ab4f8;color:#121212}}";

std::string Head(const BulletinFrame& frame, std::string_view title) {
  const std::string feed_title = E(Title(frame));
  return "<!doctype html>\n<html lang=\"" + E(frame.language) + "\" dir=\"" + Dir(frame.language) +
         "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width, initial-scale=1\"><title>" +
         E(title) + "</title><link rel=\"alternate\" type=\"application/atom+xml\" title=\"" +
         feed_title + "\" href=\"" + E(frame.base_url + "/feed.atom" + LangQuery(frame.language)) +
         "\"><link rel=\"alternate\" type=\"application/feed+json\" title=\"" + feed_title +
         "\" href=\"" + E(frame.base_url + "/feed.json" + LangQuery(frame.language)) +
         "\"><style>" + std::string(kStyle) + "</style></head><body>";
}

std::string Header(const BulletinFrame& frame, std::string_view self_url) {
  // Names isolated: a Latin name keeps its order in an Arabic heading.
  std::string out = "<header><p class=\"org\"><bdi>" + E(frame.org_name) + "</bdi></p><h1>" +
                    E(W(frame.language, kNotices)) +
                    (frame.post_name.empty() ? "" : " — <bdi>" + E(frame.post_name) + "</bdi>") +
                    "</h1>";
  if (frame.languages.size() > 1) {
    out += "<nav aria-label=\"" + E(W(frame.language, kLanguages)) + "\"><ul>";
    for (const std::string& l : frame.languages) {
      out += "<li><a href=\"" + E(std::string(self_url) + LangQuery(l)) + "\" hreflang=\"" + E(l) +
             "\" lang=\"" + E(l) + "\" dir=\"" + Dir(l) + "\"" +
             (l == frame.language ? " aria-current=\"page\"" : "") + ">" + E(Autonym(l)) +
             "</a></li>";
    }
    out += "</ul></nav>";
  }
  return out + "</header>";
}

std::string Footer(const BulletinFrame& frame) {
  return "<footer><p><a href=\"" + E(frame.base_url + "/subscribe" + LangQuery(frame.language)) +
         "\">" + E(W(frame.language, kSubscribe)) + "</a></p><p><a href=\"" +
         E(frame.base_url + "/feed.atom" + LangQuery(frame.language)) + "\">" +
         E(W(frame.language, kFeed)) + " (Atom)</a> · <a href=\"" +
         E(frame.base_url + "/feed.json" + LangQuery(frame.language)) +
         "\">JSON Feed</a></p></footer></body></html>\n";
}

std::string EntryUrl(const BulletinFrame& frame, const BulletinEntry& e) {
  return frame.base_url + "/" + e.id;
}

// Publication and update dates, and "pinned".
std::string Meta(const BulletinFrame& frame, const BulletinEntry& e, bool show_pin) {
  std::string out = "<p class=\"meta\">";
  if (show_pin && e.pinned)
    out += "<span class=\"pin\">" + E(W(frame.language, kPinned)) + "</span> · ";
  out += E(W(frame.language, kPublished)) + " " + TimeTag(e.published_at_millis, frame);
  if (e.updated_at_millis > 0) {
    out += " · " + E(W(frame.language, kUpdated)) + " " + TimeTag(e.updated_at_millis, frame);
  }
  return out + "</p>";
}

// An entry's article; `heading` is h1 on its own page, h2 with a link on the index.
std::string Article(const BulletinFrame& frame, const BulletinEntry& e, bool own_page) {
  std::string shown;
  const BulletinText& t = BulletinTextIn(e, frame.language, "", &shown);
  const std::string lang_attrs =
      shown == frame.language ? "" : " lang=\"" + E(shown) + "\" dir=\"" + Dir(shown) + "\"";
  std::string out = "<article" + lang_attrs + ">";
  if (own_page) {
    out += "<h2>" + E(t.title) + "</h2>";
  } else {
    out += "<h2><a href=\"" + E(EntryUrl(frame, e) + LangQuery(frame.language)) + "\">" +
           E(t.title) + "</a></h2>";
  }
  return out + Meta(frame, e, !own_page) + "<div>" + t.html + "</div></article>";
}

int64_t EntryUpdated(const BulletinEntry& e) {
  return std::max(e.published_at_millis, e.updated_at_millis);
}

}  // namespace

const BulletinText& BulletinTextIn(const BulletinEntry& entry, std::string_view language,
                                   std::string_view fallback, std::string* shown) {
  auto pick = [&](auto it) -> const BulletinText& {
    *shown = it->first;
    return it->second;
  };
  if (auto it = entry.texts.find(std::string(language)); it != entry.texts.end()) return pick(it);
  for (auto it = entry.texts.begin(); it != entry.texts.end(); ++it) {
    if (Primary(it->first) == Primary(language)) return pick(it);
  }
  if (auto it = entry.texts.find(std::string(fallback)); it != entry.texts.end()) return pick(it);
  return pick(entry.texts.begin());
}

std::string ChooseBulletinLanguage(std::string_view requested, std::string_view accept_language,
                                   const std::vector<std::string>& available,
                                   std::string_view fallback) {
  if (available.empty()) return std::string(fallback.empty() ? "en" : fallback);
  if (std::find(available.begin(), available.end(), requested) != available.end()) {
    return std::string(requested);
  }
  if (!accept_language.empty() && accept_language.size() < 1000) {
    // ICU reads the q-values and falls back from a region to its language.
    std::vector<const char*> names;
    for (const std::string& a : available) names.push_back(a.c_str());
    UErrorCode status = U_ZERO_ERROR;
    UEnumeration* locales =
        uenum_openCharStringsEnumeration(names.data(), static_cast<int32_t>(names.size()), &status);
    char result[64] = {0};
    UAcceptResult outcome = ULOC_ACCEPT_FAILED;
    const std::string header(accept_language);
    if (U_SUCCESS(status)) {
      uloc_acceptLanguageFromHTTP(result, sizeof(result) - 1, &outcome, header.c_str(), locales,
                                  &status);
    }
    uenum_close(locales);
    if (U_SUCCESS(status) && outcome != ULOC_ACCEPT_FAILED) {
      // ICU answers in its own form ("pt_BR", "ca_ES_VALENCIA"): back to the bulletin's tag.
      auto same = [](std::string_view a, std::string_view icu) {
        return a.size() == icu.size() &&
               std::equal(a.begin(), a.end(), icu.begin(), [](char x, char y) {
                 if (y == '_') y = '-';
                 return std::tolower(static_cast<unsigned char>(x)) ==
                        std::tolower(static_cast<unsigned char>(y));
               });
      };
      for (const std::string& a : available) {
        if (same(a, result)) return a;
      }
    }
  }
  if (std::find(available.begin(), available.end(), fallback) != available.end()) {
    return std::string(fallback);
  }
  return available.front();
}

std::string BulletinIndexHtml(const BulletinFrame& frame,
                              const std::vector<const BulletinEntry*>& entries) {
  std::string out = Head(frame, Title(frame)) + Header(frame, frame.base_url + "/") + "<main>";
  if (entries.empty()) out += "<p>" + E(W(frame.language, kNone)) + "</p>";
  for (const BulletinEntry* e : entries) out += Article(frame, *e, false);
  return out + "</main>" + Footer(frame);
}

namespace {

// When and where the entry's event is, and its calendar file.
std::string EventDetails(const BulletinFrame& frame, const BulletinEntry& entry,
                         const Event& event) {
  const std::string& l = frame.language;
  std::string when = E(FormatEventTime(event.starts_at_millis, event.time_zone, l));
  if (event.ends_at_millis > event.starts_at_millis) {
    when += " – " + E(FormatEventTime(event.ends_at_millis, event.time_zone, l));
  }
  std::string out = "<section class=\"event\">";
  if (event.cancelled_at_millis != 0) {
    out += "<p class=\"pin\">" + E(W(l, kCancelled)) + "</p>";
  }
  out += "<dl><dt>" + E(W(l, kWhen)) + "</dt><dd><time datetime=\"" +
         FormatIsoUtc(event.starts_at_millis) + "\">" + when + "</time></dd>";
  if (!event.place.empty() || !event.online_url.empty()) {
    out += "<dt>" + E(W(l, kWhere)) + "</dt><dd>" + E(event.place);
    if (!event.online_url.empty()) {
      out += std::string(event.place.empty() ? "" : " · ") + "<a href=\"" + E(event.online_url) +
             "\">" + E(W(l, kOnline)) + "</a>";
    }
    out += "</dd>";
  }
  out += "</dl>";
  if (event.cancelled_at_millis == 0) {
    out += "<p><a href=\"" + E(EntryUrl(frame, entry) + "/event.ics" + LangQuery(l)) + "\">" +
           E(W(l, kCalendar)) + "</a></p>";
  }
  return out + "</section>";
}

}  // namespace

std::string BulletinEntryHtml(const BulletinFrame& frame, const BulletinEntry& entry,
                              const Event* event) {
  std::string shown;
  const BulletinText& t = BulletinTextIn(entry, frame.language, "", &shown);
  std::string out = Head(frame, t.title + " — " + Title(frame)) +
                    Header(frame, EntryUrl(frame, entry)) + "<main>" + Article(frame, entry, true) +
                    (event != nullptr ? EventDetails(frame, entry, *event) : "") + "<p><a href=\"" +
                    E(EntryUrl(frame, entry) + "/reply" + LangQuery(frame.language)) + "\">" +
                    E(W(frame.language, kReply)) + "</a></p>" + "<p><a href=\"" +
                    E(frame.base_url + "/" + LangQuery(frame.language)) + "\">" +
                    E(W(frame.language, kAll)) + "</a></p></main>";
  return out + Footer(frame);
}

std::string_view BulletinLinkText(BulletinLink link, std::string_view language) {
  switch (link) {
    case BulletinLink::kReply:
      return W(language, kReply);
    case BulletinLink::kSubscribe:
      return W(language, kSubscribe);
    case BulletinLink::kAllNotices:
      return W(language, kAll);
  }
  return W(language, kAll);
}

std::string BulletinPageStart(const BulletinFrame& frame, std::string_view title,
                              std::string_view self_url) {
  return Head(frame, title) + Header(frame, self_url) + "<main>";
}

std::string BulletinPageEnd(const BulletinFrame& frame) { return "</main>" + Footer(frame); }

std::string BulletinNoticeHtml(std::string_view language, std::string_view title,
                               std::string_view text, std::string_view back_url) {
  std::string out = "<!doctype html>\n<html lang=\"" + E(language) + "\" dir=\"" + Dir(language) +
                    "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                    "content=\"width=device-width, initial-scale=1\"><title>" +
                    E(title) + "</title><style>" + std::string(kStyle) +
                    "</style></head><body><main><h1>" + E(title) + "</h1><p>" + E(text) + "</p>";
  if (!back_url.empty()) {
    out += "<p><a href=\"" + E(back_url) + "\">" + E(W(language, kAll)) + "</a></p>";
  }
  return out + "</main></body></html>\n";
}

std::string BulletinAtom(const BulletinFrame& frame,
                         const std::vector<const BulletinEntry*>& entries, int64_t updated) {
  const std::string lang = LangQuery(frame.language);
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" "
      "xml:lang=\"" +
      E(frame.language) + "\"><id>" + E(frame.base_url + "/" + lang) + "</id><title>" +
      E(Title(frame)) + "</title><updated>" + FormatIsoUtc(updated) +
      "</updated><link rel=\"self\" type=\"application/atom+xml\" href=\"" +
      E(frame.base_url + "/feed.atom" + lang) +
      "\"/><link rel=\"alternate\" type=\"text/html\" href=\"" + E(frame.base_url + "/" + lang) +
      "\"/><author><name>" + E(frame.org_name) + "</name></author>";
  for (const BulletinEntry* e : entries) {
    std::string shown;
    const BulletinText& t = BulletinTextIn(*e, frame.language, "", &shown);
    // One id per entry and language, the same for as long as the entry lives.
    const std::string url = EntryUrl(frame, *e) + LangQuery(shown);
    out += "<entry xml:lang=\"" + E(shown) + "\"><id>" + E(url) + "</id><title type=\"text\">" +
           E(t.title) + "</title><link rel=\"alternate\" type=\"text/html\" href=\"" + E(url) +
           "\"/><published>" + FormatIsoUtc(e->published_at_millis) + "</published><updated>" +
           FormatIsoUtc(EntryUpdated(*e)) + "</updated><content type=\"html\">" + E(t.html) +
           "</content></entry>";
  }
  return out + "</feed>\n";
}

std::string BulletinJsonFeed(const BulletinFrame& frame,
                             const std::vector<const BulletinEntry*>& entries) {
  const std::string lang = LangQuery(frame.language);
  nlohmann::json items = nlohmann::json::array();
  for (const BulletinEntry* e : entries) {
    std::string shown;
    const BulletinText& t = BulletinTextIn(*e, frame.language, "", &shown);
    const std::string url = EntryUrl(frame, *e) + LangQuery(shown);
    items.push_back({{"id", url},
                     {"url", url},
                     {"title", t.title},
                     {"content_html", t.html},
                     {"date_published", FormatIsoUtc(e->published_at_millis)},
                     {"date_modified", FormatIsoUtc(EntryUpdated(*e))},
                     {"language", shown}});
  }
  const nlohmann::json feed = {{"version", "https://jsonfeed.org/version/1.1"},
                               {"title", Title(frame)},
                               {"home_page_url", frame.base_url + "/" + lang},
                               {"feed_url", frame.base_url + "/feed.json" + lang},
                               {"language", frame.language},
                               {"authors", {{{"name", frame.org_name}}}},
                               {"items", std::move(items)}};
  return feed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string HttpDate(int64_t millis) {
  const time_t seconds = static_cast<time_t>(millis / 1000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
           kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

int64_t ParseHttpDate(std::string_view text) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return -1;
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const size_t month = kMonths.find(text.substr(8, 3));
  struct tm tm {};
  tm.tm_mday = num(5, 2);
  tm.tm_year = num(12, 4) - 1900;
  tm.tm_hour = num(17, 2);
  tm.tm_min = num(20, 2);
  tm.tm_sec = num(23, 2);
  if (month == std::string_view::npos || month % 3 != 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_year < 70 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
      tm.tm_sec < 0 || tm.tm_sec > 60) {
    return -1;
  }
  tm.tm_mon = static_cast<int>(month / 3);
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace ogw
