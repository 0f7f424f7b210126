#include "gateway/contacts/contact_store.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "gateway/contacts/contact_json.h"
#include "gateway/contacts/put_contact.lua.h"
#include "gateway/conversations/conversation_threads.h"
#include "gateway/core/crypto.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

// gateway/contacts/put_contact.lua
const RedisScript kPutScript{std::string(lua::kPutContact)};

// KEYS: contacts, versions, address index, all ids, post ids, stats, contact idempotency set,
//       then the idempotency records to delete.
// ARGV: id, expected version, address keys...
const RedisScript kEraseScript(R"lua(
local id = ARGV[1]
local current = tonumber(redis.call('HGET', KEYS[2], id) or '0')
if current == 0 then return 'missing' end
if current ~= tonumber(ARGV[2]) then return 'version' end
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[3], ARGV[i]) == id then redis.call('HDEL', KEYS[3], ARGV[i]) end
end
redis.call('HDEL', KEYS[1], id)
redis.call('HDEL', KEYS[2], id)
redis.call('ZREM', KEYS[4], id)
redis.call('ZREM', KEYS[5], id)
for i = 7, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('HINCRBY', KEYS[6], 'contacts_erased', 1)
return 'ok'
)lua");

constexpr size_t kScanBatch = 1000;
// HSCAN batches ForEach fetches ahead of the one being parsed.
constexpr size_t kPrefetchDepth = 2;

std::vector<std::string> AddressKeys(const Contact& c) {
  std::vector<std::string> out;
  out.reserve(c.addresses.size());
  for (const auto& a : c.addresses) out.push_back(AddressKey(a));
  return out;
}

absl::StatusOr<int64_t> ParseInt(const RedisReply& r) {
  if (r.type == RedisReply::Type::kInteger) return r.integer;
  if (r.type == RedisReply::Type::kString) {
    try {
      return std::stoll(r.str);
    } catch (...) {
    }
  }
  return absl::DataLossError("redis: expected an integer");
}

}  // namespace

ContactStore::ContactStore(RedisPool* redis, std::string suppression_key)
    : redis_(redis), suppression_key_(std::move(suppression_key)) {}

absl::StatusOr<std::optional<StoredContact>> ContactStore::Get(std::string_view org_id,
                                                               std::string_view contact_id) {
  ASSIGN_OR_RETURN(auto many, GetMany(org_id, {std::string(contact_id)}));
  return std::move(many.front());
}

absl::StatusOr<std::vector<std::optional<StoredContact>>> ContactStore::GetMany(
    std::string_view org_id, const std::vector<std::string>& contact_ids) {
  std::vector<std::optional<StoredContact>> out(contact_ids.size());
  if (contact_ids.empty()) return out;
  std::vector<std::string> docs_cmd = {"HMGET", keys::Contacts(org_id)};
  std::vector<std::string> vers_cmd = {"HMGET", keys::ContactVersions(org_id)};
  docs_cmd.insert(docs_cmd.end(), contact_ids.begin(), contact_ids.end());
  vers_cmd.insert(vers_cmd.end(), contact_ids.begin(), contact_ids.end());
  ASSIGN_OR_RETURN(auto replies, redis_->Pipeline({docs_cmd, vers_cmd}));
  RETURN_IF_ERROR(replies[0].AsStatus());
  RETURN_IF_ERROR(replies[1].AsStatus());
  for (size_t i = 0; i < contact_ids.size(); ++i) {
    const RedisReply& doc = replies[0].elements[i];
    if (doc.IsNil()) continue;
    ASSIGN_OR_RETURN(Contact c, ParseStoredContact(doc.str));
    int64_t version = 0;
    if (!replies[1].elements[i].IsNil()) {
      ASSIGN_OR_RETURN(version, ParseInt(replies[1].elements[i]));
    }
    out[i] = StoredContact{std::move(c), version};
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ContactStore::FindOwners(
    std::string_view org_id, const std::vector<std::string>& address_keys) {
  std::vector<std::string> out(address_keys.size());
  if (address_keys.empty()) return out;
  std::vector<std::string> cmd = {"HMGET", keys::AddressIndex(org_id)};
  cmd.insert(cmd.end(), address_keys.begin(), address_keys.end());
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Command(cmd));
  for (size_t i = 0; i < address_keys.size() && i < reply.elements.size(); ++i) {
    if (!reply.elements[i].IsNil()) out[i] = reply.elements[i].str;
  }
  return out;
}

std::vector<std::string> ContactStore::PutKeys(const Contact& c, const Contact* previous) {
  const std::string& org = c.org_id;
  return {keys::Contacts(org),
          keys::ContactVersions(org),
          keys::AddressIndex(org),
          keys::ContactIds(org),
          keys::PostContactIds(org, c.post_id),
          keys::PostContactIds(org, previous != nullptr ? previous->post_id : c.post_id),
          keys::Stats(org)};
}

std::vector<std::string> ContactStore::PutArgs(const Contact& c, int64_t expected_version,
                                               const Contact* previous) {
  std::vector<std::string> args = {c.id, std::to_string(expected_version), SerializeContact(c)};
  std::vector<std::string> fresh = AddressKeys(c);
  args.push_back(std::to_string(fresh.size()));
  args.insert(args.end(), fresh.begin(), fresh.end());
  std::vector<std::string> old =
      previous != nullptr ? AddressKeys(*previous) : std::vector<std::string>{};
  args.push_back(std::to_string(old.size()));
  args.insert(args.end(), old.begin(), old.end());
  return args;
}

absl::StatusOr<PutOutcome> ContactStore::ParseOutcome(const RedisReply& reply) {
  RETURN_IF_ERROR(reply.AsStatus());
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() < 2) {
    return absl::InternalError("contact put: unexpected reply");
  }
  PutOutcome out;
  const std::string& tag = reply.elements[0].str;
  if (tag == "ok") {
    out.code = PutOutcome::Code::kOk;
    ASSIGN_OR_RETURN(out.version, ParseInt(reply.elements[1]));
  } else if (tag == "version") {
    out.code = PutOutcome::Code::kVersionMismatch;
    ASSIGN_OR_RETURN(out.version, ParseInt(reply.elements[1]));
  } else {
    out.code = PutOutcome::Code::kAddressConflict;
    out.address_key = reply.elements[1].str;
    if (reply.elements.size() > 2) out.owner_id = reply.elements[2].str;
  }
  return out;
}

