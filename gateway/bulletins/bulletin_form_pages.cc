#include "gateway/bulletins/bulletin_form_pages.h"

#include <array>
#include <map>

#include "templates/markdown_render.h"

namespace ogw {
namespace {

enum FormWord {
  kMessage,
  kName,
  kEmail,
  kPhone,
  kReachBack,
  kConsentReply,
  kSend,
  kThanks,
  kReplyDone,
  kChannels,
  kByEmail,
  kBySms,
  kPurpose,
  kConsentSubscribe,
  kSubscribeDone,
  kFix,
  kErrRequired,
  kErrTooLong,
  kErrCharacters,
  kErrEmail,
  kErrPhone,
  kErrReachBack,
  kErrConsent,
  kErrChannels,
  kErrAgain,
  kBusy,
  kCodeIntro,
  kCodeLabel,
  kConfirm,
  kErrCode,
  kErrTries,
  kErrCodeExpired,
  kSubscribed,
  kChatOpen,
  kChatInMessage,
  kReachBackChat,
  kErrReachBackChat,
  kReplyReceived,
  kFormWords
};
using FormWords = std::array<std::string_view, kFormWords>;

// clang-format off
const std::map<std::string, FormWords, std::less<>>& AllFormWords() {
  static const auto* words = new std::map<std::string, FormWords, std::less<>>{
      {"en", {"Your message", "Your name (optional)", "E-mail address",
              "Phone number, with the country code",
              "How can we answer you? Give an e-mail address, a phone number, or both.",
              "I agree that {org} keeps my message and these details to answer me, and uses them for nothing else.",
              "Send", "Thank you",
              "Your message has reached us. We will answer you at the address you gave.",
              "Send me the notices by", "E-mail", "SMS",
              "{org} will send you its notices the ways you choose. We keep your name, address and language for this alone and never share them. Every message has a link to unsubscribe.",
              "I agree to receive these notices.",
              "One more step: open the link we have sent you by e-mail to confirm. Nothing is sent to you until you confirm.",
              "Please correct what is marked below.", "Please fill in this field.",
              "This is too long.", "This contains characters that cannot be sent.",
              "This e-mail address does not look right.",
              "This phone number does not look right; please include the country code.",
              "Please give an e-mail address or a phone number.",
              "Please tick this box to go on.", "Please choose at least one way.",
              "Please check the form and send it again.",
              "Too many messages are arriving just now. Please try again in a few minutes.",
              "We have sent a six-digit code by SMS to the number you gave. Type it here to confirm. Nothing is sent to you until you confirm.",
              "Code from the SMS",
              "Confirm",
              "This code is not right. Please check the SMS and type it again.",
              "Too many wrong codes. Please try again tomorrow.",
              "This page has expired. Please fill in the form again.",
              "You are subscribed. You will receive the notices by SMS.",
              "Open the link of the app you chose and send the message it prepares (in Telegram, press Start). Nothing is sent to you until you do.",
              "The links for the chat apps you chose come with that message.",
              "How can we answer you? Give an e-mail address or a phone number, or choose a chat app (then no address is needed).",
              "Please give an e-mail address or a phone number, or choose a chat app.",
              "Your message has reached us."}},
      {"fr", {"Votre message", "Votre nom (facultatif)", "Adresse e-mail",
              "Numéro de téléphone, avec l’indicatif du pays",
              "Comment vous répondre ? Indiquez une adresse e-mail, un numéro de téléphone, ou les deux.",
              "J’accepte que {org} conserve mon message et ces coordonnées pour me répondre, et ne les utilise à rien d’autre.",
              "Envoyer", "Merci",
              "Votre message nous est parvenu. Nous vous répondrons à l’adresse indiquée.",
              "Recevoir les avis par", "E-mail", "SMS",
              "{org} vous enverra ses avis par les moyens choisis. Nous conservons votre nom, votre adresse et votre langue à cette seule fin et ne les partageons jamais. Chaque message contient un lien de désabonnement.",
              "J’accepte de recevoir ces avis.",
              "Encore une étape : ouvrez le lien que nous vous avons envoyé par e-mail pour confirmer. Rien ne vous sera envoyé avant votre confirmation.",
              "Veuillez corriger ce qui est signalé ci-dessous.", "Veuillez remplir ce champ.",
              "Ce texte est trop long.",
              "Ce texte contient des caractères qui ne peuvent pas être envoyés.",
              "Cette adresse e-mail ne semble pas correcte.",
              "Ce numéro ne semble pas correct ; indiquez l’indicatif du pays.",
              "Indiquez une adresse e-mail ou un numéro de téléphone.",
              "Cochez cette case pour continuer.", "Choisissez au moins un moyen.",
              "Vérifiez le formulaire et envoyez-le à nouveau.",
              "Trop de messages arrivent en ce moment. Veuillez réessayer dans quelques minutes.",
              "Nous avons envoyé un code à six chiffres par SMS au numéro indiqué. Saisissez-le ici pour confirmer. Rien ne vous sera envoyé avant votre confirmation.",
              "Code reçu par SMS",
              "Confirmer",
              "Ce code n’est pas le bon. Vérifiez le SMS et saisissez-le à nouveau.",
              "Trop de codes erronés. Veuillez réessayer demain.",
              "Cette page a expiré. Veuillez remplir le formulaire à nouveau.",
              "Vous êtes abonné. Vous recevrez les avis par SMS.",
              "Ouvrez le lien de l’application choisie et envoyez le message qu’il prépare (dans Telegram, appuyez sur Démarrer). Rien ne vous sera envoyé avant.",
              "Les liens des messageries choisies accompagnent ce message.",
              "Comment vous répondre ? Indiquez une adresse e-mail ou un numéro de téléphone, ou choisissez une application de messagerie (aucune adresse n’est alors nécessaire).",
              "Indiquez une adresse e-mail ou un numéro de téléphone, ou choisissez une application de messagerie.",
              "Votre message nous est parvenu."}},
      {"es", {"Su mensaje", "Su nombre (opcional)", "Correo electrónico",
              "Número de teléfono, con el prefijo del país",
              "¿Cómo podemos responderle? Indique un correo electrónico, un número de teléfono o ambos.",
              "Acepto que {org} guarde mi mensaje y estos datos para responderme, y que no los use para nada más.",
              "Enviar", "Gracias",
              "Su mensaje nos ha llegado. Le responderemos en la dirección que indicó.",
              "Recibir los avisos por", "Correo electrónico", "SMS",
              "{org} le enviará sus avisos por los medios que elija. Guardamos su nombre, dirección e idioma solo para esto y nunca los compartimos. Cada mensaje incluye un enlace para darse de baja.",
              "Acepto recibir estos avisos.",
              "Un paso más: abra el enlace que le enviamos por correo electrónico para confirmar. No le enviaremos nada hasta que confirme.",
              "Corrija lo que se indica abajo.", "Rellene este campo.", "Es demasiado largo.",
              "Contiene caracteres que no se pueden enviar.",
              "Este correo electrónico no parece correcto.",
              "Este número no parece correcto; incluya el prefijo del país.",
              "Indique un correo electrónico o un número de teléfono.",
              "Marque esta casilla para continuar.", "Elija al menos un medio.",
              "Revise el formulario y envíelo de nuevo.",
              "Están llegando demasiados mensajes. Vuelva a intentarlo en unos minutos.",
              "Enviamos un código de seis cifras por SMS al número que indicó. Escríbalo aquí para confirmar. No le enviaremos nada hasta que confirme.",
              "Código recibido por SMS",
              "Confirmar",
              "Este código no es correcto. Revise el SMS y escríbalo de nuevo.",
              "Demasiados códigos incorrectos. Vuelva a intentarlo mañana.",
              "Esta página ha caducado. Rellene el formulario de nuevo.",
              "Está suscrito. Recibirá los avisos por SMS.",
              "Abra el enlace de la aplicación que eligió y envíe el mensaje que prepara (en Telegram, pulse Iniciar). No le enviaremos nada hasta entonces.",
              "Los enlaces de las aplicaciones de chat que eligió van en ese mensaje.",
              "¿Cómo podemos responderle? Indique un correo electrónico o un número de teléfono, o elija una aplicación de mensajería (entonces no hace falta ninguna dirección).",
              "Indique un correo electrónico o un número de teléfono, o elija una aplicación de mensajería.",
              "Su mensaje nos ha llegado."}},
      {"pt", {"A sua mensagem", "O seu nome (opcional)", "Endereço de e-mail",
              "Número de telefone, com o indicativo do país",
              "Como lhe podemos responder? Indique um e-mail, um número de telefone ou ambos.",
              "Aceito que {org} guarde a minha mensagem e estes dados para me responder, e não os use para mais nada.",
              "Enviar", "Obrigado",
              "A sua mensagem chegou até nós. Responderemos para o endereço que indicou.",
              "Receber os avisos por", "E-mail", "SMS",
              "{org} enviar-lhe-á os seus avisos pelos meios que escolher. Guardamos o seu nome, endereço e idioma apenas para isso e nunca os partilhamos. Cada mensagem tem uma ligação para cancelar a subscrição.",
              "Aceito receber estes avisos.",
              "Falta um passo: abra a ligação que lhe enviámos por e-mail para confirmar. Nada lhe será enviado antes de confirmar.",
              "Corrija o que está assinalado abaixo.", "Preencha este campo.",
              "É demasiado longo.", "Contém caracteres que não podem ser enviados.",
              "Este e-mail não parece correto.",
              "Este número não parece correto; inclua o indicativo do país.",
              "Indique um e-mail ou um número de telefone.",
              "Marque esta caixa para continuar.", "Escolha pelo menos um meio.",
              "Verifique o formulário e envie-o novamente.",
              "Estão a chegar demasiadas mensagens. Tente novamente dentro de alguns minutos.",
              "Enviámos um código de seis algarismos por SMS para o número que indicou. Escreva-o aqui para confirmar. Nada lhe será enviado antes de confirmar.",
              "Código recebido por SMS",
              "Confirmar",
              "Este código não está certo. Verifique o SMS e escreva-o novamente.",
              "Demasiados códigos errados. Tente novamente amanhã.",
              "Esta página expirou. Preencha o formulário novamente.",
              "A sua subscrição está feita. Receberá os avisos por SMS.",
              "Abra a ligação da aplicação que escolheu e envie a mensagem que ela prepara (no Telegram, toque em Iniciar). Nada lhe será enviado antes disso.",
              "As ligações das aplicações de conversa que escolheu seguem nessa mensagem.",
              "Como podemos responder-lhe? Indique um endereço de e-mail ou um número de telefone, ou escolha uma aplicação de mensagens (nesse caso não é preciso endereço).",
              "Indique um endereço de e-mail ou um número de telefone, ou escolha uma aplicação de mensagens.",
              "A sua mensagem chegou até nós."}},
      {"de", {"Ihre Nachricht", "Ihr Name (freiwillig)", "E-Mail-Adresse",
              "Telefonnummer mit Ländervorwahl",
              "Wie können wir Ihnen antworten? Geben Sie eine E-Mail-Adresse, eine Telefonnummer oder beides an.",
              "Ich bin einverstanden, dass {org} meine Nachricht und diese Angaben speichert, um mir zu antworten, und sie für nichts anderes verwendet.",
              "Senden", "Vielen Dank",
              "Ihre Nachricht ist bei uns angekommen. Wir antworten Ihnen an die angegebene Adresse.",
              "Mitteilungen erhalten per", "E-Mail", "SMS",
              "{org} sendet Ihnen die Mitteilungen auf den gewählten Wegen. Wir speichern Ihren Namen, Ihre Adresse und Ihre Sprache nur dafür und geben sie nie weiter. Jede Nachricht enthält einen Link zum Abbestellen.",
              "Ich möchte diese Mitteilungen erhalten.",
              "Noch ein Schritt: Öffnen Sie zur Bestätigung den Link, den wir Ihnen per E-Mail geschickt haben. Bis dahin senden wir Ihnen nichts.",
              "Bitte korrigieren Sie die unten markierten Angaben.",
              "Bitte füllen Sie dieses Feld aus.", "Das ist zu lang.",
              "Das enthält Zeichen, die nicht gesendet werden können.",
              "Diese E-Mail-Adresse scheint nicht zu stimmen.",
              "Diese Telefonnummer scheint nicht zu stimmen; bitte mit Ländervorwahl.",
              "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an.",
              "Bitte kreuzen Sie dieses Feld an, um fortzufahren.",
              "Bitte wählen Sie mindestens einen Weg.",
              "Bitte prüfen Sie das Formular und senden Sie es erneut.",
              "Gerade kommen zu viele Nachrichten an. Bitte versuchen Sie es in einigen Minuten erneut.",
              "Wir haben einen sechsstelligen Code per SMS an die angegebene Nummer geschickt. Geben Sie ihn hier zur Bestätigung ein. Bis dahin senden wir Ihnen nichts.",
              "Code aus der SMS",
              "Bestätigen",
              "Dieser Code stimmt nicht. Bitte prüfen Sie die SMS und geben Sie ihn erneut ein.",
              "Zu viele falsche Codes. Bitte versuchen Sie es morgen erneut.",
              "Diese Seite ist abgelaufen. Bitte füllen Sie das Formular erneut aus.",
              "Sie sind angemeldet. Sie erhalten die Mitteilungen per SMS.",
              "Öffnen Sie den Link der gewählten App und senden Sie die vorbereitete Nachricht (in Telegram: Starten). Bis dahin senden wir Ihnen nichts.",
              "Die Links für die gewählten Chat-Apps kommen mit dieser Nachricht.",
              "Wie können wir Ihnen antworten? Geben Sie eine E-Mail-Adresse oder Telefonnummer an oder wählen Sie eine Chat-App (dann ist keine Adresse nötig).",
              "Bitte geben Sie eine E-Mail-Adresse oder Telefonnummer an oder wählen Sie eine Chat-App.",
              "Ihre Nachricht ist bei uns angekommen."}},
      {"ar", {"رسالتك", "اسمك (اختياري)", "البريد الإلكتروني", "رقم الهاتف مع رمز الدولة",
              "كيف نرد عليك؟ اكتب بريدًا إلكترونيًا أو رقم هاتف أو كليهما.",
              "أوافق على أن تحتفظ {org} برسالتي وبهذه البيانات للرد عليّ، وألا تستخدمها لأي غرض آخر.",
              "إرسال", "شكرًا لك", "وصلتنا رسالتك. سنرد عليك على العنوان الذي كتبته.",
              "أرسلوا لي الإعلانات عبر", "البريد الإلكتروني", "الرسائل القصيرة",
              "سترسل إليك {org} إعلاناتها بالوسائل التي تختارها. نحتفظ باسمك وعنوانك ولغتك لهذا الغرض فقط ولا نشاركها مع أحد أبدًا. في كل رسالة رابط لإلغاء الاشتراك.",
              "أوافق على تلقي هذه الإعلانات.",
              "خطوة أخيرة: افتح الرابط الذي أرسلناه إليك بالبريد الإلكتروني للتأكيد. لن نرسل إليك شيئًا قبل تأكيدك.",
              "يرجى تصحيح ما هو مشار إليه أدناه.", "يرجى ملء هذا الحقل.", "النص طويل جدًا.",
              "يحتوي النص على رموز لا يمكن إرسالها.",
              "يبدو أن هذا البريد الإلكتروني غير صحيح.",
              "يبدو أن هذا الرقم غير صحيح؛ يرجى كتابة رمز الدولة.",
              "يرجى كتابة بريد إلكتروني أو رقم هاتف.", "يرجى تحديد هذا المربع للمتابعة.",
              "يرجى اختيار وسيلة واحدة على الأقل.", "يرجى مراجعة النموذج وإرساله مرة أخرى.",
              "تصلنا رسائل كثيرة في هذه اللحظة. يرجى المحاولة بعد بضع دقائق.",
              "أرسلنا رمزًا مكوّنًا من ستة أرقام برسالة قصيرة إلى الرقم الذي كتبته. اكتبه هنا للتأكيد. لن نرسل إليك شيئًا قبل تأكيدك.",
              "الرمز الوارد في الرسالة القصيرة",
              "تأكيد",
              "هذا الرمز غير صحيح. يرجى مراجعة الرسالة القصيرة وكتابته مرة أخرى.",
              "رموز خاطئة كثيرة. يرجى المحاولة غدًا.",
              "انتهت صلاحية هذه الصفحة. يرجى ملء النموذج مرة أخرى.",
              "تم اشتراكك. ستصلك الإعلانات برسائل قصيرة.",
              "افتح رابط التطبيق الذي اخترته وأرسل الرسالة التي يعدّها (في تيليغرام اضغط ابدأ). لن نرسل إليك شيئًا قبل ذلك.",
              "روابط تطبيقات المحادثة التي اخترتها مرفقة بتلك الرسالة.",
              "كيف نردّ عليك؟ اكتب بريدًا إلكترونيًا أو رقم هاتف، أو اختر تطبيق دردشة (ولا حاجة عندها إلى أي عنوان).",
              "يرجى كتابة بريد إلكتروني أو رقم هاتف، أو اختيار تطبيق دردشة.",
              "وصلتنا رسالتك."}},
      {"ru", {"Ваше сообщение", "Ваше имя (необязательно)", "Адрес электронной почты",
              "Номер телефона с кодом страны",
              "Как вам ответить? Укажите адрес электронной почты, номер телефона или и то и другое.",
              "Я согласен(на), что {org} сохранит моё сообщение и эти данные, чтобы ответить мне, и не будет использовать их ни для чего другого.",
              "Отправить", "Спасибо",
              "Ваше сообщение получено. Мы ответим вам по указанному адресу.",
              "Получать объявления по", "Эл. почте", "SMS",
              "{org} будет присылать вам объявления выбранными способами. Мы храним ваше имя, адрес и язык только для этого и никому их не передаём. В каждом сообщении есть ссылка для отписки.",
              "Я согласен(на) получать эти объявления.",
              "Ещё один шаг: откройте ссылку, которую мы отправили вам по электронной почте, чтобы подтвердить подписку. До подтверждения мы ничего не пришлём.",
              "Исправьте, пожалуйста, отмеченное ниже.", "Заполните это поле.",
              "Слишком длинный текст.", "Текст содержит символы, которые нельзя отправить.",
              "Этот адрес электронной почты выглядит неверным.",
              "Этот номер выглядит неверным; укажите код страны.",
              "Укажите адрес электронной почты или номер телефона.",
              "Отметьте это поле, чтобы продолжить.", "Выберите хотя бы один способ.",
              "Проверьте форму и отправьте её ещё раз.",
              "Сейчас приходит слишком много сообщений. Попробуйте ещё раз через несколько минут.",
              "Мы отправили шестизначный код в SMS на указанный номер. Введите его здесь, чтобы подтвердить подписку. До подтверждения мы ничего не пришлём.",
              "Код из SMS",
              "Подтвердить",
              "Код неверный. Проверьте SMS и введите код ещё раз.",
              "Слишком много неверных кодов. Попробуйте завтра.",
              "Срок действия этой страницы истёк. Заполните форму ещё раз.",
              "Вы подписаны. Объявления будут приходить вам по SMS.",
              "Откройте ссылку выбранного приложения и отправьте подготовленное сообщение (в Telegram нажмите «Старт»). До этого мы ничего не пришлём.",
              "Ссылки для выбранных мессенджеров придут в том же сообщении.",
              "Как нам вам ответить? Укажите адрес электронной почты или номер телефона либо выберите мессенджер (тогда адрес не нужен).",
              "Укажите адрес электронной почты или номер телефона либо выберите мессенджер.",
              "Ваше сообщение получено."}},
      {"uk", {"Ваше повідомлення", "Ваше ім’я (необов’язково)", "Адреса електронної пошти",
              "Номер телефону з кодом країни",
              "Як вам відповісти? Вкажіть адресу електронної пошти, номер телефону або обидва.",
              "Я погоджуюся, що {org} зберігатиме моє повідомлення та ці дані, щоб відповісти мені, і не використовуватиме їх ні для чого іншого.",
              "Надіслати", "Дякуємо",
              "Ваше повідомлення отримано. Ми відповімо вам за вказаною адресою.",
              "Отримувати оголошення через", "Ел. пошту", "SMS",
              "{org} надсилатиме вам оголошення обраними способами. Ми зберігаємо ваше ім’я, адресу та мову лише для цього й нікому їх не передаємо. У кожному повідомленні є посилання для відписки.",
              "Я погоджуюся отримувати ці оголошення.",
              "Ще один крок: відкрийте посилання, яке ми надіслали вам електронною поштою, щоб підтвердити. До підтвердження ми нічого не надсилатимемо.",
              "Будь ласка, виправте позначене нижче.", "Заповніть це поле.", "Текст задовгий.",
              "Текст містить символи, які неможливо надіслати.",
              "Ця адреса електронної пошти виглядає неправильною.",
              "Цей номер виглядає неправильним; вкажіть код країни.",
              "Вкажіть адресу електронної пошти або номер телефону.",
              "Позначте це поле, щоб продовжити.", "Оберіть хоча б один спосіб.",
              "Перевірте форму та надішліть її ще раз.",
              "Зараз надходить забагато повідомлень. Спробуйте ще раз за кілька хвилин.",
              "Ми надіслали шестизначний код у SMS на вказаний номер. Введіть його тут, щоб підтвердити. До підтвердження ми нічого не надсилатимемо.",
              "Код із SMS",
              "Підтвердити",
              "Код неправильний. Перевірте SMS і введіть код ще раз.",
              "Забагато неправильних кодів. Спробуйте завтра.",
              "Термін дії цієї сторінки минув. Заповніть форму ще раз.",
              "Ви підписані. Оголошення надходитимуть вам у SMS.",
              "Відкрийте посилання обраного застосунку та надішліть підготовлене повідомлення (у Telegram натисніть «Почати»). До того ми нічого не надсилатимемо.",
              "Посилання для обраних месенджерів надійдуть у тому самому повідомленні.",
              "Як нам вам відповісти? Вкажіть адресу електронної пошти або номер телефону чи виберіть месенджер (тоді адреса не потрібна).",
              "Вкажіть адресу електронної пошти або номер телефону чи виберіть месенджер.",
              "Ваше повідомлення отримано."}},
      {"ka", {"თქვენი შეტყობინება", "თქვენი სახელი (არასავალდებულო)", "ელფოსტის მისამართი",
              "ტელეფონის ნომერი ქვეყნის კოდით",
              "როგორ გიპასუხოთ? მიუთითეთ ელფოსტა, ტელეფონის ნომერი ან ორივე.",
              "ვეთანხმები, რომ {org} შეინახავს ჩემს შეტყობინებას და ამ მონაცემებს ჩემთვის პასუხის გასაცემად და სხვა მიზნით არ გამოიყენებს.",
              "გაგზავნა", "გმადლობთ",
              "თქვენი შეტყობინება მივიღეთ. გიპასუხებთ მითითებულ მისამართზე.",
              "განცხადებების მიღება", "ელფოსტით", "SMS-ით",
              "{org} გამოგიგზავნით განცხადებებს თქვენ მიერ არჩეული გზით. თქვენს სახელს, მისამართსა და ენას მხოლოდ ამისთვის ვინახავთ და არავის ვუზიარებთ. ყოველ შეტყობინებაში არის გამოწერის გაუქმების ბმული.",
              "ვეთანხმები ამ განცხადებების მიღებას.",
              "კიდევ ერთი ნაბიჯი: დასადასტურებლად გახსენით ბმული, რომელიც ელფოსტით გამოგიგზავნეთ. დადასტურებამდე არაფერს გამოგიგზავნით.",
              "გთხოვთ, გაასწოროთ ქვემოთ მონიშნული.", "გთხოვთ, შეავსოთ ეს ველი.",
              "ტექსტი ძალიან გრძელია.",
              "ტექსტი შეიცავს სიმბოლოებს, რომელთა გაგზავნა შეუძლებელია.",
              "ეს ელფოსტის მისამართი არასწორი ჩანს.",
              "ეს ნომერი არასწორი ჩანს; მიუთითეთ ქვეყნის კოდი.",
              "მიუთითეთ ელფოსტა ან ტელეფონის ნომერი.", "გასაგრძელებლად მონიშნეთ ეს ველი.",
              "აირჩიეთ ერთი გზა მაინც.", "შეამოწმეთ ფორმა და ხელახლა გაგზავნეთ.",
              "ახლა ძალიან ბევრი შეტყობინება შემოდის. სცადეთ რამდენიმე წუთში.",
              "მითითებულ ნომერზე SMS-ით გამოგიგზავნეთ ექვსნიშნა კოდი. დასადასტურებლად შეიყვანეთ ის აქ. დადასტურებამდე არაფერს გამოგიგზავნით.",
              "კოდი SMS-იდან",
              "დადასტურება",
              "კოდი არასწორია. შეამოწმეთ SMS და ხელახლა შეიყვანეთ.",
              "ძალიან ბევრი არასწორი კოდი. სცადეთ ხვალ.",
              "ამ გვერდს ვადა გაუვიდა. შეავსეთ ფორმა ხელახლა.",
              "გამოწერა შესრულდა. განცხადებებს SMS-ით მიიღებთ.",
              "გახსენით არჩეული აპის ბმული და გაგზავნეთ მომზადებული შეტყობინება (Telegram-ში დააჭირეთ Start-ს). მანამდე არაფერს გამოგიგზავნით.",
              "არჩეული ჩატის აპების ბმულები იმავე შეტყობინებაშია.",
              "როგორ გიპასუხოთ? მიუთითეთ ელფოსტის მისამართი ან ტელეფონის ნომერი, ან აირჩიეთ ჩატის აპლიკაცია (მაშინ მისამართი საჭირო არ არის).",
              "გთხოვთ, მიუთითოთ ელფოსტის მისამართი ან ტელეფონის ნომერი, ან აირჩიოთ ჩატის აპლიკაცია.",
              "თქვენი შეტყობინება მივიღეთ."}},
      {"tr", {"Mesajınız", "Adınız (isteğe bağlı)", "E-posta adresi",
              "Ülke koduyla telefon numarası",
              "Size nasıl yanıt verelim? Bir e-posta adresi, bir telefon numarası ya da ikisini birden yazın.",
              "{org} kurumunun mesajımı ve bu bilgileri bana yanıt vermek için saklamasını ve başka hiçbir amaçla kullanmamasını kabul ediyorum.",
              "Gönder", "Teşekkürler",
              "Mesajınız bize ulaştı. Verdiğiniz adresten size yanıt vereceğiz.",
              "Duyuruları şu yolla alayım", "E-posta", "SMS",
              "{org} duyurularını seçtiğiniz yollarla size gönderecek. Adınızı, adresinizi ve dilinizi yalnızca bunun için saklar, kimseyle paylaşmayız. Her mesajda abonelikten çıkma bağlantısı vardır.",
              "Bu duyuruları almayı kabul ediyorum.",
              "Son bir adım: onaylamak için size e-posta ile gönderdiğimiz bağlantıyı açın. Onaylayana kadar size hiçbir şey gönderilmez.",
              "Lütfen aşağıda işaretlenenleri düzeltin.", "Lütfen bu alanı doldurun.",
              "Bu çok uzun.", "Gönderilemeyen karakterler içeriyor.",
              "Bu e-posta adresi doğru görünmüyor.",
              "Bu numara doğru görünmüyor; lütfen ülke kodunu ekleyin.",
              "Lütfen bir e-posta adresi ya da telefon numarası yazın.",
              "Devam etmek için bu kutuyu işaretleyin.", "Lütfen en az bir yol seçin.",
              "Lütfen formu kontrol edip yeniden gönderin.",
              "Şu anda çok fazla mesaj geliyor. Lütfen birkaç dakika sonra yeniden deneyin.",
              "Verdiğiniz numaraya SMS ile altı haneli bir kod gönderdik. Onaylamak için buraya yazın. Onaylayana kadar size hiçbir şey gönderilmez.",
              "SMS'teki kod",
              "Onayla",
              "Bu kod doğru değil. Lütfen SMS'i kontrol edip yeniden yazın.",
              "Çok fazla yanlış kod girildi. Lütfen yarın yeniden deneyin.",
              "Bu sayfanın süresi doldu. Lütfen formu yeniden doldurun.",
              "Abone oldunuz. Duyuruları SMS ile alacaksınız.",
              "Seçtiğiniz uygulamanın bağlantısını açın ve hazırladığı mesajı gönderin (Telegram'da Başlat'a basın). O zamana kadar size hiçbir şey gönderilmez.",
              "Seçtiğiniz sohbet uygulamalarının bağlantıları o mesajla birlikte gelir.",
              "Size nasıl yanıt verelim? Bir e-posta adresi ya da telefon numarası yazın veya bir sohbet uygulaması seçin (o zaman adres gerekmez).",
              "Lütfen bir e-posta adresi ya da telefon numarası yazın veya bir sohbet uygulaması seçin.",
              "Mesajınız bize ulaştı."}},
  };
  return *words;
}
// clang-format on

std::string_view FW(std::string_view language, FormWord w) {
  const auto& all = AllFormWords();
  auto it = all.find(language.substr(0, language.find('-')));
  if (it == all.end()) it = all.find("en");
  return it->second[w];
}

std::string E(std::string_view text) { return HtmlEscape(text); }

// A word with the organisation's name in it, as HTML: the name isolated, so a Latin name
// keeps its order in an Arabic sentence.
std::string WithOrg(std::string_view text, std::string_view org) {
  std::string out = E(text);
  if (const size_t at = out.find("{org}"); at != std::string::npos) {
    out.replace(at, 5, "<bdi>" + E(org) + "</bdi>");
  }
  return out;
}

std::string_view ErrorText(std::string_view language, std::string_view code) {
  if (code == "required") return FW(language, kErrRequired);
  if (code == "too_long") return FW(language, kErrTooLong);
  if (code == "characters") return FW(language, kErrCharacters);
  if (code == "email") return FW(language, kErrEmail);
  if (code == "phone") return FW(language, kErrPhone);
  if (code == "reach_back") return FW(language, kErrReachBack);
  if (code == "reach_back_chat") return FW(language, kErrReachBackChat);
  if (code == "consent") return FW(language, kErrConsent);
  if (code == "channels") return FW(language, kErrChannels);
  return FW(language, kErrAgain);  // too_fast, expired.
}

// The form's fields, their values and errors, as the pages write them.
class FormWriter {
 public:
  explicit FormWriter(const BulletinFormView& view) : view_(view), lang_(view.frame.language) {}

