#include "gateway/invitations/event_seats.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "gateway/conversations/conversation_log.h"
#include "gateway/core/key_schema.h"
#include "gateway/invitations/event_seats.lua.h"

namespace ogw {
namespace {

// gateway/invitations/event_seats.lua
const RedisScript kSeatsScript{std::string(lua::kEventSeats)};

constexpr std::array<std::string_view, kSeatStateCount> kStateNames = {
    "invited", "yes", "no", "maybe", "waitlisted", "offered", "cancelled", "attended"};

// People per invite call and offers per expiry call: bounds how long one call holds Redis.
constexpr size_t kInviteBatch = 500;
constexpr int kExpireBatch = 500;
// Log entries read per round trip when erasing a person from the log.
constexpr size_t kScrubBatch = 1000;
// HSCAN rounds one List call makes at most, so a filter matching few people stays bounded.
constexpr int kListRounds = 10;

std::string Str(std::string_view s) { return std::string(s); }

int64_t ToInt(std::string_view s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

int64_t JsonMillis(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end()) return 0;
  if (it->is_number()) return it->get<int64_t>();
  if (it->is_string()) return ToInt(it->get<std::string>());
  return 0;
}

absl::Status CheckIds(std::string_view org, std::string_view event) {
  if (org.empty() || event.empty()) {
    return absl::InvalidArgumentError("event seats: organisation and event are required");
  }
  return absl::OkStatus();
}

std::vector<std::string> Keys(std::string_view org, std::string_view event) {
  return {keys::EventSeatMeta(org, event), keys::EventPeople(org, event),
          keys::EventCounts(org, event),   keys::EventWaitlist(org, event),
          keys::EventOffers(org, event),   keys::EventLog(org, event)};
}

absl::StatusOr<PersonState> ParsePerson(std::string contact_id, const std::string& doc) {
  try {
    nlohmann::json j = nlohmann::json::parse(doc);
    auto state = ParseSeatState(j.value("state", ""));
    if (!state) return absl::DataLossError("event seats: unknown state in " + doc);
    PersonState p;
    p.contact_id = std::move(contact_id);
    p.state = *state;
    p.at_millis = JsonMillis(j, "at");
    p.how = j.value("how", "");
    p.offer_until_millis = JsonMillis(j, "offer_until");
    p.unclear_since_millis = JsonMillis(j, "unclear");
    return p;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("event seats: malformed person record: ") + e.what());
  }
}

absl::Status Unconfigured(std::string_view event) {
  return absl::FailedPreconditionError("the seats of event " + Str(event) + " are not configured");
}

}  // namespace

std::string_view SeatStateName(SeatState state) { return kStateNames[static_cast<size_t>(state)]; }

std::optional<SeatState> ParseSeatState(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<SeatState>(i);
  }
  return std::nullopt;
}

SeatAction SeatActionOf(RsvpAnswer answer) {
  switch (answer) {
    case RsvpAnswer::kYes:
      return SeatAction::kYes;
    case RsvpAnswer::kNo:
      return SeatAction::kNo;
    case RsvpAnswer::kMaybe:
      return SeatAction::kMaybe;
  }
  return SeatAction::kMaybe;
}

absl::StatusOr<EventSeats::ScriptResult> EventSeats::Run(std::string_view org,
                                                         std::string_view event,
                                                         std::vector<std::string> args) {
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Eval(kSeatsScript, Keys(org, event), args));
  const auto& e = reply.elements;
  if (reply.type != RedisReply::Type::kArray || e.size() < 2 || (e.size() - 2) % 4 != 0) {
    return absl::DataLossError("event seats: malformed script reply");
  }
  ScriptResult out;
  out.result = e[0].str;
  out.detail = e[1].str;
  for (size_t i = 2; i < e.size(); i += 4) {
    SeatChange c;
    c.contact_id = e[i].str;
    if (!e[i + 1].str.empty()) c.from = ParseSeatState(e[i + 1].str);
    auto to = ParseSeatState(e[i + 2].str);
    if (!to || (!e[i + 1].str.empty() && !c.from)) {
      return absl::DataLossError("event seats: unknown state in script reply");
    }
    c.to = *to;
    c.offer_until_millis = ToInt(e[i + 3].str);
    out.changes.push_back(std::move(c));
  }
  if (out.result == "unconfigured") return Unconfigured(event);
  return out;
}

