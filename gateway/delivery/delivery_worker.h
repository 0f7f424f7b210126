#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/campaigns/campaign_store.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/core/clock.h"
#include "gateway/delivery/provider_registry.h"
#include "gateway/inbound/inbound_pipeline.h"
#include "gateway/inbound/person_tokens.h"
#include "gateway/invitations/event_messages.h"
#include "gateway/metrics/metrics.h"
#include "gateway/orgs/org_store.h"
#include "queue/backoff.h"
#include "queue/delivery_queue.h"
#include "queue/provider_rate_limiter.h"
#include "templates/template_renderer.h"
#include "templates/template_store.h"
#include "templates/tracked_links.h"

namespace ogw {

struct WorkerOptions {
  size_t threads = 4;
  // Messages sent together and recorded together: the most a crash can send twice per thread.
  size_t group_size = 250;
  int64_t idle_poll_millis = 50;
  BackoffPolicy backoff;
  std::string default_time_zone = "UTC";  // For contacts without one (quiet hours).
  // How often an organisation's invitations are swept (answers closed at the deadline,
  // lapsed seat offers passed on): by one worker of all, each interval.
  int64_t invitation_sweep_millis = 15'000;
  // How often an organisation's channel cascades are looked at (next steps queued); 0: on
  // every pass of every worker.
  int64_t cascade_sweep_millis = 5'000;
};

// What the worker works with. The worker owns none of these: the Runtime that makes the worker
// (gateway/app/runtime) owns them all and outlives every worker it made, so the pointers stay
// valid for the worker's whole life. Each pointee is thread-safe (the worker's threads share
// them). Null only where a comment says so.
struct WorkerDeps {
  RedisPool* redis = nullptr;
  const Clock* clock = nullptr;
  DeliveryQueue* queue = nullptr;
  ContactStore* contacts = nullptr;
  TemplateStore* templates = nullptr;
  const TemplateRenderer* renderer = nullptr;
  CampaignStore* campaigns = nullptr;
  OrgStore* orgs = nullptr;
  const ProviderRegistry* providers = nullptr;
  ProviderRateLimiter* rate_limiter = nullptr;
  GatewayMetrics* metrics = nullptr;  // May be null.
  // Links in campaign messages become personal tracked links under public_base_url; null
  // leaves links as written.
  TrackedLinks* links = nullptr;
  std::string public_base_url;
  // Sent messages are noted in each person's conversation; null: not noted.
  ConversationLog* conversations = nullptr;
  // E-mail gets a reply+<token>@reply_domain Reply-To (when reply_domain is set) and a
  // one-click unsubscribe link under public_base_url; null tokens: neither.
  const PersonTokens* tokens = nullptr;
  std::string reply_domain;
  // Records the consent a provider says the person withdrew (e.g. Twilio 21610); null: not
  // recorded (the message still fails as opted_out).
  InboundPipeline* inbound = nullptr;
  // Sweeps invitations on the worker's timer and launches event messages when due; null: not
  // swept.
  RsvpResponder* rsvp = nullptr;
  EventMessages* event_messages = nullptr;
  // The events of event messages (their `event` variable, the calendar file); null: such
  // messages fail as event_gone.
  EventStore* events = nullptr;
  // The person's chat links (gateway/providers/chat_links.h), for templates that use
  // {{chat_links.telegram}} and the like; null: those render empty.
  std::function<nlohmann::json(const std::string& org_id, const Contact& contact)> chat_links;
  // Waits while a provider's rate limit refuses; tests pass one that advances a FakeClock.
  std::function<void(int64_t millis)> sleep;  // Default: std::this_thread::sleep_for.
};

// Drains the delivery queue: direct messages first, then due scheduled items, then the next
// campaign chunk (round-robin across campaigns). Renders each message at send time, checks
// consent and quiet hours, takes the provider's rate limit, sends through the provider and
// records the outcomes. Stateless: any number of workers, in any number of processes, share
// one Redis.
class DeliveryWorker {
 public:
  DeliveryWorker(WorkerDeps deps, WorkerOptions options);
  ~DeliveryWorker();

  // Runs `options.threads` threads until Stop().
  void Start();
  void Stop();

  // One pass over the three lanes on the calling thread; the number of messages handled.
  // Tests drive the worker with this and an injected clock.
  absl::StatusOr<size_t> RunOnce();

