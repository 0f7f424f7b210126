#include "gateway/invitations/rsvp_reply.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>

namespace ogw {
namespace {

constexpr size_t kMaxLineBytes = 2048;
constexpr size_t kMaxWordsWithoutPause = 12;
// Chinese and Japanese segmentation depends on the neighbours: in a sentence a phrase may come
// out in more pieces than on its own, so phrases are looked for a little longer than listed.
constexpr size_t kExtraPieces = 2;

constexpr std::array<RsvpAnswer, 3> kAnswers = {RsvpAnswer::kYes, RsvpAnswer::kNo,
                                                RsvpAnswer::kMaybe};

enum class Meaning : uint8_t {
  kYes,
  kNo,
  kMaybe,
  kNeither,   // Looks like an answer and is not: "ok", "no problem".
  kNegation,  // Turns a yes or maybe after it around: "not", "nicht", "δεν".
  kDoubt,     // Makes a yes or no conditional or undecided: "if", "wenn", "yet".
};

// Where a word of the vocabulary counts.
enum class Place : uint8_t {
  kLeads,   // Starts an answer, whatever follows; counts later in the line too.
  kPaused,  // Starts an answer only as the whole line or before punctuation; counts later.
  kAlone,   // An answer only as the whole line; nothing later in a line.
  kLater,   // Only after the answer (negations, conditions).
};

using enum Meaning;
using enum Place;

struct Word {
  std::string_view text;  // As people write it; folded at start-up like the replies.
  Meaning meaning;
  Place place;
  std::string_view languages;  // Primary subtags, space-separated; "" for every language.
};

// Why a word has a place or languages other than kLeads and "" is in rsvp_reply.h. Adding a
// word: check it is not an everyday word, or a different answer, in another language of the
// gateway's audiences; if it is, give it kPaused or kAlone, or the languages where it is safe.
constexpr Word kWords[] = {
    // English.
    {"yes", kYes, kLeads, ""},
    {"yeah", kYes, kLeads, ""},
    {"yep", kYes, kLeads, ""},
    {"yup", kYes, kLeads, ""},
    {"sure", kYes, kLeads, ""},
    {"of course", kYes, kLeads, ""},
    {"absolutely", kYes, kLeads, ""},
    {"definitely", kYes, kLeads, ""},
    {"y", kYes, kAlone, ""},
    {"count me in", kYes, kLeads, ""},
    {"i will come", kYes, kPaused, ""},
    {"i'll come", kYes, kPaused, ""},
    {"i will be there", kYes, kPaused, ""},
    {"i'll be there", kYes, kPaused, ""},
    {"i will attend", kYes, kPaused, ""},
    {"i'll attend", kYes, kPaused, ""},
    {"we will come", kYes, kPaused, ""},
    {"see you there", kYes, kPaused, ""},
    {"no", kNo, kPaused, ""},
    {"no", kNo, kLeads, "en es it ca gl"},
    {"n", kNo, kAlone, ""},
    {"nope", kNo, kLeads, ""},
    {"nah", kNo, kLeads, ""},
    {"no thanks", kNo, kLeads, ""},
    {"no thank you", kNo, kLeads, ""},
    {"not this time", kNo, kLeads, ""},
    {"unfortunately not", kNo, kLeads, ""},
    {"unfortunately no", kNo, kLeads, ""},
    {"i can't come", kNo, kPaused, ""},
    {"i cannot come", kNo, kPaused, ""},
    {"i can't make it", kNo, kPaused, ""},
    {"can't make it", kNo, kPaused, ""},
    {"i can't attend", kNo, kPaused, ""},
    {"i cannot attend", kNo, kPaused, ""},
    {"maybe", kMaybe, kLeads, ""},
    {"perhaps", kMaybe, kLeads, ""},
    {"possibly", kMaybe, kLeads, ""},
    {"i might come", kMaybe, kPaused, ""},
    {"ok", kNeither, kLeads, ""},
    {"okay", kNeither, kLeads, ""},
    {"okey", kNeither, kLeads, ""},
    {"k", kNeither, kLeads, ""},
    {"no problem", kNeither, kLeads, ""},
    {"no worries", kNeither, kLeads, ""},
    {"no idea", kNeither, kLeads, ""},
    {"no clue", kNeither, kLeads, ""},
    {"no no", kNo, kLeads, ""},
    {"not", kNegation, kLater, ""},
    {"don't", kNegation, kLater, ""},
    {"can't", kNegation, kLater, ""},
    {"cannot", kNegation, kLater, ""},
    {"won't", kNegation, kLater, ""},
    {"wouldn't", kNegation, kLater, ""},
    {"couldn't", kNegation, kLater, ""},
    {"isn't", kNegation, kLater, ""},
    {"never", kNegation, kLater, ""},
    {"unable", kNegation, kLater, ""},
    {"neither", kNegation, kLater, ""},
    {"unfortunately", kNegation, kLater, ""},
    {"sadly", kNegation, kLater, ""},
    {"if", kDoubt, kLater, ""},
    {"unless", kDoubt, kLater, ""},
    {"depends", kDoubt, kLater, ""},
    {"depending", kDoubt, kLater, ""},
    {"yet", kDoubt, kLater, ""},
    {"know", kDoubt, kLater, ""},
    {"decided", kDoubt, kLater, ""},

    // French.
    {"oui", kYes, kLeads, ""},
    {"ouais", kYes, kLeads, ""},
    {"avec plaisir", kYes, kLeads, ""},
    {"bien sûr", kYes, kLeads, ""},
    {"je viens", kYes, kPaused, ""},
    {"je serai là", kYes, kPaused, ""},
    {"je serai présent", kYes, kPaused, ""},
    {"je serai présente", kYes, kPaused, ""},
    {"nous serons là", kYes, kPaused, ""},
    {"non", kNo, kLeads, ""},
    {"malheureusement non", kNo, kLeads, ""},
    {"malheureusement pas", kNo, kLeads, ""},
    {"je ne peux pas", kNo, kPaused, ""},
    {"je ne pourrai pas", kNo, kPaused, ""},
    {"je ne pourrai pas venir", kNo, kPaused, ""},
    {"peut-être", kMaybe, kLeads, ""},
    {"peutetre", kMaybe, kLeads, ""},
    {"d'accord", kNeither, kLeads, ""},
    {"pas de problème", kNeither, kLeads, ""},
    {"pas de souci", kNeither, kLeads, ""},
    {"pas de soucis", kNeither, kLeads, ""},
    {"pas", kNegation, kLater, ""},
    {"jamais", kNegation, kLater, ""},
    {"malheureusement", kNegation, kLater, ""},
    {"sauf", kDoubt, kLater, ""},

    // Spanish, Portuguese, Italian, Catalan ("si" without its accent is also "if").
    {"sí", kYes, kPaused, ""},
    {"sí sí", kYes, kLeads, ""},
    {"claro que sí", kYes, kLeads, ""},
    {"por supuesto", kYes, kLeads, ""},
    {"allí estaré", kYes, kPaused, ""},
    {"ahí estaré", kYes, kPaused, ""},
    {"cuenta conmigo", kYes, kPaused, ""},
    {"no puedo", kNo, kPaused, ""},
    {"no podré", kNo, kPaused, ""},
    {"claro que no", kNo, kLeads, ""},
    {"no gracias", kNo, kLeads, ""},
    {"no grazie", kNo, kLeads, ""},
    {"lamentablemente no", kNo, kLeads, ""},
    {"quizás", kMaybe, kLeads, ""},
    {"quizá", kMaybe, kLeads, ""},
    {"tal vez", kMaybe, kLeads, ""},
    {"a lo mejor", kMaybe, kLeads, ""},
    {"vale", kNeither, kLeads, ""},
    {"no hay problema", kNeither, kLeads, ""},
    {"sin problema", kNeither, kLeads, ""},
    {"no sé", kNeither, kLeads, ""},
    {"no lo sé", kNeither, kLeads, ""},
    {"todavía", kDoubt, kLater, ""},
    {"nunca", kNegation, kLater, ""},
    {"tampoco", kNegation, kLater, ""},
    {"lamentablemente", kNegation, kLater, ""},
    {"desafortunadamente", kNegation, kLater, ""},
    {"infelizmente", kNegation, kLater, ""},
    {"purtroppo", kNegation, kLater, ""},
    {"si", kDoubt, kLater, ""},
    {"sim", kYes, kLeads, ""},
    {"claro que sim", kYes, kLeads, ""},
    {"com certeza", kYes, kLeads, ""},
    {"estarei presente", kYes, kPaused, ""},
    {"estarei lá", kYes, kPaused, ""},
    {"vou sim", kYes, kLeads, ""},
    {"não", kNo, kLeads, ""},
    {"infelizmente não", kNo, kLeads, ""},
    {"talvez", kMaybe, kLeads, ""},
    {"sem problema", kNeither, kLeads, ""},
    {"sem problemas", kNeither, kLeads, ""},
    {"não sei", kNeither, kLeads, ""},
    {"ainda", kDoubt, kLater, ""},
    {"se", kDoubt, kLater, "pt it"},
    {"certamente", kYes, kLeads, ""},
    {"forse", kMaybe, kLeads, ""},
    {"non so", kNeither, kLeads, ""},

    // German, Dutch, Nordic.
    {"ja", kYes, kPaused, ""},
    {"ja", kYes, kLeads, "de nl af sv da nb nn no is fo"},
    {"ja gerne", kYes, kLeads, ""},
    {"ja gern", kYes, kLeads, ""},
    {"ja klar", kYes, kLeads, ""},
    {"gerne", kYes, kLeads, ""},
    {"gern", kYes, kLeads, ""},
    {"jawohl", kYes, kLeads, ""},
    {"natürlich", kYes, kLeads, ""},
    {"ich komme", kYes, kPaused, ""},
    {"wir kommen", kYes, kPaused, ""},
    {"ja graag", kYes, kLeads, ""},
    {"jazeker", kYes, kLeads, ""},
    {"ja tack", kYes, kLeads, ""},
    {"ja takk", kYes, kLeads, ""},
    {"ja tak", kYes, kLeads, ""},
    {"kyllä", kYes, kLeads, ""},
    {"joo", kYes, kLeads, "fi"},
    {"jah", kYes, kLeads, "et"},
    {"nein", kNo, kLeads, ""},
    {"nein danke", kNo, kLeads, ""},
    {"leider nicht", kNo, kLeads, ""},
    {"leider nein", kNo, kLeads, ""},
    {"ich kann nicht", kNo, kPaused, ""},
    {"ich kann leider nicht", kNo, kPaused, ""},
    {"nee", kNo, kLeads, ""},
    {"nej", kNo, kLeads, ""},
    {"nei", kNo, kLeads, "nb nn no is fo"},
    {"ei", kNo, kLeads, "fi et"},
    {"vielleicht", kMaybe, kLeads, ""},
    {"misschien", kMaybe, kLeads, ""},
    {"kanske", kMaybe, kLeads, ""},
    {"kanskje", kMaybe, kLeads, ""},
    {"måske", kMaybe, kLeads, "da"},
    {"ehkä", kMaybe, kLeads, ""},
    {"kein problem", kNeither, kLeads, ""},
    {"nicht", kNegation, kLater, ""},
    {"kein", kNegation, kLater, ""},
    {"keine", kNegation, kLater, ""},
    {"niemals", kNegation, kLater, ""},
    {"leider", kNegation, kLater, ""},
    {"niet", kNegation, kLater, ""},
    {"geen", kNegation, kLater, ""},
    {"inte", kNegation, kLater, ""},
    {"ikke", kNegation, kLater, ""},
    {"wenn", kDoubt, kLater, ""},
    {"falls", kDoubt, kLater, "de"},
    {"als", kDoubt, kLater, "nl"},
    {"hvis", kDoubt, kLater, ""},

    // Romanian.
    {"da", kYes, kPaused, ""},
    {"nu", kNo, kLeads, "ro"},
    {"poate", kMaybe, kLeads, ""},
    {"dacă", kDoubt, kLater, ""},

    // Russian, Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian (Cyrillic).
    {"да", kYes, kLeads, ""},
    {"конечно", kYes, kLeads, ""},
    {"приду", kYes, kPaused, ""},
    {"я приду", kYes, kPaused, ""},
    {"буду", kYes, kPaused, ""},
    {"так", kYes, kLeads, "uk be"},
    {"звичайно", kYes, kLeads, ""},
    {"прийду", kYes, kPaused, ""},
    {"я прийду", kYes, kPaused, ""},
    {"нет", kNo, kLeads, ""},
    {"не", kNo, kPaused, ""},
    {"не", kNo, kLeads, "bg sr mk be"},
    {"не смогу", kNo, kLeads, ""},
    {"не могу", kNo, kPaused, ""},
    {"не могу прийти", kNo, kLeads, ""},
    {"не мога", kNo, kPaused, ""},
    {"не мога да дойда", kNo, kLeads, ""},
    {"не могу да дођем", kNo, kLeads, ""},
    {"не приду", kNo, kLeads, ""},
    {"к сожалению нет", kNo, kLeads, ""},
    {"к сожалению не смогу", kNo, kLeads, ""},
    {"ні", kNo, kLeads, ""},
    {"не зможу", kNo, kLeads, ""},
    {"не прийду", kNo, kLeads, ""},
    {"может быть", kMaybe, kLeads, ""},
    {"может", kMaybe, kPaused, ""},
    {"возможно", kMaybe, kLeads, ""},
    {"можливо", kMaybe, kLeads, ""},
    {"може", kMaybe, kPaused, ""},
    {"може би", kMaybe, kLeads, ""},
    {"нет проблем", kNeither, kLeads, ""},
    {"без проблем", kNeither, kLeads, ""},
    {"не знаю", kNeither, kLeads, ""},
    {"не знам", kNeither, kLeads, ""},
    {"никогда", kNegation, kLater, ""},
    {"к сожалению", kNegation, kLater, ""},
    {"на жаль", kNegation, kLater, ""},
    {"ніколи", kNegation, kLater, ""},
    {"если", kDoubt, kLater, ""},
    {"якщо", kDoubt, kLater, ""},
    {"ако", kDoubt, kLater, ""},

    // Polish, Czech, Slovak, Slovenian, Croatian, Serbian and Bosnian (Latin).
    {"tak", kYes, kLeads, "pl"},
    {"nie", kNo, kLeads, ""},
    {"może", kMaybe, kPaused, ""},
    {"być może", kMaybe, kLeads, ""},
    {"nie wiem", kNeither, kLeads, ""},
    {"niestety", kNegation, kLater, ""},
    {"jeśli", kDoubt, kLater, ""},
    {"jeżeli", kDoubt, kLater, ""},
    {"ano", kYes, kPaused, ""},
    {"ne", kNo, kLeads, "cs sk sl hr sr bs mk bg"},
    {"ne mogu", kNo, kPaused, ""},
    {"ne mogu da dođem", kNo, kLeads, ""},
    {"ne mogu doći", kNo, kLeads, ""},
    {"možná", kMaybe, kLeads, "cs"},
    {"možno", kMaybe, kLeads, ""},
    {"možda", kMaybe, kLeads, ""},
    {"ne znam", kNeither, kLeads, ""},
    {"mogoče", kMaybe, kLeads, ""},
    {"pokud", kDoubt, kLater, ""},
    {"ako", kDoubt, kLater, "hr sr bs sl"},

    // Hungarian.
    {"igen", kYes, kLeads, ""},
    {"nem", kNo, kPaused, ""},
    {"nem", kNo, kLeads, "hu"},
    {"talán", kMaybe, kLeads, ""},
    {"ha", kDoubt, kLater, "hu"},

    // Turkish, Azerbaijani, Uzbek, Kazakh, Kyrgyz.
    {"evet", kYes, kLeads, ""},
    {"tabii ki", kYes, kLeads, ""},
    {"tabi ki", kYes, kLeads, ""},
    {"geleceğim", kYes, kPaused, ""},
    {"geliyorum", kYes, kPaused, ""},
    {"hayır", kNo, kLeads, ""},
    {"hayir", kNo, kLeads, ""},
    {"yok", kNo, kLeads, ""},
    {"gelemem", kNo, kLeads, ""},
    {"gelemeyeceğim", kNo, kLeads, ""},
    {"belki", kMaybe, kLeads, ""},
    {"tamam", kNeither, kLeads, ""},
    {"sorun yok", kNeither, kLeads, ""},
    {"problem yok", kNeither, kLeads, ""},
    {"sorun değil", kNeither, kLeads, ""},
    {"yok artık", kNeither, kLeads, ""},
    {"değil", kNegation, kLater, ""},
    {"maalesef", kNegation, kLater, ""},
    {"eğer", kDoubt, kLater, ""},
    {"bəli", kYes, kLeads, ""},
    {"xeyr", kNo, kLeads, ""},
    {"yox", kNo, kLeads, ""},
    {"bəlkə", kMaybe, kLeads, ""},
    {"ha", kYes, kPaused, ""},
    {"ҳа", kYes, kLeads, ""},
    {"yo'q", kNo, kLeads, ""},
    {"йўқ", kNo, kLeads, ""},
    {"иә", kYes, kLeads, ""},
    {"жоқ", kNo, kLeads, ""},
    {"ооба", kYes, kLeads, ""},
    {"жок", kNo, kLeads, ""},

    // Arabic.
    {"نعم", kYes, kLeads, ""},
    {"أجل", kYes, kLeads, ""},
    {"اجل", kYes, kPaused, ""},
    {"اي", kYes, kPaused, ""},
    {"ايوه", kYes, kLeads, ""},
    {"أيوه", kYes, kLeads, ""},
    {"ايوا", kYes, kLeads, ""},
    {"سأحضر", kYes, kLeads, ""},
    {"naam", kYes, kLeads, "ar sw"},
    {"لا", kNo, kLeads, ""},
    {"لن أحضر", kNo, kLeads, ""},
    {"لن احضر", kNo, kLeads, ""},
    {"la", kNo, kPaused, "ar sw"},
    {"ربما", kMaybe, kLeads, ""},
    {"لا بأس", kNeither, kLeads, ""},
    {"لا باس", kNeither, kLeads, ""},
    {"لا مشكلة", kNeither, kLeads, ""},
    {"لا أعرف", kNeither, kLeads, ""},
    {"لا اعرف", kNeither, kLeads, ""},
    {"لا أدري", kNeither, kLeads, ""},
    {"لا ادري", kNeither, kLeads, ""},
    {"لن", kNegation, kLater, ""},
    {"لم", kNegation, kLater, ""},
    {"ليس", kNegation, kLater, ""},
    {"لست", kNegation, kLater, ""},
    {"للأسف", kNegation, kLater, ""},
    {"للاسف", kNegation, kLater, ""},
    {"إذا", kDoubt, kLater, ""},
    {"اذا", kDoubt, kLater, ""},
    {"لو", kDoubt, kLater, ""},

    // Persian, Urdu, Hindi, Bengali.
    {"بله", kYes, kLeads, ""},
    {"آره", kYes, kLeads, ""},
    {"اره", kYes, kLeads, ""},
    {"نه", kNo, kLeads, ""},
    {"نخیر", kNo, kLeads, ""},
    {"شاید", kMaybe, kLeads, ""},
    {"شايد", kMaybe, kLeads, ""},
    {"اگر", kDoubt, kLater, ""},
    {"اگه", kDoubt, kLater, ""},
    {"haan", kYes, kLeads, ""},
    {"haa", kYes, kPaused, ""},
    {"हाँ", kYes, kLeads, ""},
    {"हां", kYes, kLeads, ""},
    {"जी हाँ", kYes, kLeads, ""},
    {"जी हां", kYes, kLeads, ""},
    {"ji haan", kYes, kLeads, ""},
    {"ہاں", kYes, kLeads, ""},
    {"nahi", kNo, kLeads, ""},
    {"nahin", kNo, kLeads, ""},
    {"नहीं", kNo, kLeads, ""},
    {"नही", kNo, kLeads, ""},
    {"जी नहीं", kNo, kLeads, ""},
    {"nahi pata", kNeither, kLeads, ""},
    {"नहीं पता", kNeither, kLeads, ""},
    {"نہیں", kNo, kLeads, ""},
    {"शायद", kMaybe, kLeads, ""},
    {"shayad", kMaybe, kLeads, ""},
    {"अगर", kDoubt, kLater, ""},
    {"হ্যাঁ", kYes, kLeads, ""},
    {"না", kNo, kLeads, ""},
    {"হয়তো", kMaybe, kLeads, ""},

    // Hebrew.
    {"כן", kYes, kLeads, ""},
    {"בטח", kYes, kLeads, ""},
    {"לא", kNo, kLeads, ""},
    {"אולי", kMaybe, kLeads, ""},
    {"לא יודע", kNeither, kLeads, ""},
    {"לא יודעת", kNeither, kLeads, ""},
    {"אם", kDoubt, kLater, ""},

    // Georgian, Armenian.
    {"კი", kYes, kLeads, ""},
    {"დიახ", kYes, kLeads, ""},
    {"ki", kYes, kPaused, ""},
    {"არა", kNo, kLeads, ""},
    {"ara", kNo, kLeads, "ka"},
    {"შეიძლება", kMaybe, kPaused, ""},
    {"არ", kNegation, kLater, ""},
    {"ვერ", kNegation, kLater, ""},
    {"თუ", kDoubt, kLater, ""},
    {"այո", kYes, kLeads, ""},
    {"հա", kYes, kLeads, ""},
    {"ոչ", kNo, kLeads, ""},
    {"չէ", kNo, kLeads, ""},
    {"գուցե", kMaybe, kLeads, ""},
    {"միգուցե", kMaybe, kLeads, ""},
    {"եթե", kDoubt, kLater, ""},

    // Greek, and Greek written in Latin letters.
    {"ναι", kYes, kLeads, ""},
    {"μάλιστα", kYes, kLeads, ""},
    {"nai", kYes, kLeads, "el"},
    {"ne", kYes, kLeads, "el"},
    {"όχι", kNo, kLeads, ""},
    {"oxi", kNo, kLeads, "el"},
    {"ochi", kNo, kLeads, "el"},
    {"ohi", kNo, kLeads, "el"},
    {"ίσως", kMaybe, kLeads, ""},
    {"isos", kMaybe, kLeads, "el"},
    {"isws", kMaybe, kLeads, "el"},
    {"δεν", kNegation, kLater, ""},
    {"μην", kNegation, kLater, ""},
    {"αν", kDoubt, kLater, ""},
    {"εάν", kDoubt, kLater, ""},

    // Japanese, Chinese, Korean.
    {"はい", kYes, kLeads, ""},
    {"うん", kYes, kLeads, ""},
    {"ええ", kYes, kPaused, ""},
    {"hai", kYes, kLeads, "ja"},
    {"いいえ", kNo, kLeads, ""},
    {"いや", kNo, kPaused, ""},
    {"iie", kNo, kLeads, "ja"},
    {"たぶん", kMaybe, kLeads, ""},
    {"多分", kMaybe, kLeads, ""},
    {"ません", kNegation, kLater, ""},
    {"ない", kNegation, kLater, ""},
    {"もし", kDoubt, kLater, ""},
    {"是", kYes, kPaused, ""},
    {"是的", kYes, kLeads, ""},
    {"好", kYes, kPaused, ""},
    {"好的", kYes, kLeads, ""},
    {"不", kNo, kPaused, ""},
    {"不去", kNo, kLeads, ""},
    {"不了", kNo, kPaused, ""},
    {"不行", kNo, kLeads, ""},
    {"去不了", kNo, kLeads, ""},
    {"来不了", kNo, kLeads, ""},
    {"不能去", kNo, kLeads, ""},
    {"可能", kMaybe, kPaused, ""},
    {"也许", kMaybe, kLeads, ""},
    {"也許", kMaybe, kLeads, ""},
    {"或许", kMaybe, kLeads, ""},
    {"不能", kNegation, kLater, ""},
    {"不会", kNegation, kLater, ""},
    {"不會", kNegation, kLater, ""},
    {"没有", kNegation, kLater, ""},
    {"沒有", kNegation, kLater, ""},
    {"如果", kDoubt, kLater, ""},
    {"네", kYes, kLeads, ""},
    {"예", kYes, kLeads, ""},
    {"응", kYes, kLeads, ""},
    {"아니요", kNo, kLeads, ""},
    {"아니오", kNo, kLeads, ""},
    {"아뇨", kNo, kLeads, ""},
    {"아니", kNo, kPaused, ""},
    {"아마", kMaybe, kLeads, ""},
    {"아마도", kMaybe, kLeads, ""},
    {"못", kNegation, kLater, ""},
    {"안", kNegation, kLater, ""},

    // Swahili, Somali, Amharic.
    {"ndiyo", kYes, kLeads, ""},
    {"ndio", kYes, kLeads, ""},
    {"hapana", kNo, kLeads, ""},
    {"labda", kMaybe, kLeads, ""},
    {"kama", kDoubt, kLater, "sw"},
    {"maya", kNo, kLeads, "so"},
    {"አዎ", kYes, kLeads, ""},

    // Tagalog, Indonesian, Malay, Albanian.
    {"oo", kYes, kPaused, ""},
    {"oo naman", kYes, kLeads, ""},
    {"opo", kYes, kLeads, ""},
    {"hindi", kNo, kAlone, ""},
    {"hindi", kNo, kLeads, "tl fil"},
    {"hindi po", kNo, kLeads, ""},
    {"hindi ko alam", kNeither, kLeads, ""},
    {"hindi", kNegation, kLater, ""},
    {"siguro", kMaybe, kLeads, ""},
    {"baka", kMaybe, kLeads, "tl fil"},
    {"kung", kDoubt, kLater, "tl fil"},
    {"ya", kYes, kLeads, "id ms jv su"},
    {"iya", kYes, kLeads, ""},
    {"tidak", kNo, kLeads, ""},
    {"tak", kNo, kLeads, "ms id"},
    {"nggak", kNo, kLeads, ""},
    {"enggak", kNo, kLeads, ""},
    {"gak", kNo, kLeads, ""},
    {"mungkin", kMaybe, kLeads, ""},
    {"tidak tahu", kNeither, kLeads, ""},
    {"tak tahu", kNeither, kLeads, ""},
    {"nggak tahu", kNeither, kLeads, ""},
    {"gak tahu", kNeither, kLeads, ""},
    {"gak tau", kNeither, kLeads, ""},
    {"bukan", kNegation, kLater, ""},
    {"belum", kNegation, kLater, ""},
    {"jika", kDoubt, kLater, ""},
    {"kalau", kDoubt, kLater, ""},
    {"po", kYes, kLeads, "sq"},
    {"jo", kNo, kLeads, "sq"},
    {"ndoshta", kMaybe, kLeads, ""},
};

std::optional<RsvpAnswer> AnswerOf(Meaning meaning) {
  switch (meaning) {
    case kYes:
      return RsvpAnswer::kYes;
    case kNo:
      return RsvpAnswer::kNo;
    case kMaybe:
      return RsvpAnswer::kMaybe;
    default:
      return std::nullopt;
  }
}

// Whether a word of `meaning` later in the line leaves `answer` in doubt.
bool Contradicts(Meaning meaning, RsvpAnswer answer) {
  switch (meaning) {
    case kYes:
    case kNo:
    case kMaybe:
      return AnswerOf(meaning) != answer;
    case kNegation:
      return answer != RsvpAnswer::kNo;
    case kDoubt:
      return answer != RsvpAnswer::kMaybe;
    case kNeither:
      return false;
  }
  return true;
}

// Accents a reader can drop without changing the word: Latin and Greek accents, Arabic harakat
// (not hamza: أي "which" is not اي "yes") and Hebrew points. Elsewhere marks are vowels or
// letters of their own (हाँ, й, が) and stay.
bool IsOptionalMark(UChar32 c, UScriptCode base) {
  switch (base) {
    case USCRIPT_LATIN:
    case USCRIPT_GREEK:
      return true;
    case USCRIPT_ARABIC:
      return c >= 0x064B && c <= 0x0652;
    case USCRIPT_HEBREW:
      return c >= 0x0591 && c <= 0x05C7;
    default:
      return false;
  }
}

// NFKC with case folding (which also drops default-ignorables such as variation selectors),
// then optional accents, enclosing marks (keycaps) and the Arabic tatweel removed.
icu::UnicodeString Fold(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return {};
  const icu::UnicodeString decomposed =
      nfd->normalize(nfkc_cf->normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(
                                            text.data(), static_cast<int32_t>(text.size()))),
                                        status),
                     status);
  if (U_FAILURE(status)) return {};
  icu::UnicodeString kept;
  UScriptCode base = USCRIPT_COMMON;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    const int8_t type = u_charType(c);
    if (type == U_ENCLOSING_MARK || c == 0x0640) continue;
    if (type == U_NON_SPACING_MARK) {
      if (IsOptionalMark(c, base)) continue;
    } else if (type != U_COMBINING_SPACING_MARK) {
      UErrorCode script_status = U_ZERO_ERROR;
      base = uscript_getScript(c, &script_status);
    }
    kept.append(c);
  }
  icu::UnicodeString composed = nfc->normalize(kept, status);
  if (U_FAILURE(status)) return {};
  return composed;
}

