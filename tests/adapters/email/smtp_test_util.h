#pragma once

// What the outbound e-mail tests share: the sender's settings, a message to send, and GMime
// reading what was built or received back.

#include <gmime/gmime.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/email/gmime_init.h"
#include "adapters/provider.h"
#include "gateway/core/text.h"

namespace ogw::smtp_test {

inline constexpr char kDomain[] = "mail.example.org";
inline constexpr char kMessageIdKey[] = "smtp-test-message-id-key-0123456789abcdef";
inline constexpr char kFromAddress[] = "news@example.org";
inline constexpr char kPassword[] = "s3cret-smtp-passw0rd";

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

inline std::string TypeOf(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  return std::string(g_mime_content_type_get_media_type(type)) + "/" +
         g_mime_content_type_get_media_subtype(type);
}

inline void AddLeaf(GMimeObject* object, ParsedEmail& parsed) {
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
inline std::string DecodeWords(std::string_view raw) {
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

inline const char* RawHeader(GMimeMessage* message, const char* name) {
  GMimeHeader* header =
      g_mime_header_list_get_header(g_mime_object_get_header_list(GMIME_OBJECT(message)), name);
  return header ? g_mime_header_get_raw_value(header) : nullptr;
}

inline ParsedEmail Parse(const std::string& data,
                         const std::vector<std::string>& header_names = {}) {
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

// One node of the MIME tree GMime parsed back; leaves carry their decoded bytes.
struct MimeNode {
  std::string type;                           // "multipart/mixed", "text/calendar", ...
  std::map<std::string, std::string> params;  // Content-Type parameters, names lower case.
  std::string disposition;                    // "attachment", "inline" or "" (none).
  std::string filename;                       // Content-Disposition filename, decoded.
  std::string encoding;                       // Content-Transfer-Encoding, lower case; "".
  std::string bytes;                          // Leaves: the content, transfer encoding undone.
  std::vector<MimeNode> children;             // Multiparts: the parts in order.
};

inline MimeNode NodeOf(GMimeObject* object) {
  MimeNode node;
  node.type = AsciiLower(TypeOf(object));
  GMimeParamList* params =
      g_mime_content_type_get_parameters(g_mime_object_get_content_type(object));
  for (int i = 0; i < g_mime_param_list_length(params); ++i) {
    GMimeParam* param = g_mime_param_list_get_parameter_at(params, i);
    node.params[AsciiLower(g_mime_param_get_name(param))] = g_mime_param_get_value(param);
  }
  GMimeContentDisposition* disposition = g_mime_object_get_content_disposition(object);
  if (disposition != nullptr) {
    node.disposition = AsciiLower(g_mime_content_disposition_get_disposition(disposition));
  }
  const char* encoding = g_mime_object_get_header(object, "Content-Transfer-Encoding");
  node.encoding = encoding ? AsciiLower(encoding) : "";
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
      node.children.push_back(NodeOf(g_mime_multipart_get_part(multipart, i)));
    }
  } else if (GMIME_IS_PART(object)) {
    const char* filename = g_mime_part_get_filename(GMIME_PART(object));
    node.filename = filename ? filename : "";
    GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(object));
    if (content != nullptr) {
      std::unique_ptr<GMimeStream, GObjectUnref> out(g_mime_stream_mem_new());
      g_mime_data_wrapper_write_to_stream(content, out.get());  // Decodes.
      const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
      node.bytes.assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
    }
  }
  return node;
}

// The body of `data` as a tree; type "" when GMime cannot parse it.
inline MimeNode ParseTree(const std::string& data) {
  InitGMime();
  std::unique_ptr<GMimeStream, GObjectUnref> stream(
      g_mime_stream_mem_new_with_buffer(data.data(), data.size()));
  std::unique_ptr<GMimeParser, GObjectUnref> parser(g_mime_parser_new_with_stream(stream.get()));
  std::unique_ptr<GMimeMessage, GObjectUnref> message(
      g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message || g_mime_message_get_mime_part(message.get()) == nullptr) return {};
  return NodeOf(g_mime_message_get_mime_part(message.get()));
}

// The tree's types: "multipart/mixed[multipart/alternative[text/plain,text/html],text/plain]".
inline std::string Shape(const MimeNode& node) {
  std::string shape = node.type;
  if (node.children.empty()) return shape;
  shape += '[';
  for (size_t i = 0; i < node.children.size(); ++i) {
    if (i > 0) shape += ',';
    shape += Shape(node.children[i]);
  }
  return shape + ']';
}

// A calendar file like those BuildIcs writes: CRLF line ends, a folded line, UTF-8 text.
inline constexpr char kInviteIcs[] =
    "BEGIN:VCALENDAR\r\n"
    "PRODID:-//Outreach Gateway//Invitations//EN\r\n"
    "VERSION:2.0\r\n"
    "CALSCALE:GREGORIAN\r\n"
    "METHOD:PUBLISH\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:evt_01hx2k@gw.example.org\r\n"
    "SEQUENCE:0\r\n"
    "DTSTAMP:20240510T090000Z\r\n"
    "DTSTART:20240517T170000Z\r\n"
    "DTEND:20240517T190000Z\r\n"
    "SUMMARY;LANGUAGE=ru:Собрание общества — в пятницу в общественном центре\r\n"
    "DESCRIPTION;LANGUAGE=ru:Приходите все. Будет чай\\, пирог и обсуждение плана н\r\n"
    " а лето.\r\n"
    "LOCATION:Community hall\\, 12 Main Street\r\n"
    "STATUS:CONFIRMED\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n";
inline constexpr char kCalendarType[] = "text/calendar; charset=UTF-8; method=PUBLISH";

inline Attachment Invite() {
  Attachment invite;
  invite.filename = "invite.ics";
  invite.content_type = kCalendarType;
  invite.data = kInviteIcs;
  return invite;
}

inline OutboundMessage Message(const std::string& id, const std::string& to = "ana@example.com") {
  OutboundMessage m;
  m.message_id = id;
  m.org_id = "org_1";
  m.channel = Channel::kEmail;
  m.to = to;
  m.subject = "Meeting on Friday";
  m.text = "Hello Ana,\nthe meeting is on Friday at the community hall.\n";
  m.html = "<p>Hello Ana,</p>\n<p>the meeting is on <b>Friday</b> at the community hall.</p>\n";
  return m;
}

inline std::string Dump(const SendResult& r) {
  return std::string(OutcomeName(r.outcome)) + "|" + r.provider_message_id + "|" + r.code + "|" +
         r.reason;
}

}  // namespace ogw::smtp_test
