#include "gateway/bulletins/bulletin_site.h"

#include <algorithm>
#include <limits>
#include <set>
#include <vector>

#include "gateway/bulletins/bulletin_pages.h"
#include "gateway/core/crypto.h"
#include "gateway/core/gzip.h"
#include "gateway/core/ids.h"
#include "gateway/invitations/event_store.h"
#include "gateway/orgs/org_store.h"

namespace ogw {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
// A cached bulletin is built again at least this often, so a renamed post or organisation
// shows within a minute (their changes do not touch the bulletin's stamp).
constexpr int64_t kMaxAgeMillis = 60'000;
// How long a bulletin's stamp read stands for the bulletin: changes made through another
// process show within this time.
constexpr int64_t kStampReadMillis = 1'000;
// The feeds carry the newest entries only; the index, every entry pinned or not.
constexpr size_t kFeedEntries = 50;

size_t SizeOf(const BulletinEntry& e) {
  size_t n = sizeof(BulletinEntry) + e.id.size() + e.org_id.size() + e.post_id.size();
  for (const auto& [language, t] : e.texts) {
    n += language.size() + t.title.size() + t.body.size() + t.html.size();
  }
  return n;
}

bool IsEntryId(std::string_view page) { return IsWellFormedId(page, "bul"); }

// Whether the request names its organisation and post by well-formed ids: anything else is
// nobody's bulletin, answered without a read.
bool NamesBulletin(const BulletinSite::Request& request) {
  return IsWellFormedId(request.org_id, "org") &&
         (request.post_id.empty() || IsWellFormedId(request.post_id, "post"));
}

// The entry `id` among those shown now, or null.
const BulletinEntry* LiveEntry(const std::vector<const BulletinEntry*>& live, std::string_view id) {
  const auto it =
      std::find_if(live.begin(), live.end(), [&](const BulletinEntry* e) { return e->id == id; });
  return it == live.end() ? nullptr : *it;
}

// The newest kFeedEntries of `live` (pinned first, then newest), newest publication first.
std::vector<const BulletinEntry*> Newest(const std::vector<const BulletinEntry*>& live) {
  std::vector<const BulletinEntry*> out = live;
  std::stable_sort(out.begin(), out.end(), [](const BulletinEntry* x, const BulletinEntry* y) {
    return x->published_at_millis > y->published_at_millis;
  });
  if (out.size() > kFeedEntries) out.resize(kFeedEntries);
  return out;
}

}  // namespace

struct BulletinSite::Bulletin {
  BulletinStamp stamp;
  // The next publication or expiry among the entries, or the end of kMaxAgeMillis.
  int64_t valid_until = kNever;
  int64_t last_modified = 0;
  std::string org_id;
  std::string post_id;
  std::string org_name;
  std::string post_name;
  std::string time_zone;
  std::string country;
  std::string default_language;
  std::vector<BulletinEntry> entries;      // Not withdrawn.
  std::vector<const BulletinEntry*> live;  // Shown now: pinned first, then newest.
  std::vector<std::string> languages;      // Of the live entries, sorted.
  // The live entries' events by id (an event's change shows within kMaxAgeMillis).
  std::map<std::string, Event> events;
  std::map<std::string, Answer> pages;  // "<page>|<language>" -> built answer; under mu_.
  size_t bytes = 0;                     // Of the entries and `pages`; under mu_ once cached.
};

BulletinSite::BulletinSite(BulletinStore* store, OrgStore* orgs, EventStore* events,
                           const Clock* clock, std::string public_base_url, size_t max_bytes)
    : store_(store),
      orgs_(orgs),
      events_(events),
      clock_(clock),
      base_url_(std::move(public_base_url)),
      max_bytes_(max_bytes) {
  store_->SetChangeListener(
      [this](std::string_view org_id, std::string_view post_id) { Forget(org_id, post_id); });
}