struct Gap {
  bool empty = true;      // Nothing between the words, as between Chinese or Japanese words.
  bool pause = false;     // Punctuation.
  bool question = false;  // A question mark.
  // Nothing but spaces and dashes: a phrase may go on across it ("peut-être"), but not across
  // a comma ("Sí, si puedo" is "yes, if I can", not "sí sí").
  bool within_phrase = true;
};

struct Piece {
  std::string text;  // Folded UTF-8, without apostrophes.
  bool cjk = false;  // Han or kana: phrase keys join it to a neighbouring one without a space.
  bool greek = false;
  int digit = -1;  // The value of a piece that is one decimal digit.
};

struct Line {
  std::vector<Piece> pieces;
  std::vector<Gap> gaps;  // gaps[i] comes before pieces[i]; gaps.back() after the last piece.
};

bool IsQuestionMark(UChar32 c) {
  return c == '?' || c == 0x00BF /* ¿ */ || c == 0x061F /* ؟ */ || c == 0x055E /* ՞ */ ||
         c == 0x2E2E /* ⸮ */ || c == 0x1367 /* ፧ */;
}

// Apostrophes that Unicode counts as letters; inside a word they are dropped like ' and ’
// ("yoʻq" is written "yo'q" as well).
bool IsApostropheLetter(UChar32 c) { return c == 0x02BB || c == 0x02BC; }

