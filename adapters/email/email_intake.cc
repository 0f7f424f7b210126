#include "adapters/email/email_intake.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "adapters/email/email_message_id.h"
#include "adapters/email/mime_parser.h"

namespace ogw {
namespace {

// A reply names its parent first; a long thread's older messages add nothing but lookups.
constexpr size_t kMaxAnswers = 8;
// Of mail without a header/body boundary, this much is kept.
constexpr size_t kMaxHeaderSample = 8 * 1024;

std::vector<std::string> VerifiedAnswers(const std::vector<std::string>& references,
                                         std::string_view domain, std::string_view key) {
  std::vector<std::string> answers;
  for (const std::string& reference : references) {
    std::optional<std::string> id = GatewayMessageIdFromEmailId(reference, domain, key);
    if (!id || std::find(answers.begin(), answers.end(), *id) != answers.end()) continue;
    answers.push_back(*std::move(id));
    if (answers.size() == kMaxAnswers) break;
  }
  return answers;
}

}  // namespace

std::string MessageIdDomain(std::string_view from_address) {
  const size_t at = from_address.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(from_address.substr(at + 1));
}

absl::StatusOr<InboundBatch> ReadReceivedEmail(std::string_view raw, const std::string& provider,
                                               std::string_view domain, std::string_view key) {
  ASSIGN_OR_RETURN(ParsedEmail parsed, ParseEmail(raw));
  InboundBatch batch;
  if (parsed.kind == ParsedEmail::Kind::kDeliveryReport) {
    for (DeliveryReport& report : parsed.reports) {
      report.provider = provider;
      // Anyone can send a DSN: only one naming a message we signed may touch an address.
      auto id = GatewayMessageIdFromEmailId(report.provider_message_id, domain, key);
      if (!id) continue;
      report.message_id = *id;
      batch.reports.push_back(std::move(report));
    }
    return batch;
  }
  parsed.message.provider = provider;
  parsed.message.auto_reply = parsed.auto_reply;
  parsed.message.answers = VerifiedAnswers(parsed.message.references, domain, key);
  batch.messages.push_back(std::move(parsed.message));
  return batch;
}

absl::Status TakeEmail(InboundSink& sink, std::string_view source, std::string_view raw,
                       const std::string& provider, std::string_view domain, std::string_view key) {
  auto batch = ReadReceivedEmail(raw, provider, domain, key);
  absl::Status taken = batch.ok() ? sink.Store(*batch) : batch.status();
  if (taken.code() != absl::StatusCode::kInvalidArgument) return taken;
  // It will never parse: kept in the quarantine, then acknowledged rather than fetched again.
  return sink.Quarantine(source, MessageOf(taken), raw.size(), EmailHeaderBlock(raw));
}

std::string_view EmailHeaderBlock(std::string_view raw) {
  for (std::string_view end : {"\r\n\r\n", "\n\n"}) {
    const size_t at = raw.find(end);
    if (at != std::string_view::npos) return raw.substr(0, at);
  }
  return raw.substr(0, std::min(raw.size(), kMaxHeaderSample));
}

}  // namespace ogw
