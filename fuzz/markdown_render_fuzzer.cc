// Feeds arbitrary Markdown (what officers write in template bodies) to RenderMarkdown in every
// output format, with a link rewriter. RenderMarkdown answers "plain paragraph" text without
// cmark; for such text its answer must be the one cmark gives. Also runs the helpers that see the
// same text (EscapeMarkdown, whose output must render without error, FindBareUrls).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "templates/markdown_render.h"

namespace {

constexpr ogw::TextFormat kFormats[] = {ogw::TextFormat::kHtml, ogw::TextFormat::kPlainText,
                                        ogw::TextFormat::kTelegramHtml,
                                        ogw::TextFormat::kWhatsAppMarkup};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view markdown(reinterpret_cast<const char*>(data), size);
  const bool plain = ogw::markdown_internal::IsPlainParagraph(markdown);
  for (ogw::TextFormat format : kFormats) {
    std::set<size_t> rewritten;
    ogw::MarkdownRenderOptions options;
    options.rtl = format == ogw::TextFormat::kHtml && size % 2 == 1;
    options.rewrite_link = [&rewritten](std::string_view url, size_t index) {
      if (url.empty() || !rewritten.insert(index).second) abort();
      return "https://l.example/" + std::to_string(index);
    };
    auto rendered = ogw::RenderMarkdown(markdown, format, options);
    if (plain) {
      rewritten.clear();
      auto cmark = ogw::markdown_internal::RenderMarkdownWithCmark(markdown, format, options);
      if (rendered.ok() != cmark.ok() || (rendered.ok() && *rendered != *cmark)) abort();
    }
  }
  const std::string escaped = ogw::EscapeMarkdown(markdown);
  auto escaped_rendered = ogw::RenderMarkdown(escaped, ogw::TextFormat::kPlainText);
  auto original = ogw::RenderMarkdown(markdown, ogw::TextFormat::kPlainText);
  if (escaped_rendered.ok() != original.ok()) abort();  // Both fail only on bad UTF-8.
  (void)ogw::FindBareUrls(markdown);
  (void)ogw::IsRtlLanguage(markdown);
  return 0;
}
