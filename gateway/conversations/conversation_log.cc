#include "gateway/conversations/conversation_log.h"

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

// KEYS: contacts hash, conversation stream. ARGV: contact id, max entries, field, value, ...
// Returns the new entry id, or false when the contact is gone (erased).
const RedisScript kAppendScript(R"lua(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return false end
local args = {'XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*'}
for i = 3, #ARGV do args[#args + 1] = ARGV[i] end
return redis.call(unpack(args))
)lua");

// The same for many entries in one call (the delivery worker notes a whole group of sent
// messages at once). KEYS: contacts hash, then the conversation stream of each entry.
// ARGV: max entries, then per entry: contact id, n, and n field/value arguments.
// Entries of contacts that no longer exist are skipped. Returns the number appended.
const RedisScript kAppendManyScript(R"lua(
local appended = 0
local i = 2
for k = 2, #KEYS do
  local contact, n = ARGV[i], tonumber(ARGV[i + 1])
  if redis.call('HEXISTS', KEYS[1], contact) == 1 then
    local args = {'XADD', KEYS[k], 'MAXLEN', '~', ARGV[1], '*'}
    for j = i + 2, i + 1 + n do args[#args + 1] = ARGV[j] end
    redis.call(unpack(args))
    appended = appended + 1
  end
  i = i + 2 + n
end
return appended
)lua");

// A click, at most once an hour per person, campaign and link, and only into a log with room.
// KEYS: contacts hash, conversation stream, click marker. ARGV: contact id, max entries, marker
// TTL, field/value arguments.
const RedisScript kAppendClickScript(R"lua(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('XLEN', KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then return 0 end
local args = {'XADD', KEYS[2], '*'}
for i = 4, #ARGV do args[#args + 1] = ARGV[i] end
redis.call(unpack(args))
return 1
)lua");

// Entries per script call: bounds how long one call holds Redis (a few hundred microseconds)
// while keeping the per-call cost small; the calls of one AppendMany go in one round trip.
constexpr size_t kEntriesPerCall = 100;

int64_t MillisOfId(std::string_view id) {
  int64_t ms = 0;
  std::from_chars(id.data(), id.data() + id.size(), ms);
  return ms;
}

// The exclusive upper bound for XREVRANGE: "(<id>" (Redis 6.2+), or "+" for the newest.
std::string UpperBound(std::string_view before) {
  return before.empty() ? "+" : "(" + std::string(before);
}

// FieldArgs, appended to `args`.
void AppendFieldArgs(std::string_view kind, const std::string& at,
                     const std::vector<std::pair<std::string, std::string>>& fields,
                     std::vector<std::string>* args) {
  args->insert(args->end(), {"kind", std::string(kind), "at", at});
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;  // Absent and empty read the same; keep entries small.
    args->push_back(k);
    args->push_back(v);
  }
}

}  // namespace

std::string ConversationEntry::Field(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return "";
}

std::vector<std::string> ConversationLog::FieldArgs(
    std::string_view kind, int64_t at_millis,
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::string> args;
  AppendFieldArgs(kind, std::to_string(at_millis), fields, &args);
  return args;
}

absl::StatusOr<ConversationEntry> ConversationLog::ParseEntry(const RedisReply& reply) {
  if (reply.elements.size() != 2) return absl::DataLossError("malformed conversation entry");
  ConversationEntry e;
  e.id = reply.elements[0].str;
  e.at_millis = MillisOfId(e.id);
  const auto& f = reply.elements[1].elements;
  for (size_t i = 0; i + 1 < f.size(); i += 2) {
    if (f[i].str == "kind") {
      e.kind = f[i + 1].str;
    } else if (f[i].str == "at") {
      std::from_chars(f[i + 1].str.data(), f[i + 1].str.data() + f[i + 1].str.size(),
                      e.at_millis);
    } else {
      e.fields.emplace_back(f[i].str, f[i + 1].str);
    }
  }
  return e;
}

bool ConversationLog::IsEntryId(std::string_view id) {
  const size_t dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == id.size() || id.size() > 41) {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (i != dash && (id[i] < '0' || id[i] > '9')) return false;
  }
  return true;
}

