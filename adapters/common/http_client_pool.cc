#include "adapters/common/http_client_pool.h"

#include <algorithm>

namespace ogw {

HttpClientPool::HttpClientPool(HttpBatchClientOptions options, size_t max_idle)
    : options_(options), max_idle_(std::max<size_t>(max_idle, 1)) {}

HttpClientPool::~HttpClientPool() = default;

void HttpClientPool::Perform(std::span<const HttpRequest> requests,
                             std::span<HttpResponse> responses) {
  std::unique_ptr<HttpBatchClient> client;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      client = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!client) client = std::make_unique<HttpBatchClient>(options_);
  client->Perform(requests, responses);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(std::move(client));
      return;
    }
  }
  // One more than the pool keeps: closed here, outside the lock, with its connections.
  client.reset();
}

}  // namespace ogw
