// Routes for the officers' inbox: conversations listed by state, assignee, channel, campaign
// and label; a conversation's state, assignee and labels; internal notes; answers from the
// conversation (typed or canned); the canned answers themselves; and the export of every
// conversation of a scope.

#include <absl/strings/numbers.h>

#include <algorithm>

#include "gateway/api/route_helpers.h"
#include "gateway/api/scan_gate.h"
#include "gateway/api/streamed_export.h"
#include "gateway/conversations/conversation_export.h"
#include "gateway/core/iso_time.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

constexpr size_t kMaxNoteBytes = 10'000;
constexpr size_t kSnippetBytes = 280;

nlohmann::json ThreadJson(const ConversationThread& t) {
  return {{"contact_id", t.contact_id},
          {"post_id", t.post_id},
          {"state", ThreadStateName(t.state)},
          {"assignee", t.assignee.empty() ? nlohmann::json() : nlohmann::json(t.assignee)},
          {"labels", t.labels},
          {"channels", t.channels},
          {"campaigns", t.campaigns},
          {"last_channel", t.last_channel},
          {"last_activity_at", t.last_activity_millis},
          {"version", t.version},
          {"updated_by", t.updated_by}};
}

// A person's conversation as the API shows it before anyone wrote or acted: open, version 0.
ConversationThread NoThreadYet(const Contact& contact) {
  ConversationThread t;
  t.contact_id = contact.id;
  t.post_id = contact.post_id;
  return t;
}

// The first `max` bytes of `text` (never half a character), marked when cut.
std::string Snippet(const std::string& text, size_t max) {
  return text.size() <= max ? text : TruncateUtf8(text, max) + "…";
}

std::optional<ThreadFilter> ReadFilter(RequestContext& ctx, ApiResponse* problem) {
  std::optional<std::string> post = InboxPost(ctx, problem);
  if (!post) return std::nullopt;
  ThreadFilter f;
  f.post = *post;
  auto bad = [&](const std::string& name, const std::string& why) {
    *problem = Problem(400, "Invalid query parameter", name + " " + why, name);
    return std::nullopt;
  };
  if (std::string state = ctx.Query("state"); !state.empty()) {
    f.state = ParseThreadState(state);
    if (!f.state) return bad("state", "must be open, waiting or closed");
  }
  if (std::string assignee = ctx.Query("assignee"); !assignee.empty()) {
    if (assignee == "me") {
      f.assignee = ctx.principal.officer_id;
    } else if (assignee == "none") {
      f.assignee = "";
    } else if (IsWellFormedId(assignee, "off")) {
      f.assignee = assignee;
    } else {
      return bad("assignee", "must be an officer id, me or none");
    }
  }
  if (std::string channel = ctx.Query("channel"); !channel.empty()) {
    const std::optional<Channel> c = ParseChannel(channel);
    if (!c || !ReachesPerson(*c)) {
      return bad("channel", "must be email, sms, whatsapp, telegram or messenger");
    }
    f.channel = channel;
  }
  if (std::string campaign = ctx.Query("campaign"); !campaign.empty()) {
    if (!IsWellFormedId(campaign, "cmp")) return bad("campaign", "must be a campaign id");
    f.campaign = campaign;
  }
  if (std::string label = ctx.Query("label"); !label.empty()) {
    std::optional<std::string> normalised = NormaliseLabel(label);
    if (!normalised) return bad("label", "must be 1 to 40 bytes without commas or colons");
    f.label = *normalised;
  }
  return f;
}

