#include "adapters/email/mime_parser.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "adapters/email/dsn_parser.h"
#include "adapters/email/gmime_init.h"
#include "adapters/email/html_to_text.h"
#include "adapters/email/quoted_history.h"
#include "gateway/core/crypto.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using mime_parser_internal::Fold;
using mime_parser_internal::kSpaces;
using mime_parser_internal::LowerDomain;
using mime_parser_internal::SplitLines;
using mime_parser_internal::ValidUtf8;

struct ParserOptionsFree {
  void operator()(GMimeParserOptions* options) const { g_mime_parser_options_free(options); }
};
using ParserOptions = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;

struct ReferencesFree {
  void operator()(GMimeReferences* references) const { g_mime_references_free(references); }
};

struct DateTimeUnref {
  void operator()(GDateTime* date) const { g_date_time_unref(date); }
};

// ----------------------------------------------------------------------------------------------
// Charsets and part content.

bool IsUtf8Label(std::string_view charset) {
  return EqualsIgnoreAsciiCase(charset, "utf-8") || EqualsIgnoreAsciiCase(charset, "utf8");
}

bool IsAsciiOrLatin1Label(std::string_view charset) {
  for (std::string_view label : {"us-ascii", "ascii", "iso-8859-1", "iso8859-1", "iso_8859-1",
                                 "latin1", "latin-1", "l1", "ansi_x3.4-1968", "cp819"}) {
    if (EqualsIgnoreAsciiCase(charset, label)) return true;
  }
  return false;
}

std::string ToUtf8(std::string_view bytes, const char* charset, GMimeParserOptions* options) {
  const bool valid_utf8 = g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr);
  if (charset != nullptr && *charset != '\0') {
    std::string_view label = charset;
    // Mail labelled ASCII or Latin-1 that is valid UTF-8 came from a client that did not
    // look at what it sent; real Latin-1 text almost never forms valid UTF-8.
    if (IsUtf8Label(label) || (valid_utf8 && IsAsciiOrLatin1Label(label))) {
      if (valid_utf8) return std::string(bytes);
    } else {
      // As in browsers (WHATWG Encoding): these labels mean windows-1252, whose 0x80-0x9F
      // are the curly quotes and dashes Windows mailers put in "Latin-1" text.
      const char* from =
          IsAsciiOrLatin1Label(label) ? "CP1252" : g_mime_charset_iconv_name(charset);
      gsize written = 0;
      GError* error = nullptr;
      GChars converted(g_convert(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8", from,
                                 nullptr, &written, &error));
      if (error != nullptr) g_error_free(error);
      if (converted) return std::string(converted.get(), written);
    }
  }
  if (valid_utf8) return std::string(bytes);
  // Unlabelled, mislabelled or unknown: GMime tries the fallback charsets (UTF-8,
  // windows-1252) and its best guess.
  GChars guessed(g_mime_utils_decode_8bit(options, bytes.data(), bytes.size()));
  return guessed ? std::string(guessed.get()) : std::string();
}

// The part's content with its transfer encoding (base64, quoted-printable, ...) undone.
std::string DecodedContent(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return {};
  GRef<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, stream.get());
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

// RFC 3676: joins the soft line breaks of format=flowed text (lines ending in a space) and
// undoes space-stuffing, keeping quote depth, so quoted lines still start with '>'.
std::string Unflow(std::string_view text, bool delete_space) {
  std::vector<std::string> lines;
  bool open = false;  // The last line ended in a soft break.
  size_t open_depth = 0;
  for (std::string_view line : SplitLines(text)) {
    size_t depth = 0;
    while (depth < line.size() && line[depth] == '>') ++depth;
    std::string_view content = line.substr(depth);
    if (!content.empty() && content.front() == ' ') content.remove_prefix(1);
    const bool signature = content == "-- ";
    const bool soft = !signature && !content.empty() && content.back() == ' ';
    if (soft && delete_space) content.remove_suffix(1);
    if (open && depth == open_depth && !lines.empty()) {
      lines.back() += content;
    } else {
      std::string prefix(depth, '>');
      if (depth > 0) prefix += ' ';
      lines.push_back(prefix + std::string(content));
    }
    open = soft;
    open_depth = depth;
  }
  std::string out;
  for (const std::string& line : lines) {
    out += line;
    out += '\n';
  }
  return out;
}

