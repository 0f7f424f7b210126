// Receiving e-mail without a server: ParseEmail on hand-written messages as real clients send
// them (HtmlToText, StripQuotedHistory, bounces and auto-replies included), and the checks of
// ImapPoller's configuration. ImapPoller against a real Dovecot is imap_poller_test.cc.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "adapters/email/imap_poller.h"
#include "adapters/email/mime_parser.h"
#include "gateway/core/crypto.h"
#include "tests/adapters/email/email_samples.h"

namespace ogw {
namespace {

using email_samples::kGmailPlainReply;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

ParsedEmail MustParse(std::string_view raw) {
  absl::StatusOr<ParsedEmail> parsed = ParseEmail(raw);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : ParsedEmail{};
}

// ---------------------------------------------------------------------------------------------
// Replies.

TEST(ParseEmailTest, PlainUtf8ReplyWithEnglishQuote) {
  const ParsedEmail parsed = MustParse(kGmailPlainReply);
  ASSERT_EQ(parsed.kind, ParsedEmail::Kind::kMessage);
  const InboundMessage& message = parsed.message;
  EXPECT_EQ(message.channel, Channel::kEmail);
  EXPECT_EQ(message.from, "Jane.Roe@example.com");
  EXPECT_EQ(message.to, "reply+tok123@mail.gateway.test");
  EXPECT_EQ(message.reply_token, "tok123");
  EXPECT_EQ(message.subject, "Re: Spring offer");
  EXPECT_EQ(message.text, "Yes please, count me in! Ünïcödé ✓");
  EXPECT_THAT(message.references, ElementsAre("ogw.c1.7@gateway.test", "ogw.c1.6@gateway.test"));
  EXPECT_EQ(message.provider_message_id, "CAJane1@mail.gmail.com");
  EXPECT_EQ(message.received_at_ms, 1704189600000);
  EXPECT_TRUE(message.provider.empty());
  EXPECT_FALSE(parsed.auto_reply);
  EXPECT_THAT(parsed.reports, IsEmpty());
}

TEST(ParseEmailTest, FrenchQuoteAndReceivedTime) {
  // Gmail in French puts a narrow no-break space (U+202F) before the colon.
  const ParsedEmail parsed = MustParse(
      "Received: from mx.example.fr by mail.gateway.test; Wed, 3 Jan 2024 08:30:00 +0100\n"
      "From: =?UTF-8?Q?Ren=C3=A9e_Dupont?= <renee@exemple.fr>\n"
      "To: reply+fr42@gateway.test\n"
      "Subject: =?UTF-8?Q?Re=C2=A0:_Offre_de_printemps?=\n"
      "Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "Oui, je serai là.\n"
      "\n"
      "Merci !\n"
      "\n"
      "Le lun. 1 janv. 2024 à 09:00, Outreach <reply+fr42@gateway.test> a écrit\xE2\x80\xAF:\n"
      "\n"
      "> Voulez-vous participer ?\n");
  EXPECT_EQ(parsed.message.text, "Oui, je serai là.\n\nMerci !");
  EXPECT_EQ(parsed.message.reply_token, "fr42");
  EXPECT_EQ(parsed.message.subject, "Re\xC2\xA0: Offre de printemps");
  // The receiving server's clock (Received), not the sender's (Date).
  EXPECT_EQ(parsed.message.received_at_ms, 1704267000000);
}

TEST(ParseEmailTest, QuotedPrintableLatin1ReadAsWindows1252) {
  const ParsedEmail parsed = MustParse(
      "From: marc@exemple.fr\n"
      "To: news@gateway.test\n"
      "Subject: =?iso-8859-1?q?R=E9ponse?=\n"
      "Message-ID: <qp-1@exemple.fr>\n"
      "MIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Tr=E8s bien, merci=21 =93Caf=E9=94 =\n"
      "demain =E0 10h.\n");
  EXPECT_EQ(parsed.message.text, "Très bien, merci! “Café” demain à 10h.");
  EXPECT_EQ(parsed.message.subject, "Réponse");
  EXPECT_EQ(parsed.message.to, "news@gateway.test");
  EXPECT_TRUE(parsed.message.reply_token.empty());
}

TEST(ParseEmailTest, Base64Koi8rBodyAndWindows1251Subject) {
  const ParsedEmail parsed = MustParse(
      "From: ivan@example.ru\n"
      "To: reply+ru7@gateway.test\n"
      "Subject: =?windows-1251?B?UmU6IMLl8eXt7eXlIO/w5eTr7ubl7ejl?=\n"
      "MIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=koi8-r\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "8NLJ18XUISDkwSwgzc7FIMnO1MXSxdPOzy4NCvDP2tfPzsnUxSDawdfU0sEuDQo=\n");
  EXPECT_EQ(parsed.message.text, "Привет! Да, мне интересно.\nПозвоните завтра.");
  EXPECT_EQ(parsed.message.subject, "Re: Весеннее предложение");
}

TEST(ParseEmailTest, MultipartAlternativePrefersPlainText) {
  const ParsedEmail parsed = MustParse(
      "From: jane@example.com\n"
      "To: reply+alt@gateway.test\n"
      "Subject: Re: hi\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"b1\"\n"
      "\n"
      "--b1\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "The plain version.\n"
      "--b1\n"
      "Content-Type: text/html; charset=utf-8\n"
      "\n"
      "<p>The <b>HTML</b> version.</p>\n"
      "--b1--\n");
  EXPECT_EQ(parsed.message.text, "The plain version.");
}

// Hostile structure: the parser must finish in bounded time and memory and still find what a
// person wrote, or say it cannot.
TEST(ParseEmailTest, MessageNestedAThousandLevelsDeepIsReadSafely) {
  std::string raw =
      "From: deep@example.com\nTo: reply+deep@gateway.test\nSubject: deep\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"b0\"\n\n";
  for (int i = 0; i < 1000; ++i) {
    raw += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=\"b" +
           std::to_string(i + 1) + "\"\n\n";
  }
  raw += "--b1000\nContent-Type: text/plain\n\nToo deep to matter.\n--b1000--\n";
  for (int i = 999; i >= 0; --i) raw += "--b" + std::to_string(i) + "--\n";
  absl::StatusOr<ParsedEmail> parsed = ParseEmail(raw);
  if (parsed.ok()) {
    EXPECT_EQ(parsed->message.from, "deep@example.com");
    EXPECT_THAT(parsed->message.text, Not(HasSubstr("Too deep")));
  } else {
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(ParseEmailTest, MessageOfAHundredThousandPartsIsReadSafely) {
  std::string raw =
      "From: many@example.com\nTo: reply+many@gateway.test\nSubject: many\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
      "--b\nContent-Type: text/plain\n\nThe body comes first.\n";
  for (int i = 0; i < 100'000; ++i) raw += "--b\n\nx\n";
  raw += "--b--\n";
  absl::StatusOr<ParsedEmail> parsed = ParseEmail(raw);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->message.text, "The body comes first.");
}

TEST(ParseEmailTest, AttachmentsAndAttachedMessagesAreNotTheBody) {
  const ParsedEmail parsed = MustParse(
      "From: jane@example.com\n"
      "To: reply+att@gateway.test\n"
      "Subject: Re: hi\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"m\"\n"
      "\n"
      "--m\n"
      "Content-Type: text/plain; charset=utf-8; name=notes.txt\n"
      "Content-Disposition: attachment; filename=notes.txt\n"
      "\n"
      "attached notes\n"
      "--m\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "From: someone@else.test\n"
      "Subject: forwarded\n"
      "\n"
      "someone else's words\n"
      "--m\n"
      "Content-Type: text/html; charset=utf-8\n"
      "\n"
      "<div>What I wrote</div>\n"
      "--m--\n");
  EXPECT_EQ(parsed.message.text, "What I wrote");
}

TEST(ParseEmailTest, HtmlOnlyGmailReply) {
  const ParsedEmail parsed = MustParse(
      "From: jane@example.com\n"
      "To: reply+html@gateway.test\n"
      "Subject: Re: hi\n"
      "MIME-Version: 1.0\n"
      "Content-Type: text/html; charset=utf-8\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "<html><head><style>p{color:red}</style><title>x</title></head><body>\n"
      "<div dir=3D\"ltr\">Sounds good &amp; thanks&nbsp;&mdash; see <a href=3D\"https://exa=\n"
      "mple.org/a?b=3D1&amp;c=3D2\">the plan</a>.<div><br></div><div>Caf&eacute; at 10&#58;00=\n"
      "?</div></div><br>\n"
      "<div class=3D\"gmail_quote\"><div dir=3D\"ltr\" class=3D\"gmail_attr\">On Mon, Jan 1, =\n"
      "2024 at 9:00 AM Outreach &lt;<a href=3D\"mailto:reply+html@gateway.test\">reply+html@g=\n"
      "ateway.test</a>&gt; wrote:<br></div>\n"
      "<blockquote class=3D\"gmail_quote\" style=3D\"margin:0 0 0 .8ex\">Would you like to =\n"
      "<b>join</b>?<br><br>Thanks</blockquote></div></body></html>\n");
  EXPECT_EQ(parsed.message.text,
            "Sounds good & thanks — see the plan (https://example.org/a?b=1&c=2).\n\nCafé at "
            "10:00?");
}

TEST(ParseEmailTest, ArabicSubjectAndAttribution) {
  const ParsedEmail parsed = MustParse(
      "From: =?UTF-8?B?2LPYp9ix2Kk=?= <sara@example.ae>\n"
      "To: reply+ar1@gateway.test\n"
      "Subject: =?UTF-8?B?2LHYrzog2LnYsdi2INin2YTYsdio2YrYuQ==?=\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "نعم، أنا مهتمة.\n"
      "\n"
      "في الاثنين، 1 يناير 2024 في 9:00 ص، كتب Outreach <reply+ar1@gateway.test>:\n"
      "> هل تود الانضمام؟\n");
  EXPECT_EQ(parsed.message.subject, "رد: عرض الربيع");
  EXPECT_EQ(parsed.message.text, "نعم، أنا مهتمة.");
  EXPECT_EQ(parsed.message.from, "sara@example.ae");
}

// Subjects as mail clients fold them: long non-Latin text split over several encoded-words,
// where GMime 3.2.13 alone drops everything after a word ending in '=' padding.
struct SubjectCase {
  const char* name;
  const char* header;  // The Subject header's value as sent, folded with "\n ".
  const char* subject;
};

class EncodedSubjectTest : public ::testing::TestWithParam<SubjectCase> {};

TEST_P(EncodedSubjectTest, DecodesToTheWholeText) {
  const ParsedEmail parsed =
      MustParse(std::string("From: a@example.com\nTo: reply+s1@gateway.test\n") +
                "Subject: " + GetParam().header + "\n\nOK\n");
  EXPECT_EQ(parsed.message.subject, GetParam().subject);
  EXPECT_EQ(parsed.message.text, "OK");
}

INSTANTIATE_TEST_SUITE_P(
    Clients, EncodedSubjectTest,
    ::testing::Values(
        SubjectCase{"ArabicBase64WithInnerPadding",
                    "=?UTF-8?B?2LHYrzog2Kc=?=\n =?UTF-8?B?2LPYqtio2YrYp9mGINin?=\n"
                    " =?UTF-8?B?2YTYrNin2YTZitipINit2YjZhCDYpw==?=\n"
                    " =?UTF-8?B?2YTYrtiv2YXYp9iqINin2YTZgtmG2LXZhNmK2Kk=?=",
                    "رد: استبيان الجالية حول الخدمات القنصلية"},
        SubjectCase{"CyrillicBase64WithInnerPadding",
                    "=?UTF-8?B?UmU6INCe0YLQsg==?=\n\t=?UTF-8?B?0LXRgiDQvdCwINC+0L/RgNC+0YEg?=\n"
                    "\t=?UTF-8?B?0L4g0LrQvtC90YHRg9C70YzRgdC60LjRhSDRg9GB0LvRg9Cz0LDRhQ==?=",
                    "Re: Ответ на опрос о консульских услугах"},
        SubjectCase{"GeorgianBase64WithInnerPadding",
                    "=?UTF-8?B?4YOe4YOQ4YOh4YOj?= =?UTF-8?B?4YOu4YOYOiDhg5Lhg5Dhg5s=?=\n"
                    " =?UTF-8?B?4YOd4YOZ4YOY4YOX4YOu4YOV4YOQ?=",
                    "პასუხი: გამოკითხვა"},
        // A character split over two words (against RFC 2047, but mailers do it).
        SubjectCase{"CharacterSplitAcrossWords",
                    "=?UTF-8?B?0J/R?= =?UTF-8?B?gNC40LLQtdGC?=", "Привет"},
        SubjectCase{"QuotedPrintableWords",
                    "=?UTF-8?Q?R=C3=A9ponse_=C3=A0?=\n =?UTF-8?Q?_votre_question,_caf=C3?="
                    "=?utf-8?q?=A9?=",
                    "Réponse à votre question, café"},
        // Whitespace next to plain text is the text's own; only that between words goes.
        SubjectCase{
            "PlainAndEncodedMixed",
            "Re: [Survey] =?UTF-8?B?0J7RgtCy0LXRgg==?=\n =?UTF-8?B?INC90LAg0L7Qv9GA0L7RgQ==?= "
            "(2) =?UTF-8?Q?=E2=9C=93?=",
            "Re: [Survey] Ответ на опрос (2) ✓"},
        SubjectCase{"Windows1256WithInnerPadding",
                    "=?windows-1256?B?0c86IA==?=\n =?windows-1256?B?x9PKyO3H5A==?=\n"
                    " =?windows-1256?B?IMfhzMfh7ck=?=",
                    "رد: استبيان الجالية"},
        SubjectCase{"Koi8rWithInnerPadding",
                    "=?koi8-r?B?79TXxQ==?= =?koi8-r?B?1Dogy8/O09XM?= =?koi8-r?B?2NPLycUg1dPM1cfJ?=",
                    "Ответ: консульские услуги"},
        SubjectCase{
            "AdjacentWordsInDifferentCharsets",
            "=?koi8-r?B?79TXxdQ=?= =?windows-1256?B?INHPOiA=?= =?utf-8?q?ok?=", "Ответ رد: ok"},
        SubjectCase{"UnknownCharsetIsGuessed", "=?x-unknown?Q?caf=E9?=", "café"},
        SubjectCase{"MalformedWordsStayAsText", "=?utf-8?X?abc?= and =?utf-8?q?open end",
                    "=?utf-8?X?abc?= and =?utf-8?q?open end"}),
    [](const ::testing::TestParamInfo<SubjectCase>& param) { return param.param.name; });

TEST(ParseEmailTest, OutlookHtmlReply) {
  const ParsedEmail parsed = MustParse(
      "From: Bob <bob@contoso.com>\n"
      "To: \"Outreach\" <reply+ol9@gateway.test>\n"
      "Subject: RE: Spring offer\n"
      "Content-Type: text/html; charset=windows-1252\n"
      "\n"
      "<html><body><div class=WordSection1><p class=MsoNormal>I\x92ll call you tomorrow.<o:p>"
      "</o:p></p></div><div id=divRplyFwdMsg><hr style='display:inline-block'>"
      "<font><b>From:</b> Outreach &lt;reply+ol9@gateway.test&gt;<br><b>Sent:</b> Monday, "
      "January 1, 2024 9:00 AM<br><b>To:</b> Bob<br><b>Subject:</b> Spring offer</font>"
      "</div><div><p>Would you like to join?</p></div></body></html>\n");
  EXPECT_EQ(parsed.message.text, "I’ll call you tomorrow.");
}

TEST(ParseEmailTest, FormatFlowedIsJoined) {
  const ParsedEmail parsed = MustParse(
      "From: tb@example.org\n"
      "To: reply+ff@gateway.test\n"
      "Subject: Re: hi\n"
      "Content-Type: text/plain; charset=utf-8; format=flowed\n"
      "\n"
      "This is one long paragraph that \n"
      "Thunderbird wrapped.\n"
      " From the start it was fine.\n"
      "\n"
      "On 01/01/2024 09:00, Outreach wrote:\n"
      "> Would you like \n"
      "> to join?\n");
  EXPECT_EQ(parsed.message.text,
            "This is one long paragraph that Thunderbird wrapped.\nFrom the start it was fine.");
}

TEST(ParseEmailTest, ReplyTokenFromDeliveredToAndThreading) {
  const ParsedEmail parsed = MustParse(
      "From: jane@example.com\n"
      "To: Outreach News <news@gateway.test>\n"
      "Delivered-To: reply+dt55@gateway.test\n"
      "Subject: Re: hi\n"
      "In-Reply-To: <a1@gateway.test> (Outreach's message of Monday)\n"
      "References: <a0@gateway.test> <a1@gateway.test>\n"
      "\n"
      "Hello\n");
  EXPECT_EQ(parsed.message.to, "reply+dt55@gateway.test");
  EXPECT_EQ(parsed.message.reply_token, "dt55");
  EXPECT_THAT(parsed.message.references, ElementsAre("a1@gateway.test", "a0@gateway.test"));
}

// Strongest first: In-Reply-To, then References from its last id (the parent) back.
TEST(ParseEmailTest, ReferencesComeParentFirst) {
  const ParsedEmail parsed = MustParse(
      "From: jane@example.com\n"
      "To: news@gateway.test\n"
      "Subject: Re: Re: hi\n"
      "References: <a0@gateway.test> <b1@example.com>\n"
      " <a2@gateway.test>\n"
      "\n"
      "Hello\n");
  EXPECT_THAT(parsed.message.references,
              ElementsAre("a2@gateway.test", "b1@example.com", "a0@gateway.test"));
  const ParsedEmail answered = MustParse(
      "From: jane@example.com\n"
      "To: news@gateway.test\n"
      "Subject: Re: hi\n"
      "In-Reply-To: <b1@example.com>\n"
      "References: <a0@gateway.test> <b1@example.com> <a2@gateway.test>\n"
      "\n"
      "Hello\n");
  EXPECT_THAT(answered.message.references,
              ElementsAre("b1@example.com", "a2@gateway.test", "a0@gateway.test"));
}

TEST(ParseEmailTest, SenderFallbackAndHashWithoutMessageId) {
  const std::string raw =
      "Sender: list-bounce@Lists.Example.ORG\n"
      "To: news@gateway.test\n"
      "Subject: no from\n"
      "\n"
      "Body\n";
  const ParsedEmail parsed = MustParse(raw);
  EXPECT_EQ(parsed.message.from, "list-bounce@lists.example.org");
  EXPECT_EQ(parsed.message.provider_message_id, Sha256Hex(raw));
  EXPECT_EQ(parsed.message.received_at_ms, 0);
}

// ---------------------------------------------------------------------------------------------
// Quoted history and signatures.

struct StripCase {
  const char* name;
  const char* text;
  const char* kept;
};

class StripQuotedHistoryTest : public ::testing::TestWithParam<StripCase> {};

TEST_P(StripQuotedHistoryTest, KeepsOnlyWhatThePersonWrote) {
  EXPECT_EQ(StripQuotedHistory(GetParam().text), GetParam().kept);
}

INSTANTIATE_TEST_SUITE_P(
    Clients, StripQuotedHistoryTest,
    ::testing::Values(
        StripCase{"OutlookPlain",
                  "Thanks, I'll call you tomorrow.\r\n\r\n________________________________\r\n"
                  "From: Outreach <reply+t@x.test>\r\nSent: Monday, January 1, 2024 9:00 AM\r\n"
                  "To: Jane Roe <jane@example.com>\r\nSubject: Spring offer\r\n\r\n"
                  "Would you like to join?\r\n",
                  "Thanks, I'll call you tomorrow."},
        StripCase{"OriginalMessage",
                  "Sure.\n\n-----Original Message-----\nFrom: Outreach\nWould you?\n", "Sure."},
        StripCase{"GermanOutlook",
                  "Gerne.\n\nVon: Outreach <reply+t@x.test>\nGesendet: Montag, 1. Januar 2024 "
                  "09:00\nAn: Max\nBetreff: Angebot\n\nMöchten Sie?\n",
                  "Gerne."},
        StripCase{"GermanAttribution",
                  "Ja, gerne.\n\nAm 01.01.2024 um 09:00 schrieb Outreach <reply+t@x.test>:\n"
                  "> Möchten Sie teilnehmen?\n",
                  "Ja, gerne."},
        StripCase{"SpanishAttribution",
                  "Sí, claro.\n\nEl lun, 1 ene 2024 a las 9:00, Outreach (<reply+t@x.test>) "
                  "escribió:\n> ¿Le interesa?\n",
                  "Sí, claro."},
        StripCase{"RussianAttribution",
                  "Да, интересно.\n\n1 января 2024 г., 9:00 пользователь Outreach "
                  "<reply+t@x.test> написал:\n> Вам интересно?\n",
                  "Да, интересно."},
        StripCase{"RussianFeminine",
                  "Да.\n\nПн, 1 янв. 2024 г. в 9:00, Мария <m@x.test> написал(а):\n> Вопрос\n",
                  "Да."},
        StripCase{"AttributionRightAfterText",
                  "Да, интересно.\n1 января 2024 г., 9:00 пользователь Outreach "
                  "<reply+t@x.test> написал:\n> Вам интересно?\n",
                  "Да, интересно."},
        StripCase{"UnmarkedGmailTopPost",
                  "Yes.\n\nOn Mon, 1 Jan 2024 at 09:00, Outreach <o@x.test> wrote:\n"
                  "Would you like to join?\n",
                  "Yes."},
        StripCase{"Interleaved",
                  "On Mon, Jan 1, 2024 at 9:00 AM Outreach <o@x.test> wrote:\n> Question one?\n"
                  "Answer one.\n\n> Question two?\nAnswer two.\n",
                  "Answer one.\n\nAnswer two."},
        StripCase{"Signature", "Best,\nJane\n-- \nJane Roe | ACME\n+1 555 0100\n", "Best,\nJane"},
        StripCase{"MobileSignature", "Yes please\n\nSent from my iPhone\n", "Yes please"},
        StripCase{"WroteWithoutDateOrAddressStays", "On reflection I wrote:\nthe plan is fine.\n",
                  "On reflection I wrote:\nthe plan is fine."},
        StripCase{"ForwardedMessage", "FYI\n\n---------- Forwarded message ---------\nFrom: x\n",
                  "FYI"}),
    [](const ::testing::TestParamInfo<StripCase>& param) { return param.param.name; });

TEST(HtmlToTextTest, EntitiesListsPreAndScripts) {
  EXPECT_EQ(HtmlToText("<script>alert(1)</script><p>It&#8217;s &#x1F600; &#150; ok&hellip;</p>"
                       "<ul><li>one</li><li>two</li></ul><pre>a  b\n  c</pre>"
                       "<p>1 &lt; 2 &amp;&amp; <a href=\"#top\">top</a> x < y</p>"),
            "It’s 😀 – ok…\n\n- one\n- two\na  b\n  c\n\n1 < 2 && top x < y");
}

TEST(HtmlToTextTest, BlockquotesBecomeQuotedLines) {
  EXPECT_EQ(HtmlToText("Reply<blockquote>Quoted<blockquote>Deeper</blockquote></blockquote>"),
            "Reply\n\n> Quoted\n\n> > Deeper");
}

// ---------------------------------------------------------------------------------------------
// Delivery status notifications.

constexpr char kBounce511[] = R"(From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: bounces@gateway.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn1@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BB"

--BB
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--BB
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Mon,  1 Jan 2024 09:00:00 +0000 (UTC)

Final-Recipient: rfc822; NoBody@Example.NET
Original-Recipient: rfc822;nobody@example.net
Action: failed
Status: 5.1.1
Remote-MTA: dns; mail.example.net
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address
    rejected: User unknown in local recipient table

--BB
Content-Type: text/rfc822-headers

From: news@gateway.test
To: nobody@example.net
Message-ID: <ogw.camp1.42@gateway.test>
Subject: Spring offer

--BB--
)";

TEST(ParseEmailTest, HardBounceMarksAddressInvalid) {
  const ParsedEmail parsed = MustParse(kBounce511);
  ASSERT_EQ(parsed.kind, ParsedEmail::Kind::kDeliveryReport);
  ASSERT_THAT(parsed.reports, SizeIs(1));
  const DeliveryReport& report = parsed.reports[0];
  EXPECT_EQ(report.state, DeliveryReport::State::kFailed);
  EXPECT_EQ(report.code, "5.1.1");
  EXPECT_TRUE(report.address_invalid);
  EXPECT_EQ(report.to, "NoBody@example.net");
  EXPECT_EQ(report.reason,
            "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local "
            "recipient table");
  EXPECT_EQ(report.provider_message_id, "ogw.camp1.42@gateway.test");
  EXPECT_TRUE(report.message_id.empty());
  EXPECT_TRUE(report.provider.empty());
  EXPECT_FALSE(report.opted_out);
}

TEST(ParseEmailTest, TransientAndMailboxFullFailuresKeepTheAddress) {
  const ParsedEmail parsed = MustParse(
      "From: MAILER-DAEMON@mx.example.net\n"
      "To: bounces@gateway.test\n"
      "Subject: Delivery Status Notification (Failure)\n"
      "Content-Type: multipart/report; report-type=\"delivery-status\"; boundary=\"r\"\n"
      "\n"
      "--r\n"
      "Content-Type: text/plain\n"
      "\n"
      "Gave up.\n"
      "--r\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; mx.example.net\n"
      "\n"
      "Final-Recipient: rfc822; slow@example.org\n"
      "Action: failed\n"
      "Status: 4.4.1\n"
      "Diagnostic-Code: X-Postfix; connect to mx.example.org: Connection timed out\n"
      "\n"
      "Final-Recipient: rfc822; full@example.org\n"
      "Action: failed\n"
      "Status: 5.2.2\n"
      "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n"
      "\n"
      "Final-Recipient: rfc822; later@example.org\n"
      "Action: delayed\n"
      "Status: 4.3.0\n"
      "\n"
      "Final-Recipient: rfc822; generic@example.org\n"
      "Action: failed\n"
      "Status: 5.0.0\n"
      "Diagnostic-Code: smtp; 550 5.1.2 Host unknown\n"
      "--r\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "From: news@gateway.test\n"
      "Message-ID: <ogw.camp1.43@gateway.test>\n"
      "Subject: Spring offer\n"
      "\n"
      "Hello\n"
      "--r--\n");
  ASSERT_EQ(parsed.kind, ParsedEmail::Kind::kDeliveryReport);
  ASSERT_THAT(parsed.reports, SizeIs(3));
  EXPECT_EQ(parsed.reports[0].to, "slow@example.org");
  EXPECT_EQ(parsed.reports[0].code, "4.4.1");
  EXPECT_EQ(parsed.reports[0].state, DeliveryReport::State::kFailed);
  EXPECT_FALSE(parsed.reports[0].address_invalid);
  EXPECT_EQ(parsed.reports[0].reason, "connect to mx.example.org: Connection timed out");
  EXPECT_EQ(parsed.reports[0].provider_message_id, "ogw.camp1.43@gateway.test");
  EXPECT_EQ(parsed.reports[1].code, "5.2.2");
  EXPECT_FALSE(parsed.reports[1].address_invalid);
  EXPECT_EQ(parsed.reports[2].code, "5.0.0");
  EXPECT_TRUE(parsed.reports[2].address_invalid);  // The SMTP reply says 5.1.2.
}

// ---------------------------------------------------------------------------------------------
// Auto-replies.

std::string WithHeaders(std::string_view extra, std::string_view subject = "Re: Spring offer") {
  return "From: jane@example.com\nTo: reply+t1@gateway.test\nSubject: " + std::string(subject) +
         "\n" + std::string(extra) + "\nI am away until Monday.\n";
}

TEST(ParseEmailTest, AutoRepliesAreFlagged) {
  EXPECT_FALSE(MustParse(WithHeaders("")).auto_reply);
  EXPECT_FALSE(MustParse(WithHeaders("Auto-Submitted: no\n")).auto_reply);
  EXPECT_TRUE(MustParse(WithHeaders("Auto-Submitted: auto-replied\n")).auto_reply);
  EXPECT_TRUE(MustParse(WithHeaders("Auto-Submitted: auto-generated (vacation)\n")).auto_reply);
  EXPECT_TRUE(MustParse(WithHeaders("X-Autoreply: yes\n")).auto_reply);
  EXPECT_TRUE(MustParse(WithHeaders("Precedence: bulk\n")).auto_reply);
  EXPECT_TRUE(MustParse(WithHeaders("Precedence: auto_reply\n")).auto_reply);
  EXPECT_TRUE(MustParse(WithHeaders("", "Automatic reply: Spring offer")).auto_reply);
  EXPECT_TRUE(MustParse(WithHeaders("", "Out of Office: Spring offer")).auto_reply);
  EXPECT_TRUE(
      MustParse(WithHeaders("", "=?UTF-8?Q?R=C3=A9ponse_automatique_:_Offre?=")).auto_reply);
  EXPECT_TRUE(MustParse(WithHeaders("", "=?UTF-8?B?0JDQstGC0L7QvtGC0LLQtdGC?=")).auto_reply);
  // "رد تلقائي: ..." with the marker after a padded word, which GMime alone would drop.
  EXPECT_TRUE(MustParse(WithHeaders("",
                                    "=?UTF-8?B?2LHYrw==?=\n =?UTF-8?B?INiq2YTZgtin2KbZijog2Kf"
                                    "Ys9iq2KjZitin2YYg2KfZhNis2KfZhNmK2Kk=?="))
                  .auto_reply);
  // Still a message: the reply token and text are there for the conversation log.
  const ParsedEmail parsed = MustParse(WithHeaders("Auto-Submitted: auto-replied\n"));
  EXPECT_EQ(parsed.kind, ParsedEmail::Kind::kMessage);
  EXPECT_EQ(parsed.message.reply_token, "t1");
  EXPECT_EQ(parsed.message.text, "I am away until Monday.");
}

// ---------------------------------------------------------------------------------------------
// Refused input.

TEST(ParseEmailTest, RefusesWhatIsNotAMessage) {
  for (const std::string& raw :
       {std::string(), std::string("garbage\x01\x02 nothing"), std::string("hello world\n\nbody\n"),
        std::string("Subject: no sender\n\nbody\n"), std::string(": empty name\n\nbody\n")}) {
    const absl::StatusOr<ParsedEmail> parsed = ParseEmail(raw);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << raw;
  }
  std::string huge = "From: a@b.test\nSubject: big\n\n";
  huge.resize(kMaxEmailBytes + 1, 'x');
  const absl::StatusOr<ParsedEmail> parsed = ParseEmail(huge);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("limit"));
  // A huge header section is refused before GMime spends minutes decoding it.
  std::string long_header = "From: a@b.test\r\nSubject: ";
  while (long_header.size() <= kMaxHeaderBytes) long_header += "=?utf-8?B?broken ";
  long_header += "\r\n\r\nbody\r\n";
  const absl::StatusOr<ParsedEmail> refused = ParseEmail(long_header);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("headers"));
}

// ---------------------------------------------------------------------------------------------
// ImapPoller configuration.

TEST(ImapPollerCreateTest, RefusesBadConfig) {
  ImapConfig config;
  config.name = "inbox";
  config.username = "u";
  config.password = "p";
  for (const char* url : {"http://127.0.0.1/INBOX", "imap://u:secret@127.0.0.1/INBOX", "imaps://",
                          "imap://127.0.0.1/Bo%C3%AEte", "not a url"}) {
    config.url = url;
    EXPECT_EQ(ImapPoller::Create(config).status().code(), absl::StatusCode::kInvalidArgument)
        << url;
  }
  config.url = "imaps://imap.example.org/INBOX";
  EXPECT_TRUE(ImapPoller::Create(config).ok());
  config.max_per_poll = 0;
  EXPECT_EQ(ImapPoller::Create(config).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ogw
