#include "gateway/api/scan_gate.h"

#include "gateway/core/key_schema.h"

namespace ogw {

ScanGate::ScanGate(GcraRateLimiter* limiter, RateLimit rate, int max_concurrent_per_org)
    : limiter_(limiter), rate_(rate), max_concurrent_(max_concurrent_per_org) {}

ScanGate::Permit::~Permit() {
  if (gate_ != nullptr) gate_->Leave(org_);
}

std::optional<ScanGate::Permit> ScanGate::Enter(const std::string& org_id,
                                                ApiResponse* problem) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    int& running = running_[org_id];
    if (running >= max_concurrent_) {
      *problem = TooManyRequests("your organisation already has " + std::to_string(running) +
                                     " scans running; retry when one has finished",
                                 1000);
      return std::nullopt;
    }
    ++running;
  }
  Permit permit(this, org_id);  // From here on the slot is released on every path.
  auto decision = limiter_->Acquire(keys::ScanRateLimit(org_id), rate_);
  if (!decision.ok()) {
    *problem = ProblemFromStatus(decision.status());
    return std::nullopt;
  }
  if (!decision->allowed) {
    *problem = TooManyRequests(
        "previews and validations scan the whole organisation and have a rate of their own; "
        "retry later",
        decision->retry_after_millis);
    return std::nullopt;
  }
  return std::optional<Permit>(std::move(permit));
}

void ScanGate::Leave(const std::string& org_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = running_.find(org_id);
  if (it != running_.end() && --it->second <= 0) running_.erase(it);
}

}  // namespace ogw
