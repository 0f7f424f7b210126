#pragma once

// Serves the public bulletins (docs/ARCHITECTURE.md, "Embassy bulletins"): every answer is
// built once and kept in process while the bulletin's stamp is unchanged and no entry's
// publication or expiry time has come. The stamp is read at most once a second per bulletin
// (writes through this process's store are seen at once), so a page read mostly costs no
// Redis round trip. Bounded: the least recently used bulletins leave the cache first.

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "gateway/bulletins/bulletin_pages.h"
#include "gateway/bulletins/bulletin_store.h"
#include "gateway/core/clock.h"
#include "gateway/core/status.h"

namespace ogw {

class EventStore;
class OrgStore;

class BulletinSite {
 public:
  struct Request {
    std::string org_id;
    std::string post_id;          // "" for the organisation's bulletin.
    std::string page;             // "" the index, "feed.atom", "feed.json", or an entry id.
    std::string lang;             // ?lang=
    std::string accept_language;  // The reader's header.
  };
  struct Answer {
    int status = 200;
    std::string content_type;
    std::shared_ptr<const std::string> body;
    // The body gzipped once when built (status 200 only), for the readers who accept it.
    std::shared_ptr<const std::string> gzip_body;
    std::string etag;           // Quoted, as the header carries it; "" for errors.
    int64_t last_modified = 0;  // 0 for errors.
    std::string language;
  };

  // `public_base_url` is how readers reach the gateway ("https://gw.example.org").
  // `events` (may be null): the entries' events, shown on their pages.
  BulletinSite(BulletinStore* store, OrgStore* orgs, EventStore* events, const Clock* clock,
               std::string public_base_url, size_t max_bytes = size_t{32} << 20);
  ~BulletinSite();
  BulletinSite(const BulletinSite&) = delete;
  BulletinSite& operator=(const BulletinSite&) = delete;

  // The page. Errors only when Redis fails; unknown organisations, posts and entries are 404
  // answers, withdrawn or expired entries 410.
  absl::StatusOr<Answer> Serve(const Request& request);

  // What a form page of the bulletin shows (request.page: an entry id for its reply form, or
  // "subscribe"): the frame in the reader's language, the post's country and the entry's
  // title. nullopt when the bulletin does not exist or the entry is not shown now.
  struct FormPage {
    BulletinFrame frame;
    std::string country;
    std::string entry_title;
    std::string entry_url;  // With ?lang=; the index's for the subscription form.
  };
  absl::StatusOr<std::optional<FormPage>> FormPageOf(const Request& request);

  // The event of the entry request.page when it is shown now and has one, and the language
  // to show it in; nullopt otherwise.
  absl::StatusOr<std::optional<std::pair<Event, std::string>>> EventOf(const Request& request);

  // Forgets the bulletin: its next request reads the stamp (BulletinStore's change listener).
  void Forget(std::string_view org_id, std::string_view post_id);

  // Cached bytes now (for tests and metrics).
  size_t cached_bytes() const;

 private:
  struct Bulletin;  // One bulletin's entries and built pages.
  using BulletinPtr = std::shared_ptr<Bulletin>;

  // The bulletin as of `stamp`, from the cache or built; nullptr when the organisation or
  // post does not exist.
  absl::StatusOr<BulletinPtr> Load(const Request& request, const BulletinStamp& stamp, int64_t now);
  // The bulletin now: the cached one when its stamp was read less than a second ago, else as
  // of the stamp read now.
  absl::StatusOr<BulletinPtr> Current(const Request& request, int64_t now);
  Answer Build(const Bulletin& bulletin, const std::string& page, const std::string& language);
  BulletinFrame FrameOf(const Bulletin& bulletin, const std::string& language) const;
  Answer Missing(const Bulletin* bulletin, const std::string& language, int status);
  // Under mu_: caches `bulletin` under `key` (replacing what was there); evicts past max_bytes_.
  void Insert(const std::string& key, const BulletinPtr& bulletin);
  void EvictOverflow();

  BulletinStore* store_;
  OrgStore* orgs_;
  EventStore* events_;
  const Clock* clock_;
  const std::string base_url_;
  const size_t max_bytes_;

  mutable std::mutex mu_;
  std::list<std::string> lru_;  // Most recently used first.
  struct Slot {
    BulletinPtr bulletin;
    std::list<std::string>::iterator at;
    int64_t stamp_read_at = 0;  // When the stamp last confirmed `bulletin`.
  };
  std::unordered_map<std::string, Slot> cache_;
  size_t bytes_ = 0;
};

}  // namespace ogw
