#include "gateway/metrics/metrics.h"

#include <prometheus/text_serializer.h>

namespace ogw {

GatewayMetrics::GatewayMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("ogw_http_requests_total")
                   .Help("HTTP requests by method, route pattern and status code")
                   .Register(*registry_);
  latency_ = &prometheus::BuildHistogram()
                  .Name("ogw_http_request_duration_seconds")
                  .Help("HTTP request latency by route pattern")
                  .Register(*registry_);
  rate_limited_ = &prometheus::BuildCounter()
                       .Name("ogw_http_rate_limited_total")
                       .Help("Requests answered 429 by the per-key rate limit")
                       .Register(*registry_)
                       .Add({});
  import_rows_ = &prometheus::BuildCounter()
                      .Name("ogw_contact_import_rows_total")
                      .Help("Imported contact rows by outcome")
                      .Register(*registry_);
  deliveries_ = &prometheus::BuildCounter()
                     .Name("ogw_delivery_messages_total")
                     .Help("Queued messages by channel, kind (campaign or direct) and outcome")
                     .Register(*registry_);
  quarantined_ = &prometheus::BuildCounter()
                      .Name("ogw_inbound_quarantined_total")
                      .Help("Inbound messages that could not be read, kept in the quarantine")
                      .Register(*registry_);
  in_flight_ = &prometheus::BuildGauge()
                    .Name("ogw_delivery_in_flight")
                    .Help("Messages handed to a provider and not yet answered")
                    .Register(*registry_);
}

void GatewayMetrics::ObserveRequest(std::string_view method, std::string_view route, int status,
                                    double seconds) {
  requests_
      ->Add({{"method", std::string(method)},
             {"route", std::string(route)},
             {"status", std::to_string(status)}})
      .Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  latency_->Add({{"route", std::string(route)}}, kBuckets).Observe(seconds);
}

void GatewayMetrics::CountRateLimited() { rate_limited_->Increment(); }

void GatewayMetrics::CountImport(size_t created, size_t updated, size_t unchanged,
                                 size_t failed) {
  import_rows_->Add({{"outcome", "created"}}).Increment(static_cast<double>(created));
  import_rows_->Add({{"outcome", "updated"}}).Increment(static_cast<double>(updated));
  import_rows_->Add({{"outcome", "unchanged"}}).Increment(static_cast<double>(unchanged));
  import_rows_->Add({{"outcome", "failed"}}).Increment(static_cast<double>(failed));
}

void GatewayMetrics::CountQuarantined(std::string_view source) {
  quarantined_->Add({{"source", std::string(source)}}).Increment();
}

void GatewayMetrics::CountDelivery(std::string_view channel, std::string_view campaign,
                                   std::string_view outcome, double messages) {
  deliveries_
      ->Add({{"channel", std::string(channel)},
             {"kind", campaign.empty() ? "direct" : "campaign"},
             {"outcome", std::string(outcome)}})
      .Increment(messages);
}

void GatewayMetrics::AddInFlight(std::string_view channel, double delta) {
  in_flight_->Add({{"channel", std::string(channel)}}).Increment(delta);
}

std::string GatewayMetrics::Serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace ogw