ApiResponse ListConversations(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<ThreadFilter> filter = ReadFilter(ctx, &problem);
  if (!filter) return problem;
  auto limit = PageLimit(ctx, &problem);
  if (!limit) return problem;
  ThreadCursor after;
  if (std::string before = ctx.Query("before"); !before.empty()) {
    std::optional<ThreadCursor> cursor = ThreadCursor::Decode(before);
    if (!cursor) {
      return Problem(400, "Invalid query parameter",
                     "before must be the next_before of an earlier page", "before");
    }
    after = *cursor;
  }
  const std::string& org = ctx.principal.org_id;
  auto page = ctx.services.threads->List(org, *filter, after, *limit);
  if (!page.ok()) return ProblemFromStatus(page.status());
  std::vector<std::string> ids;
  for (const auto& [id, at] : page->items) ids.push_back(id);
  auto contacts = ctx.services.contacts->GetMany(org, ids);
  if (!contacts.ok()) return ProblemFromStatus(contacts.status());
  auto threads = ctx.services.threads->GetMany(org, ids);
  if (!threads.ok()) return ProblemFromStatus(threads.status());
  // Every shown conversation's last message from the person, in one round trip.
  std::vector<std::pair<std::string, std::string>> last_inbound;
  for (const std::optional<ConversationThread>& thread : *threads) {
    if (thread && !thread->last_inbound_entry.empty()) {
      last_inbound.emplace_back(thread->contact_id, thread->last_inbound_entry);
    }
  }
  auto last_messages = ctx.services.conversations->GetMany(org, last_inbound);
  if (!last_messages.ok()) return ProblemFromStatus(last_messages.status());
  size_t next_last = 0;

  nlohmann::json items = nlohmann::json::array();
  std::vector<std::string> shown;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::optional<StoredContact>& stored = (*contacts)[i];
    const std::optional<ConversationThread>& thread = (*threads)[i];
    const std::optional<ConversationEntry>* last =
        thread && !thread->last_inbound_entry.empty() ? &(*last_messages)[next_last++] : nullptr;
    if (!stored || !thread) continue;  // Erased meanwhile.
    if (stored->contact.post_id != filter->post) {
      // Moved to another post and not yet followed (ContactStore moves it on every write):
      // shown in the post it belongs to from now on, never here.
      (void)ctx.services.threads->Move(org, stored->contact.id, stored->contact.post_id);
      continue;
    }
    nlohmann::json j = ThreadJson(*thread);
    j["contact_name"] = stored->contact.name;
    j["contact_verified"] = stored->contact.verified;
    if (last != nullptr && last->has_value()) {
      const ConversationEntry& entry = **last;
      j["last_message"] = {{"entry_id", entry.id},
                           {"channel", entry.Field("channel")},
                           {"at", entry.at_millis},
                           {"text", Snippet(entry.Field("text"), kSnippetBytes)}};
    }
    items.push_back(std::move(j));
    shown.push_back(thread->contact_id);
  }
  auto counts = ctx.services.threads->CountByState(org, filter->post);
  if (!counts.ok()) return ProblemFromStatus(counts.status());
  nlohmann::json count_json = nlohmann::json::object();
  for (size_t i = 0; i < kThreadStates.size(); ++i) {
    count_json[std::string(ThreadStateName(kThreadStates[i]))] = (*counts)[i];
  }
  ApiResponse r = ApiResponse::Json(200, {{"post", filter->post.empty() ? "none" : filter->post},
                                          {"counts", count_json},
                                          {"items", items},
                                          {"next_before", page->next.Encode()}});
  r.contact_ids = std::move(shown);
  return r;
}

ApiResponse GetConversation(RequestContext& ctx) {
  ApiResponse problem;
  auto contact = ScopedContact(ctx, ctx.params[0], &problem);
  if (!contact) return problem;
  auto thread = ctx.services.threads->Get(ctx.principal.org_id, contact->contact.id);
  if (!thread.ok()) return ProblemFromStatus(thread.status());
  ApiResponse r =
      ApiResponse::Json(200, ThreadJson(thread->value_or(NoThreadYet(contact->contact))));
  r.contact_ids = {contact->contact.id};
  return r;
}

// The answer to a change refused for its version: 409 with the version now.
ApiResponse VersionConflict(const absl::Status& status) {
  std::string_view message = MessageOf(status);
  int64_t current = 0;
  if (message.starts_with("version "))
    (void)absl::SimpleAtoi(std::string(message.substr(8)), &current);
  ApiResponse r = Problem(409, "Conversation changed",
                          "another officer changed or answered this conversation since you "
                          "read it; read it again (it is at version " +
                              std::to_string(current) + " now) before you go on",
                          "version");
  nlohmann::json body = nlohmann::json::parse(r.body);
  body["current_version"] = current;
  r.body = body.dump();
  return r;
}