icu::BreakIterator* WordBreaker() {
  thread_local const std::unique_ptr<icu::BreakIterator> breaker = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> created(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) created.reset();
    return created;
  }();
  return breaker.get();
}

Piece MakePiece(const icu::UnicodeString& folded, int32_t start, int32_t end, int32_t status) {
  Piece piece;
  icu::UnicodeString text;
  int32_t count = 0;
  UChar32 last = 0;
  for (int32_t i = start; i < end;) {
    const UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    const int8_t type = u_charType(c);
    if ((u_isalnum(c) && !IsApostropheLetter(c)) || type == U_NON_SPACING_MARK ||
        type == U_COMBINING_SPACING_MARK) {
      if (text.isEmpty()) {
        UErrorCode script_status = U_ZERO_ERROR;
        piece.greek = uscript_getScript(c, &script_status) == USCRIPT_GREEK;
      }
      text.append(c);
      last = c;
      ++count;
    }
  }
  text.toUTF8String(piece.text);
  piece.cjk = status >= UBRK_WORD_KANA && status < UBRK_WORD_IDEO_LIMIT;
  if (status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT && count == 1) {
    piece.digit = u_charDigitValue(last);
  }
  return piece;
}

Line Split(const icu::UnicodeString& folded) {
  Line line;
  line.gaps.emplace_back();
  icu::BreakIterator* breaker = WordBreaker();
  if (breaker == nullptr || folded.isEmpty()) return line;
  breaker->setText(folded);
  int32_t start = breaker->first();
  for (int32_t end = breaker->next(); end != icu::BreakIterator::DONE;
       start = end, end = breaker->next()) {
    const int32_t status = breaker->getRuleStatus();
    if (status >= UBRK_WORD_NONE_LIMIT) {
      Piece piece = MakePiece(folded, start, end, status);
      if (!piece.text.empty()) {
        line.pieces.push_back(std::move(piece));
        line.gaps.emplace_back();
        continue;
      }
    }
    Gap& gap = line.gaps.back();
    for (int32_t i = start; i < end;) {
      const UChar32 c = folded.char32At(i);
      i += U16_LENGTH(c);
      gap.empty = false;
      // A Greek question is written with ';' (U+037E, which NFKC makes ';').
      if (IsQuestionMark(c) || (c == ';' && !line.pieces.empty() && line.pieces.back().greek)) {
        gap.question = true;
      }
      if (u_ispunct(c)) {
        gap.pause = true;
        if (u_charType(c) != U_DASH_PUNCTUATION) gap.within_phrase = false;
      }
    }
  }
  return line;
}