namespace {

// What versions before the keyed list wrote.
std::string LegacySuppressionField(std::string_view org_id, AddressKind kind,
                                   std::string_view value) {
  return Sha256Hex(std::string(org_id) + ":" + AddressKey(kind, value));
}

bool HadAddress(const Contact* previous, const Address& a) {
  if (previous == nullptr) return false;
  for (const Address& p : previous->addresses) {
    if (p.kind == a.kind && p.value == a.value) return true;
  }
  return false;
}

}  // namespace

std::string ContactStore::SuppressionField(std::string_view org_id, AddressKind kind,
                                           std::string_view value) const {
  if (suppression_key_.empty()) return LegacySuppressionField(org_id, kind, value);
  return HexEncode(
      HmacSha256(suppression_key_, std::string(org_id) + ":" + AddressKey(kind, value)));
}

absl::Status ContactStore::Suppress(std::string_view org_id, AddressKind kind,
                                    std::string_view value, std::string_view source,
                                    int64_t now_millis) {
  const std::string key = keys::Suppressed(org_id);
  const std::string field = SuppressionField(org_id, kind, value);
  const std::string legacy = LegacySuppressionField(org_id, kind, value);
  std::vector<std::vector<std::string>> commands = {
      {"HSET", key, field, std::to_string(now_millis) + " " + std::string(source)}};
  if (legacy != field) commands.push_back({"HDEL", key, legacy});
  ASSIGN_OR_RETURN(auto replies, redis_->Pipeline(commands));
  for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return absl::OkStatus();
}

absl::Status ContactStore::Unsuppress(std::string_view org_id, AddressKind kind,
                                      std::string_view value) {
  return redis_
      ->Command({"HDEL", keys::Suppressed(org_id), SuppressionField(org_id, kind, value),
                 LegacySuppressionField(org_id, kind, value)})
      .status();
}

