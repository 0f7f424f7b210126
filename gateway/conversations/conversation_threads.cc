#include "gateway/conversations/conversation_threads.h"

#include <absl/strings/numbers.h>

#include "gateway/conversations/conversation_log.h"
#include "gateway/conversations/conversation_threads.lua.h"
#include "gateway/core/ids.h"
#include "gateway/core/key_schema.h"
#include "gateway/core/text.h"

namespace ogw {
namespace {

// gateway/conversations/conversation_threads.lua
const RedisScript kThreadScript{std::string(lua::kConversationThreads)};

// Walks the smallest of the index sets (KEYS) newest first from the cursor and keeps the
// members every other set also holds, until `limit` are found or `budget` were examined.
// ARGV: cursor score ('' = from the newest), cursor member, limit, budget.
// Returns {next score, next member, member, score, member, score, ...}; next is '' at the end.
const RedisScript kListScript(R"lua(
local limit, budget = tonumber(ARGV[3]), tonumber(ARGV[4])
local drive, smallest = 1, nil
for i = 1, #KEYS do
  local n = redis.call('ZCARD', KEYS[i])
  if smallest == nil or n < smallest then smallest, drive = n, i end
end
local max = ARGV[1] == '' and '+inf' or ARGV[1]
local cursor_score = tonumber(ARGV[1])
local out = {'', ''}
local found, examined, offset = 0, 0, 0
while true do
  local page = redis.call('ZREVRANGEBYSCORE', KEYS[drive], max, '-inf', 'WITHSCORES',
                          'LIMIT', offset, 200)
  if #page == 0 then return out end
  offset = offset + #page / 2
  for i = 1, #page, 2 do
    local m, s = page[i], page[i + 1]
    examined = examined + 1
    -- Equal scores come in descending member order: those not below the cursor were shown.
    if not (cursor_score ~= nil and tonumber(s) == cursor_score and m >= ARGV[2]) then
      local all = true
      for k = 1, #KEYS do
        if k ~= drive and not redis.call('ZSCORE', KEYS[k], m) then all = false break end
      end
      if all then
        out[#out + 1] = m
        out[#out + 1] = s
        found = found + 1
        if found == limit then out[1], out[2] = s, m return out end
      end
    end
    if examined >= budget then out[1], out[2] = s, m return out end
  end
end
)lua");

std::string PostPart(std::string_view post) {
  return post.empty() ? std::string("_") : std::string(post);
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::optional<ConversationThread> ParseThread(std::string_view contact_id,
                                              const RedisReply& reply) {
  if (reply.elements.empty()) return std::nullopt;
  ConversationThread t;
  t.contact_id = std::string(contact_id);
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& field = reply.elements[i].str;
    const std::string& value = reply.elements[i + 1].str;
    if (field == "post") {
      t.post_id = value;
    } else if (field == "state") {
      t.state = ParseThreadState(value).value_or(ThreadState::kOpen);
    } else if (field == "assignee") {
      t.assignee = value;
    } else if (field == "labels") {
      t.labels = SplitList(value);
    } else if (field == "channels") {
      t.channels = SplitList(value);
    } else if (field == "campaigns") {
      t.campaigns = SplitList(value);
    } else if (field == "last_at") {
      (void)absl::SimpleAtoi(value, &t.last_activity_millis);
    } else if (field == "last_in") {
      t.last_inbound_entry = value;
    } else if (field == "last_channel") {
      t.last_channel = value;
    } else if (field == "v") {
      (void)absl::SimpleAtoi(value, &t.version);
    } else if (field == "updated_by") {
      t.updated_by = value;
    }
  }
  return t;
}

// The version a script answered with ({status, version, ...}).
int64_t VersionOf(const RedisReply& reply) {
  int64_t v = 0;
  if (reply.elements.size() >= 2) (void)absl::SimpleAtoi(reply.elements[1].str, &v);
  return v;
}

}  // namespace

std::string_view ThreadStateName(ThreadState state) {
  switch (state) {
    case ThreadState::kOpen:
      return "open";
    case ThreadState::kWaiting:
      return "waiting";
    case ThreadState::kClosed:
      return "closed";
  }
  return "open";
}

std::optional<ThreadState> ParseThreadState(std::string_view name) {
  for (ThreadState s : kThreadStates) {
    if (ThreadStateName(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<std::string> NormaliseLabel(std::string_view label) {
  while (!label.empty() && (label.front() == ' ' || label.front() == '\t')) label.remove_prefix(1);
  while (!label.empty() && (label.back() == ' ' || label.back() == '\t')) label.remove_suffix(1);
  if (label.empty() || label.size() > 40 || !IsValidUtf8(label)) return std::nullopt;
  std::string out;
  for (char c : label) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ',' || c == ':') return std::nullopt;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string ThreadCursor::Encode() const {
  return contact_id.empty() ? std::string() : std::to_string(millis) + "-" + contact_id;
}

std::optional<ThreadCursor> ThreadCursor::Decode(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash > 16) return std::nullopt;
  ThreadCursor c;
  if (!absl::SimpleAtoi(std::string(text.substr(0, dash)), &c.millis) || c.millis < 0)
    return std::nullopt;
  c.contact_id = std::string(text.substr(dash + 1));
  if (!IsWellFormedId(c.contact_id, "c")) return std::nullopt;
  return c;
}

absl::StatusOr<RedisReply> ConversationThreads::Run(std::string_view org_id,
                                                    std::string_view contact_id,
                                                    std::vector<std::string> args) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_->Eval(kThreadScript,
                                {keys::Contacts(org_id), keys::Thread(org_id, contact_id),
                                 keys::Conversation(org_id, contact_id)},
                                args));
  if (reply.elements.empty()) return absl::InternalError("thread script: empty reply");
  return reply;
}

absl::StatusOr<int64_t> ConversationThreads::NoteInbound(
    std::string_view org_id, std::string_view contact_id, std::string_view post_id,
    std::string_view entry_id, std::string_view channel, std::string_view campaign,
    int64_t at_millis, bool handled) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   Run(org_id, contact_id,
                       {"in", std::string(contact_id), keys::ThreadIndexPrefix(org_id),
                        std::string(post_id), std::to_string(at_millis), std::string(entry_id),
                        std::string(channel), std::string(campaign), handled ? "1" : "0"}));
  if (reply.elements[0].str == "gone") return 0;
  return VersionOf(reply);
}

absl::StatusOr<ThreadChangeResult> ConversationThreads::Change(std::string_view org_id,
                                                               std::string_view contact_id,
                                                               std::string_view post_id,
                                                               const ThreadChange& change) {
  const int64_t now = clock_->NowMillis();
  std::vector<std::string> args = {
      "set",
      std::string(contact_id),
      keys::ThreadIndexPrefix(org_id),
      std::string(post_id),
      std::to_string(now),
      change.expected_version ? std::to_string(*change.expected_version) : "",
      change.officer_id,
      change.state ? std::string(ThreadStateName(*change.state)) : "",
      change.assignee ? *change.assignee : "-",
      change.labels ? JoinList(*change.labels) : "-",
      change.officer_message ? "1" : "0",
      std::to_string(ConversationLog::kMaxEntries)};
  std::vector<std::pair<std::string, std::string>> fields;
  if (!change.note.empty()) {
    fields = {{"author", change.officer_id}, {"text", change.note}};
    for (auto& a : ConversationLog::FieldArgs("note", now, fields)) args.push_back(std::move(a));
  } else if (change.log_change) {
    fields = {{"author", change.officer_id}};
    if (change.state) fields.emplace_back("state", std::string(ThreadStateName(*change.state)));
    if (change.assignee) {
      fields.emplace_back("assignee", change.assignee->empty() ? "none" : *change.assignee);
    }
    if (change.labels) {
      fields.emplace_back("labels", change.labels->empty() ? "none" : JoinList(*change.labels));
    }
    for (auto& a : ConversationLog::FieldArgs("thread", now, fields)) args.push_back(std::move(a));
  }
  ASSIGN_OR_RETURN(RedisReply reply, Run(org_id, contact_id, std::move(args)));
  const std::string& status = reply.elements[0].str;
  if (status == "gone") return absl::NotFoundError("contact not found");
  if (status == "version") {
    return absl::FailedPreconditionError("version " + std::to_string(VersionOf(reply)));
  }
  ThreadChangeResult result;
  result.version = VersionOf(reply);
  if (reply.elements.size() >= 3) result.entry_id = reply.elements[2].str;
  return result;
}

absl::StatusOr<std::optional<ConversationThread>> ConversationThreads::Get(
    std::string_view org_id, std::string_view contact_id) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_->Command({"HGETALL", keys::Thread(org_id, contact_id)}));
  RETURN_IF_ERROR(reply.AsStatus());
  return ParseThread(contact_id, reply);
}