BulletinSite::~BulletinSite() { store_->SetChangeListener(nullptr); }

void BulletinSite::Forget(std::string_view org_id, std::string_view post_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(std::string(org_id) + "/" + std::string(post_id));
  if (it != cache_.end()) it->second.stamp_read_at = 0;
}

absl::StatusOr<BulletinSite::BulletinPtr> BulletinSite::Current(const Request& request,
                                                                int64_t now) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(request.org_id + "/" + request.post_id);
    if (it != cache_.end() && it->second.stamp_read_at != 0 &&
        now - it->second.stamp_read_at < kStampReadMillis && now >= it->second.stamp_read_at &&
        now < it->second.bulletin->valid_until) {
      lru_.splice(lru_.begin(), lru_, it->second.at);
      return it->second.bulletin;
    }
  }
  ASSIGN_OR_RETURN(BulletinStamp stamp, store_->Stamp(request.org_id, request.post_id));
  return Load(request, stamp, now);
}

size_t BulletinSite::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

void BulletinSite::Insert(const std::string& key, const BulletinPtr& bulletin) {
  // Under mu_.
  if (auto it = cache_.find(key); it != cache_.end()) {
    bytes_ -= it->second.bulletin->bytes;
    lru_.erase(it->second.at);
    cache_.erase(it);
  }
  lru_.push_front(key);
  cache_[key] = Slot{bulletin, lru_.begin()};
  bytes_ += bulletin->bytes;
  EvictOverflow();
}

void BulletinSite::EvictOverflow() {
  // Under mu_. The bulletin just used stays, whatever its size.
  while (bytes_ > max_bytes_ && lru_.size() > 1) {
    auto victim = cache_.find(lru_.back());
    bytes_ -= victim->second.bulletin->bytes;
    cache_.erase(victim);
    lru_.pop_back();
  }
}

absl::StatusOr<BulletinSite::BulletinPtr> BulletinSite::Load(const Request& request,
                                                             const BulletinStamp& stamp,
                                                             int64_t now) {
  const std::string key = request.org_id + "/" + request.post_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.bulletin->stamp.version == stamp.version &&
        now < it->second.bulletin->valid_until) {
      lru_.splice(lru_.begin(), lru_, it->second.at);
      it->second.stamp_read_at = now;
      return it->second.bulletin;
    }
  }
  ASSIGN_OR_RETURN(std::optional<Organisation> org, orgs_->GetOrganisation(request.org_id));
  if (!org) return BulletinPtr();
  auto b = std::make_shared<Bulletin>();
  b->stamp = stamp;
  b->org_id = request.org_id;
  b->post_id = request.post_id;
  b->org_name = org->name;
  b->default_language = org->default_language;
  if (!request.post_id.empty()) {
    ASSIGN_OR_RETURN(std::optional<Post> post, orgs_->GetPost(request.org_id, request.post_id));
    if (!post) return BulletinPtr();
    b->post_name = post->name;
    b->time_zone = post->time_zone;
    b->country = post->country;
    if (!post->default_language.empty()) b->default_language = post->default_language;
  }
  ASSIGN_OR_RETURN(b->entries, store_->List(request.org_id, request.post_id));
  b->last_modified = stamp.changed_at;
  b->valid_until = now + kMaxAgeMillis;
  std::set<std::string> languages;
  for (const BulletinEntry& e : b->entries) {
    b->bytes += SizeOf(e);
    // A time that passes changes the pages as a write would.
    for (const int64_t at : {e.published_at_millis, e.expires_at_millis}) {
      if (at == 0) continue;
      if (at > now) b->valid_until = std::min(b->valid_until, at);
      if (at <= now) b->last_modified = std::max(b->last_modified, at);
    }
    if (!e.LiveAt(now)) continue;
    b->live.push_back(&e);
    if (!e.event_id.empty() && events_ != nullptr && !b->events.contains(e.event_id)) {
      ASSIGN_OR_RETURN(std::optional<Event> event, events_->Get(request.org_id, e.event_id));
      if (event) b->events.emplace(e.event_id, *std::move(event));
    }
    for (const auto& [language, text] : e.texts) languages.insert(language);
  }
  std::stable_sort(b->live.begin(), b->live.end(),
                   [](const BulletinEntry* x, const BulletinEntry* y) {
                     if (x->pinned != y->pinned) return x->pinned;
                     return x->published_at_millis > y->published_at_millis;
                   });
  b->languages.assign(languages.begin(), languages.end());
  if (b->languages.empty()) b->languages.push_back(b->default_language);
  // HTTP dates have whole seconds: Last-Modified must not be later than what it announces.
  b->last_modified = b->last_modified / 1000 * 1000;
  std::lock_guard<std::mutex> lock(mu_);
  Insert(key, b);
  cache_[key].stamp_read_at = now;
  return b;
}

