#include "gateway/delivery/delivery_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "gateway/audience/template_audit.h"
#include "gateway/delivery/quiet_hours.h"
#include "templates/markdown_render.h"
#include "templates/sms_encoding.h"

namespace ogw {
namespace {

constexpr size_t kDirectBatch = 100;
constexpr size_t kScheduledBatch = 500;
constexpr int64_t kOrgListTtlMillis = 5'000;
constexpr int64_t kPausedRecheckMillis = 1'000;
constexpr int64_t kMaxRateWaitMillis = 1'000;
constexpr int64_t kWaitBehindEarlierMillis = 2'000;

// One message on its way through Deliver.
struct Pending {
  ClaimedMessage claimed;
  const Contact* contact = nullptr;
  Channel channel = Channel::kEmail;
  OutboundMessage out;
  std::string language;  // The template language chosen for this recipient.
};

MessageOutcome Outcome(const ClaimedMessage& m, MessageOutcome::Kind kind, std::string code = "",
                       std::string reason = "", int64_t due = 0) {
  MessageOutcome o;
  o.kind = kind;
  o.message = m;
  o.code = std::move(code);
  o.reason = std::move(reason);
  o.due_millis = due;
  return o;
}

// Why an address may no longer be used, or "" when it may.
std::string Unusable(const Address& a, bool direct) {
  if (a.opted_out) return "opted_out";
  if (a.consent.state == ConsentState::kWithdrawn) return "consent_withdrawn";
  // A direct message answers someone in a conversation; a campaign needs consent granted.
  if (!direct && a.consent.state != ConsentState::kGranted) return "no_consent";
  return "";
}

std::string_view OutcomeLabel(MessageOutcome::Kind kind) {
  switch (kind) {
    case MessageOutcome::Kind::kSent: return "sent";
    case MessageOutcome::Kind::kFailed: return "failed";
    case MessageOutcome::Kind::kRetry: return "retried";
    case MessageOutcome::Kind::kDeferred: return "deferred";
    case MessageOutcome::Kind::kDead: return "dead_lettered";
    case MessageOutcome::Kind::kDropped: return "cancelled";
    case MessageOutcome::Kind::kHeld: return "held";
  }
  return "failed";
}

}  // namespace

DeliveryWorker::DeliveryWorker(WorkerDeps deps, WorkerOptions options)
    : deps_(deps), options_(std::move(options)) {
  options_.threads = std::max<size_t>(options_.threads, 1);
  options_.group_size = std::max<size_t>(options_.group_size, 1);
  if (!deps_.sleep) {
    deps_.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  }
}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  stopping_ = false;
  for (size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Loop(); });
}

void DeliveryWorker::Stop() {
  stopping_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void DeliveryWorker::Loop() {
  while (!stopping_) {
    auto handled = RunOnce();
    if (!handled.ok()) {
      spdlog::warn("delivery worker: {}", MessageOf(handled.status()));
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    } else if (*handled == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.idle_poll_millis));
    }
  }
}

absl::StatusOr<std::vector<std::string>> DeliveryWorker::OrgIds() {
  const int64_t now = deps_.clock->NowMillis();
  {
    std::lock_guard lock(mu_);
    if (org_ids_at_ != 0 && now - org_ids_at_ < kOrgListTtlMillis) return org_ids_;
  }
  ASSIGN_OR_RETURN(std::vector<Organisation> orgs, deps_.orgs->ListOrganisations());
  std::vector<std::string> ids;
  for (const auto& o : orgs) ids.push_back(o.id);
  std::lock_guard lock(mu_);
  org_ids_ = ids;
  org_ids_at_ = now;
  return ids;
}

absl::StatusOr<size_t> DeliveryWorker::RunOnce() {
  ASSIGN_OR_RETURN(std::vector<std::string> orgs, OrgIds());
  // The priority lane first, on every pass: a reply waits for at most one chunk.
  ASSIGN_OR_RETURN(size_t direct, DrainDirect(orgs));
  ASSIGN_OR_RETURN(size_t scheduled, DrainScheduled(orgs));
  ASSIGN_OR_RETURN(size_t chunk, DrainOneChunk());
  return direct + scheduled + chunk;
}