ApiResponse ChangeResult(RequestContext& ctx, const Contact& contact,
                         const absl::StatusOr<ThreadChangeResult>& changed, int status) {
  if (absl::IsFailedPrecondition(changed.status())) return VersionConflict(changed.status());
  if (absl::IsNotFound(changed.status())) return NotFound("contact");
  if (!changed.ok()) return ProblemFromStatus(changed.status());
  auto thread = ctx.services.threads->Get(ctx.principal.org_id, contact.id);
  if (!thread.ok()) return ProblemFromStatus(thread.status());
  nlohmann::json body = ThreadJson(thread->value_or(NoThreadYet(contact)));
  if (!changed->entry_id.empty()) body["entry_id"] = changed->entry_id;
  ApiResponse r = ApiResponse::Json(status, body);
  r.contact_ids = {contact.id};
  return r;
}

// An officer this conversation may be assigned to: one of the organisation, enabled, who may
// write, and whose posts include the person's. A problem naming `assignee` otherwise.
std::optional<ApiResponse> CheckAssignee(RequestContext& ctx, const std::string& officer_id,
                                         const Contact& contact) {
  auto bad = [](const std::string& why) {
    return Problem(422, "Invalid input", "assignee: " + why, "assignee", {{"assignee", why}});
  };
  if (!IsWellFormedId(officer_id, "off")) return bad("must be an officer id or null");
  auto officer = ctx.services.orgs->GetOfficer(ctx.principal.org_id, officer_id);
  if (!officer.ok()) return ProblemFromStatus(officer.status());
  if (!*officer || (*officer)->disabled) return bad("no such officer");
  const Officer& o = **officer;
  if (o.role == Role::kViewer) return bad("a viewer cannot answer people");
  if (o.role != Role::kAdmin &&
      std::find(o.posts.begin(), o.posts.end(), contact.post_id) == o.posts.end()) {
    return bad("the officer does not work for this person's post");
  }
  return std::nullopt;
}

// Reads "version" (optional, a non-negative integer) into `change`.
void ReadVersion(JsonReader& r, const nlohmann::json& body, ThreadChange* change) {
  if (!body.contains("version")) return;
  int64_t version = 0;
  r.Int("version", &version, 0, int64_t{1} << 52);
  change->expected_version = version;
}

// What every change of a conversation starts from: the person (in the caller's scope), the
// request's body, and a change by the caller.
struct ConversationRequest {
  StoredContact stored;
  nlohmann::json body;
  ThreadChange change;
};

std::optional<ConversationRequest> StartChange(RequestContext& ctx, ApiResponse* problem) {
  auto contact = ScopedContact(ctx, ctx.params[0], problem);
  if (!contact) return std::nullopt;
  auto body = ctx.JsonBody(problem);
  if (!body) return std::nullopt;
  ConversationRequest request{*std::move(contact), *std::move(body), ThreadChange{}};
  request.change.officer_id = ctx.principal.officer_id;
  return request;
}

ApiResponse PatchConversation(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<ConversationRequest> request = StartChange(ctx, &problem);
  if (!request) return problem;
  const nlohmann::json* body = &request->body;
  const StoredContact* contact = &request->stored;
  ThreadChange& change = request->change;
  JsonReader r = JsonReader::ForInput(*body);
  change.log_change = true;
  ReadVersion(r, *body, &change);
  std::string state;
  r.String("state", &state);
  if (!state.empty()) {
    change.state = ParseThreadState(state);
    if (!change.state) r.Error("state", "must be open, waiting or closed");
  }
  std::string assignee;
  r.String("assignee", &assignee);  // null unassigns.
  if (auto a = body->find("assignee"); a != body->end() && (a->is_null() || a->is_string())) {
    change.assignee = assignee;
  }
  std::optional<std::vector<std::string>> labels;
  r.StringList("labels", &labels);
  if (labels) {
    std::vector<std::string> normalised;
    for (size_t i = 0; i < labels->size(); ++i) {
      std::optional<std::string> label = NormaliseLabel((*labels)[i]);
      if (!label) {
        r.Error("labels[" + std::to_string(i) + "]",
                "must be 1 to 40 bytes without commas, colons or control characters");
      } else if (std::find(normalised.begin(), normalised.end(), *label) == normalised.end()) {
        normalised.push_back(*label);
      }
    }
    if (normalised.size() > kMaxLabels) r.Error("labels", "at most 20 labels");
    std::sort(normalised.begin(), normalised.end());
    change.labels = std::move(normalised);
  }
  if (!r.Finish().ok()) return InvalidFields(r);
  if (!change.state && !change.assignee && !change.labels) {
    return Problem(422, "Invalid input", "nothing to change: give state, assignee or labels",
                   "state");
  }
  if (change.assignee && !change.assignee->empty()) {
    if (auto refused = CheckAssignee(ctx, *change.assignee, contact->contact)) return *refused;
  }
  auto changed = ctx.services.threads->Change(ctx.principal.org_id, contact->contact.id,
                                              contact->contact.post_id, change);
  return ChangeResult(ctx, contact->contact, changed, 200);
}

