#include "gateway/reports/campaign_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "gateway/contacts/csv_writer.h"
#include "gateway/core/channel.h"
#include "gateway/reports/audience_snapshot.h"
#include "queue/campaign_keys.h"
#include "queue/campaign_responses.h"
#include "queue/campaign_state.h"

namespace ogw {
namespace {

// The outcome bitmaps, in the order of their bits in a recipient's mask.
enum Bit {
  kSentBit,
  kDeliveredBit,
  kUndeliveredBit,
  kFailedBit,
  kClickedBit,
  kRepliedBit,
  kOptedOutBit,
  kCompletedBit,
  kBits
};
constexpr size_t kMasks = size_t{1} << kBits;
constexpr size_t kCodes = 256;

enum Metric {
  kRecipients,
  kSent,
  kDelivered,
  kUndelivered,
  kFailed,
  kClicked,
  kReplied,
  kResponded,
  kOptedOut,
  kCompleted,
  kMetrics
};
using Counts = std::array<int64_t, kMetrics>;

// Gaps smaller than this, or of values this rare, are not named.
constexpr double kGapThreshold = 0.05;
constexpr double kMinShareNamed = 0.05;
constexpr int64_t kMinPeopleNamed = 10;
constexpr size_t kGapsNamed = 5;
constexpr size_t kMaxAcross = 100;

Counts FromMasks(const int64_t* masks) {
  Counts c{};
  for (size_t m = 0; m < kMasks; ++m) {
    const int64_t n = masks[m];
    if (n == 0) continue;
    c[kRecipients] += n;
    if (m & (1u << kSentBit)) c[kSent] += n;
    if (m & (1u << kDeliveredBit)) c[kDelivered] += n;
    if (m & (1u << kUndeliveredBit)) c[kUndelivered] += n;
    if (m & (1u << kFailedBit)) c[kFailed] += n;
    if (m & (1u << kClickedBit)) c[kClicked] += n;
    if (m & (1u << kRepliedBit)) c[kReplied] += n;
    if (m & ((1u << kClickedBit) | (1u << kRepliedBit) | (1u << kCompletedBit))) {
      c[kResponded] += n;
    }
    if (m & (1u << kOptedOutBit)) c[kOptedOut] += n;
    if (m & (1u << kCompletedBit)) c[kCompleted] += n;
  }
  return c;
}

// Reach over several channels per person, from the record script's byte per person (bit c:
// channel c took a message to them; bits 5-7: 1 + the first one's code). Delivered and
// responded count the people a channel reached first.
class ChannelReach {
 public:
  void Add(uint8_t reach, size_t mask) {
    const unsigned first = reach >> 5;
    const unsigned channels = reach & 31u;
    for (size_t c = 0; c < kPersonChannelCount; ++c) {
      if (channels & (1u << c)) ++reached_[c];
    }
    if (first == 0 || first > kPersonChannelCount) return;
    const size_t c = first - 1;
    ++first_[c];
    if (channels == (1u << c)) ++only_[c];
    if (mask & (1u << kDeliveredBit)) ++delivered_[c];
    if (mask & ((1u << kClickedBit) | (1u << kRepliedBit) | (1u << kCompletedBit))) {
      ++responded_[c];
    }
  }
  nlohmann::json Json() const {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t c = 0; c < kPersonChannelCount; ++c) {
      if (reached_[c] == 0) continue;
      rows.push_back({{"channel", std::string(ChannelName(static_cast<Channel>(c)))},
                      {"reached", reached_[c]},
                      {"reached_first", first_[c]},
                      {"only_this_channel", only_[c]},
                      {"delivered", delivered_[c]},
                      {"responded", responded_[c]}});
    }
    return rows;
  }