absl::StatusOr<std::vector<std::optional<ConversationThread>>> ConversationThreads::GetMany(
    std::string_view org_id, const std::vector<std::string>& contact_ids) {
  std::vector<std::optional<ConversationThread>> out;
  if (contact_ids.empty()) return out;
  std::vector<std::vector<std::string>> commands;
  commands.reserve(contact_ids.size());
  for (const std::string& id : contact_ids) {
    commands.push_back({"HGETALL", keys::Thread(org_id, id)});
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(commands));
  out.reserve(replies.size());
  for (size_t i = 0; i < replies.size(); ++i) {
    RETURN_IF_ERROR(replies[i].AsStatus());
    out.push_back(ParseThread(contact_ids[i], replies[i]));
  }
  return out;
}

absl::StatusOr<ThreadPage> ConversationThreads::List(std::string_view org_id,
                                                     const ThreadFilter& filter,
                                                     const ThreadCursor& after, size_t limit) {
  const std::string base = keys::ThreadIndexPrefix(org_id) + PostPart(filter.post);
  std::vector<std::string> sets = {base};
  if (filter.state) sets.push_back(base + ":s:" + std::string(ThreadStateName(*filter.state)));
  if (filter.assignee)
    sets.push_back(base + ":a:" + (filter.assignee->empty() ? "-" : *filter.assignee));
  if (!filter.channel.empty()) sets.push_back(base + ":c:" + filter.channel);
  if (!filter.label.empty()) sets.push_back(base + ":l:" + filter.label);
  if (!filter.campaign.empty()) sets.push_back(base + ":k:" + filter.campaign);
  // The post set alone drives only when nothing narrows it.
  if (sets.size() > 1) sets.erase(sets.begin());
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_->Eval(kListScript, sets,
                   {after.empty() ? "" : std::to_string(after.millis), after.contact_id,
                    std::to_string(limit), std::to_string(list_budget_)}));
  if (reply.elements.size() < 2) return absl::InternalError("thread list: short reply");
  ThreadPage page;
  for (size_t i = 2; i + 1 < reply.elements.size(); i += 2) {
    int64_t at = 0;
    (void)absl::SimpleAtoi(reply.elements[i + 1].str, &at);
    page.items.emplace_back(reply.elements[i].str, at);
  }
  if (!reply.elements[1].str.empty()) {
    (void)absl::SimpleAtoi(reply.elements[0].str, &page.next.millis);
    page.next.contact_id = reply.elements[1].str;
  }
  return page;
}