namespace {
std::vector<std::string> Args(std::string_view op, int64_t now_millis) {
  return {Str(op), std::to_string(now_millis), std::to_string(EventSeats::kMaxLogEntries)};
}
}  // namespace

absl::StatusOr<std::vector<SeatChange>> EventSeats::Configure(std::string_view org,
                                                              std::string_view event,
                                                              int64_t capacity,
                                                              int64_t offer_ttl_ms,
                                                              int64_t now_millis) {
  RETURN_IF_ERROR(CheckIds(org, event));
  if (capacity < 0) return absl::InvalidArgumentError("capacity must not be negative");
  if (offer_ttl_ms <= 0) return absl::InvalidArgumentError("offer_ttl_ms must be positive");
  std::vector<std::string> args = Args("configure", now_millis);
  args.push_back(std::to_string(capacity));
  args.push_back(std::to_string(offer_ttl_ms));
  ASSIGN_OR_RETURN(ScriptResult r, Run(org, event, std::move(args)));
  if (r.result == "taken") {
    return absl::FailedPreconditionError("capacity " + std::to_string(capacity) + " is below the " +
                                         r.detail + " seats taken");
  }
  return std::move(r.changes);
}

absl::StatusOr<std::vector<SeatChange>> EventSeats::SetClosed(std::string_view org,
                                                              std::string_view event, bool closed,
                                                              int64_t now_millis) {
  RETURN_IF_ERROR(CheckIds(org, event));
  std::vector<std::string> args = Args("close", now_millis);
  args.push_back(closed ? "1" : "0");
  ASSIGN_OR_RETURN(ScriptResult r, Run(org, event, std::move(args)));
  return std::move(r.changes);
}

