#include "gateway/contacts/person_data.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gateway/contacts/contact_json.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

constexpr size_t kPage = 500;

absl::StatusOr<nlohmann::json> History(const PersonDataSources& s, std::string_view org,
                                       std::string_view contact_id) {
  std::vector<ConversationEntry> all;
  std::string before;
  while (all.size() < static_cast<size_t>(ConversationLog::kMaxEntries) * 2) {
    ASSIGN_OR_RETURN(std::vector<ConversationEntry> page,
                     s.conversations->Read(org, contact_id, before, kPage));
    for (ConversationEntry& e : page) all.push_back(std::move(e));
    if (page.size() < kPage) break;
    before = all.back().id;
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    nlohmann::json j = {{"id", it->id}, {"kind", it->kind}, {"at", it->at_millis}};
    for (const auto& [k, v] : it->fields) j[k] = v;
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json ThreadJson(const ConversationThread& t) {
  return {{"state", ThreadStateName(t.state)},
          {"assignee", t.assignee},
          {"labels", t.labels},
          {"channels", t.channels},
          {"campaigns", t.campaigns},
          {"last_activity_at", t.last_activity_millis}};
}

absl::StatusOr<nlohmann::json> Events(const PersonDataSources& s, std::string_view org,
                                      std::string_view contact_id) {
  nlohmann::json out = nlohmann::json::array();
  if (s.seats == nullptr) return out;
  ASSIGN_OR_RETURN(RedisReply events,
                   s.redis->Command({"SMEMBERS", keys::ContactEvents(org, contact_id)}));
  std::vector<std::string> ids;
  for (const RedisReply& e : events.elements) ids.push_back(e.str);
  std::sort(ids.begin(), ids.end());
  for (const std::string& event : ids) {
    auto place = s.seats->Get(org, event, contact_id);
    if (absl::IsFailedPrecondition(place.status())) continue;  // Deleted meanwhile.
    RETURN_IF_ERROR(place.status());
    if (!*place) continue;
    const PersonState& p = **place;
    nlohmann::json j = {{"event_id", event},
                        {"state", SeatStateName(p.state)},
                        {"at", p.at_millis},
                        {"how", p.how}};
    if (p.waitlist_position > 0) j["waitlist_position"] = p.waitlist_position;
    out.push_back(std::move(j));
  }
  return out;
}

absl::StatusOr<nlohmann::json> Messages(const PersonDataSources& s, std::string_view org,
                                        std::string_view contact_id) {
  nlohmann::json out = nlohmann::json::array();
  ASSIGN_OR_RETURN(RedisReply ids,
                   s.redis->Command({"SMEMBERS", keys::ContactDirectMessages(org, contact_id)}));
  std::vector<std::string> sorted;
  for (const RedisReply& id : ids.elements) sorted.push_back(id.str);
  std::sort(sorted.begin(), sorted.end());  // Ids sort by creation.
  for (const std::string& id : sorted) {
    ASSIGN_OR_RETURN(std::optional<nlohmann::json> payload, s.queue->GetDirectPayload(org, id));
    if (!payload) continue;
    nlohmann::json j = {{"id", id},
                        {"channel", payload->value("channel", "")},
                        {"text", payload->value("text", "")},
                        {"subject", payload->value("subject", "")},
                        {"author", payload->value("author", "")}};
    ASSIGN_OR_RETURN(std::optional<DirectStatus> status, s.queue->GetDirectStatus(org, id));
    if (status) {
      j["status"] = status->status;
      j["updated_at"] = status->at_millis;
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::optional<nlohmann::json>> CollectPersonData(const PersonDataSources& s,
                                                                std::string_view org,
                                                                std::string_view contact_id) {
  ASSIGN_OR_RETURN(std::optional<StoredContact> stored, s.contacts->Get(org, contact_id));
  if (!stored) return std::nullopt;
  nlohmann::json doc;
  doc["exported_at"] = s.clock->NowMillis();
  doc["contact"] = ContactToJson(stored->contact);
  doc["contact"]["version"] = stored->version;
  ASSIGN_OR_RETURN(std::optional<ConversationThread> thread, s.threads->Get(org, contact_id));
  doc["conversation"] = thread ? ThreadJson(*thread) : nlohmann::json(nullptr);
  ASSIGN_OR_RETURN(doc["history"], History(s, org, contact_id));
  ASSIGN_OR_RETURN(doc["events"], Events(s, org, contact_id));
  ASSIGN_OR_RETURN(doc["messages"], Messages(s, org, contact_id));
  return doc;
}

}  // namespace ogw
