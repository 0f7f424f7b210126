#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/clock.h"
#include "gateway/core/json_hash_store.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"
#include "templates/template.h"

namespace ogw {

// Templates in Redis: HASH {o:<org>}:templates, id -> ToJson(template). Every write bumps the
// version, which keys the renderer's cache of parsed templates. Thread-safe.
class TemplateStore {
 public:
  TemplateStore(RedisPool* redis, const Clock* clock);

  // Assigns id, version 1 and timestamps.
  absl::StatusOr<Template> Create(Template t);
  absl::StatusOr<std::optional<Template>> Get(std::string_view org_id, std::string_view id);
  absl::StatusOr<std::vector<Template>> List(std::string_view org_id);
  // Replaces content, keeping id and creation time, if the stored version still equals
  // `t.version` (Aborted otherwise: someone else changed it); bumps the version. NotFound when
  // absent.
  absl::StatusOr<Template> Update(Template t);
  absl::Status Delete(std::string_view org_id, std::string_view id);

  // The copy of `t` that campaign `campaign_id` renders from its launch on.
  absl::Status Freeze(std::string_view org_id, std::string_view campaign_id, const Template& t);
  // That copy; nullopt for a campaign launched before copies were kept.
  absl::StatusOr<std::optional<Template>> GetFrozen(std::string_view org_id,
                                                    std::string_view campaign_id);

 private:
  RedisPool* redis_;
  const Clock* clock_;
  JsonHashStore docs_;
};

}  // namespace ogw
