#include "gateway/inbound/account_inbox.h"

namespace ogw {

AccountInbox::AccountInbox(InboundPipeline* inbound, InboundQuarantine* quarantine,
                           ProviderAccount account)
    : inbound_(inbound), quarantine_(quarantine), account_(std::move(account)) {}

InboundSource AccountInbox::SourceOf(const InboundBatch& batch) const {
  return InboundSource{account_.organisation, account_.post, account_.name,
                       batch.provider_confirms_keywords, account_.country};
}

absl::Status AccountInbox::Store(const InboundBatch& batch) {
  const InboundSource source = SourceOf(batch);
  absl::Status unreadable;
  for (const InboundMessage& message : batch.messages) {
    absl::Status stored = inbound_->Receive(source, message).status();
    if (stored.code() == absl::StatusCode::kInvalidArgument) {
      if (unreadable.ok()) unreadable = stored;
    } else if (!stored.ok()) {
      return stored;
    }
  }
  for (const DeliveryReport& report : batch.reports) {
    RETURN_IF_ERROR(inbound_->Report(source, report).status());
  }
  for (const AddressOptOut& opt_out : batch.opt_outs) {
    absl::Status stored = inbound_->OptOut(source, opt_out).status();
    if (stored.code() == absl::StatusCode::kInvalidArgument) {
      if (unreadable.ok()) unreadable = stored;
    } else if (!stored.ok()) {
      return stored;
    }
  }
  if (unreadable.ok() && !batch.quarantine_reason.empty()) {
    return absl::InvalidArgumentError(batch.quarantine_reason);
  }
  return unreadable;
}

absl::Status AccountInbox::Quarantine(std::string_view source, std::string_view why, uint64_t bytes,
                                      std::string_view sample) {
  if (quarantine_ == nullptr) return absl::InvalidArgumentError(std::string(why));
  return quarantine_->Put(account_.organisation, account_.name,
                          {std::string(source), std::string(why), bytes, std::string(sample)});
}

}  // namespace ogw
