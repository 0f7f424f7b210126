// Building e-mail without a server: signed Message-IDs, the MIME message (parsed back with
// GMime), and SmtpProvider's config checks and reading of SMTP replies. Sending to a real SMTP
// server is smtp_provider_test.cc.

#include "adapters/email/mime_builder.h"

#include <gmime/gmime.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/email/email_message_id.h"
#include "adapters/email/smtp_provider.h"
#include "tests/adapters/email/smtp_test_util.h"

namespace ogw {
namespace {

using ::testing::AnyOf;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;
using Outcome = SendResult::Outcome;
using smtp_test::Dump;
using smtp_test::Invite;
using smtp_test::kCalendarType;
using smtp_test::kDomain;
using smtp_test::kFromAddress;
using smtp_test::kInviteIcs;
using smtp_test::kMessageIdKey;
using smtp_test::kPassword;
using smtp_test::Message;
using smtp_test::MimeNode;
using smtp_test::Parse;
using smtp_test::ParsedEmail;
using smtp_test::ParseTree;
using smtp_test::Shape;

// The header block as sent, before the first empty line.
std::string HeaderBlock(const std::string& data) { return data.substr(0, data.find("\r\n\r\n")); }

bool OnlyCrlfLineEnds(const std::string& data) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) return false;
    if (data[i] == '\r' && (i + 1 == data.size() || data[i + 1] != '\n')) return false;
  }
  return true;
}

MimeSender Sender() { return {kFromAddress, "Community News", kDomain, kMessageIdKey}; }

// ---------------------------------------------------------------------------------------------
// Message-IDs

TEST(EmailMessageIdTest, CarriesTheGatewayIdAndMapsBack) {
  const absl::StatusOr<std::string> id = NewEmailMessageId("cmp_01hx2k:17", kDomain, kMessageIdKey);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_THAT(*id,
              MatchesRegex("<cmp_01hx2k\\.17\\.[a-z2-7]{8}\\.[a-z2-7]{16}@mail\\.example\\.org>"));
  EXPECT_EQ(GatewayMessageIdFromEmailId(*id, kDomain, kMessageIdKey), "cmp_01hx2k:17");
  EXPECT_EQ(GatewayMessageIdFromEmailId(id->substr(1, id->size() - 2), kDomain, kMessageIdKey),
            "cmp_01hx2k:17");
  EXPECT_EQ(GatewayMessageIdFromEmailId("  " + *id + "\r\n", "MAIL.Example.ORG", kMessageIdKey),
            "cmp_01hx2k:17");
  // Fresh random part per send.
  EXPECT_NE(*NewEmailMessageId("cmp_01hx2k:17", kDomain, kMessageIdKey), *id);

  const absl::StatusOr<std::string> direct = NewEmailMessageId("msg_7f3a", kDomain, kMessageIdKey);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(GatewayMessageIdFromEmailId(*direct, kDomain, kMessageIdKey), "msg_7f3a");
}

TEST(EmailMessageIdTest, OtherMessageIdsDoNotMapBack) {
  const std::string ours = *NewEmailMessageId("cmp_1:2", kDomain, kMessageIdKey);
  EXPECT_EQ(GatewayMessageIdFromEmailId(ours, "other.example.org", kMessageIdKey), std::nullopt);
  EXPECT_EQ(GatewayMessageIdFromEmailId("<CAFe8x=abc@mail.gmail.com>", kDomain, kMessageIdKey),
            std::nullopt);
  EXPECT_EQ(GatewayMessageIdFromEmailId("<short.abc@mail.example.org>", kDomain, kMessageIdKey),
            std::nullopt);
  EXPECT_EQ(GatewayMessageIdFromEmailId("<cmp_1.2.ABCDEFGHIJKLMNOP@mail.example.org>", kDomain,
                                        kMessageIdKey),
            std::nullopt);
  EXPECT_EQ(
      GatewayMessageIdFromEmailId("<.abcdefghijklmnop@mail.example.org>", kDomain, kMessageIdKey),
      std::nullopt);
  EXPECT_EQ(GatewayMessageIdFromEmailId("", kDomain, kMessageIdKey), std::nullopt);
}

