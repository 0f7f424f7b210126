#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "gateway/api/problem.h"
#include "gateway/core/rate_limiter.h"

namespace ogw {

// Admission for requests that scan a whole organisation (segment previews, template
// validation): a rate per organisation, shared by every gateway process through Redis, and a
// number that may run at once in this process. Without it one key at its ordinary request
// rate keeps the API's threads and Redis busy scanning for every tenant. Thread-safe.
class ScanGate {
 public:
  ScanGate(GcraRateLimiter* limiter, RateLimit rate, int max_concurrent_per_org);

  // Held while a scan runs; leaving releases the slot.
  class Permit {
   public:
    Permit(ScanGate* gate, std::string org) : gate_(gate), org_(std::move(org)) {}
    Permit(Permit&& other) noexcept : gate_(other.gate_), org_(std::move(other.org_)) {
      other.gate_ = nullptr;
    }
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    Permit& operator=(Permit&&) = delete;
    ~Permit();

   private:
    ScanGate* gate_;
    std::string org_;
  };

  // A permit for one scan of `org_id`, or the problem to answer: 429 with Retry-After when the
  // organisation is over its rate or has max_concurrent_per_org scans running here.
  std::optional<Permit> Enter(const std::string& org_id, ApiResponse* problem);

 private:
  void Leave(const std::string& org_id);

  GcraRateLimiter* limiter_;
  const RateLimit rate_;
  const int max_concurrent_;
  std::mutex mu_;
  std::map<std::string, int> running_;  // Guarded by mu_.
};

}  // namespace ogw