 private:
  static constexpr size_t kPersonChannelCount = std::size(kPersonChannels);
  std::array<int64_t, kPersonChannelCount> reached_{}, first_{}, only_{}, delivered_{},
      responded_{};
};

nlohmann::json CountsJson(const Counts& c) {
  nlohmann::json j = nlohmann::json::object();
  for (size_t m = 0; m < kMetrics; ++m) j[ReportMetricNames()[m]] = c[m];
  return j;
}

int64_t Metric(const nlohmann::json& counts, std::string_view name) {
  return counts.value(std::string(name), int64_t{0});
}

std::string Percent(double share) { return std::to_string(std::lround(share * 100)) + "%"; }

// Shares of `metric` per value of one attribute (unknown excluded), next to the recipients'.
nlohmann::json Representation(const std::string& attribute, const nlohmann::json& values,
                              std::vector<nlohmann::json>* gaps) {
  int64_t audience = 0, responders = 0;
  for (const nlohmann::json& v : values) {
    if (v["value"].get<std::string>().empty()) continue;
    audience += Metric(v, "recipients");
    responders += Metric(v, "responded");
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const nlohmann::json& v : values) {
    const std::string value = v["value"];
    if (value.empty() || audience == 0) continue;
    const int64_t in_audience = Metric(v, "recipients");
    const int64_t responded = Metric(v, "responded");
    const double audience_share = static_cast<double>(in_audience) / static_cast<double>(audience);
    const double responder_share =
        responders == 0 ? 0.0 : static_cast<double>(responded) / static_cast<double>(responders);
    nlohmann::json row = {{"value", value},
                          {"recipients", in_audience},
                          {"responded", responded},
                          {"audience_share", audience_share},
                          {"responder_share", responder_share},
                          {"gap", responder_share - audience_share}};
    if (responders > 0 && std::fabs(responder_share - audience_share) >= kGapThreshold &&
        (audience_share >= kMinShareNamed || in_audience >= kMinPeopleNamed)) {
      nlohmann::json gap = row;
      gap["attribute"] = attribute;
      gap["text"] = attribute + " " + value + ": " + Percent(audience_share) +
                    " of the audience, " + Percent(responder_share) + " of responders";
      gaps->push_back(std::move(gap));
    }
    rows.push_back(std::move(row));
  }
  return {{"attribute", attribute},
          {"recipients_known", audience},
          {"responders_known", responders},
          {"values", std::move(rows)}};
}

bool Contains(const nlohmann::json& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

std::vector<std::string> SplitDimensions(std::string_view by) {
  std::vector<std::string> out;
  while (!by.empty()) {
    const size_t comma = std::min(by.find(','), by.size());
    if (comma > 0) out.emplace_back(by.substr(0, comma));
    by.remove_prefix(std::min(comma + 1, by.size()));
  }
  return out;
}

const std::vector<std::string>& ReportMetricNames() {
  static const std::vector<std::string> kNames = {
      "recipients", "sent",    "delivered", "undelivered", "failed",
      "clicked",    "replied", "responded", "opted_out",   "completed"};
  return kNames;
}

CampaignReporter::CampaignReporter(RedisPool* redis, const Clock* clock)
    : redis_(redis), clock_(clock) {}

absl::StatusOr<nlohmann::json> CampaignReporter::Compute(const Campaign& campaign,
                                                         bool* ended_long_ago) {
  const CampaignKeys p(campaign.org_id, campaign.id);
  ASSIGN_OR_RETURN(std::vector<RedisReply> r, redis_->Pipeline({{"GET", p.state()},
                                                                {"HGETALL", p.meta()},
                                                                {"HGETALL", p.stats()},
                                                                {"GET", p.sent()},
                                                                {"GET", p.delivered()},
                                                                {"GET", p.undelivered()},
                                                                {"GET", p.failed()},
                                                                {"GET", p.clicked()},
                                                                {"GET", p.replied()},
                                                                {"GET", p.opted_out()},
                                                                {"GET", p.completed()},
                                                                {"GET", p.reach()}}));
  for (const RedisReply& reply : r) RETURN_IF_ERROR(reply.AsStatus());
  auto hash = [](const RedisReply& reply) {
    std::map<std::string, std::string> out;
    for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
      out[reply.elements[i].str] = reply.elements[i + 1].str;
    }
    return out;
  };
  auto number = [](const std::map<std::string, std::string>& h, const std::string& key) {
    const auto it = h.find(key);
    return it == h.end() ? int64_t{0} : std::strtoll(it->second.c_str(), nullptr, 10);
  };
  const std::string state = r[0].IsNil() ? "" : r[0].str;
  const auto meta = hash(r[1]);
  const auto stats = hash(r[2]);
  const std::string* bitmaps[kBits] = {&r[3].str, &r[4].str, &r[5].str, &r[6].str,
                                       &r[7].str, &r[8].str, &r[9].str, &r[10].str};
  ASSIGN_OR_RETURN(std::optional<CampaignAudience> snapshot,
                   ReadCampaignAudience(redis_, campaign.org_id, campaign.id));
  const size_t attributes = snapshot ? snapshot->attributes.size() : 0;
  const size_t n = snapshot ? snapshot->size() : static_cast<size_t>(number(meta, "total"));
  // Cascades and "all": who each channel reached, first and at all (the record script's byte
  // per person).
  const bool several_channels = meta.contains("cascade_width");
  const std::string& reached_by = r[11].str;
  ChannelReach channel_reach{};

  // One pass: per recipient, the mask of its outcome bits, counted per value of every
  // dimension (0: channel, then the snapshot's attributes).
  std::vector<int64_t> table((1 + attributes) * kCodes * kMasks, 0);
  for (size_t i = 0; i < n; ++i) {
    const size_t byte = i >> 3;
    const int shift = 7 - static_cast<int>(i & 7);
    size_t mask = 0;
    for (size_t b = 0; b < kBits; ++b) {
      const std::string& bits = *bitmaps[b];
      if (byte < bits.size()) mask |= ((static_cast<uint8_t>(bits[byte]) >> shift) & 1u) << b;
    }
    if (several_channels && i < reached_by.size()) {
      channel_reach.Add(static_cast<uint8_t>(reached_by[i]), mask);
    }
    if (!snapshot) {
      ++table[mask];
      continue;
    }
    const char* record = snapshot->records.data() + i * snapshot->width;
    ++table[static_cast<uint8_t>(record[0]) * kMasks + mask];
    for (size_t a = 0; a < attributes; ++a) {
      ++table[((1 + a) * kCodes + static_cast<uint8_t>(record[1 + a])) * kMasks + mask];
    }
  }

  std::vector<int64_t> all(kMasks, 0);
  for (size_t code = 0; code < kCodes; ++code) {
    for (size_t m = 0; m < kMasks; ++m) all[m] += table[code * kMasks + m];
  }
  nlohmann::json totals = CountsJson(FromMasks(all.data()));
  totals["skipped"] = campaign.skipped;
  nlohmann::json failures = nlohmann::json::object(), units = nlohmann::json::object();
  nlohmann::json answers = nlohmann::json::object();
  for (const auto& [field, value] : stats) {
    if (field.starts_with("fail:")) failures[field.substr(5)] = number(stats, field);
    if (field.starts_with("units:")) units[field.substr(6)] = number(stats, field);
    // answer:<question>:<value>: the in-channel survey's answers per question.
    if (const size_t colon = field.find(':', 7); field.starts_with("answer:") && colon != 7 &&
                                                 colon != std::string::npos) {
      answers[field.substr(7, colon - 7)][field.substr(colon + 1)] = number(stats, field);
    }
  }
  totals["failures"] = std::move(failures);
  totals["units"] = std::move(units);
  totals["answers"] = std::move(answers);

  nlohmann::json dimensions = nlohmann::json::array({"channel"});
  nlohmann::json breakdowns = nlohmann::json::array();
  for (size_t d = 0; snapshot && d < 1 + attributes; ++d) {
    const std::string name = d == 0 ? "channel" : snapshot->attributes[d - 1];
    if (d > 0) dimensions.push_back(name);
    nlohmann::json values = nlohmann::json::array();
    for (size_t code = 0; code < kCodes; ++code) {
      const Counts c = FromMasks(&table[(d * kCodes + code) * kMasks]);
      if (c[kRecipients] == 0) continue;
      nlohmann::json row = CountsJson(c);
      row["value"] = d == 0 ? (code <= static_cast<size_t>(Channel::kMessenger)
                                   ? std::string(ChannelName(static_cast<Channel>(code)))
                                   : std::string())
                            : snapshot->ValueName(d - 1, static_cast<uint8_t>(code));
      values.push_back(std::move(row));
    }
    std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
      return Metric(a, "recipients") > Metric(b, "recipients");
    });
    breakdowns.push_back({{"dimension", name}, {"values", std::move(values)}});
  }

  // Representativeness: every attribute; the largest gaps named across them.
  nlohmann::json per_attribute = nlohmann::json::array();
  std::vector<nlohmann::json> gaps;
  for (size_t d = 1; d < breakdowns.size(); ++d) {
    per_attribute.push_back(
        Representation(breakdowns[d]["dimension"], breakdowns[d]["values"], &gaps));
  }
  std::stable_sort(gaps.begin(), gaps.end(), [](const auto& a, const auto& b) {
    return std::fabs(a["gap"].template get<double>()) > std::fabs(b["gap"].template get<double>());
  });
  if (gaps.size() > kGapsNamed) gaps.resize(kGapsNamed);

  // Reach: with one channel per person, whom a channel reached only it reached, and first.
  nlohmann::json reach = nlohmann::json::array();
  if (several_channels) {
    reach = channel_reach.Json();
  } else if (!breakdowns.empty()) {
    for (const nlohmann::json& v : breakdowns[0]["values"]) {
      reach.push_back({{"channel", v["value"]},
                       {"reached", Metric(v, "sent")},
                       {"reached_first", Metric(v, "sent")},
                       {"only_this_channel", Metric(v, "sent")},
                       {"delivered", Metric(v, "delivered")},
                       {"responded", Metric(v, "responded")}});
    }
  }

  const int64_t now = clock_->NowMillis();
  const int64_t ended_at = number(meta, "ended_at");
  const std::optional<CampaignState> parsed = ParseCampaignState(state);
  const bool ended =
      parsed && (*parsed == CampaignState::kFinished || *parsed == CampaignState::kCancelled);
  *ended_long_ago =
      ended && ended_at > 0 && now >= ended_at + CampaignResponses::kReplyWindowMillis;
  nlohmann::json report = {
      {"campaign_id", campaign.id},
      {"name", campaign.name},
      {"state", state},
      {"launched_at", campaign.launched_at_millis},
      {"ended_at", ended && ended_at > 0 ? nlohmann::json(ended_at) : nlohmann::json(nullptr)},
      {"generated_at", now},
      {"frozen", *ended_long_ago},
      {"snapshot", snapshot.has_value()},
      {"dimensions", std::move(dimensions)},
      {"totals", std::move(totals)},
      {"breakdowns", std::move(breakdowns)},
      {"representativeness",
       {{"attributes", std::move(per_attribute)}, {"largest_gaps", std::move(gaps)}}},
      {"reach", std::move(reach)}};
  return report;
}

