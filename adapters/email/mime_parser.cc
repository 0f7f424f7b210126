#include "adapters/email/mime_parser.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "adapters/email/gmime_init.h"
#include "gateway/core/crypto.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

struct GFree {
  void operator()(gpointer memory) const { g_free(memory); }
};
using GChars = std::unique_ptr<char, GFree>;

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
// Strings.

constexpr std::string_view kSpaces = " \t\r\n\f\v";

std::string_view TrimRight(std::string_view text) {
  const size_t end = text.find_last_not_of(kSpaces);
  return end == std::string_view::npos ? std::string_view() : text.substr(0, end + 1);
}

bool EndsWithNoCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         EqualsIgnoreAsciiCase(text.substr(text.size() - suffix.size()), suffix);
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Unicode case folding, so "Réponse" and "АВТООТВЕТ" match their lower-case patterns.
std::string Fold(std::string_view text) {
  // GLib's case functions expect valid UTF-8.
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) {
    return AsciiLower(text);
  }
  GChars folded(g_utf8_casefold(text.data(), static_cast<gssize>(text.size())));
  return folded ? std::string(folded.get()) : std::string(text);
}

bool StartsWithAny(std::string_view text, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view prefix) { return text.starts_with(prefix); });
}

bool ContainsAny(std::string_view text, std::initializer_list<std::string_view> parts) {
  return std::any_of(parts.begin(), parts.end(),
                     [&](std::string_view part) { return Contains(text, part); });
}

// Every string handed to the gateway is valid UTF-8 without NULs: it goes into JSON and Redis.
std::string ValidUtf8(std::string text) {
  std::erase(text, '\0');
  if (g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) return text;
  GChars valid(g_utf8_make_valid(text.data(), static_cast<gssize>(text.size())));
  return std::string(valid.get());
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point == 0 || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    code_point = 0xFFFD;
  }
  char buffer[6];
  const gint length = g_unichar_to_utf8(code_point, buffer);
  out->append(buffer, static_cast<size_t>(length));
}

// The local part keeps its case (it may be case-sensitive); domains are case-insensitive, and
// the gateway compares addresses as strings.
std::string LowerDomain(std::string_view address) {
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos) return std::string(address);
  const std::string_view domain = address.substr(at + 1);
  if (!g_utf8_validate(domain.data(), static_cast<gssize>(domain.size()), nullptr)) {
    return std::string(address.substr(0, at + 1)) + AsciiLower(domain);
  }
  GChars lower(g_utf8_strdown(domain.data(), static_cast<gssize>(domain.size())));
  return std::string(address.substr(0, at + 1)) + (lower ? lower.get() : std::string(domain));
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find_first_of("\r\n", at);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(at));
      break;
    }
    lines.push_back(text.substr(at, end - at));
    at = end + (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
  }
  return lines;
}

// Joins lines with "\n" after dropping trailing spaces, shrinking blank-line runs to one and
// dropping leading and trailing blank lines.
std::string JoinTidy(const std::vector<std::string>& lines) {
  std::string out;
  bool blank_pending = false;
  for (const std::string& line : lines) {
    const std::string_view kept = TrimRight(line);
    if (kept.empty()) {
      blank_pending = !out.empty();
      continue;
    }
    if (!out.empty()) out += blank_pending ? "\n\n" : "\n";
    blank_pending = false;
    out += kept;
  }
  return out;
}

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
// HTML.

struct NamedEntity {
  std::string_view name;
  uint32_t code_point;
};

// The entities mail clients actually emit; Latin-1 letters come from kLatin1Letters.
constexpr NamedEntity kEntities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},    {"nbsp", 0xA0},     {"iexcl", 0xA1},    {"cent", 0xA2},
    {"pound", 0xA3},   {"curren", 0xA4},   {"yen", 0xA5},      {"brvbar", 0xA6},
    {"sect", 0xA7},    {"uml", 0xA8},      {"copy", 0xA9},     {"ordf", 0xAA},
    {"laquo", 0xAB},   {"not", 0xAC},      {"shy", 0xAD},      {"reg", 0xAE},
    {"macr", 0xAF},    {"deg", 0xB0},      {"plusmn", 0xB1},   {"sup2", 0xB2},
    {"sup3", 0xB3},    {"acute", 0xB4},    {"micro", 0xB5},    {"para", 0xB6},
    {"middot", 0xB7},  {"cedil", 0xB8},    {"sup1", 0xB9},     {"ordm", 0xBA},
    {"raquo", 0xBB},   {"frac14", 0xBC},   {"frac12", 0xBD},   {"frac34", 0xBE},
    {"iquest", 0xBF},  {"times", 0xD7},    {"divide", 0xF7},   {"OElig", 0x152},
    {"oelig", 0x153},  {"Scaron", 0x160},  {"scaron", 0x161},  {"Yuml", 0x178},
    {"fnof", 0x192},   {"circ", 0x2C6},    {"tilde", 0x2DC},   {"ensp", 0x2002},
    {"emsp", 0x2003},  {"thinsp", 0x2009}, {"zwnj", 0x200C},   {"zwj", 0x200D},
    {"lrm", 0x200E},   {"rlm", 0x200F},    {"ndash", 0x2013},  {"mdash", 0x2014},
    {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"sbquo", 0x201A},  {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"bdquo", 0x201E},  {"dagger", 0x2020}, {"Dagger", 0x2021},
    {"bull", 0x2022},  {"hellip", 0x2026}, {"permil", 0x2030}, {"prime", 0x2032},
    {"Prime", 0x2033}, {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"euro", 0x20AC},
    {"trade", 0x2122}, {"larr", 0x2190},   {"uarr", 0x2191},   {"rarr", 0x2192},
    {"darr", 0x2193},  {"harr", 0x2194},   {"minus", 0x2212},  {"hearts", 0x2665},
    {"check", 0x2713}, {"Alpha", 0x391},   {"alpha", 0x3B1},   {"beta", 0x3B2},
};

