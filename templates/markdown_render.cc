#include "templates/markdown_render.h"

#include <cmark.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <unordered_map>
#include <vector>

#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr std::array<std::string_view, 10> kRtlLanguages = {"ar", "fa", "he", "ur", "ps",
                                                            "sd", "ug", "yi", "dv", "ckb"};

struct NodeFree {
  void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterFree {
  void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};
using NodePtr = std::unique_ptr<cmark_node, NodeFree>;
using IterPtr = std::unique_ptr<cmark_iter, IterFree>;

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

// The same rule cmark's HTML renderer applies with CMARK_OPT_SAFE; applied to every format so
// a link that HTML would drop is not offered for tracking or shown in a text message.
bool IsDangerousUrl(std::string_view url) {
  if (StartsWithIgnoreAsciiCase(url, "data:")) {
    for (std::string_view image :
         {"data:image/png", "data:image/gif", "data:image/jpeg", "data:image/webp"}) {
      if (StartsWithIgnoreAsciiCase(url, image)) return false;
    }
    return true;
  }
  return StartsWithIgnoreAsciiCase(url, "javascript:") || StartsWithIgnoreAsciiCase(url, "vbscript:") ||
         StartsWithIgnoreAsciiCase(url, "file:");
}

// Targets as written, of the links whose target PrepareLinks changed.
using OriginalUrls = std::unordered_map<cmark_node*, std::string>;

// Empties dangerous targets and lets the caller rewrite the others, before any renderer runs,
// so every format shows the same URLs.
OriginalUrls PrepareLinks(cmark_node* root, const MarkdownRenderOptions& options) {
  OriginalUrls originals;
  IterPtr iter(cmark_iter_new(root));
  size_t index = 0;
  cmark_event_type event;
  while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    if (event != CMARK_EVENT_ENTER) continue;
    cmark_node* node = cmark_iter_get_node(iter.get());
    cmark_node_type type = cmark_node_get_type(node);
    if (type != CMARK_NODE_LINK && type != CMARK_NODE_IMAGE) continue;
    const char* raw = cmark_node_get_url(node);
    std::string_view url = raw == nullptr ? std::string_view() : std::string_view(raw);
    if (url.empty()) continue;
    if (IsDangerousUrl(url)) {
      cmark_node_set_url(node, "");
    } else if (type == CMARK_NODE_LINK && options.rewrite_link) {
      std::string rewritten = options.rewrite_link(url, index++);
      originals.emplace(node, url);
      cmark_node_set_url(node, rewritten.c_str());  // Copies; `url` is not used after this.
    }
  }
  return originals;
}

void AppendHtmlEscaped(std::string_view text, bool quotes, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&':
        *out += "&amp;";
        break;
      case '<':
        *out += "&lt;";
        break;
      case '>':
        *out += "&gt;";
        break;
      case '"':
        if (quotes) {
          *out += "&quot;";
          break;
        }
        [[fallthrough]];
      default:
        *out += c;
    }
  }
}

// Renders the AST as plain text, Telegram HTML or WhatsApp markup. All three share one layout:
// leaf blocks (paragraphs, headings, code blocks, rules) become runs of lines, prefixed by the
// markers of the list items and block quotes that contain them; only the inline markup differs.
class TextWriter {
 public:
  TextWriter(TextFormat format, const OriginalUrls* originals)
      : telegram_(format == TextFormat::kTelegramHtml),
        whatsapp_(format == TextFormat::kWhatsAppMarkup),
        originals_(originals) {}