ApiResponse AddNote(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<ConversationRequest> request = StartChange(ctx, &problem);
  if (!request) return problem;
  const nlohmann::json* body = &request->body;
  const StoredContact* contact = &request->stored;
  ThreadChange& change = request->change;
  JsonReader r = JsonReader::ForInput(*body);
  ReadVersion(r, *body, &change);
  r.String("text", &change.note, true);
  if (body->contains("text") && (change.note.empty() || change.note.size() > kMaxNoteBytes)) {
    r.Error("text", "must be 1 to 10000 bytes");
  }
  if (!r.Finish().ok()) return InvalidFields(r);
  auto changed = ctx.services.threads->Change(ctx.principal.org_id, contact->contact.id,
                                              contact->contact.post_id, change);
  return ChangeResult(ctx, contact->contact, changed, 201);
}

// The canned answer `id` if the caller may use it: organisation-wide or of one of their posts.
std::optional<CannedAnswer> VisibleCannedAnswer(RequestContext& ctx, const std::string& id,
                                                ApiResponse* problem) {
  if (!IsWellFormedId(id, "ca")) {
    *problem = NotFound("canned answer");
    return std::nullopt;
  }
  auto found = ctx.services.canned_answers->Get(ctx.principal.org_id, id);
  if (!found.ok()) {
    *problem = ProblemFromStatus(found.status());
    return std::nullopt;
  }
  if (!*found || (!(*found)->post_id.empty() && !ctx.principal.scope.Allows((*found)->post_id))) {
    *problem = NotFound("canned answer");
    return std::nullopt;
  }
  return **found;
}

// The language a post writes in when the person's is unknown: the post's, else the
// organisation's.
std::string PostLanguage(RequestContext& ctx, const std::string& post_id) {
  if (!post_id.empty()) {
    auto post = ctx.services.orgs->GetPost(ctx.principal.org_id, post_id);
    if (post.ok() && *post && !(*post)->default_language.empty()) {
      return (*post)->default_language;
    }
  }
  auto org = ctx.services.orgs->GetOrganisation(ctx.principal.org_id);
  return org.ok() && *org ? (*org)->default_language : "en";
}

