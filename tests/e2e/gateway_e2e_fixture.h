#pragma once

// The gateway of ApiTest run against real servers (Kannel, SMTP, IMAP) and provider fakes: a
// fixed public port the servers can call back, a worker to drain the queue, and what the
// servers received.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "adapters/sms/kannel_webhooks.h"
#include "gateway/config/provider_settings.h"
#include "tests/servers/kannel_server.h"
#include "tests/testutil/api_harness.h"

namespace ogw::testing {

inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// Polls `done` for up to 15 s.
inline bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 300; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// The gateway of ApiTest, opened a second time with providers that belong to the bootstrapped
// organisation (its id exists only after the first start), serving on a port chosen first so
// that its public URL is known to the providers it calls back from.
class GatewayE2eTest : public ApiTest {
 protected:
  using json = nlohmann::json;

  void Reopen(const std::function<void(GatewayConfig&, const std::string& org)>& providers) {
    org_ = Get("/v1/me", admin_token_).json.value("org_id", "");
    ASSERT_FALSE(org_.empty());
    worker_.reset();  // It works on the runtime about to close.
    // The same port each time: Kannel is configured with the first one.
    if (port_ == 0) port_ = FreePort();
    ASSERT_NE(port_, 0);
    const int port = port_;
    config_.server.port = port;
    config_.links.public_base_url = "http://127.0.0.1:" + std::to_string(port);
    providers(config_, org_);
    RestartGateway();
    if (HasFatalFailure()) return;
    worker_ = runtime_->NewWorker();
  }

  void TearDown() override {
    worker_.reset();
    ApiTest::TearDown();
  }

  // A real Kannel whose SMS service calls this gateway back as provider `provider`, and the
  // gateway reopened sending SMS through it from `from`; null (the test failed) when either
  // does not start. Kannel needs the gateway's URL for incoming SMS before it starts, and the
  // gateway needs Kannel's sendsms URL: the gateway's port is picked first.
  std::unique_ptr<KannelServer> OpenWithKannel(const std::string& provider,
                                               const std::string& inbound_secret,
                                               const std::string& from) {
    Reopen([](GatewayConfig&, const std::string&) {});
    if (HasFatalFailure()) return nullptr;
    KannelServerOptions options;
    options.sms_service_get_url = KannelSmsServiceGetUrl(
        config_.links.public_base_url + "/v1/inbound/kannel/" + provider, inbound_secret,
        provider);
    auto kannel = std::make_unique<KannelServer>(options);
    if (absl::Status started = kannel->Start(); !started.ok()) {
      ADD_FAILURE() << started << kannel->LogTails();
      return nullptr;
    }
    Reopen([&](GatewayConfig& c, const std::string& org) {
      auto p = ProviderAccountFromJson({{"name", provider},
                                        {"type", "kannel"},
                                        {"channels", {"sms"}},
                                        {"organisation", org},
                                        {"url", kannel->SendsmsUrl()},
                                        {"username", kannel->username()},
                                        {"password", kannel->password()},
                                        {"from", from},
                                        {"inbound_secret", inbound_secret}},
                                       ProviderSource::kConfig);
      ASSERT_TRUE(p.ok()) << p.status();
      c.delivery.providers = {*p};
    });
    if (HasFatalFailure()) return nullptr;
    return kannel;
  }

  // Creates a campaign of `template_body` to everyone on `channel`, launches it and runs the
  // worker until nothing is left to do; returns the campaign id.
  std::string RunCampaign(const json& template_body, const std::string& channel) {
    const std::string tmpl = CreateTemplate(template_body, admin_token_);
    const std::string segment =
        CreateSegment({{"name", "Everyone " + channel}, {"expression", "true"}}, admin_token_);
    HttpResult created = Post("/v1/campaigns",
                              {{"name", "Invitation"},
                               {"template_id", tmpl},
                               {"segment_id", segment},
                               {"channel", channel}},
                              admin_token_);
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = created.json.value("id", "");
    HttpResult launched = Post("/v1/campaigns/" + id + "/launch", json::object(), admin_token_);
    EXPECT_EQ(launched.status, 202) << launched.body;
    DrainWorker();
    return id;
  }

  void DrainWorker() {
    for (int i = 0; i < 20; ++i) {
      auto handled = worker_->RunOnce();
      ASSERT_TRUE(handled.ok()) << handled.status();
      if (*handled == 0) break;
    }
  }

  json Entries(const std::string& contact) {
    return Get("/v1/contacts/" + contact + "/conversation", admin_token_)
        .json.value("entries", json::array());
  }
  // The first entry of `kind` (newest first), or null.
  json Find(const std::string& contact, const std::string& kind) {
    for (const json& e : Entries(contact)) {
      if (e["kind"] == kind) return e;
    }
    return nullptr;
  }

  // Whether fakesmsc has received a message containing `text`.
  static bool Received(const KannelServer& kannel, const std::string& text) {
    for (const FakeSmscMessage& m : kannel.ReceivedMessages()) {
      // Long UCS-2 messages arrive as joined parts ("udh"), whose text is UTF-16BE.
      const std::string decoded = m.type == "udh" ? m.Ucs2Text() : m.Text();
      if (decoded.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::string org_;
  int port_ = 0;
  std::unique_ptr<DeliveryWorker> worker_;
};

}  // namespace ogw::testing
