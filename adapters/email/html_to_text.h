#pragma once

#include <string>
#include <string_view>

namespace ogw {

// HTML to plain text for a person's reply: script, style and head dropped; block elements
// (p, div, br, li, tr, headings, ...) start lines; whitespace collapsed outside <pre>;
// entities decoded (named ones in common use, and numeric); a link whose text is not its
// target is followed by " (<target>)"; text inside <blockquote> comes out with "> " per
// level, so StripQuotedHistory treats it as quoted. Never fails on malformed markup.
// Thread-safe.
std::string HtmlToText(std::string_view html);

}  // namespace ogw