absl::Status ContactStore::ApplySuppression(std::vector<PutRequest>& requests,
                                            std::vector<std::unique_ptr<Contact>>& copies) {
  // Addresses new to their contact and not already opted out, by organisation (one in
  // practice): one HMGET each.
  struct Candidate {
    size_t request;
    size_t address;
  };
  std::map<std::string, std::pair<std::vector<Candidate>, std::vector<std::string>>> by_org;
  for (size_t r = 0; r < requests.size(); ++r) {
    const Contact& c = *requests[r].contact;
    for (size_t i = 0; i < c.addresses.size(); ++i) {
      const Address& a = c.addresses[i];
      if (a.opted_out || HadAddress(requests[r].previous, a)) continue;
      auto& [candidates, command] = by_org[c.org_id];
      if (command.empty()) command = {"HMGET", keys::Suppressed(c.org_id)};
      candidates.push_back({r, i});
      command.push_back(SuppressionField(c.org_id, a.kind, a.value));
      command.push_back(LegacySuppressionField(c.org_id, a.kind, a.value));
    }
  }
  std::map<size_t, Contact*> copied;  // Request -> its copy.
  for (const auto& [org, work] : by_org) {
    const auto& [candidates, command] = work;
    ASSIGN_OR_RETURN(RedisReply found, redis_->Command(command));
    for (size_t k = 0; k < candidates.size() && 2 * k + 1 < found.elements.size(); ++k) {
      if (found.elements[2 * k].IsNil() && found.elements[2 * k + 1].IsNil()) continue;
      const Candidate& c = candidates[k];
      Contact*& copy = copied[c.request];
      if (copy == nullptr) {
        copies.push_back(std::make_unique<Contact>(*requests[c.request].contact));
        copy = copies.back().get();
        requests[c.request].contact = copy;
      }
      Address& a = copy->addresses[c.address];
      a.opted_out = true;
      a.opted_out_at_millis = copy->updated_at_millis;
      a.consent = Consent{ConsentState::kWithdrawn, "suppression", copy->updated_at_millis};
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PutOutcome> ContactStore::Put(const Contact& contact, int64_t expected_version,
                                             const Contact* previous) {
  std::vector<PutRequest> request = {{&contact, expected_version, previous}};
  std::vector<std::unique_ptr<Contact>> copies;
  RETURN_IF_ERROR(ApplySuppression(request, copies));
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_->Eval(kPutScript, PutKeys(*request[0].contact, previous),
                                PutArgs(*request[0].contact, expected_version, previous)));
  ASSIGN_OR_RETURN(PutOutcome outcome, ParseOutcome(reply));
  if (outcome.code == PutOutcome::Code::kOk) FollowPostMove(contact, previous);
  return outcome;
}

void ContactStore::FollowPostMove(const Contact& contact, const Contact* previous) {
  if (previous == nullptr || previous->post_id == contact.post_id) return;
  // The contact is stored; should this fail, listing the old post's inbox moves it later.
  absl::Status moved =
      ConversationThreads(redis_, nullptr).Move(contact.org_id, contact.id, contact.post_id);
  if (!moved.ok()) {
    spdlog::warn("contacts: conversation of {} not moved to its new post yet: {}", contact.id,
                 MessageOf(moved));
  }
}

absl::StatusOr<std::vector<PutOutcome>> ContactStore::PutMany(
    const std::vector<PutRequest>& original) {
  std::vector<PutOutcome> out;
  if (original.empty()) return out;
  std::vector<PutRequest> requests = original;
  std::vector<std::unique_ptr<Contact>> copies;
  RETURN_IF_ERROR(ApplySuppression(requests, copies));
  std::vector<std::vector<std::string>> commands;
  commands.reserve(requests.size() + 1);
  // Loading the script first makes every EVALSHA in the batch valid even right after a
  // Redis restart that emptied the script cache.
  commands.push_back({"SCRIPT", "LOAD", kPutScript.source()});
  for (const auto& r : requests) {
    commands.push_back(
        RedisConnection::EvalShaArgs(kPutScript, PutKeys(*r.contact, r.previous),
                                     PutArgs(*r.contact, r.expected_version, r.previous)));
  }
  ASSIGN_OR_RETURN(auto replies, redis_->Pipeline(commands));
  RETURN_IF_ERROR(replies[0].AsStatus());
  out.reserve(requests.size());
  for (size_t i = 1; i < replies.size(); ++i) {
    ASSIGN_OR_RETURN(PutOutcome o, ParseOutcome(replies[i]));
    if (o.code == PutOutcome::Code::kOk) {
      FollowPostMove(*requests[i - 1].contact, requests[i - 1].previous);
    }
    out.push_back(std::move(o));
  }
  return out;
}

absl::Status ContactStore::Erase(std::string_view org_id, const StoredContact& stored) {
  const Contact& contact = stored.contact;
  const std::string cidem = keys::ContactIdempotency(org_id, contact.id);
  ASSIGN_OR_RETURN(RedisReply members, redis_->Command({"SMEMBERS", cidem}));
  std::vector<std::string> ks = {keys::Contacts(org_id),
                                 keys::ContactVersions(org_id),
                                 keys::AddressIndex(org_id),
                                 keys::ContactIds(org_id),
                                 keys::PostContactIds(org_id, contact.post_id),
                                 keys::Stats(org_id),
                                 cidem,
                                 keys::Conversation(org_id, contact.id),
                                 keys::LastInbound(org_id, contact.id)};
  for (const auto& m : members.elements) ks.push_back(m.str);
  std::vector<std::string> args = {contact.id, std::to_string(stored.version)};
  for (auto& a : AddressKeys(contact)) args.push_back(std::move(a));
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Eval(kEraseScript, ks, args));
  if (reply.str == "ok") return absl::OkStatus();
  if (reply.str == "missing") return absl::NotFoundError("contact not found");
  return absl::FailedPreconditionError("the contact changed meanwhile");
}

absl::Status ContactStore::MarkAddressInvalid(std::string_view org_id, std::string_view contact_id,
                                              AddressKind kind, std::string_view value,
                                              std::string_view reason, int64_t now_millis) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    ASSIGN_OR_RETURN(auto stored, Get(org_id, contact_id));
    if (!stored) return absl::OkStatus();
    Contact updated = stored->contact;
    bool changed = false;
    for (Address& a : updated.addresses) {
      if (a.kind == kind && a.value == value && !a.invalid) {
        a.invalid = true;
        // At most 200 bytes, never cutting a UTF-8 sequence.
        size_t end = std::min<size_t>(reason.size(), 200);
        while (end > 0 && end < reason.size() &&
               (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80) {
          --end;
        }
        a.invalid_reason = std::string(reason.substr(0, end));
        changed = true;
      }
    }
    if (!changed) return absl::OkStatus();
    updated.updated_at_millis = now_millis;
    ASSIGN_OR_RETURN(PutOutcome outcome, Put(updated, stored->version, &stored->contact));
    if (outcome.code == PutOutcome::Code::kVersionMismatch) continue;
    if (outcome.code != PutOutcome::Code::kOk) return absl::AbortedError("address not marked");
    return absl::OkStatus();
  }
  return absl::AbortedError("the contact changed repeatedly; try again");
}

