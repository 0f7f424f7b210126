#pragma once

// A bulletin's public pages and feeds, built from its entries: the index, one page per entry,
// Atom (RFC 4287) and JSON Feed 1.1. Pages are light HTML: no script, one small inline style,
// no request to anyone else, right to left for RTL languages, readable on a 360-pixel screen.
// Pure functions: what to show is decided by the caller (BulletinSite).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/bulletins/bulletin_entry.h"
#include "gateway/invitations/event.h"

namespace ogw {

// What every page of one bulletin names, in the language being shown.
struct BulletinFrame {
  std::string org_name;
  std::string post_name;               // "" for the organisation's bulletin.
  std::string base_url;                // Absolute: "https://gw.example.org/b/<org>/<post>".
  std::string language;                // The language shown.
  std::vector<std::string> languages;  // Every language the bulletin has, sorted.
  std::string time_zone;               // IANA; dates are shown in it ("" = UTC).
};

// The text of `entry` to show in `language`: that language, else one with its primary
// subtag, else `fallback`, else the first. Sets `*shown` to the language chosen.
const BulletinText& BulletinTextIn(const BulletinEntry& entry, std::string_view language,
                                   std::string_view fallback, std::string* shown);

// The language to show: `requested` (?lang=) when the bulletin has it, else the best of the
// reader's Accept-Language header among `available`, else `fallback` when available, else the
// first available, else `fallback`.
std::string ChooseBulletinLanguage(std::string_view requested, std::string_view accept_language,
                                   const std::vector<std::string>& available,
                                   std::string_view fallback);

// `entries` in the order they show (pinned first, then newest publication), live ones only.
std::string BulletinIndexHtml(const BulletinFrame& frame,
                              const std::vector<const BulletinEntry*>& entries);
// `event`: the entry's event (when and where, a link to its calendar file), or null.
std::string BulletinEntryHtml(const BulletinFrame& frame, const BulletinEntry& entry,
                              const Event* event);
// The start of a page of the bulletin (head, the organisation, the heading and the language
// switch linking `self_url` in each language, then <main>), and its end (</main>, the feeds,
// the subscription link). Form pages use them too.
std::string BulletinPageStart(const BulletinFrame& frame, std::string_view title,
                              std::string_view self_url);
std::string BulletinPageEnd(const BulletinFrame& frame);
// The words of the links to the forms and back, in `language` (English when it has none).
enum class BulletinLink { kReply, kSubscribe, kAllNotices };
std::string_view BulletinLinkText(BulletinLink link, std::string_view language);

// A short page for 404/410/503 answers.
std::string BulletinNoticeHtml(std::string_view language, std::string_view title,
                               std::string_view text, std::string_view back_url);

// The feeds; `updated` is the feed's last change (RFC 4287's atom:updated).
std::string BulletinAtom(const BulletinFrame& frame,
                         const std::vector<const BulletinEntry*>& entries, int64_t updated);
std::string BulletinJsonFeed(const BulletinFrame& frame,
                             const std::vector<const BulletinEntry*>& entries);

// RFC 7231's IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and back (-1 when unreadable).
std::string HttpDate(int64_t millis);
int64_t ParseHttpDate(std::string_view text);

}  // namespace ogw
