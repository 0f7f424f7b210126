#include "gateway/bulletins/bulletin_store.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

// KEYS: the organisation's entries, the entry's bulletin and its stamp, the bulletin it was
// in and that one's stamp. ARGV: id, document, published_at, "1" when it is listed (not
// withdrawn), the most entries a bulletin lists, the version the stored entry must be at
// ("" when none may exist), now. A stamp is a hash: `version` (incremented by every change)
// and `changed_at`, a second later at least than the change before (Last-Modified has whole
// seconds: two changes must not share one). Answers {"ok"}, {"exists"}, {"gone"},
// {"version", v} or {"full"}.
const RedisScript kWriteScript(R"lua(
local old = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[6] == '' then
  if old then return {'exists'} end
else
  if not old then return {'gone'} end
  local v = tostring(cjson.decode(old).version)
  if v ~= ARGV[6] then return {'version', v} end
end
if ARGV[4] == '1' then
  if not redis.call('ZSCORE', KEYS[2], ARGV[1]) and
     redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
    return {'full'}
  end
end
local function stamp(key)
  local before = tonumber(redis.call('HGET', key, 'changed_at') or '0')
  redis.call('HINCRBY', key, 'version', 1)
  redis.call('HSET', key, 'changed_at',
             math.max(tonumber(ARGV[7]), (math.floor(before / 1000) + 1) * 1000))
end
if KEYS[4] ~= KEYS[2] then
  redis.call('ZREM', KEYS[4], ARGV[1])
  stamp(KEYS[5])
end
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
stamp(KEYS[3])
return {'ok'}
)lua");

}  // namespace

BulletinStore::BulletinStore(RedisPool* redis, const Clock* clock) : redis_(redis), clock_(clock) {}

absl::Status BulletinStore::Write(const BulletinEntry& entry, std::optional<int64_t> expected,
                                  std::string_view old_post) {
  ASSIGN_OR_RETURN(
      RedisReply r,
      redis_->Eval(
          kWriteScript,
          {keys::BulletinEntries(entry.org_id), keys::Bulletin(entry.org_id, entry.post_id),
           keys::BulletinStamp(entry.org_id, entry.post_id), keys::Bulletin(entry.org_id, old_post),
           keys::BulletinStamp(entry.org_id, old_post)},
          {entry.id, ToJson(entry).dump(), std::to_string(entry.published_at_millis),
           entry.withdrawn() ? "0" : "1", std::to_string(kMaxEntries),
           expected ? std::to_string(*expected) : "", std::to_string(clock_->NowMillis())}));
  if (r.elements.empty()) return absl::InternalError("bulletin write: unexpected reply");
  const std::string& status = r.elements[0].str;
  if (status == "ok") {
    if (on_change_) {
      on_change_(entry.org_id, entry.post_id);
      if (old_post != entry.post_id) on_change_(entry.org_id, old_post);
    }
    return absl::OkStatus();
  }
  if (status == "exists") return absl::AlreadyExistsError("bulletin entry exists");
  if (status == "gone") return absl::NotFoundError("bulletin entry not found");
  if (status == "full") {
    return absl::ResourceExhaustedError("the bulletin holds " + std::to_string(kMaxEntries) +
                                        " entries: withdraw old ones first");
  }
  if (status == "version" && r.elements.size() > 1) {
    return absl::FailedPreconditionError("version " + r.elements[1].str);
  }
  return absl::InternalError("bulletin write: " + status);
}

absl::StatusOr<BulletinEntry> BulletinStore::Create(std::string_view org_id,
                                                    const BulletinChange& change,
                                                    std::string_view author,
                                                    std::string_view campaign_id) {
  if (!change.texts) return absl::InvalidArgumentError("texts: required");
  const int64_t now = clock_->NowMillis();
  BulletinEntry e;
  e.id = campaign_id.empty() ? NewId("bul", now) : EntryIdOf(campaign_id);
  e.org_id = std::string(org_id);
  e.post_id = change.post_id.value_or("");
  e.texts = *change.texts;
  RETURN_IF_ERROR(RenderBulletinTexts(&e.texts));
  e.event_id = change.event_id.value_or("");
  e.campaign_id = std::string(campaign_id);
  e.created_by = std::string(author);
  e.created_at_millis = e.changed_at_millis = now;
  e.published_at_millis = change.published_at_millis.value_or(now);
  e.expires_at_millis = change.expires_at_millis.value_or(0);
  if (e.expires_at_millis != 0 && e.expires_at_millis <= e.published_at_millis) {
    return absl::InvalidArgumentError("expires_at: must be after published_at");
  }
  e.pinned = change.pinned.value_or(false);
  e.version = 1;
  RETURN_IF_ERROR(Write(e, std::nullopt, e.post_id));
  return e;
}

std::string BulletinStore::EntryIdOf(std::string_view campaign_id) {
  const size_t underscore = campaign_id.find('_');
  return "bul" +
         std::string(campaign_id.substr(underscore == std::string_view::npos ? 0 : underscore));
}