// &Agrave; .. &yuml; name U+00C0 .. U+00FF in order; empty names are × and ÷ (above).
constexpr std::array<std::string_view, 64> kLatin1Letters = {
    "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig", "Ccedil",
    "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc", "Iuml",
    "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",  "",
    "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN", "szlig",
    "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig", "ccedil",
    "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc", "iuml",
    "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",  "",
    "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn", "yuml",
};

// HTML maps numeric references in 0x80-0x9F to windows-1252, as Word-made HTML expects.
constexpr std::array<uint16_t, 32> kWindows1252High = {
    0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021, 0x2C6,  0x2030, 0x160,
    0x2039, 0x152,  0x8D,   0x17D,  0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178,
};

std::optional<uint32_t> LookupEntity(std::string_view name) {
  for (const NamedEntity& entity : kEntities) {
    if (entity.name == name) return entity.code_point;
  }
  for (size_t i = 0; i < kLatin1Letters.size(); ++i) {
    if (!kLatin1Letters[i].empty() && kLatin1Letters[i] == name) {
      return static_cast<uint32_t>(0xC0 + i);
    }
  }
  return std::nullopt;
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Decodes one reference at text[0] == '&' into *out; returns the bytes consumed, 0 when it is
// not a reference (the '&' is then literal).
size_t DecodeEntity(std::string_view text, std::string* out) {
  if (text.size() < 2) return 0;
  if (text[1] == '#') {
    const bool hex = text.size() > 2 && (text[2] == 'x' || text[2] == 'X');
    size_t at = hex ? 3 : 2;
    uint32_t value = 0;
    const size_t digits_from = at;
    while (at < text.size() && at - digits_from < 8) {
      const char c = text[at];
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (hex && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (hex && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) break;
      value = value * (hex ? 16 : 10) + static_cast<uint32_t>(digit);
      ++at;
    }
    if (at == digits_from) return 0;
    if (at < text.size() && text[at] == ';') ++at;
    if (value >= 0x80 && value <= 0x9F) value = kWindows1252High[value - 0x80];
    AppendUtf8(value, out);
    return at;
  }
  size_t at = 1;
  while (at < text.size() && at < 34 && IsAsciiAlnum(text[at])) ++at;
  const std::string_view name = text.substr(1, at - 1);
  const std::optional<uint32_t> value = LookupEntity(name);
  if (!value) return 0;
  if (at < text.size() && text[at] == ';') {
    ++at;
  } else if (!(name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "nbsp" ||
               name == "copy" || name == "reg")) {
    return 0;  // Only these legacy names may omit the ';'.
  }
  AppendUtf8(*value, out);
  return at;
}

std::string DecodeEntities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      const size_t used = DecodeEntity(text.substr(i), &out);
      if (used > 0) {
        i += used - 1;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

struct Tag {
  std::string name;  // Lower case.
  bool closing = false;
  std::string href;  // Entity-decoded; <a> only.
};

// Parses the tag at html[at] == '<'. Returns the position after its '>' (or the end), or
// npos when this '<' does not open a tag and is text.
size_t ParseTag(std::string_view html, size_t at, Tag* tag) {
  size_t i = at + 1;
  if (i < html.size() && html[i] == '/') {
    tag->closing = true;
    ++i;
  }
  const size_t name_from = i;
  while (i < html.size() && (IsAsciiAlnum(html[i]) || html[i] == ':' || html[i] == '-')) ++i;
  const auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (i == name_from || !is_letter(html[name_from])) return std::string_view::npos;
  tag->name = AsciiLower(html.substr(name_from, i - name_from));
  // Attributes: only href matters; quoted values may contain '>'.
  while (i < html.size() && html[i] != '>') {
    if (std::string_view(kSpaces).find(html[i]) != std::string_view::npos || html[i] == '/') {
      ++i;
      continue;
    }
    const size_t attr_from = i;
    while (i < html.size() && html[i] != '=' && html[i] != '>' &&
           std::string_view(kSpaces).find(html[i]) == std::string_view::npos) {
      ++i;
    }
    const std::string attr = AsciiLower(html.substr(attr_from, i - attr_from));
    while (i < html.size() && std::string_view(kSpaces).find(html[i]) != std::string_view::npos) {
      ++i;
    }
    if (i >= html.size() || html[i] != '=') continue;
    ++i;
    while (i < html.size() && std::string_view(kSpaces).find(html[i]) != std::string_view::npos) {
      ++i;
    }
    std::string_view value;
    if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
      const char quote = html[i];
      const size_t end = html.find(quote, i + 1);
      const size_t stop = end == std::string_view::npos ? html.size() : end;
      value = html.substr(i + 1, stop - i - 1);
      i = end == std::string_view::npos ? html.size() : end + 1;
    } else {
      const size_t value_from = i;
      while (i < html.size() && html[i] != '>' &&
             std::string_view(kSpaces).find(html[i]) == std::string_view::npos) {
        ++i;
      }
      value = html.substr(value_from, i - value_from);
    }
    if (attr == "href") tag->href = DecodeEntities(TrimAsciiSpace(value));
  }
  return i < html.size() ? i + 1 : html.size();
}

bool IsBlockTag(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {
      "address",  "article", "aside",  "caption", "center", "dd",    "div", "dl",   "dt",
      "fieldset", "figure",  "footer", "form",    "header", "hr",    "li",  "main", "nav",
      "ol",       "section", "table",  "tbody",   "tfoot",  "thead", "tr",  "ul",   "figcaption"};
  return std::find(std::begin(kBlocks), std::end(kBlocks), name) != std::end(kBlocks);
}

bool IsParagraphTag(std::string_view name) {
  return name == "p" || (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6');
}

// Strips a scheme and trailing '/', so a link written as its own address is not repeated.
std::string_view BareUrl(std::string_view url) {
  for (std::string_view scheme : {"mailto:", "https://", "http://"}) {
    if (StartsWithIgnoreAsciiCase(url, scheme)) {
      url.remove_prefix(scheme.size());
      break;
    }
  }
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

class TextBuilder {
 public:
  void Text(std::string_view text, bool preformatted) {
    for (const char c : text) {
      if (preformatted) {
        if (c == '\n') {
          EndLine(true);
        } else if (c != '\r') {
          Put(c);
        }
        continue;
      }
      if (std::string_view(kSpaces).find(c) != std::string_view::npos) {
        pending_space_ = !line_.empty();
        continue;
      }
      if (pending_space_) Put(' ');
      pending_space_ = false;
      Put(c);
    }
  }

  // Ends the current line; with `blank`, makes sure one blank line follows.
  void Break(bool blank) {
    if (!line_.empty()) EndLine(false);
    if (blank && !lines_.empty() && !lines_.back().second.empty()) lines_.emplace_back(quote_, "");
  }

  // <br>: always a line, empty or not.
  void LineBreak() { EndLine(true); }

  void StartLink(std::string href) {
    href_ = std::move(href);
    link_text_.clear();
    in_link_ = true;
  }

  void EndLink() {
    if (!in_link_) return;
    in_link_ = false;
    const std::string_view text = TrimAsciiSpace(link_text_);
    if (href_.empty() || href_.front() == '#' || StartsWithIgnoreAsciiCase(href_, "javascript:") ||
        text.empty() || EqualsIgnoreAsciiCase(BareUrl(text), BareUrl(href_))) {
      return;
    }
    Text(" (" + href_ + ")", false);
  }

  void Quote(int delta) { quote_ = std::max(0, quote_ + delta); }

  std::string Finish() {
    Break(false);
    std::vector<std::string> lines;
    lines.reserve(lines_.size());
    for (auto& [depth, text] : lines_) {
      std::string prefixed;
      for (int i = 0; i < depth && !text.empty(); ++i) prefixed += "> ";
      // A non-breaking space reads as a space in plain text, and quote detection expects one.
      size_t at = 0;
      while ((at = text.find("\xC2\xA0", at)) != std::string::npos) text.replace(at, 2, " ");
      lines.push_back(prefixed + text);
    }
    return JoinTidy(lines);
  }

 private:
  void Put(char c) {
    if (line_.empty()) line_quote_ = quote_;
    line_.push_back(c);
    if (in_link_) link_text_.push_back(c);
  }

  void EndLine(bool keep_empty) {
    if (line_.empty() && !keep_empty) return;
    lines_.emplace_back(line_.empty() ? quote_ : line_quote_, std::move(line_));
    line_.clear();
    pending_space_ = false;
  }

  std::vector<std::pair<int, std::string>> lines_;  // Quote depth, text.
  std::string line_;
  int line_quote_ = 0;
  int quote_ = 0;
  bool pending_space_ = false;
  bool in_link_ = false;
  std::string href_;
  std::string link_text_;
};

// Skips the content of <script>, <style>, ... up to its closing tag. Returns the position
// after it, or npos when there is none.
size_t SkipElement(std::string_view html, size_t from, std::string_view name) {
  for (size_t close = html.find("</", from); close != std::string_view::npos;
       close = html.find("</", close + 2)) {
    if (!StartsWithIgnoreAsciiCase(html.substr(close + 2), name)) continue;
    const size_t end = html.find('>', close);
    return end == std::string_view::npos ? html.size() : end + 1;
  }
  return std::string_view::npos;
}

// ----------------------------------------------------------------------------------------------
// Quoted history.

// Folds the spaces and invisible marks clients put into attribution lines (no-break and
// narrow no-break spaces before French colons, bidi marks around Arabic and Hebrew names),
// then trims.
std::string NormalizeLine(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    const std::string_view rest = line.substr(i);
    if (rest.starts_with("\xC2\xA0")) {  // U+00A0
      out.push_back(' ');
      i += 1;
    } else if (rest.starts_with("\xE2\x80\xAF") || rest.starts_with("\xE2\x80\x87")) {
      out.push_back(' ');  // U+202F, U+2007
      i += 2;
    } else if (rest.size() >= 3 && rest[0] == '\xE2' &&
               ((rest[1] == '\x80' && (rest[2] == '\x8E' || rest[2] == '\x8F' ||
                                       (rest[2] >= '\xAA' && rest[2] <= '\xAE'))) ||
                (rest[1] == '\x81' && rest[2] >= '\xA6' && rest[2] <= '\xA9'))) {
      i += 2;  // U+200E, U+200F, U+202A..U+202E, U+2066..U+2069: dropped.
    } else if (rest.starts_with("\xEF\xBB\xBF")) {
      i += 2;  // U+FEFF.
    } else {
      out.push_back(line[i]);
    }
  }
  return std::string(TrimAsciiSpace(out));
}

bool IsAttribution(std::string_view s) {
  if (s.size() > 600 || s.empty() || s.back() != ':') return false;
  // Every client writes the date or the address; this keeps "On reflection I wrote:" in.
  if (std::none_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '@'; })) {
    return false;
  }
  if (EndsWithNoCase(s, "wrote:") && (StartsWithIgnoreAsciiCase(s, "On ") || Contains(s, "@"))) return true;
  if (StartsWithIgnoreAsciiCase(s, "Le ") && (s.ends_with("a écrit :") || s.ends_with("a écrit:"))) {
    return true;
  }
  if (StartsWithIgnoreAsciiCase(s, "El ") && s.ends_with("escribió:")) return true;
  if (StartsWithIgnoreAsciiCase(s, "Am ") && Contains(s, "schrieb")) return true;
  if (StartsWithIgnoreAsciiCase(s, "Em ") && s.ends_with("escreveu:")) return true;
  if (StartsWithIgnoreAsciiCase(s, "Il ") && s.ends_with("ha scritto:")) return true;
  if (StartsWithIgnoreAsciiCase(s, "Op ") && Contains(s, "schreef")) return true;
  if (Contains(s, "написал")) return true;  // написал(а): / написала: / написал:
  if (Contains(s, "كتب") || Contains(s, "كتابة")) return true;
  return false;
}

// How many lines (1-3) from lines[i] form an attribution, 0 when they do not: Gmail and
// Outlook wrap long ones. A wrapped one starts with the date or the address and its first
// line does not end a sentence, so the person's last line is not taken for its start.
size_t AttributionLength(const std::vector<std::string>& normalized, size_t i) {
  const std::string& first = normalized[i];
  const bool may_wrap = !first.empty() && first.find_first_of("0123456789@") != std::string::npos &&
                        std::string_view(".!?").find(first.back()) == std::string_view::npos;
  std::string joined;
  for (size_t k = 0; k < 3 && i + k < normalized.size(); ++k) {
    if (normalized[i + k].empty() || (k > 0 && !may_wrap)) break;
    if (k > 0) joined += ' ';
    joined += normalized[i + k];
    if (IsAttribution(joined)) return k + 1;
  }
  return 0;
}

bool IsSeparator(std::string_view normalized) {
  const std::string folded = Fold(normalized);
  if (folded == "begin forwarded message:" || folded == "début du message réexpédié :") {
    return true;
  }
  if (!folded.starts_with("--") || !folded.ends_with("--")) return false;
  const size_t from = folded.find_first_not_of("- ");
  if (from == std::string::npos) return false;
  const std::string_view inner =
      std::string_view(folded).substr(from, folded.find_last_not_of("- ") - from + 1);
  for (std::string_view label :
       {"original message", "forwarded message", "ursprüngliche nachricht",
        "weitergeleitete nachricht", "message d'origine", "message transféré", "mensaje original",
        "mensaje reenviado", "messaggio originale", "messaggio inoltrato", "oorspronkelijk bericht",
        "doorgestuurd bericht", "mensagem original", "mensagem encaminhada", "исходное сообщение",
        "пересылаемое сообщение", "الرسالة الأصلية"}) {
    if (inner == label) return true;
  }
  return false;
}

bool IsOutlookFrom(std::string_view folded) {
  return StartsWithAny(folded, {"from:", "de :", "de:", "von:", "от:", "van:", "da:", "من:"});
}

bool IsOutlookSent(std::string_view folded) {
  return StartsWithAny(
      folded, {"sent:", "date:", "envoyé :", "envoyé:", "date :", "gesendet:", "datum:", "enviado:",
               "enviada:", "fecha:", "inviato:", "data:", "verzonden:", "отправлено:", "дата:",
               "التاريخ:", "تاريخ الإرسال:"});
}

// "From: ..." followed within four non-blank lines by "Sent: ..." (or "Date:"), as Outlook
// heads the message it quotes without any '>' marks.
bool IsOutlookBlock(const std::vector<std::string>& normalized, size_t i) {
  if (!IsOutlookFrom(Fold(normalized[i]))) return false;
  size_t seen = 0;
  for (size_t j = i + 1; j < normalized.size() && seen < 4; ++j) {
    if (normalized[j].empty()) continue;
    ++seen;
    if (IsOutlookSent(Fold(normalized[j]))) return true;
  }
  return false;
}

bool IsRule(std::string_view normalized) {
  return normalized.size() >= 8 && normalized.find_first_not_of('_') == std::string_view::npos;
}

bool IsMobileSignature(std::string_view normalized) {
  if (normalized.size() > 100) return false;
  const std::string folded = Fold(normalized);
  if (folded.starts_with("von meinem ") && folded.ends_with("gesendet")) return true;
  return StartsWithAny(
      folded, {"sent from my ", "sent from mail for windows", "get outlook for ",
               "sent from yahoo mail", "envoyé de mon ", "envoyé depuis mon ", "enviado desde mi ",
               "enviado do meu ", "inviato da ", "verzonden vanaf ", "отправлено с "});
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
  size_t search = 0;
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
    const std::string_view text = value.substr(mark + 3, end - mark - 3);

    // RFC 2047 6.2: whitespace between adjacent encoded-words is not part of the text.
    const std::string_view between = value.substr(plain_from, start - plain_from);
    const bool adjacent = in_run && TrimAsciiSpace(between).empty();
    if (!adjacent || !EqualsIgnoreAsciiCase(charset, run_charset)) flush_run();
    if (!adjacent) out += ToUtf8(between, nullptr, options);
    run_charset = std::string(charset);
    if (encoding == 'b') {
      // Some mailers leave out the padding, without which GLib drops the last bytes.
      std::string base64(text);
      while (base64.size() % 4 != 0) base64 += '=';
      gsize length = 0;
      std::unique_ptr<guchar, GFree> bytes(g_base64_decode(base64.c_str(), &length));
      if (bytes) run.append(reinterpret_cast<const char*>(bytes.get()), length);
    } else {
      for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '_') {
          run += ' ';
        } else if (text[i] == '=' && i + 2 < text.size() && g_ascii_isxdigit(text[i + 1]) &&
                   g_ascii_isxdigit(text[i + 2])) {
          run += static_cast<char>(g_ascii_xdigit_value(text[i + 1]) * 16 +
                                   g_ascii_xdigit_value(text[i + 2]));
          i += 2;
        } else {
          run += text[i];
        }
      }
    }
    in_run = true;
    plain_from = search = end + 2;
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
  if (!StartsWithIgnoreAsciiCase(local, kPrefix) || local.size() == kPrefix.size()) return std::nullopt;
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
      const std::string date_text(TrimAsciiSpace(std::string_view(received.front()).substr(semicolon + 1)));
      std::unique_ptr<GDateTime, DateTimeUnref> date(
          g_mime_utils_header_decode_date(date_text.c_str()));
      if (date) return ToMillis(date.get());
    }
  }
  GDateTime* date = g_mime_message_get_date(message);
  return date != nullptr ? ToMillis(date) : 0;
}

