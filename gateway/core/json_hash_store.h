#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// Records kept as JSON documents in one Redis hash: field = record id, value = the document.
// Only the hash commands live here; each store builds its keys and ids and (de)serialises its
// own records. Thread-safe. Redis failures come back as RedisPool returns them.
class JsonHashStore {
 public:
  // `redis` is not owned and must outlive this. `what` names a record in NotFound messages
  // ("segment" gives "segment not found").
  JsonHashStore(RedisPool* redis, std::string what);

  // Sets `id` to `doc`, whether or not it exists.
  absl::Status Put(const std::string& key, std::string_view id, const std::string& doc);
  // Sets `id` to `doc` only if it exists (an update must not resurrect a deleted record),
  // atomically. NotFound when absent.
  absl::Status Replace(const std::string& key, std::string_view id, const std::string& doc);
  // NotFound when absent.
  absl::Status Delete(const std::string& key, std::string_view id);

  // The document of `id`; nullopt when absent.
  absl::StatusOr<std::optional<std::string>> GetDoc(const std::string& key, std::string_view id);
  // Every document of the hash, in no particular order.
  absl::StatusOr<std::vector<std::string>> AllDocs(const std::string& key);

  // GetDoc and AllDocs parsed by `parse` (const std::string& -> absl::StatusOr<Record>), whose
  // failure (DataLoss for an unreadable document) is returned as it is. List sorts by
  // `Record::id`, so callers page in creation order (ids sort by creation).
  template <typename Record, typename Parse>
  absl::StatusOr<std::optional<Record>> Get(const std::string& key, std::string_view id,
                                            Parse parse);
  template <typename Record, typename Parse>
  absl::StatusOr<std::vector<Record>> List(const std::string& key, Parse parse);

 private:
  RedisPool* redis_;
  std::string what_;
};

template <typename Record, typename Parse>
absl::StatusOr<std::optional<Record>> JsonHashStore::Get(const std::string& key,
                                                         std::string_view id, Parse parse) {
  ASSIGN_OR_RETURN(std::optional<std::string> doc, GetDoc(key, id));
  if (!doc) return std::optional<Record>();
  ASSIGN_OR_RETURN(Record record, parse(*doc));
  return std::optional<Record>(std::move(record));
}

template <typename Record, typename Parse>
absl::StatusOr<std::vector<Record>> JsonHashStore::List(const std::string& key, Parse parse) {
  ASSIGN_OR_RETURN(std::vector<std::string> docs, AllDocs(key));
  std::vector<Record> out;
  out.reserve(docs.size());
  for (const std::string& doc : docs) {
    ASSIGN_OR_RETURN(Record record, parse(doc));
    out.push_back(std::move(record));
  }
  std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.id < b.id; });
  return out;
}

}  // namespace ogw
