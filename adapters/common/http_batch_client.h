#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/common/destination_policy.h"

namespace ogw {

// One HTTP request of a batch. The client reads it in place: it must outlive Perform().
struct HttpRequest {
  std::string method = "POST";       // "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", ...
  std::string url;                   // Absolute http:// or https:// URL.
  std::vector<std::string> headers;  // "Name: value" lines, sent as given.
  std::string body;                  // Sent with Content-Length for every method but GET/HEAD.
};

// How one request ended. A transport failure (refused, timed out, reset, TLS error) has
// status 0 and a curl_code other than CURLE_OK; otherwise status is the HTTP status code.
struct HttpResponse {
  long status = 0;
  CURLcode curl_code = CURLE_OK;
  std::string error;        // curl's description of a transport failure; never the body.
  std::string status_text;  // Reason phrase of the status line ("Bad Request"); empty for HTTP/2.
  std::string retry_after;  // Raw Retry-After header value, if the response carried one.
  std::string body;         // The first kMaxBodyBytes of the response body.

  static constexpr size_t kMaxBodyBytes = 64 * 1024;
};

struct HttpBatchClientOptions {
  size_t max_in_flight = 1000;      // Requests on the wire at once; the rest wait their turn.
  long connect_timeout_ms = 2000;   // TCP (+TLS) connect, per request.
  long request_timeout_ms = 10000;  // Whole request, counted from when it goes in flight.
  // Where connections may go (accounts added through the API); null: anywhere.
  std::shared_ptr<const DestinationPolicy> destinations;
};

// Performs batches of HTTP requests concurrently on the calling thread with the libcurl multi
// interface (curl_multi_socket_action over a private epoll set): up to max_in_flight requests
// share one thread instead of one blocking call per thread. Connections and curl handles stay
// open between batches, so successive batches to the same host reuse keep-alive connections.
//
// The requests in flight are spread over several multi handles ("shards") of at most
// kTransfersPerShard each, all served by the one epoll set. libcurl 7.88 looks through every
// connection of its multi handle's cache to start or end a transfer, so one multi handle with
// hundreds of connections spends more on that search than on the request; shards keep each
// cache small. Shards are filled in order, so successive batches find their connections again.
//
// Not thread-safe: one instance serves one Perform() at a time. Pool instances to share them
// among threads (see WebhookProvider).
class HttpBatchClient {
 public:
  explicit HttpBatchClient(HttpBatchClientOptions options = {});
  ~HttpBatchClient();
  HttpBatchClient(const HttpBatchClient&) = delete;
  HttpBatchClient& operator=(const HttpBatchClient&) = delete;

  // Sends requests[i] and fills responses[i]; the spans have the same size. Blocks until every
  // request has a response or has failed; never throws. Per-request failures are reported in
  // the response; if the client itself cannot work (no epoll, curl out of memory) every
  // affected response says so with curl_code CURLE_FAILED_INIT or CURLE_OUT_OF_MEMORY.
  void Perform(std::span<const HttpRequest> requests, std::span<HttpResponse> responses);

 private:
  struct Transfer;
  struct Shard;

  // Transfers per multi handle: small enough that libcurl's per-transfer search of the
  // connection cache stays cheap, large enough that few handles serve a batch.
  static constexpr size_t kTransfersPerShard = 32;

  Shard* ShardWithRoom();
  Transfer* AcquireTransfer();
  bool Start(Shard* shard, Transfer* transfer, const HttpRequest& request,
             HttpResponse* response);
  void Finish(Transfer* transfer, CURLcode code);
  size_t DrainCompleted(Shard* shard);
  void RunDueTimers();
  int WaitMillis() const;

  static int OnSocket(CURL* easy, curl_socket_t socket, int what, void* shard,
                      void* socket_data);
  static int OnTimer(CURLM* multi, long timeout_ms, void* shard);

  const HttpBatchClientOptions options_;
  CURLSH* share_ = nullptr;
  int epoll_fd_ = -1;
  std::vector<std::unique_ptr<Shard>> shards_;         // Created as batches need them.
  std::vector<std::unique_ptr<Transfer>> transfers_;  // Every transfer ever created.
  std::vector<Transfer*> idle_;                       // Those not in flight.
  bool warmed_up_ = false;  // A request has completed: DNS and TLS session caches are warm.
};

}  // namespace ogw
