// ImapPoller against a real Dovecot (tests/servers/imap_server.h), plain and over TLS
// (STARTTLS and IMAPS) with certificates from tests/servers/test_tls. Its configuration checks
// and the parsing of what it fetches are mime_parser_test.cc.

#include "adapters/email/imap_poller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/email/mime_parser.h"
#include "tests/adapters/email/email_samples.h"
#include "tests/servers/imap_server.h"
#include "tests/servers/test_tls.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw {
namespace {

using email_samples::kGmailPlainReply;
using ogw::testing::ContainsNoneOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

std::string Crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ImapPoller against a real Dovecot.

// A message whose body would trip a line-by-line IMAP reader: lines that look like IMAP tags
// and untagged responses, and a line far longer than libcurl's 16 KiB buffer.
std::string TestMessage(int n) {
  return Crlf("From: person" + std::to_string(n) + "@example.com\n" + "To: reply+tok" +
              std::to_string(n) + "@gateway.test\n" + "Subject: Re: message " + std::to_string(n) +
              "\n" + "Message-ID: <m" + std::to_string(n) + "@example.com>\n" +
              "Content-Type: text/plain; charset=utf-8\n" + "\n" + "Answer number " +
              std::to_string(n) + ".\n" + "g3 OK this line looks like a tagged response\n" +
              "A004 OK and this like libcurl's\n" + "* 1 FETCH (UID 99 BODY[] {5}\n" +
              std::string(20000, 'x') + "\n");
}

class ImapPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const absl::Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "dovecot log:\n" << server_.LogTail() << "\n";
  }

  ImapConfig Config() const {
    ImapConfig config;
    config.name = "test-mailbox";
    config.url = server_.Url();
    config.username = server_.username();
    config.password = server_.password();
    config.timeout_ms = 5000;
    config.verify_peer = false;
    config.starttls = "none";  // This Dovecot has no TLS.
    return config;
  }

  std::unique_ptr<ImapPoller> Poller(ImapConfig config) {
    absl::StatusOr<std::unique_ptr<ImapPoller>> poller = ImapPoller::Create(std::move(config));
    EXPECT_TRUE(poller.ok()) << poller.status();
    return poller.ok() ? *std::move(poller) : nullptr;
  }

  std::vector<uint32_t> Uids(std::string_view criteria) const {
    absl::StatusOr<std::vector<uint32_t>> uids = server_.Search(criteria);
    EXPECT_TRUE(uids.ok()) << uids.status();
    return uids.ok() ? *uids : std::vector<uint32_t>();
  }

  ogw::testing::ImapServer server_;
};

TEST_F(ImapPollerTest, HandsEachMessageOverOnceAndMarksItSeenAfterwards) {
  std::vector<std::string> delivered;
  for (int n = 1; n <= 3; ++n) {
    delivered.push_back(TestMessage(n));
    ASSERT_TRUE(server_.Deliver(delivered.back()).ok());
  }
  auto poller = Poller(Config());
  ASSERT_NE(poller, nullptr);
  std::vector<std::string> handed;
  absl::StatusOr<int> polled = poller->PollOnce([&](std::string_view raw) {
    // Fetched with BODY.PEEK: still unseen while the gateway stores it; each one handled
    // before it has been marked seen.
    EXPECT_THAT(Uids("UNSEEN"), SizeIs(3 - handed.size()));
    handed.emplace_back(raw);
    return absl::OkStatus();
  });
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(*polled, 3);
  EXPECT_THAT(handed, UnorderedElementsAreArray(delivered));
  EXPECT_THAT(Uids("UNSEEN"), IsEmpty());
  EXPECT_THAT(Uids("SEEN"), SizeIs(3));

  int calls = 0;
  polled = poller->PollOnce([&](std::string_view) {
    ++calls;
    return absl::OkStatus();
  });
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(*polled, 0);
  EXPECT_EQ(calls, 0);
}