// Anyone can write a Message-ID in our format into a DSN or an In-Reply-To: only the signature
// makes it ours.
TEST(EmailMessageIdTest, ForgedAlteredOrForeignIdsDoNotVerify) {
  const std::string ours = *NewEmailMessageId("cmp_1:2", kDomain, kMessageIdKey);
  ASSERT_EQ(GatewayMessageIdFromEmailId(ours, kDomain, kMessageIdKey), "cmp_1:2");
  // Shape: "<cmp_1.2." nonce(8) "." mac(16) "@mail.example.org>".
  const size_t at = ours.find('@');
  const size_t mac = at - 16;
  const size_t nonce = mac - 1 - 8;

  // A forged MAC, one character changed anywhere in it.
  for (size_t i = mac; i < at; ++i) {
    std::string forged = ours;
    forged[i] = forged[i] == 'a' ? 'b' : 'a';
    EXPECT_EQ(GatewayMessageIdFromEmailId(forged, kDomain, kMessageIdKey), std::nullopt) << forged;
  }
  // The same MAC on another message, or with another nonce.
  std::string other_message = ours;
  other_message.replace(1, 7, "cmp_1.3");
  EXPECT_EQ(GatewayMessageIdFromEmailId(other_message, kDomain, kMessageIdKey), std::nullopt);
  std::string other_nonce = ours;
  other_nonce[nonce] = other_nonce[nonce] == 'a' ? 'b' : 'a';
  EXPECT_EQ(GatewayMessageIdFromEmailId(other_nonce, kDomain, kMessageIdKey), std::nullopt);
  // The format with a made-up signature, as a forged bounce would carry it.
  EXPECT_EQ(GatewayMessageIdFromEmailId("<cmp_1.2.abcdefgh.abcdefghijklmnop@mail.example.org>",
                                        kDomain, kMessageIdKey),
            std::nullopt);

  // Signed with another key: another gateway's, or the key rotated.
  EXPECT_EQ(GatewayMessageIdFromEmailId(ours, kDomain, "another-message-id-key-0123456789abcdef"),
            std::nullopt);
  // Moved to another domain (the domain is signed too).
  std::string moved = ours.substr(0, at + 1) + "mail.example.net>";
  EXPECT_EQ(GatewayMessageIdFromEmailId(moved, "mail.example.net", kMessageIdKey), std::nullopt);
  // Cut short: a character less of the MAC, no MAC, no nonce either.
  EXPECT_EQ(
      GatewayMessageIdFromEmailId(ours.substr(0, at - 1) + ours.substr(at), kDomain, kMessageIdKey),
      std::nullopt);
  EXPECT_EQ(GatewayMessageIdFromEmailId(ours.substr(0, mac - 1) + ours.substr(at), kDomain,
                                        kMessageIdKey),
            std::nullopt);
  EXPECT_EQ(GatewayMessageIdFromEmailId(ours.substr(0, nonce - 1) + ours.substr(at), kDomain,
                                        kMessageIdKey),
            std::nullopt);
  // The old, unsigned format.
  EXPECT_EQ(GatewayMessageIdFromEmailId("<cmp_1.2.abcdefghijklmnop@mail.example.org>", kDomain,
                                        kMessageIdKey),
            std::nullopt);

  // A key too short to sign with is refused both ways.
  EXPECT_EQ(GatewayMessageIdFromEmailId(ours, kDomain, ""), std::nullopt);
  EXPECT_EQ(NewEmailMessageId("cmp_1:2", kDomain, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NewEmailMessageId("cmp_1:2", kDomain, std::string(31, 'k')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(NewEmailMessageId("cmp_1:2", kDomain, std::string(32, 'k')).ok());
}

TEST(EmailMessageIdTest, RefusesIdsThatCannotFormOne) {
  for (const char* id : {"", "a.b", "a::b", ":a", "a:", "a b", "a@b", "a>b", "a\r\nb"}) {
    EXPECT_EQ(NewEmailMessageId(id, kDomain, kMessageIdKey).status().code(),
              absl::StatusCode::kInvalidArgument)
        << id;
  }
  EXPECT_FALSE(NewEmailMessageId("cmp_1:2", "", kMessageIdKey).ok());
  EXPECT_FALSE(NewEmailMessageId("cmp_1:2", "bad domain", kMessageIdKey).ok());
}

// ---------------------------------------------------------------------------------------------
// MIME builder

TEST(MimeBuilderTest, TextAndHtmlMakeMultipartAlternative) {
  const absl::StatusOr<BuiltEmail> built = BuildEmail(Message("cmp_1:0"), Sender());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->from_address, kFromAddress);
  EXPECT_THAT(built->message_id,
              MatchesRegex("cmp_1\\.0\\.[a-z2-7]{8}\\.[a-z2-7]{16}@mail\\.example\\.org"));
  EXPECT_TRUE(OnlyCrlfLineEnds(built->data));
  EXPECT_THAT(HeaderBlock(built->data), HasSubstr("\r\nMIME-Version: 1.0\r\n"));

  const ParsedEmail parsed =
      Parse(built->data, {"X-Outreach-Message-Id", "Reply-To", "List-Unsubscribe",
                          "List-Unsubscribe-Post", "Auto-Submitted"});
  ASSERT_TRUE(parsed.ok);
  EXPECT_EQ(parsed.from_name, "Community News");
  EXPECT_EQ(parsed.from_address, kFromAddress);
  EXPECT_THAT(parsed.to, ElementsAre("ana@example.com"));
  EXPECT_EQ(parsed.subject, "Meeting on Friday");
  EXPECT_EQ(parsed.message_id, built->message_id);
  EXPECT_TRUE(parsed.has_date);
  // Neither reply_to nor unsubscribe links given: no such headers; never Auto-Submitted.
  EXPECT_EQ(parsed.headers,
            (std::map<std::string, std::string>{{"X-Outreach-Message-Id", "cmp_1:0"}}));
  EXPECT_EQ(parsed.content_type, "multipart/alternative");
  ASSERT_EQ(parsed.parts.size(), 2u);
  EXPECT_EQ(parsed.parts[0].first, "text/plain; charset=utf-8");
  EXPECT_EQ(parsed.parts[0].second,
            "Hello Ana,\r\nthe meeting is on Friday at the community hall.\r\n");
  EXPECT_EQ(parsed.parts[1].first, "text/html; charset=utf-8");
  EXPECT_EQ(parsed.parts[1].second,
            "<p>Hello Ana,</p>\r\n<p>the meeting is on <b>Friday</b> at the community hall."
            "</p>\r\n");
}

TEST(MimeBuilderTest, TextOnlyWithoutHtml) {
  OutboundMessage m = Message("msg_9");
  m.html.clear();
  m.text = "Line one\r\n.starts with a dot\rold Mac line end\nlast";
  const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_TRUE(OnlyCrlfLineEnds(built->data));
  const ParsedEmail parsed = Parse(built->data);
  EXPECT_EQ(parsed.content_type, "text/plain");
  ASSERT_EQ(parsed.parts.size(), 1u);
  EXPECT_EQ(parsed.parts[0].first, "text/plain; charset=utf-8");
  // GMime ends the body with a line break; SMTP needs one before the final dot anyway.
  EXPECT_EQ(parsed.parts[0].second,
            "Line one\r\n.starts with a dot\r\nold Mac line end\r\nlast\r\n");
}

TEST(MimeBuilderTest, ArabicAndCyrillicRoundTripThroughEncodedWords) {
  OutboundMessage m = Message("cmp_2:5");
  m.subject = "دعوة إلى اجتماع الجمعية يوم الجمعة — Приглашение на собрание в пятницу";
  m.text = "Здравствуйте! Собрание в пятницу.\nمرحبا! الاجتماع يوم الجمعة.\n";
  m.html = "<p dir=\"rtl\">مرحبا! الاجتماع يوم <b>الجمعة</b>.</p>";
  MimeSender sender = Sender();
  sender.name = "Общество «Друзья» — جمعية الأصدقاء";
  const absl::StatusOr<BuiltEmail> built = BuildEmail(m, sender);
  ASSERT_TRUE(built.ok()) << built.status();

  // On the wire the headers are 7-bit: encoded-words in UTF-8, no legacy charsets.
  const std::string headers = HeaderBlock(built->data);
  EXPECT_TRUE(std::all_of(headers.begin(), headers.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
  EXPECT_THAT(headers, HasSubstr("=?UTF-8?"));
  EXPECT_THAT(headers, Not(HasSubstr("windows-1251")));
  EXPECT_THAT(headers, Not(HasSubstr("iso-8859")));
  // So are the bodies (quoted-printable or base64).
  EXPECT_TRUE(std::all_of(built->data.begin(), built->data.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x80; }));

  const ParsedEmail parsed = Parse(built->data);
  EXPECT_EQ(parsed.subject, m.subject);
  EXPECT_EQ(parsed.from_name, sender.name);
  EXPECT_EQ(parsed.from_address, kFromAddress);
  ASSERT_EQ(parsed.parts.size(), 2u);
  EXPECT_EQ(parsed.parts[0].first, "text/plain; charset=utf-8");
  EXPECT_EQ(parsed.parts[0].second,
            "Здравствуйте! Собрание в пятницу.\r\nمرحبا! الاجتماع يوم الجمعة.\r\n");
  EXPECT_EQ(parsed.parts[1].first, "text/html; charset=utf-8");
  EXPECT_EQ(parsed.parts[1].second, m.html);
}

TEST(MimeBuilderTest, LongUnsubscribeUrlIsWrittenAsItIsNotEncoded) {
  // GMime would write a header longer than a line as RFC 2047 encoded-words, which no mail
  // client reads as a URI.
  OutboundMessage m = Message("cmp_3:2");
  m.unsubscribe_url =
      "https://gw.example.org/u/org_01hf7yat00pzs3326y5nv0tnb4.c_01hf7yat00cw9jn1jeyjtgeehb."
      "email.oobfr72s3oys5n53";
  m.unsubscribe_mailto = "unsubscribe@mail.example.org";
  const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_NE(built->data.find("List-Unsubscribe: <" + m.unsubscribe_url +
                             ">,\r\n <mailto:unsubscribe@mail.example.org>\r\n"),
            std::string::npos)
      << built->data;
  EXPECT_EQ(built->data.find("=?us-ascii?"), std::string::npos) << built->data;
}

TEST(MimeBuilderTest, ReplyToAndOneClickUnsubscribe) {
  OutboundMessage m = Message("cmp_3:1");
  m.reply_to = "reply+k7d2q9@mail.example.org";
  m.unsubscribe_url = "https://gw.example.org/u/c_5f2a?sig=Zm9vYmFy";
  m.unsubscribe_mailto = "mailto:unsubscribe@mail.example.org?subject=unsubscribe%20c_5f2a";
  const std::vector<std::string> names = {"Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post"};
  const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(Parse(built->data, names).headers,
            (std::map<std::string, std::string>{
                {"Reply-To", "reply+k7d2q9@mail.example.org"},
                {"List-Unsubscribe",
                 "<https://gw.example.org/u/c_5f2a?sig=Zm9vYmFy>, "
                 "<mailto:unsubscribe@mail.example.org?subject=unsubscribe%20c_5f2a>"},
                {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}}));

  // A bare address becomes a mailto URI; without the URL there is no one-click POST.
  m.unsubscribe_url.clear();
  m.unsubscribe_mailto = "unsubscribe@mail.example.org";
  const absl::StatusOr<BuiltEmail> mailto_only = BuildEmail(m, Sender());
  ASSERT_TRUE(mailto_only.ok()) << mailto_only.status();
  const ParsedEmail parsed = Parse(mailto_only->data, names);
  EXPECT_EQ(parsed.headers.at("List-Unsubscribe"), "<mailto:unsubscribe@mail.example.org>");
  EXPECT_EQ(parsed.headers.count("List-Unsubscribe-Post"), 0u);
}

TEST(MimeBuilderTest, MessageSenderAddressOverridesTheDefault) {
  OutboundMessage m = Message("msg_4");
  m.from = "officer@example.org";
  const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->from_address, "officer@example.org");
  EXPECT_EQ(Parse(built->data).from_address, "officer@example.org");
}

TEST(MimeBuilderTest, HeaderInjectionIsRefusedNamingTheField) {
  const std::string injected = "x\r\nBcc: victim@example.net";
  struct Case {
    const char* field;
    void (*apply)(OutboundMessage&, MimeSender&, const std::string&);
  };
  const Case cases[] = {
      {"subject", [](OutboundMessage& m, MimeSender&, const std::string& v) { m.subject = v; }},
      {"to", [](OutboundMessage& m, MimeSender&, const std::string& v) { m.to = "a@b.org" + v; }},
      {"from",
       [](OutboundMessage& m, MimeSender&, const std::string& v) { m.from = "a@b.org" + v; }},
      {"reply_to",
       [](OutboundMessage& m, MimeSender&, const std::string& v) { m.reply_to = "a@b.org" + v; }},
      {"unsubscribe_url",
       [](OutboundMessage& m, MimeSender&, const std::string& v) {
         m.unsubscribe_url = "https://gw.example.org/u" + v;
       }},
      {"unsubscribe_mailto",
       [](OutboundMessage& m, MimeSender&, const std::string& v) {
         m.unsubscribe_mailto = "mailto:u@b.org" + v;
       }},
      {"message_id",
       [](OutboundMessage& m, MimeSender&, const std::string& v) { m.message_id = v; }},
      {"from_name", [](OutboundMessage&, MimeSender& s, const std::string& v) { s.name = v; }},
  };
  for (const Case& c : cases) {
    for (const std::string& value :
         {injected, std::string("x\nBcc: v@example.net"), std::string("x\rBcc: v@example.net"),
          std::string("x\0y", 3)}) {
      OutboundMessage m = Message("cmp_5:0");
      MimeSender sender = Sender();
      c.apply(m, sender, value);
      const absl::StatusOr<BuiltEmail> built = BuildEmail(m, sender);
      ASSERT_FALSE(built.ok()) << c.field;
      EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(MessageOf(built.status())), StartsWith(std::string(c.field) + ":"));
    }
  }
}

TEST(MimeBuilderTest, AddressesAndUrisMustBePlain) {
  auto refused = [](void (*apply)(OutboundMessage&)) {
    OutboundMessage m = Message("cmp_6:0");
    apply(m);
    return BuildEmail(m, Sender()).status();
  };
  EXPECT_THAT(std::string(MessageOf(
                  refused([](OutboundMessage& m) { m.to = "ana@example.com, eve@example.net"; }))),
              StartsWith("to:"));
  EXPECT_THAT(std::string(MessageOf(refused([](OutboundMessage& m) { m.to = "Ana <a@b.org>"; }))),
              StartsWith("to:"));
  EXPECT_THAT(std::string(MessageOf(refused([](OutboundMessage& m) { m.to = "no-at-sign"; }))),
              StartsWith("to:"));
  EXPECT_THAT(std::string(MessageOf(
                  refused([](OutboundMessage& m) { m.unsubscribe_url = "javascript:alert(1)"; }))),
              StartsWith("unsubscribe_url:"));
  EXPECT_THAT(std::string(MessageOf(refused([](OutboundMessage& m) {
                m.unsubscribe_url = "https://gw.example.org/u>, <https://evil.example";
              }))),
              StartsWith("unsubscribe_url:"));
  EXPECT_TRUE(IsPlainEmailAddress("first.last+tag@sub.example.co.uk"));
  EXPECT_FALSE(IsPlainEmailAddress("a@b@c"));
  EXPECT_FALSE(IsPlainEmailAddress("\"quoted\"@example.org"));
}

// ---------------------------------------------------------------------------------------------
// Attachments

bool AllSevenBit(const std::string& data) {
  return std::all_of(data.begin(), data.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80 && c != '\0'; });
}

