#include "gateway/inbound/email_intake.h"

#include "adapters/email/email_message_id.h"
#include "adapters/email/mime_parser.h"

namespace ogw {

std::string MessageIdDomain(const ProviderSettings& provider) {
  const size_t at = provider.from.rfind('@');
  return at == std::string::npos ? std::string() : provider.from.substr(at + 1);
}

absl::Status TakeEmail(InboundPipeline& inbound, const ProviderSettings& provider,
                       std::string_view raw) {
  ASSIGN_OR_RETURN(ParsedEmail parsed, ParseEmail(raw));
  const InboundSource source{provider.organisation, provider.post, provider.name, false};
  if (parsed.kind == ParsedEmail::Kind::kDeliveryReport) {
    const std::string domain = MessageIdDomain(provider);
    for (DeliveryReport& report : parsed.reports) {
      report.provider = provider.name;
      // A bounce of a message the gateway did not send (or of another domain's) names none.
      auto id = GatewayMessageIdFromEmailId(report.provider_message_id, domain);
      if (!id) continue;
      report.message_id = *id;
      RETURN_IF_ERROR(inbound.Report(source, report).status());
    }
    return absl::OkStatus();
  }
  parsed.message.provider = provider.name;
  parsed.message.auto_reply = parsed.auto_reply;
  return inbound.Receive(source, parsed.message).status();
}

}  // namespace ogw
