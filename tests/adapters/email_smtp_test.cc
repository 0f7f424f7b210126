#include <arpa/inet.h>
#include <gmime/gmime.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "adapters/email/email_message_id.h"
#include "adapters/email/gmime_init.h"
#include "adapters/email/mime_builder.h"
#include "adapters/email/smtp_provider.h"
#include "tests/servers/smtp_server.h"
#include "tests/servers/test_tls.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;
using Outcome = SendResult::Outcome;
using ogw::testing::ReceivedEmail;
using ogw::testing::SmtpServer;
using ogw::testing::SmtpServerOptions;
using ogw::testing::TestCa;
using ogw::testing::TestCertificate;
using ogw::testing::TestPki;
using Tls = ogw::testing::SmtpServerOptions::Tls;

constexpr char kDomain[] = "mail.example.org";
constexpr char kMessageIdKey[] = "smtp-test-message-id-key-0123456789abcdef";
constexpr char kFromAddress[] = "news@example.org";
constexpr char kUser[] = "gateway";
constexpr char kPassword[] = "s3cret-smtp-passw0rd";

// The pieces of a message GMime parsed back, decoded.
struct ParsedEmail {
  bool ok = false;
  std::string from_name;
  std::string from_address;
  std::vector<std::string> to;
  std::string subject;
  std::string message_id;  // Without angle brackets.
  bool has_date = false;
  std::map<std::string, std::string> headers;  // The ones asked for, as GMime decodes them.
  std::string content_type;                    // "multipart/alternative", "text/plain", ...
  // Leaf parts in order: "text/plain; charset=..." -> decoded UTF-8 text.
  std::vector<std::pair<std::string, std::string>> parts;
};

struct GObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};

std::string TypeOf(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  return std::string(g_mime_content_type_get_media_type(type)) + "/" +
         g_mime_content_type_get_media_subtype(type);
}

void AddLeaf(GMimeObject* object, ParsedEmail& parsed) {
  const char* charset =
      g_mime_content_type_get_parameter(g_mime_object_get_content_type(object), "charset");
  std::string text;
  if (GMIME_IS_TEXT_PART(object)) {
    char* decoded = g_mime_text_part_get_text(GMIME_TEXT_PART(object));
    if (decoded != nullptr) text = decoded;
    g_free(decoded);
  }
  parsed.parts.emplace_back(TypeOf(object) + "; charset=" + (charset ? charset : ""), text);
}

// Decodes an unstructured header value one encoded-word at a time. GMime 3.2.13 (Debian 12)
// merges adjacent base64 encoded-words before decoding and loses everything after one that
// ends in '=' padding (jstedfast/gmime#133), which GMime's own encoder and most mail clients
// produce; each word decoded alone is read correctly.
std::string DecodeWords(std::string_view raw) {
  std::string out;
  bool previous_encoded = false;
  size_t pos = 0;
  while ((pos = raw.find_first_not_of(" \t\r\n", pos)) != std::string_view::npos) {
    const size_t end = std::min(raw.find_first_of(" \t\r\n", pos), raw.size());
    const std::string word(raw.substr(pos, end - pos));
    const bool encoded = word.starts_with("=?") && word.ends_with("?=");
    // Space between encoded-words is folding, not text (RFC 2047 6.2).
    if (!out.empty() && !(previous_encoded && encoded)) out += ' ';
    char* decoded = g_mime_utils_header_decode_text(nullptr, word.c_str());
    out += decoded;
    g_free(decoded);
    previous_encoded = encoded;
    pos = end;
  }
  return out;
}

const char* RawHeader(GMimeMessage* message, const char* name) {
  GMimeHeader* header =
      g_mime_header_list_get_header(g_mime_object_get_header_list(GMIME_OBJECT(message)), name);
  return header ? g_mime_header_get_raw_value(header) : nullptr;
}