// An answer from the conversation: {"text"} or {"canned_answer_id"}, optionally "channel",
// "subject", "version" (refused with 409 when another officer moved the conversation on) and
// "state" (the conversation's state after it; waiting by default).
ApiResponse Reply(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<ConversationRequest> request = StartChange(ctx, &problem);
  if (!request) return problem;
  const nlohmann::json* body = &request->body;
  const StoredContact* contact = &request->stored;
  ThreadChange& change = request->change;
  nlohmann::json message = nlohmann::json::object();
  message["contact_id"] = contact->contact.id;
  change.officer_message = true;
  change.state = ThreadState::kWaiting;
  std::string canned_id;
  {
    JsonReader r = JsonReader::ForInput(*body);
    ReadVersion(r, *body, &change);
    std::string state, text, channel, subject;
    r.String("state", &state);
    r.String("canned_answer_id", &canned_id);
    r.String("text", &text);
    r.String("channel", &channel);
    r.String("subject", &subject);
    if (!state.empty()) {
      change.state = ParseThreadState(state);
      if (!change.state) r.Error("state", "must be open, waiting or closed");
    }
    if (canned_id.empty() == text.empty()) {
      r.Error("text", "give either text or canned_answer_id");
    }
    if (!r.Finish().ok()) return InvalidFields(r);
    for (const char* key : {"text", "channel", "subject"}) {
      if (body->contains(key)) message[key] = (*body)[key];
    }
  }
  std::string language;
  if (!canned_id.empty()) {
    std::optional<CannedAnswer> canned = VisibleCannedAnswer(ctx, canned_id, &problem);
    if (!canned) {
      return Problem(422, "Invalid input", "canned_answer_id: no such canned answer",
                     "canned_answer_id", {{"canned_answer_id", "no such canned answer"}});
    }
    auto text = RenderCannedAnswer(*ctx.services.renderer, *canned, contact->contact,
                                   PostLanguage(ctx, contact->contact.post_id), &language);
    if (!text.ok()) return ProblemFromStatus(text.status());
    message["text"] = *text;
  }
  std::optional<PersonMessageInput> in =
      ReadPersonMessage(message, &problem, /*channel_required=*/false);
  if (!in) return problem;
  std::optional<OfficerMessagePlan> plan =
      PlanOfficerMessage(ctx, *std::move(in), contact->contact, &problem);
  if (!plan) return problem;
  // The version first: of two officers answering at once, only one answer goes.
  auto changed = ctx.services.threads->Change(ctx.principal.org_id, contact->contact.id,
                                              contact->contact.post_id, change);
  if (!changed.ok()) return ChangeResult(ctx, contact->contact, changed, 202);
  ApiResponse queued = QueueOfficerMessage(ctx, *plan, contact->contact);
  if (queued.status != 202) return queued;
  nlohmann::json answer = nlohmann::json::parse(queued.body);
  answer["version"] = changed->version;
  answer["state"] = ThreadStateName(*change.state);
  answer["text"] = plan->message.text;
  if (!language.empty()) answer["language"] = language;
  queued.body = answer.dump();
  return queued;
}

// ---- Canned answers ----

std::optional<CannedAnswer> ReadCannedAnswer(RequestContext& ctx, ApiResponse* problem) {
  return ReadPostRecord<CannedAnswer>(ctx, CannedAnswerFromJson, "canned answers",
                                      "Invalid canned answer", problem);
}

ApiResponse ListCannedAnswers(RequestContext& ctx) {
  const std::string post = ctx.Query("post");
  std::optional<std::string> language;
  if (std::string raw = ctx.Query("language"); !raw.empty()) {
    language = CanonicalLanguageTag(raw);
    if (!language) {
      return Problem(400, "Invalid query parameter", "language must be a BCP 47 tag", "language");
    }
  }
  auto all = ctx.services.canned_answers->List(ctx.principal.org_id);
  if (!all.ok()) return ProblemFromStatus(all.status());
  nlohmann::json items = nlohmann::json::array();
  for (const CannedAnswer& a : *all) {
    if (!a.post_id.empty() && !ctx.principal.scope.Allows(a.post_id)) continue;
    // ?post= lists what officers of that post use: its own and the organisation's.
    if (!post.empty() && !a.post_id.empty() && a.post_id != post) continue;
    if (language && !a.texts.contains(*language)) continue;
    items.push_back(ToJson(a));
  }
  return ApiResponse::Json(200, {{"items", items}});
}

ApiResponse CreateCannedAnswer(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<CannedAnswer> answer = ReadCannedAnswer(ctx, &problem);
  if (!answer) return problem;
  answer->created_by = ctx.principal.officer_id;
  auto created = ctx.services.canned_answers->Create(*std::move(answer));
  if (!created.ok()) return ProblemFromStatus(created.status());
  return ApiResponse::Json(201, ToJson(*created));
}

ApiResponse GetCannedAnswer(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<CannedAnswer> answer = VisibleCannedAnswer(ctx, ctx.params[0], &problem);
  if (!answer) return problem;
  return ApiResponse::Json(200, ToJson(*answer));
}

// Officers change only their posts' answers; the organisation's are the admins'.
bool MayChange(RequestContext& ctx, const CannedAnswer& a) {
  return a.post_id.empty() ? ctx.principal.IsAdmin() : ctx.principal.scope.Allows(a.post_id);
}