Attachment File(const std::string& filename, const std::string& content_type,
                const std::string& data) {
  Attachment file;
  file.filename = filename;
  file.content_type = content_type;
  file.data = data;
  return file;
}

// The first field a refusal names ("attachments[0].filename"), or "ok".
std::string RefusedField(const std::vector<Attachment>& attachments) {
  OutboundMessage m = Message("cmp_20:0");
  m.attachments = attachments;
  const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
  const absl::Status checked = CheckAttachments(attachments);
  EXPECT_EQ(built.status(), checked);
  if (built.ok()) return "ok";
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(MessageOf(built.status()));
  return message.substr(0, message.find(':'));
}

TEST(MimeBuilderTest, MessagesWithoutAttachmentsKeepTheirStructure) {
  const absl::StatusOr<BuiltEmail> both = BuildEmail(Message("cmp_21:0"), Sender());
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(Shape(ParseTree(both->data)), "multipart/alternative[text/plain,text/html]");
  OutboundMessage text_only = Message("cmp_21:1");
  text_only.html.clear();
  const absl::StatusOr<BuiltEmail> text = BuildEmail(text_only, Sender());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(Shape(ParseTree(text->data)), "text/plain");
  for (const std::string& data : {both->data, text->data}) {
    EXPECT_THAT(data, Not(HasSubstr("Content-Disposition")));
    EXPECT_THAT(data, Not(HasSubstr("multipart/mixed")));
  }
}

