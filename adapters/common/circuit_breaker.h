#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "adapters/provider.h"
#include "gateway/core/clock.h"

namespace ogw {

struct CircuitBreakerOptions {
  // Consecutive batches in which every message failed transiently (the provider is down or
  // refusing everything) before the circuit opens.
  int failed_batches_to_open = 3;
  // How long an open circuit answers at once, without calling the provider; then one batch
  // is let through to probe (half open).
  int64_t open_millis = 30'000;
};

// Wraps a provider so that one that is down does not eat worker time: after a run of batches
// that failed entirely with transient errors, SendBatch answers every message at once as not
// attempted (SendResult::attempted = false, code "circuit_open", retry after the open period)
// until the period ends; then one probing batch goes through, and its success closes the
// circuit. Messages wait rather than fail: not-attempted answers do not count as attempts,
// and neither do the answers of the batch that opened the circuit or of a failed probe.
// A result with pause_account_millis (the provider stopped the whole account) opens the
// circuit at once for that long. Thread-safe; the state is per process.
class CircuitBreakerProvider final : public Provider {
 public:
  CircuitBreakerProvider(std::shared_ptr<Provider> inner, const Clock* clock,
                         CircuitBreakerOptions options = {});

  const std::string& name() const override { return inner_->name(); }
  void SendBatch(std::span<const OutboundMessage> messages,
                 std::span<SendResult> results) override;

  bool open() const;

 private:
  std::shared_ptr<Provider> inner_;
  const Clock* clock_;
  CircuitBreakerOptions options_;
  mutable std::mutex mu_;
  int failed_batches_ = 0;       // Guarded by mu_.
  int64_t open_until_ = 0;       // Guarded by mu_; 0 = closed.
  bool probing_ = false;         // Guarded by mu_: a half-open probe is in flight.
};

}  // namespace ogw