ApiResponse UpdateCannedAnswer(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<CannedAnswer> existing = VisibleCannedAnswer(ctx, ctx.params[0], &problem);
  if (!existing) return problem;
  if (!MayChange(ctx, *existing)) {
    return Problem(403, "Forbidden", "only admins change the organisation's canned answers");
  }
  std::optional<CannedAnswer> answer = ReadCannedAnswer(ctx, &problem);
  if (!answer) return problem;
  answer->id = existing->id;
  answer->created_by = existing->created_by;
  answer->created_at_millis = existing->created_at_millis;
  answer->updated_at_millis = existing->updated_at_millis;
  auto updated = ctx.services.canned_answers->Update(*answer);
  if (!updated.ok()) return ProblemFromStatus(updated.status());
  return ApiResponse::Json(200, ToJson(*updated));
}

ApiResponse DeleteCannedAnswer(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<CannedAnswer> existing = VisibleCannedAnswer(ctx, ctx.params[0], &problem);
  if (!existing) return problem;
  if (!MayChange(ctx, *existing)) {
    return Problem(403, "Forbidden", "only admins change the organisation's canned answers");
  }
  absl::Status s = ctx.services.canned_answers->Delete(ctx.principal.org_id, existing->id);
  if (!s.ok()) return ProblemFromStatus(s);
  return ApiResponse::NoContent();
}

// GET /v1/conversations/export: every conversation entry of the people in the caller's scope
// (or ?post=) written between ?from and ?to (ISO 8601), streamed.
ApiResponse ExportConversationsRoute(RequestContext& ctx) {
  ApiResponse problem;
  auto format = FormatOf(ctx, &problem);
  if (!format) return problem;
  ConversationExportRequest request;
  request.csv = *format == ListFormat::kCsv;
  request.scope = ctx.principal.scope;
  if (std::string post = ctx.Query("post"); !post.empty()) {
    if (!IsWellFormedId(post, "post") || !request.scope.Allows(post)) return NotFound("post");
    request.scope = PostScope::Of({post});
  }
  for (auto [name, out] : {std::pair{"from", &request.from_millis},
                           std::pair{"to", &request.to_millis}}) {
    const std::string value = ctx.Query(name);
    if (value.empty()) continue;
    const std::optional<int64_t> at = ParseIsoUtc(value);
    if (!at) {
      return Problem(400, "Invalid query parameter",
                     std::string(name) + " must be an ISO 8601 time", name);
    }
    *out = *at;
  }
  if (request.from_millis > request.to_millis) {
    return Problem(400, "Invalid query parameter", "from must not be after to", "from");
  }
  auto permit = ctx.services.scans->Enter(ctx.principal.org_id, &problem);
  if (!permit) return problem;
  spdlog::info("conversations: {} exported the conversations of {}", ctx.principal.officer_id,
               request.scope.organisation_wide ? "the organisation" : "their posts");
  // The permit is held until the last chunk is written.
  auto held = std::make_shared<ScanGate::Permit>(*std::move(permit));
  return StreamedExport(request.csv, "conversations", "conversations of " + ctx.principal.org_id,
                        [redis = ctx.services.redis, contacts = ctx.services.contacts,
                         org = ctx.principal.org_id, request,
                         held](const ApiResponse::Writer& write) {
                          return ExportConversations(*redis, *contacts, org, request, write);
                        });
}

}  // namespace

void RegisterInboxRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/conversations", Access::kRead, &ListConversations);
  // Before /v1/conversations/{id}, which would take "export" for an id.
  router.Add("GET", "/v1/conversations/export", Access::kWrite, &ExportConversationsRoute);
  router.Add("GET", "/v1/conversations/{id}", Access::kRead, &GetConversation);
  router.Add("PATCH", "/v1/conversations/{id}", Access::kWrite, &PatchConversation);
  router.Add("POST", "/v1/conversations/{id}/notes", Access::kWrite, &AddNote);
  router.Add("POST", "/v1/conversations/{id}/replies", Access::kWrite, &Reply);
  router.Add("GET", "/v1/canned-answers", Access::kRead, &ListCannedAnswers);
  router.Add("POST", "/v1/canned-answers", Access::kWrite, &CreateCannedAnswer);
  router.Add("GET", "/v1/canned-answers/{id}", Access::kRead, &GetCannedAnswer);
  router.Add("PUT", "/v1/canned-answers/{id}", Access::kWrite, &UpdateCannedAnswer);
  router.Add("DELETE", "/v1/canned-answers/{id}", Access::kWrite, &DeleteCannedAnswer);
}

}  // namespace ogw