  std::string_view Error(std::string_view field) const {
    for (const auto& [f, code] : view_.errors) {
      if (f == field) return ErrorText(lang_, code);
    }
    return "";
  }

  // The summary at the top: every problem, each linking its field.
  std::string Summary() const {
    if (view_.errors.empty()) return "";
    std::string out = "<div class=\"alert\" role=\"alert\"><p>" + E(FW(lang_, kFix)) + "</p><ul>";
    for (const auto& [field, code] : view_.errors) {
      const std::string target = field == "token" ? "f-submit" : "f-" + field;
      out += "<li><a href=\"#" + E(target) + "\">" + E(ErrorText(lang_, code)) + "</a></li>";
    }
    return out + "</ul></div>";
  }

  // Attributes marking a field with a problem and naming its message.
  std::string Invalid(std::string_view field) const {
    if (Error(field).empty()) return "";
    return " aria-invalid=\"true\" aria-describedby=\"e-" + std::string(field) + "\"";
  }
  std::string ErrorLine(std::string_view field) const {
    const std::string_view text = Error(field);
    if (text.empty()) return "";
    return "<p class=\"error\" id=\"e-" + std::string(field) + "\">" + E(text) + "</p>";
  }

  std::string Input(std::string_view name, std::string_view type, std::string_view label,
                    std::string_view value, std::string_view extra) const {
    const std::string n(name);
    return "<label for=\"f-" + n + "\">" + E(label) + "</label>" + ErrorLine(name) +
           "<input type=\"" + std::string(type) + "\" id=\"f-" + n + "\" name=\"" + n +
           "\" value=\"" + E(value) + "\"" + std::string(extra) + Invalid(name) + ">";
  }

