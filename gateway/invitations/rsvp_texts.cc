#include "gateway/invitations/rsvp_texts.h"

#include <unicode/dtptngen.h>
#include <unicode/smpdtfmt.h>

#include <algorithm>
#include <map>
#include <memory>

#include "gateway/core/time_zones.h"

namespace ogw {
namespace {

using Texts = std::map<std::string, std::string>;

// Language (primary subtag) -> text; {title}, {when}, {deadline}, {until}, {position} and
// {place} (the place, the online link, or both) are filled in. Every notice has the same
// languages as the keyword confirmations, and says what to reply next in words the RSVP
// reader understands in that language.
const Texts& SeatConfirmedTexts() {
  static const auto* texts = new Texts{
      {"en", "Thank you. Your place at “{title}” on {when} is confirmed. If you cannot come after all, reply NO."},
      {"fr", "Merci. Votre place pour « {title} » le {when} est confirmée. Si vous ne pouvez finalement pas venir, répondez NON."},
      {"es", "Gracias. Su plaza para «{title}» el {when} está confirmada. Si al final no puede asistir, responda NO."},
      {"pt", "Obrigado. O seu lugar em «{title}» ({when}) está confirmado. Se afinal não puder vir, responda NÃO."},
      {"de", "Vielen Dank. Ihr Platz bei „{title}“ am {when} ist bestätigt. Falls Sie doch nicht kommen können, antworten Sie NEIN."},
      {"ar", "شكرًا لك. تم تأكيد مكانك في «{title}» ({when}). إذا تعذّر عليك الحضور، أرسل «لا»."},
      {"ru", "Спасибо. Ваше место на «{title}» ({when}) подтверждено. Если вы всё же не сможете прийти, ответьте НЕТ."},
      {"uk", "Дякуємо. Ваше місце на «{title}» ({when}) підтверджено. Якщо ви все ж не зможете прийти, надішліть НІ."},
      {"ka", "გმადლობთ. თქვენი ადგილი ღონისძიებაზე „{title}“ ({when}) დადასტურებულია. თუ ვერ მოხვალთ, უპასუხეთ „არა“."},
      {"tr", "Teşekkürler. “{title}” etkinliğindeki yeriniz ({when}) onaylandı. Gelemeyecek olursanız HAYIR yazın."},
  };
  return *texts;
}

const Texts& WaitlistedTexts() {
  static const auto* texts = new Texts{
      {"en", "Thank you. “{title}” is full, so we have put you on the waiting list (number {position}). We will write to you as soon as a place is free."},
      {"fr", "Merci. « {title} » est complet : vous êtes sur la liste d'attente (n° {position}). Nous vous écrirons dès qu'une place se libère."},
      {"es", "Gracias. «{title}» está completo: está en la lista de espera (n.º {position}). Le escribiremos en cuanto quede una plaza libre."},
      {"pt", "Obrigado. «{title}» está lotado: ficou na lista de espera (n.º {position}). Escreveremos assim que houver um lugar livre."},
      {"de", "Vielen Dank. „{title}“ ist ausgebucht: Sie stehen auf der Warteliste (Platz {position}). Wir schreiben Ihnen, sobald ein Platz frei wird."},
      {"ar", "شكرًا لك. اكتمل العدد في «{title}»، وأصبحت على قائمة الانتظار (رقم {position}). سنراسلك فور توفر مكان."},
      {"ru", "Спасибо. На «{title}» мест нет: вы в листе ожидания (номер {position}). Мы напишем вам, как только освободится место."},
      {"uk", "Дякуємо. На «{title}» місць немає: ви в списку очікування (номер {position}). Ми напишемо вам, щойно звільниться місце."},
      {"ka", "გმადლობთ. „{title}“ სრულად დაკომპლექტდა: თქვენ მოლოდინის სიაში ხართ (ნომერი {position}). ადგილის გათავისუფლებისთანავე მოგწერთ."},
      {"tr", "Teşekkürler. “{title}” dolu: bekleme listesindesiniz (sıra {position}). Bir yer açılır açılmaz size yazacağız."},
  };
  return *texts;
}

const Texts& DeclinedTexts() {
  static const auto* texts = new Texts{
      {"en", "Thank you for letting us know that you cannot come to “{title}”. If your plans change, reply YES."},
      {"fr", "Merci de nous avoir prévenus que vous ne pourrez pas venir à « {title} ». Si vos projets changent, répondez OUI."},
      {"es", "Gracias por avisarnos de que no podrá asistir a «{title}». Si cambian sus planes, responda SÍ."},
      {"pt", "Obrigado por nos avisar de que não poderá vir a «{title}». Se os seus planos mudarem, responda SIM."},
      {"de", "Vielen Dank für Ihre Nachricht, dass Sie nicht zu „{title}“ kommen können. Falls sich Ihre Pläne ändern, antworten Sie JA."},
      {"ar", "شكرًا لإبلاغنا بأنك لن تتمكن من حضور «{title}». إذا تغيّرت خططك، أرسل «نعم»."},
      {"ru", "Спасибо, что сообщили, что не сможете прийти на «{title}». Если планы изменятся, ответьте ДА."},
      {"uk", "Дякуємо, що повідомили, що не зможете прийти на «{title}». Якщо плани зміняться, надішліть ТАК."},
      {"ka", "გმადლობთ, რომ შეგვატყობინეთ: ვერ დაესწრებით ღონისძიებას „{title}“. თუ გეგმები შეგეცვლებათ, უპასუხეთ „კი“."},
      {"tr", "“{title}” etkinliğine gelemeyeceğinizi bildirdiğiniz için teşekkürler. Planlarınız değişirse EVET yazın."},
  };
  return *texts;
}

const Texts& MaybeTexts() {
  static const auto* texts = new Texts{
      {"en", "Thank you. Please let us know by {deadline} whether you can come to “{title}”: reply YES or NO."},
      {"fr", "Merci. Dites-nous d'ici le {deadline} si vous pourrez venir à « {title} » : répondez OUI ou NON."},
      {"es", "Gracias. Díganos antes del {deadline} si podrá asistir a «{title}»: responda SÍ o NO."},
      {"pt", "Obrigado. Diga-nos até {deadline} se pode vir a «{title}»: responda SIM ou NÃO."},
      {"de", "Vielen Dank. Bitte sagen Sie uns bis {deadline}, ob Sie zu „{title}“ kommen können: Antworten Sie JA oder NEIN."},
      {"ar", "شكرًا لك. يُرجى إبلاغنا قبل {deadline} إن كنت ستحضر «{title}»: أرسل «نعم» أو «لا»."},
      {"ru", "Спасибо. Пожалуйста, сообщите до {deadline}, сможете ли вы прийти на «{title}»: ответьте ДА или НЕТ."},
      {"uk", "Дякуємо. Будь ласка, повідомте до {deadline}, чи зможете прийти на «{title}»: надішліть ТАК або НІ."},
      {"ka", "გმადლობთ. გთხოვთ, შეგვატყობინოთ ({deadline}-მდე), შეძლებთ თუ არა დასწრებას „{title}“: უპასუხეთ „კი“ ან „არა“."},
      {"tr", "Teşekkürler. “{title}” etkinliğine gelip gelemeyeceğinizi lütfen {deadline} tarihine kadar bildirin: EVET veya HAYIR yazın."},
  };
  return *texts;
}

const Texts& SeatOfferedTexts() {
  static const auto* texts = new Texts{
      {"en", "Good news: a place at “{title}” on {when} is now free for you. Reply YES by {until} to take it; after that it goes to the next person waiting."},
      {"fr", "Bonne nouvelle : une place pour « {title} » le {when} s'est libérée pour vous. Répondez OUI avant le {until} pour la prendre ; ensuite, elle ira à la personne suivante."},
      {"es", "Buenas noticias: se ha liberado una plaza para usted en «{title}» el {when}. Responda SÍ antes del {until} para ocuparla; después pasará a la siguiente persona en espera."},
      {"pt", "Boas notícias: vagou um lugar para si em «{title}» ({when}). Responda SIM até {until} para o ocupar; depois passará à pessoa seguinte da lista."},
      {"de", "Gute Nachricht: Ein Platz bei „{title}“ am {when} ist für Sie frei geworden. Antworten Sie bis {until} mit JA, um ihn zu nehmen; danach geht er an die nächste Person auf der Warteliste."},
      {"ar", "خبر سار: أصبح لك مكان في «{title}» ({when}). أرسل «نعم» قبل {until} لتأكيده، وبعد ذلك ينتقل إلى الشخص التالي في قائمة الانتظار."},
      {"ru", "Хорошая новость: для вас освободилось место на «{title}» ({when}). Ответьте ДА до {until}, чтобы занять его; после этого оно перейдёт следующему в листе ожидания."},
      {"uk", "Гарна новина: для вас звільнилося місце на «{title}» ({when}). Надішліть ТАК до {until}, щоб його зайняти; після цього воно перейде наступному в списку очікування."},
      {"ka", "კარგი ამბავი: ღონისძიებაზე „{title}“ ({when}) თქვენთვის ადგილი გათავისუფლდა. დასაკავებლად უპასუხეთ „კი“ ({until}-მდე); შემდეგ ადგილი მოლოდინის სიაში შემდეგ ადამიანს გადაეცემა."},
      {"tr", "İyi haber: “{title}” etkinliğinde ({when}) sizin için bir yer açıldı. Yeri almak için {until} tarihine kadar EVET yazın; sonrasında yer bekleme listesindeki bir sonraki kişiye geçecek."},
  };
  return *texts;
}

const Texts& OfferExpiredTexts() {
  static const auto* texts = new Texts{
      {"en", "We did not hear from you by {until}, so the place at “{title}” has gone to the next person waiting. If you would still like to come, reply YES to join the waiting list again."},
      {"fr", "Sans réponse de votre part avant le {until}, la place pour « {title} » est passée à la personne suivante. Si vous souhaitez toujours venir, répondez OUI pour revenir sur la liste d'attente."},
      {"es", "Como no recibimos respuesta antes del {until}, la plaza en «{title}» pasó a la siguiente persona en espera. Si aún desea asistir, responda SÍ para volver a la lista de espera."},
      {"pt", "Como não recebemos resposta até {until}, o lugar em «{title}» passou à pessoa seguinte. Se ainda quiser vir, responda SIM para voltar à lista de espera."},
      {"de", "Da wir bis {until} nichts von Ihnen gehört haben, ist der Platz bei „{title}“ an die nächste Person gegangen. Wenn Sie trotzdem kommen möchten, antworten Sie JA, um wieder auf die Warteliste zu kommen."},
      {"ar", "لم يصلنا ردك قبل {until}، لذا انتقل المكان في «{title}» إلى الشخص التالي. إذا كنت لا تزال ترغب في الحضور، أرسل «نعم» لتعود إلى قائمة الانتظار."},
      {"ru", "Мы не получили ответа до {until}, поэтому место на «{title}» перешло следующему в очереди. Если вы всё ещё хотите прийти, ответьте ДА, чтобы снова встать в лист ожидания."},
      {"uk", "Ми не отримали відповіді до {until}, тож місце на «{title}» перейшло наступному в черзі. Якщо ви все ще хочете прийти, надішліть ТАК, щоб знову стати до списку очікування."},
      {"ka", "პასუხი არ მიგვიღია ({until}-მდე), ამიტომ ადგილი ღონისძიებაზე „{title}“ შემდეგ ადამიანს გადაეცა. თუ მაინც გსურთ მოსვლა, უპასუხეთ „კი“ და კვლავ მოლოდინის სიაში ჩაგწერთ."},
      {"tr", "{until} tarihine kadar yanıt alamadığımız için “{title}” etkinliğindeki yer bir sonraki kişiye geçti. Yine de gelmek isterseniz, bekleme listesine yeniden girmek için EVET yazın."},
  };
  return *texts;
}

const Texts& ClosedTexts() {
  static const auto* texts = new Texts{
      {"en", "Thank you for your reply. Answers for “{title}” closed on {deadline}; we have passed your message to the organisers, who will answer you."},
      {"fr", "Merci pour votre réponse. Les réponses pour « {title} » étaient ouvertes jusqu'au {deadline} ; nous avons transmis votre message aux organisateurs, qui vous répondront."},
      {"es", "Gracias por su respuesta. El plazo para responder a «{title}» terminó el {deadline}; hemos pasado su mensaje a los organizadores, que le contestarán."},
      {"pt", "Obrigado pela sua resposta. O prazo de resposta para «{title}» terminou ({deadline}); passámos a sua mensagem aos organizadores, que lhe responderão."},
      {"de", "Vielen Dank für Ihre Antwort. Die Rückmeldefrist für „{title}“ endete am {deadline}; wir haben Ihre Nachricht an das Organisationsteam weitergegeben, das Ihnen antworten wird."},
      {"ar", "شكرًا على ردك. انتهت مهلة الرد على «{title}» ({deadline})، وقد أحلنا رسالتك إلى المنظمين وسيردّون عليك."},
      {"ru", "Спасибо за ответ. Приём ответов на «{title}» закончился ({deadline}); мы передали ваше сообщение организаторам, они вам ответят."},
      {"uk", "Дякуємо за відповідь. Прийом відповідей на «{title}» завершився ({deadline}); ми передали ваше повідомлення організаторам, вони вам дадуть відповідь."},
      {"ka", "გმადლობთ პასუხისთვის. „{title}“-ზე პასუხების მიღება დასრულდა ({deadline}); თქვენი შეტყობინება ორგანიზატორებს გადავეცით და ისინი გიპასუხებენ."},
      {"tr", "Yanıtınız için teşekkürler. “{title}” için yanıt süresi doldu ({deadline}); mesajınızı size yanıt verecek olan düzenleyicilere ilettik."},
  };
  return *texts;
}

const Texts& EventChangedTexts() {
  static const auto* texts = new Texts{
      {"en", "Please note: “{title}” has changed. New time: {when}. Place: {place}. If you can no longer come, reply NO."},
      {"fr", "Attention : « {title} » a changé. Nouvelle date : {when}. Lieu : {place}. Si vous ne pouvez plus venir, répondez NON."},
      {"es", "Atención: «{title}» ha cambiado. Nueva fecha: {when}. Lugar: {place}. Si ya no puede asistir, responda NO."},
      {"pt", "Atenção: «{title}» mudou. Nova data: {when}. Local: {place}. Se já não puder vir, responda NÃO."},
      {"de", "Bitte beachten Sie: „{title}“ hat sich geändert. Neuer Termin: {when}. Ort: {place}. Falls Sie nicht mehr kommen können, antworten Sie NEIN."},
      {"ar", "يُرجى الانتباه: طرأ تغيير على «{title}». الموعد الجديد: {when}. المكان: {place}. إذا لم يعد بإمكانك الحضور، أرسل «لا»."},
      {"ru", "Обратите внимание: в «{title}» внесены изменения. Новое время: {when}. Место: {place}. Если вы больше не можете прийти, ответьте НЕТ."},
      {"uk", "Зверніть увагу: у «{title}» внесено зміни. Новий час: {when}. Місце: {place}. Якщо ви більше не можете прийти, надішліть НІ."},
      {"ka", "გთხოვთ, გაითვალისწინოთ: ღონისძიება „{title}“ შეიცვალა. ახალი დრო: {when}. ადგილი: {place}. თუ ვეღარ მოხვალთ, უპასუხეთ „არა“."},
      {"tr", "Lütfen dikkat: “{title}” etkinliğinde değişiklik var. Yeni zaman: {when}. Yer: {place}. Artık gelemeyecekseniz HAYIR yazın."},
  };
  return *texts;
}

const Texts& EventCancelledTexts() {
  static const auto* texts = new Texts{
      {"en", "We are sorry: “{title}” on {when} has been cancelled. We will write to you if a new date is set."},
      {"fr", "Nous sommes désolés : « {title} » prévu le {when} est annulé. Nous vous écrirons si une nouvelle date est fixée."},
      {"es", "Lo sentimos: «{title}», previsto para el {when}, se ha cancelado. Le escribiremos si se fija una nueva fecha."},
      {"pt", "Lamentamos: «{title}», previsto para {when}, foi cancelado. Escreveremos se for marcada uma nova data."},
      {"de", "Es tut uns leid: „{title}“ am {when} wurde abgesagt. Wir schreiben Ihnen, wenn es einen neuen Termin gibt."},
      {"ar", "نأسف لإبلاغك بإلغاء «{title}» ({when}). سنراسلك إذا تحدد موعد جديد."},
      {"ru", "К сожалению, «{title}» ({when}) отменено. Мы напишем вам, если будет назначена новая дата."},
      {"uk", "На жаль, «{title}» ({when}) скасовано. Ми напишемо вам, якщо буде призначено нову дату."},
      {"ka", "სამწუხაროდ, ღონისძიება „{title}“ ({when}) გაუქმდა. თუ ახალი თარიღი დაინიშნება, მოგწერთ."},
      {"tr", "Üzgünüz: “{title}” ({when}) iptal edildi. Yeni bir tarih belirlenirse size yazacağız."},
  };
  return *texts;
}

const Texts& TextsOf(RsvpNotice notice) {
  switch (notice) {
    case RsvpNotice::kSeatConfirmed:
      return SeatConfirmedTexts();
    case RsvpNotice::kWaitlisted:
      return WaitlistedTexts();
    case RsvpNotice::kDeclined:
      return DeclinedTexts();
    case RsvpNotice::kMaybe:
      return MaybeTexts();
    case RsvpNotice::kSeatOffered:
      return SeatOfferedTexts();
    case RsvpNotice::kOfferExpired:
      return OfferExpiredTexts();
    case RsvpNotice::kClosed:
      return ClosedTexts();
    case RsvpNotice::kEventChanged:
      return EventChangedTexts();
    case RsvpNotice::kEventCancelled:
      return EventCancelledTexts();
  }
  return ClosedTexts();
}

// The first of `languages` (primary subtag) that `texts` has; "en" otherwise.
std::string LanguageOf(const Texts& texts, const std::vector<std::string>& languages) {
  for (const std::string& tag : languages) {
    std::string primary = tag.substr(0, tag.find('-'));
    if (texts.count(primary) != 0) return primary;
  }
  return "en";
}

// `text` with each {name} of `values` replaced, in one pass: a value (an event's title) may
// itself contain braces.
std::string Fill(std::string_view text, const std::map<std::string_view, std::string>& values) {
  std::string out;
  out.reserve(text.size() + 64);
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find('{', at);
    const size_t close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(at, open - at));
    auto it = values.find(text.substr(open + 1, close - open - 1));
    if (it != values.end()) {
      out += it->second;
    } else {
      out.append(text.substr(open, close - open + 1));
    }
    at = close + 1;
  }
  out.append(text.substr(std::min(at, text.size())));
  return out;
}

