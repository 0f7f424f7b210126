// SmtpProvider behind CircuitBreakerProvider, as Runtime wires every provider: against a port
// nobody listens on, a server that never answers and an aiosmtpd that refuses everything with
// 421 or 451 (tests/servers/smtp_server.h). The circuit opens after the threshold, an open
// circuit answers without connecting, messages come back transient (waiting, never failed),
// and once a good server takes the port and the open period is over the probe goes through
// and the circuit closes. The last test runs the same outage through the delivery worker.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "adapters/common/circuit_breaker.h"
#include "adapters/email/smtp_provider.h"
#include "gateway/core/clock.h"
#include "tests/gateway/delivery/worker_harness.h"
#include "tests/servers/smtp_server.h"

namespace ogw {
namespace {

using ogw::testing::SmtpServer;
using ogw::testing::SmtpServerOptions;
using ::testing::StartsWith;
using Outcome = SendResult::Outcome;
using SteadyClock = std::chrono::steady_clock;

constexpr char kDomain[] = "mail.example.org";
constexpr char kFromAddress[] = "news@example.org";
constexpr char kMessageIdKey[] = "breaker-test-message-id-key-0123456789";
constexpr int kThreshold = 3;
constexpr int64_t kOpenMillis = 30'000;
constexpr int kRefusedBatches = 20;

// A loopback port that refuses connections: bound, so nobody else takes it, but not listening
// (until Listen()). Release() frees it for a server to bind.
class ReservedPort {
 public:
  ReservedPort() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~ReservedPort() { Release(); }
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;

  int port() const { return port_; }
  // The kernel then completes handshakes that nobody accepts: connections that never greet.
  bool Listen() { return listen(fd_, 64) == 0; }
  void Release() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  int port_ = 0;
};

std::string Dump(const SendResult& r) {
  return std::string(OutcomeName(r.outcome)) + "|" + r.code + "|" + r.reason +
         (r.attempted ? "" : "|not attempted");
}

SmtpConfig Config(int port) {
  SmtpConfig config;
  config.name = "smtp-breaker";
  config.url = "smtp://127.0.0.1:" + std::to_string(port);
  config.starttls = "none";
  config.from_address = kFromAddress;
  config.message_id_domain = kDomain;
  config.message_id_key = kMessageIdKey;
  config.timeout_ms = 5000;
  config.connections = 2;
  return config;
}

class SmtpBreakerTest : public ::testing::Test {
 protected:
  void Wrap(SmtpConfig config) {
    counting_ = std::make_shared<FakeProvider>(std::make_shared<SmtpProvider>(config));
    breaker_ = std::make_unique<CircuitBreakerProvider>(
        counting_, &clock_, CircuitBreakerOptions{kThreshold, kOpenMillis});
  }

  std::vector<SendResult> Send(int count = 3) {
    std::vector<OutboundMessage> batch;
    for (int i = 0; i < count; ++i) {
      OutboundMessage m;
      m.message_id = "cmp_br:" + std::to_string(next_++);
      m.org_id = "org_1";
      m.channel = Channel::kEmail;
      m.to = "person" + std::to_string(next_) + "@example.com";
      m.subject = "Meeting on Friday";
      m.text = "Hello,\nthe meeting is on Friday.\n";
      batch.push_back(std::move(m));
    }
    std::vector<SendResult> results(batch.size());
    breaker_->SendBatch(batch, results);
    return results;
  }

  // Sends batches until the circuit opens: the first threshold-1 fail as attempts with
  // `code`, the one that opens the circuit does not count as an attempt. Never permanent.
  void FailUntilOpen(const std::string& code) {
    for (int batch = 1; batch <= kThreshold; ++batch) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      ASSERT_FALSE(breaker_->open());
      for (const SendResult& r : Send()) {
        EXPECT_EQ(r.outcome, Outcome::kTransient) << Dump(r);
        EXPECT_EQ(r.code, code) << Dump(r);
        EXPECT_EQ(r.attempted, batch < kThreshold) << Dump(r);
        if (batch == kThreshold) {
          EXPECT_GE(r.retry_after_millis, kOpenMillis);
        }
      }
    }
    EXPECT_TRUE(breaker_->open());
    EXPECT_EQ(counting_->Batches(), kThreshold);
  }

  // While open, every batch is answered at once without reaching SmtpProvider.
  void ExpectRefusedWithoutTrying() {
    const int before = counting_->Batches();
    const auto start = SteadyClock::now();
    for (int i = 0; i < kRefusedBatches; ++i) {
      for (const SendResult& r : Send()) {
        EXPECT_EQ(r.outcome, Outcome::kTransient) << Dump(r);
        EXPECT_FALSE(r.attempted);
        EXPECT_EQ(r.code, "circuit_open");
        EXPECT_GT(r.retry_after_millis, 0);
      }
      clock_.Advance(kOpenMillis / (2 * kRefusedBatches));  // Still within the open period.
    }
    EXPECT_LT(SteadyClock::now() - start, std::chrono::milliseconds(500));
    EXPECT_EQ(counting_->Batches(), before) << "an open circuit does not call the provider";
    EXPECT_TRUE(breaker_->open());
  }