ParsedEmail Parse(const std::string& data, const std::vector<std::string>& header_names = {}) {
  InitGMime();
  ParsedEmail parsed;
  std::unique_ptr<GMimeStream, GObjectUnref> stream(
      g_mime_stream_mem_new_with_buffer(data.data(), data.size()));
  std::unique_ptr<GMimeParser, GObjectUnref> parser(g_mime_parser_new_with_stream(stream.get()));
  std::unique_ptr<GMimeMessage, GObjectUnref> message(
      g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message) return parsed;
  parsed.ok = true;
  InternetAddressList* from = g_mime_message_get_from(message.get());
  if (internet_address_list_length(from) == 1) {
    InternetAddress* mailbox = internet_address_list_get_address(from, 0);
    parsed.from_address = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(mailbox));
    // The display name: the raw value before "<address>", unquoted, decoded word by word.
    std::string raw = RawHeader(message.get(), "From");
    raw = raw.substr(0, raw.rfind('<'));
    std::string name = DecodeWords(raw);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    parsed.from_name = name;
  }
  InternetAddressList* to = g_mime_message_get_to(message.get());
  for (int i = 0; i < internet_address_list_length(to); ++i) {
    parsed.to.push_back(internet_address_mailbox_get_addr(
        INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(to, i))));
  }
  const char* subject = RawHeader(message.get(), "Subject");
  parsed.subject = subject ? DecodeWords(subject) : "";
  const char* message_id = g_mime_message_get_message_id(message.get());
  parsed.message_id = message_id ? message_id : "";
  parsed.has_date = g_mime_message_get_date(message.get()) != nullptr;
  for (const std::string& name : header_names) {
    const char* value = g_mime_object_get_header(GMIME_OBJECT(message.get()), name.c_str());
    if (value != nullptr) parsed.headers[name] = value;
  }
  GMimeObject* body = g_mime_message_get_mime_part(message.get());
  if (body == nullptr) return parsed;
  parsed.content_type = TypeOf(body);
  if (GMIME_IS_MULTIPART(body)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(body);
    for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
      AddLeaf(g_mime_multipart_get_part(multipart, i), parsed);
    }
  } else {
    AddLeaf(body, parsed);
  }
  return parsed;
}

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

OutboundMessage Message(const std::string& id, const std::string& to = "ana@example.com") {
  OutboundMessage m;
  m.message_id = id;
  m.org_id = "org_1";
  m.channel = "email";
  m.to = to;
  m.subject = "Meeting on Friday";
  m.text = "Hello Ana,\nthe meeting is on Friday at the community hall.\n";
  m.html = "<p>Hello Ana,</p>\n<p>the meeting is on <b>Friday</b> at the community hall.</p>\n";
  return m;
}