TEST_F(ImapPollerTest, HandlerErrorLeavesTheMessageForTheNextPoll) {
  for (int n = 1; n <= 3; ++n) ASSERT_TRUE(server_.Deliver(TestMessage(n)).ok());
  auto poller = Poller(Config());
  ASSERT_NE(poller, nullptr);
  std::vector<std::string> stored;
  absl::StatusOr<int> polled = poller->PollOnce([&](std::string_view raw) {
    if (raw.find("<m2@example.com>") != std::string_view::npos) {
      return absl::UnavailableError("redis down");
    }
    stored.emplace_back(raw);
    return absl::OkStatus();
  });
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(*polled, 2);
  EXPECT_THAT(stored, SizeIs(2));
  EXPECT_THAT(Uids("UNSEEN"), SizeIs(1));

  polled = poller->PollOnce([&](std::string_view raw) {
    stored.emplace_back(raw);
    return absl::OkStatus();
  });
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(*polled, 1);
  ASSERT_THAT(stored, SizeIs(3));
  EXPECT_EQ(stored[2], TestMessage(2));
  EXPECT_THAT(Uids("UNSEEN"), IsEmpty());
}

TEST_F(ImapPollerTest, LostAcknowledgementMeansTheMessageComesAgain) {
  ASSERT_TRUE(server_.Deliver(TestMessage(1)).ok());
  auto poller = Poller(Config());
  ASSERT_NE(poller, nullptr);
  // Stored, then the server goes away before the \Seen flag is set.
  absl::StatusOr<int> polled = poller->PollOnce([&](std::string_view) {
    server_.Stop();
    return absl::OkStatus();
  });
  EXPECT_FALSE(polled.ok());

  const absl::Status restarted = server_.Start();
  ASSERT_TRUE(restarted.ok()) << restarted;
  auto again = Poller(Config());  // The restarted server listens on another port.
  ASSERT_NE(again, nullptr);
  std::vector<std::string> handed;
  polled = again->PollOnce([&](std::string_view raw) {
    handed.emplace_back(raw);
    return absl::OkStatus();
  });
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_THAT(handed, ElementsAre(TestMessage(1)));
}