absl::StatusOr<std::string> ConversationLog::Append(std::string_view org_id,
                                                    const ConversationAppend& entry) {
  std::vector<std::string> args = {entry.contact_id, std::to_string(kMaxEntries)};
  for (auto& a : FieldArgs(entry.kind, clock_->NowMillis(), entry.fields)) {
    args.push_back(std::move(a));
  }
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Eval(kAppendScript,
                                {keys::Contacts(org_id),
                                 keys::Conversation(org_id, entry.contact_id)},
                                args));
  return r.type == RedisReply::Type::kString ? r.str : std::string();
}

absl::StatusOr<bool> ConversationLog::AppendClick(std::string_view org_id,
                                                  const std::string& contact_id,
                                                  const std::string& campaign_id,
                                                  const std::string& link_index,
                                                  const std::string& url) {
  std::vector<std::string> args = {contact_id, std::to_string(kMaxEntries), "3600"};
  for (auto& a : FieldArgs("click", clock_->NowMillis(),
                           {{"campaign", campaign_id}, {"link", link_index}, {"url", url}})) {
    args.push_back(std::move(a));
  }
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Eval(kAppendClickScript,
                                {keys::Contacts(org_id), keys::Conversation(org_id, contact_id),
                                 keys::ClickNoted(org_id, contact_id, campaign_id, link_index)},
                                args));
  return r.integer == 1;
}

absl::Status ConversationLog::AppendMany(std::string_view org_id,
                                         const std::vector<ConversationAppend>& entries) {
  if (entries.empty()) return absl::OkStatus();
  const std::string at = std::to_string(clock_->NowMillis());
  const std::string max_entries = std::to_string(kMaxEntries);
  // 1. Plain XADDs that never create a stream. Erasure deletes a person's log in the same
  // script as the person, and logs are only created by the checked script below, so a log that
  // exists belongs to a person who exists: no check is needed. This spares Redis a script call
  // and a lookup in the contacts hash for every message but a person's first.
  //
  // A person with several entries in the batch has them all go through the script, in order:
  // a log created between two plain XADDs (by a reply arriving) would otherwise get the later
  // entry before the earlier one.
  std::unordered_map<std::string_view, size_t> entries_of;
  for (const ConversationAppend& entry : entries) ++entries_of[entry.contact_id];
  std::vector<size_t> plain;  // Indexes of the entries sent as plain XADDs.
  std::vector<size_t> checked;  // Indexes of the entries the checking script writes.
  std::vector<std::vector<std::string>> commands;
  commands.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const ConversationAppend& entry = entries[i];
    if (entries_of[entry.contact_id] > 1) {
      checked.push_back(i);
      continue;
    }
    plain.push_back(i);
    std::vector<std::string> command = {"XADD", keys::Conversation(org_id, entry.contact_id),
                                        "NOMKSTREAM", "MAXLEN", "~", max_entries, "*"};
    command.reserve(command.size() + 4 + 2 * entry.fields.size());
    AppendFieldArgs(entry.kind, at, entry.fields, &command);
    commands.push_back(std::move(command));
  }
  if (!commands.empty()) {
    ASSIGN_OR_RETURN(std::vector<RedisReply> appended, redis_->Pipeline(commands));
    for (size_t i = 0; i < appended.size(); ++i) {
      RETURN_IF_ERROR(appended[i].AsStatus());
      if (appended[i].type == RedisReply::Type::kNil) checked.push_back(plain[i]);
    }
  }
  if (checked.empty()) return absl::OkStatus();
  std::sort(checked.begin(), checked.end());  // Batch order, for entries of one person.

  // 2. Entries of people without a log yet (and of people with several entries): written by a
  // script that checks the person still exists, so nothing re-creates an erased person's log.
  // One call per 100 entries, all in one round trip.
  const std::string contacts = keys::Contacts(org_id);
  commands.clear();
  // Loading the script first keeps every EVALSHA valid right after a Redis restart.
  commands.push_back({"SCRIPT", "LOAD", kAppendManyScript.source()});
  for (size_t begin = 0; begin < checked.size(); begin += kEntriesPerCall) {
    const size_t end = std::min(checked.size(), begin + kEntriesPerCall);
    std::vector<std::string> keys = {contacts};
    std::vector<std::string> args = {max_entries};
    keys.reserve(1 + end - begin);
    args.reserve(1 + (end - begin) * 20);
    for (size_t e = begin; e < end; ++e) {
      const ConversationAppend& entry = entries[checked[e]];
      keys.push_back(keys::Conversation(org_id, entry.contact_id));
      // The arguments FieldArgs gives, written in place after their count.
      args.push_back(entry.contact_id);
      const size_t count_at = args.size();
      args.emplace_back();
      AppendFieldArgs(entry.kind, at, entry.fields, &args);
      args[count_at] = std::to_string(args.size() - count_at - 1);
    }
    commands.push_back(RedisConnection::EvalShaArgs(kAppendManyScript, keys, args));
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(commands));
  for (const RedisReply& r : replies) RETURN_IF_ERROR(r.AsStatus());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ConversationEntry>> ConversationLog::Read(std::string_view org_id,
                                                                     std::string_view contact_id,
                                                                     std::string_view before,
                                                                     size_t limit) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"XREVRANGE",
                                                  keys::Conversation(org_id, contact_id),
                                                  UpperBound(before), "-", "COUNT",
                                                  std::to_string(limit)}));
  std::vector<ConversationEntry> out;
  for (const RedisReply& e : r.elements) {
    ASSIGN_OR_RETURN(ConversationEntry entry, ParseEntry(e));
    out.push_back(std::move(entry));
  }
  return out;
}

