#include "adapters/email/mime_builder.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/email/email_message_id.h"
#include "adapters/email/gmime_init.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

struct FormatOptionsFree {
  void operator()(GMimeFormatOptions* options) const { g_mime_format_options_free(options); }
};

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(std::string(field) + ": " + std::string(problem));
}

// NUL counts too: GMime takes C strings and would silently cut the value there.
absl::Status CheckHeaderValue(std::string_view field, std::string_view value) {
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return Invalid(field, "contains CR, LF or NUL (header injection refused)");
  }
  return absl::OkStatus();
}

absl::Status CheckAddress(std::string_view field, std::string_view address) {
  RETURN_IF_ERROR(CheckHeaderValue(field, address));
  if (!IsPlainEmailAddress(address)) return Invalid(field, "not a plain ASCII e-mail address");
  return absl::OkStatus();
}

// One ASCII URI inside List-Unsubscribe's angle brackets: a space, '<' or '>' would end it
// early, and GMime would turn 8-bit bytes into encoded-words that no client reads as a URI.
bool IsBracketableUri(std::string_view uri) {
  for (unsigned char c : uri) {
    if (c <= ' ' || c >= 0x7f || c == '<' || c == '>') return false;
  }
  return true;
}

absl::Status CheckUnsubscribe(const OutboundMessage& message) {
  RETURN_IF_ERROR(CheckHeaderValue("unsubscribe_url", message.unsubscribe_url));
  RETURN_IF_ERROR(CheckHeaderValue("unsubscribe_mailto", message.unsubscribe_mailto));
  const std::string_view url = message.unsubscribe_url;
  if (!url.empty() && (!IsBracketableUri(url) || !(StartsWithIgnoreAsciiCase(url, "https://") ||
                                                   StartsWithIgnoreAsciiCase(url, "http://")))) {
    return Invalid("unsubscribe_url", "not one http(s) URI");
  }
  if (!message.unsubscribe_mailto.empty() && !IsBracketableUri(message.unsubscribe_mailto)) {
    return Invalid("unsubscribe_mailto", "not one mailto URI or address");
  }
  return absl::OkStatus();
}

// RFC 8058 one-click needs the HTTPS URI; the mailto is for clients that only know RFC 2369.
std::string ListUnsubscribe(const OutboundMessage& message) {
  std::string value;
  if (!message.unsubscribe_url.empty()) value = "<" + message.unsubscribe_url + ">";
  if (!message.unsubscribe_mailto.empty()) {
    if (!value.empty()) value += ", ";
    const bool has_scheme = StartsWithIgnoreAsciiCase(message.unsubscribe_mailto, "mailto:");
    value += "<" + std::string(has_scheme ? "" : "mailto:") + message.unsubscribe_mailto + ">";
  }
  return value;
}

// Text parts travel in canonical form (RFC 2046): CRLF line ends, also inside base64.
std::string CrlfLines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

GRef<GMimePart> TextPart(const char* subtype, std::string_view text) {
  GRef<GMimePart> part(g_mime_part_new_with_type("text", subtype));
  // Set by hand: g_mime_text_part_set_text would relabel (and convert) Latin text to iso-8859-1.
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
  const std::string canonical = CrlfLines(text);
  GRef<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(canonical.data(), canonical.size()));
  GRef<GMimeDataWrapper> content(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), content.get());
  g_mime_part_set_content_encoding(
      part.get(), g_mime_part_get_best_content_encoding(part.get(), GMIME_ENCODING_CONSTRAINT_7BIT));
  return part;
}