absl::StatusOr<std::vector<SeatChange>> EventSeats::Invite(
    std::string_view org, std::string_view event, const std::vector<std::string>& contact_ids,
    std::string_view how, int64_t now_millis) {
  RETURN_IF_ERROR(CheckIds(org, event));
  for (const std::string& id : contact_ids) {
    if (id.empty()) return absl::InvalidArgumentError("event seats: empty contact id");
  }
  std::vector<SeatChange> out;
  for (size_t start = 0; start < contact_ids.size(); start += kInviteBatch) {
    const size_t stop = std::min(contact_ids.size(), start + kInviteBatch);
    // The person's index first: a crash before the script leaves an entry naming an event
    // they are not in (harmless), never a person erasure cannot find.
    std::vector<std::vector<std::string>> index;
    for (size_t i = start; i < stop; ++i) {
      index.push_back({"SADD", keys::ContactEvents(org, contact_ids[i]), std::string(event)});
    }
    RETURN_IF_ERROR(redis_->Pipeline(index).status());
    std::vector<std::string> args = Args("invite", now_millis);
    args.push_back(Str(how));
    args.insert(args.end(), contact_ids.begin() + start, contact_ids.begin() + stop);
    ASSIGN_OR_RETURN(ScriptResult r, Run(org, event, std::move(args)));
    for (SeatChange& c : r.changes) out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<AnswerResult> EventSeats::Answer(std::string_view org, std::string_view event,
                                                std::string_view contact_id, SeatAction action,
                                                std::string_view how, int64_t now_millis,
                                                bool even_if_closed) {
  RETURN_IF_ERROR(CheckIds(org, event));
  if (contact_id.empty()) return absl::InvalidArgumentError("event seats: empty contact id");
  std::vector<std::string> args = Args("answer", now_millis);
  args.push_back(Str(contact_id));
  switch (action) {
    case SeatAction::kYes:
      args.push_back("yes");
      break;
    case SeatAction::kNo:
      args.push_back("no");
      break;
    case SeatAction::kMaybe:
      args.push_back("maybe");
      break;
    case SeatAction::kCancel:
      args.push_back("cancel");
      break;
  }
  args.push_back(Str(how));
  args.push_back(even_if_closed ? "1" : "0");
  ASSIGN_OR_RETURN(ScriptResult r, Run(org, event, std::move(args)));
  AnswerResult out;
  if (r.result == "not_invited") {
    out.outcome = AnswerOutcome::kNotInvited;
    return out;
  }
  out.state = ParseSeatState(r.detail);
  if (!out.state) return absl::DataLossError("event seats: unknown state " + r.detail);
  if (r.result == "closed") {
    out.outcome = AnswerOutcome::kClosed;
  } else if (r.result == "unchanged") {
    out.outcome = AnswerOutcome::kUnchanged;
  } else {
    out.outcome = AnswerOutcome::kChanged;
  }
  out.changes = std::move(r.changes);
  return out;
}

absl::StatusOr<bool> EventSeats::CloseAtDeadline(std::string_view org, std::string_view event,
                                                 int64_t deadline_millis, int64_t now_millis) {
  RETURN_IF_ERROR(CheckIds(org, event));
  std::vector<std::string> args = Args("deadline", now_millis);
  args.push_back(std::to_string(deadline_millis));
  ASSIGN_OR_RETURN(ScriptResult r, Run(org, event, std::move(args)));
  return r.result == "closed";
}

absl::StatusOr<bool> EventSeats::MarkUnclear(std::string_view org, std::string_view event,
                                             std::string_view contact_id, int64_t now_millis) {
  RETURN_IF_ERROR(CheckIds(org, event));
  if (contact_id.empty()) return absl::InvalidArgumentError("event seats: empty contact id");
  std::vector<std::string> args = Args("unclear", now_millis);
  args.push_back(Str(contact_id));
  ASSIGN_OR_RETURN(ScriptResult r, Run(org, event, std::move(args)));
  return r.result == "ok";
}

absl::StatusOr<std::vector<SeatChange>> EventSeats::ExpireOffers(std::string_view org,
                                                                 std::string_view event,
                                                                 int64_t now_millis) {
  RETURN_IF_ERROR(CheckIds(org, event));
  std::vector<SeatChange> out;
  // Each call expires a bounded batch; "more" says offers are still due.
  while (true) {
    std::vector<std::string> args = Args("expire", now_millis);
    args.push_back(std::to_string(kExpireBatch));
    ASSIGN_OR_RETURN(ScriptResult r, Run(org, event, std::move(args)));
    for (SeatChange& c : r.changes) out.push_back(std::move(c));
    if (r.result != "more") return out;
  }
}

absl::Status EventSeats::SetAttended(std::string_view org, std::string_view event,
                                     std::string_view contact_id, bool attended,
                                     std::string_view how, int64_t now_millis) {
  RETURN_IF_ERROR(CheckIds(org, event));
  if (contact_id.empty()) return absl::InvalidArgumentError("event seats: empty contact id");
  std::vector<std::string> args = Args("attended", now_millis);
  args.push_back(Str(contact_id));
  args.push_back(attended ? "1" : "0");
  args.push_back(Str(how));
  ASSIGN_OR_RETURN(ScriptResult r, Run(org, event, std::move(args)));
  if (r.result == "not_invited") {
    return absl::NotFoundError(Str(contact_id) + " is not invited to event " + Str(event));
  }
  if (r.result == "state") {
    return absl::FailedPreconditionError(Str(contact_id) + " is " + r.detail +
                                         (attended ? ", not yes" : ", not attended"));
  }
  return absl::OkStatus();
}

absl::StatusOr<EventCounts> EventSeats::Counts(std::string_view org, std::string_view event) {
  RETURN_IF_ERROR(CheckIds(org, event));
  ASSIGN_OR_RETURN(std::vector<RedisReply> r,
                   redis_->Pipeline({{"HMGET", keys::EventSeatMeta(org, event), "capacity",
                                      "offer_ttl_ms", "closed"},
                                     {"HGETALL", keys::EventCounts(org, event)}}));
  for (const RedisReply& reply : r) RETURN_IF_ERROR(reply.AsStatus());
  EventCounts out;
  const auto& meta = r[0].elements;
  if (meta.size() != 3 || r[1].elements.size() % 2 != 0) {
    return absl::DataLossError("event seats: malformed counts reply");
  }
  out.capacity = ToInt(meta[0].str);
  out.offer_ttl_ms = ToInt(meta[1].str);
  out.closed = meta[2].str == "1";
  const auto& counts = r[1].elements;
  for (size_t i = 0; i + 1 < counts.size(); i += 2) {
    auto state = ParseSeatState(counts[i].str);
    if (state) out.by_state[static_cast<size_t>(*state)] = ToInt(counts[i + 1].str);
    if (counts[i].str == "unclear") out.unclear = ToInt(counts[i + 1].str);
  }
  return out;
}

absl::StatusOr<std::optional<PersonState>> EventSeats::Get(std::string_view org,
                                                           std::string_view event,
                                                           std::string_view contact_id) {
  RETURN_IF_ERROR(CheckIds(org, event));
  ASSIGN_OR_RETURN(std::vector<RedisReply> r,
                   redis_->Pipeline({{"HGET", keys::EventPeople(org, event), Str(contact_id)},
                                     {"ZRANK", keys::EventWaitlist(org, event), Str(contact_id)}}));
  for (const RedisReply& reply : r) RETURN_IF_ERROR(reply.AsStatus());
  if (r[0].IsNil()) return std::nullopt;
  ASSIGN_OR_RETURN(PersonState p, ParsePerson(Str(contact_id), r[0].str));
  if (p.state == SeatState::kWaitlisted && r[1].type == RedisReply::Type::kInteger) {
    p.waitlist_position = r[1].integer + 1;
  }
  return p;
}

absl::StatusOr<PeoplePage> EventSeats::List(std::string_view org, std::string_view event,
                                            std::optional<SeatState> state, std::string_view cursor,
                                            size_t limit) {
  RETURN_IF_ERROR(CheckIds(org, event));
  std::string at = cursor.empty() ? "0" : Str(cursor);
  if (at.find_first_not_of("0123456789") != std::string::npos || at.size() > 20) {
    return absl::InvalidArgumentError("event seats: malformed cursor");
  }
  limit = std::max<size_t>(limit, 1);
  PeoplePage page;
  for (int round = 0; round < kListRounds && page.people.size() < limit; ++round) {
    ASSIGN_OR_RETURN(RedisReply r,
                     redis_->Command({"HSCAN", keys::EventPeople(org, event), at, "COUNT",
                                      std::to_string(limit - page.people.size())}));
    if (r.elements.size() != 2) return absl::DataLossError("event seats: malformed HSCAN reply");
    at = r.elements[0].str;
    const auto& kv = r.elements[1].elements;
    for (size_t i = 0; i + 1 < kv.size(); i += 2) {
      ASSIGN_OR_RETURN(PersonState p, ParsePerson(kv[i].str, kv[i + 1].str));
      if (!state || p.state == *state) page.people.push_back(std::move(p));
    }
    if (at == "0") break;
  }
  std::sort(page.people.begin(), page.people.end(),
            [](const PersonState& a, const PersonState& b) { return a.contact_id < b.contact_id; });
  if (at != "0") page.next_cursor = at;
  return page;
}

absl::StatusOr<std::vector<WaitlistEntry>> EventSeats::Waitlist(std::string_view org,
                                                                std::string_view event,
                                                                size_t limit) {
  RETURN_IF_ERROR(CheckIds(org, event));
  std::vector<WaitlistEntry> out;
  if (limit == 0) return out;
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"ZRANGE", keys::EventWaitlist(org, event), "0",
                                                  std::to_string(limit - 1)}));
  if (r.elements.empty()) return out;
  // Since when: the person's record (the zset's scores are arrival numbers).
  std::vector<std::string> hmget = {"HMGET", keys::EventPeople(org, event)};
  for (const RedisReply& e : r.elements) hmget.push_back(e.str);
  ASSIGN_OR_RETURN(RedisReply records, redis_->Command(hmget));
  for (size_t i = 0; i < r.elements.size(); ++i) {
    WaitlistEntry w;
    w.contact_id = r.elements[i].str;
    if (i < records.elements.size() && !records.elements[i].IsNil()) {
      auto person = ParsePerson(w.contact_id, records.elements[i].str);
      if (person.ok()) w.since_millis = person->at_millis;
    }
    out.push_back(std::move(w));
  }
  return out;
}