absl::StatusOr<ContactPage> ContactStore::List(std::string_view org_id, const PostScope& scope,
                                               std::string_view cursor, size_t limit) {
  const std::string start = cursor.empty() ? "-" : "(" + std::string(cursor);
  std::vector<std::string> set_keys;
  if (scope.organisation_wide) {
    set_keys.push_back(keys::ContactIds(org_id));
  } else {
    for (const auto& p : scope.posts) set_keys.push_back(keys::PostContactIds(org_id, p));
  }
  std::vector<std::vector<std::string>> commands;
  for (const auto& k : set_keys) {
    commands.push_back({"ZRANGEBYLEX", k, start, "+", "LIMIT", "0", std::to_string(limit + 1)});
  }
  ContactPage page;
  if (commands.empty()) return page;
  ASSIGN_OR_RETURN(auto replies, redis_->Pipeline(commands));
  // Several post sets are merged by id; each is sorted, so the first limit+1 of the union
  // are among the first limit+1 of each set.
  std::set<std::string> ids;
  for (const auto& r : replies) {
    RETURN_IF_ERROR(r.AsStatus());
    for (const auto& e : r.elements) ids.insert(e.str);
  }
  std::vector<std::string> chosen(ids.begin(), ids.end());
  bool more = chosen.size() > limit;
  if (more) chosen.resize(limit);
  ASSIGN_OR_RETURN(auto stored, GetMany(org_id, chosen));
  for (auto& s : stored) {
    if (s) page.contacts.push_back(std::move(s->contact));
  }
  if (more && !chosen.empty()) page.next_cursor = chosen.back();
  return page;
}

absl::Status ContactStore::ForEachInPost(std::string_view org_id, std::string_view post_id,
                                         const std::function<bool(const Contact&)>& fn,
                                         bool* stopped) {
  std::string start = "-";
  const std::string set_key = keys::PostContactIds(org_id, post_id);
  while (!*stopped) {
    ASSIGN_OR_RETURN(RedisReply ids, redis_->Command({"ZRANGEBYLEX", set_key, start, "+", "LIMIT",
                                                      "0", std::to_string(kScanBatch)}));
    if (ids.elements.empty()) break;
    std::vector<std::string> cmd = {"HMGET", keys::Contacts(org_id)};
    for (const auto& e : ids.elements) cmd.push_back(e.str);
    ASSIGN_OR_RETURN(RedisReply docs, redis_->Command(cmd));
    for (const auto& d : docs.elements) {
      if (d.IsNil()) continue;
      ASSIGN_OR_RETURN(Contact c, ParseStoredContact(d.str));
      if (!fn(c)) {
        *stopped = true;
        break;
      }
    }
    if (ids.elements.size() < kScanBatch) break;
    start = "(" + ids.elements.back().str;
  }
  return absl::OkStatus();
}