// A date format per language; creating one reads locale data, so each thread keeps its own.
icu::SimpleDateFormat* DateFormatFor(std::string_view language) {
  thread_local std::map<std::string, std::unique_ptr<icu::SimpleDateFormat>> formats;
  auto it = formats.find(std::string(language));
  if (it != formats.end()) return it->second.get();
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale(std::string(language).c_str());
  std::unique_ptr<icu::DateTimePatternGenerator> generator(
      icu::DateTimePatternGenerator::createInstance(locale, status));
  std::unique_ptr<icu::SimpleDateFormat> format;
  if (U_SUCCESS(status)) {
    // Weekday, day, month in words, year, hour and minute in the locale's clock, zone.
    const icu::UnicodeString pattern = generator->getBestPattern("EEEEdMMMMyjmmz", status);
    if (U_SUCCESS(status)) format = std::make_unique<icu::SimpleDateFormat>(pattern, locale, status);
    if (U_FAILURE(status)) format.reset();
  }
  icu::SimpleDateFormat* raw = format.get();
  if (formats.size() > 100) formats.clear();
  formats.emplace(std::string(language), std::move(format));
  return raw;
}

}  // namespace

std::string FormatEventTime(int64_t millis, std::string_view time_zone,
                            std::string_view language) {
  icu::SimpleDateFormat* format = DateFormatFor(language);
  if (format == nullptr) format = DateFormatFor("en");
  const icu::TimeZone* zone = FindTimeZone(time_zone);
  if (format == nullptr) return "";
  format->setTimeZone(zone != nullptr ? *zone : *icu::TimeZone::getGMT());
  icu::UnicodeString text;
  format->format(static_cast<UDate>(millis), text);
  // CLDR puts narrow and ordinary no-break spaces in times ("10:00\u202fAM"): outside the
  // GSM alphabet, one of them makes a whole SMS UCS-2, at three times the cost.
  text.findAndReplace(icu::UnicodeString(static_cast<UChar>(0x202F)), icu::UnicodeString(" "));
  text.findAndReplace(icu::UnicodeString(static_cast<UChar>(0x00A0)), icu::UnicodeString(" "));
  std::string out;
  text.toUTF8String(out);
  return out;
}

std::string RsvpNoticeText(const Event& event, const RsvpNoticeInput& input) {
  const Texts& texts = TextsOf(input.notice);
  const std::string language = LanguageOf(texts, input.languages);
  // The event's own text in the person's languages, then in the notice's.
  std::vector<std::string> languages = input.languages;
  languages.push_back(language);
  const std::string zone =
      !input.time_zone.empty() && FindTimeZone(input.time_zone) != nullptr ? input.time_zone
                                                                           : event.time_zone;
  std::map<std::string_view, std::string> values;
  values["title"] = event.TextFor(languages).title;
  values["when"] = FormatEventTime(event.starts_at_millis, zone, language);
  values["deadline"] = FormatEventTime(event.rsvp_deadline_millis, zone, language);
  values["until"] = FormatEventTime(input.offer_until_millis, zone, language);
  values["position"] = std::to_string(input.waitlist_position);
  values["place"] = event.place.empty() ? event.online_url
                    : event.online_url.empty() ? event.place
                                               : event.place + " (" + event.online_url + ")";
  return Fill(texts.at(language), values);
}

}  // namespace ogw