std::string TextOfPart(GMimePart* part, GMimeParserOptions* options) {
  GMimeObject* object = GMIME_OBJECT(part);
  std::string text = ToUtf8(DecodedContent(part),
                            g_mime_object_get_content_type_parameter(object, "charset"), options);
  const char* format = g_mime_object_get_content_type_parameter(object, "format");
  if (format != nullptr && EqualsIgnoreAsciiCase(format, "flowed")) {
    const char* delsp = g_mime_object_get_content_type_parameter(object, "delsp");
    text = Unflow(text, delsp != nullptr && EqualsIgnoreAsciiCase(delsp, "yes"));
  }
  return text;
}

struct BodyParts {
  GMimePart* plain = nullptr;
  GMimePart* html = nullptr;
  size_t visited = 0;  // Parts looked at so far.
};

// What a person's reply can need: a body sits in the first few levels and parts. A hostile
// message nested a thousand levels deep or split into 100,000 parts is read only that far.
constexpr int kMaxBodyDepth = 32;
constexpr size_t kMaxBodyParts = 1000;

// Depth first, so the first text/plain wins wherever it sits (multipart/alternative lists it
// first; multipart/mixed puts the body before attachments). Attached messages
// (message/rfc822) are someone else's words and are not entered.
void FindBody(GMimeObject* object, BodyParts* found, int depth = 0) {
  if (++found->visited > kMaxBodyParts || depth > kMaxBodyDepth) return;
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
      FindBody(g_mime_multipart_get_part(multipart, i), found, depth + 1);
      if (found->visited > kMaxBodyParts) return;
    }
    return;
  }
  if (!GMIME_IS_PART(object)) return;
  GMimePart* part = GMIME_PART(object);
  if (g_mime_part_is_attachment(part)) return;
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (found->plain == nullptr && g_mime_content_type_is_type(type, "text", "plain")) {
    found->plain = part;
  } else if (found->html == nullptr && g_mime_content_type_is_type(type, "text", "html")) {
    found->html = part;
  }
}

// ----------------------------------------------------------------------------------------------
// Headers and addresses.

std::vector<std::string> HeaderValues(GMimeObject* object, std::string_view name) {
  std::vector<std::string> values;
  GMimeHeaderList* headers = g_mime_object_get_header_list(object);
  for (int i = 0; i < g_mime_header_list_get_count(headers); ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
    const char* header_name = g_mime_header_get_name(header);
    const char* value = g_mime_header_get_value(header);
    if (header_name != nullptr && value != nullptr && EqualsIgnoreAsciiCase(header_name, name)) {
      values.emplace_back(value);
    }
  }
  return values;
}

