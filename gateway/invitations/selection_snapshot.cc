#include "gateway/invitations/selection_snapshot.h"

#include <cstring>

#include "gateway/core/crypto.h"

#include <cmath>
#include <cstdio>

namespace ogw {
namespace {

constexpr size_t kMaxAttributeBytes = 100;

// "attributes.gender" and "gender" name the same contact attribute.
std::string_view AttributeName(std::string_view attribute) {
  constexpr std::string_view kPrefix = "attributes.";
  if (attribute.starts_with(kPrefix)) attribute.remove_prefix(kPrefix.size());
  return attribute;
}

std::string NumberText(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char out[32];
  std::snprintf(out, sizeof(out), "%g", value);
  return out;
}

}  // namespace

absl::Status CheckQuotaAttribute(std::string_view attribute) {
  if (AttributeName(attribute).empty() || attribute.size() > kMaxAttributeBytes) {
    return absl::InvalidArgumentError("must name an attribute in 1 to 100 bytes");
  }
  if (attribute.find('|') != std::string_view::npos) {
    return absl::InvalidArgumentError("must not contain |");
  }
  return absl::OkStatus();
}

std::string GroupOf(const Contact& c, std::string_view attribute) {
  if (attribute == "country") return c.country;
  if (attribute == "city") return c.city;
  if (attribute == "language") return c.languages.empty() ? "" : c.languages.front();
  if (attribute == "post") return c.post_id;
  auto it = c.attributes.find(std::string(AttributeName(attribute)));
  if (it == c.attributes.end()) return "";
  if (const auto* text = std::get_if<std::string>(&it->second)) return *text;
  return NumberText(std::get<double>(it->second));
}

std::string DimensionName(const std::vector<std::string>& attributes) {
  std::string name;
  for (const std::string& a : attributes) {
    if (!name.empty()) name += '+';
    name += a;
  }
  return name;
}

absl::StatusOr<AudienceSnapshot> SnapshotAudience(
    ContactStore* contacts, std::string_view org_id, const PostScope& scope,
    const SegmentExpression& audience, const std::vector<std::vector<std::string>>& dimensions) {
  AudienceSnapshot snapshot;
  RETURN_IF_ERROR(contacts->ForEach(org_id, scope, [&](const Contact& c) {
    if (!scope.Allows(c.post_id) || !audience.Matches(c)) return true;
    bool reachable = false;
    for (const Address& a : c.addresses) reachable |= a.Reachable();
    if (!reachable) {
      ++snapshot.unreachable;
      return true;
    }
    Candidate& candidate = snapshot.candidates.emplace_back();
    candidate.contact_id = c.id;
    candidate.groups.reserve(dimensions.size());
    for (const std::vector<std::string>& attributes : dimensions) {
      std::string group;
      for (size_t i = 0; i < attributes.size(); ++i) {
        if (i > 0) group += '|';
        group += GroupOf(c, attributes[i]);
      }
      candidate.groups.push_back(std::move(group));
    }
    return true;
  }));
  return snapshot;
}

SelectionInput ReadSelectionInput(JsonReader& r) {
  SelectionInput in;
  int64_t count = 0;
  int64_t seed = -1;
  r.String("segment_id", &in.segment_id);
  r.String("expression", &in.expression);
  r.Int("count", &count, 1, static_cast<int64_t>(SelectionRequest::kMaxCount), true);
  r.Int("seed", &seed, 0, kMaxSelectionSeed);
  r.Bool("fill_shortfall", &in.request.fill_shortfall);
  r.ObjectList("quotas", [&](JsonReader& q) {
    QuotaDimension& d = in.request.dimensions.emplace_back();
    std::vector<std::string>& attributes = in.attributes.emplace_back();
    q.StringList("attributes", &attributes, true);
    if (attributes.empty() || attributes.size() > 2) {
      q.Error("attributes", "must name one attribute, or two for a cross");
    }
    for (size_t i = 0; i < attributes.size(); ++i) {
      if (absl::Status s = CheckQuotaAttribute(attributes[i]); !s.ok()) {
        q.Error("attributes[" + std::to_string(i) + "]", MessageOf(s));
      }
    }
    d.name = DimensionName(attributes);
    nlohmann::json targets;
    q.AnyObject("targets", &targets);
    d.proportional = targets.is_null();
    if (targets.is_object()) {
      for (const auto& [group, seats] : targets.items()) {
        if (!seats.is_number_integer() || seats.get<int64_t>() < 0) {
          q.Error("targets." + group, "must be a number of seats, 0 or more");
        } else {
          d.targets[group] = seats.get<size_t>();
        }
      }
    }
  });
  if (in.segment_id.empty() == in.expression.empty()) {
    r.Error("segment_id", "give exactly one of segment_id and expression");
  }
  in.request.count = static_cast<size_t>(count);
  if (seed < 0) {
    const std::string bytes = RandomBytes(8);
    uint64_t random = 0;
    std::memcpy(&random, bytes.data(), sizeof(random));
    seed = static_cast<int64_t>(random & static_cast<uint64_t>(kMaxSelectionSeed));
  }
  in.request.seed = static_cast<uint64_t>(seed);
  return in;
}

}  // namespace ogw
