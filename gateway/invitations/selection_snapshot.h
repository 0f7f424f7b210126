#pragma once

// The bridge between contacts and SelectRepresentative: which attributes a quota may use, the
// group each contact falls in, and the snapshot of an audience to draw from.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/post_scope.h"
#include "gateway/invitations/selection.h"
#include "gateway/segments/segment_expression.h"

namespace ogw {

// A quota's attributes as officers name them: "country", "city", "language" (the first of the
// person's languages), "post", or any contact attribute ("gender", "age_band", written also
// "attributes.gender"). Two attributes make a cross ("country" and "gender": "GE|female").
// InvalidArgument naming the problem for anything else (empty, over 100 bytes, or "|" in it).
absl::Status CheckQuotaAttribute(std::string_view attribute);

// The group of `contact` on `attribute` (see above); "" when they have none. Numbers are
// written as they read ("1990", "2.5").
std::string GroupOf(const Contact& contact, std::string_view attribute);

// The name of a dimension over `attributes`: "gender", or "country+gender".
std::string DimensionName(const std::vector<std::string>& attributes);

// Seeds are shown and entered as JSON numbers: kept exact in every JSON reader.
inline constexpr int64_t kMaxSelectionSeed = (int64_t{1} << 53) - 1;

// A selection request as officers write it (POST /v1/events/{id}/selection and its preview,
// `outreach-gateway events preview-selection`):
//   {"segment_id" | "expression", "count", "seed", "fill_shortfall",
//    "quotas": [{"attributes": ["country"], "targets": {"DE": 3}}]}
struct SelectionInput {
  SelectionRequest request;  // Without a seed in the body: a random one, recorded.
  std::vector<std::vector<std::string>> attributes;  // Per dimension.
  std::string segment_id;  // Exactly one of segment_id and expression is set.
  std::string expression;
};
// Reads the body; problems go to `reader` naming the field. The caller resolves segment_id.
SelectionInput ReadSelectionInput(JsonReader& reader);

struct AudienceSnapshot {
  std::vector<Candidate> candidates;  // In the order read; groups per dimension.
  // Contacts of the audience that have no address usable for an invitation (no consent,
  // opted out, invalid): never drawn, counted for the record.
  size_t unreachable = 0;
};

// Every contact in `scope` that `audience` matches and that has an address usable for an
// invitation, with their group on each dimension (dimensions[d] lists its attributes).
absl::StatusOr<AudienceSnapshot> SnapshotAudience(
    ContactStore* contacts, std::string_view org_id, const PostScope& scope,
    const SegmentExpression& audience, const std::vector<std::vector<std::string>>& dimensions);

}  // namespace ogw