absl::Status ContactStore::ForEach(std::string_view org_id, const PostScope& scope,
                                   const std::function<bool(const Contact&)>& fn) {
  bool stopped = false;
  if (!scope.organisation_wide) {
    for (const auto& post : scope.posts) {
      RETURN_IF_ERROR(ForEachInPost(org_id, post, fn, &stopped));
      if (stopped) break;
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(RedisPool::Lease conn, redis_->Acquire());
  const std::string hash = keys::Contacts(org_id);
  const std::string count = std::to_string(kScanBatch);
  auto scan = [&](const std::string& cursor) -> absl::StatusOr<RedisReply> {
    ASSIGN_OR_RETURN(RedisReply reply, conn->Command({"HSCAN", hash, cursor, "COUNT", count}));
    if (reply.elements.size() != 2) return absl::InternalError("HSCAN: unexpected reply");
    return reply;
  };
  // Parses one HSCAN batch and hands its contacts to `fn`; sets *stop when fn says so.
  auto deliver = [&](const RedisReply& reply, bool* stop) -> absl::Status {
    const auto& items = reply.elements[1].elements;
    for (size_t i = 1; i < items.size(); i += 2) {
      ASSIGN_OR_RETURN(Contact c, ParseStoredContact(items[i].str));
      if (!fn(c)) {
        *stop = true;
        break;
      }
    }
    return absl::OkStatus();
  };

  ASSIGN_OR_RETURN(RedisReply first, scan("0"));
  if (first.elements[0].str == "0") {  // Small organisations: one batch, no helper thread.
    return deliver(first, &stopped);
  }

  // Parsing a batch takes about as long as Redis takes to produce the next one, so a helper
  // thread fetches batch n+1 (on this call's connection, which this thread no longer touches)
  // while this thread parses batch n and calls `fn`, which stays on the caller's thread.
  struct Prefetch {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<absl::StatusOr<RedisReply>> ready;  // At most kPrefetchDepth batches.
    bool done = false;  // The helper has queued its last batch (or an error).
    bool cancel = false;
  } pf;
  std::thread fetcher([&, cursor = first.elements[0].str]() mutable {
    while (true) {
      absl::StatusOr<RedisReply> reply = scan(cursor);
      const bool last = !reply.ok() || reply->elements[0].str == "0";
      if (!last) cursor = reply->elements[0].str;
      std::unique_lock lock(pf.mu);
      pf.cv.wait(lock, [&] { return pf.cancel || pf.ready.size() < kPrefetchDepth; });
      if (pf.cancel) break;
      pf.ready.push_back(std::move(reply));
      pf.done = last;
      pf.cv.notify_all();
      if (last) break;
    }
  });
  // Stops and joins the helper however this function is left (fn may throw).
  struct JoinFetcher {
    Prefetch& pf;
    std::thread& fetcher;
    ~JoinFetcher() {
      {
        std::lock_guard lock(pf.mu);
        pf.cancel = true;
      }
      pf.cv.notify_all();
      fetcher.join();
    }
  } join_fetcher{pf, fetcher};

  absl::Status status = deliver(first, &stopped);
  while (status.ok() && !stopped) {
    absl::StatusOr<RedisReply> batch;
    {
      std::unique_lock lock(pf.mu);
      pf.cv.wait(lock, [&] { return !pf.ready.empty() || pf.done; });
      if (pf.ready.empty()) break;  // Done and drained.
      batch = std::move(pf.ready.front());
      pf.ready.pop_front();
    }
    pf.cv.notify_all();
    if (!batch.ok()) {
      status = batch.status();
      break;
    }
    status = deliver(*batch, &stopped);
  }
  return status;
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> ContactStore::Stats(
    std::string_view org_id) {
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Command({"HGETALL", keys::Stats(org_id)}));
  std::vector<std::pair<std::string, int64_t>> out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    ASSIGN_OR_RETURN(int64_t v, ParseInt(reply.elements[i + 1]));
    out.emplace_back(reply.elements[i].str, v);
  }
  return out;
}

}  // namespace ogw