// Phrase keys: the pieces joined by one space, except between adjacent Chinese or Japanese
// pieces, so a phrase matches however the segmenter cut it. Returns false when the pieces do
// not make one phrase.
bool KeyOf(const Line& line, size_t begin, size_t end, std::string& key) {
  key.clear();
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) {
      if (!line.gaps[i].within_phrase) return false;
      if (!(line.pieces[i - 1].cjk && line.pieces[i].cjk && line.gaps[i].empty)) key += ' ';
    }
    key += line.pieces[i].text;
  }
  return true;
}

struct Sense {
  Meaning meaning;
  Place place;
  std::vector<std::string> languages;  // Empty: every language.
};

struct Vocabulary {
  std::unordered_map<std::string, std::vector<Sense>> senses;  // By phrase key.
  size_t max_pieces = 1;
};

std::vector<std::string> SplitLanguages(std::string_view list) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < list.size()) {
    size_t end = list.find(' ', at);
    if (end == std::string_view::npos) end = list.size();
    if (end > at) out.emplace_back(list.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

const Vocabulary& TheVocabulary() {
  static const Vocabulary* const vocabulary = [] {
    auto* built = new Vocabulary;
    std::string key;
    for (const Word& word : kWords) {
      const Line line = Split(Fold(word.text));
      if (line.pieces.empty() || !KeyOf(line, 0, line.pieces.size(), key)) continue;
      built->senses[key].push_back(Sense{word.meaning, word.place, SplitLanguages(word.languages)});
      built->max_pieces = std::max(built->max_pieces, line.pieces.size() + kExtraPieces);
    }
    return built;
  }();
  return *vocabulary;
}

// The primary subtags of the person's languages, lower case.
std::vector<std::string> PrimaryLanguages(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const std::string& tag : tags) {
    std::string primary = tag.substr(0, tag.find_first_of("-_"));
    for (char& c : primary) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (!primary.empty()) out.push_back(std::move(primary));
  }
  return out;
}

bool Applies(const Sense& sense, const std::vector<std::string>& person) {
  if (sense.languages.empty()) return true;
  return std::any_of(person.begin(), person.end(), [&](const std::string& language) {
    return std::find(sense.languages.begin(), sense.languages.end(), language) !=
           sense.languages.end();
  });
}

// Whether anything after the answer (pieces from `from` on) leaves it in doubt. Phrases are
// taken longest first, so "no problem" after a yes is not a no.
bool Contradicted(const Line& line, size_t from, RsvpAnswer answer,
                  const std::vector<std::string>& person) {
  const Vocabulary& vocabulary = TheVocabulary();
  std::string key;
  const size_t n = line.pieces.size();
  for (size_t i = from; i < n;) {
    size_t step = 1;
    for (size_t length = std::min(vocabulary.max_pieces, n - i); length > 0; --length) {
      if (!KeyOf(line, i, i + length, key)) continue;
      const auto found = vocabulary.senses.find(key);
      if (found == vocabulary.senses.end()) continue;
      bool known = false;
      for (const Sense& sense : found->second) {
        if (sense.place == kAlone || !Applies(sense, person)) continue;
        if (Contradicts(sense.meaning, answer)) return true;
        known = true;
      }
      if (known) {
        step = length;
        break;
      }
    }
    i += step;
  }
  return false;
}

RsvpReading ReadWords(const Line& line, const std::vector<std::string>& person) {
  const Vocabulary& vocabulary = TheVocabulary();
  const size_t n = line.pieces.size();
  std::string key;
  for (size_t length = std::min(vocabulary.max_pieces, n); length > 0; --length) {
    if (!KeyOf(line, 0, length, key)) continue;
    const auto found = vocabulary.senses.find(key);
    if (found == vocabulary.senses.end()) continue;
    const bool whole = length == n;
    const Gap& after = line.gaps[length];
    std::optional<Meaning> meaning;
    bool ambiguous = false;
    for (const Sense& sense : found->second) {
      if (!Applies(sense, person)) continue;
      const bool starts = sense.place == kLeads ||
                          (sense.place == kPaused && (whole || after.pause)) ||
                          (sense.place == kAlone && whole);
      if (!starts) continue;
      if (meaning && *meaning != sense.meaning) ambiguous = true;
      meaning = sense.meaning;
    }
    if (!meaning) continue;
    const std::optional<RsvpAnswer> answer = AnswerOf(*meaning);
    if (ambiguous || !answer) return {};
    if (line.gaps.front().question || after.question) return {};
    // Without a pause after the answer, the rest may be one sentence that changes it.
    if (!whole && !after.pause && (n > kMaxWordsWithoutPause || line.gaps.back().question)) {
      return {};
    }
    if (Contradicted(line, length, *answer, person)) return {};
    return {answer, std::move(key)};
  }
  return {};
}

// A line that is one digit 1, 2 or 3 and nothing else but punctuation.
std::optional<RsvpReading> ReadNumber(const Line& line) {
  if (line.pieces.size() != 1 || line.gaps.front().question || line.gaps.back().question) {
    return std::nullopt;
  }
  const int digit = line.pieces.front().digit;
  if (digit < 1 || digit > 3) return std::nullopt;
  return RsvpReading{kAnswers[digit - 1], std::to_string(digit)};
}

// A line longer than any reply counts as not blank, and is then too long to read.
bool IsBlank(std::string_view line) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(line.data());
  const int32_t size = static_cast<int32_t>(std::min(line.size(), kMaxLineBytes + 1));
  for (int32_t i = 0; i < size;) {
    UChar32 c;
    U8_NEXT(bytes, i, size, c);
    if (c < 0) return false;
    if (!u_isUWhiteSpace(c) && !u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
      return false;
    }
  }
  return line.size() <= kMaxLineBytes;
}

