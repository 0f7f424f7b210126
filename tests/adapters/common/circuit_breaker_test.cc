#include "adapters/common/circuit_breaker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "tests/testutil/fake_provider.h"

namespace ogw {
namespace {

class CircuitBreakerTest : public ::testing::Test {
 protected:
  std::vector<SendResult> Send(size_t n = 3) {
    std::vector<OutboundMessage> messages(n);
    std::vector<SendResult> results(n);
    breaker_.SendBatch(messages, results);
    return results;
  }
  void SetUp() override { inner_->AnswerEvery(SendResult::Outcome::kTransient); }

  std::shared_ptr<FakeProvider> inner_ = std::make_shared<FakeProvider>();
  FakeClock clock_;
  CircuitBreakerProvider breaker_{inner_, &clock_, {3, 30'000}};
};

TEST_F(CircuitBreakerTest, OpensAfterBatchesThatFailEntirelyAndStopsCallingTheProvider) {
  for (int i = 0; i < 2; ++i) {
    for (const SendResult& r : Send()) EXPECT_TRUE(r.attempted);
  }
  // The third failed batch opens the circuit; it does not use up its messages' attempts.
  for (const SendResult& r : Send()) EXPECT_FALSE(r.attempted);
  EXPECT_TRUE(breaker_.open());
  const auto refused = Send();
  EXPECT_EQ(inner_->Batches(), 3) << "an open circuit does not call the provider";
  for (const SendResult& r : refused) {
    EXPECT_EQ(r.outcome, SendResult::Outcome::kTransient);
    EXPECT_FALSE(r.attempted);
    EXPECT_EQ(r.code, "circuit_open");
    EXPECT_EQ(r.retry_after_millis, 30'000);
  }
}

TEST_F(CircuitBreakerTest, AProbeAfterTheOpenPeriodClosesOrReopensIt) {
  for (int i = 0; i < 3; ++i) Send();
  clock_.Advance(30'000);
  Send();  // The probe fails: open again for a full period.
  EXPECT_EQ(inner_->Batches(), 4);
  EXPECT_TRUE(breaker_.open());
  Send();
  EXPECT_EQ(inner_->Batches(), 4);
  clock_.Advance(30'000);
  inner_->AnswerEvery(SendResult::Outcome::kAccepted);
  for (const SendResult& r : Send()) EXPECT_EQ(r.outcome, SendResult::Outcome::kAccepted);
  EXPECT_FALSE(breaker_.open());
  Send();
  EXPECT_EQ(inner_->Batches(), 6);
}

TEST_F(CircuitBreakerTest, PartialFailuresOrPermanentErrorsDoNotOpenIt) {
  inner_->AnswerEvery(SendResult::Outcome::kPermanent);  // The provider is up; the numbers are bad.
  for (int i = 0; i < 5; ++i) Send();
  EXPECT_FALSE(breaker_.open());
  inner_->AnswerEvery(SendResult::Outcome::kTransient);
  Send();
  Send();
  inner_->AnswerEvery(SendResult::Outcome::kAccepted);
  Send();  // A success resets the run.
  inner_->AnswerEvery(SendResult::Outcome::kTransient);
  Send();
  Send();
  EXPECT_FALSE(breaker_.open());
}

TEST_F(CircuitBreakerTest, AnAccountPausedByTheProviderOpensAtOnceForThePause) {
  // One message hits WhatsApp's spam limit; the others of the batch were accepted.
  inner_->SetResponder([](const OutboundMessage& m, int) {
    if (m.message_id != "spam") return FakeProvider::Accepted(0);
    SendResult r = FakeProvider::Transient("whatsapp_131048");
    r.pause_account_millis = 600'000;
    return r;
  });
  std::vector<OutboundMessage> messages(3);
  messages[1].message_id = "spam";
  std::vector<SendResult> results(3);
  breaker_.SendBatch(messages, results);
  EXPECT_TRUE(breaker_.open()) << "no run of failed batches needed";
  EXPECT_EQ(results[0].outcome, SendResult::Outcome::kAccepted);
  EXPECT_FALSE(results[1].attempted) << "the paused message does not use up an attempt";
  EXPECT_EQ(results[1].retry_after_millis, 600'000);
  clock_.Advance(599'000);
  for (const SendResult& r : Send()) EXPECT_EQ(r.code, "circuit_open");
  EXPECT_EQ(inner_->Batches(), 1);
  clock_.Advance(1'000);
  inner_->AnswerEvery(SendResult::Outcome::kAccepted);
  for (const SendResult& r : Send()) EXPECT_EQ(r.outcome, SendResult::Outcome::kAccepted);
  EXPECT_FALSE(breaker_.open());
}

}  // namespace
}  // namespace ogw