bool IsAutoReply(GMimeMessage* message, std::string_view subject, std::string_view from) {
  GMimeObject* object = GMIME_OBJECT(message);
  if (const auto value = Header(object, "Auto-Submitted")) {
    const std::string token = AsciiLower(TrimAsciiSpace(std::string_view(*value).substr(
        0, std::min(value->size(), value->find_first_of(" \t;(")))));
    if (!token.empty() && token != "no") return true;
  }
  for (const char* name : {"X-Autoreply", "X-Autorespond", "X-Autoresponder"}) {
    if (const auto value = Header(object, name); value && AsciiLower(TrimAsciiSpace(*value)) != "no") {
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
// Delivery status notifications (RFC 3464).

using FieldGroup = std::vector<std::pair<std::string, std::string>>;  // Lower-case name, value.

// The blank-line separated groups of "Name: value" fields of a message/delivery-status body,
// continuation lines unfolded.
std::vector<FieldGroup> ParseFieldGroups(std::string_view text) {
  std::vector<FieldGroup> groups(1);
  for (std::string_view line : SplitLines(text)) {
    if (TrimAsciiSpace(line).empty()) {
      if (!groups.back().empty()) groups.emplace_back();
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !groups.back().empty()) {
      groups.back().back().second += ' ';
      groups.back().back().second += TrimAsciiSpace(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    groups.back().emplace_back(AsciiLower(TrimAsciiSpace(line.substr(0, colon))),
                               std::string(TrimAsciiSpace(line.substr(colon + 1))));
  }
  if (groups.back().empty()) groups.pop_back();
  return groups;
}

const std::string* Field(const FieldGroup& group, std::string_view name) {
  for (const auto& [key, value] : group) {
    if (key == name) return &value;
  }
  return nullptr;
}

// The value after "<type>;" ("rfc822; a@b", "smtp; 550 ..."), or all of it without a type.
std::string_view AfterType(std::string_view value) {
  const size_t semicolon = value.find(';');
  return TrimAsciiSpace(semicolon == std::string_view::npos ? value : value.substr(semicolon + 1));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The first RFC 3463 enhanced status code ("5.1.1") in `text`, or empty.
std::string FindStatusCode(std::string_view text) {
  for (size_t i = 0; i + 5 <= text.size(); ++i) {
    if (text[i] != '2' && text[i] != '4' && text[i] != '5') continue;
    if (i > 0 && (IsDigit(text[i - 1]) || text[i - 1] == '.')) continue;
    size_t at = i + 1;
    bool ok = true;
    for (int part = 0; part < 2 && ok; ++part) {
      if (at >= text.size() || text[at] != '.') {
        ok = false;
        break;
      }
      const size_t digits_from = ++at;
      while (at < text.size() && IsDigit(text[at]) && at - digits_from < 3) ++at;
      ok = at > digits_from;
    }
    if (!ok || (at < text.size() && IsDigit(text[at]))) continue;
    return std::string(text.substr(i, at - i));
  }
  return {};
}

bool IsAddressFailure(std::string_view code) { return code.starts_with("5.1."); }

// At most `limit` bytes, cut on a UTF-8 character boundary.
std::string Truncate(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

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
  const std::vector<FieldGroup> groups = ParseFieldGroups(DecodedContent(GMIME_PART(part)));
  if (groups.empty()) return {};
  const std::string* value = Field(groups.front(), "message-id");
  if (value == nullptr) return {};
  GChars id(g_mime_utils_decode_message_id(value->c_str()));
  return id ? ValidUtf8(id.get()) : std::string();
}

std::vector<DeliveryReport> ParseDeliveryStatus(GMimeMultipart* multipart) {
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
  std::vector<DeliveryReport> reports;
  const std::vector<FieldGroup> groups = ParseFieldGroups(status_text);
  // The first group describes the reporting MTA; each later one a recipient.
  for (size_t g = 1; g < groups.size(); ++g) {
    const FieldGroup& group = groups[g];
    const std::string* action = Field(group, "action");
    if (action == nullptr) continue;
    const std::string verdict = AsciiLower(TrimAsciiSpace(action->substr(0, action->find_first_of(" ("))));
    DeliveryReport report;
    if (verdict == "failed") {
      report.state = DeliveryReport::State::kFailed;
    } else if (verdict == "delivered") {
      report.state = DeliveryReport::State::kDelivered;
    } else if (verdict == "relayed" || verdict == "expanded") {
      report.state = DeliveryReport::State::kSent;
    } else {
      continue;  // "delayed": the final verdict comes in a later DSN.
    }
    const std::string* recipient = Field(group, "final-recipient");
    if (recipient == nullptr) recipient = Field(group, "original-recipient");
    if (recipient != nullptr) {
      std::string_view address = AfterType(*recipient);
      if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
        address = address.substr(1, address.size() - 2);
      }
      report.to = ValidUtf8(LowerDomain(address));
    }
    const std::string* status = Field(group, "status");
    const std::string* diagnostic = Field(group, "diagnostic-code");
    report.code = status != nullptr ? FindStatusCode(*status) : std::string();
    if (diagnostic != nullptr) report.reason = ValidUtf8(Truncate(AfterType(*diagnostic), 500));
    if (report.state == DeliveryReport::State::kFailed) {
      // A generic 5.0.0 from some MTAs still carries the precise code in the SMTP reply.
      std::string precise = report.code;
      if ((precise.empty() || precise.ends_with(".0.0")) && diagnostic != nullptr) {
        const std::string from_text = FindStatusCode(*diagnostic);
        if (!from_text.empty() && (precise.empty() || from_text[0] == precise[0])) {
          precise = from_text;
        }
      }
      report.address_invalid = IsAddressFailure(precise);
    }
    report.provider_message_id = original_id;
    reports.push_back(std::move(report));
  }
  return reports;
}

// ----------------------------------------------------------------------------------------------

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

}  // namespace

std::string HtmlToText(std::string_view html) {
  TextBuilder out;
  int preformatted = 0;
  size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      const size_t next = std::min(html.find('<', i), html.size());
      out.Text(DecodeEntities(html.substr(i, next - i)), preformatted > 0);
      i = next;
      continue;
    }
    if (html.substr(i).starts_with("<!--")) {
      const size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    if (i + 1 < html.size() && (html[i + 1] == '!' || html[i + 1] == '?')) {
      const size_t end = html.find('>', i);
      i = end == std::string_view::npos ? html.size() : end + 1;
      continue;
    }
    Tag tag;
    const size_t after = ParseTag(html, i, &tag);
    if (after == std::string_view::npos) {
      out.Text("<", preformatted > 0);
      ++i;
      continue;
    }
    i = after;
    const std::string& name = tag.name;
    if (!tag.closing && (name == "script" || name == "style" || name == "head" || name == "title" ||
                         name == "template")) {
      const size_t end = SkipElement(html, i, name);
      // An unclosed <head> is common in broken mail; the body then follows inside it.
      if (end != std::string_view::npos) {
        i = end;
      } else if (name != "head") {
        i = html.size();
      }
      continue;
    }
    if (name == "br") {
      out.LineBreak();
    } else if (name == "a") {
      if (tag.closing) {
        out.EndLink();
      } else {
        out.StartLink(tag.href);
      }
    } else if (name == "blockquote") {
      out.Break(true);
      out.Quote(tag.closing ? -1 : 1);
    } else if (name == "pre") {
      out.Break(false);
      preformatted = std::max(0, preformatted + (tag.closing ? -1 : 1));
    } else if (IsParagraphTag(name)) {
      out.Break(true);
    } else if (name == "li") {
      out.Break(false);
      if (!tag.closing) out.Text("- ", true);
    } else if (name == "td" || name == "th") {
      out.Text(" ", false);
    } else if (IsBlockTag(name)) {
      out.Break(false);
    }
  }
  return out.Finish();
}

std::string StripQuotedHistory(std::string_view text) {
  std::vector<std::string> raw;
  for (std::string_view line : SplitLines(text)) raw.emplace_back(line);
  std::vector<std::string> normalized;
  normalized.reserve(raw.size());
  for (const std::string& line : raw) normalized.push_back(NormalizeLine(line));

  std::vector<std::string> kept;
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string& line = normalized[i];
    if (line.starts_with('>')) continue;
    if (TrimRight(raw[i]) == "--") break;  // The "-- " signature delimiter.
    if (IsSeparator(line) || IsOutlookBlock(normalized, i)) break;
    if (IsRule(line)) {
      size_t next = i + 1;
      while (next < raw.size() && normalized[next].empty()) ++next;
      if (next == raw.size() || IsOutlookBlock(normalized, next) || IsSeparator(normalized[next])) {
        break;
      }
    }
    if (const size_t length = AttributionLength(normalized, i); length > 0) {
      size_t next = i + length;
      while (next < raw.size() && normalized[next].empty()) ++next;
      // Bottom-posting and interleaved answers: the quote is marked, so only it goes.
      if (next < raw.size() && normalized[next].starts_with('>')) {
        i += length - 1;
        continue;
      }
      break;  // Top-posting with an unmarked quote (Gmail's HTML, Outlook): the rest goes.
    }
    kept.push_back(raw[i]);
  }
  while (!kept.empty() && TrimAsciiSpace(kept.back()).empty()) kept.pop_back();
  if (!kept.empty() && IsMobileSignature(NormalizeLine(kept.back()))) kept.pop_back();
  return JoinTidy(kept);
}

absl::StatusOr<ParsedEmail> ParseEmail(std::string_view raw) {
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
  InitGMime();
  ParserOptions options = MakeParserOptions();
  // The memory stream holds its own copy of `raw`; parts keep references into it.
  GRef<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GRef<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), options.get()));
  if (!message) return absl::InvalidArgumentError("not a MIME message GMime can parse");
  GMimeObject* headers = GMIME_OBJECT(message.get());
  GMimeObject* body = g_mime_message_get_mime_part(message.get());

  ParsedEmail parsed;
  if (body != nullptr && IsDeliveryStatusReport(body)) {
    parsed.kind = ParsedEmail::Kind::kDeliveryReport;
    parsed.reports = ParseDeliveryStatus(GMIME_MULTIPART(body));
    return parsed;
  }

  InboundMessage& out = parsed.message;
  out.channel = "email";
  std::vector<std::string> senders;
  CollectMailboxes(g_mime_message_get_from(message.get()), &senders);
  if (senders.empty()) CollectMailboxes(g_mime_message_get_sender(message.get()), &senders);
  if (senders.empty()) CollectMailboxes(g_mime_message_get_reply_to(message.get()), &senders);
  if (senders.empty()) {
    return absl::InvalidArgumentError("e-mail without a sender address (From, Sender, Reply-To)");
  }
  out.from = ValidUtf8(senders.front());

  std::vector<std::string> to;
  CollectMailboxes(g_mime_message_get_to(message.get()), &to);
  std::vector<std::string> recipients = to;
  for (const char* name : {"Delivered-To", "X-Original-To"}) {
    for (std::string& address : HeaderAddresses(headers, options.get(), name)) {
      recipients.push_back(std::move(address));
    }
  }
  if (to.empty() && !recipients.empty()) to.push_back(recipients.front());
  CollectMailboxes(g_mime_message_get_cc(message.get()), &recipients);
  for (const std::string& address : recipients) {
    if (std::optional<std::string> token = ReplyToken(address)) {
      out.to = ValidUtf8(address);
      out.reply_token = ValidUtf8(*std::move(token));
      break;
    }
  }
  if (out.to.empty() && !to.empty()) out.to = ValidUtf8(to.front());

  // From the raw value: GMime's own decoding loses text (see DecodeHeaderText).
  GMimeHeader* subject_header =
      g_mime_header_list_get_header(g_mime_object_get_header_list(headers), "Subject");
  const char* raw_subject =
      subject_header != nullptr ? g_mime_header_get_raw_value(subject_header) : nullptr;
  if (raw_subject != nullptr) {
    GChars unfolded(g_mime_utils_header_unfold(raw_subject));
    out.subject = ValidUtf8(DecodeHeaderText(unfolded ? unfolded.get() : "", options.get()));
  } else {
    const char* subject = g_mime_message_get_subject(message.get());
    out.subject = ValidUtf8(subject != nullptr ? subject : "");
  }

  if (body != nullptr) {
    BodyParts parts;
    FindBody(body, &parts);
    if (parts.plain != nullptr) {
      out.text = StripQuotedHistory(TextOfPart(parts.plain, options.get()));
    } else if (parts.html != nullptr) {
      out.text = StripQuotedHistory(HtmlToText(TextOfPart(parts.html, options.get())));
    }
    out.text = ValidUtf8(std::move(out.text));
  }

  std::set<std::string> seen;
  for (const std::string& value : HeaderValues(headers, "In-Reply-To")) {
    AppendMessageIds(options.get(), value, &out.references, &seen);
  }
  // References lists the thread oldest first; the parent, the best hint, is last.
  std::vector<std::string> thread;
  for (const std::string& value : HeaderValues(headers, "References")) {
    AppendMessageIds(options.get(), value, &thread, &seen);
  }
  out.references.insert(out.references.end(), std::make_move_iterator(thread.rbegin()),
                        std::make_move_iterator(thread.rend()));

  const char* message_id = g_mime_message_get_message_id(message.get());
  out.provider_message_id =
      message_id != nullptr && *message_id != '\0' ? ValidUtf8(message_id) : Sha256Hex(raw);
  out.received_at_ms = ReceivedAtMillis(message.get());

  parsed.auto_reply =
      IsAutoReply(message.get(), out.subject, out.from) ||
      (body != nullptr && GMIME_IS_MULTIPART(body) &&
       g_mime_content_type_is_type(g_mime_object_get_content_type(body), "multipart", "report"));
  return parsed;
}

}  // namespace ogw