// How Gmail and Outlook show "Add to calendar": the calendar as the last alternative of the
// body, and the file attached for everyone else.
TEST(MimeBuilderTest, CalendarInvitationIsAnAlternativeAndAnAttachment) {
  OutboundMessage m = Message("cmp_22:0");
  m.attachments.push_back(Invite());
  const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_TRUE(OnlyCrlfLineEnds(built->data));
  EXPECT_TRUE(AllSevenBit(built->data));

  const MimeNode tree = ParseTree(built->data);
  ASSERT_EQ(Shape(tree),
            "multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],"
            "text/calendar]");
  const MimeNode& alternative = tree.children[0];
  EXPECT_EQ(alternative.children[0].bytes,
            "Hello Ana,\r\nthe meeting is on Friday at the community hall.\r\n");
  EXPECT_EQ(alternative.children[1].bytes,
            "<p>Hello Ana,</p>\r\n<p>the meeting is on <b>Friday</b> at the community hall."
            "</p>\r\n");
  for (const MimeNode* calendar : {&alternative.children[2], &tree.children[1]}) {
    EXPECT_EQ(calendar->params.at("charset"), "UTF-8");
    EXPECT_EQ(calendar->params.at("method"), "PUBLISH");
    EXPECT_EQ(calendar->bytes, kInviteIcs);
    // UTF-8 text: GMime picks quoted-printable or base64 for 7-bit transport.
    EXPECT_THAT(calendar->encoding, AnyOf(Eq("quoted-printable"), Eq("base64")));
  }
  // The alternative is the body itself, not a file.
  EXPECT_EQ(alternative.children[2].disposition, "");
  EXPECT_EQ(alternative.children[2].filename, "");
  EXPECT_EQ(alternative.children[2].params.count("name"), 0u);
  EXPECT_EQ(tree.children[1].disposition, "attachment");
  EXPECT_EQ(tree.children[1].filename, "invite.ics");
  EXPECT_THAT(built->data, HasSubstr("Content-Disposition: attachment; filename=invite.ics\r\n"));

  // The headers and the rest of the message are as without the attachment.
  const ParsedEmail parsed = Parse(built->data, {"X-Outreach-Message-Id"});
  EXPECT_EQ(parsed.subject, "Meeting on Friday");
  EXPECT_EQ(parsed.headers.at("X-Outreach-Message-Id"), "cmp_22:0");
  EXPECT_EQ(parsed.content_type, "multipart/mixed");
}