std::optional<std::string> Header(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_header(object, name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// One RFC 2047 encoded-word in a header value.
struct EncodedWord {
  size_t start = 0;   // Of its "=?".
  size_t end = 0;     // After its "?=".
  char encoding = 0;  // 'b' or 'q', lower case.
  std::string_view charset;
  std::string_view text;  // Still encoded.
};

// The first well-formed encoded-word of `value` that starts at or after `search`.
std::optional<EncodedWord> FindEncodedWord(std::string_view value, size_t search) {
  while ((search = value.find("=?", search)) != std::string_view::npos) {
    const size_t start = search;
    search += 2;
    // =?charset?B|Q?encoded-text?=, no whitespace inside.
    const size_t mark = value.find('?', start + 2);
    if (mark == std::string_view::npos || mark + 2 >= value.size() || value[mark + 2] != '?') {
      continue;
    }
    const char encoding = AsciiLower(value[mark + 1]);
    // RFC 2231 allows a language after the charset: "utf-8*ar".
    std::string_view charset = value.substr(start + 2, mark - start - 2);
    charset = charset.substr(0, charset.find('*'));
    if ((encoding != 'b' && encoding != 'q') || charset.empty() ||
        charset.find_first_of(kSpaces) != std::string_view::npos) {
      continue;
    }
    const size_t space = std::min(value.find_first_of(kSpaces, mark + 3), value.size());
    const size_t end = value.substr(0, space).find("?=", mark + 3);
    if (end == std::string_view::npos) {
      // No word starting before `space` can end before it either: skipping keeps this linear
      // on hostile input.
      search = space;
      continue;
    }
    return EncodedWord{start, end + 2, encoding, charset, value.substr(mark + 3, end - mark - 3)};
  }
  return std::nullopt;
}

// Appends the bytes `word` encodes (base64 or the Q encoding) to *out.
void AppendWordBytes(const EncodedWord& word, std::string* out) {
  const std::string_view text = word.text;
  if (word.encoding == 'b') {
    // Some mailers leave out the padding, without which GLib drops the last bytes.
    std::string base64(text);
    while (base64.size() % 4 != 0) base64 += '=';
    gsize length = 0;
    std::unique_ptr<guchar, GFree> bytes(g_base64_decode(base64.c_str(), &length));
    if (bytes) out->append(reinterpret_cast<const char*>(bytes.get()), length);
    return;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      *out += ' ';
    } else if (text[i] == '=' && i + 2 < text.size() && g_ascii_isxdigit(text[i + 1]) &&
               g_ascii_isxdigit(text[i + 2])) {
      *out += static_cast<char>(g_ascii_xdigit_value(text[i + 1]) * 16 +
                                g_ascii_xdigit_value(text[i + 2]));
      i += 2;
    } else {
      *out += text[i];
    }
  }
}

// An unfolded unstructured header value (Subject) with its RFC 2047 encoded-words decoded, in
// UTF-8. GMime 3.2.13 base64-decodes a run of adjacent encoded-words as one string and stops at
// the first '=' padding, dropping the rest (jstedfast/gmime#133), and mailers (GMime included)
// fold long non-Latin subjects exactly that way. So each word is decoded on its own here; the
// bytes of adjacent words in one charset are converted together, as some mailers split a
// character across words. Like GMime's loose mode, words inside other text are decoded too.
std::string DecodeHeaderText(std::string_view value, GMimeParserOptions* options) {
  std::string out;
  std::string run;  // Decoded bytes of the current run of adjacent words, in `run_charset`.
  std::string run_charset;
  const auto flush_run = [&] {
    if (!run.empty()) out += ToUtf8(run, run_charset.c_str(), options);
    run.clear();
  };
  bool in_run = false;
  size_t plain_from = 0;  // Start of the text not yet copied to `out`.
  for (std::optional<EncodedWord> word = FindEncodedWord(value, 0); word;
       word = FindEncodedWord(value, word->end)) {
    // RFC 2047 6.2: whitespace between adjacent encoded-words is not part of the text.
    const std::string_view between = value.substr(plain_from, word->start - plain_from);
    const bool adjacent = in_run && TrimAsciiSpace(between).empty();
    if (!adjacent || !EqualsIgnoreAsciiCase(word->charset, run_charset)) flush_run();
    if (!adjacent) out += ToUtf8(between, nullptr, options);
    run_charset = std::string(word->charset);
    AppendWordBytes(*word, &run);
    in_run = true;
    plain_from = word->end;
  }
  flush_run();
  out += ToUtf8(value.substr(plain_from), nullptr, options);
  return out;
}

void CollectMailboxes(InternetAddressList* list, std::vector<std::string>* out) {
  if (list == nullptr) return;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address));
      if (addr != nullptr && *addr != '\0') out->push_back(LowerDomain(addr));
    } else if (INTERNET_ADDRESS_IS_GROUP(address)) {
      CollectMailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), out);
    }
  }
}

std::vector<std::string> ParseAddresses(GMimeParserOptions* options, const std::string& text) {
  std::vector<std::string> out;
  GRef<InternetAddressList> list(internet_address_list_parse(options, text.c_str()));
  CollectMailboxes(list.get(), &out);
  return out;
}

std::vector<std::string> HeaderAddresses(GMimeObject* object, GMimeParserOptions* options,
                                         std::string_view name) {
  std::vector<std::string> out;
  for (const std::string& value : HeaderValues(object, name)) {
    for (std::string& address : ParseAddresses(options, value)) out.push_back(std::move(address));
  }
  return out;
}

// "reply+<token>@domain" -> "<token>".
std::optional<std::string> ReplyToken(std::string_view address) {
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view local = address.substr(0, at);
  constexpr std::string_view kPrefix = "reply+";
  if (!StartsWithIgnoreAsciiCase(local, kPrefix) || local.size() == kPrefix.size()) {
    return std::nullopt;
  }
  return std::string(local.substr(kPrefix.size()));
}

