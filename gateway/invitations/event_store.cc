#include "gateway/invitations/event_store.h"

#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

absl::StatusOr<Event> EventFromDoc(const std::string& doc) {
  nlohmann::json j = nlohmann::json::parse(doc, nullptr, false);
  if (j.is_discarded()) return absl::DataLossError("stored event is not JSON");
  return EventFromStoredJson(j);
}

}  // namespace

EventStore::EventStore(RedisPool* redis, const Clock* clock)
    : redis_(redis), clock_(clock), docs_(redis, "event") {}

absl::StatusOr<Event> EventStore::Create(Event event) {
  const int64_t now = clock_->NowMillis();
  event.id = NewId("evt", now);
  event.version = 1;
  event.created_at_millis = event.updated_at_millis = now;
  RETURN_IF_ERROR(docs_.Put(keys::Events(event.org_id), event.id, ToJson(event).dump()));
  return event;
}

absl::StatusOr<std::optional<Event>> EventStore::Get(std::string_view org_id, std::string_view id) {
  return docs_.Get<Event>(keys::Events(org_id), id, EventFromDoc);
}

absl::StatusOr<std::vector<Event>> EventStore::List(std::string_view org_id) {
  return docs_.List<Event>(keys::Events(org_id), EventFromDoc);
}

absl::StatusOr<Event> EventStore::Update(Event event) {
  ASSIGN_OR_RETURN(std::optional<Event> existing, Get(event.org_id, event.id));
  if (!existing) return absl::NotFoundError("event not found");
  event.created_by = existing->created_by;
  event.created_at_millis = existing->created_at_millis;
  event.cancelled_at_millis = existing->cancelled_at_millis;  // Only Cancel sets it.
  event.version = existing->version + 1;
  event.updated_at_millis = clock_->NowMillis();
  RETURN_IF_ERROR(docs_.Replace(keys::Events(event.org_id), event.id, ToJson(event).dump()));
  return event;
}

absl::StatusOr<std::pair<Event, bool>> EventStore::Cancel(std::string_view org_id,
                                                           std::string_view id) {
  ASSIGN_OR_RETURN(std::optional<Event> existing, Get(org_id, id));
  if (!existing) return absl::NotFoundError("event not found");
  if (existing->cancelled_at_millis != 0) return std::make_pair(*std::move(existing), false);
  Event event = *std::move(existing);
  event.cancelled_at_millis = clock_->NowMillis();
  event.version += 1;
  event.updated_at_millis = event.cancelled_at_millis;
  RETURN_IF_ERROR(docs_.Replace(keys::Events(event.org_id), event.id, ToJson(event).dump()));
  return std::make_pair(std::move(event), true);
}

absl::Status EventStore::Delete(std::string_view org_id, std::string_view id) {
  RETURN_IF_ERROR(docs_.Delete(keys::Events(org_id), id));
  return redis_
      ->Command({"DEL", keys::EventSelections(org_id, id), keys::EventSnapshot(org_id, id)})
      .status();
}

absl::Status EventStore::AddSelection(std::string_view org_id, std::string_view id,
                                      const nlohmann::json& record,
                                      const nlohmann::json& snapshot) {
  const auto dump = [](const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  return redis_
      ->Pipeline({{"SET", keys::EventSnapshot(org_id, id), dump(snapshot)},
                  {"RPUSH", keys::EventSelections(org_id, id), dump(record)}})
      .status();
}

absl::StatusOr<std::vector<nlohmann::json>> EventStore::Selections(std::string_view org_id,
                                                                   std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply list,
                   redis_->Command({"LRANGE", keys::EventSelections(org_id, id), "0", "-1"}));
  std::vector<nlohmann::json> out;
  for (const RedisReply& item : list.elements) {
    nlohmann::json record = nlohmann::json::parse(item.str, nullptr, false);
    if (record.is_discarded()) return absl::DataLossError("stored selection is not JSON");
    out.push_back(std::move(record));
  }
  return out;
}

absl::StatusOr<EventStore::Draw> EventStore::LatestDraw(std::string_view org_id,
                                                       std::string_view id) {
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                   redis_->Pipeline({{"GET", keys::EventSnapshot(org_id, id)},
                                     {"LLEN", keys::EventSelections(org_id, id)}}));
  for (const RedisReply& reply : replies) RETURN_IF_ERROR(reply.AsStatus());
  Draw out;
  out.records = static_cast<size_t>(replies[1].integer);
  if (replies[0].IsNil()) return out;
  // [[contact, group...], ...]
  const nlohmann::json rows = nlohmann::json::parse(replies[0].str, nullptr, false);
  const auto malformed = absl::DataLossError("stored selection candidates are malformed");
  if (!rows.is_array()) return malformed;
  std::vector<Candidate> candidates;
  candidates.reserve(rows.size());
  for (const nlohmann::json& row : rows) {
    if (!row.is_array() || row.empty()) return malformed;
    Candidate& c = candidates.emplace_back();
    for (size_t i = 0; i < row.size(); ++i) {
      if (!row[i].is_string()) return malformed;
      if (i == 0) {
        c.contact_id = row[i].get<std::string>();
      } else {
        c.groups.push_back(row[i].get<std::string>());
      }
    }
  }
  out.candidates = std::move(candidates);
  return out;
}

absl::Status EventStore::AppendRecord(std::string_view org_id, std::string_view id,
                                      const nlohmann::json& record) {
  return redis_
      ->Command({"RPUSH", keys::EventSelections(org_id, id),
                 record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)})
      .status();
}

}  // namespace ogw