  // The open period ends; the probe goes to the (recovered) server and closes the circuit.
  void ExpectRecovery(const SmtpServer& server) {
    const size_t received = server.Received().size();
    clock_.Advance(kOpenMillis);
    for (const SendResult& r : Send()) {
      EXPECT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
      EXPECT_THAT(r.provider_message_id, StartsWith("cmp_br."));
    }
    EXPECT_FALSE(breaker_->open());
    for (const SendResult& r : Send()) EXPECT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
    EXPECT_EQ(server.Received().size(), received + 6);
  }

  FakeClock clock_;
  std::shared_ptr<FakeProvider> counting_;
  std::unique_ptr<CircuitBreakerProvider> breaker_;
  int next_ = 0;
};

TEST_F(SmtpBreakerTest, NothingListeningOpensTheCircuitUntilAServerTakesThePort) {
  ReservedPort port;
  ASSERT_GT(port.port(), 0);
  Wrap(Config(port.port()));
  FailUntilOpen("connect");
  ExpectRefusedWithoutTrying();

  // The server comes up, but the circuit stays open for its period: nobody connects yet.
  port.Release();
  SmtpServerOptions options;
  options.port = port.port();
  SmtpServer server(options);
  const absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  for (const SendResult& r : Send()) EXPECT_EQ(r.code, "circuit_open") << Dump(r);
  EXPECT_EQ(server.sessions(), 0);
  ExpectRecovery(server);
}

TEST_F(SmtpBreakerTest, AServerThatNeverAnswersCostsTimeoutsOnlyUntilTheCircuitOpens) {
  ReservedPort port;
  ASSERT_TRUE(port.Listen());
  SmtpConfig config = Config(port.port());
  config.timeout_ms = 300;
  config.connections = 3;  // Each message of a batch times out in parallel.
  Wrap(config);
  const auto start = SteadyClock::now();
  FailUntilOpen("timeout");
  EXPECT_GE(SteadyClock::now() - start, std::chrono::milliseconds(kThreshold * 300));
  ExpectRefusedWithoutTrying();  // 20 batches in well under one timeout.
}

class SmtpRefusingBreakerTest : public SmtpBreakerTest,
                                public ::testing::WithParamInterface<const char*> {};

TEST_P(SmtpRefusingBreakerTest, RefusalsOpenTheCircuitUntilTheServerRecovers) {
  const std::string reply = GetParam();
  SmtpServerOptions refusing_options;
  refusing_options.refuse_all = reply;
  SmtpServer refusing(refusing_options);
  absl::Status started = refusing.Start();
  ASSERT_TRUE(started.ok()) << started;
  const int port = refusing.port();
  Wrap(Config(port));

  const std::string code = "smtp_" + reply.substr(0, 3);
  FailUntilOpen(code);
  const int sessions = refusing.sessions();
  EXPECT_GE(sessions, 1);
  ExpectRefusedWithoutTrying();
  EXPECT_EQ(refusing.sessions(), sessions) << "an open circuit does not connect";

  // Half open while the server still refuses: one probe reaches it, fails without using up
  // attempts, and the circuit opens for another period.
  clock_.Advance(kOpenMillis);
  for (const SendResult& r : Send()) {
    EXPECT_EQ(r.outcome, Outcome::kTransient) << Dump(r);
    EXPECT_EQ(r.code, code) << Dump(r);
    EXPECT_FALSE(r.attempted) << Dump(r);
  }
  EXPECT_EQ(counting_->Batches(), kThreshold + 1);
  EXPECT_GT(refusing.sessions(), sessions);
  EXPECT_TRUE(breaker_->open());
  const int after_probe = refusing.sessions();
  ExpectRefusedWithoutTrying();
  EXPECT_EQ(refusing.sessions(), after_probe);
  EXPECT_TRUE(refusing.Received().empty());

  // The server recovers on the same port.
  refusing.Stop();
  SmtpServerOptions good_options;
  good_options.port = port;
  SmtpServer good(good_options);
  started = good.Start();
  ASSERT_TRUE(started.ok()) << started;
  ExpectRecovery(good);
}

INSTANTIATE_TEST_SUITE_P(Replies, SmtpRefusingBreakerTest,
                         ::testing::Values("421 4.3.2 Service shutting down, closing channel",
                                           "451 4.3.2 System not accepting network messages"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           return "Smtp" + std::string(param.param).substr(0, 3);
                         });

}  // namespace

// ---------------------------------------------------------------------------------------------
// The same outage through the delivery worker: messages wait, they never fail or die.