TEST_F(ImapPollerTest, RequiredStartTlsNeverLogsInToAServerWithoutIt) {
  // What a network that strips STARTTLS from the capabilities would look like: the default
  // refuses to go on, so the password is never sent in clear, and the mail stays unread.
  ASSERT_TRUE(server_.Deliver(TestMessage(1)).ok());
  ImapConfig config = Config();
  config.starttls = "required";
  auto poller = Poller(config);
  ASSERT_NE(poller, nullptr);
  int handed = 0;
  const absl::StatusOr<int> polled = poller->PollOnce([&](std::string_view) {
    ++handed;
    return absl::OkStatus();
  });
  ASSERT_FALSE(polled.ok());
  EXPECT_THAT(std::string(MessageOf(polled.status())), ContainsNoneOf({config.password}));
  EXPECT_EQ(handed, 0);
  EXPECT_THAT(server_.LogTail(200), Not(HasSubstr("Login: user=<")));
  config.starttls = "sometimes";
  EXPECT_EQ(ImapPoller::Create(config).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ImapPollerTest, MaxPerPollSpreadsABacklogOverPolls) {
  for (int n = 1; n <= 3; ++n) ASSERT_TRUE(server_.Deliver(TestMessage(n)).ok());
  ImapConfig config = Config();
  config.max_per_poll = 2;
  auto poller = Poller(config);
  ASSERT_NE(poller, nullptr);
  const auto ok = [](std::string_view) { return absl::OkStatus(); };
  EXPECT_EQ(poller->PollOnce(ok).value_or(-1), 2);
  EXPECT_EQ(poller->PollOnce(ok).value_or(-1), 1);
  EXPECT_EQ(poller->PollOnce(ok).value_or(-1), 0);
}

TEST_F(ImapPollerTest, FailingMessagesDoNotStarveNewOnes) {
  ASSERT_TRUE(server_.Deliver(TestMessage(1)).ok());
  ImapConfig config = Config();
  config.max_per_poll = 1;
  auto poller = Poller(config);
  ASSERT_NE(poller, nullptr);
  const auto refuse_first = [](std::string_view raw) {
    return raw.find("<m1@example.com>") != std::string_view::npos
               ? absl::InternalError("cannot store")
               : absl::OkStatus();
  };
  EXPECT_EQ(poller->PollOnce(refuse_first).value_or(-1), 0);
  ASSERT_TRUE(server_.Deliver(TestMessage(2)).ok());
  EXPECT_EQ(poller->PollOnce(refuse_first).value_or(-1), 1);  // m2 goes ahead of m1.
  EXPECT_THAT(Uids("UNSEEN"), SizeIs(1));
}

TEST_F(ImapPollerTest, OversizedMessagesAreSetAsideUnhandled) {
  ASSERT_TRUE(server_.Deliver(TestMessage(1)).ok());
  ImapConfig config = Config();
  config.max_message_bytes = 1000;
  auto poller = Poller(config);
  ASSERT_NE(poller, nullptr);
  int calls = 0;
  std::string headers;
  uint64_t size = 0;
  auto handle = [&](std::string_view) {
    ++calls;
    return absl::OkStatus();
  };
  // The quarantine is down: the message stays for the next poll.
  absl::StatusOr<int> polled = poller->PollOnce(
      handle, [&](std::string_view, uint64_t) { return absl::UnavailableError("redis down"); });
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_THAT(Uids("UNSEEN"), SizeIs(1));
  polled = poller->PollOnce(handle, [&](std::string_view h, uint64_t n) {
    headers = std::string(h);
    size = n;
    return absl::OkStatus();
  });
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(*polled, 0);
  EXPECT_EQ(calls, 0);
  // Who wrote is kept; the body is not downloaded.
  EXPECT_THAT(headers, HasSubstr("Message-ID: <m1@example.com>"));
  EXPECT_THAT(headers, Not(HasSubstr("Answer number")));
  EXPECT_GE(size, TestMessage(1).size());
  EXPECT_THAT(Uids("UNSEEN"), IsEmpty());
}

TEST_F(ImapPollerTest, FetchedRepliesParse) {
  ASSERT_TRUE(server_.Deliver(Crlf(kGmailPlainReply)).ok());
  auto poller = Poller(Config());
  ASSERT_NE(poller, nullptr);
  std::vector<ParsedEmail> parsed;
  absl::StatusOr<int> polled = poller->PollOnce([&](std::string_view raw) {
    absl::StatusOr<ParsedEmail> email = ParseEmail(raw);
    if (!email.ok()) return email.status();
    parsed.push_back(*std::move(email));
    return absl::OkStatus();
  });
  ASSERT_TRUE(polled.ok()) << polled.status();
  ASSERT_THAT(parsed, SizeIs(1));
  EXPECT_EQ(parsed[0].message.reply_token, "tok123");
  EXPECT_EQ(parsed[0].message.text, "Yes please, count me in! Ünïcödé ✓");
}

TEST_F(ImapPollerTest, WrongPasswordIsAnAuthenticationError) {
  ASSERT_TRUE(server_.Deliver(TestMessage(1)).ok());
  ImapConfig config = Config();
  config.password = "not-the-Password-42";
  auto poller = Poller(config);
  ASSERT_NE(poller, nullptr);
  int calls = 0;
  const absl::StatusOr<int> polled = poller->PollOnce([&](std::string_view) {
    ++calls;
    return absl::OkStatus();
  });
  ASSERT_FALSE(polled.ok());
  EXPECT_EQ(polled.status().code(), absl::StatusCode::kUnauthenticated);
  const std::string message(polled.status().message());
  EXPECT_THAT(message, HasSubstr("authentication failed"));
  EXPECT_THAT(message, HasSubstr(server_.username()));
  EXPECT_THAT(message, ContainsNoneOf({"not-the-Password-42"}));
  EXPECT_EQ(calls, 0);
  EXPECT_THAT(Uids("UNSEEN"), SizeIs(1));  // Dovecot makes this login wait 4 s (penalty).
}

TEST_F(ImapPollerTest, MissingMailboxIsAFailedPrecondition) {
  auto poller = Poller([&] {
    ImapConfig config = Config();
    config.url = server_.Url("NoSuchFolder");
    return config;
  }());
  ASSERT_NE(poller, nullptr);
  const absl::StatusOr<int> polled =
      poller->PollOnce([](std::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(polled.status().code(), absl::StatusCode::kFailedPrecondition) << polled.status();
  EXPECT_THAT(std::string(polled.status().message()), HasSubstr("NoSuchFolder"));
}

TEST_F(ImapPollerTest, ServerDownIsUnavailable) {
  const ImapConfig config = Config();
  server_.Stop();
  auto poller = Poller(config);
  ASSERT_NE(poller, nullptr);
  const absl::StatusOr<int> polled =
      poller->PollOnce([](std::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(polled.status().code(), absl::StatusCode::kUnavailable) << polled.status();
}

// ---------------------------------------------------------------------------------------------
// ImapPoller over TLS: Dovecot with a certificate from a throw-away CA (test_tls.h) that the
// poller trusts through ca_file, with peer and host verification on.

using ogw::testing::ImapServerOptions;
using ogw::testing::TestCa;
using ogw::testing::TestCertificate;
using ogw::testing::TestPki;

class ImapPollerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    ca_ = std::move(pki->ca);
    cert_ = pki->server;
  }

  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "dovecot log:\n" << server_->LogTail() << "\n";
  }

  // Dovecot with `cert`; kRequired: no login without TLS, so a poll that works used it.
  void StartServer(const TestCertificate& cert,
                   ImapServerOptions::Tls tls = ImapServerOptions::Tls::kRequired) {
    ImapServerOptions options;
    options.tls = tls;
    options.tls_cert_file = cert.cert_file;
    options.tls_key_file = cert.key_file;
    server_ = std::make_unique<ogw::testing::ImapServer>(options);
    const absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
    ASSERT_GT(server_->imaps_port(), 0);
  }

  ImapConfig Config(const std::string& url) const {
    ImapConfig config;
    config.name = "tls-mailbox";
    config.url = url;
    config.username = server_->username();
    config.password = server_->password();
    config.timeout_ms = 5000;
    config.verify_peer = true;
    config.ca_file = ca_->ca_file();
    return config;
  }

  absl::StatusOr<int> Poll(const ImapConfig& config, std::vector<std::string>* handed) {
    absl::StatusOr<std::unique_ptr<ImapPoller>> poller = ImapPoller::Create(config);
    if (!poller.ok()) return poller.status();
    return (*poller)->PollOnce([&](std::string_view raw) {
      handed->emplace_back(raw);
      return absl::OkStatus();
    });
  }

  std::vector<uint32_t> Uids(std::string_view criteria) const {
    absl::StatusOr<std::vector<uint32_t>> uids = server_->Search(criteria);
    EXPECT_TRUE(uids.ok()) << uids.status();
    return uids.ok() ? *uids : std::vector<uint32_t>();
  }

  // The poll fails as Unavailable, before any message is touched, and says nothing secret.
  void ExpectRefusedForItsCertificate(const ImapConfig& config) {
    std::vector<std::string> handed;
    const absl::StatusOr<int> polled = Poll(config, &handed);
    ASSERT_FALSE(polled.ok());
    EXPECT_EQ(polled.status().code(), absl::StatusCode::kUnavailable) << polled.status();
    const std::string message(polled.status().message());
    EXPECT_THAT(message, HasSubstr("certificate")) << message;
    EXPECT_THAT(message, ContainsNoneOf({server_->password()}));
    EXPECT_THAT(handed, IsEmpty());
    EXPECT_THAT(Uids("UNSEEN"), SizeIs(1));
  }

  std::unique_ptr<TestCa> ca_;
  TestCertificate cert_;
  std::unique_ptr<ogw::testing::ImapServer> server_;
};

TEST_F(ImapPollerTlsTest, StartTlsOnTheImapPortWithTheTestCa) {
  StartServer(cert_);
  for (int n = 1; n <= 2; ++n) ASSERT_TRUE(server_->Deliver(TestMessage(n)).ok());
  std::vector<std::string> handed;
  const absl::StatusOr<int> polled = Poll(Config(server_->Url()), &handed);
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(*polled, 2);
  EXPECT_THAT(handed, UnorderedElementsAreArray({TestMessage(1), TestMessage(2)}));
  EXPECT_THAT(Uids("UNSEEN"), IsEmpty());
}

TEST_F(ImapPollerTlsTest, ImapsWithTheTestCa) {
  StartServer(cert_);
  ASSERT_TRUE(server_->Deliver(TestMessage(1)).ok());
  std::vector<std::string> handed;
  const absl::StatusOr<int> polled = Poll(Config(server_->ImapsUrl()), &handed);
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(*polled, 1);
  EXPECT_THAT(handed, ElementsAre(TestMessage(1)));
  EXPECT_THAT(Uids("UNSEEN"), IsEmpty());
}

TEST_F(ImapPollerTlsTest, OptionalTlsIsUsedWhenOffered) {
  // ssl = yes: Dovecot would take the password in plain text too; the poller still upgrades.
  StartServer(cert_, ImapServerOptions::Tls::kOptional);
  ASSERT_TRUE(server_->Deliver(TestMessage(1)).ok());
  std::vector<std::string> handed;
  const absl::StatusOr<int> polled = Poll(Config(server_->Url()), &handed);
  ASSERT_TRUE(polled.ok()) << polled.status();
  EXPECT_EQ(*polled, 1);
  // Dovecot logs each login, with ", TLS" when it came over STARTTLS (or IMAPS).
  std::istringstream log(server_->LogTail(200));
  int logins = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("Login: user=<" + server_->username() + ">") == std::string::npos) continue;
    ++logins;
    EXPECT_THAT(line, HasSubstr(", TLS"));
  }
  EXPECT_EQ(logins, 1);
}

