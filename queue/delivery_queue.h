#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/clock.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"
#include "queue/campaign_state.h"
#include "queue/packed_recipients.h"

namespace ogw {

// The delivery queue in Redis: three lanes (campaign chunks, scheduled, direct), leases by
// score, results recorded atomically per organisation. Design, keys and failure behaviour:
// docs/ARCHITECTURE.md, "Delivery queue". Thread-safe; any number of processes may share one
// Redis.
struct QueueOptions {
  size_t chunk_size = 1000;  // Recipients per chunk; a multiple of 8 (whole bitmap bytes).
  int64_t lease_millis = 60'000;
};


// A message the queue handed to a worker.
struct ClaimedMessage {
  enum class Lane { kChunk, kScheduled, kDirect };
  Lane lane = Lane::kChunk;
  std::string campaign_id;  // Empty for direct messages.
  int64_t index = 0;        // Position in the campaign.
  int attempt = 0;          // Attempts already made.
  QueuedRecipient recipient;
  std::string member;       // Scheduled and direct lanes: the item's member in its zset.
  std::string direct_id;    // Direct lane: the message id.
  std::string payload;      // Direct lane: the message JSON given to EnqueueDirect.
  bool already_sent = false;  // Scheduled lane: the sent bit is set (complete it as kSent).
  std::string campaign_state;  // Scheduled lane: the campaign's state at claim time.
  int step = 0;  // Cascades: which of the person's channels this is (0: the chunk's).
};

struct ChunkClaim {
  std::string org_id;
  std::string campaign_id;
  int64_t chunk = 0;
  std::vector<ClaimedMessage> messages;  // Those neither done nor sent.
};

// What became of one claimed message. Recording is idempotent per claim: a message completed
// twice (a reclaimed lease racing its first worker) is counted once.
struct MessageOutcome {
  enum class Kind {
    kSent,      // The provider accepted it.
    kFailed,    // Permanent failure (code, reason).
    kRetry,     // Transient failure: attempt + 1 at due_millis.
    kDeferred,  // Not attempted (quiet hours, rate): back in the scheduled lane at due_millis.
    kDead,      // Transient failure on the last attempt: to the dead letters.
    kDropped,   // Campaign cancelled: removed unsent.
    kHeld,      // Scheduled or direct item of a paused campaign: back at due_millis, uncounted.
  };
  Kind kind = Kind::kSent;
  ClaimedMessage message;
  int64_t due_millis = 0;
  std::string code;
  std::string reason;
  std::string provider_message_id;
  std::string channel;   // Channel name, kept in dead letters.
  std::string language;  // kSent campaign messages: the template language used (counted).
  int64_t units = 1;     // kSent: what it cost (SMS segments), counted per channel.
};

struct DirectMessageInput {
  std::string contact_id;
  uint8_t channel = 0;
  uint8_t address_index = 0;
  nlohmann::json payload;  // Opaque to the queue (text, subject, author, ...).
  int64_t send_at_millis = 0;  // 0: now.
};

// A campaign's audience snapshot as the launcher encodes it (gateway/reports/audience_snapshot):
// `width` bytes per recipient, in recipient order, and the hash that says what they mean. The
// queue stores both next to the chunks and reads neither.
struct AudienceRecords {
  std::string records;
  size_t width = 0;
  std::vector<std::pair<std::string, std::string>> dictionary;
};

// A campaign sent on several channels per person, step after step (CascadePlan::kCascade), or
// on every one at once (kAll). Step 0 is the chunk record's channel and address; `steps` holds
// `width` more per recipient, in recipient order, 2 bytes each (channel, address index;
// channel kNoStep: none).
struct CascadePlan {
  enum class Mode { kCascade, kAll };
  static constexpr uint8_t kNoStep = 0xFF;
  Mode mode = Mode::kCascade;
  size_t width = 0;
  std::string steps;
  // The next step goes when the current one is not delivered this long after it was sent
  // (at once when it failed).
  int64_t undelivered_after_millis = 0;
  // When set: also when the person neither replied nor clicked this long after it was sent.
  int64_t unanswered_after_millis = 0;
  // Channel codes whose providers report delivery: on the others a sent message that no
  // report called undelivered counts as delivered.
  std::string reporting_channels;
};

struct DirectStatus {
  std::string status;  // queued, sending, retrying, sent, failed, dead
  int attempts = 0;
  std::string code;
  std::string reason;
  std::string provider_message_id;
  int64_t at_millis = 0;
};

// A campaign's queue state (nullopt before its launch) and counters, as CampaignStats.
struct CampaignDelivery {
  std::optional<CampaignState> state;
  std::map<std::string, int64_t> stats;
};

struct DeadLetter {
  std::string id;  // "<campaign>:<index>" or the direct message id.
  nlohmann::json detail;
};

// One page of dead letters, in no particular order; next_cursor is "" after the last page.
struct DeadLetterPage {
  std::vector<DeadLetter> items;
  std::string next_cursor;
};

class DeliveryQueue {
 public:
  DeliveryQueue(RedisPool* redis, const Clock* clock, QueueOptions options = {});

