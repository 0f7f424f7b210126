#pragma once

#include "adapters/provider_type.h"
#include "gateway/inbound/inbound_pipeline.h"
#include "gateway/inbound/quarantine.h"

namespace ogw {

// What one provider account received, stored: messages and reports through the inbound
// pipeline as the account's organisation and post, the unreadable into the account's
// quarantine. The sink that the inbound routes and pollers of every type hand their batches
// to. Cheap to make per request or per mailbox; as thread-safe as the pipeline.
class AccountInbox final : public InboundSink {
 public:
  // `account` must have an organisation (only such accounts receive). Neither pointer is
  // owned; both outlive the inbox. Without a quarantine, Quarantine answers InvalidArgument.
  AccountInbox(InboundPipeline* inbound, InboundQuarantine* quarantine, ProviderAccount account);

  // Every message through InboundPipeline::Receive, every report through Report, every
  // opt-out through OptOut. The first error other than InvalidArgument stops it; otherwise the
  // first InvalidArgument (content the pipeline cannot take, else the batch's
  // quarantine_reason) is returned once the rest is stored.
  absl::Status Store(const InboundBatch& batch) override;
  absl::Status Quarantine(std::string_view source, std::string_view why, uint64_t bytes,
                          std::string_view sample) override;

  const ProviderAccount& account() const { return account_; }

 private:
  InboundSource SourceOf(const InboundBatch& batch) const;

  InboundPipeline* inbound_;
  InboundQuarantine* quarantine_;
  const ProviderAccount account_;
};

}  // namespace ogw
