#pragma once

// The entries of every bulletin of an organisation (docs/ARCHITECTURE.md, "Embassy
// bulletins"). One script writes an entry, its place in its bulletin and the bulletin's change
// counter, so pages never list an entry that is not there, and a cached page knows it is
// stale from one counter read.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/bulletins/bulletin_entry.h"
#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// What changed in a bulletin last: `version` grows with every change, 0 before any.
struct BulletinStamp {
  int64_t version = 0;
  int64_t changed_at = 0;
};

// Thread-safe.
class BulletinStore {
 public:
  // Entries a bulletin shows at most (not withdrawn, published or planned).
  static constexpr size_t kMaxEntries = 1000;

  BulletinStore(RedisPool* redis, const Clock* clock);

  // Stores a new entry of `org_id` from `change` (texts required; published now unless
  // planned), by `author`; a campaign's entry has the id EntryIdOf(campaign_id).
  // InvalidArgument for a body that cannot be rendered; ResourceExhausted when the bulletin
  // holds kMaxEntries; AlreadyExists when the campaign's entry exists.
  absl::StatusOr<BulletinEntry> Create(std::string_view org_id, const BulletinChange& change,
                                       std::string_view author, std::string_view campaign_id);
  absl::StatusOr<std::optional<BulletinEntry>> Get(std::string_view org_id, std::string_view id);
  // The id of the entry campaign `campaign_id` ("cmp_<x>") publishes: "bul_<x>".
  static std::string EntryIdOf(std::string_view campaign_id);
  // Applies `change`. NotFound when absent or withdrawn; FailedPrecondition "version N" when
  // `change.expected_version` is not the entry's version (or it changed meanwhile).
  absl::StatusOr<BulletinEntry> Update(std::string_view org_id, std::string_view id,
                                       const BulletinChange& change);
  // Takes the entry off its bulletin for good (its page answers 410). NotFound when absent;
  // withdrawing twice changes nothing; FailedPrecondition "version N" when `expected_version`
  // is given and the entry is no longer at it.
  absl::StatusOr<BulletinEntry> Withdraw(std::string_view org_id, std::string_view id,
                                         std::optional<int64_t> expected_version = std::nullopt);

  // The bulletin's entries that are not withdrawn (also planned and expired ones), newest
  // publication first. Unreadable entries are left out and logged.
  absl::StatusOr<std::vector<BulletinEntry>> List(std::string_view org_id,
                                                  std::string_view post_id);
  // The bulletin's last change.
  absl::StatusOr<BulletinStamp> Stamp(std::string_view org_id, std::string_view post_id);

  // Called after every write of this process with the organisation and each bulletin
  // changed (BulletinSite forgets them at once; other processes see the stamp change). Set
  // once, before the store is shared.
  using ChangeListener = std::function<void(std::string_view org_id, std::string_view post_id)>;
  void SetChangeListener(ChangeListener listener) { on_change_ = std::move(listener); }

 private:
  // Writes `entry` (version already incremented) if the stored one is at `expected` (nullopt:
  // none may exist), moving it from `old_post`'s bulletin.
  absl::Status Write(const BulletinEntry& entry, std::optional<int64_t> expected,
                     std::string_view old_post);

  RedisPool* redis_;
  const Clock* clock_;
  ChangeListener on_change_;
};

}  // namespace ogw
