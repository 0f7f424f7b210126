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

SegmentStore::SegmentStore(RedisPool* redis, const Clock* clock)
    : clock_(clock), docs_(redis, "segment") {}

absl::StatusOr<Segment> SegmentStore::Create(Segment segment) {
  segment.id = NewId("seg", clock_->NowMillis());
  segment.created_at_millis = segment.updated_at_millis = clock_->NowMillis();
  RETURN_IF_ERROR(docs_.Put(keys::Segments(segment.org_id), segment.id, ToJson(segment).dump()));
  return segment;
}

absl::StatusOr<std::optional<Segment>> SegmentStore::Get(std::string_view org_id,
                                                         std::string_view id) {
  return docs_.Get<Segment>(keys::Segments(org_id), id, SegmentFromDoc);
}

absl::StatusOr<std::vector<Segment>> SegmentStore::List(std::string_view org_id) {
  return docs_.List<Segment>(keys::Segments(org_id), SegmentFromDoc);
}

absl::Status SegmentStore::Update(const Segment& segment) {
  Segment s = segment;
  s.updated_at_millis = clock_->NowMillis();
  return docs_.Replace(keys::Segments(s.org_id), s.id, ToJson(s).dump());
}

absl::Status SegmentStore::Delete(std::string_view org_id, std::string_view id) {
  return docs_.Delete(keys::Segments(org_id), id);
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