absl::StatusOr<nlohmann::json> CampaignReporter::Report(const Campaign& campaign,
                                                        const ReportRequest& request) {
  if (!campaign.launched()) return absl::FailedPreconditionError("campaign not launched yet");
  const CampaignKeys p(campaign.org_id, campaign.id);
  ASSIGN_OR_RETURN(RedisReply frozen, redis_->Command({"GET", p.report()}));
  nlohmann::json report;
  if (!frozen.IsNil()) {
    report = nlohmann::json::parse(frozen.str, nullptr, false);
    if (report.is_discarded()) return absl::DataLossError("frozen report is not readable");
  } else {
    bool freeze = false;
    ASSIGN_OR_RETURN(report, Compute(campaign, &freeze));
    // Nothing can change it any more: kept, and read from now on.
    if (freeze) RETURN_IF_ERROR(redis_->Command({"SET", p.report(), report.dump(), "NX"}).status());
  }
  for (const std::string& d : request.dimensions) {
    if (!Contains(report["dimensions"], d)) {
      return absl::InvalidArgumentError("by: " + d + " is not a dimension of this report (" +
                                        report["dimensions"].dump() + ")");
    }
  }
  if (!request.dimensions.empty()) {
    nlohmann::json kept = nlohmann::json::array();
    for (nlohmann::json& b : report["breakdowns"]) {
      if (std::find(request.dimensions.begin(), request.dimensions.end(),
                    b["dimension"].get<std::string>()) != request.dimensions.end()) {
        kept.push_back(std::move(b));
      }
    }
    report["breakdowns"] = std::move(kept);
  }
  if (request.sms_price_per_segment > 0) {
    const int64_t sms_units = report["totals"]["units"].value("sms", int64_t{0});
    report["totals"]["cost"] = {
        {"sms", static_cast<double>(sms_units) * request.sms_price_per_segment},
        {"currency", request.currency}};
  }
  return report;
}

