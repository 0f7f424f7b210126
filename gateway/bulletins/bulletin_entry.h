#pragma once

// An entry of a post's public bulletin (docs/ARCHITECTURE.md, "Embassy bulletins"): per
// language a title and a Markdown body, rendered to safe HTML once when written.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/status.h"

namespace ogw {

struct BulletinText {
  std::string title;
  std::string body;  // Markdown, as the officer wrote it.
  std::string html;  // `body` rendered (raw HTML dropped, dangerous links emptied).
};

struct BulletinEntry {
  std::string id;  // "bul_..."
  std::string org_id;
  std::string post_id;                        // "" = the organisation's bulletin.
  std::map<std::string, BulletinText> texts;  // Canonical BCP 47 tag -> text.
  std::string event_id;                       // "" = none.
  std::string campaign_id;                    // The campaign that published it; "" = the API.
  std::string created_by;                     // Officer id, or the campaign's.
  int64_t created_at_millis = 0;
  int64_t published_at_millis = 0;  // Shown from then on.
  int64_t updated_at_millis = 0;    // The text last changed after publication; 0 never.
  int64_t expires_at_millis = 0;    // 0 = never.
  int64_t withdrawn_at_millis = 0;  // 0 = not withdrawn.
  int64_t changed_at_millis = 0;    // Any change (feeds' and pages' Last-Modified).
  bool pinned = false;
  int64_t version = 0;  // Incremented by every change.

  bool withdrawn() const { return withdrawn_at_millis != 0; }
  // Shown on pages and feeds at `now`.
  bool LiveAt(int64_t now) const {
    return !withdrawn() && published_at_millis <= now &&
           (expires_at_millis == 0 || now < expires_at_millis);
  }
};

// What an officer gives to create or change an entry; absent fields stay as they are.
struct BulletinChange {
  std::optional<std::string> post_id;
  std::optional<std::map<std::string, BulletinText>> texts;  // Title and body; html is derived.
  std::optional<std::string> event_id;
  std::optional<int64_t> published_at_millis;
  std::optional<int64_t> expires_at_millis;  // 0 clears.
  std::optional<bool> pinned;
  std::optional<int64_t> expected_version;
};

using FieldErrors = std::vector<std::pair<std::string, std::string>>;

// Reads an API body: {"post_id", "texts": {"en": {"title", "body"}, ...}, "event_id",
// "published_at", "expires_at", "pinned", "version"}. `creating` requires texts. Titles are 1
// to 200 bytes, bodies 1 to 20,000 bytes of valid UTF-8, 1 to 20 languages; expires_at after
// published_at. Every problem is listed in `errors` as (field, message).
absl::StatusOr<BulletinChange> BulletinChangeFromJson(const nlohmann::json& body, bool creating,
                                                      FieldErrors* errors);

// Renders every text's body to HTML. InvalidArgument naming `texts.<lang>.body` otherwise.
absl::Status RenderBulletinTexts(std::map<std::string, BulletinText>* texts);

// The entry as the API shows it and as it is stored.
nlohmann::json ToJson(const BulletinEntry& entry);
// DataLoss when the document is not an entry.
absl::StatusOr<BulletinEntry> BulletinEntryFromDoc(const std::string& doc);

}  // namespace ogw