BulletinFrame BulletinSite::FrameOf(const Bulletin& b, const std::string& language) const {
  BulletinFrame frame;
  frame.org_name = b.org_name;
  frame.post_name = b.post_name;
  frame.base_url = base_url_ + "/b/" + b.org_id + "/" + (b.post_id.empty() ? "-" : b.post_id);
  frame.language = language;
  frame.languages = b.languages;
  frame.time_zone = b.time_zone;
  return frame;
}

BulletinSite::Answer BulletinSite::Build(const Bulletin& b, const std::string& page,
                                         const std::string& language) {
  const BulletinFrame frame = FrameOf(b, language);
  Answer a;
  a.language = language;
  a.last_modified = b.last_modified;
  std::string body;
  if (page.empty()) {
    a.content_type = "text/html; charset=utf-8";
    body = BulletinIndexHtml(frame, b.live);
  } else if (page == "feed.atom") {
    a.content_type = "application/atom+xml; charset=utf-8";
    int64_t updated = 0;
    for (const BulletinEntry* e : b.live) {
      updated = std::max({updated, e->published_at_millis, e->updated_at_millis});
    }
    body = BulletinAtom(frame, Newest(b.live), updated);
  } else if (page == "feed.json") {
    a.content_type = "application/feed+json; charset=utf-8";
    body = BulletinJsonFeed(frame, Newest(b.live));
  } else {
    const BulletinEntry& entry = *LiveEntry(b.live, page);  // Serve checked it is shown.
    a.content_type = "text/html; charset=utf-8";
    const auto event = b.events.find(entry.event_id);
    body = BulletinEntryHtml(frame, entry, event == b.events.end() ? nullptr : &event->second);
  }
  a.etag = "\"" + Sha1Hex(body).substr(0, 20) + "\"";
  // Compressed here, once per version of the page, instead of per request.
  a.gzip_body = std::make_shared<const std::string>(Gzip(body));
  a.body = std::make_shared<const std::string>(std::move(body));
  return a;
}

BulletinSite::Answer BulletinSite::Missing(const Bulletin* b, const std::string& language,
                                           int status) {
  Answer a;
  a.status = status;
  a.language = language;
  a.content_type = "text/html; charset=utf-8";
  const std::string back = b == nullptr
                               ? ""
                               : base_url_ + "/b/" + b->org_id + "/" +
                                     (b->post_id.empty() ? "-" : b->post_id) + "/?lang=" + language;
  a.body = std::make_shared<const std::string>(
      status == 410
          ? BulletinNoticeHtml(language, "Gone", "This notice was withdrawn or has expired.", back)
          : BulletinNoticeHtml(language, "Not found", "There is no such notice.", back));
  return a;
}

