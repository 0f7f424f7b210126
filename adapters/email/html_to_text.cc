#include "adapters/email/html_to_text.h"

#include <glib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

#include "adapters/email/quoted_history.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

using mime_parser_internal::JoinTidy;
using mime_parser_internal::kSpaces;

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point == 0 || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    code_point = 0xFFFD;
  }
  char buffer[6];
  const gint length = g_unichar_to_utf8(code_point, buffer);
  out->append(buffer, static_cast<size_t>(length));
}

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
      std::string_view rest = text;
      for (size_t at; (at = rest.find("\xC2\xA0")) != std::string_view::npos;
           rest.remove_prefix(at + 2)) {
        prefixed.append(rest.substr(0, at)).push_back(' ');
      }
      lines.push_back(prefixed.append(rest));
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

// Markup that is neither text nor an element: a comment, <!DOCTYPE ...>, <?xml ...?>. Returns
// the position after the one at html[at] == '<', or npos when none starts there.
size_t SkipNonElement(std::string_view html, size_t at) {
  if (html.substr(at).starts_with("<!--")) {
    const size_t end = html.find("-->", at + 4);
    return end == std::string_view::npos ? html.size() : end + 3;
  }
  if (at + 1 < html.size() && (html[at + 1] == '!' || html[at + 1] == '?')) {
    const size_t end = html.find('>', at);
    return end == std::string_view::npos ? html.size() : end + 1;
  }
  return std::string_view::npos;
}

// Elements whose content is not part of the text.
bool IsHiddenElement(std::string_view name) {
  return name == "script" || name == "style" || name == "head" || name == "title" ||
         name == "template";
}

// What a tag does to the text around it: line and paragraph breaks, quote depth, links,
// preformatted runs (`preformatted` counts the open <pre> elements).
void ApplyTag(const Tag& tag, int* preformatted, TextBuilder* out) {
  const std::string& name = tag.name;
  if (name == "br") {
    out->LineBreak();
  } else if (name == "a") {
    if (tag.closing) {
      out->EndLink();
    } else {
      out->StartLink(tag.href);
    }
  } else if (name == "blockquote") {
    out->Break(true);
    out->Quote(tag.closing ? -1 : 1);
  } else if (name == "pre") {
    out->Break(false);
    *preformatted = std::max(0, *preformatted + (tag.closing ? -1 : 1));
  } else if (IsParagraphTag(name)) {
    out->Break(true);
  } else if (name == "li") {
    out->Break(false);
    if (!tag.closing) out->Text("- ", true);
  } else if (name == "td" || name == "th") {
    out->Text(" ", false);
  } else if (IsBlockTag(name)) {
    out->Break(false);
  }
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
    if (const size_t after = SkipNonElement(html, i); after != std::string_view::npos) {
      i = after;
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
    if (!tag.closing && IsHiddenElement(tag.name)) {
      const size_t end = SkipElement(html, i, tag.name);
      // An unclosed <head> is common in broken mail; the body then follows inside it.
      if (end != std::string_view::npos) {
        i = end;
      } else if (tag.name != "head") {
        i = html.size();
      }
      continue;
    }
    ApplyTag(tag, &preformatted, &out);
  }
  return out.Finish();
}

}  // namespace ogw