// RFC 2045 token: printable ASCII but space and tspecials.
bool IsTokenChar(char c) {
  return c > ' ' && c < 0x7f &&
         std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// type "/" subtype *(";" attribute "=" (token / quoted-string)) with spaces around the ';'
// (RFC 2045 5.1). GMime reads anything, guessing at what it cannot: checked here instead, so
// that a file goes out labelled exactly as asked or not at all.
bool IsWellFormedContentType(std::string_view value) {
  for (char c : value) {
    if (c < ' ' || c >= 0x7f) return false;
  }
  size_t i = 0;
  auto spaces = [&] {
    while (i < value.size() && value[i] == ' ') ++i;
  };
  auto token = [&] {
    const size_t begin = i;
    while (i < value.size() && IsTokenChar(value[i])) ++i;
    return i > begin;
  };
  auto quoted = [&] {
    for (++i; i < value.size(); ++i) {
      if (value[i] == '"') return ++i, true;
      if (value[i] == '\\') ++i;  // A quoted pair.
    }
    return false;
  };
  spaces();
  if (!token() || i == value.size() || value[i++] != '/' || !token()) return false;
  for (spaces(); i < value.size(); spaces()) {
    if (value[i++] != ';') return false;
    spaces();
    if (!token() || i == value.size() || value[i++] != '=') return false;
    if (!(i < value.size() && value[i] == '"' ? quoted() : token())) return false;
  }
  return true;
}

// GMime's reading of an attachment's content type; the same for every string
// IsWellFormedContentType accepts.
GRef<GMimeContentType> ParseContentType(const std::string& value) {
  InitGMime();
  return GRef<GMimeContentType>(g_mime_content_type_parse(nullptr, value.c_str()));
}

absl::Status CheckContentType(const std::string& field, const std::string& value) {
  if (!IsWellFormedContentType(value)) {
    return Invalid(field, "not a MIME type/subtype with attribute=value parameters");
  }
  const std::string_view head = std::string_view(value).substr(value.find_first_not_of(' '));
  const size_t slash = head.find('/');
  const std::string type(head.substr(0, slash));
  std::string subtype(head.substr(slash + 1));
  subtype.resize(std::min(subtype.find_first_of(" ;"), subtype.size()));
  GRef<GMimeContentType> parsed = ParseContentType(value);
  if (!g_mime_content_type_is_type(parsed.get(), type.c_str(), subtype.c_str())) {
    return Invalid(field, "not a MIME type GMime reads as written");
  }
  if (g_mime_content_type_is_type(parsed.get(), "multipart", "*") ||
      g_mime_content_type_is_type(parsed.get(), "message", "*")) {
    return Invalid(field, "multipart/* and message/* are structures, not files");
  }
  return absl::OkStatus();
}

absl::Status CheckFilename(const std::string& field, std::string_view name) {
  if (name.empty()) return Invalid(field, "empty");
  if (!IsValidUtf8(name)) return Invalid(field, "not valid UTF-8");
  size_t chars = 0;
  for (unsigned char c : name) {
    // Mail clients save the file under this name: no path, and nothing that could end the
    // header line or hide in it.
    if (c == '/' || c == '\\') {
      return Invalid(field, "contains '/' or '\\' (a file name, not a path)");
    }
    if (c < ' ' || c == 0x7f) {
      return Invalid(field, "contains CR, LF, NUL or another control character");
    }
    if ((c & 0xc0) != 0x80) ++chars;
  }
  if (chars > kMaxAttachmentFilenameChars) {
    return Invalid(field,
                   "longer than " + std::to_string(kMaxAttachmentFilenameChars) + " characters");
  }
  if (name == "." || name == "..") return Invalid(field, "not a file name");
  return absl::OkStatus();
}

// A text encoding (7bit, quoted-printable) carries line breaks as CRLF whatever they were:
// a file with a bare CR or LF only arrives unchanged in base64.
bool HasBareLineBreak(std::string_view data) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) return true;
    if (data[i] == '\r' && (i + 1 == data.size() || data[i + 1] != '\n')) return true;
  }
  return false;
}