void AppendMessageIds(GMimeParserOptions* options, const std::string& text,
                      std::vector<std::string>* ids, std::set<std::string>* seen) {
  std::unique_ptr<GMimeReferences, ReferencesFree> references(
      g_mime_references_parse(options, text.c_str()));
  if (!references) return;
  for (int i = 0; i < g_mime_references_length(references.get()); ++i) {
    const char* id = g_mime_references_get_message_id(references.get(), i);
    if (id == nullptr || *id == '\0') continue;
    std::string value = ValidUtf8(id);
    if (seen->insert(value).second) ids->push_back(std::move(value));
  }
}

int64_t ToMillis(GDateTime* date) {
  return g_date_time_to_unix(date) * 1000 + g_date_time_get_microsecond(date) / 1000;
}

int64_t ReceivedAtMillis(GMimeMessage* message) {
  GMimeObject* object = GMIME_OBJECT(message);
  const std::vector<std::string> received = HeaderValues(object, "Received");
  if (!received.empty()) {
    const size_t semicolon = received.front().rfind(';');
    if (semicolon != std::string::npos) {
      const std::string date_text(
          TrimAsciiSpace(std::string_view(received.front()).substr(semicolon + 1)));
      std::unique_ptr<GDateTime, DateTimeUnref> date(
          g_mime_utils_header_decode_date(date_text.c_str()));
      if (date) return ToMillis(date.get());
    }
  }
  GDateTime* date = g_mime_message_get_date(message);
  return date != nullptr ? ToMillis(date) : 0;
}

bool ContainsAny(std::string_view text, std::initializer_list<std::string_view> parts) {
  return std::any_of(parts.begin(), parts.end(), [&](std::string_view part) {
    return text.find(part) != std::string_view::npos;
  });
}

bool IsAutoReply(GMimeMessage* message, std::string_view subject, std::string_view from) {
  GMimeObject* object = GMIME_OBJECT(message);
  if (const auto value = Header(object, "Auto-Submitted")) {
    const std::string token = AsciiLower(TrimAsciiSpace(std::string_view(*value).substr(
        0, std::min(value->size(), value->find_first_of(" \t;(")))));
    if (!token.empty() && token != "no") return true;
  }
  for (const char* name : {"X-Autoreply", "X-Autorespond", "X-Autoresponder"}) {
    if (const auto value = Header(object, name);
        value && AsciiLower(TrimAsciiSpace(*value)) != "no") {
      return true;
    }
  }
  for (const char* name : {"Precedence", "X-Precedence"}) {
    if (const auto value = Header(object, name)) {
      const std::string precedence = AsciiLower(TrimAsciiSpace(*value));
      if (precedence == "auto_reply" || precedence == "bulk" || precedence == "junk") return true;
    }
  }
  if (StartsWithIgnoreAsciiCase(from, "mailer-daemon@")) return true;
  const std::string folded = Fold(subject);
  return ContainsAny(
      folded, {"out of office", "out of the office", "automatic reply", "auto-reply", "autoreply",
               "auto reply", "autosvar", "abwesenheitsnotiz", "automatische antwort",
               "réponse automatique", "absence du bureau", "respuesta automática",
               "fuera de la oficina", "risposta automatica", "automatisch antwoord",
               "resposta automática", "автоответ", "автоматический ответ", "رد تلقائي"});
}

// ----------------------------------------------------------------------------------------------
// Delivery status notifications (RFC 3464): the parts; dsn_parser.cc reads their fields.

bool IsDeliveryStatusReport(GMimeObject* object) {
  if (!GMIME_IS_MULTIPART(object)) return false;
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (!g_mime_content_type_is_type(type, "multipart", "report")) return false;
  const char* report_type = g_mime_content_type_get_parameter(type, "report-type");
  return report_type != nullptr && (EqualsIgnoreAsciiCase(report_type, "delivery-status") ||
                                    EqualsIgnoreAsciiCase(report_type, "global-delivery-status"));
}

std::string OriginalMessageId(GMimeObject* part) {
  GMimeContentType* type = g_mime_object_get_content_type(part);
  if (GMIME_IS_MESSAGE_PART(part)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
    const char* id = inner != nullptr ? g_mime_message_get_message_id(inner) : nullptr;
    return id != nullptr ? ValidUtf8(id) : std::string();
  }
  if (!GMIME_IS_PART(part) || !(g_mime_content_type_is_type(type, "text", "rfc822-headers") ||
                                g_mime_content_type_is_type(type, "message", "rfc822-headers") ||
                                g_mime_content_type_is_type(type, "message", "global-headers"))) {
    return {};
  }
  return MessageIdOfHeaderBlock(DecodedContent(GMIME_PART(part)));
}

