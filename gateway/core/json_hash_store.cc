#include "gateway/core/json_hash_store.h"

namespace ogw {

JsonHashStore::JsonHashStore(RedisPool* redis, std::string what)
    : redis_(redis), what_(std::move(what)) {}

absl::Status JsonHashStore::Put(const std::string& key, std::string_view id,
                                const std::string& doc) {
  return redis_->Command({"HSET", key, std::string(id), doc}).status();
}

absl::Status JsonHashStore::Replace(const std::string& key, std::string_view id,
                                    const std::string& doc) {
  ASSIGN_OR_RETURN(bool replaced, HashReplaceExisting(*redis_, key, std::string(id), doc));
  if (!replaced) return absl::NotFoundError(what_ + " not found");
  return absl::OkStatus();
}

absl::Status JsonHashStore::Delete(const std::string& key, std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HDEL", key, std::string(id)}));
  if (r.integer == 0) return absl::NotFoundError(what_ + " not found");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> JsonHashStore::GetDoc(const std::string& key,
                                                                 std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HGET", key, std::string(id)}));
  if (r.IsNil()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(r.str));
}

absl::StatusOr<std::vector<std::string>> JsonHashStore::AllDocs(const std::string& key) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HVALS", key}));
  std::vector<std::string> docs;
  docs.reserve(r.elements.size());
  for (RedisReply& e : r.elements) docs.push_back(std::move(e.str));
  return docs;
}

}  // namespace ogw