// One file as a part: attached under its name, or (no name) the calendar alternative.
GRef<GMimePart> FilePart(const Attachment& file, const char* filename) {
  GRef<GMimePart> part(g_mime_part_new());
  GRef<GMimeContentType> type = ParseContentType(file.content_type);
  g_mime_object_set_content_type(GMIME_OBJECT(part.get()), type.get());
  GRef<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(file.data.data(), file.data.size()));
  GRef<GMimeDataWrapper> content(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), content.get());
  g_mime_part_set_content_encoding(
      part.get(), HasBareLineBreak(file.data) ? GMIME_CONTENT_ENCODING_BASE64
                                              : g_mime_part_get_best_content_encoding(
                                                    part.get(), GMIME_ENCODING_CONSTRAINT_7BIT));
  if (filename != nullptr) {
    GMimeObject* object = GMIME_OBJECT(part.get());
    g_mime_object_set_disposition(object, GMIME_DISPOSITION_ATTACHMENT);
    g_mime_part_set_filename(part.get(), filename);  // Content-Disposition and Content-Type.
    // Else GMime picks a legacy charset for RFC 2231 (iso-8859-1 for "Réunion.ics").
    GMimeParam* disposition_name = g_mime_param_list_get_parameter(
        g_mime_content_disposition_get_parameters(g_mime_object_get_content_disposition(object)),
        "filename");
    GMimeParam* type_name = g_mime_param_list_get_parameter(
        g_mime_content_type_get_parameters(g_mime_object_get_content_type(object)), "name");
    for (GMimeParam* param : {disposition_name, type_name}) {
      if (param != nullptr) g_mime_param_set_charset(param, "UTF-8");
    }
  }
  return part;
}

// An invitation: text/calendar with a method (PUBLISH, REQUEST, CANCEL, ...).
bool IsCalendarInvitation(const Attachment& file) {
  GRef<GMimeContentType> type = ParseContentType(file.content_type);
  const char* method = g_mime_content_type_get_parameter(type.get(), "method");
  return g_mime_content_type_is_type(type.get(), "text", "calendar") && method != nullptr &&
         *method != '\0';
}

void AddMailbox(InternetAddressList* list, const std::string& name, const std::string& address) {
  GRef<InternetAddress> mailbox(
      internet_address_mailbox_new(name.empty() ? nullptr : name.c_str(), address.c_str()));
  // Else GMime picks a legacy charset for the encoded-words (windows-1251 for Cyrillic).
  internet_address_set_charset(mailbox.get(), "utf-8");
  internet_address_list_add(list, mailbox.get());
}

}  // namespace

absl::Status CheckAttachments(std::span<const Attachment> attachments) {
  if (attachments.size() > kMaxEmailAttachments) {
    return Invalid("attachments", "more than " + std::to_string(kMaxEmailAttachments) + " files");
  }
  for (size_t i = 0; i < attachments.size(); ++i) {
    const std::string field = "attachments[" + std::to_string(i) + "].";
    if (attachments[i].data.size() > kMaxAttachmentBytes) {
      return Invalid(field + "data",
                     "larger than " + std::to_string(kMaxAttachmentBytes / 1024) + " KiB");
    }
    RETURN_IF_ERROR(CheckFilename(field + "filename", attachments[i].filename));
    RETURN_IF_ERROR(CheckContentType(field + "content_type", attachments[i].content_type));
  }
  return absl::OkStatus();
}

