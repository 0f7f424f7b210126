// Routes for single messages and the delivery queue: direct officer messages, dead letters,
// queue statistics and the sandbox outbox.

#include "adapters/sandbox/sandbox_provider.h"
#include "gateway/api/route_helpers.h"
#include "gateway/conversations/last_inbound.h"

namespace ogw {
namespace {

constexpr size_t kMaxDeadLetterId = 200;
constexpr size_t kDefaultOutbox = 50;
constexpr size_t kMaxOutbox = 500;

// The first address of `contact` serving `channel` that an officer may write to (the worker
// checks the same rule again at send time). -1 with the reason otherwise.
int DirectAddress(const Contact& contact, Channel channel, std::string* reason) {
  const AddressKind kind = AddressKindForChannel(channel);
  std::string_view first_reason;
  for (size_t i = 0; i < contact.addresses.size() && i < 256; ++i) {
    const Address& a = contact.addresses[i];
    if (a.kind != kind) continue;
    const std::string_view why = a.UnusableBecause(Address::Use::kDirect);
    if (why.empty()) return static_cast<int>(i);
    if (first_reason.empty()) first_reason = why;
  }
  const std::string name(ChannelName(channel));
  if (first_reason.empty()) {
    *reason = "the contact has no address for " + name;
  } else if (first_reason == "address_invalid") {
    *reason = "the contact's " + name + " address does not exist (a provider reported it)";
  } else {
    *reason = "the contact's " + name + " address is opted out or consent was withdrawn";
  }
  return -1;
}

// Where a direct message to `contact` can go on `channel`: the address, or -1 with the reason.
// WhatsApp and Messenger take an officer's free text only inside the person's 24-hour window.
int UsableAddress(const Contact& contact, Channel channel, const LastInbound& last, int64_t now,
                  std::string* reason) {
  const int index = DirectAddress(contact, channel, reason);
  if (index < 0 || !HasServiceWindow(channel)) return index;
  const Address& address = contact.addresses[static_cast<size_t>(index)];
  if (ServiceWindowOpen(last.At(AddressKey(address)), now)) return index;
  *reason = "the person has not written on " + std::string(ChannelName(channel)) +
            " in the last 24 hours, and " + std::string(ChannelName(channel)) +
            " takes only approved templates then";
  return -1;
}

// The channel of an answer the officer left to the gateway: the one the person last wrote on,
// when it is usable, else the first usable of their preferred channels. nullopt with the
// reason when none is.
struct ChosenChannel {
  Channel channel = Channel::kSms;
  int index = -1;
  std::string because;  // "last_written" or "preferred".
};
std::optional<ChosenChannel> ChooseChannel(const Contact& contact, const LastInbound& last,
                                           int64_t now, std::string* reason) {
  std::string why;
  if (last.channel) {
    const int index = UsableAddress(contact, *last.channel, last, now, &why);
    if (index >= 0) return ChosenChannel{*last.channel, index, "last_written"};
    *reason = "last written on " + std::string(ChannelName(*last.channel)) + ": " + why;
  }
  for (Channel channel : contact.channel_order) {
    if (last.channel == channel) continue;
    const int index = UsableAddress(contact, channel, last, now, &why);
    if (index >= 0) return ChosenChannel{channel, index, "preferred"};
  }
  if (reason->empty()) {
    *reason = contact.channel_order.empty()
                  ? "the person has not written yet and has no preferred channel: name one"
                  : "none of the person's preferred channels can be used: name one";
  }
  return std::nullopt;
}

ApiResponse EnqueueMessage(RequestContext& ctx, const nlohmann::json& body) {
  ApiResponse problem;
  std::optional<PersonMessageInput> in =
      ReadPersonMessage(body, &problem, /*channel_required=*/false);
  if (!in) return problem;
  auto stored = ScopedContact(ctx, in->contact_id, &problem);
  if (!stored) return problem;
  std::optional<OfficerMessagePlan> plan =
      PlanOfficerMessage(ctx, *std::move(in), stored->contact, &problem);
  if (!plan) return problem;
  ApiResponse response = QueueOfficerMessage(ctx, *plan, stored->contact);
  if (response.status != 202) return response;
  // The officer wrote to the person: their conversation waits for an answer.
  ThreadChange change;
  change.officer_id = ctx.principal.officer_id;
  change.state = ThreadState::kWaiting;
  change.officer_message = true;
  auto noted = ctx.services.threads->Change(ctx.principal.org_id, stored->contact.id,
                                            stored->contact.post_id, change);
  if (!noted.ok()) return ProblemFromStatus(noted.status());
  return response;
}

}  // namespace

std::optional<OfficerMessagePlan> PlanOfficerMessage(RequestContext& ctx, PersonMessageInput in,
                                                     const Contact& contact, ApiResponse* problem) {
  auto last = ReadLastInbound(*ctx.services.redis, ctx.principal.org_id, contact.id);
  if (!last.ok()) {
    *problem = ProblemFromStatus(last.status());
    return std::nullopt;
  }
  const int64_t now = ctx.services.clock->NowMillis();
  std::string reason;
  OfficerMessagePlan plan;
  plan.because = "requested";
  if (in.has_channel) {
    plan.address_index = UsableAddress(contact, in.channel, *last, now, &reason);
  } else if (std::optional<ChosenChannel> chosen = ChooseChannel(contact, *last, now, &reason)) {
    in.channel = chosen->channel;
    plan.address_index = chosen->index;
    plan.because = chosen->because;
  }
  if (plan.address_index < 0) {
    *problem = Problem(422, "Invalid input", reason, "channel", {{"channel", reason}});
    return std::nullopt;
  }
  if (!in.subject.empty() && in.channel != Channel::kEmail) {
    *problem = Problem(422, "Invalid input", "only e-mail messages have a subject", "subject",
                       {{"subject", "only e-mail messages have a subject"}});
    return std::nullopt;
  }
  plan.message = std::move(in);
  return plan;
}

ApiResponse QueueOfficerMessage(RequestContext& ctx, const OfficerMessagePlan& plan,
                                const Contact& contact) {
  const PersonMessageInput& in = plan.message;
  DirectMessageInput input;
  input.contact_id = contact.id;
  input.channel = static_cast<uint8_t>(in.channel);
  input.address_index = static_cast<uint8_t>(plan.address_index);
  // contact_id and channel are kept in the payload too, for the status route.
  input.payload = {{"contact_id", contact.id},
                   {"channel", ChannelName(in.channel)},
                   {"text", in.text},
                   {"subject", in.subject},
                   {"author", ctx.principal.officer_id},
                   {"contact_post", contact.post_id}};
  auto id = ctx.services.queue->EnqueueDirect(ctx.principal.org_id, input);
  if (!id.ok()) return ProblemFromStatus(id.status());
  ApiResponse response = ApiResponse::Json(202, {{"id", *id},
                                                 {"status", "queued"},
                                                 {"contact_id", contact.id},
                                                 {"channel", ChannelName(in.channel)},
                                                 {"channel_chosen", plan.because}});
  response.contact_ids = {contact.id};
  return response;
}

namespace {

ApiResponse MessageStatus(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  const std::string& org = ctx.principal.org_id;
  if (!IsWellFormedId(id, "m")) return NotFound("message");
  auto found = ctx.services.queue->GetDirectPayload(org, id);
  if (!found.ok()) return ProblemFromStatus(found.status());
  if (!*found) return NotFound("message");
  const nlohmann::json& payload = **found;
  const std::string contact_id = payload.value("contact_id", "");
  // Scope follows the contact's post now; a contact since erased keeps the post it had.
  std::string post = payload.value("contact_post", "");
  if (!ctx.principal.scope.organisation_wide) {
    if (IsWellFormedId(contact_id, "c")) {
      auto stored = ctx.services.contacts->Get(org, contact_id);
      if (!stored.ok()) return ProblemFromStatus(stored.status());
      if (*stored) post = (*stored)->contact.post_id;
    }
    if (!ctx.principal.scope.Allows(post)) return NotFound("message");
  }
  auto status = ctx.services.queue->GetDirectStatus(org, id);
  if (!status.ok()) return ProblemFromStatus(status.status());
  if (!*status) return NotFound("message");
  const DirectStatus& s = **status;
  return ApiResponse::Json(200, {{"id", id},
                                 {"contact_id", contact_id},
                                 {"channel", payload.value("channel", "")},
                                 {"author", payload.value("author", "")},
                                 {"status", s.status},
                                 {"attempts", s.attempts},
                                 {"code", s.code},
                                 {"reason", s.reason},
                                 {"provider_message_id", s.provider_message_id},
                                 {"updated_at", s.at_millis}});
}

nlohmann::json DeadLetterJson(const DeadLetter& d) {
  nlohmann::json j = {{"id", d.id}};
  if (d.detail.is_object()) j.update(d.detail);
  j["id"] = d.id;
  return j;
}

bool PlausibleDeadLetterId(const std::string& id) {
  return !id.empty() && id.size() <= kMaxDeadLetterId;
}

// Organisation-wide: stats of every launched campaign, and the lanes' sizes.
ApiResponse QueueStats(RequestContext& ctx) {
  const std::string& org = ctx.principal.org_id;
  auto lanes = ctx.services.queue->LaneSizes(org);
  if (!lanes.ok()) return ProblemFromStatus(lanes.status());
  auto list = ctx.services.campaigns->List(org);
  if (!list.ok()) return ProblemFromStatus(list.status());
  nlohmann::json campaigns = nlohmann::json::array();
  int64_t active = 0;
  for (const Campaign& c : *list) {
    auto state = ctx.services.queue->State(org, c.id);
    if (!state.ok()) return ProblemFromStatus(state.status());
    if (!*state) continue;
    auto stats = ctx.services.queue->CampaignStats(org, c.id);
    if (!stats.ok()) return ProblemFromStatus(stats.status());
    if (**state == CampaignState::kScheduled || **state == CampaignState::kRunning ||
        **state == CampaignState::kPaused) {
      ++active;
    }
    campaigns.push_back(
        {{"id", c.id}, {"name", c.name}, {"state", CampaignStateName(**state)}, {"stats", *stats}});
  }
  // The queue's campaign ring is shared by every organisation: count only this one's.
  (*lanes)["active_campaigns"] = active;
  return ApiResponse::Json(200, {{"lanes", *lanes}, {"campaigns", std::move(campaigns)}});
}

ApiResponse SandboxOutbox(RequestContext& ctx) {
  size_t limit = kDefaultOutbox;
  if (std::string raw = ctx.Query("limit"); !raw.empty()) {
    if (raw.size() > 7 || raw.find_first_not_of("0123456789") != std::string::npos ||
        (limit = std::stoul(raw)) == 0) {
      return Problem(400, "Invalid query parameter", "limit must be a positive integer", "limit");
    }
    limit = std::min(limit, kMaxOutbox);
  }
  auto items = ReadSandboxOutbox(*ctx.services.redis, ctx.principal.org_id, limit);
  if (!items.ok()) return ProblemFromStatus(items.status());
  return ApiResponse::Json(200, {{"items", *items}});
}

// POST /v1/messages
ApiResponse SendDirectMessage(RequestContext& ctx) {
  ApiResponse problem;
  auto body = ctx.JsonBody(&problem);
  if (!body) return problem;
  return EnqueueMessage(ctx, *body);
}

// GET /v1/dead-letters
ApiResponse ListDeadLetters(RequestContext& ctx) {
  ApiResponse problem;
  std::optional<size_t> limit = PageLimit(ctx, &problem);
  if (!limit) return problem;
  const std::string cursor = ctx.Query("cursor");
  if (cursor.size() > 20 || cursor.find_first_not_of("0123456789") != std::string::npos) {
    return Problem(400, "Invalid query parameter", "cursor must be a next_cursor value", "cursor");
  }
  auto page = ctx.services.queue->ListDeadLetters(ctx.principal.org_id, cursor, *limit);
  if (!page.ok()) return ProblemFromStatus(page.status());
  nlohmann::json items = nlohmann::json::array();
  for (const DeadLetter& d : page->items) items.push_back(DeadLetterJson(d));
  return ApiResponse::Json(200, {{"items", std::move(items)}, {"next_cursor", page->next_cursor}});
}

// GET /v1/dead-letters/{id}
ApiResponse GetDeadLetter(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (!PlausibleDeadLetterId(id)) return NotFound("dead letter");
  auto d = ctx.services.queue->GetDeadLetter(ctx.principal.org_id, id);
  if (!d.ok()) return ProblemFromStatus(d.status());
  if (!*d) return NotFound("dead letter");
  return ApiResponse::Json(200, DeadLetterJson(**d));
}

// POST /v1/dead-letters/{id}/requeue
ApiResponse RequeueDeadLetter(RequestContext& ctx) {
  const std::string& id = ctx.params[0];
  if (!PlausibleDeadLetterId(id)) return NotFound("dead letter");
  auto s = ctx.services.queue->RequeueDeadLetter(ctx.principal.org_id, id);
  if (s.code() == absl::StatusCode::kNotFound) return NotFound("dead letter");
  if (!s.ok()) return ProblemFromStatus(s);
  return ApiResponse::Json(200, {{"requeued", id}});
}

}  // namespace

void RegisterMessageRoutes(ApiRouter& router) {
  router.Add("POST", "/v1/messages", Access::kWrite, &SendDirectMessage);
  router.Add("GET", "/v1/messages/{id}", Access::kRead,
             [](RequestContext& ctx) { return MessageStatus(ctx); });

  router.Add("GET", "/v1/dead-letters", Access::kAdmin, &ListDeadLetters);
  router.Add("GET", "/v1/dead-letters/{id}", Access::kAdmin, &GetDeadLetter);
  router.Add("POST", "/v1/dead-letters/{id}/requeue", Access::kAdmin, &RequeueDeadLetter);
  router.Add("GET", "/v1/queue/stats", Access::kAdmin,
             [](RequestContext& ctx) { return QueueStats(ctx); });

  // The outbox records no post, so it cannot be narrowed to an officer's scope: admins only.
  router.Add("GET", "/v1/sandbox/messages", Access::kAdmin,
             [](RequestContext& ctx) { return SandboxOutbox(ctx); });
}

}  // namespace ogw
