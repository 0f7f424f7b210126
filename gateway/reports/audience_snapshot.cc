#include "gateway/reports/audience_snapshot.h"

#include <cmath>
#include <ctime>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "gateway/invitations/selection_snapshot.h"
#include "queue/campaign_keys.h"

namespace ogw {
namespace {

constexpr size_t kSliceBytes = 1 << 20;

int YearAt(int64_t millis) {
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm.tm_year + 1900;
}

std::string AgeBand(double birth_year, int64_t now_millis) {
  if (!std::isfinite(birth_year) || birth_year < 1880 || birth_year > 3000) return "";
  const int age = YearAt(now_millis) - static_cast<int>(birth_year);
  if (age < 0) return "";
  if (age < 18) return "under 18";
  if (age < 25) return "18-24";
  if (age >= 65) return "65+";
  const int low = (age - 5) / 10 * 10 + 5;  // 25-34, 35-44, ...
  return std::to_string(low) + "-" + std::to_string(low + 9);
}

}  // namespace

const std::vector<std::string>& DefaultReportAttributes() {
  static const std::vector<std::string> kDefault = {"country", "city",     "language",
                                                    "gender",  "age_band", "generation"};
  return kDefault;
}

absl::Status CheckReportAttributes(const std::vector<std::string>& attributes) {
  if (attributes.size() > kMaxReportAttributes) {
    return absl::InvalidArgumentError("at most " + std::to_string(kMaxReportAttributes) +
                                      " attributes");
  }
  std::set<std::string> seen;
  for (const std::string& a : attributes) {
    RETURN_IF_ERROR(CheckQuotaAttribute(a));
    if (a == "channel") return absl::InvalidArgumentError("channel is always reported");
    if (!seen.insert(a).second) return absl::InvalidArgumentError(a + " is named twice");
  }
  return absl::OkStatus();
}

std::string ReportValueOf(const Contact& contact, std::string_view attribute, int64_t now_millis) {
  std::string value = GroupOf(contact, attribute);
  if (value.empty() && (attribute == "age_band" || attribute == "attributes.age_band")) {
    const auto it = contact.attributes.find("birth_year");
    if (it != contact.attributes.end()) {
      if (const double* year = std::get_if<double>(&it->second)) {
        value = AgeBand(*year, now_millis);
      }
    }
  }
  return value;
}

AudienceEncoder::AudienceEncoder(std::vector<std::string> attributes, int64_t now_millis)
    : attributes_(std::move(attributes)),
      now_millis_(now_millis),
      codes_(attributes_.size()),
      values_(attributes_.size()) {}

void AudienceEncoder::Append(const Contact& contact, uint8_t channel, std::string* out) {
  out->push_back(static_cast<char>(channel));
  for (size_t a = 0; a < attributes_.size(); ++a) {
    std::string value = ReportValueOf(contact, attributes_[a], now_millis_);
    uint8_t code = kUnknownCode;
    if (!value.empty()) {
      auto it = codes_[a].find(value);
      if (it != codes_[a].end()) {
        code = it->second;
      } else if (values_[a].size() < kOtherCode - 1) {
        values_[a].push_back(value);
        code = static_cast<uint8_t>(values_[a].size());
        codes_[a].emplace(std::move(value), code);
      } else {
        code = kOtherCode;
      }
    }
    out->push_back(static_cast<char>(code));
  }
}

std::vector<std::pair<std::string, std::string>> AudienceEncoder::Dictionary() const {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"attributes", nlohmann::json(attributes_).dump()}, {"width", std::to_string(width())}};
  for (size_t a = 0; a < attributes_.size(); ++a) {
    fields.emplace_back(
        "values:" + attributes_[a],
        nlohmann::json(values_[a]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return fields;
}

std::string CampaignAudience::ValueName(size_t attribute, uint8_t code) const {
  if (code == kUnknownCode) return "";
  if (code == kOtherCode || code > values[attribute].size()) return "other";
  return values[attribute][code - 1];
}

absl::StatusOr<std::optional<CampaignAudience>> ReadCampaignAudience(RedisPool* redis,
                                                                     std::string_view org_id,
                                                                     std::string_view campaign_id) {
  const CampaignKeys p(org_id, campaign_id);
  ASSIGN_OR_RETURN(std::vector<RedisReply> head,
                   redis->Pipeline({{"HGETALL", p.audience_dict()}, {"STRLEN", p.audience()}}));
  for (const RedisReply& r : head) RETURN_IF_ERROR(r.AsStatus());
  std::map<std::string, std::string> dict;
  for (size_t i = 0; i + 1 < head[0].elements.size(); i += 2) {
    dict[head[0].elements[i].str] = head[0].elements[i + 1].str;
  }
  if (!dict.contains("attributes") || !dict.contains("width")) return std::nullopt;
  CampaignAudience snapshot;
  try {
    snapshot.attributes = nlohmann::json::parse(dict["attributes"]).get<std::vector<std::string>>();
    for (const std::string& a : snapshot.attributes) {
      snapshot.values.push_back(
          nlohmann::json::parse(dict["values:" + a]).get<std::vector<std::string>>());
    }
    snapshot.width = std::stoul(dict["width"]);
  } catch (const std::exception& e) {
    return absl::DataLossError(std::string("audience snapshot is not readable: ") + e.what());
  }
  if (snapshot.width != snapshot.attributes.size() + 1) {
    return absl::DataLossError("audience snapshot: width does not match its attributes");
  }
  const size_t length = static_cast<size_t>(head[1].integer);
  std::vector<std::vector<std::string>> reads;
  for (size_t at = 0; at < length; at += kSliceBytes) {
    reads.push_back({"GETRANGE", p.audience(), std::to_string(at),
                     std::to_string(std::min(length, at + kSliceBytes) - 1)});
  }
  snapshot.records.reserve(length);
  if (!reads.empty()) {
    ASSIGN_OR_RETURN(std::vector<RedisReply> slices, redis->Pipeline(reads));
    for (const RedisReply& r : slices) {
      RETURN_IF_ERROR(r.AsStatus());
      snapshot.records += r.str;
    }
  }
  return snapshot;
}

}  // namespace ogw