absl::StatusOr<nlohmann::json> CampaignReporter::Across(const std::vector<Campaign>& campaigns,
                                                        const std::string& dimension) {
  std::vector<const Campaign*> launched;
  for (const Campaign& c : campaigns) {
    if (c.launched()) launched.push_back(&c);
  }
  std::sort(launched.begin(), launched.end(), [](const Campaign* a, const Campaign* b) {
    return a->launched_at_millis < b->launched_at_millis;
  });
  if (launched.size() > kMaxAcross) {
    return absl::InvalidArgumentError("more than " + std::to_string(kMaxAcross) +
                                      " campaigns: narrow the time range");
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const Campaign* c : launched) {
    ASSIGN_OR_RETURN(nlohmann::json report, Report(*c, {}));
    std::vector<nlohmann::json> values;
    bool found = false;
    for (const nlohmann::json& b : report["breakdowns"]) {
      if (b["dimension"] != dimension) continue;
      found = true;
      for (const nlohmann::json& v : b["values"]) values.push_back(v);
    }
    if (!found) {
      nlohmann::json total = report["totals"];
      total["value"] = "";
      values.push_back(std::move(total));
    }
    for (const nlohmann::json& v : values) {
      const int64_t sent = Metric(v, "sent");
      const int64_t responded = Metric(v, "responded");
      rows.push_back(
          {{"campaign_id", c->id},
           {"name", c->name},
           {"launched_at", c->launched_at_millis},
           {"value", v["value"]},
           {"recipients", Metric(v, "recipients")},
           {"sent", sent},
           {"replied", Metric(v, "replied")},
           {"clicked", Metric(v, "clicked")},
           {"responded", responded},
           {"response_rate",
            sent == 0 ? 0.0 : static_cast<double>(responded) / static_cast<double>(sent)}});
    }
  }
  return nlohmann::json{{"dimension", dimension}, {"rows", std::move(rows)}};
}

