#pragma once

// A campaign's audience as it was at launch, for its reports: per recipient index, the channel
// and a small code per report attribute (docs/ARCHITECTURE.md, "Campaign reports and audience
// snapshots"). The codes name no one; reports never read the contacts.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gateway/contacts/contact.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

inline constexpr size_t kMaxReportAttributes = 8;
// Codes: 0 is "unknown" (the contact has no value), 255 "other" (past the 254th value).
inline constexpr uint8_t kUnknownCode = 0;
inline constexpr uint8_t kOtherCode = 255;

// country, city, language, gender, age_band, generation.
const std::vector<std::string>& DefaultReportAttributes();
// Report attributes are named as quota attributes are (selection_snapshot.h: "country", "city",
// "language", "post" or a contact attribute), at most kMaxReportAttributes, no repeats.
// InvalidArgument naming the problem.
absl::Status CheckReportAttributes(const std::vector<std::string>& attributes);

// The value a report counts `contact` under for `attribute`; "" when unknown. `age_band` is the
// contact's attribute when set, else derived from a `birth_year` attribute at `now_millis`
// ("18-24", "25-34", ..., "65+"; "under 18").
std::string ReportValueOf(const Contact& contact, std::string_view attribute, int64_t now_millis);

// Builds the records at launch. Not thread-safe.
class AudienceEncoder {
 public:
  AudienceEncoder(std::vector<std::string> attributes, int64_t now_millis);

  size_t width() const { return 1 + attributes_.size(); }
  // Appends the record of `contact`, reached on `channel`.
  void Append(const Contact& contact, uint8_t channel, std::string* out);
  // What the codes stand for, as the fields of the campaign's `:auddict` hash.
  std::vector<std::pair<std::string, std::string>> Dictionary() const;

 private:
  std::vector<std::string> attributes_;
  int64_t now_millis_;
  std::vector<std::unordered_map<std::string, uint8_t>> codes_;
  std::vector<std::vector<std::string>> values_;
};

struct CampaignAudience {
  std::vector<std::string> attributes;
  std::vector<std::vector<std::string>> values;  // values[a][code - 1]
  size_t width = 0;
  std::string records;

  size_t size() const { return width == 0 ? 0 : records.size() / width; }
  uint8_t channel(size_t index) const { return static_cast<uint8_t>(records[index * width]); }
  uint8_t code(size_t index, size_t attribute) const {
    return static_cast<uint8_t>(records[index * width + 1 + attribute]);
  }
  // "" for kUnknownCode, "other" for kOtherCode.
  std::string ValueName(size_t attribute, uint8_t code) const;
};

// The snapshot of a launched campaign; nullopt for campaigns launched without one. Reads the
// records in 1 MB slices in one pipeline.
absl::StatusOr<std::optional<CampaignAudience>> ReadCampaignAudience(RedisPool* redis,
                                                                     std::string_view org_id,
                                                                     std::string_view campaign_id);

}  // namespace ogw