absl::StatusOr<ConversationEntry> ConversationLog::Get(std::string_view org_id,
                                                       std::string_view contact_id,
                                                       std::string_view entry_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"XRANGE",
                                                  keys::Conversation(org_id, contact_id),
                                                  std::string(entry_id), std::string(entry_id)}));
  if (r.elements.empty()) return absl::NotFoundError("conversation entry not found");
  return ParseEntry(r.elements[0]);
}

absl::StatusOr<std::vector<std::optional<ConversationEntry>>> ConversationLog::GetMany(
    std::string_view org_id, const std::vector<std::pair<std::string, std::string>>& entries) {
  std::vector<std::optional<ConversationEntry>> out;
  if (entries.empty()) return out;
  std::vector<std::vector<std::string>> reads;
  reads.reserve(entries.size());
  for (const auto& [contact_id, entry_id] : entries) {
    reads.push_back({"XRANGE", keys::Conversation(org_id, contact_id), entry_id, entry_id});
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(reads));
  out.reserve(replies.size());
  for (const RedisReply& r : replies) {
    RETURN_IF_ERROR(r.AsStatus());
    if (r.elements.empty()) {
      out.emplace_back();
      continue;
    }
    ASSIGN_OR_RETURN(ConversationEntry entry, ParseEntry(r.elements[0]));
    out.emplace_back(std::move(entry));
  }
  return out;
}

absl::StatusOr<std::vector<InboxItem>> ConversationLog::ReadInbox(std::string_view org_id,
                                                                  std::string_view post,
                                                                  std::string_view before,
                                                                  size_t limit) {
  ASSIGN_OR_RETURN(RedisReply r,
                   redis_->Command({"XREVRANGE", keys::Inbox(org_id, post), UpperBound(before),
                                    "-", "COUNT", std::to_string(limit)}));
  std::vector<InboxItem> out;
  for (const RedisReply& e : r.elements) {
    if (e.elements.size() != 2) return absl::DataLossError("malformed inbox item");
    InboxItem item;
    item.id = e.elements[0].str;
    const auto& f = e.elements[1].elements;
    for (size_t i = 0; i + 1 < f.size(); i += 2) {
      if (f[i].str == "contact") item.contact_id = f[i + 1].str;
      if (f[i].str == "entry") item.entry_id = f[i + 1].str;
      if (f[i].str == "channel") item.channel = f[i + 1].str;
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace ogw
