// Routes for conversations: one person's log across channels, a post's inbox, and the
// sandbox's simulated replies.

#include "adapters/sandbox/sandbox_type.h"
#include "gateway/api/route_helpers.h"

namespace ogw {
namespace {

nlohmann::json EntryJson(const ConversationEntry& e) {
  nlohmann::json j = {{"id", e.id}, {"kind", e.kind}, {"at", e.at_millis}};
  for (const auto& [k, v] : e.fields) j[k] = v;
  return j;
}

// ?before= must be an entry id when present.
bool ReadBefore(const RequestContext& ctx, std::string* before, ApiResponse* problem) {
  *before = ctx.Query("before");
  if (!before->empty() && !ConversationLog::IsEntryId(*before)) {
    *problem = Problem(400, "Invalid query parameter",
                       "before must be an entry id such as 1764325000000-0", "before");
    return false;
  }
  return true;
}

ApiResponse Conversation(RequestContext& ctx) {
  ApiResponse problem;
  auto contact = ScopedContact(ctx, ctx.params[0], &problem);
  if (!contact) return problem;
  auto limit = PageLimit(ctx, &problem);
  if (!limit) return problem;
  std::string before;
  if (!ReadBefore(ctx, &before, &problem)) return problem;
  auto entries =
      ctx.services.conversations->Read(ctx.principal.org_id, contact->contact.id, before, *limit);
  if (!entries.ok()) return ProblemFromStatus(entries.status());
  nlohmann::json items = nlohmann::json::array();
  for (const ConversationEntry& e : *entries) items.push_back(EntryJson(e));
  nlohmann::json body = {{"contact_id", contact->contact.id}, {"entries", items}};
  body["next_before"] = entries->size() == *limit ? entries->back().id : "";
  ApiResponse r = ApiResponse::Json(200, body);
  r.contact_ids = {contact->contact.id};
  return r;
}

// The inbox of ?post= ("none": people without a post). An officer of one post may omit it.
ApiResponse Inbox(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<std::string> requested = InboxPost(ctx, &problem);
  if (!requested) return problem;
  const std::string& post = *requested;
  const PostScope& scope = ctx.principal.scope;
  auto limit = PageLimit(ctx, &problem);
  if (!limit) return problem;
  std::string before;
  if (!ReadBefore(ctx, &before, &problem)) return problem;
  auto items = ctx.services.conversations->ReadInbox(ctx.principal.org_id, post, before, *limit);
  if (!items.ok()) return ProblemFromStatus(items.status());
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::string> shown;
  for (const InboxItem& item : *items) {
    auto stored = ctx.services.contacts->Get(ctx.principal.org_id, item.contact_id);
    if (!stored.ok()) return ProblemFromStatus(stored.status());
    // Erased since, or moved to a post outside the caller's scope: not shown here.
    if (!*stored || !scope.Allows((*stored)->contact.post_id)) continue;
    auto entry =
        ctx.services.conversations->Get(ctx.principal.org_id, item.contact_id, item.entry_id);
    if (!entry.ok()) continue;  // Trimmed from the person's log.
    nlohmann::json j = EntryJson(*entry);
    j["inbox_id"] = item.id;
    j["contact_id"] = item.contact_id;
    j["contact_name"] = (*stored)->contact.name;
    j["contact_verified"] = (*stored)->contact.verified;
    out.push_back(std::move(j));
    shown.push_back(item.contact_id);
  }
  ApiResponse r =
      ApiResponse::Json(200, {{"post", post.empty() ? "none" : post},
                              {"items", out},
                              {"next_before", items->size() == *limit ? items->back().id : ""}});
  r.contact_ids = std::move(shown);
  return r;
}

// A reply as if the person had written it, through the channel's sandbox: lets officers train
// and lets the quick start show a two-way conversation without any provider account.
ApiResponse SimulateReply(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  std::optional<PersonMessageInput> in = ReadPersonMessage(*body, &problem);
  if (!in) return problem;
  auto contact = ScopedContact(ctx, in->contact_id, &problem);
  if (!contact) return problem;
  const std::string channel_name(ChannelName(in->channel));
  const Address* address = contact->contact.FindAddress(AddressKindForChannel(in->channel));
  if (address == nullptr) {
    return Problem(422, "Invalid input", "the contact has no address for " + channel_name,
                   "channel");
  }
  InboundMessage m;
  m.provider = channel_name + "-sandbox";
  m.channel = in->channel;
  m.provider_message_id = "sim_" + NewId("in", ctx.services.clock->NowMillis()).substr(3);
  m.from = address->value;
  m.to = "sandbox";
  m.text = in->text;
  m.subject = in->subject;
  m.simulated = true;
  // A real provider serves this person's channel: the simulation may not change their consent.
  if (auto binding = ctx.services.providers->registry().For(in->channel, ctx.principal.org_id,
                                                            contact->contact.post_id)) {
    auto account = ctx.services.providers->Find(binding->account);
    m.simulated_over_real_channel = account.has_value() && account->type != kSandboxTypeName;
  }
  InboundSource source{ctx.principal.org_id, contact->contact.post_id, m.provider, false, ""};
  auto result = ctx.services.inbound->Receive(source, m);
  if (!result.ok()) return ProblemFromStatus(result.status());
  ApiResponse response =
      ApiResponse::Json(201, {{"contact_id", result->contact_id},
                              {"entry_id", result->entry_id},
                              {"keyword", result->keyword == KeywordIntent::kStop    ? "stop"
                                          : result->keyword == KeywordIntent::kStart ? "start"
                                                                                     : ""}});
  response.contact_ids = {result->contact_id};
  return response;
}

}  // namespace

void RegisterConversationRoutes(ApiRouter& router) {
  router.Add("GET", "/v1/contacts/{id}/conversation", Access::kRead,
             [](RequestContext& ctx) { return Conversation(ctx); });
  router.Add("GET", "/v1/inbox", Access::kRead, [](RequestContext& ctx) { return Inbox(ctx); });
  router.Add("POST", "/v1/sandbox/replies", Access::kWrite,
             [](RequestContext& ctx) { return SimulateReply(ctx); });
}

}  // namespace ogw