std::string Dump(const SendResult& r) {
  return std::string(OutcomeName(r.outcome)) + "|" + r.provider_message_id + "|" + r.code + "|" +
         r.reason;
}

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
  EXPECT_EQ(parsed.headers, (std::map<std::string, std::string>{
                                {"X-Outreach-Message-Id", "cmp_1:0"}}));
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
      {"from", [](OutboundMessage& m, MimeSender&, const std::string& v) { m.from = "a@b.org" + v; }},
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
      {"message_id", [](OutboundMessage& m, MimeSender&, const std::string& v) { m.message_id = v; }},
      {"from_name", [](OutboundMessage&, MimeSender& s, const std::string& v) { s.name = v; }},
  };
  for (const Case& c : cases) {
    for (const std::string& value : {injected, std::string("x\nBcc: v@example.net"),
                                     std::string("x\rBcc: v@example.net"),
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
  EXPECT_THAT(std::string(MessageOf(refused([](OutboundMessage& m) {
                m.to = "ana@example.com, eve@example.net";
              }))),
              StartsWith("to:"));
  EXPECT_THAT(std::string(MessageOf(refused([](OutboundMessage& m) { m.to = "Ana <a@b.org>"; }))),
              StartsWith("to:"));
  EXPECT_THAT(std::string(MessageOf(refused([](OutboundMessage& m) { m.to = "no-at-sign"; }))),
              StartsWith("to:"));
  EXPECT_THAT(std::string(MessageOf(refused([](OutboundMessage& m) {
                m.unsubscribe_url = "javascript:alert(1)";
              }))),
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

// ---------------------------------------------------------------------------------------------
// Against a real SMTP server

class SmtpProviderTest : public ::testing::Test {
 protected:
  void StartServer(SmtpServerOptions options = {}) {
    server_ = std::make_unique<SmtpServer>(std::move(options));
    const absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  SmtpConfig Config() const {
    SmtpConfig config;
    config.name = "mail-test";
    config.url = server_ ? server_->Url() : "";
    config.starttls = "none";
    config.from_address = kFromAddress;
    config.from_name = "Community News";
    config.message_id_domain = kDomain;
    config.message_id_key = kMessageIdKey;
    config.timeout_ms = 10000;
    config.connections = 2;
    return config;
  }

  static std::vector<SendResult> Send(SmtpProvider& provider,
                                      const std::vector<OutboundMessage>& messages) {
    std::vector<SendResult> results(messages.size());
    provider.SendBatch(messages, results);
    for (const SendResult& r : results) {
      EXPECT_THAT(Dump(r), Not(HasSubstr(kPassword)));
      EXPECT_THAT(Dump(r), Not(HasSubstr("community hall")));
    }
    return results;
  }
  static SendResult SendOne(const SmtpConfig& config, const OutboundMessage& message) {
    SmtpProvider provider(config);
    return Send(provider, {message})[0];
  }

  // What the server received, by recipient; each e-mail must have exactly one recipient.
  void ReceivedByRecipient(std::map<std::string, ReceivedEmail>* by_recipient) const {
    for (const ReceivedEmail& email : server_->Received()) {
      ASSERT_EQ(email.rcpt_tos.size(), 1u);
      (*by_recipient)[email.rcpt_tos[0]] = email;
    }
  }

  static std::vector<OutboundMessage> Batch(const std::string& campaign, int count) {
    std::vector<OutboundMessage> batch;
    for (int i = 0; i < count; ++i) {
      batch.push_back(Message(campaign + ":" + std::to_string(i),
                              "person" + std::to_string(i) + "@example.com"));
    }
    return batch;
  }

  std::unique_ptr<SmtpServer> server_;
};

TEST_F(SmtpProviderTest, BatchArrivesWithEnvelopeHeadersAndBothParts) {
  StartServer();
  std::vector<OutboundMessage> batch = Batch("cmp_8", 6);
  batch[2].subject = "Приглашение — دعوة";
  batch[2].text = "First line\n.a line starting with a dot\n..and two\n.\nend\n";
  batch[3].reply_to = "reply+t0k3n@mail.example.org";
  batch[3].unsubscribe_url = "https://gw.example.org/u/c_1?sig=abc";
  batch[3].unsubscribe_mailto = "unsubscribe@mail.example.org";
  SmtpProvider provider(Config());
  const std::vector<SendResult> results = Send(provider, batch);

  std::map<std::string, ReceivedEmail> by_recipient;
  ASSERT_NO_FATAL_FAILURE(ReceivedByRecipient(&by_recipient));
  ASSERT_EQ(by_recipient.size(), batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    SCOPED_TRACE(batch[i].message_id);
    ASSERT_EQ(results[i].outcome, Outcome::kAccepted) << Dump(results[i]);
    EXPECT_EQ(GatewayMessageIdFromEmailId(results[i].provider_message_id, kDomain, kMessageIdKey),
              batch[i].message_id);
    const ReceivedEmail& email = by_recipient.at(batch[i].to);
    EXPECT_EQ(email.mail_from, kFromAddress);
    EXPECT_EQ(email.auth_login, "");
    const ParsedEmail parsed =
        Parse(email.data, {"X-Outreach-Message-Id", "Reply-To", "List-Unsubscribe"});
    ASSERT_TRUE(parsed.ok);
    EXPECT_EQ(parsed.message_id, results[i].provider_message_id);
    EXPECT_EQ(parsed.headers.at("X-Outreach-Message-Id"), batch[i].message_id);
    EXPECT_THAT(parsed.to, ElementsAre(batch[i].to));
    EXPECT_EQ(parsed.from_name, "Community News");
    EXPECT_EQ(parsed.subject, batch[i].subject);
    ASSERT_EQ(parsed.parts.size(), 2u);
    EXPECT_EQ(parsed.parts[0].first, "text/plain; charset=utf-8");
    EXPECT_EQ(parsed.parts[1].first, "text/html; charset=utf-8");
    EXPECT_THAT(parsed.parts[1].second, HasSubstr("<b>Friday</b>"));
  }
  // Dot-stuffing was applied on the way and undone by the server.
  EXPECT_EQ(Parse(by_recipient.at(batch[2].to).data).parts[0].second,
            "First line\r\n.a line starting with a dot\r\n..and two\r\n.\r\nend\r\n");
  const ParsedEmail with_links =
      Parse(by_recipient.at(batch[3].to).data, {"Reply-To", "List-Unsubscribe"});
  EXPECT_EQ(with_links.headers.at("Reply-To"), "reply+t0k3n@mail.example.org");
  EXPECT_EQ(with_links.headers.at("List-Unsubscribe"),
            "<https://gw.example.org/u/c_1?sig=abc>, <mailto:unsubscribe@mail.example.org>");
}

TEST_F(SmtpProviderTest, SessionsAreReusedWithinAndAcrossBatches) {
  StartServer();
  SmtpProvider provider(Config());  // Two connections.
  for (const SendResult& r : Send(provider, Batch("cmp_9", 8))) {
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
  }
  for (const SendResult& r : Send(provider, Batch("cmp_10", 5))) {
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
  }
  // 13 messages over at most two SMTP connections (one, if a sender thread found the batch
  // already drained when it started).
  const int used = server_->sessions();
  EXPECT_GE(used, 1);
  EXPECT_LE(used, 2);
  std::set<int> sessions;
  for (const ReceivedEmail& email : server_->Received()) sessions.insert(email.session);
  EXPECT_EQ(server_->Received().size(), 13u);
  EXPECT_EQ(sessions.size(), static_cast<size_t>(used));

  SmtpConfig one = Config();
  one.connections = 1;
  SmtpProvider serial(one);
  for (const SendResult& r : Send(serial, Batch("cmp_11", 4))) {
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
  }
  EXPECT_EQ(server_->sessions(), used + 1);
}

TEST_F(SmtpProviderTest, ConcurrentBatchesFromSeveralThreads) {
  StartServer();
  SmtpProvider provider(Config());
  std::atomic<int> accepted{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&, w] {
      std::vector<OutboundMessage> batch = Batch("cmp_w" + std::to_string(w), 5);
      for (OutboundMessage& m : batch) m.to = std::to_string(w) + "." + m.to;
      std::vector<SendResult> results(batch.size());
      provider.SendBatch(batch, results);
      for (const SendResult& r : results) accepted += r.outcome == Outcome::kAccepted ? 1 : 0;
    });
  }
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(accepted.load(), 15);
  EXPECT_EQ(server_->Received().size(), 15u);
  EXPECT_LE(server_->sessions(), 6);
}

TEST_F(SmtpProviderTest, AuthPlainOrLoginWithTheConfiguredCredentials) {
  SmtpServerOptions options;
  options.auth_user = kUser;
  options.auth_password = kPassword;
  StartServer(options);
  SmtpConfig config = Config();
  config.username = kUser;
  config.password = kPassword;
  const SendResult ok = SendOne(config, Message("cmp_12:0"));
  ASSERT_EQ(ok.outcome, Outcome::kAccepted) << Dump(ok);
  ASSERT_EQ(server_->Received().size(), 1u);
  EXPECT_EQ(server_->Received()[0].auth_login, kUser);

  config.password = "wrong-password-123";
  const SendResult wrong = SendOne(config, Message("cmp_12:1"));
  EXPECT_EQ(wrong.outcome, Outcome::kPermanent) << Dump(wrong);
  EXPECT_EQ(wrong.code, "smtp_535");
  EXPECT_THAT(wrong.reason, Not(HasSubstr("wrong-password-123")));

  config.username.clear();
  config.password.clear();
  const SendResult anonymous = SendOne(config, Message("cmp_12:2"));
  EXPECT_EQ(anonymous.outcome, Outcome::kPermanent) << Dump(anonymous);
  EXPECT_EQ(anonymous.code, "smtp_530");
  EXPECT_EQ(server_->Received().size(), 1u);
}

TEST_F(SmtpProviderTest, UnknownUserIsPermanentAndMarksTheAddressInvalid) {
  SmtpServerOptions options;
  options.reject = {"gone@example.com"};
  StartServer(options);
  std::vector<OutboundMessage> batch = Batch("cmp_13", 3);
  batch[1].to = "gone@example.com";
  SmtpConfig config = Config();
  config.connections = 1;  // The good message after the refusal goes over the same handle.
  SmtpProvider provider(config);
  const std::vector<SendResult> results = Send(provider, batch);
  EXPECT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  EXPECT_EQ(results[1].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[1].code, "smtp_550");
  EXPECT_EQ(results[1].reason,
            "5.1.1 <gone@example.com>: Recipient address rejected: User unknown");
  EXPECT_TRUE(SmtpAddressInvalid(results[1]));
  EXPECT_EQ(results[2].outcome, Outcome::kAccepted) << Dump(results[2]);
  EXPECT_EQ(server_->Received().size(), 2u);
}

TEST_F(SmtpProviderTest, TemporaryRefusalIsTransient) {
  SmtpServerOptions options;
  options.defer = {"later@example.com"};
  StartServer(options);
  const SendResult r = SendOne(Config(), Message("cmp_14:0", "later@example.com"));
  EXPECT_EQ(Dump(r), "transient||smtp_451|4.3.0 <later@example.com>: Temporary lookup failure");
  EXPECT_FALSE(SmtpAddressInvalid(r));
  EXPECT_TRUE(server_->Received().empty());
}

TEST_F(SmtpProviderTest, UnbuildableMessageIsPermanentAndNeverSent) {
  StartServer();
  std::vector<OutboundMessage> batch = Batch("cmp_15", 2);
  batch[0].subject = "Hello\r\nBcc: everyone@example.net";
  SmtpProvider provider(Config());
  const std::vector<SendResult> results = Send(provider, batch);
  EXPECT_EQ(results[0].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[0].code, "invalid_message");
  EXPECT_THAT(results[0].reason, StartsWith("subject:"));
  EXPECT_EQ(results[1].outcome, Outcome::kAccepted) << Dump(results[1]);
  const std::vector<ReceivedEmail> received = server_->Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_THAT(received[0].rcpt_tos, ElementsAre(batch[1].to));
}

// A loopback port that refuses connections: bound, so nobody else takes it, but not listening.
class ClosedPort {
 public:
  ClosedPort() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), len);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { close(fd_); }
  int fd() const { return fd_; }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

TEST_F(SmtpProviderTest, ServerDownIsTransientConnect) {
  ClosedPort closed;
  SmtpConfig config = Config();
  config.url = "smtp://127.0.0.1:" + std::to_string(closed.port());
  SmtpProvider provider(config);
  const std::vector<SendResult> results = Send(provider, Batch("cmp_16", 3));
  for (const SendResult& r : results) {
    EXPECT_EQ(r.outcome, Outcome::kTransient);
    EXPECT_EQ(r.code, "connect") << Dump(r);
  }
}

TEST_F(SmtpProviderTest, SilentServerIsTransientTimeout) {
  // The kernel completes the handshake of a listening socket nobody accepts on, and then no
  // greeting ever comes.
  ClosedPort silent;
  ASSERT_EQ(listen(silent.fd(), 8), 0);
  SmtpConfig config = Config();
  config.url = "smtp://127.0.0.1:" + std::to_string(silent.port());
  config.timeout_ms = 300;
  const SendResult r = SendOne(config, Message("cmp_17:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "timeout") << Dump(r);
}

TEST_F(SmtpProviderTest, RequiredStartTlsRefusesAPlainServer) {
  StartServer();
  SmtpConfig config = Config();
  config.starttls = "required";  // aiosmtpd here offers no STARTTLS.
  const SendResult r = SendOne(config, Message("cmp_18:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "tls") << Dump(r);
  EXPECT_TRUE(server_->Received().empty());
}

// ---------------------------------------------------------------------------------------------
// TLS against a real SMTP server, its certificate issued by a throw-away CA (test_tls.h) that
// the provider trusts through ca_file, with peer and host verification on.

class SmtpTlsTest : public SmtpProviderTest {
 protected:
  void SetUp() override {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    ca_ = std::move(pki->ca);
    cert_ = pki->server;
  }

  // A server with AUTH (only over TLS, for STARTTLS) and `cert` as its certificate.
  void StartTlsServer(Tls tls, const TestCertificate& cert) {
    SmtpServerOptions options;
    options.auth_user = kUser;
    options.auth_password = kPassword;
    options.tls = tls;
    options.tls_cert_file = cert.cert_file;
    options.tls_key_file = cert.key_file;
    StartServer(options);
  }

  SmtpConfig TlsConfig() const {
    SmtpConfig config = Config();
    config.starttls = "required";
    config.verify_peer = true;
    config.ca_file = ca_->ca_file();
    config.username = kUser;
    config.password = kPassword;
    return config;
  }

  // Sends a batch whose messages would suffer from any mangling on the way (non-ASCII
  // subject, dot lines, HTML) and checks each arrived as sent, encrypted, after AUTH over TLS.
  void ExpectBatchArrivesIntactOverTls(const SmtpConfig& config, size_t expected_sessions) {
    std::vector<OutboundMessage> batch = Batch("cmp_tls", 3);
    batch[1].subject = "Приглашение — دعوة";
    batch[1].text = "First line\n.a line starting with a dot\n..and two\n.\nend\n";
    SmtpProvider provider(config);
    const std::vector<SendResult> results = Send(provider, batch);
    std::map<std::string, ReceivedEmail> by_recipient;
    ASSERT_NO_FATAL_FAILURE(ReceivedByRecipient(&by_recipient));
    ASSERT_EQ(by_recipient.size(), batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      SCOPED_TRACE(batch[i].message_id);
      ASSERT_EQ(results[i].outcome, Outcome::kAccepted) << Dump(results[i]);
      const ReceivedEmail& email = by_recipient.at(batch[i].to);
      EXPECT_THAT(email.tls, StartsWith("TLSv1."));
      EXPECT_THAT(email.auth_tls, StartsWith("TLSv1."));
      EXPECT_EQ(email.auth_login, kUser);
      EXPECT_EQ(email.mail_from, kFromAddress);
      const ParsedEmail parsed = Parse(email.data, {"X-Outreach-Message-Id"});
      ASSERT_TRUE(parsed.ok);
      EXPECT_EQ(parsed.message_id, results[i].provider_message_id);
      EXPECT_EQ(parsed.headers.at("X-Outreach-Message-Id"), batch[i].message_id);
      EXPECT_EQ(parsed.subject, batch[i].subject);
      ASSERT_EQ(parsed.parts.size(), 2u);
      std::string html_crlf;  // Line ends become CRLF on the way, nothing else changes.
      for (const char c : batch[i].html) html_crlf += c == '\n' ? "\r\n" : std::string(1, c);
      EXPECT_EQ(parsed.parts[1].second, html_crlf);
    }
    EXPECT_EQ(Parse(by_recipient.at(batch[1].to).data).parts[0].second,
              "First line\r\n.a line starting with a dot\r\n..and two\r\n.\r\nend\r\n");
    EXPECT_EQ(server_->sessions(), static_cast<int>(expected_sessions));
  }

  // Expects every message of a small batch to come back transient "tls" without reaching the
  // server, the reason saying why and never the password.
  void ExpectRefusedForItsCertificate(const SmtpConfig& config) {
    SmtpProvider provider(config);
    for (const SendResult& r : Send(provider, Batch("cmp_bad_cert", 2))) {
      EXPECT_EQ(r.outcome, Outcome::kTransient) << Dump(r);
      EXPECT_TRUE(r.attempted);
      EXPECT_EQ(r.code, "tls") << Dump(r);
      EXPECT_THAT(r.reason, HasSubstr("certificate")) << Dump(r);
      EXPECT_THAT(r.reason, Not(HasSubstr(kPassword)));
      EXPECT_FALSE(SmtpAddressInvalid(r));
    }
    EXPECT_TRUE(server_->Received().empty());
  }

  std::unique_ptr<TestCa> ca_;
  TestCertificate cert_;
};

TEST_F(SmtpTlsTest, RequiredStartTlsCarriesAuthAndMessagesIntact) {
  StartTlsServer(Tls::kStartTlsRequired, cert_);
  SmtpConfig config = TlsConfig();
  config.connections = 1;  // One TLS session carries the whole batch.
  ExpectBatchArrivesIntactOverTls(config, 1);
}

TEST_F(SmtpTlsTest, StartTlsTryUpgradesWhenTheServerOffersIt) {
  StartTlsServer(Tls::kStartTls, cert_);
  SmtpConfig config = TlsConfig();
  config.starttls = "try";
  config.connections = 1;
  ExpectBatchArrivesIntactOverTls(config, 1);
}

TEST_F(SmtpTlsTest, ImplicitTlsCarriesAuthAndMessagesIntact) {
  StartTlsServer(Tls::kImplicit, cert_);
  SmtpConfig config = TlsConfig();
  ASSERT_THAT(config.url, StartsWith("smtps://"));
  config.connections = 1;
  ExpectBatchArrivesIntactOverTls(config, 1);
}

// Why transient: a certificate the provider cannot verify says nothing about the message or
// its recipient; every message to this server fails the same way until someone fixes the
// server's certificate or our ca_file. Permanent would fail the whole queue for a
// configuration problem, and the fix would not bring the messages back; transient lets the
// circuit breaker open after three such batches, so messages wait without using up attempts
// and go out once the certificate verifies. Nothing is sent meanwhile: curl stops at the
// handshake, before AUTH and MAIL.
TEST_F(SmtpTlsTest, CertificateFromAnUntrustedCaIsTransientTlsForStartTls) {
  absl::StatusOr<TestPki> other = TestPki::Create("another test CA");
  ASSERT_TRUE(other.ok()) << other.status();
  const TestCertificate* foreign = &other->server;
  StartTlsServer(Tls::kStartTls, *foreign);
  ExpectRefusedForItsCertificate(TlsConfig());
  // "try" falls back to plain text only when STARTTLS is not offered, never after a failed
  // verification.
  SmtpConfig try_config = TlsConfig();
  try_config.starttls = "try";
  ExpectRefusedForItsCertificate(try_config);
}

TEST_F(SmtpTlsTest, CertificateFromAnUntrustedCaIsTransientTlsForSmtps) {
  absl::StatusOr<TestPki> other = TestPki::Create("another test CA");
  ASSERT_TRUE(other.ok()) << other.status();
  const TestCertificate* foreign = &other->server;
  StartTlsServer(Tls::kImplicit, *foreign);
  ExpectRefusedForItsCertificate(TlsConfig());
  EXPECT_EQ(server_->sessions(), 0) << "no TLS session was established";
}

TEST_F(SmtpTlsTest, WithoutTheCaFileTheTestCaIsNotTrusted) {
  StartTlsServer(Tls::kImplicit, cert_);
  SmtpConfig config = TlsConfig();
  config.ca_file.clear();  // The system's CAs: they never signed the test certificate.
  ExpectRefusedForItsCertificate(config);
}

TEST_F(SmtpTlsTest, CertificateForAnotherHostIsRefusedDespiteATrustedCa) {
  // Host verification stays on with a ca_file: the name must match too.
  absl::StatusOr<TestCertificate> elsewhere = ca_->Issue("elsewhere", {"DNS:mail.example.net"});
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  StartTlsServer(Tls::kStartTlsRequired, *elsewhere);
  SmtpProvider provider(TlsConfig());
  const SendResult r = Send(provider, {Message("cmp_host:0")})[0];
  EXPECT_EQ(r.outcome, Outcome::kTransient) << Dump(r);
  EXPECT_EQ(r.code, "tls") << Dump(r);
  EXPECT_THAT(r.reason, Not(HasSubstr(kPassword)));
  EXPECT_TRUE(server_->Received().empty());
}

}  // namespace
}  // namespace ogw