TEST_F(ImapPollerTlsTest, UntrustedCertificateFailsCleanlyWithoutThePassword) {
  absl::StatusOr<TestPki> other = TestPki::Create("another test CA");
  ASSERT_TRUE(other.ok()) << other.status();
  const TestCertificate* foreign = &other->server;
  StartServer(*foreign);
  ASSERT_TRUE(server_->Deliver(TestMessage(1)).ok());
  ExpectRefusedForItsCertificate(Config(server_->Url()));
  ExpectRefusedForItsCertificate(Config(server_->ImapsUrl()));
  ImapConfig system_trust = Config(server_->ImapsUrl());
  system_trust.ca_file.clear();
  ExpectRefusedForItsCertificate(system_trust);
}

TEST_F(ImapPollerTlsTest, CertificateForAnotherHostIsRefusedDespiteATrustedCa) {
  absl::StatusOr<TestCertificate> elsewhere = ca_->Issue("elsewhere", {"DNS:mail.example.net"});
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  StartServer(*elsewhere);
  ASSERT_TRUE(server_->Deliver(TestMessage(1)).ok());
  for (const std::string& url : {server_->Url(), server_->ImapsUrl()}) {
    std::vector<std::string> handed;
    const absl::StatusOr<int> polled = Poll(Config(url), &handed);
    ASSERT_FALSE(polled.ok()) << url;
    EXPECT_EQ(polled.status().code(), absl::StatusCode::kUnavailable) << polled.status();
    EXPECT_THAT(std::string(polled.status().message()), ContainsNoneOf({server_->password()}));
    EXPECT_THAT(handed, IsEmpty());
  }
  EXPECT_THAT(Uids("UNSEEN"), SizeIs(1));
}

}  // namespace
}  // namespace ogw
