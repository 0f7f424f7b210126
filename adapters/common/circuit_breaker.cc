#include "adapters/common/circuit_breaker.h"

#include <algorithm>

namespace ogw {

CircuitBreakerProvider::CircuitBreakerProvider(std::shared_ptr<Provider> inner,
                                               const Clock* clock,
                                               CircuitBreakerOptions options)
    : inner_(std::move(inner)), clock_(clock), options_(options) {}

bool CircuitBreakerProvider::open() const {
  std::lock_guard lock(mu_);
  return open_until_ != 0;
}

void CircuitBreakerProvider::SendBatch(std::span<const OutboundMessage> messages,
                                       std::span<SendResult> results) {
  const int64_t now = clock_->NowMillis();
  {
    std::lock_guard lock(mu_);
    const bool refuse = open_until_ != 0 && (now < open_until_ || probing_);
    if (refuse) {
      const int64_t wait = std::max<int64_t>(open_until_ - now, 1'000);
      for (SendResult& r : results) {
        r = SendResult{};
        r.outcome = SendResult::Outcome::kTransient;
        r.attempted = false;
        r.code = "circuit_open";
        r.reason = "the provider failed repeatedly; waiting before trying again";
        r.retry_after_millis = wait;
      }
      return;
    }
    if (open_until_ != 0) probing_ = true;  // Half open: this batch is the probe.
  }
  inner_->SendBatch(messages, results);
  int64_t pause = 0;
  for (const SendResult& r : results) pause = std::max(pause, r.pause_account_millis);
  if (pause > 0) {
    // The provider stopped the whole account (spam limit, expired token): nothing else would
    // get through either, so the circuit opens now, and this batch's messages wait too.
    std::lock_guard lock(mu_);
    probing_ = false;
    open_until_ = clock_->NowMillis() + pause;
    for (SendResult& r : results) {
      if (r.outcome != SendResult::Outcome::kTransient) continue;
      r.attempted = false;
      r.retry_after_millis = std::max(r.retry_after_millis, pause);
    }
    return;
  }
  const bool all_failed =
      !results.empty() && std::all_of(results.begin(), results.end(), [](const SendResult& r) {
        return r.outcome == SendResult::Outcome::kTransient;
      });
  std::lock_guard lock(mu_);
  probing_ = false;
  if (!all_failed) {
    failed_batches_ = 0;
    open_until_ = 0;
    return;
  }
  if (open_until_ != 0 || ++failed_batches_ >= options_.failed_batches_to_open) {
    open_until_ = clock_->NowMillis() + options_.open_millis;
    // The provider is down: the batch that showed it (or the failed probe) does not use up
    // its messages' attempts either, so a long outage delays messages but kills none.
    for (SendResult& r : results) {
      r.attempted = false;
      r.retry_after_millis = std::max(r.retry_after_millis, options_.open_millis);
    }
  }
}

}  // namespace ogw
