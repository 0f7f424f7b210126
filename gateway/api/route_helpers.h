#pragma once

// Small helpers shared by the route files.

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

#include "gateway/api/api_server.h"
#include "gateway/core/ids.h"
#include "gateway/core/json_reader.h"
#include "gateway/inbound/consent_pages.h"

namespace ogw {

// A 422 problem listing every field problem `reader` found.
inline ApiResponse InvalidFields(const JsonReader& reader) {
  std::vector<FieldProblem> errors;
  for (const auto& [path, message] : reader.problems()) errors.push_back({path, message});
  std::string first = errors.empty() ? "" : errors.front().field + ": " + errors.front().message;
  return Problem(422, "Invalid input", first, errors.empty() ? "" : errors.front().field, errors);
}

// A 422 problem titled `title` listing (field, message) pairs, as the model readers
// (TemplateFromJson, EventFromJson) report them.
inline ApiResponse InvalidFieldList(const std::vector<std::pair<std::string, std::string>>& list,
                                    std::string_view title = "Invalid input") {
  std::vector<FieldProblem> errors;
  for (const auto& [path, message] : list) errors.push_back({path, message});
  std::string first = errors.empty() ? "" : errors.front().field + ": " + errors.front().message;
  return Problem(422, title, first, errors.empty() ? "" : errors.front().field, errors);
}

// Reads the body as a record kept in a post (a template, an event) with `from_json`
// (body, FieldErrors*) -> StatusOr<Record>: every invalid field, and a post outside the
// caller's posts (officers keep `what`s in their posts; only admins keep them organisation-
// wide), answer 422 titled `title`. Sets the record's org_id.
template <typename Record, typename FromJson>
std::optional<Record> ReadPostRecord(RequestContext& ctx, FromJson from_json, std::string_view what,
                                     std::string_view title, ApiResponse* problem) {
  auto body = ctx.JsonBody(problem);
  if (!body) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> errors;
  absl::StatusOr<Record> record = from_json(*body, &errors);
  if (record.ok()) {
    if (!record->post_id.empty() && !ctx.principal.scope.Allows(record->post_id)) {
      errors.emplace_back("post_id", "post is not one of your posts");
    } else if (record->post_id.empty() && !ctx.principal.IsAdmin()) {
      errors.emplace_back(
          "post_id", "required: officers keep " + std::string(what) + " in one of their posts");
    }
  }
  if (!record.ok() || !errors.empty()) {
    if (errors.empty()) errors.emplace_back("body", std::string(MessageOf(record.status())));
    *problem = InvalidFieldList(errors, title);
    return std::nullopt;
  }
  record->org_id = ctx.principal.org_id;
  return *std::move(record);
}

// Page size from ?limit=, bounded by the configured maximum. nullopt (with a problem) when the
// parameter is not a positive integer.
inline std::optional<size_t> PageLimit(const RequestContext& ctx, ApiResponse* problem) {
  std::string raw = ctx.Query("limit");
  if (raw.empty()) return static_cast<size_t>(ctx.services.settings.default_page_size);
  size_t value = 0;
  for (char c : raw) {
    if (c < '0' || c > '9' || value > 1'000'000) {
      *problem =
          Problem(400, "Invalid query parameter", "limit must be a positive integer", "limit");
      return std::nullopt;
    }
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  if (value == 0) {
    *problem = Problem(400, "Invalid query parameter", "limit must be a positive integer", "limit");
    return std::nullopt;
  }
  return std::min(value, static_cast<size_t>(ctx.services.settings.max_page_size));
}

enum class ListFormat { kJson, kCsv };

// ?format=json|csv; without it, CSV when the Accept header names text/csv before JSON.
// nullopt with a 400 for another format.
inline std::optional<ListFormat> FormatOf(const RequestContext& ctx, ApiResponse* problem) {
  const std::string name = ctx.Query("format");
  if (name.empty()) {
    const std::string accept = ctx.request.get_header_value("Accept");
    const size_t csv = accept.find("text/csv");
    return csv < accept.find("application/json") ? ListFormat::kCsv : ListFormat::kJson;
  }
  if (name == "json") return ListFormat::kJson;
  if (name == "csv") return ListFormat::kCsv;
  *problem = Problem(400, "Invalid query parameter", "format must be json or csv", "format");
  return std::nullopt;
}

// A CSV body as a download named `<filename>.csv`.
inline ApiResponse CsvAttachment(std::string body, const std::string& filename) {
  ApiResponse r;
  r.body = std::move(body);
  r.content_type = "text/csv; charset=utf-8";
  r.headers["Content-Disposition"] = "attachment; filename=\"" + filename + ".csv\"";
  return r;
}

// The kinds of page the gateway shows people rather than programs.
enum class PublicPage {
  kBulletin,      // A bulletin's page: its route decides caching; images of https sites.
  kForm,          // A bulletin form and the page after it: never cached.
  kPersonalLink,  // Behind a person's own link (/c/, /u/, /e/, /done/): never cached or
                  // indexed, and no Referer, since the URL is the person's key.
};

// An HTML page for people (`body` a whole document in `language`) with the headers they all
// share: no script and nothing from elsewhere (CSP), never framed, forms post only here, the
// type never sniffed, and the language stated (chosen from Accept-Language).
inline ApiResponse PublicHtml(int status, std::string body, std::string_view language,
                              PublicPage kind) {
  ApiResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers["Content-Security-Policy"] =
      std::string("default-src 'none'; style-src 'unsafe-inline'; ") +
      (kind == PublicPage::kBulletin ? "img-src https: data:; " : "") +
      "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  r.headers["X-Content-Type-Options"] = "nosniff";
  r.headers["Referrer-Policy"] = kind == PublicPage::kBulletin ? "strict-origin-when-cross-origin"
                                 : kind == PublicPage::kForm   ? "same-origin"
                                                               : "no-referrer";
  if (kind != PublicPage::kBulletin) r.headers["Cache-Control"] = "no-store";
  if (kind == PublicPage::kPersonalLink) r.headers["X-Robots-Tag"] = "noindex";
  if (!language.empty()) r.headers["Content-Language"] = std::string(language);
  r.headers["Vary"] = "Accept-Language";
  return r;
}

// A page behind a person's own link (gateway/inbound/consent_pages.h) in their language:
// ?lang=, else Accept-Language.
inline ApiResponse ConsentLinkPage(RequestContext& ctx, int status, ConsentPage page) {
  const std::string language = ConsentPageLanguage(ctx.request.get_param_value("lang"),
                                                   ctx.request.get_header_value("Accept-Language"));
  return PublicHtml(status, ConsentPageHtml(page, language), language, PublicPage::kPersonalLink);
}

inline ApiResponse NotFound(std::string_view what) {
  return Problem(404, "Not found", std::string(what) + " not found");
}

// The contact `id` if the caller's scope covers it. Contacts outside the scope are reported
// exactly like missing ones (404), so their existence does not leak.
inline std::optional<StoredContact> ScopedContact(RequestContext& ctx, const std::string& id,
                                                  ApiResponse* problem) {
  if (!IsWellFormedId(id, "c")) {
    *problem = NotFound("contact");
    return std::nullopt;
  }
  auto stored = ctx.services.contacts->Get(ctx.principal.org_id, id);
  if (!stored.ok()) {
    *problem = ProblemFromStatus(stored.status());
    return std::nullopt;
  }
  if (!*stored || !ctx.principal.scope.Allows((*stored)->contact.post_id)) {
    *problem = NotFound("contact");
    return std::nullopt;
  }
  return std::move(**stored);
}

// ?post= of a post's inbox or reports (GET /v1/inbox, GET /v1/conversations,
// GET /v1/reports/campaigns): a post id, or "none" (read
// as "") for people without a post; an officer of exactly one post may leave it out. nullopt
// with a 400 when it is missing, or a 404 for a post outside the caller's scope.
inline std::optional<std::string> InboxPost(RequestContext& ctx, ApiResponse* problem) {
  std::string post = ctx.Query("post");
  const PostScope& scope = ctx.principal.scope;
  if (post.empty()) {
    if (scope.organisation_wide || scope.posts.size() != 1) {
      *problem = Problem(400, "Invalid query parameter",
                         "post is required: a post id, or none for people without a post", "post");
      return std::nullopt;
    }
    post = *scope.posts.begin();
  }
  if (post == "none") post.clear();
  if ((!post.empty() && !IsWellFormedId(post, "post")) || !scope.Allows(post)) {
    *problem = NotFound("post");
    return std::nullopt;
  }
  return post;
}

// A message to or from one person on one channel, as POST /v1/messages and
// POST /v1/sandbox/replies take it.
struct PersonMessageInput {
  std::string contact_id;
  Channel channel = Channel::kSms;
  bool has_channel = false;  // False: the caller left the choice to the gateway.
  std::string text;
  std::string subject;  // E-mail only.
};

// Reads and checks `contact_id`, `channel` (optional unless `channel_required`), `text` (1 to
// 10,000 bytes) and `subject` (e-mail only, one header line); nullopt with a 422 naming every
// bad field.
inline std::optional<PersonMessageInput> ReadPersonMessage(const nlohmann::json& body,
                                                           ApiResponse* problem,
                                                           bool channel_required = true) {
  constexpr size_t kMaxTextBytes = 10'000;
  constexpr size_t kMaxSubjectBytes = 998;  // One RFC 5322 header line.
  JsonReader r = JsonReader::ForInput(body);
  PersonMessageInput in;
  std::string channel_name;
  r.String("contact_id", &in.contact_id, true);
  r.String("channel", &channel_name, channel_required);
  r.String("text", &in.text, true);
  r.String("subject", &in.subject);
  const std::optional<Channel> channel = ParseChannel(channel_name);
  if (!channel_name.empty() && !channel) {
    r.Error("channel", "must be email, sms, whatsapp, telegram or messenger");
  }
  if (auto t = body.find("text");
      t != body.end() && t->is_string() && (in.text.empty() || in.text.size() > kMaxTextBytes)) {
    r.Error("text", "must be 1 to 10000 bytes");
  }
  if (!in.subject.empty() && channel && *channel != Channel::kEmail) {
    r.Error("subject", "only e-mail messages have a subject");
  }
  if (in.subject.size() > kMaxSubjectBytes) r.Error("subject", "must be at most 998 bytes");
  if (!r.Finish().ok()) {
    *problem = InvalidFields(r);
    return std::nullopt;
  }
  in.has_channel = channel.has_value();
  if (channel) in.channel = *channel;
  return in;
}

// An officer's message to one person, checked and ready to queue.
struct OfficerMessagePlan {
  PersonMessageInput message;  // Its channel chosen.
  int address_index = -1;      // Which of the contact's addresses.
  std::string because;         // "requested", "last_written" or "preferred".
};
// Chooses the channel (the one asked for, else the one the person last wrote on when usable,
// else their preferred ones) and the address; nullopt with a 422 naming why none can be used
// (no address, no consent, WhatsApp's or Messenger's window closed) (routes_messages.cc).
std::optional<OfficerMessagePlan> PlanOfficerMessage(RequestContext& ctx, PersonMessageInput in,
                                                     const Contact& contact, ApiResponse* problem);
// Queues `plan` on the direct lane as sent by the calling officer: 202 with the message id.
ApiResponse QueueOfficerMessage(RequestContext& ctx, const OfficerMessagePlan& plan,
                                const Contact& contact);

// Parses an audience expression and binds its behaviour predicates (replied(...), rsvp(...))
// as the caller sees campaigns and events; nullopt with a 422 naming `field` when it does not
// parse or names what the caller cannot see (routes_segments.cc).
std::optional<SegmentExpression> ParseAudience(RequestContext& ctx, const std::string& text,
                                               const std::string& field, ApiResponse* problem);

// The campaign of the {id} parameter when the caller may see it; nullopt with a 404 (or a
// storage problem) otherwise (routes_campaigns.cc).
std::optional<Campaign> VisibleCampaign(RequestContext& ctx, ApiResponse* problem);

// Adds a campaign's queue state ("draft" before its launch) and counters as "state" and
// "stats" (gateway/api/routes_campaigns.cc).
absl::Status AddDelivery(RequestContext& ctx, const Campaign& c, nlohmann::json* out);

}  // namespace ogw