absl::StatusOr<std::vector<SeatLogEntry>> EventSeats::Log(std::string_view org,
                                                          std::string_view event,
                                                          std::string_view after_id, size_t limit) {
  RETURN_IF_ERROR(CheckIds(org, event));
  if (!after_id.empty() && !ConversationLog::IsEntryId(after_id)) {
    return absl::InvalidArgumentError("event seats: malformed log cursor");
  }
  std::vector<SeatLogEntry> out;
  if (limit == 0) return out;
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"XRANGE", keys::EventLog(org, event),
                                                  after_id.empty() ? "-" : "(" + Str(after_id), "+",
                                                  "COUNT", std::to_string(limit)}));
  for (const RedisReply& entry : r.elements) {
    if (entry.elements.size() != 2) return absl::DataLossError("event seats: malformed log");
    SeatLogEntry e;
    e.id = entry.elements[0].str;
    const auto& f = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < f.size(); i += 2) {
      const std::string& k = f[i].str;
      const std::string& v = f[i + 1].str;
      if (k == "contact") e.contact_id = v;
      if (k == "from") e.from = v;
      if (k == "to") e.to = v;
      if (k == "how") e.how = v;
      if (k == "at") e.at_millis = ToInt(v);
    }
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<SeatChange>> EventSeats::Forget(std::string_view org,
                                                           std::string_view event,
                                                           std::string_view contact_id,
                                                           int64_t now_millis) {
  RETURN_IF_ERROR(CheckIds(org, event));
  if (contact_id.empty()) return absl::InvalidArgumentError("event seats: empty contact id");
  std::vector<std::string> args = Args("forget", now_millis);
  args.push_back(Str(contact_id));
  args.push_back("erased");
  ASSIGN_OR_RETURN(ScriptResult r, Run(org, event, std::move(args)));
  // The person is out of the people hash, so no script names them again; their old log entries
  // go in pages outside the script, which would otherwise hold Redis for the whole stream.
  const std::string log = keys::EventLog(org, event);
  std::string from = "-";
  while (true) {
    ASSIGN_OR_RETURN(RedisReply page, redis_->Command({"XRANGE", log, from, "+", "COUNT",
                                                       std::to_string(kScrubBatch)}));
    std::vector<std::string> del = {"XDEL", log};
    for (const RedisReply& entry : page.elements) {
      if (entry.elements.size() != 2) continue;
      const auto& f = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (f[i].str == "contact" && f[i + 1].str == contact_id) {
          del.push_back(entry.elements[0].str);
          break;
        }
      }
    }
    if (del.size() > 2) RETURN_IF_ERROR(redis_->Command(del).status());
    if (page.elements.size() < kScrubBatch) break;
    from = "(" + page.elements.back().elements[0].str;
  }
  RETURN_IF_ERROR(
      redis_->Command({"SREM", keys::ContactEvents(org, contact_id), std::string(event)}).status());
  return std::move(r.changes);
}