std::string ReportCsv(const nlohmann::json& report) {
  std::string out;
  std::vector<std::string> header = {"dimension", "value"};
  for (const std::string& m : ReportMetricNames()) header.push_back(m);
  AppendCsvRecord(&out, header);
  auto row = [&](const std::string& dimension, const nlohmann::json& counts) {
    std::vector<std::string> cells = {dimension, counts.value("value", std::string())};
    for (const std::string& m : ReportMetricNames())
      cells.push_back(std::to_string(Metric(counts, m)));
    AppendCsvRecord(&out, cells);
  };
  row("total", report["totals"]);
  for (const nlohmann::json& b : report["breakdowns"]) {
    for (const nlohmann::json& v : b["values"]) row(b["dimension"], v);
  }
  return out;
}

std::string AcrossCsv(const nlohmann::json& across) {
  std::string out;
  AppendCsvRecord(&out, {"campaign_id", "name", "launched_at", "value", "recipients", "sent",
                         "replied", "clicked", "responded", "response_rate"});
  for (const nlohmann::json& r : across["rows"]) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.4f", r["response_rate"].get<double>());
    AppendCsvRecord(&out,
                    {r["campaign_id"].get<std::string>(), r["name"].get<std::string>(),
                     std::to_string(r["launched_at"].get<int64_t>()), r["value"].get<std::string>(),
                     std::to_string(Metric(r, "recipients")), std::to_string(Metric(r, "sent")),
                     std::to_string(Metric(r, "replied")), std::to_string(Metric(r, "clicked")),
                     std::to_string(Metric(r, "responded")), std::string(rate)});
  }
  return out;
}

}  // namespace ogw
