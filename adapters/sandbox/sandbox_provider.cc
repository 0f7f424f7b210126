#include "adapters/sandbox/sandbox_provider.h"

#include <unordered_set>

#include "gateway/core/key_schema.h"

namespace ogw {

SandboxProvider::SandboxProvider(std::string name, RedisPool* redis, const Clock* clock)
    : name_(std::move(name)), redis_(redis), clock_(clock) {}

void SandboxProvider::SendBatch(std::span<const OutboundMessage> messages,
                                std::span<SendResult> results) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(messages.size());
  const std::string now = std::to_string(clock_->NowMillis());
  for (const OutboundMessage& m : messages) {
    commands.push_back({"XADD",
                        keys::SandboxOutbox(m.org_id),
                        "MAXLEN",
                        "~",
                        std::to_string(kOutboxCapacity),
                        "*",
                        "id",
                        m.message_id,
                        "channel",
                        std::string(ChannelName(m.channel)),
                        "to",
                        m.to,
                        "from",
                        m.from,
                        "subject",
                        m.subject,
                        "text",
                        m.text,
                        "text_format",
                        std::string(TextFormatName(m.text_format)),
                        "html",
                        m.html,
                        "cost",
                        std::to_string(m.cost),
                        "at",
                        now});
    if (!m.attachments.empty()) {
      // What would have gone with it, by name: the outbox is for looking, not for files.
      nlohmann::json names = nlohmann::json::array();
      for (const Attachment& a : m.attachments) names.push_back(a.filename);
      commands.back().push_back("attachments");
      commands.back().push_back(names.dump());
    }
  }
  auto replies = redis_->Pipeline(commands);
  for (size_t i = 0; i < messages.size(); ++i) {
    SendResult& r = results[i];
    if (!replies.ok() || (*replies)[i].IsError()) {
      r.outcome = SendResult::Outcome::kTransient;
      r.code = "sandbox_unavailable";
      r.reason = "the sandbox outbox could not be written";
      continue;
    }
    r.outcome = SendResult::Outcome::kAccepted;
    r.provider_message_id = "sandbox-" + (*replies)[i].str;
  }
}

absl::StatusOr<std::vector<nlohmann::json>> ReadSandboxOutbox(RedisPool& redis,
                                                              std::string_view org_id,
                                                              size_t limit) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis.Command({"XREVRANGE", keys::SandboxOutbox(org_id), "+", "-", "COUNT",
                                  std::to_string(limit)}));
  std::vector<nlohmann::json> out;
  for (const RedisReply& entry : reply.elements) {
    if (entry.elements.size() != 2) continue;
    nlohmann::json j = {{"provider_message_id", "sandbox-" + entry.elements[0].str}};
    const auto& fields = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      const std::string& key = fields[i].str;
      if (key == "cost" || key == "at") {
        j[key] = std::stoll(fields[i + 1].str);
      } else if (key == "attachments") {
        j[key] = nlohmann::json::parse(fields[i + 1].str, nullptr, /*allow_exceptions=*/false);
      } else {
        j[key] = fields[i + 1].str;
      }
    }
    out.push_back(std::move(j));
  }
  return out;
}

absl::Status ForgetSandboxRecipients(RedisPool& redis, std::string_view org_id,
                                     const std::vector<std::string>& addresses) {
  if (addresses.empty()) return absl::OkStatus();
  const std::unordered_set<std::string> to(addresses.begin(), addresses.end());
  const std::string key = keys::SandboxOutbox(org_id);
  // Pages of 500 entries, so no single call holds Redis for the whole outbox.
  std::string start = "-";
  while (true) {
    ASSIGN_OR_RETURN(RedisReply page, redis.Command({"XRANGE", key, start, "+", "COUNT", "500"}));
    std::vector<std::string> xdel = {"XDEL", key};
    for (const RedisReply& entry : page.elements) {
      if (entry.elements.size() != 2) continue;
      const auto& fields = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str == "to" && to.contains(fields[i + 1].str)) {
          xdel.push_back(entry.elements[0].str);
        }
      }
    }
    if (xdel.size() > 2) RETURN_IF_ERROR(redis.Command(xdel).status());
    if (page.elements.size() < 500) return absl::OkStatus();
    start = "(" + page.elements.back().elements[0].str;
  }
}

}  // namespace ogw