absl::StatusOr<std::vector<EventSeatChanges>> EventSeats::ForgetPerson(std::string_view org,
                                                                       std::string_view contact_id,
                                                                       int64_t now_millis) {
  const std::string index = keys::ContactEvents(org, contact_id);
  ASSIGN_OR_RETURN(RedisReply events, redis_->Command({"SMEMBERS", index}));
  std::vector<EventSeatChanges> out;
  for (const RedisReply& event : events.elements) {
    absl::StatusOr<std::vector<SeatChange>> forgotten =
        Forget(org, event.str, contact_id, now_millis);
    // An event deleted meanwhile has no ledger left to forget them in.
    if (!forgotten.ok() && !absl::IsFailedPrecondition(forgotten.status())) {
      return forgotten.status();
    }
    if (forgotten.ok() && !forgotten->empty()) out.push_back({event.str, *std::move(forgotten)});
  }
  RETURN_IF_ERROR(redis_->Command({"DEL", index}).status());
  return out;
}

absl::Status EventSeats::DeleteEvent(std::string_view org, std::string_view event) {
  RETURN_IF_ERROR(CheckIds(org, event));
  // Each person's index loses the event first, so erasure never looks for a ledger that is gone.
  std::string cursor = "0";
  do {
    ASSIGN_OR_RETURN(RedisReply page, redis_->Command({"HSCAN", keys::EventPeople(org, event),
                                                       cursor, "COUNT", "500"}));
    if (page.elements.size() != 2) break;
    cursor = page.elements[0].str;
    std::vector<std::vector<std::string>> srem;
    const auto& fields = page.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      srem.push_back({"SREM", keys::ContactEvents(org, fields[i].str), std::string(event)});
    }
    if (!srem.empty()) RETURN_IF_ERROR(redis_->Pipeline(srem).status());
  } while (cursor != "0");
  std::vector<std::string> del = {"DEL"};
  for (std::string& k : Keys(org, event)) del.push_back(std::move(k));
  return redis_->Command(del).status();
}

}  // namespace ogw