absl::StatusOr<BulletinSite::Answer> BulletinSite::Serve(const Request& request) {
  const int64_t now = clock_->NowMillis();
  if (!NamesBulletin(request) || !(request.page.empty() || request.page == "feed.atom" ||
                                   request.page == "feed.json" || IsEntryId(request.page))) {
    return Missing(nullptr, "en", 404);
  }
  ASSIGN_OR_RETURN(BulletinPtr b, Current(request, now));
  if (b == nullptr) return Missing(nullptr, "en", 404);
  const std::string language = ChooseBulletinLanguage(request.lang, request.accept_language,
                                                      b->languages, b->default_language);
  if (IsEntryId(request.page) && LiveEntry(b->live, request.page) == nullptr) {
    // Not shown: withdrawn or expired is gone for good; planned or unknown is not found.
    ASSIGN_OR_RETURN(std::optional<BulletinEntry> entry, store_->Get(request.org_id, request.page));
    const bool ours = entry && entry->post_id == request.post_id;
    const bool gone = ours && (entry->withdrawn() ||
                               (entry->expires_at_millis != 0 && entry->expires_at_millis <= now));
    return Missing(b.get(), language, gone ? 410 : 404);
  }
  const std::string page_key = request.page + "|" + language;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = b->pages.find(page_key);
    if (it != b->pages.end()) return it->second;
  }
  Answer built = Build(*b, request.page, language);
  std::lock_guard<std::mutex> lock(mu_);
  // Kept only while this version is the cached one (a newer may have replaced it meanwhile).
  const auto slot = cache_.find(request.org_id + "/" + request.post_id);
  if (slot == cache_.end() || slot->second.bulletin != b) return built;
  // One bulletin never holds more than the whole cache: past that its pages are built for
  // each request (readers choosing languages and pages cannot grow memory without bound).
  const size_t size = built.body->size() + built.gzip_body->size();
  if (b->bytes + size > max_bytes_) return built;
  auto [it, added] = b->pages.emplace(page_key, built);
  if (added) {
    b->bytes += size;
    bytes_ += size;
    lru_.splice(lru_.begin(), lru_, slot->second.at);
    EvictOverflow();
  }
  return it->second;
}

absl::StatusOr<std::optional<BulletinSite::FormPage>> BulletinSite::FormPageOf(
    const Request& request) {
  const int64_t now = clock_->NowMillis();
  if (!NamesBulletin(request) || !(request.page == "subscribe" || IsEntryId(request.page))) {
    return std::nullopt;
  }
  ASSIGN_OR_RETURN(BulletinPtr b, Current(request, now));
  if (b == nullptr) return std::nullopt;
  const std::string language = ChooseBulletinLanguage(request.lang, request.accept_language,
                                                      b->languages, b->default_language);
  FormPage page;
  page.frame = FrameOf(*b, language);
  page.country = b->country;
  page.entry_url = page.frame.base_url + "/?lang=" + language;
  if (request.page == "subscribe") return page;
  const BulletinEntry* entry = LiveEntry(b->live, request.page);
  if (entry == nullptr) return std::nullopt;
  std::string shown;
  page.entry_title = BulletinTextIn(*entry, language, "", &shown).title;
  page.entry_url = page.frame.base_url + "/" + entry->id + "?lang=" + language;
  return page;
}

absl::StatusOr<std::optional<std::pair<Event, std::string>>> BulletinSite::EventOf(
    const Request& request) {
  const int64_t now = clock_->NowMillis();
  if (!NamesBulletin(request) || !IsEntryId(request.page)) {
    return std::nullopt;
  }
  ASSIGN_OR_RETURN(BulletinPtr b, Current(request, now));
  if (b == nullptr) return std::nullopt;
  const BulletinEntry* entry = LiveEntry(b->live, request.page);
  if (entry == nullptr) return std::nullopt;
  const auto event = b->events.find(entry->event_id);
  if (event == b->events.end()) return std::nullopt;
  return std::pair{event->second, ChooseBulletinLanguage(request.lang, request.accept_language,
                                                         b->languages, b->default_language)};
}

}  // namespace ogw