absl::StatusOr<std::optional<BulletinEntry>> BulletinStore::Get(std::string_view org_id,
                                                                std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Command({"HGET", keys::BulletinEntries(org_id), std::string(id)}));
  if (r.IsNil()) return std::optional<BulletinEntry>();
  ASSIGN_OR_RETURN(BulletinEntry e, BulletinEntryFromDoc(r.str));
  return std::optional<BulletinEntry>(std::move(e));
}

absl::StatusOr<BulletinEntry> BulletinStore::Update(std::string_view org_id, std::string_view id,
                                                    const BulletinChange& change) {
  ASSIGN_OR_RETURN(std::optional<BulletinEntry> stored, Get(org_id, id));
  if (!stored || stored->withdrawn()) return absl::NotFoundError("bulletin entry not found");
  if (change.expected_version && *change.expected_version != stored->version) {
    return absl::FailedPreconditionError("version " + std::to_string(stored->version));
  }
  const int64_t now = clock_->NowMillis();
  BulletinEntry e = *stored;
  if (change.texts) {
    std::map<std::string, BulletinText> texts = *change.texts;
    RETURN_IF_ERROR(RenderBulletinTexts(&texts));
    const bool changed =
        texts.size() != e.texts.size() ||
        !std::equal(texts.begin(), texts.end(), e.texts.begin(), [](const auto& a, const auto& b) {
          return a.first == b.first && a.second.title == b.second.title &&
                 a.second.body == b.second.body;
        });
    // Readers are told of a change to what they may have read, not of a correction before.
    if (changed && e.published_at_millis <= now) e.updated_at_millis = now;
    e.texts = std::move(texts);
  }
  if (change.post_id) e.post_id = *change.post_id;
  if (change.event_id) e.event_id = *change.event_id;
  if (change.published_at_millis) e.published_at_millis = *change.published_at_millis;
  if (change.expires_at_millis) e.expires_at_millis = *change.expires_at_millis;
  if (e.expires_at_millis != 0 && e.expires_at_millis <= e.published_at_millis) {
    return absl::InvalidArgumentError("expires_at: must be after published_at");
  }
  if (change.pinned) e.pinned = *change.pinned;
  e.changed_at_millis = now;
  e.version = stored->version + 1;
  RETURN_IF_ERROR(Write(e, stored->version, stored->post_id));
  return e;
}

absl::StatusOr<BulletinEntry> BulletinStore::Withdraw(std::string_view org_id, std::string_view id,
                                                      std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(std::optional<BulletinEntry> stored, Get(org_id, id));
  if (!stored) return absl::NotFoundError("bulletin entry not found");
  if (stored->withdrawn()) return *stored;
  if (expected_version && *expected_version != stored->version) {
    return absl::FailedPreconditionError("version " + std::to_string(stored->version));
  }
  BulletinEntry e = *stored;
  e.withdrawn_at_millis = e.changed_at_millis = clock_->NowMillis();
  e.version = stored->version + 1;
  RETURN_IF_ERROR(Write(e, stored->version, stored->post_id));
  return e;
}

absl::StatusOr<std::vector<BulletinEntry>> BulletinStore::List(std::string_view org_id,
                                                               std::string_view post_id) {
  ASSIGN_OR_RETURN(RedisReply ids, redis_->Command({"ZREVRANGE", keys::Bulletin(org_id, post_id),
                                                    "0", std::to_string(kMaxEntries - 1)}));
  std::vector<BulletinEntry> out;
  if (ids.elements.empty()) return out;
  std::vector<std::string> hmget = {"HMGET", keys::BulletinEntries(org_id)};
  for (const RedisReply& id : ids.elements) hmget.push_back(id.str);
  ASSIGN_OR_RETURN(RedisReply docs, redis_->Command(hmget));
  out.reserve(docs.elements.size());
  for (const RedisReply& doc : docs.elements) {
    if (doc.IsNil()) continue;
    auto e = BulletinEntryFromDoc(doc.str);
    if (!e.ok()) {
      spdlog::error("bulletin of {}: {}", org_id, MessageOf(e.status()));
      continue;
    }
    out.push_back(*std::move(e));
  }
  return out;
}

absl::StatusOr<BulletinStamp> BulletinStore::Stamp(std::string_view org_id,
                                                   std::string_view post_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HMGET", keys::BulletinStamp(org_id, post_id),
                                                  "version", "changed_at"}));
  BulletinStamp stamp;
  if (r.elements.size() != 2) return absl::InternalError("bulletin stamp: unexpected reply");
  if ((!r.elements[0].IsNil() && !absl::SimpleAtoi(r.elements[0].str, &stamp.version)) ||
      (!r.elements[1].IsNil() && !absl::SimpleAtoi(r.elements[1].str, &stamp.changed_at))) {
    return absl::DataLossError("bulletin stamp is not readable");
  }
  return stamp;
}

}  // namespace ogw