TEST(MimeBuilderTest, CalendarWithTextOnlyGetsAnAlternativeOfItsOwn) {
  OutboundMessage m = Message("cmp_22:1");
  m.html.clear();
  m.attachments.push_back(Invite());
  const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
  ASSERT_TRUE(built.ok()) << built.status();
  const MimeNode tree = ParseTree(built->data);
  ASSERT_EQ(Shape(tree),
            "multipart/mixed[multipart/alternative[text/plain,text/calendar],text/calendar]");
  EXPECT_EQ(tree.children[0].children[1].bytes, kInviteIcs);
  EXPECT_EQ(tree.children[1].bytes, kInviteIcs);
}

TEST(MimeBuilderTest, OtherFilesAreOnlyAttached) {
  std::string binary;
  for (int i = 0; i < 3 * 256; ++i) binary.push_back(static_cast<char>(i % 256));
  // Bare LF and CR: a text encoding would turn them into CRLF; the file must arrive as it was.
  const std::string loose_lines = "first\nsecond\rthird\r\n";
  OutboundMessage m = Message("cmp_23:0");
  m.attachments = {
      File("Programme.pdf", "application/pdf", binary),
      // No method: a plain calendar file, not an invitation to show inline.
      File("season.ics", "text/calendar; charset=UTF-8", kInviteIcs),
      File("notes.txt", "text/plain; charset=us-ascii", loose_lines),
      File("empty.txt", "text/plain", ""),
  };
  const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_TRUE(OnlyCrlfLineEnds(built->data));
  EXPECT_TRUE(AllSevenBit(built->data));
  const MimeNode tree = ParseTree(built->data);
  ASSERT_EQ(Shape(tree),
            "multipart/mixed[multipart/alternative[text/plain,text/html],application/pdf,"
            "text/calendar,text/plain,text/plain]");
  for (size_t i = 0; i < m.attachments.size(); ++i) {
    SCOPED_TRACE(m.attachments[i].filename);
    const MimeNode& part = tree.children[i + 1];
    EXPECT_EQ(part.disposition, "attachment");
    EXPECT_EQ(part.filename, m.attachments[i].filename);
    EXPECT_EQ(part.bytes, m.attachments[i].data);
  }
  EXPECT_EQ(tree.children[1].encoding, "base64");
  EXPECT_EQ(tree.children[3].encoding, "base64");
  EXPECT_EQ(tree.children[3].params.at("charset"), "us-ascii");
}

