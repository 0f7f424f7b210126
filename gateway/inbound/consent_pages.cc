#include "gateway/inbound/consent_pages.h"

#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <vector>

#include "gateway/bulletins/bulletin_pages.h"
#include "templates/markdown_render.h"

namespace ogw {
namespace {

enum Word {
  kInvalidTitle,
  kInvalidText,
  kConfirmTitle,
  kConfirmText,
  kConfirmButton,
  kOptedInTitle,
  kOptedInText,
  kUnsubscribeTitle,
  kUnsubscribeText,
  kUnsubscribeButton,
  kUnsubscribedTitle,
  kUnsubscribedText,
  kTryAgainTitle,
  kTryAgainText,
  kSurveyDoneTitle,
  kSurveyDoneText,
  kWords
};
using Words = std::array<std::string_view, kWords>;

// Per language, in the order of Word. Short and polite, like the SMS confirmations
// (keywords.cc) and the bulletin forms.
// clang-format off
const std::map<std::string, Words, std::less<>>& AllWords() {
  static const auto* words = new std::map<std::string, Words, std::less<>>{
      {"en", {"Link not valid", "This link is not valid or has expired.",
              "Confirm", "Receive messages on this channel?", "Yes, send me messages",
              "Subscribed", "You will receive messages on this channel.",
              "Unsubscribe", "Stop receiving messages on this channel?", "Unsubscribe",
              "Unsubscribed", "You will receive no more messages on this channel.",
              "Please try again", "We could not record this now. Please try again.",
              "Thank you",
              "Your answers are recorded. You may close this page."}},
      {"fr", {"Lien non valide", "Ce lien n’est pas valide ou a expiré.",
              "Confirmer", "Recevoir des messages sur ce canal ?", "Oui, envoyez-moi des messages",
              "Abonnement confirmé", "Vous recevrez des messages sur ce canal.",
              "Se désabonner", "Ne plus recevoir de messages sur ce canal ?", "Me désabonner",
              "Désabonnement effectué", "Vous ne recevrez plus de messages sur ce canal.",
              "Veuillez réessayer", "Nous n’avons pas pu l’enregistrer pour le moment. Veuillez réessayer.",
              "Merci",
              "Vos réponses sont enregistrées. Vous pouvez fermer cette page."}},
      {"es", {"Enlace no válido", "Este enlace no es válido o ha caducado.",
              "Confirmar", "¿Recibir mensajes por este canal?", "Sí, envíenme mensajes",
              "Suscripción confirmada", "Recibirá mensajes por este canal.",
              "Darse de baja", "¿Dejar de recibir mensajes por este canal?", "Darme de baja",
              "Baja confirmada", "No recibirá más mensajes por este canal.",
              "Inténtelo de nuevo", "No hemos podido registrarlo ahora. Inténtelo de nuevo.",
              "Gracias",
              "Sus respuestas han quedado registradas. Puede cerrar esta página."}},
      {"pt", {"Ligação inválida", "Esta ligação não é válida ou expirou.",
              "Confirmar", "Receber mensagens neste canal?", "Sim, enviem-me mensagens",
              "Subscrição confirmada", "Vai receber mensagens neste canal.",
              "Cancelar subscrição", "Deixar de receber mensagens neste canal?", "Cancelar subscrição",
              "Subscrição cancelada", "Não vai receber mais mensagens neste canal.",
              "Tente novamente", "Não foi possível registar isto agora. Tente novamente.",
              "Obrigado",
              "As suas respostas foram registadas. Pode fechar esta página."}},
      {"de", {"Link ungültig", "Dieser Link ist ungültig oder abgelaufen.",
              "Bestätigen", "Nachrichten auf diesem Kanal erhalten?", "Ja, ich möchte Nachrichten erhalten",
              "Angemeldet", "Sie erhalten Nachrichten auf diesem Kanal.",
              "Abmelden", "Keine Nachrichten mehr auf diesem Kanal erhalten?", "Abmelden",
              "Abgemeldet", "Sie erhalten auf diesem Kanal keine Nachrichten mehr.",
              "Bitte versuchen Sie es erneut", "Das konnten wir gerade nicht speichern. Bitte versuchen Sie es erneut.",
              "Vielen Dank",
              "Ihre Antworten sind gespeichert. Sie können diese Seite schließen."}},
      {"ar", {"الرابط غير صالح", "هذا الرابط غير صالح أو انتهت صلاحيته.",
              "تأكيد", "هل تريد تلقي الرسائل عبر هذه القناة؟", "نعم، أرسلوا لي الرسائل",
              "تم الاشتراك", "ستصلك الرسائل عبر هذه القناة.",
              "إلغاء الاشتراك", "هل تريد التوقف عن تلقي الرسائل عبر هذه القناة؟", "إلغاء الاشتراك",
              "تم إلغاء الاشتراك", "لن تصلك رسائل أخرى عبر هذه القناة.",
              "يرجى المحاولة مرة أخرى", "تعذّر علينا تسجيل ذلك الآن. يرجى المحاولة مرة أخرى.",
              "شكرًا لك",
              "سُجّلت إجاباتك. يمكنك إغلاق هذه الصفحة."}},
      {"ru", {"Ссылка недействительна", "Эта ссылка недействительна или срок её действия истёк.",
              "Подтверждение", "Получать сообщения по этому каналу?", "Да, присылайте мне сообщения",
              "Подписка оформлена", "Вы будете получать сообщения по этому каналу.",
              "Отписаться", "Больше не получать сообщения по этому каналу?", "Отписаться",
              "Вы отписаны", "Вы больше не будете получать сообщения по этому каналу.",
              "Попробуйте ещё раз", "Сейчас не удалось это сохранить. Пожалуйста, попробуйте ещё раз.",
              "Спасибо",
              "Ваши ответы записаны. Эту страницу можно закрыть."}},
      {"uk", {"Посилання недійсне", "Це посилання недійсне або термін його дії минув.",
              "Підтвердження", "Отримувати повідомлення цим каналом?", "Так, надсилайте мені повідомлення",
              "Підписку оформлено", "Ви отримуватимете повідомлення цим каналом.",
              "Відписатися", "Більше не отримувати повідомлень цим каналом?", "Відписатися",
              "Ви відписані", "Ви більше не отримуватимете повідомлень цим каналом.",
              "Спробуйте ще раз", "Зараз не вдалося це зберегти. Будь ласка, спробуйте ще раз.",
              "Дякуємо",
              "Ваші відповіді записано. Цю сторінку можна закрити."}},
      {"ka", {"ბმული არასწორია", "ეს ბმული არასწორია ან ვადა გაუვიდა.",
              "დადასტურება", "გსურთ ამ არხზე შეტყობინებების მიღება?", "დიახ, გამომიგზავნეთ შეტყობინებები",
              "გამოწერა დადასტურდა", "ამ არხზე შეტყობინებებს მიიღებთ.",
              "გამოწერის გაუქმება", "აღარ გსურთ ამ არხზე შეტყობინებების მიღება?", "გამოწერის გაუქმება",
              "გამოწერა გაუქმებულია", "ამ არხზე შეტყობინებებს აღარ მიიღებთ.",
              "გთხოვთ, სცადოთ ხელახლა", "ახლა ამის შენახვა ვერ მოხერხდა. გთხოვთ, სცადოთ ხელახლა.",
              "გმადლობთ",
              "თქვენი პასუხები ჩაიწერა. შეგიძლიათ დახუროთ ეს გვერდი."}},
      {"tr", {"Bağlantı geçersiz", "Bu bağlantı geçersiz ya da süresi dolmuş.",
              "Onay", "Bu kanaldan mesaj almak istiyor musunuz?", "Evet, bana mesaj gönderin",
              "Abone oldunuz", "Bu kanaldan mesaj alacaksınız.",
              "Abonelikten çık", "Bu kanaldan mesaj almayı bırakmak istiyor musunuz?", "Abonelikten çık",
              "Abonelikten çıktınız", "Bu kanaldan artık mesaj almayacaksınız.",
              "Lütfen yeniden deneyin", "Bunu şu anda kaydedemedik. Lütfen yeniden deneyin.",
              "Teşekkürler",
              "Yanıtlarınız kaydedildi. Bu sayfayı kapatabilirsiniz."}},
  };
  return *words;
}
// clang-format on

const std::vector<std::string>& Languages() {
  static const auto* languages = [] {
    auto* list = new std::vector<std::string>;
    for (const auto& [language, words] : AllWords()) list->push_back(language);
    return list;
  }();
  return *languages;
}

std::string E(std::string_view text) { return HtmlEscape(text); }

// A readable column on any screen, a button a thumb can hit, the system's fonts, dark mode.
constexpr std::string_view kStyle =
    "body{margin:0;font:1.125rem/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff}"
    "main{max-width:32rem;margin:0 auto;padding:1rem;overflow-wrap:anywhere}"
    "h1{font-size:1.5rem;margin:1rem 0 .5rem}"
    "button{font:inherit;min-height:3rem;max-width:100%;padding:.75rem 1.5rem;margin:1rem 0;"
    "background:#0b57a4;color:#fff;border:0;border-radius:4px;cursor:pointer}"
    "@media(prefers-color-scheme:dark){body{color:#eee;background:#121212}"
    "button{background:#8ab4f8;color:#121212}}";

struct PageWords {
  Word title;
  Word text;
  std::string_view hidden;  // Hidden fields of the form, as HTML; only with a button.
  std::optional<Word> button;
};

PageWords WordsOf(ConsentPage page) {
  switch (page) {
    case ConsentPage::kLinkInvalid:
      return {kInvalidTitle, kInvalidText, "", std::nullopt};
    case ConsentPage::kConfirmOptIn:
      return {kConfirmTitle, kConfirmText, "", kConfirmButton};
    case ConsentPage::kOptedIn:
      return {kOptedInTitle, kOptedInText, "", std::nullopt};
    case ConsentPage::kConfirmUnsubscribe:
      // What RFC 8058 one-click posts, so the button and a mail client do the same.
      return {kUnsubscribeTitle, kUnsubscribeText,
              "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">",
              kUnsubscribeButton};
    case ConsentPage::kUnsubscribed:
      return {kUnsubscribedTitle, kUnsubscribedText, "", std::nullopt};
    case ConsentPage::kSurveyDone:
      return {kSurveyDoneTitle, kSurveyDoneText, "", std::nullopt};
    case ConsentPage::kTryAgain:
      break;
  }
  return {kTryAgainTitle, kTryAgainText, "", std::nullopt};
}

}  // namespace

std::string ConsentPageLanguage(std::string_view requested, std::string_view accept_language) {
  std::string primary(requested.substr(0, requested.find_first_of("-_")));
  for (char& c : primary) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (AllWords().count(primary) != 0) return primary;
  return ChooseBulletinLanguage("", accept_language, Languages(), "en");
}

std::string ConsentPageHtml(ConsentPage page, std::string_view language) {
  const auto& all = AllWords();
  auto it = all.find(language);
  if (it == all.end()) it = all.find("en");
  const std::string& lang = it->first;
  const Words& words = it->second;
  const PageWords p = WordsOf(page);
  const std::string title = E(words[p.title]);
  std::string out = "<!doctype html>\n<html lang=\"" + lang + "\" dir=\"" +
                    (IsRtlLanguage(lang) ? "rtl" : "ltr") +
                    "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                    "content=\"width=device-width, initial-scale=1\"><title>" +
                    title + "</title><style>" + std::string(kStyle) +
                    "</style></head><body><main><h1>" + title + "</h1><p>" + E(words[p.text]) +
                    "</p>";
  if (p.button) {
    // No action: the form posts to the address shown, ?lang= included.
    out += "<form method=\"post\">" + std::string(p.hidden) + "<button type=\"submit\">" +
           E(words[*p.button]) + "</button></form>";
  }
  return out + "</main></body></html>\n";
}

}  // namespace ogw