namespace testing {
namespace {

class SmtpBreakerWorkerTest : public WorkerTest {
 protected:
  // `n` contacts with one e-mail address each (consent granted), and an e-mail campaign to
  // all of them.
  Campaign LaunchEmail(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      Contact c;
      c.id = NewId("c", kStart + static_cast<int64_t>(i));
      c.org_id = org_;
      c.name = "Person " + std::to_string(i);
      c.languages = {"en"};
      Address email;
      email.kind = AddressKind::kEmail;
      email.value = "person" + std::to_string(i) + "@example.com";
      email.verified = true;
      email.consent = Consent{ConsentState::kGranted, "test", clock_.NowMillis()};
      c.addresses.push_back(email);
      c.created_at_millis = c.updated_at_millis = clock_.NowMillis();
      auto put = stack_->contacts.Put(c, 0, nullptr);
      EXPECT_TRUE(put.ok()) << put.status();
    }
    FieldErrors errors;
    auto tmpl = TemplateFromJson({{"name", "Invitation"},
                                  {"default_language", "en"},
                                  {"variants",
                                   {{"en",
                                     {{"body", "Hello {{contact.name}}, see you on Friday."},
                                      {"subject", "Meeting on Friday"}}}}}},
                                 &errors);
    EXPECT_TRUE(tmpl.ok()) << tmpl.status();
    if (!tmpl.ok()) return {};
    tmpl->org_id = org_;
    auto created_template = stack_->templates.Create(*tmpl);
    EXPECT_TRUE(created_template.ok()) << created_template.status();
    Campaign campaign;
    campaign.org_id = org_;
    campaign.name = "E-mail campaign";
    campaign.template_id = created_template.ok() ? created_template->id : "";
    campaign.segment_id = stack_->CreateSegment(org_, "has(email)");
    campaign.channel = "email";
    auto created = stack_->campaigns.Create(campaign);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return {};
    auto launched = stack_->launcher.Launch(org_, created->id);
    EXPECT_TRUE(launched.ok()) << launched.status();
    return launched.ok() ? *launched : Campaign{};
  }
};

TEST_F(SmtpBreakerWorkerTest, MessagesWaitWhileTheServerRefusesAndGoOutWhenItRecovers) {
  SmtpServerOptions refusing_options;
  refusing_options.refuse_all = "451 4.3.2 System not accepting network messages";
  SmtpServer refusing(refusing_options);
  absl::Status started = refusing.Start();
  ASSERT_TRUE(started.ok()) << started;
  const int port = refusing.port();
  auto counting = std::make_shared<FakeProvider>(std::make_shared<SmtpProvider>(Config(port)));
  auto breaker = std::make_shared<CircuitBreakerProvider>(
      counting, &clock_, CircuitBreakerOptions{kThreshold, kOpenMillis});
  stack_->providers.Bind(Channel::kEmail, ProviderBinding{breaker, "smtp-account", {}});

  constexpr int kMessages = 10;
  const Campaign c = LaunchEmail(kMessages);
  ASSERT_FALSE(c.id.empty());
  // Two minutes of refusals: far more passes than max_attempts (3), none of them fatal.
  constexpr int kRounds = 12;
  constexpr int64_t kRoundMillis = 10'000;
  for (int round = 0; round < kRounds; ++round) {
    RunUntilIdle();
    clock_.Advance(kRoundMillis);
  }
  EXPECT_TRUE(breaker->open());
  EXPECT_EQ(Stats(c)["dead"], 0);
  EXPECT_EQ(Stats(c)["failed"], 0);
  EXPECT_EQ(Stats(c)["sent"], 0);
  EXPECT_EQ(Stats(c)["pending"], kMessages);
  // Three batches open the circuit, then one probe per open period reaches the server; every
  // other pass was answered by the breaker. (The server counts a connection per message: curl
  // does not keep a session the server refused.)
  const int max_batches = kThreshold + static_cast<int>(kRounds * kRoundMillis / kOpenMillis) + 1;
  EXPECT_LE(counting->Batches(), max_batches);
  EXPECT_LE(refusing.sessions(), max_batches * Options().group_size);
  EXPECT_TRUE(refusing.Received().empty());

  refusing.Stop();
  SmtpServerOptions good_options;
  good_options.port = port;
  SmtpServer good(good_options);
  started = good.Start();
  ASSERT_TRUE(started.ok()) << started;
  for (int round = 0; round < 12 && Stats(c)["pending"] > 0; ++round) {
    clock_.Advance(kOpenMillis);
    RunUntilIdle();
  }
  EXPECT_EQ(Stats(c)["sent"], kMessages);
  EXPECT_FALSE(breaker->open());
  std::set<std::string> recipients;
  for (const ReceivedEmail& email : good.Received()) {
    for (const std::string& to : email.rcpt_tos) recipients.insert(to);
  }
  EXPECT_EQ(recipients.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(good.Received().size(), static_cast<size_t>(kMessages)) << "each sent exactly once";
}

}  // namespace
}  // namespace testing
}  // namespace ogw
