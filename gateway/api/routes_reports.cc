// Monitoring reports: one campaign's, and response rates across a post's campaigns.

#include <spdlog/spdlog.h>

#include "gateway/api/route_helpers.h"
#include "gateway/api/streamed_export.h"
#include "gateway/core/iso_time.h"
#include "gateway/reports/campaign_replies.h"
#include "gateway/reports/campaign_report.h"

namespace ogw {
namespace {

// ?by=channel,gender: the dimensions asked for, at most 16.
std::optional<std::vector<std::string>> Dimensions(const RequestContext& ctx,
                                                   ApiResponse* problem) {
  std::vector<std::string> out = SplitDimensions(ctx.Query("by"));
  if (out.size() > 16) {
    *problem = Problem(400, "Invalid query parameter", "by names at most 16 dimensions", "by");
    return std::nullopt;
  }
  return out;
}

// GET /v1/campaigns/{id}/report
ApiResponse CampaignReport(RequestContext& ctx) {
  ApiResponse problem;
  auto campaign = VisibleCampaign(ctx, &problem);
  if (!campaign) return problem;
  auto format = FormatOf(ctx, &problem);
  if (!format) return problem;
  auto dimensions = Dimensions(ctx, &problem);
  if (!dimensions) return problem;
  ReportRequest request;
  request.dimensions = *std::move(dimensions);
  if (std::string price = ctx.Query("sms_price_per_segment"); !price.empty()) {
    char* end = nullptr;
    request.sms_price_per_segment = std::strtod(price.c_str(), &end);
    if (end != price.c_str() + price.size() || !(request.sms_price_per_segment >= 0) ||
        request.sms_price_per_segment > 100) {
      return Problem(400, "Invalid query parameter",
                     "sms_price_per_segment must be a number from 0 to 100",
                     "sms_price_per_segment");
    }
  }
  request.currency = ctx.Query("currency");
  if (request.currency.size() > 3) {
    return Problem(400, "Invalid query parameter", "currency must be an ISO 4217 code", "currency");
  }
  CampaignReporter reporter(ctx.services.redis, ctx.services.clock);
  auto report = reporter.Report(*campaign, request);
  if (!report.ok()) {
    if (report.status().code() == absl::StatusCode::kInvalidArgument) {
      return Problem(400, "Invalid query parameter", MessageOf(report.status()), "by");
    }
    if (report.status().code() == absl::StatusCode::kFailedPrecondition) {
      return Problem(409, "Conflict", MessageOf(report.status()));
    }
    return ProblemFromStatus(report.status());
  }
  if (*format == ListFormat::kCsv)
    return CsvAttachment(ReportCsv(*report), campaign->id + "-report");
  return ApiResponse::Json(200, *report);
}

// GET /v1/campaigns/{id}/replies: every message that counted as a reply, streamed.
ApiResponse CampaignReplies(RequestContext& ctx) {
  ApiResponse problem;
  auto campaign = VisibleCampaign(ctx, &problem);
  if (!campaign) return problem;
  auto format = FormatOf(ctx, &problem);
  if (!format) return problem;
  if (!campaign->launched()) return Problem(409, "Conflict", "campaign not launched yet");
  spdlog::info("replies: {} exported the replies to {}", ctx.principal.officer_id, campaign->id);
  const bool csv = *format == ListFormat::kCsv;
  return StreamedExport(
      csv, "replies-" + campaign->id, "replies to " + campaign->id,
      [redis = ctx.services.redis, contacts = ctx.services.contacts, org = ctx.principal.org_id,
       id = campaign->id, f = csv ? ReplyExportFormat::kCsv : ReplyExportFormat::kJson](
          const ApiResponse::Writer& write) {
        return ExportCampaignReplies(*redis, *contacts, org, id, f, write);
      });
}

// GET /v1/reports/campaigns
ApiResponse AcrossCampaigns(RequestContext& ctx) {
  ApiResponse problem;
  auto post = InboxPost(ctx, &problem);
  if (!post) return problem;
  auto format = FormatOf(ctx, &problem);
  if (!format) return problem;
  int64_t from = 0, to = ctx.services.clock->NowMillis();
  for (auto [name, out] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    const std::string raw = ctx.Query(name);
    if (raw.empty()) continue;
    const std::optional<int64_t> at = ParseIsoUtc(raw);
    if (!at) {
      return Problem(400, "Invalid query parameter",
                     std::string(name) + " must be an ISO 8601 time (2026-01-31T12:00:00Z)", name);
    }
    *out = *at;
  }
  const std::string dimension = ctx.Query("by", "channel");
  auto list = ctx.services.campaigns->List(ctx.principal.org_id);
  if (!list.ok()) return ProblemFromStatus(list.status());
  std::vector<Campaign> chosen;
  for (Campaign& c : *list) {
    if (c.post_id == *post && c.launched() && c.launched_at_millis >= from &&
        c.launched_at_millis <= to) {
      chosen.push_back(std::move(c));
    }
  }
  CampaignReporter reporter(ctx.services.redis, ctx.services.clock);
  auto across = reporter.Across(chosen, dimension);
  if (!across.ok()) {
    if (across.status().code() == absl::StatusCode::kInvalidArgument) {
      return Problem(400, "Invalid query parameter", MessageOf(across.status()), "from");
    }
    return ProblemFromStatus(across.status());
  }
  (*across)["post"] = post->empty() ? nlohmann::json(nullptr) : nlohmann::json(*post);
  if (*format == ListFormat::kCsv) return CsvAttachment(AcrossCsv(*across), "campaign-responses");
  return ApiResponse::Json(200, *across);
}

}  // namespace

void RegisterReportRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/campaigns/{id}/report", Access::kRead, &CampaignReport);
  router.Add("GET", "/v1/campaigns/{id}/replies", Access::kRead, &CampaignReplies);
  router.Add("GET", "/v1/reports/campaigns", Access::kRead, &AcrossCampaigns);
}

}  // namespace ogw
