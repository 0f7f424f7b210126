#include "gateway/inbound/email_intake.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "adapters/email/email_message_id.h"
#include "adapters/email/mime_parser.h"

namespace ogw {
namespace {

// A reply names its parent first; a long thread's older messages add nothing but lookups.
constexpr size_t kMaxAnswers = 8;

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

std::string MessageIdDomain(const ProviderSettings& provider) {
  const size_t at = provider.from.rfind('@');
  return at == std::string::npos ? std::string() : provider.from.substr(at + 1);
}

absl::Status TakeEmail(InboundPipeline& inbound, const ProviderSettings& provider,
                       std::string_view raw) {
  ASSIGN_OR_RETURN(ParsedEmail parsed, ParseEmail(raw));
  const InboundSource source{provider.organisation, provider.post, provider.name, false,
                             provider.country};
  const std::string domain = MessageIdDomain(provider);
  const std::string key = inbound.EmailMessageIdKey();
  if (parsed.kind == ParsedEmail::Kind::kDeliveryReport) {
    for (DeliveryReport& report : parsed.reports) {
      report.provider = provider.name;
      // Anyone can send a DSN: only one naming a message we signed may touch an address.
      auto id = GatewayMessageIdFromEmailId(report.provider_message_id, domain, key);
      if (!id) continue;
      report.message_id = *id;
      RETURN_IF_ERROR(inbound.Report(source, report).status());
    }
    return absl::OkStatus();
  }
  parsed.message.provider = provider.name;
  parsed.message.auto_reply = parsed.auto_reply;
  parsed.message.answers = VerifiedAnswers(parsed.message.references, domain, key);
  return inbound.Receive(source, parsed.message).status();
}

}  // namespace ogw