  const QueueOptions& options() const { return options_; }

  // Campaign lane. Writes the packed recipients as chunks, then makes the campaign claimable
  // from `start_at_millis` (0: now). AlreadyExists when the campaign was enqueued before.
  // Recipients must be sorted by contact id, one per contact (the launcher does this): the
  // per-person order across campaigns finds them by binary search.
  // `audience` (optional) is stored as the campaign's report snapshot, uninterpreted.
  // `cascade` (optional) gives each recipient's later steps.
  absl::Status EnqueueCampaign(std::string_view org_id, std::string_view campaign_id,
                               std::string_view packed, int64_t start_at_millis,
                               const AudienceRecords& audience = {},
                               const CascadePlan* cascade = nullptr);
  // Moves the people of the organisation's cascades whose check is due: those who were
  // reached (delivered, or answered when that is asked), replied, opted out or completed stop;
  // the others get their next step in the scheduled lane. One script per campaign and batch,
  // so a crash repeats or loses no step. Returns the steps queued.
  absl::StatusOr<size_t> SweepCascades(std::string_view org_id, size_t limit = 500);
  // Rotates the campaign ring and claims the next chunk of the first campaign that has one.
  // nullopt when no campaign has a claimable chunk.
  absl::StatusOr<std::optional<ChunkClaim>> ClaimChunk();
  absl::Status RenewChunk(const ChunkClaim& claim);
  // Gives a claimed chunk back unfinished (paused campaign): claimable again at once.
  absl::Status ReleaseChunk(const ChunkClaim& claim);
  // Every message of the chunk has an outcome recorded.
  absl::Status FinishChunk(const ChunkClaim& claim);
  // Extends the leases of claimed scheduled and direct items that are still unrecorded (a
  // worker waiting on a rate limit keeps them). Never moves an item's due time earlier.
  absl::Status RenewItems(std::string_view org_id, std::span<const ClaimedMessage> messages);

  // Per-person ordering across campaigns: the contacts among `recipients` that still have an
  // unsettled message, on the same channel, from a campaign launched before `campaign_id`.
  // Their messages wait behind it.
  absl::StatusOr<std::set<std::string>> WaitingBehindEarlier(
      std::string_view org_id, std::string_view campaign_id,
      const std::vector<QueuedRecipient>& recipients);

  // Scheduled lane: up to `limit` due items of one organisation, leased.
  absl::StatusOr<std::vector<ClaimedMessage>> ClaimScheduled(std::string_view org_id,
                                                              size_t limit);

  // Direct lane: officer messages and replies, drained before campaign chunks. Returns the
  // message id.
  absl::StatusOr<std::string> EnqueueDirect(std::string_view org_id,
                                            const DirectMessageInput& input);
  // Up to `limit` due direct messages, at most one per person and channel, in queued order.
  absl::StatusOr<std::vector<ClaimedMessage>> ClaimDirect(std::string_view org_id, size_t limit);
  absl::StatusOr<std::optional<DirectStatus>> GetDirectStatus(std::string_view org_id,
                                                              std::string_view message_id);
  // The payload given to EnqueueDirect; nullopt when unknown (or erased with its contact).
  absl::StatusOr<std::optional<nlohmann::json>> GetDirectPayload(std::string_view org_id,
                                                                 std::string_view message_id);

  // The recipient of campaign message `index`, for a cascade on the channel and address of
  // the step in play; nullopt when the campaign's chunks are gone (never launched, or
  // cleaned up).
  absl::StatusOr<std::optional<QueuedRecipient>> CampaignRecipient(std::string_view org_id,
                                                                    std::string_view campaign_id,
                                                                    int64_t index);
  // The recipient of campaign message `index` on the step that used `channel` (a code of
  // Channel), and whether that step is the one in play; nullopt when no step of the person
  // used that channel. A delivery report names its channel: an SMS expiry reported hours late,
  // after the cascade went on to e-mail, is about the SMS, not the e-mail in play.
  struct StepRecipient {
    QueuedRecipient recipient;
    bool in_play = true;
  };
  absl::StatusOr<std::optional<StepRecipient>> CampaignRecipientOn(std::string_view org_id,
                                                                   std::string_view campaign_id,
                                                                   int64_t index, uint8_t channel);
  // A provider's delivery report on a sent message: `state` is "delivered" or "undelivered".
  // Campaign messages count it in their campaign's stats; a direct message's status moves to
  // it (with the code and reason) unless the message was erased. Idempotent per message and
  // state. False when the message is unknown. A report on a cascade's earlier step
  // (`in_play` false) no longer speaks for the person unless it says delivered: they were
  // reached after all.
  absl::StatusOr<bool> RecordDeliveryReport(std::string_view org_id, std::string_view message_id,
                                            std::string_view state, std::string_view code,
                                            std::string_view reason, bool in_play = true);