// The reports of a multipart/report with report-type=delivery-status: the fields of its first
// message/delivery-status part, with the Message-ID of the first part quoting the original.
std::vector<DeliveryReport> DeliveryReportsOf(GMimeMultipart* multipart) {
  std::string status_text;
  std::string original_id;
  for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
    GMimeObject* part = g_mime_multipart_get_part(multipart, i);
    GMimeContentType* type = g_mime_object_get_content_type(part);
    if (GMIME_IS_PART(part) &&
        (g_mime_content_type_is_type(type, "message", "delivery-status") ||
         g_mime_content_type_is_type(type, "message", "global-delivery-status"))) {
      if (status_text.empty()) status_text = DecodedContent(GMIME_PART(part));
    } else if (original_id.empty()) {
      original_id = OriginalMessageId(part);
    }
  }
  return ParseDeliveryStatus(status_text, original_id);
}

// ----------------------------------------------------------------------------------------------
// The steps of ParseEmail.

// RFC 5322 field-name: printable ASCII but ':' (and no space), then ':'.
bool StartsWithHeaderField(std::string_view raw) {
  size_t i = 0;
  while (i < raw.size() && raw[i] > ' ' && raw[i] < 0x7f && raw[i] != ':') ++i;
  return i > 0 && i < raw.size() && raw[i] == ':';
}

ParserOptions MakeParserOptions() {
  ParserOptions options(g_mime_parser_options_new());
  // Mail from the wild: be as forgiving as GMime can, and read undeclared 8-bit headers as
  // UTF-8 first, then as windows-1252 (a superset of Latin-1).
  g_mime_parser_options_set_address_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_rfc2047_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  const char* charsets[] = {"utf-8", "windows-1252", nullptr};
  g_mime_parser_options_set_fallback_charsets(options.get(), charsets);
  return options;
}

// The checks made before GMime sees the message.
absl::Status CheckRawMessage(std::string_view raw) {
  if (raw.size() > kMaxEmailBytes) {
    return absl::InvalidArgumentError("e-mail of " + std::to_string(raw.size()) +
                                      " bytes is over the limit of " +
                                      std::to_string(kMaxEmailBytes));
  }
  if (!StartsWithHeaderField(raw)) {
    return absl::InvalidArgumentError("not an e-mail message: it does not start with a header");
  }
  // GMime's header decoding slows down badly on huge headers (minutes for a few MB of broken
  // encoded-words); real mail has a few KB of headers.
  const size_t header_end = std::min(raw.find("\r\n\r\n"), raw.find("\n\n"));
  if (std::min(header_end, raw.size()) > kMaxHeaderBytes) {
    return absl::InvalidArgumentError("e-mail headers are over the limit of " +
                                      std::to_string(kMaxHeaderBytes) + " bytes");
  }
  return absl::OkStatus();
}

// The first mailbox of From, else of Sender, else of Reply-To; nullopt when none has one.
std::optional<std::string> FirstSender(GMimeMessage* message) {
  std::vector<std::string> senders;
  CollectMailboxes(g_mime_message_get_from(message), &senders);
  if (senders.empty()) CollectMailboxes(g_mime_message_get_sender(message), &senders);
  if (senders.empty()) CollectMailboxes(g_mime_message_get_reply_to(message), &senders);
  if (senders.empty()) return std::nullopt;
  return senders.front();
}

// Sets out->to and out->reply_token: the first reply+<token>@ recipient of To, Delivered-To,
// X-Original-To and Cc, else the first To (else Delivered-To, X-Original-To) address.
void SetRecipient(GMimeMessage* message, GMimeParserOptions* options, InboundMessage* out) {
  std::vector<std::string> to;
  CollectMailboxes(g_mime_message_get_to(message), &to);
  std::vector<std::string> recipients = to;
  for (const char* name : {"Delivered-To", "X-Original-To"}) {
    for (std::string& address : HeaderAddresses(GMIME_OBJECT(message), options, name)) {
      recipients.push_back(std::move(address));
    }
  }
  if (to.empty() && !recipients.empty()) to.push_back(recipients.front());
  CollectMailboxes(g_mime_message_get_cc(message), &recipients);
  for (const std::string& address : recipients) {
    if (std::optional<std::string> token = ReplyToken(address)) {
      out->to = ValidUtf8(address);
      out->reply_token = ValidUtf8(*std::move(token));
      break;
    }
  }
  if (out->to.empty() && !to.empty()) out->to = ValidUtf8(to.front());
}

