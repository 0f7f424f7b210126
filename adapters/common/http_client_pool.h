#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "adapters/common/http_batch_client.h"

namespace ogw {

// HttpBatchClients shared by the threads of one provider: each Perform borrows a client (a new
// one when none is idle) and gives it back, keeping up to `max_idle` with their keep-alive
// connections, so connections are reused from batch to batch. Thread-safe.
class HttpClientPool {
 public:
  HttpClientPool(HttpBatchClientOptions options, size_t max_idle);
  ~HttpClientPool();

  void Perform(std::span<const HttpRequest> requests, std::span<HttpResponse> responses);

 private:
  const HttpBatchClientOptions options_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpBatchClient>> idle_;  // Guarded by mu_.
};

}  // namespace ogw
