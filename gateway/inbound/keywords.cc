#include "gateway/inbound/keywords.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <map>

namespace ogw {
namespace {

constexpr size_t kMaxKeywordMessageBytes = 64;  // Longer messages are conversation, not keywords.

// Language (primary subtag) -> text. Kept short: SMS confirmations should fit one segment.
const std::map<std::string, std::string>& OptOutTexts() {
  static const auto* texts = new std::map<std::string, std::string>{
      {"en", "You are unsubscribed and will get no more messages on this channel. Reply START to subscribe again."},
      {"fr", "Vous êtes désabonné(e) et ne recevrez plus de messages sur ce canal. Répondez START pour vous réabonner."},
      {"es", "Se ha dado de baja y no recibirá más mensajes por este canal. Responda START para volver a suscribirse."},
      {"pt", "A sua subscrição foi cancelada e não receberá mais mensagens neste canal. Responda START para voltar."},
      {"de", "Sie sind abgemeldet und erhalten auf diesem Kanal keine Nachrichten mehr. Antworten Sie START, um sich wieder anzumelden."},
      {"ar", "تم إلغاء اشتراكك ولن تصلك رسائل أخرى عبر هذه القناة. أرسل START للاشتراك من جديد."},
      {"ru", "Вы отписаны и больше не будете получать сообщения по этому каналу. Ответьте START, чтобы подписаться снова."},
      {"uk", "Ви відписані й більше не отримуватимете повідомлень цим каналом. Надішліть START, щоб підписатися знову."},
      {"ka", "გამოწერა გაუქმებულია და ამ არხზე შეტყობინებებს აღარ მიიღებთ. ხელახლა გამოსაწერად უპასუხეთ START."},
      {"tr", "Aboneliğiniz iptal edildi, bu kanaldan artık mesaj almayacaksınız. Tekrar abone olmak için START yazın."},
  };
  return *texts;
}

const std::map<std::string, std::string>& OptInTexts() {
  static const auto* texts = new std::map<std::string, std::string>{
      {"en", "You are subscribed again on this channel. Reply STOP to unsubscribe."},
      {"fr", "Vous êtes de nouveau abonné(e) sur ce canal. Répondez STOP pour vous désabonner."},
      {"es", "Se ha vuelto a suscribir en este canal. Responda STOP para darse de baja."},
      {"pt", "Voltou a subscrever este canal. Responda STOP para cancelar."},
      {"de", "Sie sind auf diesem Kanal wieder angemeldet. Antworten Sie STOP, um sich abzumelden."},
      {"ar", "تم تجديد اشتراكك في هذه القناة. أرسل STOP لإلغاء الاشتراك."},
      {"ru", "Вы снова подписаны на этот канал. Ответьте STOP, чтобы отписаться."},
      {"uk", "Ви знову підписані на цей канал. Надішліть STOP, щоб відписатися."},
      {"ka", "ამ არხზე ხელახლა გამოწერილი ხართ. გამოწერის გასაუქმებლად უპასუხეთ STOP."},
      {"tr", "Bu kanala yeniden abone oldunuz. Aboneliği iptal etmek için STOP yazın."},
  };
  return *texts;
}

// "{link}" stands for the confirmation link.
// The SMS that confirms a subscription by code: one segment in the Latin-script languages.
const std::map<std::string, std::string>& OptInCodeTexts() {
  static const auto* texts = new std::map<std::string, std::string>{
      {"en",
       "Your confirmation code: {code}. Enter it on the page where you subscribed. If you did "
       "not ask for this, ignore this message."},
      {"fr",
       "Votre code de confirmation : {code}. Saisissez-le sur la page où vous vous êtes "
       "abonné. Si vous n'avez rien demandé, ignorez ce message."},
      {"es",
       "Su código de confirmación: {code}. Escríbalo en la página donde se suscribió. Si no "
       "lo solicitó, ignore este mensaje."},
      {"pt",
       "O seu código de confirmação: {code}. Escreva-o na página onde se inscreveu. Se não "
       "o pediu, ignore esta mensagem."},
      {"de",
       "Ihr Bestätigungscode: {code}. Geben Sie ihn auf der Seite ein, auf der Sie sich "
       "angemeldet haben. Wenn Sie das nicht angefragt haben, ignorieren Sie diese Nachricht."},
      {"ar",
       "رمز التأكيد: {code}. اكتبه في الصفحة التي اشتركت منها. إذا لم تطلب ذلك فتجاهل هذه "
       "الرسالة."},
      {"ru",
       "Ваш код подтверждения: {code}. Введите его на странице, где вы подписались. Если вы "
       "этого не просили, не обращайте внимания на это сообщение."},
      {"uk",
       "Ваш код підтвердження: {code}. Введіть його на сторінці, де ви підписалися. Якщо ви "
       "цього не просили, не зважайте на це повідомлення."},
      {"ka",
       "თქვენი დადასტურების კოდი: {code}. შეიყვანეთ ის გვერდზე, სადაც გამოიწერეთ. თუ ეს არ "
       "მოგითხოვიათ, უგულებელყავით ეს შეტყობინება."},
      {"tr",
       "Onay kodunuz: {code}. Abone olduğunuz sayfaya yazın. Bunu siz istemediyseniz bu mesajı "
       "dikkate almayın."},
  };
  return *texts;
}

// Before the person's chat links, sent with a confirmation request.
const std::map<std::string, std::string>& ChatLinksTexts() {
  static const auto* texts = new std::map<std::string, std::string>{
      {"en",
       "To receive the messages in a chat app, open its link and send the message it "
       "prepares:"},
      {"fr",
       "Pour recevoir les messages dans une messagerie, ouvrez son lien et envoyez le message "
       "qu'il prépare :"},
      {"es",
       "Para recibir los mensajes en una aplicación de chat, abra su enlace y envíe el mensaje "
       "que prepara:"},
      {"pt",
       "Para receber as mensagens numa aplicação de conversa, abra a sua ligação e envie a "
       "mensagem que ela prepara:"},
      {"de",
       "Um die Nachrichten in einer Chat-App zu erhalten, öffnen Sie ihren Link und senden Sie "
       "die vorbereitete Nachricht:"},
      {"ar", "لتلقي الرسائل في تطبيق محادثة، افتح رابطه وأرسل الرسالة التي يعدّها:"},
      {"ru",
       "Чтобы получать сообщения в мессенджере, откройте его ссылку и отправьте подготовленное "
       "сообщение:"},
      {"uk",
       "Щоб отримувати повідомлення в месенджері, відкрийте його посилання й надішліть "
       "підготовлене повідомлення:"},
      {"ka",
       "შეტყობინებების ჩატის აპში მისაღებად გახსენით მისი ბმული და გაგზავნეთ მომზადებული "
       "შეტყობინება:"},
      {"tr",
       "Mesajları bir sohbet uygulamasında almak için bağlantısını açın ve hazırladığı mesajı "
       "gönderin:"},
  };
  return *texts;
}

const std::map<std::string, std::string>& OptInRequestTexts() {
  static const auto* texts = new std::map<std::string, std::string>{
      {"en",
       "We received a request to send you messages on this channel. To confirm, "
       "open {link} . If you did not ask for this, ignore this message."},
      {"fr",
       "Nous avons reçu une demande pour vous envoyer des messages sur ce "
       "canal. Pour confirmer, ouvrez {link} . Si vous n'avez rien demandé, ignorez ce "
       "message."},
      {"es",
       "Recibimos una solicitud para enviarle mensajes por este canal. Para "
       "confirmar, abra {link} . Si no lo solicitó, ignore este mensaje."},
      {"pt",
       "Recebemos um pedido para lhe enviar mensagens por este canal. Para "
       "confirmar, abra {link} . Se não o pediu, ignore esta mensagem."},
      {"de",
       "Wir haben eine Anfrage erhalten, Ihnen auf diesem Kanal Nachrichten zu "
       "senden. Zur Bestätigung öffnen Sie {link} . Wenn Sie das nicht angefragt haben, "
       "ignorieren Sie diese Nachricht."},
      {"ar",
       "تلقينا طلبًا لإرسال الرسائل إليك عبر هذه القناة. للتأكيد افتح {link} . "
       "إذا لم تطلب ذلك فتجاهل هذه الرسالة."},
      {"ru",
       "Мы получили запрос присылать вам сообщения по этому каналу. Чтобы "
       "подтвердить, откройте {link} . Если вы этого не просили, не обращайте внимания "
       "на это сообщение."},
      {"uk",
       "Ми отримали запит надсилати вам повідомлення цим каналом. Щоб "
       "підтвердити, відкрийте {link} . Якщо ви цього не просили, не зважайте на це "
       "повідомлення."},
      {"ka",
       "მივიღეთ მოთხოვნა, რომ ამ არხზე გამოგიგზავნოთ შეტყობინებები. "
       "დასადასტურებლად გახსენით {link} . თუ ეს არ მოგითხოვიათ, უგულებელყავით ეს "
       "შეტყობინება."},
      {"tr",
       "Bu kanaldan size mesaj gönderilmesi için bir istek aldık. Onaylamak için "
       "{link} adresini açın. Bunu siz istemediyseniz bu mesajı dikkate almayın."},
  };
  return *texts;
}

std::string Pick(const std::map<std::string, std::string>& texts,
                 const std::vector<std::string>& languages) {
  for (const std::string& tag : languages) {
    const std::string primary = tag.substr(0, tag.find('-'));
    if (auto it = texts.find(primary); it != texts.end()) return it->second;
  }
  return texts.at("en");
}

}  // namespace

const std::vector<std::string>& KeywordMatcher::DefaultStopKeywords() {
  static const auto* words = new std::vector<std::string>{
      "STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "OPT OUT",
      "ARRET", "ARRÊT", "ARRETER", "ARRÊTER", "DESABONNER", "DÉSABONNER",     // French
      "PARE", "PARAR", "BAJA", "ALTO", "CANCELAR",                             // Spanish, Portuguese
      "STOPP", "ABMELDEN",                                                     // German
      "توقف", "إلغاء", "الغاء", "ايقاف", "إيقاف",                                 // Arabic
      "СТОП", "ОТПИСАТЬСЯ", "ОТПИСКА",                                         // Russian
      "ВІДПИСАТИСЯ",                                                           // Ukrainian
      "გაჩერება", "შეწყვეტა",                                                    // Georgian
      "DUR", "IPTAL",                                                          // Turkish
  };
  return *words;
}

const std::vector<std::string>& KeywordMatcher::DefaultStartKeywords() {
  static const auto* words = new std::vector<std::string>{"START", "UNSTOP", "SUBSCRIBE",
                                                          "СТАРТ", "ابدأ"};
  return *words;
}

KeywordMatcher::KeywordMatcher(const std::vector<std::string>& stop,
                               const std::vector<std::string>& start) {
  for (const auto& w : stop) {
    if (std::string f = Fold(w); !f.empty()) stop_.push_back(std::move(f));
  }
  for (const auto& w : start) {
    if (std::string f = Fold(w); !f.empty()) start_.push_back(std::move(f));
  }
}

std::string KeywordMatcher::Fold(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) return "";
  icu::UnicodeString decomposed =
      nfd->normalize(icu::UnicodeString::fromUTF8(
                         icu::StringPiece(text.data(), static_cast<int32_t>(text.size())))
                         .foldCase(),
                     status);
  if (U_FAILURE(status)) return "";
  // Keep letters and digits, drop marks (accents) and punctuation, collapse spaces to one.
  icu::UnicodeString folded;
  bool pending_space = false;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_isalnum(c)) {
      if (pending_space && !folded.isEmpty()) folded.append(static_cast<UChar>(' '));
      pending_space = false;
      folded.append(c);
    } else if (u_isUWhiteSpace(c)) {
      pending_space = true;
    }
  }
  std::string out;
  folded.toUTF8String(out);
  return out;
}

