#include "templates/opt_out.h"

#include <array>
#include <utility>

namespace ogw {
namespace {

struct Entry {
  std::string_view language;
  std::string_view chat;   // SMS, WhatsApp, Telegram, Messenger.
  std::string_view email;
  std::string_view unsubscribe;  // The text of the e-mail's one-click unsubscribe link.
};

// Keywords are those the inbound opt-out parser recognises in each language.
constexpr std::array<Entry, 10> kCatalogue = {{
    {"en", "Reply STOP to unsubscribe.", "To stop receiving these e-mails, reply STOP.",
     "Unsubscribe"},
    {"fr", "Répondez STOP pour vous désabonner.",
     "Pour ne plus recevoir ces e-mails, répondez STOP.", "Se désabonner"},
    {"es", "Responda STOP para darse de baja.",
     "Para dejar de recibir estos correos, responda STOP.", "Darse de baja"},
    {"pt", "Responda PARE para cancelar.", "Para deixar de receber estes e-mails, responda PARE.",
     "Cancelar a subscrição"},
    {"de", "Antworten Sie STOP, um sich abzumelden.",
     "Um diese E-Mails nicht mehr zu erhalten, antworten Sie STOP.", "Abmelden"},
    {"ar", "أرسل توقف لإلغاء الاشتراك.", "لإيقاف استلام هذه الرسائل، أرسل توقف.",
     "إلغاء الاشتراك"},
    {"ru", "Ответьте СТОП, чтобы отписаться.", "Чтобы не получать эти письма, ответьте СТОП.",
     "Отписаться"},
    {"ka", "გამოწერის გასაუქმებლად უპასუხეთ STOP.",
     "ამ წერილების შეწყვეტისთვის უპასუხეთ STOP.", "გამოწერის გაუქმება"},
    {"el", "Απαντήστε STOP για διαγραφή.", "Για να μη λαμβάνετε αυτά τα μηνύματα, απαντήστε STOP.",
     "Διαγραφή"},
    {"it", "Rispondi STOP per annullare l'iscrizione.",
     "Per non ricevere più queste e-mail, rispondi STOP.", "Annulla l'iscrizione"},
}};

const Entry& Lookup(std::string_view language) {
  std::string_view primary = language.substr(0, language.find('-'));
  for (const Entry& e : kCatalogue) {
    if (e.language == primary) return e;
  }
  return kCatalogue[0];
}

}  // namespace

std::string OptOutText(Channel channel, std::string_view language,
                       std::string_view unsubscribe_url) {
  const Entry& e = Lookup(language);
  switch (channel) {
    case Channel::kBulletin:
      return "";
    case Channel::kEmail:
      if (unsubscribe_url.empty()) return std::string(e.email);
      // Angle brackets keep the URL one destination whatever it holds.
      return std::string(e.email) + " [" + std::string(e.unsubscribe) + "](<" +
             std::string(unsubscribe_url) + ">)";
    default:
      return std::string(e.chat);
  }
}

}  // namespace ogw