  std::string Check(std::string_view id, std::string_view name, std::string_view value,
                    std::string_view label_html, bool checked, std::string_view field,
                    bool required) const {
    return "<div class=\"check\"><input type=\"checkbox\" id=\"" + std::string(id) + "\" name=\"" +
           std::string(name) + "\" value=\"" + std::string(value) + "\"" +
           (checked ? " checked" : "") + (required ? " required" : "") + Invalid(field) +
           "><label for=\"" + std::string(id) + "\">" + std::string(label_html) + "</label></div>";
  }

  bool Chosen(std::string_view channel) const {
    for (const std::string& v : view_.values.channels) {
      if (v == channel) return true;
    }
    return false;
  }

  // A box per chat channel offered, with the field's error line first when `error_field`
  // is set (the reply form's; the subscription's channels share one above).
  std::string ChatChecks(std::string_view error_field) const {
    std::string out = error_field.empty() ? "" : ErrorLine(error_field);
    for (const std::string& chat : view_.chat_channels) {
      out += Check("f-channels-" + chat, "channels", chat, E(ChatAppName(chat)), Chosen(chat),
                   "channels", false);
    }
    return out;
  }

  std::string Open() const {
    return Summary() + "<form method=\"post\" action=\"" + E(view_.form_url) +
           "\" accept-charset=\"utf-8\"><input type=\"hidden\" name=\"token\" value=\"" +
           E(view_.token) + "\"><input type=\"hidden\" name=\"lang\" value=\"" + E(lang_) + "\">";
  }

