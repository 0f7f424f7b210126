#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/clock.h"
#include "gateway/core/json_hash_store.h"
#include "gateway/core/redis_client.h"
#include "gateway/invitations/event.h"
#include "gateway/invitations/selection.h"

namespace ogw {

// Events in Redis (HASH {o:<org>}:events, id -> ToJson). Thread-safe.
class EventStore {
 public:
  EventStore(RedisPool* redis, const Clock* clock);

  // Sets id, version 1 and the timestamps.
  absl::StatusOr<Event> Create(Event event);
  absl::StatusOr<std::optional<Event>> Get(std::string_view org_id, std::string_view id);
  // In creation order.
  absl::StatusOr<std::vector<Event>> List(std::string_view org_id);
  // Replaces the stored event, keeping its id, creator and creation time and bumping its
  // version. NotFound when absent.
  absl::StatusOr<Event> Update(Event event);
  // Calls the event off (cancelled_at = now); the event, and whether this call cancelled it
  // (false: it already was). NotFound when there is no such event.
  absl::StatusOr<std::pair<Event, bool>> Cancel(std::string_view org_id, std::string_view id);
  // Deletes the event and its selection records.
  absl::Status Delete(std::string_view org_id, std::string_view id);

  // The record of a representative draw (criteria, seed, composition, who), kept with the
  // event so an institution can show how people were chosen, and the snapshot of candidates
  // it drew from. Records are kept in order; the snapshot is the latest draw's.
  absl::Status AddSelection(std::string_view org_id, std::string_view id,
                            const nlohmann::json& record, const nlohmann::json& snapshot);
  absl::StatusOr<std::vector<nlohmann::json>> Selections(std::string_view org_id,
                                                         std::string_view id);
  // The latest draw's candidates as AddSelection stored them (nullopt when none are kept) and
  // how many records there are, read together: a draw saved since the records were read would
  // pair one draw's request with another's candidates.
  struct Draw {
    std::optional<std::vector<Candidate>> candidates;
    size_t records = 0;
  };
  absl::StatusOr<Draw> LatestDraw(std::string_view org_id, std::string_view id);
  // Appends a record (a replacement) and keeps the latest draw's candidates as they are.
  absl::Status AppendRecord(std::string_view org_id, std::string_view id,
                            const nlohmann::json& record);

 private:
  RedisPool* redis_;
  const Clock* clock_;
  JsonHashStore docs_;
};

}  // namespace ogw