  std::string Write(cmark_node* root) {
    IterPtr iter(cmark_iter_new(root));
    cmark_event_type event;
    while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
      cmark_node* node = cmark_iter_get_node(iter.get());
      if (event == CMARK_EVENT_ENTER) {
        Enter(node);
      } else {
        Exit(node);
      }
    }
    return std::move(out_);
  }

 private:
  // A list item or block quote: `first` prefixes the first line written inside it, `rest`
  // every later line.
  struct Level {
    std::string first;
    std::string rest;
    bool used = false;
  };
  struct List {
    bool ordered = false;
    int next = 1;
    bool tight = false;
    bool paren = false;
  };
  struct OpenLink {
    size_t text_start = 0;
    std::string url;
    std::string original;  // The target as written, before rewriting.
    bool active = false;   // False for a link inside a link (an image in link text).
  };

  void Enter(cmark_node* node) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_LIST:
        lists_.push_back({cmark_node_get_list_type(node) == CMARK_ORDERED_LIST,
                          cmark_node_get_list_start(node), cmark_node_get_list_tight(node) != 0,
                          cmark_node_get_list_delim(node) == CMARK_PAREN_DELIM});
        break;
      case CMARK_NODE_ITEM: {
        std::string marker;
        size_t width = 2;
        if (!lists_.empty() && lists_.back().ordered) {
          marker = std::to_string(lists_.back().next++) + (lists_.back().paren ? ") " : ". ");
          width = marker.size();
        } else {
          marker = telegram_ ? "• " : "- ";
        }
        levels_.push_back({marker, std::string(width, ' ')});
        break;
      }
      case CMARK_NODE_BLOCK_QUOTE: {
        std::string marker = telegram_ ? "&gt; " : "> ";
        levels_.push_back({marker, marker});
        break;
      }
      case CMARK_NODE_PARAGRAPH:
        leaf_.clear();
        break;
      case CMARK_NODE_HEADING:
        leaf_ = telegram_ ? "<b>" : whatsapp_ ? "*" : "";
        break;
      case CMARK_NODE_CODE_BLOCK: {
        std::string_view code = Literal(node);
        if (code.ends_with('\n')) code.remove_suffix(1);
        std::string text;
        if (telegram_) text += "<pre>";
        if (whatsapp_) text += "```";
        AppendText(code, &text);
        if (telegram_) text += "</pre>";
        if (whatsapp_) text += "```";
        EmitLeaf(text);
        break;
      }
      case CMARK_NODE_THEMATIC_BREAK:
        EmitLeaf("---");
        break;
      case CMARK_NODE_TEXT:
        AppendText(Literal(node), &leaf_);
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        leaf_ += '\n';
        break;
      case CMARK_NODE_CODE:
        if (telegram_) leaf_ += "<code>";
        if (whatsapp_) leaf_ += "`";
        AppendText(Literal(node), &leaf_);
        if (telegram_) leaf_ += "</code>";
        if (whatsapp_) leaf_ += "`";
        break;
      case CMARK_NODE_EMPH:
        if (telegram_) leaf_ += "<i>";
        if (whatsapp_) leaf_ += "_";
        break;
      case CMARK_NODE_STRONG:
        if (telegram_) leaf_ += "<b>";
        if (whatsapp_) leaf_ += "*";
        break;
      case CMARK_NODE_LINK:
      case CMARK_NODE_IMAGE: {
        OpenLink link;
        const char* url = cmark_node_get_url(node);
        link.url = url == nullptr ? "" : url;
        auto original = originals_->find(node);
        link.original = original == originals_->end() ? link.url : original->second;
        link.active =
            !link.url.empty() && std::none_of(links_.begin(), links_.end(),
                                              [](const OpenLink& open) { return open.active; });
        if (telegram_ && link.active) {
          leaf_ += "<a href=\"";
          AppendHtmlEscaped(link.url, /*quotes=*/true, &leaf_);
          leaf_ += "\">";
        }
        link.text_start = leaf_.size();
        links_.push_back(std::move(link));
        break;
      }
      default:  // Raw HTML (dropped, as CMARK_OPT_SAFE does), the document, custom nodes.
        break;
    }
  }

  void Exit(cmark_node* node) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_LIST:
        lists_.pop_back();
        separator_ = InTightList() ? "\n" : "\n\n";
        break;
      case CMARK_NODE_ITEM:
        levels_.pop_back();
        break;
      case CMARK_NODE_BLOCK_QUOTE:
        levels_.pop_back();
        separator_ = "\n\n";
        break;
      case CMARK_NODE_PARAGRAPH:
        EmitLeaf(leaf_);
        break;
      case CMARK_NODE_HEADING:
        if (telegram_) leaf_ = leaf_ == "<b>" ? "" : leaf_ + "</b>";
        if (whatsapp_) leaf_ = leaf_ == "*" ? "" : leaf_ + "*";
        EmitLeaf(leaf_);
        break;
      case CMARK_NODE_EMPH:
        if (telegram_) leaf_ += "</i>";
        if (whatsapp_) leaf_ += "_";
        break;
      case CMARK_NODE_STRONG:
        if (telegram_) leaf_ += "</b>";
        if (whatsapp_) leaf_ += "*";
        break;
      case CMARK_NODE_LINK:
      case CMARK_NODE_IMAGE: {
        OpenLink link = std::move(links_.back());
        links_.pop_back();
        if (!link.active) break;
        if (telegram_) {
          if (leaf_.size() == link.text_start) AppendText(link.url, &leaf_);
          leaf_ += "</a>";
          break;
        }
        // An autolink shows its target as its text: show the (rewritten) target once.
        std::string text = leaf_.substr(link.text_start);
        if (text.empty() || text == link.original || "mailto:" + text == link.original) {
          leaf_.resize(link.text_start);
          leaf_ += link.url == "mailto:" + text ? text : link.url;
        } else {
          leaf_ += " (" + link.url + ")";
        }
        break;
      }
      default:
        break;
    }
  }

  static std::string_view Literal(cmark_node* node) {
    const char* literal = cmark_node_get_literal(node);
    return literal == nullptr ? std::string_view() : std::string_view(literal);
  }

  void AppendText(std::string_view text, std::string* out) const {
    if (telegram_) {
      AppendHtmlEscaped(text, /*quotes=*/false, out);
    } else {
      out->append(text);
    }
  }

  bool InTightList() const { return !lists_.empty() && lists_.back().tight; }

  // Writes one leaf block, then decides how the next one is separated from it.
  void EmitLeaf(std::string_view text) {
    if (text.find_first_not_of(" \t\n") == std::string_view::npos) return;
    if (!out_.empty()) out_ += separator_;
    bool first_line = true;
    while (true) {
      size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      std::string prefixed;
      for (Level& level : levels_) {
        prefixed += first_line && !level.used ? level.first : level.rest;
      }
      for (Level& level : levels_) level.used = true;
      prefixed.append(line);
      size_t last = prefixed.find_last_not_of(" \t");
      prefixed.resize(last == std::string::npos ? 0 : last + 1);
      out_ += prefixed;
      first_line = false;
      if (end == std::string_view::npos) break;
      out_ += '\n';
      text.remove_prefix(end + 1);
    }
    separator_ = InTightList() ? "\n" : "\n\n";
  }

  const bool telegram_;
  const bool whatsapp_;
  const OriginalUrls* originals_;
  std::string out_;
  std::string leaf_;  // Inline content of the paragraph or heading being read.
  std::string separator_ = "\n\n";
  std::vector<Level> levels_;
  std::vector<List> lists_;
  std::vector<OpenLink> links_;
};

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendHtmlEscaped(text, /*quotes=*/true, &out);
  return out;
}

