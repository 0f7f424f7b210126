#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "adapters/provider.h"

namespace ogw {

// The provider of tests: answers each message from a script (accepts everything unless told
// otherwise), or passes whole batches to a real provider it wraps (a spy); either way it
// remembers every message it was given, in order, and counts the batches. Thread-safe:
// several worker threads may call SendBatch at once.
class FakeProvider final : public Provider {
 public:
  // Answers one message. `call_no` counts the earlier times this provider was given the same
  // message id (0 on its first attempt), so "fail the first attempt" is `call_no == 0`.
  using Responder = std::function<SendResult(const OutboundMessage& message, int call_no)>;

  FakeProvider() = default;
  // A spy: every batch goes to `inner`, whose answers are returned.
  explicit FakeProvider(std::shared_ptr<Provider> inner)
      : name_(inner->name()), inner_(std::move(inner)) {}

  const std::string& name() const override { return name_; }

  void SendBatch(std::span<const OutboundMessage> messages,
                 std::span<SendResult> results) override {
    batches_.fetch_add(1);
    if (inner_ != nullptr) {
      {
        std::lock_guard lock(mu_);
        for (const OutboundMessage& m : messages) {
          ++calls_[m.message_id];
          seen_.push_back(m);
        }
      }
      inner_->SendBatch(messages, results);
      return;
    }
    for (size_t i = 0; i < messages.size(); ++i) {
      int call_no = 0;
      int64_t seq = 0;
      Responder responder;
      {
        std::lock_guard lock(mu_);
        call_no = calls_[messages[i].message_id]++;
        seq = static_cast<int64_t>(seen_.size());
        seen_.push_back(messages[i]);
        responder = responder_;
      }
      // Outside the lock: a responder may look at what the provider saw.
      results[i] = responder ? responder(messages[i], call_no) : Accepted(seq);
    }
  }

  void SetResponder(Responder responder) {
    std::lock_guard lock(mu_);
    responder_ = std::move(responder);
  }

  // Every message answered with `outcome` (code "connect" unless accepted), as a provider that
  // is up, down or refusing answers.
  void AnswerEvery(SendResult::Outcome outcome) {
    SetResponder([outcome](const OutboundMessage&, int) {
      SendResult r;
      r.outcome = outcome;
      r.code = outcome == SendResult::Outcome::kAccepted ? "" : "connect";
      return r;
    });
  }

  static SendResult Accepted(int64_t n) {
    SendResult r;
    r.outcome = SendResult::Outcome::kAccepted;
    r.provider_message_id = "p-" + std::to_string(n);
    return r;
  }
  static SendResult Transient(std::string code, int64_t retry_after_millis = 0) {
    SendResult r;
    r.outcome = SendResult::Outcome::kTransient;
    r.code = std::move(code);
    r.reason = "temporarily unavailable";
    r.retry_after_millis = retry_after_millis;
    return r;
  }
  static SendResult Permanent(std::string code, std::string reason) {
    SendResult r;
    r.outcome = SendResult::Outcome::kPermanent;
    r.code = std::move(code);
    r.reason = std::move(reason);
    return r;
  }

  // How many batches the provider was given.
  int Batches() const { return batches_.load(); }
  // Every message given so far, in the order given.
  std::vector<OutboundMessage> Seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  size_t Count() const {
    std::lock_guard lock(mu_);
    return seen_.size();
  }
  // How many times the message with this id was given.
  int CountOf(const std::string& message_id) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(message_id);
    return it == calls_.end() ? 0 : it->second;
  }
  std::vector<std::string> Ids() const {
    std::vector<std::string> ids;
    for (const auto& m : Seen()) ids.push_back(m.message_id);
    return ids;
  }

 private:
  const std::string name_ = "fake";
  const std::shared_ptr<Provider> inner_;
  std::atomic<int> batches_{0};
  mutable std::mutex mu_;
  std::vector<OutboundMessage> seen_;  // Guarded by mu_.
  std::map<std::string, int> calls_;   // Guarded by mu_.
  Responder responder_;                // Guarded by mu_; empty: accept everything.
};

}  // namespace ogw