std::string_view FirstLine(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find_first_of("\r\n", begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(begin, end - begin);
    if (!IsBlank(line)) return line;
    begin = end + 1;
  }
  return {};
}

}  // namespace

std::string_view RsvpAnswerName(RsvpAnswer answer) {
  switch (answer) {
    case RsvpAnswer::kYes:
      return "yes";
    case RsvpAnswer::kNo:
      return "no";
    case RsvpAnswer::kMaybe:
      return "maybe";
  }
  return "";
}

std::optional<RsvpAnswer> ParseRsvpAnswerName(std::string_view name) {
  for (const RsvpAnswer answer : kAnswers) {
    if (name == RsvpAnswerName(answer)) return answer;
  }
  return std::nullopt;
}

std::string RsvpButtonId(RsvpAnswer answer) {
  return "rsvp:" + std::string(RsvpAnswerName(answer));
}

RsvpReading ReadRsvpReply(std::string_view text, std::string_view button,
                          const RsvpReplyOptions& options) {
  if (!button.empty()) {
    for (const RsvpAnswer answer : kAnswers) {
      if (button == RsvpButtonId(answer)) {
        return {answer, "button " + std::string(button)};
      }
    }
    return {};
  }
  const std::string_view line = FirstLine(text);
  if (line.empty() || line.size() > kMaxLineBytes) return {};
  const Line words = Split(Fold(line));
  if (words.pieces.empty()) return {};
  if (options.numbered) {
    if (std::optional<RsvpReading> reading = ReadNumber(words)) return *std::move(reading);
  }
  return ReadWords(words, PrimaryLanguages(options.languages));
}

}  // namespace ogw
