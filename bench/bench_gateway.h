#pragma once

// An in-process gateway (Runtime and HTTP API) over a BenchRedis, with its first admin's key,
// and a loader of generated contacts: for the drivers that measure through the real API.

#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_common.h"
#include "gateway/app/runtime.h"

namespace ogw::bench {

class BenchGateway {
 public:
  explicit BenchGateway(BenchRedis& redis) {
    config_.redis.url = "unix://" + redis.dir() + "/redis.sock";
    config_.server.port = 0;
    config_.server.threads = 4;
    config_.api.rate_limit = {1'000'000, 1'000'000};
    auto runtime = Runtime::Open(config_);
    if (!runtime.ok()) Die(std::string(runtime.status().message()));
    runtime_ = *std::move(runtime);
    auto token = runtime_->BootstrapIfEmpty();
    if (!token.ok() || !token->has_value()) Die("bootstrap failed");
    auth_ = {{"Authorization", "Bearer " + **token}};
    server_ = std::make_unique<ApiServer>(runtime_->Services(), config_.server);
    if (!server_->Start().ok()) Die("server did not start");
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(600, 0);
    auto me = client_->Get("/v1/me", auth_);
    if (!me || me->status != 200) Die("GET /v1/me failed");
    org_ = nlohmann::json::parse(me->body).value("org_id", "");
  }
  ~BenchGateway() { server_->Stop(); }

  Runtime& runtime() { return *runtime_; }
  httplib::Client& client() { return *client_; }
  const httplib::Headers& auth() const { return auth_; }
  const std::string& org() const { return org_; }

  // POSTs `body` to `path` as the admin; the answer's JSON. Exits unless it is 201.
  nlohmann::json Post(const std::string& path, const nlohmann::json& body) {
    auto r = client_->Post(path, auth_, body.dump(), "application/json");
    if (!r || r->status != 201) Die("POST " + path + " failed");
    return nlohmann::json::parse(r->body);
  }

  [[noreturn]] static void Die(const std::string& what) {
    std::fprintf(stderr, "bench: %s\n", what.c_str());
    std::exit(1);
  }

 private:
  GatewayConfig config_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<httplib::Client> client_;
  httplib::Headers auth_;
  std::string org_;
};

// Stores `n` generated contacts of `org` from four threads in batches of 1,000, each made by
// MakePerson and then `adjust`ed; `after` (optional) runs for each stored contact of a batch
// and returns false on failure. Returns false when anything failed.
inline bool LoadContacts(ContactStore& store, const std::string& org, size_t n,
                         const std::function<void(size_t index, Contact& c)>& adjust,
                         const std::function<bool(size_t index, const Contact& c)>& after = {}) {
  constexpr size_t kBatch = 1000;
  const int64_t now = SystemClock::Instance().NowMillis();
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto loader = [&] {
    std::vector<Contact> batch;
    std::vector<ContactStore::PutRequest> puts;
    while (!failed) {
      const size_t start = next.fetch_add(kBatch);
      if (start >= n) break;
      batch.clear();
      for (size_t i = start; i < std::min(n, start + kBatch); ++i) {
        batch.push_back(ToContact(MakePerson(i), org, now));
        adjust(i, batch.back());
      }
      puts.clear();
      for (const Contact& c : batch) puts.push_back({&c, 0, nullptr});
      if (!store.PutMany(puts).ok()) failed = true;
      for (size_t k = 0; after && k < batch.size() && !failed; ++k) {
        if (!after(start + k, batch[k])) failed = true;
      }
    }
  };
  std::vector<std::thread> loaders;
  for (int t = 0; t < 4; ++t) loaders.emplace_back(loader);
  for (auto& t : loaders) t.join();
  return !failed;
}

}  // namespace ogw::bench