// Whatever encoding GMime picks for a file, it decodes to the bytes given.
TEST(MimeBuilderTest, EveryEncodingKeepsTheBytes) {
  const std::string ascii = "BEGIN:VCALENDAR\r\nSUMMARY:Annual meeting\r\nEND:VCALENDAR\r\n";
  const std::string french =
      "BEGIN:VCALENDAR\r\nSUMMARY;LANGUAGE=fr:R\xc3\xa9union annuelle \xc3\xa0 la salle des "
      "f\xc3\xaates\r\nDESCRIPTION:Une ligne qui finit par une espace \r\nEND:VCALENDAR\r\n";
  const std::string long_line = "X-LONG:" + std::string(1200, 'a') + "\r\n";
  const std::string unterminated = "BEGIN:VCALENDAR\r\nEND:VCALENDAR";
  const std::string from_line = "From the chair\r\n.\r\n..\r\n";
  struct Case {
    std::string data;
    std::vector<std::string> encodings;  // What GMime may pick; the bytes must survive any.
  };
  const std::vector<Case> cases = {
      {ascii, {"7bit", ""}},
      {french, {"quoted-printable"}},
      {kInviteIcs, {"base64", "quoted-printable"}},
      {long_line, {"quoted-printable", "base64"}},
      {unterminated, {"7bit", ""}},
      {from_line, {"7bit", "", "quoted-printable"}},
      {std::string("nul\0inside\r\n", 13), {"base64", "quoted-printable"}},
      {std::string("\xff\xfe\x00\x01\x80\x90", 6), {"base64"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.data.substr(0, 40));
    OutboundMessage m = Message("cmp_25:0");
    m.attachments.push_back(File("invite.ics", kCalendarType, c.data));
    const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
    ASSERT_TRUE(built.ok()) << built.status();
    EXPECT_TRUE(AllSevenBit(built->data));
    EXPECT_TRUE(OnlyCrlfLineEnds(built->data));
    const MimeNode tree = ParseTree(built->data);
    ASSERT_EQ(tree.children.size(), 2u);
    ASSERT_EQ(tree.children[0].children.size(), 3u);
    for (const MimeNode* part : {&tree.children[0].children[2], &tree.children[1]}) {
      EXPECT_EQ(part->bytes, c.data);
      EXPECT_THAT(c.encodings, ::testing::Contains(part->encoding));
    }
  }
}

TEST(MimeBuilderTest, NonAsciiFilenamesAreEncodedAsUtf8Parameters) {
  for (const std::string& filename :
       {std::string("Приглашение — دعوة.ics"), std::string("Réunion d'été.ics"),
        std::string(100, 'a'), std::string("Ж").append(99, 'x')}) {
    SCOPED_TRACE(filename);
    OutboundMessage m = Message("cmp_24:0");
    Attachment invite = Invite();
    invite.filename = filename;
    m.attachments.push_back(invite);
    const absl::StatusOr<BuiltEmail> built = BuildEmail(m, Sender());
    ASSERT_TRUE(built.ok()) << built.status();
    EXPECT_TRUE(AllSevenBit(built->data));
    EXPECT_TRUE(OnlyCrlfLineEnds(built->data));
    const MimeNode tree = ParseTree(built->data);
    ASSERT_EQ(tree.children.size(), 2u);
    EXPECT_EQ(tree.children[1].filename, filename);
    EXPECT_EQ(tree.children[1].bytes, kInviteIcs);
    if (filename.front() != 'a') {
      // RFC 2231 in UTF-8 (a long one continued: filename*0*=, filename*1*=, ...); GMime
      // would pick iso-8859-1 for the French name.
      EXPECT_THAT(built->data, ContainsRegex("\tfilename\\*(0\\*)?=UTF-8''"));
      EXPECT_THAT(built->data, ContainsRegex("\tname\\*(0\\*)?=UTF-8''"));
      EXPECT_THAT(built->data, Not(HasSubstr("iso-8859")));
    }
  }
}

TEST(MimeBuilderTest, AttachmentsOutsideTheLimitsAreRefusedNamingTheField) {
  const Attachment invite = Invite();
  EXPECT_EQ(RefusedField({}), "ok");
  EXPECT_EQ(RefusedField(std::vector<Attachment>(kMaxEmailAttachments, invite)), "ok");
  EXPECT_EQ(RefusedField(std::vector<Attachment>(kMaxEmailAttachments + 1, invite)), "attachments");

  Attachment big =
      File("big.bin", "application/octet-stream", std::string(kMaxAttachmentBytes, 'x'));
  EXPECT_EQ(RefusedField({big}), "ok");
  big.data.push_back('x');
  EXPECT_EQ(RefusedField({invite, big}), "attachments[1].data");

  auto filename = [&](const std::string& name) {
    Attachment a = invite;
    a.filename = name;
    return RefusedField({a});
  };
  EXPECT_EQ(filename(std::string(kMaxAttachmentFilenameChars, 'a')), "ok");
  EXPECT_EQ(filename(std::string(kMaxAttachmentFilenameChars + 1, 'a')), "attachments[0].filename");
  std::string cyrillic;
  for (size_t i = 0; i < kMaxAttachmentFilenameChars; ++i) cyrillic += "ж";
  EXPECT_EQ(filename(cyrillic), "ok");  // Characters, not bytes.
  EXPECT_EQ(filename(cyrillic + "ж"), "attachments[0].filename");
  for (const std::string& bad :
       {std::string(""), std::string("../invite.ics"), std::string("dir/invite.ics"),
        std::string("C:\\invite.ics"), std::string("a\rb.ics"), std::string("a\nb.ics"),
        std::string("a\r\nContent-Type: text/html"), std::string("a\0b.ics", 7),
        std::string("a\tb.ics"), std::string("\xff\xfe.ics"), std::string("."),
        std::string("..")}) {
    EXPECT_EQ(filename(bad), "attachments[0].filename") << bad;
  }

  auto content_type = [&](const std::string& type) {
    Attachment a = invite;
    a.content_type = type;
    return RefusedField({a});
  };
  for (const std::string& good :
       {std::string("text/calendar"), std::string("TEXT/Calendar; METHOD=REQUEST"),
        std::string("application/pdf"), std::string("text/plain; charset=\"utf-8\""),
        std::string("application/vnd.ms-excel; name=\"a b;c.xls\"")}) {
    EXPECT_EQ(content_type(good), "ok") << good;
  }
  for (const std::string& bad :
       {std::string(""), std::string("calendar"), std::string("text/"), std::string("/calendar"),
        std::string("text/plain x"), std::string("text/plain; charset"),
        std::string("text/plain; charset=\"open"), std::string("text/calendar\r\nBcc: x@y.org"),
        std::string("text/plain\0", 11), std::string("текст/plain"),
        std::string("multipart/mixed; boundary=x"), std::string("message/rfc822")}) {
    EXPECT_EQ(content_type(bad), "attachments[0].content_type") << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// Classification without a server

TEST(SmtpClassifyTest, RepliesAndTransportFailures) {
  const OutboundMessage m = Message("cmp_7:0");
  const std::vector<std::string_view> secrets = {kPassword};
  SmtpAnswer answer;
  answer.curl_code = CURLE_SEND_ERROR;
  answer.reply_code = 550;
  answer.reply_text = "5.1.1 <ana@example.com>: Recipient address rejected: User unknown";
  SendResult r = SmtpProvider::Classify(answer, m, secrets);
  EXPECT_EQ(Dump(r), "permanent||smtp_550|" + answer.reply_text);
  EXPECT_TRUE(SmtpAddressInvalid(r));
  EXPECT_TRUE(r.address_invalid);

  answer.reply_code = 553;
  answer.reply_text = "5.1.3 Bad recipient address syntax";
  EXPECT_TRUE(SmtpAddressInvalid(SmtpProvider::Classify(answer, m, secrets)));

  answer.reply_code = 550;
  answer.reply_text = "5.7.1 Message rejected as spam";
  r = SmtpProvider::Classify(answer, m, secrets);
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_FALSE(SmtpAddressInvalid(r));

  answer.reply_code = 552;
  answer.reply_text = "5.1.1 Mailbox full";  // Not 550/551/553: the address exists.
  EXPECT_FALSE(SmtpAddressInvalid(SmtpProvider::Classify(answer, m, secrets)));

  answer.reply_code = 421;
  answer.reply_text = "4.7.0 Try again later, closing connection";
  EXPECT_EQ(Dump(SmtpProvider::Classify(answer, m, secrets)),
            "transient||smtp_421|4.7.0 Try again later, closing connection");

  // A server that quotes the password or the text gets its reason cut to the status code.
  answer.reply_code = 535;
  answer.reply_text = std::string("5.7.8 Bad credentials for gateway/") + kPassword;
  EXPECT_EQ(Dump(SmtpProvider::Classify(answer, m, secrets)), "permanent||smtp_535|5.7.8");
  answer.reply_code = 554;
  answer.reply_text = "Rejected: Meeting on Friday";  // The subject.
  EXPECT_EQ(Dump(SmtpProvider::Classify(answer, m, secrets)), "permanent||smtp_554|SMTP 554");

  SmtpAnswer transport;
  transport.curl_code = CURLE_COULDNT_CONNECT;
  EXPECT_EQ(SmtpProvider::Classify(transport, m, secrets).code, "connect");
  transport.curl_code = CURLE_OPERATION_TIMEDOUT;
  transport.reply_code = 250;  // The last reply before the server went quiet.
  EXPECT_EQ(SmtpProvider::Classify(transport, m, secrets).code, "timeout");
  transport.curl_code = CURLE_USE_SSL_FAILED;
  r = SmtpProvider::Classify(transport, m, secrets);
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "tls");
  EXPECT_FALSE(r.reason.empty());
}

TEST(SmtpConfigTest, Validation) {
  SmtpConfig config;
  config.name = "mail";
  config.url = "smtps://smtp.example.org:465";
  config.from_address = kFromAddress;
  config.message_id_domain = kDomain;
  config.message_id_key = kMessageIdKey;
  EXPECT_TRUE(ValidateSmtpConfig(config).ok());
  auto first_word = [&](void (*apply)(SmtpConfig&)) {
    SmtpConfig c = config;
    apply(c);
    const std::string message(MessageOf(ValidateSmtpConfig(c)));
    return message.substr(0, message.find(':'));
  };
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.url = "http://smtp.example.org"; }), "url");
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.url = "smtp://"; }), "url");
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.starttls = "yes"; }), "starttls");
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.from_address = "News <n@x.org>"; }), "from_address");
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.from_name = "a\r\nBcc: x@y.org"; }), "from_name");
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.message_id_domain = ""; }), "message_id_domain");
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.message_id_key = ""; }), "message_id_key");
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.message_id_key = std::string(31, 'k'); }),
            "message_id_key");
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.connections = 0; }), "connections");
  EXPECT_EQ(first_word([](SmtpConfig& c) { c.timeout_ms = 0; }), "timeout_ms");
}

}  // namespace
}  // namespace ogw