absl::StatusOr<std::array<int64_t, 3>> ConversationThreads::CountByState(std::string_view org_id,
                                                                         std::string_view post) {
  const std::string base = keys::ThreadIndexPrefix(org_id) + PostPart(post);
  std::vector<std::vector<std::string>> commands;
  for (ThreadState s : kThreadStates) {
    commands.push_back({"ZCARD", base + ":s:" + std::string(ThreadStateName(s))});
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_->Pipeline(commands));
  std::array<int64_t, 3> counts{};
  for (size_t i = 0; i < counts.size() && i < replies.size(); ++i) {
    RETURN_IF_ERROR(replies[i].AsStatus());
    counts[i] = replies[i].integer;
  }
  return counts;
}

absl::Status ConversationThreads::Move(std::string_view org_id, std::string_view contact_id,
                                       std::string_view post_id) {
  return Run(org_id, contact_id,
             {"move", std::string(contact_id), keys::ThreadIndexPrefix(org_id),
              std::string(post_id)})
      .status();
}

absl::Status ConversationThreads::Forget(std::string_view org_id, std::string_view contact_id) {
  return Run(org_id, contact_id,
             {"forget", std::string(contact_id), keys::ThreadIndexPrefix(org_id)})
      .status();
}

}  // namespace ogw
