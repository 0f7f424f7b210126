// Reading yes / no / maybe out of replies to an invitation, in the languages people answer in.

#include "gateway/invitations/rsvp_reply.h"

#include <gtest/gtest.h>

#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/inbound/keywords.h"

namespace ogw {
namespace {

RsvpReplyOptions Options(std::string_view languages = "", bool numbered = false) {
  RsvpReplyOptions options;
  options.numbered = numbered;
  std::istringstream in{std::string(languages)};
  for (std::string tag; in >> tag;) options.languages.push_back(tag);
  return options;
}

// `want`: "yes", "no", "maybe", or "" for unclear (then `matched` must be empty too).
struct Reply {
  const char* text;
  const char* want;
  const char* matched;
  const char* languages;  // The person's languages, space-separated; "" unknown.
};

void PrintTo(const Reply& reply, std::ostream* out) {
  *out << '"' << reply.text << "\" [" << reply.languages << ']';
}

class RsvpReplyTextTest : public testing::TestWithParam<Reply> {};

TEST_P(RsvpReplyTextTest, ReadsTheAnswerOrLeavesItUnclear) {
  const Reply& reply = GetParam();
  const RsvpReading reading = ReadRsvpReply(reply.text, "", Options(reply.languages));
  EXPECT_EQ(reading.answer ? RsvpAnswerName(*reading.answer) : "", reply.want);
  EXPECT_EQ(reading.matched, reply.matched);
}

const Reply kReplies[] = {
    // English.
    {"Yes", "yes", "yes", ""},
    {"YES!!!", "yes", "yes", ""},
    {"yes I will come", "yes", "yes", ""},
    {"Yes, see you there!", "yes", "yes", ""},
    {"yes 👍", "yes", "yes", ""},
    {"Sure, I'd love to", "yes", "sure", ""},
    {"I’ll be there.", "yes", "ill be there", ""},
    {"Y", "yes", "y", ""},
    {"Yes, thank you very much for the kind invitation, my husband and I will be delighted "
     "to join the roundtable",
     "yes", "yes", ""},
    {"No.", "no", "no", ""},
    {"no, sorry", "no", "no", ""},
    {"No I can't come", "no", "no", "en"},
    {"Nope", "no", "nope", ""},
    {"No thanks, I'm travelling that week", "no", "no thanks", ""},
    {"I can't make it, sorry", "no", "i cant make it", ""},
    {"N", "no", "n", ""},
    {"Maybe", "maybe", "maybe", ""},
    {"Maybe, depends on my flight", "maybe", "maybe", ""},
    {"What time?", "", "", ""},
    {"Can I bring my wife?", "", "", ""},
    {"yes no", "", "", ""},
    {"yes or no?", "", "", ""},
    {"Yes?", "", "", ""},
    {"I said no to the other one but yes to this", "", "", ""},
    {"I don't know", "", "", ""},
    {"not sure", "", "", ""},
    {"Yes if I'm back from Tbilisi by then", "", "", ""},
    {"Yes but I can't stay long", "", "", ""},
    {"Maybe not", "", "", ""},
    {"No no no", "no", "no no", ""},
    {"No, not yet", "", "", "en"},
    {"No idea", "", "", "en"},
    {"Yes, unfortunately I'm travelling then", "", "", "en"},
    {"No problem, I'll be there", "", "", ""},
    {"I will come to the next one", "", "", ""},
    {"yes my husband and I will be delighted to join the roundtable next Tuesday evening", "", "",
     ""},
    {"ok", "", "", ""},
    {"OK 👍", "", "", ""},
    {"Okay", "", "", ""},
    {"", "", "", ""},
    {"   ", "", "", ""},
    {"👍", "", "", ""},
    {"🙏🙏🙏", "", "", ""},
    {"No I can't come", "", "", ""},  // Bare "no" before more words needs the language known.
    // French.
    {"Oui.", "yes", "oui", ""},
    {"Oui, avec plaisir", "yes", "oui", ""},
    {"Je serai là !", "yes", "je serai la", ""},
    {"Non merci", "no", "non", ""},
    {"peut-être", "maybe", "peut etre", ""},
    {"Peut-être, je vous confirme demain", "maybe", "peut etre", ""},
    {"Oui mais je ne pourrai pas rester", "", "", "fr"},
    {"Je viens de recevoir votre message", "", "", "fr"},
    // Spanish.
    {"Sí", "yes", "si", ""},
    {"Sí, claro", "yes", "si", ""},
    {"Si puedo voy", "", "", "es"},  // "If I can, I go."
    {"Sí, si puedo", "", "", "es"},  // "Yes, if I can."
    {"Si si, claro", "yes", "si si", "es"},
    {"¿Sí?", "", "", ""},
    {"No puedo, lo siento", "no", "no puedo", ""},
    {"No, gracias", "no", "no", ""},
    {"No gracias", "no", "no gracias", ""},
    {"Tal vez", "maybe", "tal vez", ""},
    {"Quizás el sábado", "maybe", "quizas", ""},
    {"Ya", "", "", "es"},  // "Already" / "right".
    {"No sé", "", "", "es"},
    // Portuguese.
    {"Sim, estarei presente", "yes", "sim", "pt"},
    {"NÃO", "no", "nao", ""},
    {"Não posso, obrigado", "no", "nao", ""},
    {"Talvez", "maybe", "talvez", ""},
    {"No sábado eu vou", "", "", "pt"},  // "On Saturday I go."
    {"Não sei ainda", "", "", "pt"},
    // Italian.
    {"Sì, grazie", "yes", "si", "it"},
    {"No grazie", "no", "no grazie", ""},
    {"Forse", "maybe", "forse", ""},
    // German, Dutch, Swedish.
    {"Ja, gerne", "yes", "ja", ""},
    {"Ja gerne", "yes", "ja gerne", ""},
    {"Ja ich komme", "yes", "ja", "de"},
    {"Ja mam pytanie", "", "", "pl"},  // Polish: "I have a question".
    {"Nein danke", "no", "nein danke", ""},
    {"Vielleicht", "maybe", "vielleicht", ""},
    {"Ja, aber ich kann nicht lange bleiben", "", "", "de"},
    {"Nee, helaas niet", "no", "nee", "nl"},
    {"Nej tack", "no", "nej", "sv"},
    // Romanian.
    {"Da, vin", "yes", "da", "ro"},
    {"Nu", "no", "nu", "ro"},
    // Russian, Ukrainian, Bulgarian.
    {"Да", "yes", "да", ""},
    {"НЕТ", "no", "нет", ""},
    {"Может быть", "maybe", "может быть", ""},
    {"Не смогу, извините", "no", "не смогу", ""},
    {"Не знаю", "", "", "ru"},
    {"Да, но не смогу остаться до конца", "", "", "ru"},
    {"Так, буду", "yes", "так", "uk"},
    {"Так", "", "", ""},  // Ukrainian yes, Russian "so": unread without the language.
    {"Так, а во сколько?", "", "", "ru"},
    {"Ні", "no", "ні", "uk"},
    {"Можливо", "maybe", "можливо", "uk"},
    {"Не мога да дойда", "no", "не мога да дойда", "bg"},
    {"Ne mogu da dođem, hvala", "no", "ne mogu da dođem", "sr"},
    {"Da, ali ne mogu ostati", "", "", "sr"},
    // Polish, Czech, Serbian.
    {"Tak", "yes", "tak", "pl"},
    {"Nie, dziękuję", "no", "nie", "pl"},
    {"Może", "maybe", "moze", "pl"},
    {"Nie wiem", "", "", "pl"},
    {"Ano", "yes", "ano", "cs"},
    {"Ne", "no", "ne", "cs"},
    {"Ne, hvala", "no", "ne", "sr"},
    // Greek.
    {"Ναι", "yes", "ναι", ""},
    {"ΝΑΙ!", "yes", "ναι", ""},
    {"Όχι", "no", "οχι", ""},
    {"οχι ευχαριστώ", "no", "οχι", "el"},
    {"Ίσως", "maybe", "ισωσ", ""},
    {"ne", "yes", "ne", "el"},  // Greek ναι in Latin letters.
    {"ne", "", "", ""},         // Yes in Greek, no in Czech: needs the language.
    {"ne", "", "", "el cs"},
    {"Ναι;", "", "", "el"},  // The Greek question mark.
    // Turkish, Azerbaijani, Uzbek.
    {"Evet", "yes", "evet", ""},
    {"Hayır, teşekkürler", "no", "hayır", ""},
    {"HAYIR", "no", "hayir", ""},
    {"Belki", "maybe", "belki", ""},
    {"Ne?", "", "", "tr"},
    {"Bəli", "yes", "bəli", "az"},
    {"Ha", "yes", "ha", "uz"},
    {"Ha ha", "", "", ""},
    {"Yo‘q", "no", "yoq", "uz"},
    // Hungarian.
    {"Igen", "yes", "igen", ""},
    {"Nem tudok jönni", "no", "nem", "hu"},
    {"Igen, ha tudok", "", "", "hu"},
    // Arabic.
    {"نعم 👍", "yes", "نعم", ""},
    {"نَعَم", "yes", "نعم", "ar"},
    {"لا، شكرا", "no", "لا", ""},
    {"ربما", "maybe", "ربما", ""},
    {"لا بأس", "", "", "ar"},    // "No problem".
    {"اي ساعة؟", "", "", "ar"},  // "What time?"
    // Persian, Hindi, Urdu, Bengali.
    {"بله", "yes", "بله", "fa"},
    {"نه، ممنون", "no", "نه", "fa"},
    {"شايد", "maybe", "شايد", "fa"},
    {"हाँ", "yes", "हाँ", "hi"},
    {"Haan ji", "yes", "haan", "hi"},
    {"नहीं", "no", "नहीं", "hi"},
    {"ہاں", "yes", "ہاں", "ur"},
    {"না", "no", "না", "bn"},
    // Hebrew, Georgian, Armenian.
    {"כן", "yes", "כן", ""},
    {"לא תודה", "no", "לא", "he"},
    {"אולי", "maybe", "אולי", "he"},
    {"לא יודעת", "", "", "he"},
    {"კი", "yes", "კი", "ka"},
    {"  kI ", "yes", "ki", ""},
    {"არა", "no", "არა", ""},
    {"ara", "no", "ara", "ka"},
    {"Ara", "", "", "tr"},  // "Call (me)".
    {"შეიძლება", "maybe", "შეიძლება", "ka"},
    {"Այո", "yes", "այո", "hy"},
    // Japanese, Chinese, Korean.
    {"はい、行きます", "yes", "はい", "ja"},
    {"いいえ", "no", "いいえ", "ja"},
    {"多分", "maybe", "多分", "ja"},
    {"はい、でも行けません", "", "", "ja"},
    {"是的，我会来", "yes", "是的", "zh"},
    {"好的", "yes", "好的", "zh"},
    {"不去了", "no", "不去", "zh"},
    {"也许", "maybe", "也许", "zh"},
    {"是谁?", "", "", "zh"},
    {"不好意思，请问几点？", "", "", "zh"},
    {"是的，但是我不能去", "", "", "zh"},
    {"네", "yes", "네", "ko"},
    {"아니요", "no", "아니요", "ko"},
    // Swahili, Tagalog, Indonesian, Malay, Albanian.
    {"Ndiyo", "yes", "ndiyo", "sw"},
    {"Hapana", "no", "hapana", "sw"},
    {"Labda", "maybe", "labda", "sw"},
    {"Oo", "yes", "oo", "tl"},
    {"Opo, pupunta ako", "yes", "opo", "tl"},
    {"Hindi", "no", "hindi", ""},
    {"Hindi po", "no", "hindi po", ""},
    {"Hindi ako makakapunta", "no", "hindi", "tl"},
    {"Hindi speaker?", "", "", ""},
    {"Ya, saya datang", "yes", "ya", "id"},
    {"Tidak", "no", "tidak", "id"},
    {"Mungkin", "maybe", "mungkin", "id"},
    {"Tak", "no", "tak", "ms"},
    {"Tak", "", "", "da"},  // "Thanks".
    {"Tak", "", "", ""},
    {"Po", "yes", "po", "sq"},
    {"Jo", "no", "jo", "sq"},
    {"Jo", "", "", ""},
    {"Jó", "", "", "hu"},  // "Good".
    // Opt-out keywords are never an answer.
    {"STOP", "", "", ""},
    {"Stop", "", "", "en"},
    {"ARRÊT", "", "", "fr"},
};

INSTANTIATE_TEST_SUITE_P(Replies, RsvpReplyTextTest, testing::ValuesIn(kReplies));

TEST(RsvpReplyTest, OnlyTheFirstNonEmptyLineCounts) {
  const RsvpReplyOptions options = Options();
  EXPECT_EQ(ReadRsvpReply("Yes\n\nOn Tue, 3 Jun 2025, the Embassy wrote:\n> Will you come? "
                          "Reply yes, no or maybe.\n> no",
                          "", options)
                .answer,
            RsvpAnswer::kYes);
  EXPECT_EQ(
      ReadRsvpReply("\r\n  \n\t\nNo\r\nThanks for the invitation, yes it looks great", "", options)
          .answer,
      RsvpAnswer::kNo);
  EXPECT_EQ(ReadRsvpReply("\xC2\xA0\n\xE2\x80\x8B\nOui\n", "", options).answer,  // NBSP, ZWSP.
            RsvpAnswer::kYes);
  EXPECT_EQ(ReadRsvpReply("Dear Sir,\nYes, I will come", "", options).answer, std::nullopt);
}

TEST(RsvpReplyTest, AButtonAnswerWinsOverTheText) {
  const RsvpReplyOptions options = Options();
  EXPECT_EQ(ReadRsvpReply("Yes", "rsvp:yes", options).matched, "button rsvp:yes");
  const RsvpReading no = ReadRsvpReply("Yes", "rsvp:no", options);
  EXPECT_EQ(no.answer, RsvpAnswer::kNo);
  EXPECT_EQ(no.matched, "button rsvp:no");
  EXPECT_EQ(ReadRsvpReply("", "rsvp:maybe", options).answer, RsvpAnswer::kMaybe);
  for (RsvpAnswer answer : {RsvpAnswer::kYes, RsvpAnswer::kNo, RsvpAnswer::kMaybe}) {
    EXPECT_EQ(ReadRsvpReply("", RsvpButtonId(answer), options).answer, answer);
  }
}

TEST(RsvpReplyTest, AnotherButtonIsNotAnRsvpWhateverItsTitle) {
  const RsvpReplyOptions options = Options();
  for (const char* button : {"menu:help", "RSVP:YES", "rsvp:", "rsvp:yes ", "yes"}) {
    const RsvpReading reading = ReadRsvpReply("Yes", button, options);
    EXPECT_EQ(reading.answer, std::nullopt) << button;
    EXPECT_EQ(reading.matched, "") << button;
  }
}

TEST(RsvpReplyTest, NumbersAreAnswersOnlyWhenTheInvitationNumberedThem) {
  const RsvpReplyOptions numbered = Options("", true);
  struct Number {
    const char* text;
    std::optional<RsvpAnswer> want;
  };
  for (const Number& n : std::vector<Number>{
           {"1", RsvpAnswer::kYes},
           {"2.", RsvpAnswer::kNo},
           {" 3 ", RsvpAnswer::kMaybe},
           {"１", RsvpAnswer::kYes},   // Fullwidth.
           {"٢", RsvpAnswer::kNo},     // Arabic-Indic.
           {"۳", RsvpAnswer::kMaybe},  // Persian.
           {"۱", RsvpAnswer::kYes},
           {"1️⃣", RsvpAnswer::kYes},  // Keycap emoji.
           {"4", std::nullopt},
           {"0", std::nullopt},
           {"12", std::nullopt},
           {"1?", std::nullopt},
           {"Option 2", std::nullopt},
           {"1 2", std::nullopt},
       }) {
    const RsvpReading reading = ReadRsvpReply(n.text, "", numbered);
    EXPECT_EQ(reading.answer, n.want) << n.text;
    EXPECT_EQ(ReadRsvpReply(n.text, "", Options()).answer, std::nullopt) << n.text;
  }
  EXPECT_EQ(ReadRsvpReply("٢", "", numbered).matched, "2");
  EXPECT_EQ(ReadRsvpReply("Yes", "", numbered).answer, RsvpAnswer::kYes);
  EXPECT_EQ(ReadRsvpReply("1", "rsvp:no", numbered).answer, RsvpAnswer::kNo);
}

TEST(RsvpReplyTest, OptOutKeywordsAreNeverAnAnswer) {
  for (const std::string& keyword : KeywordMatcher::DefaultStopKeywords()) {
    for (const std::string& text : {keyword, keyword + "!", " " + keyword + " "}) {
      for (bool numbered : {false, true}) {
        const RsvpReading reading =
            ReadRsvpReply(text, "", Options("en fr es pt de ar ru", numbered));
        EXPECT_EQ(reading.answer, std::nullopt) << text;
        EXPECT_EQ(reading.matched, "") << text;
      }
    }
  }
}

TEST(RsvpReplyTest, LanguageTagsCountByTheirPrimarySubtag) {
  EXPECT_EQ(ReadRsvpReply("Tak", "", Options("pl-PL")).answer, RsvpAnswer::kYes);
  EXPECT_EQ(ReadRsvpReply("Tak", "", Options("PL")).answer, RsvpAnswer::kYes);
  EXPECT_EQ(ReadRsvpReply("Tak", "", Options("ms_MY")).answer, RsvpAnswer::kNo);
  // Two languages that disagree leave the word unread.
  EXPECT_EQ(ReadRsvpReply("Tak", "", Options("pl ms")).answer, std::nullopt);
}

TEST(RsvpReplyTest, OverlongOrInvalidInputIsUnclearAndHarmless) {
  const RsvpReplyOptions options = Options();
  EXPECT_EQ(ReadRsvpReply("Yes, " + std::string(3000, 'a'), "", options).answer, std::nullopt);
  EXPECT_EQ(ReadRsvpReply(std::string(3000, ' ') + "\nYes", "", options).answer, std::nullopt);
  EXPECT_EQ(ReadRsvpReply("\xFF\xFE", "", options).answer, std::nullopt);
  EXPECT_EQ(ReadRsvpReply("Yes \xFF", "", options).answer, RsvpAnswer::kYes);
  EXPECT_EQ(ReadRsvpReply(std::string_view("Yes\0no", 6), "", options).answer, std::nullopt);
}

TEST(RsvpReplyTest, AnswerNamesRoundTrip) {
  for (RsvpAnswer answer : {RsvpAnswer::kYes, RsvpAnswer::kNo, RsvpAnswer::kMaybe}) {
    EXPECT_EQ(ParseRsvpAnswerName(RsvpAnswerName(answer)), answer);
  }
  EXPECT_EQ(RsvpAnswerName(RsvpAnswer::kMaybe), "maybe");
  EXPECT_EQ(RsvpButtonId(RsvpAnswer::kNo), "rsvp:no");
  EXPECT_EQ(ParseRsvpAnswerName("Yes"), std::nullopt);
  EXPECT_EQ(ParseRsvpAnswerName(""), std::nullopt);
}

}  // namespace
}  // namespace ogw