absl::StatusOr<size_t> DeliveryWorker::DrainDirect(const std::vector<std::string>& orgs) {
  size_t handled = 0;
  for (const std::string& org : orgs) {
    ASSIGN_OR_RETURN(std::vector<ClaimedMessage> claimed,
                     deps_.queue->ClaimDirect(org, kDirectBatch));
    if (claimed.empty()) continue;
    ASSIGN_OR_RETURN(size_t n, Deliver(org, std::move(claimed), nullptr));
    handled += n;
  }
  return handled;
}

absl::StatusOr<size_t> DeliveryWorker::DrainScheduled(const std::vector<std::string>& orgs) {
  size_t handled = 0;
  for (const std::string& org : orgs) {
    ASSIGN_OR_RETURN(std::vector<ClaimedMessage> claimed,
                     deps_.queue->ClaimScheduled(org, kScheduledBatch));
    if (claimed.empty()) continue;
    ASSIGN_OR_RETURN(size_t n, Deliver(org, std::move(claimed), nullptr));
    handled += n;
  }
  return handled;
}

absl::StatusOr<size_t> DeliveryWorker::DrainOneChunk() {
  ASSIGN_OR_RETURN(std::optional<ChunkClaim> claim, deps_.queue->ClaimChunk());
  if (!claim) return 0;
  const std::string org = claim->org_id;
  std::vector<ClaimedMessage> messages = std::move(claim->messages);
  ASSIGN_OR_RETURN(size_t n, Deliver(org, std::move(messages), &*claim));
  return std::max<size_t>(n, 1);  // A claimed chunk is progress even when all was done.
}

