#pragma once

// Markdown (CommonMark, via cmark) rendered for the formats channels accept. Officers write
// message bodies in Markdown; each channel gets what it can display.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/channel.h"
#include "gateway/core/status.h"

namespace ogw {

// The formats (TextFormat, in gateway/core/channel.h) as RenderMarkdown writes them:
// kHtml: cmark's HTML with CMARK_OPT_SAFE: raw HTML is dropped and dangerous link targets
//   (javascript:, vbscript:, file:, non-image data:) are emptied.
// kPlainText: Markdown stripped for SMS and chat: emphasis removed, headings as their text, list
//   items as "- " or "1. " lines (nested items indented), block quotes as "> " lines, links as
//   "text (url)" (just the url when the text is the url), code as its literal text, raw HTML
//   dropped, blocks separated by a blank line (one newline between items of a tight list), no
//   trailing whitespace.
// kTelegramHtml: Telegram Bot API "HTML" parse mode: only <b>, <i>, <a href>, <code> and <pre>
//   are emitted; everything else is text with &, <, > escaped (and " in href). Headings are <b>,
//   list items are "• " (or "1. ") lines, the layout is as for kPlainText.
// kWhatsAppMarkup: the layout of kPlainText with WhatsApp's markers: strong and headings as
//   *text*, emphasis as _text_, code as `text`, code blocks as ```text```. WhatsApp has no
//   escape, so a value holding such markers may still show as formatting there.

struct MarkdownRenderOptions {
  bool rtl = false;  // kHtml: wrap the output in <div dir="rtl">...</div>. Ignored otherwise.
  // Called once for every link target ([text](url) and <url> autolinks, not images) in document
  // order, with its index counted from 0; returns the URL to emit (e.g. a tracked link). Links
  // whose target is empty or dangerous are emptied, not passed, and take no index. Null = keep.
  std::function<std::string(std::string_view url, size_t index)> rewrite_link;
};

// Renders `markdown` in `format`. InvalidArgument when the input is not valid UTF-8 (or over
// 2 GiB). Thread-safe (no shared state).
absl::StatusOr<std::string> RenderMarkdown(std::string_view markdown, TextFormat format,
                                           const MarkdownRenderOptions& options = {});

namespace markdown_internal {
// True when `markdown` is one line of text that CommonMark renders as a paragraph holding
// exactly that text: no character that could start a block or an inline construct, no
// entity, no escape, no trailing blank. RenderMarkdown answers such text without parsing it
// (most SMS and chat texts, and the opt-out line, are like this).
bool IsPlainParagraph(std::string_view markdown);
// RenderMarkdown without that shortcut: always parsed and rendered by cmark.
absl::StatusOr<std::string> RenderMarkdownWithCmark(std::string_view markdown, TextFormat format,
                                                    const MarkdownRenderOptions& options);
}  // namespace markdown_internal

// Escapes `text` so that CommonMark renders it literally wherever inline text may appear
// (paragraphs, headings, list items, link text and destinations): every ASCII punctuation
// character gets a backslash (so <, &, *, _, [, ], `, #, "1." and the like stay text), a line
// break becomes a hard line break, and a space or tab that starts a line becomes a character
// reference so it cannot open an indented code block. Backslash escapes do not apply inside
// code spans and autolinks, so values placed there show the backslashes.
std::string EscapeMarkdown(std::string_view text);

// `text` safe inside HTML text and quoted attribute values: &, <, > and " as references.
std::string HtmlEscape(std::string_view text);

// True when the primary subtag of the BCP 47 tag `bcp47` is a right-to-left language:
// ar, fa, he, ur, ps, sd, ug, yi, dv or ckb (case-insensitive).
bool IsRtlLanguage(std::string_view bcp47);

// Web addresses written as plain text ("see https://x.org") rather than as Markdown links:
// core CommonMark leaves them as text, so they are neither clickable in HTML nor tracked.
// Returns each such address (http://, https:// or www. up to the next white space) in order.
std::vector<std::string> FindBareUrls(std::string_view markdown);

}  // namespace ogw