  // The e-mail and phone fields; phones and addresses are written left to right everywhere.
  std::string EmailAndPhone() const {
    return Input("email", "email", FW(lang_, kEmail), view_.values.email,
                 " autocomplete=\"email\" maxlength=\"254\" dir=\"ltr\"") +
           Input("phone", "tel", FW(lang_, kPhone), view_.values.phone,
                 " autocomplete=\"tel\" maxlength=\"40\" dir=\"ltr\"");
  }

  std::string Close(FormWord consent) const {
    return Input("name", "text", FW(lang_, kName), view_.values.name,
                 " autocomplete=\"name\" maxlength=\"100\"") +
           // People never see the honeypot; robots fill every field they find.
           "<div class=\"hp\" aria-hidden=\"true\"><label for=\"f-website\">Website</label>"
           "<input type=\"text\" id=\"f-website\" name=\"website\" tabindex=\"-1\" "
           "autocomplete=\"off\"></div>" +
           ErrorLine("consent") +
           Check("f-consent", "consent", "yes", WithOrg(FW(lang_, consent), view_.frame.org_name),
                 false, "consent", true) +
           "<button type=\"submit\" id=\"f-submit\">" + E(FW(lang_, kSend)) + "</button></form>";
  }

 private:
  const BulletinFormView& view_;
  const std::string& lang_;
};

std::string Back(const BulletinFrame& frame, std::string_view back_url) {
  return "<p><a href=\"" + E(back_url) + "\">" +
         E(BulletinLinkText(BulletinLink::kAllNotices, frame.language)) + "</a></p>";
}

// A page with no language switch: an answer, not something to read in another language.
BulletinFrame OneLanguage(const BulletinFrame& frame) {
  BulletinFrame f = frame;
  f.languages = {frame.language};
  return f;
}

// "Thank you" and what happened, announced to screen readers.
std::string ThanksHtml(const BulletinFrame& frame, std::string_view back_url, FormWord said,
                       std::string_view more_html = "") {
  const std::string& lang = frame.language;
  const BulletinFrame one = OneLanguage(frame);
  return BulletinPageStart(one, FW(lang, kThanks), back_url) + "<h2>" + E(FW(lang, kThanks)) +
         "</h2><p role=\"status\">" + E(FW(lang, said)) + "</p>" + std::string(more_html) +
         Back(frame, back_url) + BulletinPageEnd(one);
}

// The person's chat links and what to do with them.
std::string ChatLinksHtml(std::string_view lang,
                          const std::vector<std::pair<std::string, std::string>>& links) {
  if (links.empty()) return "";
  std::string out = "<p role=\"status\">" + E(FW(lang, kChatOpen)) + "</p><ul class=\"chat\">";
  for (const auto& [app, link] : links) {
    out += "<li><a rel=\"noopener\" href=\"" + E(link) + "\">" + E(app) + "</a></li>";
  }
  return out + "</ul>";
}

}  // namespace

std::string BulletinReplyFormHtml(const BulletinFormView& view) {
  const std::string& lang = view.frame.language;
  const FormWriter w(view);
  const std::string_view heading = BulletinLinkText(BulletinLink::kReply, lang);
  std::string out =
      BulletinPageStart(view.frame, std::string(heading) + " — " + view.entry_title, view.form_url);
  out += "<h2>" + E(heading) + "</h2><p class=\"meta\"><a href=\"" + E(view.back_url) + "\">" +
         E(view.entry_title) + "</a></p>" + w.Open();
  out += "<label for=\"f-message\">" + E(FW(lang, kMessage)) + "</label>" + w.ErrorLine("message") +
         "<textarea id=\"f-message\" name=\"message\" required maxlength=\"2000\" rows=\"8\"" +
         w.Invalid("message") + ">" + E(view.values.message) + "</textarea>";
  // Chat apps reach back without an address: the reader follows the link the page after
  // shows.
  const bool chats = !view.chat_channels.empty();
  out += "<fieldset><legend>" + E(FW(lang, chats ? kReachBackChat : kReachBack)) + "</legend>" +
         w.EmailAndPhone() + w.ChatChecks("channels") + "</fieldset>";
  out += w.Close(kConsentReply);
  return out + BulletinPageEnd(view.frame);
}

std::string BulletinSubscribeFormHtml(const BulletinFormView& view) {
  const std::string& lang = view.frame.language;
  const FormWriter w(view);
  const std::string_view heading = BulletinLinkText(BulletinLink::kSubscribe, lang);
  std::string out = BulletinPageStart(view.frame, heading, view.form_url);
  out += "<h2>" + E(heading) + "</h2><p>" + WithOrg(FW(lang, kPurpose), view.frame.org_name) +
         "</p>" + w.Open();
  out += "<fieldset><legend>" + E(FW(lang, kChannels)) + "</legend>" + w.ErrorLine("channels") +
         w.Check("f-channels", "channels", "email", E(FW(lang, kByEmail)), w.Chosen("email"),
                 "channels", false) +
         w.Check("f-channels-sms", "channels", "sms", E(FW(lang, kBySms)), w.Chosen("sms"),
                 "channels", false) +
         w.ChatChecks("") + "</fieldset>";
  out += w.EmailAndPhone() + w.Close(kConsentSubscribe);
  return out + BulletinPageEnd(view.frame);
}

std::string BulletinReplyDoneHtml(
    const BulletinFrame& frame, std::string_view back_url,
    const std::vector<std::pair<std::string, std::string>>& chat_links) {
  return ThanksHtml(frame, back_url, chat_links.empty() ? kReplyDone : kReplyReceived,
                    ChatLinksHtml(frame.language, chat_links));
}

std::string BulletinSubscribeNextHtml(const BulletinSubscribeNextView& view) {
  const std::string& lang = view.frame.language;
  const BulletinFrame one = OneLanguage(view.frame);
  const BulletinFormOutcome& o = view.outcome;
  std::string code_error;
  for (const auto& [field, code] : o.errors) {
    if (field != "code") continue;
    code_error = code == "tries"      ? FW(lang, kErrTries)
                 : code == "expired"  ? FW(lang, kErrCodeExpired)
                 : code == "required" ? FW(lang, kErrRequired)
                                      : FW(lang, kErrCode);
  }
  std::string out = BulletinPageStart(one, FW(lang, kThanks), view.confirm_url) + "<h2>" +
                    E(FW(lang, kThanks)) + "</h2>";
  if (!code_error.empty()) {
    out += "<div class=\"alert\" role=\"alert\"><p><a href=\"#f-code\">" + E(code_error) +
           "</a></p></div>";
  }
  if (o.by_email) out += "<p role=\"status\">" + E(FW(lang, kSubscribeDone)) + "</p>";
  if (o.chat_links_sent) out += "<p>" + E(FW(lang, kChatInMessage)) + "</p>";
  out += ChatLinksHtml(lang, o.chat_links);
  if (!o.code_token.empty()) {
    const std::string invalid =
        code_error.empty() ? "" : " aria-invalid=\"true\" aria-describedby=\"e-code\"";
    out +=
        "<form method=\"post\" action=\"" + E(view.confirm_url) +
        "\" accept-charset=\"utf-8\"><p>" + E(FW(lang, kCodeIntro)) +
        "</p><input type=\"hidden\" name=\"code_token\" value=\"" + E(o.code_token) +
        "\"><input type=\"hidden\" name=\"lang\" value=\"" + E(lang) + "\"><label for=\"f-code\">" +
        E(FW(lang, kCodeLabel)) + "</label>" +
        (code_error.empty() ? "" : "<p class=\"error\" id=\"e-code\">" + E(code_error) + "</p>") +
        "<input type=\"text\" id=\"f-code\" name=\"code\" inputmode=\"numeric\" "
        "autocomplete=\"one-time-code\" maxlength=\"12\" dir=\"ltr\" required" +
        invalid + "><button type=\"submit\" id=\"f-submit\">" + E(FW(lang, kConfirm)) +
        "</button></form>";
  }
  return out + Back(view.frame, view.back_url) + BulletinPageEnd(one);
}

std::string BulletinCodeConfirmedHtml(const BulletinFrame& frame, std::string_view back_url) {
  return ThanksHtml(frame, back_url, kSubscribed);
}

std::string BulletinFormBusyHtml(const BulletinFrame& frame, std::string_view back_url) {
  const BulletinFrame one = OneLanguage(frame);
  const std::string_view text = FW(frame.language, kBusy);
  return BulletinPageStart(one, text, back_url) + "<p role=\"alert\">" + E(text) + "</p>" +
         Back(frame, back_url) + BulletinPageEnd(one);
}

}  // namespace ogw