  // Records outcomes of claimed messages of one organisation, atomically.
  absl::Status Record(std::string_view org_id, std::span<const MessageOutcome> outcomes);

  // Control. Pause: scheduled|running -> paused; resume: paused -> running (scheduled if its
  // start is still ahead); cancel: anything but finished -> cancelled. FailedPrecondition
  // naming the current state otherwise; NotFound when never enqueued.
  absl::StatusOr<CampaignState> Pause(std::string_view org_id, std::string_view campaign_id);
  absl::StatusOr<CampaignState> Resume(std::string_view org_id, std::string_view campaign_id);
  absl::StatusOr<CampaignState> Cancel(std::string_view org_id, std::string_view campaign_id);
  absl::StatusOr<std::optional<CampaignState>> State(std::string_view org_id,
                                                     std::string_view campaign_id);

  // Counters of one campaign: queued, sent, failed, retried, deferred, dead, cancelled,
  // rate_limited, requeued, pending (queued minus settled), in_flight (unfinished messages of
  // chunks leased to a worker now), language:<tag> (messages sent per template language),
  // clicks and people_clicked (tracked links; CampaignResponses), people_replied,
  // people_opted_out, units:<channel>, fail:<code>.
  absl::StatusOr<std::map<std::string, int64_t>> CampaignStats(std::string_view org_id,
                                                               std::string_view campaign_id);
  // State and counters of many campaigns in two round trips.
  absl::StatusOr<std::vector<CampaignDelivery>> Deliveries(
      std::string_view org_id, const std::vector<std::string>& campaign_ids);
  absl::Status CountRateLimited(std::string_view org_id, std::string_view campaign_id,
                                int64_t messages);
  // The contacts whose bit is set in one of the campaign's outcome bitmaps (`bitmap_suffix`:
  // CampaignKeys::kReplied, kClicked, ...). Reads the bitmap and the chunks holding set bits;
  // empty when the campaign's chunks are gone.
  absl::StatusOr<std::vector<std::string>> RecipientsMarked(std::string_view org_id,
                                                            std::string_view campaign_id,
                                                            std::string_view bitmap_suffix);
  // Failure reason of one campaign message, when it failed.
  absl::StatusOr<std::optional<nlohmann::json>> FailureOf(std::string_view org_id,
                                                          std::string_view campaign_id,
                                                          int64_t index);
  // Items waiting in the scheduled and direct lanes and dead letters of an organisation.
  absl::StatusOr<std::map<std::string, int64_t>> LaneSizes(std::string_view org_id);

  // Dead letters.
  absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(std::string_view org_id);
  // About `count` dead letters from `cursor` ("" for the first page): bounded work per call
  // however many there are (HSCAN: each is listed at least once across the pages).
  absl::StatusOr<DeadLetterPage> ListDeadLetters(std::string_view org_id,
                                                 std::string_view cursor, size_t count);
  absl::StatusOr<std::optional<DeadLetter>> GetDeadLetter(std::string_view org_id,
                                                          std::string_view id);
  // Puts a dead letter back in its lane, due now, with a fresh attempt count. NotFound when
  // absent.
  absl::Status RequeueDeadLetter(std::string_view org_id, std::string_view id);

  // Erasure: removes a contact's direct messages (texts, statuses, lane entries), its
  // per-person ordering state and its dead letters. Work is proportional to the person's own
  // messages, never to the size of the lanes (the contact's message ids and dead letters are
  // indexed). `channels`: every channel value the contact's messages may have used. A message
  // a worker already holds may still go out; its outcome is then ignored.
  absl::Status ForgetContact(std::string_view org_id, std::string_view contact_id,
                             std::span<const uint8_t> channels);

  // A campaign that sends nothing (a bulletin's, which publishes): finished at once, with no
  // recipient, so it reads like any ended campaign.
  absl::Status FinishWithoutMessages(std::string_view org_id, std::string_view campaign_id);

  // Drops the chunks and sending bitmaps of a finished or cancelled campaign (the stats and
  // the report's data stay).
  absl::Status Cleanup(std::string_view org_id, std::string_view campaign_id);

 private:
  absl::StatusOr<CampaignState> Transition(std::string_view org_id, std::string_view campaign_id,
                                           CampaignAction action);
  // SweepCascades for one campaign; adds the steps it queued to `queued`.
  absl::Status SweepCascade(std::string_view org_id, std::string_view campaign_id, size_t limit,
                            size_t* queued);
  // CampaignRecipient and CampaignRecipientOn: the step in play, or the step on `channel`.
  absl::StatusOr<std::optional<StepRecipient>> ReadSteps(std::string_view org_id,
                                                         std::string_view campaign_id,
                                                         int64_t index,
                                                         std::optional<uint8_t> channel);

  RedisPool* redis_;
  const Clock* clock_;
  QueueOptions options_;
};

}  // namespace ogw
