#pragma once

// Every Redis key the gateway uses is built here, so the schema documented in
// docs/ARCHITECTURE.md has exactly one implementation.
//
// Keys of one organisation share the hash tag {o:<org_id>}: every multi-key operation (a Lua
// script, a MULTI) touches one organisation only, so on Redis Cluster all its keys sit in one
// slot and those operations stay atomic. Global keys (the organisation list and the API key
// directory) are small and are only ever read or written one key at a time.

#include <string>
#include <string_view>

namespace ogw::keys {

inline std::string Tag(std::string_view org_id) {
  return "{o:" + std::string(org_id) + "}";
}

// Global.
inline std::string Orgs() { return "ogw:orgs"; }        // HASH org_id -> organisation JSON
inline std::string KeyDirectory() { return "ogw:keydir"; }  // HASH key_id -> org_id
// Tracked links are resolved from the token alone, before the organisation is known.
inline std::string TrackedLink(std::string_view token) {
  return "ogw:lnk:" + std::string(token);
}
// Secrets the gateway generates for itself when the config names none.
inline std::string GeneratedSecret(std::string_view name) {
  return "ogw:secret:" + std::string(name);
}

// The officers' dashboard (gateway/auth): a session by its id (HASH org, officer, secret's
// SHA-256, CSRF token, created, renewed; TTL the idle timeout), found from the cookie alone;
// the officer an e-mail address signs in to, by the SHA-256 of the lower-cased address
// ("<org>/<officer>"); an unused invitation by the SHA-256 of its token ("<org>/<officer>").
inline std::string Session(std::string_view id) { return "ogw:session:" + std::string(id); }
inline std::string OfficerEmail(std::string_view email_sha256) {
  return "ogw:officer-email:" + std::string(email_sha256);
}
inline std::string OfficerInvitation(std::string_view token_sha256) {
  return "ogw:officer-invite:" + std::string(token_sha256);
}

// Provider accounts added through the API: one hash tag, so a definition and the version
// counter every process watches change in one script.
inline std::string ProviderDefinitions() { return "{providers}:defs"; }  // HASH name -> JSON
inline std::string ProviderVersion() { return "{providers}:version"; }   // counter
// Provider types that register at the provider (ProviderType::Register): the definition
// digest each account was registered with, and the lease of the process registering it.
inline std::string ProviderRegistered() { return "{providers}:registered"; }  // HASH name -> digest
inline std::string ProviderRegistering(std::string_view name) {
  return "{providers}:registering:" + std::string(name);
}

// Per organisation.
inline std::string Posts(std::string_view org) { return Tag(org) + ":posts"; }
// Addresses whose owner opted out, as SHA-256 of "<org>:<kind>:<value>" -> "<millis> <source>":
// the opt-out outlives the address being deleted and added again, or erasure.
inline std::string Suppressed(std::string_view org) { return Tag(org) + ":suppressed"; }
inline std::string Officers(std::string_view org) { return Tag(org) + ":officers"; }
inline std::string ApiKeys(std::string_view org) { return Tag(org) + ":keys"; }
// Officers' password hashes (HASH officer id -> PasswordHash's form), apart from the officers'
// documents so no answer that shows an officer can carry one.
inline std::string Passwords(std::string_view org) { return Tag(org) + ":passwords"; }
// Failed passwords of an officer in the current window (counter with a TTL).
inline std::string PasswordFailures(std::string_view org, std::string_view officer) {
  return Tag(org) + ":pwfail:" + std::string(officer);
}
// The sessions of an officer (SET of ids; some may have expired), ended together.
inline std::string OfficerSessions(std::string_view org, std::string_view officer) {
  return Tag(org) + ":sessions:" + std::string(officer);
}
// The SHA-256 of an officer's open invitation, so a new one ends it.
inline std::string OfficerInvitationOf(std::string_view org, std::string_view officer) {
  return Tag(org) + ":invite-of:" + std::string(officer);
}
inline std::string Contacts(std::string_view org) { return Tag(org) + ":contacts"; }
inline std::string ContactVersions(std::string_view org) { return Tag(org) + ":cver"; }
inline std::string AddressIndex(std::string_view org) { return Tag(org) + ":addr"; }
inline std::string ContactIds(std::string_view org) { return Tag(org) + ":ids"; }
// Contacts of one post; post "" (no post) is stored as "_".
inline std::string PostContactIds(std::string_view org, std::string_view post) {
  return Tag(org) + ":post:" + (post.empty() ? std::string("_") : std::string(post)) + ":ids";
}
inline std::string Segments(std::string_view org) { return Tag(org) + ":segments"; }
inline std::string Templates(std::string_view org) { return Tag(org) + ":templates"; }
inline std::string Events(std::string_view org) { return Tag(org) + ":events"; }  // HASH id -> JSON
// The template each launched campaign renders: frozen at launch, so later edits (by an
// officer of another post, say) do not change a running campaign. HASH campaign -> JSON.
inline std::string CampaignTemplates(std::string_view org) { return Tag(org) + ":ctpl"; }
inline std::string Stats(std::string_view org) { return Tag(org) + ":stats"; }
inline std::string Idempotency(std::string_view org, std::string_view key_id,
                               std::string_view digest) {
  return Tag(org) + ":idem:" + std::string(key_id) + ":" + std::string(digest);
}
// Idempotency records that hold a contact's data, deleted when the contact is erased.
inline std::string ContactIdempotency(std::string_view org, std::string_view contact_id) {
  return Tag(org) + ":cidem:" + std::string(contact_id);
}
// The tracked links minted for one contact: ZSET token -> expiry (millis), for erasure.
inline std::string ContactLinks(std::string_view org, std::string_view contact_id) {
  return Tag(org) + ":clnk:" + std::string(contact_id);
}
inline std::string RateLimit(std::string_view org, std::string_view key_id) {
  return Tag(org) + ":rl:" + std::string(key_id);
}
// The seat ledger of one event (gateway/invitations/event_seats.h): settings (HASH capacity,
// offer_ttl_ms, closed), people (HASH contact -> state JSON), counts (HASH state -> count),
// waitlist (ZSET contact -> ms waitlisted), offers (ZSET contact -> offer deadline ms), log
// (capped STREAM of changes).
// Every representative draw made for an event (LIST of JSON records, oldest first), and the
// candidates of the latest (STRING, JSON [[contact, group, ...], ...]) for replacements.
inline std::string EventSelections(std::string_view org, std::string_view event) {
  return Tag(org) + ":ev:" + std::string(event) + ":sel";
}
inline std::string EventSnapshot(std::string_view org, std::string_view event) {
  return Tag(org) + ":ev:" + std::string(event) + ":snap";
}
// The events a person is in (SET of event ids): erasure and replies find their events here.
inline std::string ContactEvents(std::string_view org, std::string_view contact) {
  return Tag(org) + ":cev:" + std::string(contact);
}
// ZSET campaign id -> ms: event messages (gateway/invitations/event_messages) waiting to launch.
inline std::string EventMessagesDue(std::string_view org) { return Tag(org) + ":evmsg:due"; }
// STRING, expiring: the worker that set it sweeps the organisation's invitations this interval.
inline std::string InvitationSweep(std::string_view org) { return Tag(org) + ":evsweep"; }
// STRING "1", one day: the person was told answers to the event have closed.
inline std::string EventClosedNotice(std::string_view org, std::string_view event,
                                     std::string_view contact) {
  return Tag(org) + ":ev:" + std::string(event) + ":closedtold:" + std::string(contact);
}
inline std::string EventSeatMeta(std::string_view org, std::string_view event) {
  return Tag(org) + ":ev:" + std::string(event) + ":meta";
}
inline std::string EventPeople(std::string_view org, std::string_view event) {
  return Tag(org) + ":ev:" + std::string(event) + ":people";
}
inline std::string EventCounts(std::string_view org, std::string_view event) {
  return Tag(org) + ":ev:" + std::string(event) + ":counts";
}
inline std::string EventWaitlist(std::string_view org, std::string_view event) {
  return Tag(org) + ":ev:" + std::string(event) + ":wait";
}
inline std::string EventOffers(std::string_view org, std::string_view event) {
  return Tag(org) + ":ev:" + std::string(event) + ":offers";
}
inline std::string EventLog(std::string_view org, std::string_view event) {
  return Tag(org) + ":ev:" + std::string(event) + ":log";
}

// Delivery queue (docs/ARCHITECTURE.md, "Delivery queue").
// GCRA state of an organisation's scans (segment previews, template validation).
inline std::string ScanRateLimit(std::string_view org) { return Tag(org) + ":rl:scans"; }
// GCRA state of one client address on the public routes (webhooks, /u/, /l/, /c/).
inline std::string PublicRateLimit(std::string_view address) {
  return "ogw:rlpub:" + std::string(address);
}
// GCRA state of the bulletin forms posted from one client address, and to one bulletin.
inline std::string FormRateLimit(std::string_view address) {
  return "ogw:rlform:" + std::string(address);
}
inline std::string BulletinFormRateLimit(std::string_view org, std::string_view post) {
  return Tag(org) + ":rl:bulform:" + std::string(post.empty() ? "-" : post);
}
inline std::string CampaignRing() { return "ogw:ring"; }  // LIST "<org>/<campaign>"
// Provider account rate limit; the hash tag keeps both buckets of an account in one slot.
inline std::string ProviderRate(std::string_view account, std::string_view window) {
  return "ogw:prl:{" + std::string(account) + "}:" + std::string(window);
}
inline std::string Campaigns(std::string_view org) { return Tag(org) + ":campaigns"; }
// Prefix of one campaign's queue keys; the suffixes are named in queue/campaign_keys.h.
inline std::string CampaignQueue(std::string_view org, std::string_view campaign) {
  return Tag(org) + ":cmp:" + std::string(campaign);
}
inline std::string DueLane(std::string_view org) { return Tag(org) + ":due"; }
// Campaigns with unsettled messages, scored by launch order (per-person ordering across them).
inline std::string ActiveCampaigns(std::string_view org) { return Tag(org) + ":active"; }
inline std::string LaunchSequence(std::string_view org) { return Tag(org) + ":launchseq"; }
// Every launched campaign by launch time: which campaign a person's reply answers.
inline std::string LaunchedCampaigns(std::string_view org) { return Tag(org) + ":launched"; }
// Campaigns with a channel cascade still to sweep (SET of campaign ids).
inline std::string CascadingCampaigns(std::string_view org) { return Tag(org) + ":cascading"; }
// STRING, expiring: the worker that set it sweeps the organisation's cascades this interval.
inline std::string CascadeSweep(std::string_view org) { return Tag(org) + ":cascsweep"; }
inline std::string DirectLane(std::string_view org) { return Tag(org) + ":direct"; }
inline std::string DirectMessages(std::string_view org) { return Tag(org) + ":dmsg"; }
inline std::string DirectLocks(std::string_view org) { return Tag(org) + ":dlock"; }
// Ids of the direct messages to one contact, so erasure can remove their texts.
inline std::string ContactDirectMessages(std::string_view org, std::string_view contact_id) {
  return Tag(org) + ":cdmsg:" + std::string(contact_id);
}
inline std::string DeadLetters(std::string_view org) { return Tag(org) + ":dead"; }
// Ids of one contact's campaign dead letters, so erasure can remove them (the record script
// gets the prefix, this with an empty id, and appends the contact).
inline std::string ContactDeadLetters(std::string_view org, std::string_view contact_id) {
  return Tag(org) + ":cdead:" + std::string(contact_id);
}
// Set once the campaign dead letters recorded before the per-person index have been indexed.
inline std::string DeadLettersIndexed(std::string_view org) { return Tag(org) + ":cdeadidx"; }
// A person being or just erased (TTL one day), named by the SHA-1 of their id so that nothing
// left names them: the queue takes no new message for them and keeps no dead letter naming
// them (the record script gets the prefix, this with an empty hash, and appends
// redis.sha1hex of the contact).
inline std::string ErasedContact(std::string_view org, std::string_view contact_id_sha1) {
  return Tag(org) + ":erased:" + std::string(contact_id_sha1);
}
// Conversations (docs/ARCHITECTURE.md, "Conversations and the life of a reply").
// One person's log across all channels: a capped stream.
inline std::string Conversation(std::string_view org, std::string_view contact_id) {
  return Tag(org) + ":conv:" + std::string(contact_id);
}
// When the person last wrote, per address ("<kind>:<value>" -> millis), and on which channel
// and address they last wrote ("channel", "address", "at"): the customer-service windows of
// WhatsApp and Messenger, and where an officer's reply goes.
inline std::string LastInbound(std::string_view org, std::string_view contact_id) {
  return Tag(org) + ":lastin:" + std::string(contact_id);
}
// The gateway message a provider's message id stands for, for providers whose reports name
// only their own id (SendResult::reports_name_provider_id); TTL 7 days.
inline std::string ProviderMessage(std::string_view org, std::string_view provider,
                                   std::string_view provider_message_id) {
  return Tag(org) + ":pmid:" + std::string(provider) + ":" + std::string(provider_message_id);
}
// References to the inbound entries of the people of one post ("_": no post).
inline std::string Inbox(std::string_view org, std::string_view post) {
  return Tag(org) + ":inbox:" + (post.empty() ? std::string("_") : std::string(post));
}
// The officers' view of one person's conversation: state, assignee, labels, version
// (gateway/conversations/conversation_threads).
inline std::string Thread(std::string_view org, std::string_view contact_id) {
  return Tag(org) + ":thread:" + std::string(contact_id);
}
// Prefix of the inbox index sets: <prefix><post or _>[:s:<state>|:a:<officer>|:c:<channel>|
// :l:<label>|:k:<campaign>], each scored by last activity (the thread script derives them).
inline std::string ThreadIndexPrefix(std::string_view org) { return Tag(org) + ":threads:"; }
// Canned answers of the organisation's posts (id -> JSON).
inline std::string CannedAnswers(std::string_view org) { return Tag(org) + ":canned"; }
// Bulletins: every entry of the organisation (HASH id -> JSON); each bulletin's entries that are
// not withdrawn (ZSET id -> published_at) and its stamp (HASH version, changed_at: every change
// increments the version). `post` "" is the organisation's own bulletin.
inline std::string BulletinEntries(std::string_view org) { return Tag(org) + ":bul"; }
inline std::string Bulletin(std::string_view org, std::string_view post) {
  return Tag(org) + ":bul:p:" + (post.empty() ? std::string("-") : std::string(post));
}
inline std::string BulletinStamp(std::string_view org, std::string_view post) {
  return Tag(org) + ":bul:v:" + (post.empty() ? std::string("-") : std::string(post));
}
// Marks an inbound message or report as handled, so a provider's retry is not stored twice.
inline std::string InboundSeen(std::string_view org, std::string_view provider,
                               std::string_view provider_message_id) {
  return Tag(org) + ":inb:" + std::string(provider) + ":" + std::string(provider_message_id);
}
// Capped list of what a provider delivered that could not be read (inbound quarantine).
inline std::string Quarantine(std::string_view org, std::string_view provider) {
  return Tag(org) + ":quarantine:" + std::string(provider);
}
// Marks a person's click on one link of one campaign as noted in their conversation this hour.
inline std::string ClickNoted(std::string_view org, std::string_view contact_id,
                              std::string_view campaign_id, std::string_view link_index) {
  return Tag(org) + ":clicked:" + std::string(contact_id) + ":" + std::string(campaign_id) +
         ":" + std::string(link_index);
}
// Marks that a person was asked to confirm a START on a channel today (one request a day).
inline std::string OptInRequested(std::string_view org, std::string_view contact_id,
                                  std::string_view channel) {
  return Tag(org) + ":optinreq:" + std::string(contact_id) + ":" + std::string(channel);
}
// Wrong confirmation codes typed today for a contact's channel (at most a few a day).
inline std::string OptInCodeTries(std::string_view org, std::string_view contact_id,
                                  std::string_view channel) {
  return Tag(org) + ":optincodetries:" + std::string(contact_id) + ":" + std::string(channel);
}
// Capped stream of what the sandbox provider would have sent.
inline std::string SandboxOutbox(std::string_view org) { return Tag(org) + ":sandbox"; }

}  // namespace ogw::keys
