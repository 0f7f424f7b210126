#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace ogw {

// The gateway's Prometheus metrics, served as text at /metrics. Thread-safe.
// Later components (queue, adapters) register their families on registry().
class GatewayMetrics {
 public:
  GatewayMetrics();

  // `route` is the route pattern (e.g. "/v1/contacts/{id}"), never the raw path, so label
  // cardinality stays bounded and no identifier or personal data reaches the metrics.
  void ObserveRequest(std::string_view method, std::string_view route, int status,
                      double seconds);
  void CountRateLimited();
  void CountImport(size_t created, size_t updated, size_t unchanged, size_t failed);

  // Something a provider delivered that could not be read, kept in the quarantine; `source`
  // is one of a few fixed names ("imap", "kannel", "twilio", "email_webhook").
  void CountQuarantined(std::string_view source);

  // One message's outcome in the delivery queue (campaign "" for direct messages). Counted
  // by channel and kind (campaign or direct), never by campaign id: the label set stays
  // bounded and no organisation's campaigns show in another's scrape.
  // Outcomes: queued, sent, failed, retried, deferred, dead_lettered, cancelled, held,
  // rate_limited.
  void CountDelivery(std::string_view channel, std::string_view campaign,
                     std::string_view outcome, double messages = 1);
  // Messages handed to a provider and not yet answered, per channel, in this process.
  void AddInFlight(std::string_view channel, double delta);

  prometheus::Registry& registry() { return *registry_; }
  // Prometheus text exposition format 0.0.4.
  std::string Serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* latency_;
  prometheus::Counter* rate_limited_;
  prometheus::Family<prometheus::Counter>* import_rows_;
  prometheus::Family<prometheus::Counter>* deliveries_;
  prometheus::Family<prometheus::Gauge>* in_flight_;
  prometheus::Family<prometheus::Counter>* quarantined_;
};

}  // namespace ogw