 private:
  struct Batch;    // What one Deliver call's messages refer to, read once.
  struct Pending;  // A message ready for its provider.
  struct Group;    // One group of messages on its way: outcomes so far, messages to send.

  absl::StatusOr<size_t> DrainDirect(const std::vector<std::string>& orgs);
  absl::StatusOr<size_t> DrainScheduled(const std::vector<std::string>& orgs);
  absl::StatusOr<size_t> DrainOneChunk();
  // RsvpResponder::Sweep for each organisation whose interval lock this worker takes.
  // Failures are logged: housekeeping never stops delivery.
  void SweepInvitations(const std::vector<std::string>& orgs);
  // The cascade steps it queued (work for the next pass).
  size_t SweepCascades(const std::vector<std::string>& orgs);
  // Sends `messages` of one organisation in groups and records their outcomes. For a chunk,
  // `claim` is renewed between groups and released when the campaign is paused.
  absl::StatusOr<size_t> Deliver(const std::string& org_id, std::vector<ClaimedMessage> messages,
                                 const ChunkClaim* claim);
  absl::StatusOr<Batch> LoadBatch(const std::string& org_id,
                                  const std::vector<ClaimedMessage>& messages);
  // Campaign states and per-person waits for one group, read fresh (pause within a group).
  // When each person with a message on a channel with a service window last wrote from its
  // address (Batch::last_inbound), in one round trip.
  absl::Status LoadLastInbound(Batch& batch, const std::vector<ClaimedMessage>& messages);
  // Whether `address`'s customer-service window is open at batch.now.
  static bool WindowOpen(const Batch& batch, const Contact& c, const Address& address);
  absl::Status ReadControl(Batch& batch, std::span<const ClaimedMessage> group);
  // Checks, quiet hours and rendering: each message becomes an outcome or a Pending.
  void Prepare(Batch& batch, const ClaimedMessage& m, Group& group);
  // A campaign with an in-channel survey asks its first question with the message, above the
  // opt-out paragraph.
  static void AddFirstQuestion(const InChannelSurvey& survey, Pending& p);
  // What the campaign's state or an earlier campaign makes of a message; nullopt: it goes on.
  static std::optional<MessageOutcome> CampaignOutcome(Batch& batch, const ClaimedMessage& m);
  // The message to `address` of contact `c` before its content: ids and e-mail headers.
  Pending PendingFor(const Batch& batch, const ClaimedMessage& m, const Contact& c,
                     const Address& address, bool consent_confirmation) const;
  // A direct message's content, from its parsed `payload` (Markdown as HTML for e-mail).
  static void FillDirect(const nlohmann::json& payload, Pending& p);
  // Renders a campaign message for `c`, or the outcome when quiet hours or rendering stop it.
  std::optional<MessageOutcome> RenderCampaign(Batch& batch, const Contact& c, Pending& p,
                                               Group& group);
  // The person's own page of the event (/e/<token>); "" without tokens.
  std::string EventPageUrl(const Event& event, const Contact& c) const;
  // What an event message adds to its rendered text: the answer prompt, the links to the
  // person's event page (`page_url`, EventPageUrl's, computed once for the template's
  // variables), the calendar file on e-mail, Messenger's event-update tag.
  void AddEventParts(const Event& event, const Campaign& campaign, const Contact& c,
                     std::string_view page_url, int64_t now, Pending& p) const;
  // The default language of a post (cached in the batch); "" for none.
  std::string PostLanguage(Batch& batch, const std::string& post_id);
  // Sends the group's pending messages per channel within the provider's rate limit.
  // `renew` keeps the claim while waiting for the limit.
  absl::Status Send(Batch& batch, Group& group, const std::function<absl::Status()>& renew);
  // The conversation entry of a message its provider accepted (`out` is what was sent),
  // kept in the group until NoteSent.
  void NoteFor(const Pending& p, const OutboundMessage& out, const MessageOutcome& sent,
               Group& group) const;
  // Notes the group's sent messages in each person's conversation (after Record).
  absl::Status NoteSent(const Batch& batch, const Group& group);
  absl::StatusOr<std::vector<std::string>> OrgIds();
  void Loop();

  WorkerDeps deps_;
  WorkerOptions options_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::mutex mu_;  // Guards the caches below.
  std::vector<std::string> org_ids_;
  int64_t org_ids_at_ = 0;
};

}  // namespace ogw