KeywordIntent KeywordMatcher::Match(std::string_view text) const {
  if (text.size() > kMaxKeywordMessageBytes) return KeywordIntent::kNone;
  const std::string f = Fold(text);
  if (f.empty()) return KeywordIntent::kNone;
  if (std::find(stop_.begin(), stop_.end(), f) != stop_.end()) return KeywordIntent::kStop;
  if (std::find(start_.begin(), start_.end(), f) != start_.end()) return KeywordIntent::kStart;
  return KeywordIntent::kNone;
}

std::string OptOutConfirmation(const std::vector<std::string>& languages) {
  return Pick(OptOutTexts(), languages);
}

std::string OptInConfirmation(const std::vector<std::string>& languages) {
  return Pick(OptInTexts(), languages);
}

std::string OptInRequest(const std::vector<std::string>& languages, std::string_view link) {
  std::string text = Pick(OptInRequestTexts(), languages);
  const size_t at = text.find("{link}");
  if (at != std::string::npos) text.replace(at, 6, link);
  return text;
}

std::string OptInCodeRequest(const std::vector<std::string>& languages, std::string_view code) {
  std::string text = Pick(OptInCodeTexts(), languages);
  const size_t at = text.find("{code}");
  if (at != std::string::npos) text.replace(at, 6, code);
  return text;
}

std::string ChatLinksText(const std::vector<std::string>& languages,
                          const std::vector<std::pair<std::string, std::string>>& links) {
  std::string text = Pick(ChatLinksTexts(), languages);
  for (const auto& [name, link] : links) text += "\n" + name + ": " + link;
  return text;
}

}  // namespace ogw