std::string DecodedSubject(GMimeMessage* message, GMimeParserOptions* options) {
  // From the raw value: GMime's own decoding loses text (see DecodeHeaderText).
  GMimeHeader* subject_header = g_mime_header_list_get_header(
      g_mime_object_get_header_list(GMIME_OBJECT(message)), "Subject");
  const char* raw_subject =
      subject_header != nullptr ? g_mime_header_get_raw_value(subject_header) : nullptr;
  if (raw_subject != nullptr) {
    GChars unfolded(g_mime_utils_header_unfold(raw_subject));
    return ValidUtf8(DecodeHeaderText(unfolded ? unfolded.get() : "", options));
  }
  const char* subject = g_mime_message_get_subject(message);
  return ValidUtf8(subject != nullptr ? subject : "");
}

// What the person wrote: the body's text/plain part, else its text/html part as text, without
// the quoted history.
std::string ReplyText(GMimeObject* body, GMimeParserOptions* options) {
  BodyParts parts;
  FindBody(body, &parts);
  std::string text;
  if (parts.plain != nullptr) {
    text = StripQuotedHistory(TextOfPart(parts.plain, options));
  } else if (parts.html != nullptr) {
    text = StripQuotedHistory(HtmlToText(TextOfPart(parts.html, options)));
  }
  return ValidUtf8(std::move(text));
}

// The Message-IDs of In-Reply-To, then of References from the parent back, duplicates dropped.
std::vector<std::string> ThreadReferences(GMimeMessage* message, GMimeParserOptions* options) {
  GMimeObject* headers = GMIME_OBJECT(message);
  std::vector<std::string> references;
  std::set<std::string> seen;
  for (const std::string& value : HeaderValues(headers, "In-Reply-To")) {
    AppendMessageIds(options, value, &references, &seen);
  }
  // References lists the thread oldest first; the parent, the best hint, is last.
  std::vector<std::string> thread;
  for (const std::string& value : HeaderValues(headers, "References")) {
    AppendMessageIds(options, value, &thread, &seen);
  }
  references.insert(references.end(), std::make_move_iterator(thread.rbegin()),
                    std::make_move_iterator(thread.rend()));
  return references;
}

}  // namespace

absl::StatusOr<ParsedEmail> ParseEmail(std::string_view raw) {
  if (absl::Status checked = CheckRawMessage(raw); !checked.ok()) return checked;
  InitGMime();
  ParserOptions options = MakeParserOptions();
  // The memory stream holds its own copy of `raw`; parts keep references into it.
  GRef<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GRef<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), options.get()));
  if (!message) return absl::InvalidArgumentError("not a MIME message GMime can parse");
  GMimeObject* body = g_mime_message_get_mime_part(message.get());

  ParsedEmail parsed;
  if (body != nullptr && IsDeliveryStatusReport(body)) {
    parsed.kind = ParsedEmail::Kind::kDeliveryReport;
    parsed.reports = DeliveryReportsOf(GMIME_MULTIPART(body));
    return parsed;
  }

  InboundMessage& out = parsed.message;
  out.channel = Channel::kEmail;
  std::optional<std::string> sender = FirstSender(message.get());
  if (!sender) {
    return absl::InvalidArgumentError("e-mail without a sender address (From, Sender, Reply-To)");
  }
  out.from = ValidUtf8(*std::move(sender));
  SetRecipient(message.get(), options.get(), &out);
  out.subject = DecodedSubject(message.get(), options.get());
  if (body != nullptr) out.text = ReplyText(body, options.get());
  out.references = ThreadReferences(message.get(), options.get());
  const char* message_id = g_mime_message_get_message_id(message.get());
  out.provider_message_id =
      message_id != nullptr && *message_id != '\0' ? ValidUtf8(message_id) : Sha256Hex(raw);
  out.received_at_ms = ReceivedAtMillis(message.get());

  // A multipart/report that is not a DSN (those returned above) is a read receipt or the like.
  parsed.auto_reply =
      IsAutoReply(message.get(), out.subject, out.from) ||
      (body != nullptr && GMIME_IS_MULTIPART(body) &&
       g_mime_content_type_is_type(g_mime_object_get_content_type(body), "multipart", "report"));
  return parsed;
}

}  // namespace ogw