namespace {

// What every rendering asks of its input: valid UTF-8, under 2 GiB.
absl::Status CheckMarkdownInput(std::string_view markdown) {
  // U8_NEXT works on int32_t offsets.
  if (markdown.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return absl::InvalidArgumentError("Markdown text is too large");
  }
  if (!IsValidUtf8(markdown)) return absl::InvalidArgumentError("Markdown text is not UTF-8");
  return absl::OkStatus();
}

}  // namespace

namespace markdown_internal {

bool IsPlainParagraph(std::string_view markdown) {
  if (markdown.empty()) return false;
  // A line that starts with a digit may be an ordered list item; one that starts with any of
  // these may open a heading, quote, list, rule, code block or fence, or be indented.
  const char first = markdown.front();
  if ((first >= '0' && first <= '9') || std::string_view(" \t#>-+=*~`").find(first) !=
                                            std::string_view::npos) {
    return false;
  }
  // A trailing space or tab is stripped by the parser (and two make a line break).
  if (markdown.back() == ' ' || markdown.back() == '\t') return false;
  // cmark skips a byte order mark at the start of a document.
  if (markdown.starts_with("\xEF\xBB\xBF")) return false;
  for (const char c : markdown) {
    // Line endings, and control characters (NUL is replaced) other than a tab.
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return false;
    switch (c) {
      case '\\': case '&':                                    // Escapes and entities.
      case '`': case '*': case '_': case '~':                 // Code and emphasis.
      case '[': case ']': case '<': case '>':                 // Links, autolinks, HTML.
        return false;
      default:
        break;
    }
  }
  return true;
}

absl::StatusOr<std::string> RenderMarkdownWithCmark(std::string_view markdown, TextFormat format,
                                                    const MarkdownRenderOptions& options) {
  RETURN_IF_ERROR(CheckMarkdownInput(markdown));
  NodePtr document(cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT));
  if (document == nullptr) return absl::ResourceExhaustedError("cmark could not parse");
  OriginalUrls originals = PrepareLinks(document.get(), options);
  switch (format) {
    case TextFormat::kHtml: {
      char* html = cmark_render_html(document.get(), CMARK_OPT_SAFE);
      if (html == nullptr) return absl::ResourceExhaustedError("cmark could not render");
      std::string result(html);
      std::free(html);
      if (options.rtl) result = "<div dir=\"rtl\">\n" + result + "</div>\n";
      return result;
    }
    case TextFormat::kPlainText:
    case TextFormat::kTelegramHtml:
    case TextFormat::kWhatsAppMarkup:
      return TextWriter(format, &originals).Write(document.get());
  }
  return absl::InvalidArgumentError("unknown text format");
}

}  // namespace markdown_internal

