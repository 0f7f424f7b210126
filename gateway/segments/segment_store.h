#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/contact_store.h"
#include "gateway/core/clock.h"
#include "gateway/core/json_hash_store.h"
#include "gateway/core/post_scope.h"
#include "gateway/core/redis_client.h"
#include "gateway/segments/segment_expression.h"

namespace ogw {

// A saved, named audience definition. Evaluated when used, so it always reflects the
// contacts as they are now.
struct Segment {
  std::string id;  // "seg_..."
  std::string org_id;
  std::string post_id;  // Empty: organisation-wide. Officers may only save in their posts.
  std::string name;
  std::string expression;  // Validated with SegmentExpression::Parse before saving.
  std::string created_by;  // Officer id.
  int64_t created_at_millis = 0;
  int64_t updated_at_millis = 0;
};
nlohmann::json ToJson(const Segment& segment);

struct SegmentPreview {
  size_t count = 0;
  std::vector<Contact> sample;  // Up to the requested size, in id order.
};

// Saved segments in Redis (HASH {o:<org>}:segments). Thread-safe.
class SegmentStore {
 public:
  SegmentStore(RedisPool* redis, const Clock* clock);

  absl::StatusOr<Segment> Create(Segment segment);
  absl::StatusOr<std::optional<Segment>> Get(std::string_view org_id, std::string_view id);
  absl::StatusOr<std::vector<Segment>> List(std::string_view org_id);
  // NotFound when absent.
  absl::Status Update(const Segment& segment);
  absl::Status Delete(std::string_view org_id, std::string_view id);

 private:
  const Clock* clock_;
  JsonHashStore docs_;
};

// Counts the contacts in `scope` that match and returns the first `sample_size` of them by id.
absl::StatusOr<SegmentPreview> EvaluateSegment(ContactStore* contacts, std::string_view org_id,
                                               const PostScope& scope,
                                               const SegmentExpression& expression,
                                               size_t sample_size);

}  // namespace ogw
