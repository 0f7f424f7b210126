#pragma once

// The bridge between contacts and SelectRepresentative: which attributes a quota may use, the
// group each contact falls in, and the snapshot of an audience to draw from.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/contacts/contact_store.h"
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