absl::StatusOr<std::string> RenderMarkdown(std::string_view markdown, TextFormat format,
                                           const MarkdownRenderOptions& options) {
  // Every format but HTML shows such a paragraph as it is (it has nothing to escape).
  if (format != TextFormat::kHtml && markdown_internal::IsPlainParagraph(markdown)) {
    RETURN_IF_ERROR(CheckMarkdownInput(markdown));
    return std::string(markdown);
  }
  return markdown_internal::RenderMarkdownWithCmark(markdown, format, options);
}

std::string EscapeMarkdown(std::string_view text) {
  // A trailing line break would end the paragraph with a literal backslash.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  bool line_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\\\n";  // Backslash + newline: a hard line break.
      line_start = true;
      continue;
    }
    if (line_start && (c == ' ' || c == '\t')) {
      out += c == ' ' ? "&#32;" : "&#9;";
    } else if ((c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
               (c >= '{' && c <= '~')) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
    line_start = false;
  }
  return out;
}

bool IsRtlLanguage(std::string_view bcp47) {
  std::string primary;
  for (char c : bcp47.substr(0, bcp47.find_first_of("-_"))) primary += AsciiLower(c);
  for (std::string_view rtl : kRtlLanguages) {
    if (primary == rtl) return true;
  }
  return false;
}

std::vector<std::string> FindBareUrls(std::string_view markdown) {
  std::vector<std::string> urls;
  NodePtr document(cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT));
  IterPtr iter(cmark_iter_new(document.get()));
  for (cmark_event_type ev; (ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE;) {
    cmark_node* node = cmark_iter_get_node(iter.get());
    if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_TEXT) continue;
    // Text inside a link is the link's label, not a bare address.
    bool in_link = false;
    for (cmark_node* p = cmark_node_parent(node); p != nullptr; p = cmark_node_parent(p)) {
      in_link |= cmark_node_get_type(p) == CMARK_NODE_LINK;
    }
    if (in_link) continue;
    std::string_view text = cmark_node_get_literal(node);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t found = std::string_view::npos;
      for (std::string_view scheme : {"https://", "http://", "www."}) {
        found = std::min(found, text.find(scheme, pos));
      }
      if (found == std::string_view::npos) break;
      size_t end = found;
      while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
      urls.emplace_back(text.substr(found, end - found));
      pos = end;
    }
  }
  return urls;
}

}  // namespace ogw