absl::StatusOr<size_t> DeliveryWorker::Deliver(const std::string& org_id,
                                               std::vector<ClaimedMessage> messages,
                                               const ChunkClaim* claim) {
  const int64_t now = deps_.clock->NowMillis();
  thread_local std::mt19937_64 rng{std::random_device{}()};

  // What the messages refer to, read once per call.
  std::set<std::string> contact_ids;
  std::set<std::string> campaign_ids;
  for (const auto& m : messages) {
    contact_ids.insert(m.recipient.contact_id);
    if (!m.campaign_id.empty()) campaign_ids.insert(m.campaign_id);
  }
  std::vector<std::string> id_list(contact_ids.begin(), contact_ids.end());
  ASSIGN_OR_RETURN(std::vector<std::optional<StoredContact>> stored,
                   deps_.contacts->GetMany(org_id, id_list));
  std::map<std::string, Contact> contacts;
  for (auto& s : stored) {
    if (s) contacts.emplace(s->contact.id, std::move(s->contact));
  }
  std::map<std::string, std::optional<Campaign>> campaigns;
  std::map<std::string, std::optional<Template>> templates;
  for (const std::string& id : campaign_ids) {
    ASSIGN_OR_RETURN(campaigns[id], deps_.campaigns->Get(org_id, id));
    if (const auto& c = campaigns[id]; c && !templates.count(c->template_id)) {
      ASSIGN_OR_RETURN(templates[c->template_id], deps_.templates->Get(org_id, c->template_id));
    }
  }
  std::map<std::string, std::string> post_languages;
  auto post_language = [&](const std::string& post_id) -> std::string {
    if (post_id.empty()) return "";
    auto it = post_languages.find(post_id);
    if (it != post_languages.end()) return it->second;
    auto post = deps_.orgs->GetPost(org_id, post_id);
    std::string lang = post.ok() && *post ? (*post)->default_language : "";
    post_languages.emplace(post_id, lang);
    return lang;
  };

  size_t handled = 0;
  size_t begin = 0;
  // Keeps the claim on what is not recorded yet: the chunk, or the lane items from `begin` on.
  auto renew = [&]() -> absl::Status {
    if (claim != nullptr) return deps_.queue->RenewChunk(*claim);
    return deps_.queue->RenewItems(org_id,
                                   std::span<const ClaimedMessage>(messages).subspan(begin));
  };
  for (; begin < messages.size(); begin += options_.group_size) {
    if (stopping_ && claim != nullptr) {
      // Shutting down: give the rest of the chunk back for another worker.
      RETURN_IF_ERROR(deps_.queue->ReleaseChunk(*claim));
      return handled;
    }
    const size_t end = std::min(messages.size(), begin + options_.group_size);
    std::vector<MessageOutcome> outcomes;
    std::vector<Pending> pending;
    std::vector<std::vector<std::string>> link_commands;  // Tracked links minted for the group.

    // Campaign states, re-read before every group: pause takes effect within one group.
    std::map<std::string, std::string> states;
    for (size_t i = begin; i < end; ++i) {
      const std::string& id = messages[i].campaign_id;
      if (id.empty() || states.count(id)) continue;
      ASSIGN_OR_RETURN(std::optional<CampaignState> state, deps_.queue->State(org_id, id));
      states[id] = state ? std::string(CampaignStateName(*state)) : "gone";
    }
    if (claim != nullptr && states[claim->campaign_id] == "paused") {
      RETURN_IF_ERROR(deps_.queue->ReleaseChunk(*claim));
      return handled;
    }

    // Per-person order across campaigns: a message waits while the same person still has an
    // unsettled message on the same channel from a campaign launched earlier.
    std::map<std::string, std::vector<QueuedRecipient>> by_campaign;
    for (size_t i = begin; i < end; ++i) {
      const ClaimedMessage& m = messages[i];
      if (!m.campaign_id.empty() && !m.already_sent) by_campaign[m.campaign_id].push_back(m.recipient);
    }
    std::map<std::string, std::set<std::string>> waiting;
    for (const auto& [campaign, recipients] : by_campaign) {
      ASSIGN_OR_RETURN(waiting[campaign],
                       deps_.queue->WaitingBehindEarlier(org_id, campaign, recipients));
    }

    for (size_t i = begin; i < end; ++i) {
      const ClaimedMessage& m = messages[i];
      const bool direct = m.lane == ClaimedMessage::Lane::kDirect;
      if (!direct) {
        const std::string& state = states[m.campaign_id];
        if (m.already_sent) {
          outcomes.push_back(Outcome(m, MessageOutcome::Kind::kSent));
          continue;
        }
        if (state == "cancelled") {
          outcomes.push_back(Outcome(m, MessageOutcome::Kind::kDropped));
          continue;
        }
        if (state == "paused" || state == "scheduled") {
          outcomes.push_back(
              Outcome(m, MessageOutcome::Kind::kHeld, "", "", now + kPausedRecheckMillis));
          continue;
        }
        if (state == "gone" || !campaigns[m.campaign_id]) {
          outcomes.push_back(Outcome(m, MessageOutcome::Kind::kFailed, "campaign_gone",
                                     "the campaign no longer exists"));
          continue;
        }
        if (waiting[m.campaign_id].count(m.recipient.contact_id)) {
          outcomes.push_back(Outcome(m, MessageOutcome::Kind::kHeld, "waiting_for_earlier",
                                     "an earlier campaign's message to this person is not sent",
                                     now + kWaitBehindEarlierMillis));
          continue;
        }
      }
      auto contact = contacts.find(m.recipient.contact_id);
      if (contact == contacts.end()) {
        outcomes.push_back(Outcome(m, MessageOutcome::Kind::kFailed, "contact_erased",
                                   "the contact was erased after the message was queued"));
        continue;
      }
      const Contact& c = contact->second;
      const Channel channel = static_cast<Channel>(m.recipient.channel);
      const size_t ai = m.recipient.address_index;
      if (m.recipient.channel > static_cast<uint8_t>(Channel::kMessenger) ||
          ai >= c.addresses.size() || c.addresses[ai].kind != AddressKindForChannel(channel)) {
        outcomes.push_back(Outcome(m, MessageOutcome::Kind::kFailed, "address_removed",
                                   "the address was removed after the message was queued"));
        continue;
      }
      const Address& address = c.addresses[ai];
      if (std::string why = Unusable(address, direct); !why.empty()) {
        outcomes.push_back(Outcome(m, MessageOutcome::Kind::kFailed, why,
                                   "checked at send time"));
        continue;
      }
      Pending p;
      p.claimed = m;
      p.contact = &c;
      p.channel = channel;
      p.out.org_id = org_id;
      p.out.channel = std::string(ChannelName(channel));
      p.out.to = address.value;
      if (direct) {
        p.out.message_id = m.direct_id;
        const nlohmann::json payload = nlohmann::json::parse(m.payload, nullptr, false);
        p.out.text = payload.is_object() ? payload.value("text", "") : "";
        p.out.subject = payload.is_object() ? payload.value("subject", "") : "";
        if (channel == Channel::kEmail) {
          auto html = RenderMarkdown(p.out.text, TextFormat::kHtml);
          if (html.ok()) p.out.html = *std::move(html);
        }
      } else {
        const Campaign& campaign = *campaigns[m.campaign_id];
        p.out.message_id = m.campaign_id + ":" + std::to_string(m.index);
        if (campaign.quiet_hours) {
          if (auto until = QuietUntil(*campaign.quiet_hours, c.time_zone,
                                      options_.default_time_zone, now)) {
            outcomes.push_back(Outcome(m, MessageOutcome::Kind::kDeferred, "quiet_hours",
                                       "recipient's local quiet hours", *until));
            continue;
          }
        }
        const auto& tmpl = templates[campaign.template_id];
        if (!tmpl) {
          outcomes.push_back(Outcome(m, MessageOutcome::Kind::kFailed, "template_gone",
                                     "the template no longer exists"));
          continue;
        }
        const auto render_channel = ParseRenderChannel(ChannelName(channel));
        std::function<std::string(std::string_view, size_t)> track;
        if (deps_.links != nullptr) {
          track = [&](std::string_view url, size_t index) {
            LinkOwner owner{org_id, m.campaign_id, c.id, static_cast<uint32_t>(index)};
            auto token = deps_.links->Prepare(owner, url, &link_commands);
            // mailto: and the like stay as written.
            return token.ok() ? TrackedLinks::Url(deps_.public_base_url, *token)
                              : std::string(url);
          };
        }
        auto rendered = RenderFor(*deps_.renderer, *tmpl, c, *render_channel,
                                  post_language(c.post_id), campaign.variables, track);
        if (!rendered.ok()) {
          outcomes.push_back(Outcome(m, MessageOutcome::Kind::kFailed, "render_error",
                                     std::string(MessageOf(rendered.status()))));
          continue;
        }
        p.language = rendered->body_language;
        p.out.subject = std::move(rendered->subject);
        p.out.text = std::move(rendered->text);
        p.out.html = std::move(rendered->html);
      }
      if (channel == Channel::kSms) {
        auto info = AnalyzeSms(p.out.text);
        p.out.cost = info.ok() ? std::max<int64_t>(1, static_cast<int64_t>(info->segments)) : 1;
      }
      pending.push_back(std::move(p));
    }

    // A tracked link must resolve before anyone can click it.
    if (!link_commands.empty()) {
      ASSIGN_OR_RETURN(std::vector<RedisReply> stored, deps_.redis->Pipeline(link_commands));
      for (const RedisReply& r : stored) RETURN_IF_ERROR(r.AsStatus());
    }

    // Send per channel, within the provider account's rate limit.
    std::map<Channel, std::vector<size_t>> by_channel;
    for (size_t i = 0; i < pending.size(); ++i) by_channel[pending[i].channel].push_back(i);
    for (const auto& [channel, indexes] : by_channel) {
      const ProviderBinding* binding = deps_.providers->For(channel);
      if (binding == nullptr) {
        // Configuration, not the message: wait for a provider rather than fail.
        for (size_t i : indexes) {
          outcomes.push_back(Outcome(pending[i].claimed, MessageOutcome::Kind::kHeld,
                                     "no_provider", "no provider for this channel",
                                     now + 60'000));
        }
        continue;
      }
      size_t next = 0;
      bool counted_wait = false;
      while (next < indexes.size()) {
        std::vector<int64_t> costs;
        for (size_t k = next; k < indexes.size(); ++k) costs.push_back(pending[indexes[k]].out.cost);
        ASSIGN_OR_RETURN(RateGrant grant,
                         deps_.rate_limiter->TakeUpTo(binding->account, binding->rate, costs));
        if (grant.granted == 0) {
          if (!counted_wait) {
            counted_wait = true;
            std::map<std::string, int64_t> waiting;  // Campaign -> messages held back.
            for (size_t k = next; k < indexes.size(); ++k) {
              ++waiting[pending[indexes[k]].claimed.campaign_id];
            }
            for (const auto& [campaign, n] : waiting) {
              if (!campaign.empty()) {
                RETURN_IF_ERROR(deps_.queue->CountRateLimited(org_id, campaign, n));
              }
              if (deps_.metrics) {
                deps_.metrics->CountDelivery(ChannelName(channel), campaign, "rate_limited",
                                             static_cast<double>(n));
              }
            }
          }
          if (stopping_) break;
          deps_.sleep(std::clamp<int64_t>(grant.wait_millis, 1, kMaxRateWaitMillis));
          RETURN_IF_ERROR(renew());
          continue;
        }
        std::vector<OutboundMessage> batch;
        for (size_t k = next; k < next + grant.granted; ++k) {
          batch.push_back(std::move(pending[indexes[k]].out));
        }
        std::vector<SendResult> results(batch.size());
        const std::string channel_name(ChannelName(channel));
        if (deps_.metrics) deps_.metrics->AddInFlight(channel_name, static_cast<double>(batch.size()));
        binding->provider->SendBatch(batch, results);
        if (deps_.metrics) deps_.metrics->AddInFlight(channel_name, -static_cast<double>(batch.size()));
        const int64_t after = deps_.clock->NowMillis();
        for (size_t k = 0; k < batch.size(); ++k) {
          const ClaimedMessage& cm = pending[indexes[next + k]].claimed;
          const std::string& language = pending[indexes[next + k]].language;
          const SendResult& r = results[k];
          MessageOutcome o;
          switch (r.outcome) {
            case SendResult::Outcome::kAccepted:
              o = Outcome(cm, MessageOutcome::Kind::kSent);
              o.provider_message_id = r.provider_message_id;
              o.language = language;
              break;
            case SendResult::Outcome::kPermanent:
              o = Outcome(cm, MessageOutcome::Kind::kFailed, r.code, r.reason);
              break;
            case SendResult::Outcome::kOptedOut:
              o = Outcome(cm, MessageOutcome::Kind::kFailed, "opted_out", r.reason);
              break;
            case SendResult::Outcome::kTransient:
              if (cm.attempt + 1 < options_.backoff.max_attempts) {
                o = Outcome(cm, MessageOutcome::Kind::kRetry, r.code, r.reason,
                            after + RetryDelayMillis(options_.backoff, cm.attempt + 1,
                                                     r.retry_after_millis, rng));
              } else {
                o = Outcome(cm, MessageOutcome::Kind::kDead, r.code, r.reason);
              }
              break;
          }
          o.channel = std::string(ChannelName(channel));
          outcomes.push_back(std::move(o));
        }
        next += grant.granted;
      }
      // Stopping while rate-limited: the rest go back to the scheduled lane untouched.
      for (size_t k = next; k < indexes.size(); ++k) {
        outcomes.push_back(Outcome(pending[indexes[k]].claimed, MessageOutcome::Kind::kDeferred,
                                   "rate_limited", "worker stopped while rate-limited", now));
      }
    }

    RETURN_IF_ERROR(deps_.queue->Record(org_id, outcomes));
    if (deps_.metrics != nullptr) {
      for (const MessageOutcome& o : outcomes) {
        const std::string channel = std::string(
            ChannelName(static_cast<Channel>(std::min<uint8_t>(o.message.recipient.channel, 4))));
        deps_.metrics->CountDelivery(channel, o.message.campaign_id, OutcomeLabel(o.kind));
      }
    }
    handled += outcomes.size();
    if (claim != nullptr) RETURN_IF_ERROR(deps_.queue->RenewChunk(*claim));
  }
  if (claim != nullptr) RETURN_IF_ERROR(deps_.queue->FinishChunk(*claim));
  return handled;
}

}  // namespace ogw
