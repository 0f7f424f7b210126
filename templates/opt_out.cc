#include "templates/opt_out.h"

#include <array>
#include <utility>

namespace ogw {
namespace {

struct Entry {
  std::string_view language;
  std::string_view chat;   // SMS, WhatsApp, Telegram, Messenger.
  std::string_view email;
};

// Keywords are those the inbound opt-out parser recognises in each language.
constexpr std::array<Entry, 10> kCatalogue = {{
    {"en", "Reply STOP to unsubscribe.", "To stop receiving these e-mails, reply STOP."},
    {"fr", "Répondez STOP pour vous désabonner.",
     "Pour ne plus recevoir ces e-mails, répondez STOP."},
    {"es", "Responda STOP para darse de baja.",
     "Para dejar de recibir estos correos, responda STOP."},
    {"pt", "Responda PARE para cancelar.", "Para deixar de receber estes e-mails, responda PARE."},
    {"de", "Antworten Sie STOP, um sich abzumelden.",
     "Um diese E-Mails nicht mehr zu erhalten, antworten Sie STOP."},
    {"ar", "أرسل توقف لإلغاء الاشتراك.", "لإيقاف استلام هذه الرسائل، أرسل توقف."},
    {"ru", "Ответьте СТОП, чтобы отписаться.", "Чтобы не получать эти письма, ответьте СТОП."},
    {"ka", "გამოწერის გასაუქმებლად უპასუხეთ STOP.",
     "ამ წერილების შეწყვეტისთვის უპასუხეთ STOP."},
    {"el", "Απαντήστε STOP για διαγραφή.", "Για να μη λαμβάνετε αυτά τα μηνύματα, απαντήστε STOP."},
    {"it", "Rispondi STOP per annullare l'iscrizione.",
     "Per non ricevere più queste e-mail, rispondi STOP."},
}};

const Entry& Lookup(std::string_view language) {
  std::string_view primary = language.substr(0, language.find('-'));
  for (const Entry& e : kCatalogue) {
    if (e.language == primary) return e;
  }
  return kCatalogue[0];
}

}  // namespace

std::string OptOutText(RenderChannel channel, std::string_view language) {
  const Entry& e = Lookup(language);
  switch (channel) {
    case RenderChannel::kBulletin:
      return "";
    case RenderChannel::kEmail:
      return std::string(e.email);
    default:
      return std::string(e.chat);
  }
}

}  // namespace ogw
