#include "gateway/segments/segment_store.h"

#include <algorithm>

#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

absl::StatusOr<Segment> SegmentFromDoc(const std::string& doc) {
  try {
    nlohmann::json j = nlohmann::json::parse(doc);
    return Segment{j.at("id"),         j.at("org_id"),     j.at("post_id"),
                   j.at("name"),       j.at("expression"), j.at("created_by"),
                   j.at("created_at"), j.at("updated_at")};
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("stored segment is not readable: ") + e.what());
  }
}

}  // namespace

nlohmann::json ToJson(const Segment& s) {
  return {{"id", s.id},
          {"org_id", s.org_id},
          {"post_id", s.post_id},
          {"name", s.name},
          {"expression", s.expression},
          {"created_by", s.created_by},
          {"created_at", s.created_at_millis},
          {"updated_at", s.updated_at_millis}};
}

SegmentStore::SegmentStore(RedisPool* redis, const Clock* clock) : redis_(redis), clock_(clock) {}

absl::StatusOr<Segment> SegmentStore::Create(Segment segment) {
  segment.id = NewId("seg", clock_->NowMillis());
  segment.created_at_millis = segment.updated_at_millis = clock_->NowMillis();
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HSET", keys::Segments(segment.org_id),
                                                  segment.id, ToJson(segment).dump()}));
  (void)r;
  return segment;
}

absl::StatusOr<std::optional<Segment>> SegmentStore::Get(std::string_view org_id,
                                                         std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Command({"HGET", keys::Segments(org_id), std::string(id)}));
  if (r.IsNil()) return std::optional<Segment>();
  ASSIGN_OR_RETURN(Segment s, SegmentFromDoc(r.str));
  return std::optional<Segment>(std::move(s));
}

absl::StatusOr<std::vector<Segment>> SegmentStore::List(std::string_view org_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HVALS", keys::Segments(org_id)}));
  std::vector<Segment> out;
  for (const auto& e : r.elements) {
    ASSIGN_OR_RETURN(Segment s, SegmentFromDoc(e.str));
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const Segment& a, const Segment& b) { return a.id < b.id; });
  return out;
}

absl::Status SegmentStore::Update(const Segment& segment) {
  Segment s = segment;
  s.updated_at_millis = clock_->NowMillis();
  ASSIGN_OR_RETURN(bool replaced,
                   HashReplaceExisting(*redis_, keys::Segments(s.org_id), s.id, ToJson(s).dump()));
  if (!replaced) return absl::NotFoundError("segment not found");
  return absl::OkStatus();
}

absl::Status SegmentStore::Delete(std::string_view org_id, std::string_view id) {
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Command({"HDEL", keys::Segments(org_id), std::string(id)}));
  if (r.integer == 0) return absl::NotFoundError("segment not found");
  return absl::OkStatus();
}

absl::StatusOr<SegmentPreview> EvaluateSegment(ContactStore* contacts, std::string_view org_id,
                                               const PostScope& scope,
                                               const SegmentExpression& expression,
                                               size_t sample_size) {
  SegmentPreview preview;
  // Keep the `sample_size` smallest ids seen, so the sample is stable between calls
  // although the scan order is not.
  auto by_id = [](const Contact& a, const Contact& b) { return a.id < b.id; };
  RETURN_IF_ERROR(contacts->ForEach(org_id, scope, [&](const Contact& c) {
    if (!scope.Allows(c.post_id) || !expression.Matches(c)) return true;
    ++preview.count;
    if (sample_size == 0) return true;
    if (preview.sample.size() < sample_size) {
      preview.sample.push_back(c);
      std::push_heap(preview.sample.begin(), preview.sample.end(), by_id);
    } else if (c.id < preview.sample.front().id) {
      std::pop_heap(preview.sample.begin(), preview.sample.end(), by_id);
      preview.sample.back() = c;
      std::push_heap(preview.sample.begin(), preview.sample.end(), by_id);
    }
    return true;
  }));
  std::sort_heap(preview.sample.begin(), preview.sample.end(), by_id);
  return preview;
}

}  // namespace ogw