// Nothing for GMime to quote and no way to name a second address: the To header then says
// exactly what RCPT TO says.
bool IsPlainEmailAddress(std::string_view address) {
  const size_t at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (unsigned char c : address) {
    if (c <= ' ' || c >= 0x7f || std::string_view("()<>[]:;,\"\\").find(static_cast<char>(c)) !=
                                     std::string_view::npos) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<BuiltEmail> BuildEmail(const OutboundMessage& message, const MimeSender& sender) {
  BuiltEmail built;
  built.from_address = message.from.empty() ? sender.address : message.from;
  RETURN_IF_ERROR(CheckAddress("to", message.to));
  RETURN_IF_ERROR(CheckAddress("from", built.from_address));
  RETURN_IF_ERROR(CheckHeaderValue("from_name", sender.name));
  RETURN_IF_ERROR(CheckHeaderValue("subject", message.subject));
  RETURN_IF_ERROR(CheckHeaderValue("message_id", message.message_id));
  if (!message.reply_to.empty()) RETURN_IF_ERROR(CheckAddress("reply_to", message.reply_to));
  RETURN_IF_ERROR(CheckUnsubscribe(message));
  RETURN_IF_ERROR(CheckAttachments(message.attachments));
  ASSIGN_OR_RETURN(
      std::string message_id,
      NewEmailMessageId(message.message_id, sender.message_id_domain, sender.message_id_key));
  built.message_id = message_id.substr(1, message_id.size() - 2);

  InitGMime();
  GRef<GMimeMessage> mime(g_mime_message_new(TRUE));
  GMimeObject* object = GMIME_OBJECT(mime.get());
  GDateTime* now = g_date_time_new_now_utc();
  g_mime_message_set_date(mime.get(), now);
  g_date_time_unref(now);
  AddMailbox(g_mime_message_get_from(mime.get()), sender.name, built.from_address);
  AddMailbox(g_mime_message_get_to(mime.get()), "", message.to);
  if (!message.reply_to.empty()) {
    AddMailbox(g_mime_message_get_reply_to(mime.get()), "", message.reply_to);
  }
  g_mime_message_set_subject(mime.get(), message.subject.c_str(), "utf-8");
  g_mime_message_set_message_id(mime.get(), built.message_id.c_str());
  const std::string list_unsubscribe = ListUnsubscribe(message);
  if (!list_unsubscribe.empty()) {
    g_mime_object_set_header(object, "List-Unsubscribe", list_unsubscribe.c_str(), nullptr);
    // GMime treats the value as free text and writes a long one as RFC 2047 encoded-words,
    // which no mail client reads as URIs: write it as is, folded between the URIs (a URI may
    // not be folded; lines up to 998 bytes are allowed).
    std::string raw = " " + list_unsubscribe + "\n";
    for (size_t at = raw.find(", "); at != std::string::npos; at = raw.find(", ", at)) {
      raw.replace(at, 2, ",\n ");
    }
    GMimeHeader* header =
        g_mime_header_list_get_header(g_mime_object_get_header_list(object), "List-Unsubscribe");
    if (header != nullptr) g_mime_header_set_raw_value(header, raw.c_str());
  }
  if (!message.unsubscribe_url.empty()) {
    g_mime_object_set_header(object, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click",
                             nullptr);
  }
  g_mime_object_set_header(object, "X-Outreach-Message-Id", message.message_id.c_str(), nullptr);

  const auto invitation =
      std::find_if(message.attachments.begin(), message.attachments.end(), IsCalendarInvitation);
  const bool with_invitation = invitation != message.attachments.end();
  GRef<GMimeObject> body(GMIME_OBJECT(TextPart("plain", message.text).release()));
  if (!message.html.empty() || with_invitation) {
    GRef<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
    // Least preferred first (RFC 2046 5.1.4): clients show the HTML part when they can, and
    // those that know calendars offer the invitation from the last one.
    g_mime_multipart_add(alternative.get(), body.get());
    if (!message.html.empty()) {
      g_mime_multipart_add(alternative.get(), GMIME_OBJECT(TextPart("html", message.html).get()));
    }
    if (with_invitation) {
      g_mime_multipart_add(alternative.get(), GMIME_OBJECT(FilePart(*invitation, nullptr).get()));
    }
    body.reset(GMIME_OBJECT(alternative.release()));
  }
  if (!message.attachments.empty()) {
    GRef<GMimeMultipart> mixed(g_mime_multipart_new_with_subtype("mixed"));
    g_mime_multipart_add(mixed.get(), body.get());
    for (const Attachment& file : message.attachments) {
      g_mime_multipart_add(mixed.get(), GMIME_OBJECT(FilePart(file, file.filename.c_str()).get()));
    }
    body.reset(GMIME_OBJECT(mixed.release()));
  }
  g_mime_message_set_mime_part(mime.get(), body.get());

  // SMTP wants CRLF everywhere; GMime writes LF by default.
  std::unique_ptr<GMimeFormatOptions, FormatOptionsFree> format(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(format.get(), GMIME_NEWLINE_FORMAT_DOS);
  GRef<GMimeStream> out(g_mime_stream_mem_new());
  if (g_mime_object_write_to_stream(object, format.get(), out.get()) < 0) {
    return absl::InternalError("GMime could not write the message");
  }
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  built.data.assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
  return built;
}

}  // namespace ogw
