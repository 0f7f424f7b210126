// SmtpProvider against a real SMTP server: aiosmtpd run from tests/servers/smtp_sink.py, plain
// and over TLS with certificates from tests/servers/test_tls. Building the messages without a
// server is mime_builder_test.cc.

#include "adapters/email/smtp_provider.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/email/email_message_id.h"
#include "tests/adapters/email/smtp_test_util.h"
#include "tests/servers/smtp_server.h"
#include "tests/servers/test_tls.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Outcome = SendResult::Outcome;
using ogw::testing::ContainsNoneOf;
using ogw::testing::ReceivedEmail;
using ogw::testing::SmtpServer;
using ogw::testing::SmtpServerOptions;
using ogw::testing::TestCa;
using ogw::testing::TestCertificate;
using ogw::testing::TestPki;
using smtp_test::Dump;
using smtp_test::Invite;
using smtp_test::kDomain;
using smtp_test::kFromAddress;
using smtp_test::kInviteIcs;
using smtp_test::kMessageIdKey;
using smtp_test::kPassword;
using smtp_test::Message;
using smtp_test::MimeNode;
using smtp_test::Parse;
using smtp_test::ParsedEmail;
using smtp_test::ParseTree;
using smtp_test::Shape;
using Tls = ogw::testing::SmtpServerOptions::Tls;

constexpr char kUser[] = "gateway";

// ---------------------------------------------------------------------------------------------
// Against a real SMTP server

class SmtpProviderTest : public ::testing::Test {
 protected:
  void StartServer(SmtpServerOptions options = {}) {
    server_ = std::make_unique<SmtpServer>(std::move(options));
    const absl::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  SmtpConfig Config() const {
    SmtpConfig config;
    config.name = "mail-test";
    config.url = server_ ? server_->Url() : "";
    config.starttls = "none";
    config.from_address = kFromAddress;
    config.from_name = "Community News";
    config.message_id_domain = kDomain;
    config.message_id_key = kMessageIdKey;
    config.timeout_ms = 10000;
    config.connections = 2;
    return config;
  }

  static std::vector<SendResult> Send(SmtpProvider& provider,
                                      const std::vector<OutboundMessage>& messages) {
    std::vector<SendResult> results(messages.size());
    provider.SendBatch(messages, results);
    for (const SendResult& r : results) {
      EXPECT_THAT(Dump(r), ContainsNoneOf({kPassword}));
      EXPECT_THAT(Dump(r), Not(HasSubstr("community hall")));
    }
    return results;
  }
  static SendResult SendOne(const SmtpConfig& config, const OutboundMessage& message) {
    SmtpProvider provider(config);
    return Send(provider, {message})[0];
  }

  // What the server received, by recipient; each e-mail must have exactly one recipient.
  void ReceivedByRecipient(std::map<std::string, ReceivedEmail>* by_recipient) const {
    for (const ReceivedEmail& email : server_->Received()) {
      ASSERT_EQ(email.rcpt_tos.size(), 1u);
      (*by_recipient)[email.rcpt_tos[0]] = email;
    }
  }

  static std::vector<OutboundMessage> Batch(const std::string& campaign, int count) {
    std::vector<OutboundMessage> batch;
    for (int i = 0; i < count; ++i) {
      batch.push_back(Message(campaign + ":" + std::to_string(i),
                              "person" + std::to_string(i) + "@example.com"));
    }
    return batch;
  }

  std::unique_ptr<SmtpServer> server_;
};

TEST_F(SmtpProviderTest, BatchArrivesWithEnvelopeHeadersAndBothParts) {
  StartServer();
  std::vector<OutboundMessage> batch = Batch("cmp_8", 6);
  batch[2].subject = "Приглашение — دعوة";
  batch[2].text = "First line\n.a line starting with a dot\n..and two\n.\nend\n";
  batch[3].reply_to = "reply+t0k3n@mail.example.org";
  batch[3].unsubscribe_url = "https://gw.example.org/u/c_1?sig=abc";
  batch[3].unsubscribe_mailto = "unsubscribe@mail.example.org";
  SmtpProvider provider(Config());
  const std::vector<SendResult> results = Send(provider, batch);

  std::map<std::string, ReceivedEmail> by_recipient;
  ASSERT_NO_FATAL_FAILURE(ReceivedByRecipient(&by_recipient));
  ASSERT_EQ(by_recipient.size(), batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    SCOPED_TRACE(batch[i].message_id);
    ASSERT_EQ(results[i].outcome, Outcome::kAccepted) << Dump(results[i]);
    EXPECT_EQ(GatewayMessageIdFromEmailId(results[i].provider_message_id, kDomain, kMessageIdKey),
              batch[i].message_id);
    const ReceivedEmail& email = by_recipient.at(batch[i].to);
    EXPECT_EQ(email.mail_from, kFromAddress);
    EXPECT_EQ(email.auth_login, "");
    const ParsedEmail parsed =
        Parse(email.data, {"X-Outreach-Message-Id", "Reply-To", "List-Unsubscribe"});
    ASSERT_TRUE(parsed.ok);
    EXPECT_EQ(parsed.message_id, results[i].provider_message_id);
    EXPECT_EQ(parsed.headers.at("X-Outreach-Message-Id"), batch[i].message_id);
    EXPECT_THAT(parsed.to, ElementsAre(batch[i].to));
    EXPECT_EQ(parsed.from_name, "Community News");
    EXPECT_EQ(parsed.subject, batch[i].subject);
    ASSERT_EQ(parsed.parts.size(), 2u);
    EXPECT_EQ(parsed.parts[0].first, "text/plain; charset=utf-8");
    EXPECT_EQ(parsed.parts[1].first, "text/html; charset=utf-8");
    EXPECT_THAT(parsed.parts[1].second, HasSubstr("<b>Friday</b>"));
  }
  // Dot-stuffing was applied on the way and undone by the server.
  EXPECT_EQ(Parse(by_recipient.at(batch[2].to).data).parts[0].second,
            "First line\r\n.a line starting with a dot\r\n..and two\r\n.\r\nend\r\n");
  const ParsedEmail with_links =
      Parse(by_recipient.at(batch[3].to).data, {"Reply-To", "List-Unsubscribe"});
  EXPECT_EQ(with_links.headers.at("Reply-To"), "reply+t0k3n@mail.example.org");
  EXPECT_EQ(with_links.headers.at("List-Unsubscribe"),
            "<https://gw.example.org/u/c_1?sig=abc>, <mailto:unsubscribe@mail.example.org>");
}

TEST_F(SmtpProviderTest, InvitationArrivesWithItsCalendarFile) {
  StartServer();
  std::vector<OutboundMessage> batch = Batch("cmp_att", 2);
  batch[0].attachments.push_back(Invite());
  batch[0].attachments[0].filename = "Приглашение.ics";
  // Lines of dots and a "From " line: dot-stuffing and the server must not touch the file.
  Attachment notes;
  notes.filename = "notes.txt";
  notes.content_type = "text/plain; charset=utf-8";
  notes.data = "Agenda\r\n.\r\n..two dots\r\nFrom the chair\r\n";
  batch[0].attachments.push_back(notes);
  Attachment binary;
  binary.filename = "map.png";
  binary.content_type = "image/png";
  for (int i = 0; i < 20000; ++i) binary.data.push_back(static_cast<char>((i * 7) % 256));
  batch[0].attachments.push_back(binary);
  SmtpProvider provider(Config());
  const std::vector<SendResult> results = Send(provider, batch);
  ASSERT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  ASSERT_EQ(results[1].outcome, Outcome::kAccepted) << Dump(results[1]);

  std::map<std::string, ReceivedEmail> by_recipient;
  ASSERT_NO_FATAL_FAILURE(ReceivedByRecipient(&by_recipient));
  const MimeNode tree = ParseTree(by_recipient.at(batch[0].to).data);
  ASSERT_EQ(Shape(tree),
            "multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],"
            "text/calendar,text/plain,image/png]");
  EXPECT_EQ(tree.children[0].children[2].params.at("method"), "PUBLISH");
  EXPECT_EQ(tree.children[0].children[2].bytes, kInviteIcs);
  for (size_t i = 0; i < batch[0].attachments.size(); ++i) {
    SCOPED_TRACE(batch[0].attachments[i].filename);
    const MimeNode& part = tree.children[i + 1];
    EXPECT_EQ(part.disposition, "attachment");
    EXPECT_EQ(part.filename, batch[0].attachments[i].filename);
    EXPECT_EQ(part.bytes, batch[0].attachments[i].data);
  }
  // The message without attachments is as ever.
  EXPECT_EQ(Shape(ParseTree(by_recipient.at(batch[1].to).data)),
            "multipart/alternative[text/plain,text/html]");
}

TEST_F(SmtpProviderTest, SessionsAreReusedWithinAndAcrossBatches) {
  StartServer();
  SmtpProvider provider(Config());  // Two connections.
  for (const SendResult& r : Send(provider, Batch("cmp_9", 8))) {
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
  }
  for (const SendResult& r : Send(provider, Batch("cmp_10", 5))) {
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
  }
  // 13 messages over at most two SMTP connections (one, if a sender thread found the batch
  // already drained when it started).
  const int used = server_->sessions();
  EXPECT_GE(used, 1);
  EXPECT_LE(used, 2);
  std::set<int> sessions;
  for (const ReceivedEmail& email : server_->Received()) sessions.insert(email.session);
  EXPECT_EQ(server_->Received().size(), 13u);
  EXPECT_EQ(sessions.size(), static_cast<size_t>(used));

  SmtpConfig one = Config();
  one.connections = 1;
  SmtpProvider serial(one);
  for (const SendResult& r : Send(serial, Batch("cmp_11", 4))) {
    ASSERT_EQ(r.outcome, Outcome::kAccepted) << Dump(r);
  }
  EXPECT_EQ(server_->sessions(), used + 1);
}

TEST_F(SmtpProviderTest, ConcurrentBatchesFromSeveralThreads) {
  StartServer();
  SmtpProvider provider(Config());
  std::atomic<int> accepted{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&, w] {
      std::vector<OutboundMessage> batch = Batch("cmp_w" + std::to_string(w), 5);
      for (OutboundMessage& m : batch) m.to = std::to_string(w) + "." + m.to;
      std::vector<SendResult> results(batch.size());
      provider.SendBatch(batch, results);
      for (const SendResult& r : results) accepted += r.outcome == Outcome::kAccepted ? 1 : 0;
    });
  }
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(accepted.load(), 15);
  EXPECT_EQ(server_->Received().size(), 15u);
  EXPECT_LE(server_->sessions(), 6);
}

TEST_F(SmtpProviderTest, AuthPlainOrLoginWithTheConfiguredCredentials) {
  SmtpServerOptions options;
  options.auth_user = kUser;
  options.auth_password = kPassword;
  StartServer(options);
  SmtpConfig config = Config();
  config.username = kUser;
  config.password = kPassword;
  const SendResult ok = SendOne(config, Message("cmp_12:0"));
  ASSERT_EQ(ok.outcome, Outcome::kAccepted) << Dump(ok);
  ASSERT_EQ(server_->Received().size(), 1u);
  EXPECT_EQ(server_->Received()[0].auth_login, kUser);

  config.password = "wrong-password-123";
  const SendResult wrong = SendOne(config, Message("cmp_12:1"));
  EXPECT_EQ(wrong.outcome, Outcome::kPermanent) << Dump(wrong);
  EXPECT_EQ(wrong.code, "smtp_535");
  EXPECT_THAT(wrong.reason, ContainsNoneOf({"wrong-password-123"}));

  config.username.clear();
  config.password.clear();
  const SendResult anonymous = SendOne(config, Message("cmp_12:2"));
  EXPECT_EQ(anonymous.outcome, Outcome::kPermanent) << Dump(anonymous);
  EXPECT_EQ(anonymous.code, "smtp_530");
  EXPECT_EQ(server_->Received().size(), 1u);
}

TEST_F(SmtpProviderTest, UnknownUserIsPermanentAndMarksTheAddressInvalid) {
  SmtpServerOptions options;
  options.reject = {"gone@example.com"};
  StartServer(options);
  std::vector<OutboundMessage> batch = Batch("cmp_13", 3);
  batch[1].to = "gone@example.com";
  SmtpConfig config = Config();
  config.connections = 1;  // The good message after the refusal goes over the same handle.
  SmtpProvider provider(config);
  const std::vector<SendResult> results = Send(provider, batch);
  EXPECT_EQ(results[0].outcome, Outcome::kAccepted) << Dump(results[0]);
  EXPECT_EQ(results[1].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[1].code, "smtp_550");
  EXPECT_EQ(results[1].reason,
            "5.1.1 <gone@example.com>: Recipient address rejected: User unknown");
  EXPECT_TRUE(SmtpAddressInvalid(results[1]));
  EXPECT_EQ(results[2].outcome, Outcome::kAccepted) << Dump(results[2]);
  EXPECT_EQ(server_->Received().size(), 2u);
}

TEST_F(SmtpProviderTest, TemporaryRefusalIsTransient) {
  SmtpServerOptions options;
  options.defer = {"later@example.com"};
  StartServer(options);
  const SendResult r = SendOne(Config(), Message("cmp_14:0", "later@example.com"));
  EXPECT_EQ(Dump(r), "transient||smtp_451|4.3.0 <later@example.com>: Temporary lookup failure");
  EXPECT_FALSE(SmtpAddressInvalid(r));
  EXPECT_TRUE(server_->Received().empty());
}

TEST_F(SmtpProviderTest, UnbuildableMessageIsPermanentAndNeverSent) {
  StartServer();
  std::vector<OutboundMessage> batch = Batch("cmp_15", 4);
  batch[0].subject = "Hello\r\nBcc: everyone@example.net";
  batch[2].attachments.push_back(Invite());
  batch[2].attachments[0].filename = "../../etc/invite.ics";
  batch[3].attachments.push_back(Invite());
  batch[3].attachments[0].data.resize(kMaxAttachmentBytes + 1, 'x');
  SmtpProvider provider(Config());
  const std::vector<SendResult> results = Send(provider, batch);
  EXPECT_EQ(results[0].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[0].code, "invalid_message");
  EXPECT_THAT(results[0].reason, StartsWith("subject:"));
  EXPECT_EQ(results[1].outcome, Outcome::kAccepted) << Dump(results[1]);
  EXPECT_EQ(Dump(results[2]),
            "permanent||invalid_message|attachments[0].filename: contains '/' "
            "or '\\' (a file name, not a path)");
  EXPECT_EQ(results[3].outcome, Outcome::kPermanent);
  EXPECT_EQ(results[3].code, "invalid_message");
  EXPECT_THAT(results[3].reason, StartsWith("attachments[0].data:"));
  const std::vector<ReceivedEmail> received = server_->Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_THAT(received[0].rcpt_tos, ElementsAre(batch[1].to));
}

// A loopback port that refuses connections: bound, so nobody else takes it, but not listening.
class ClosedPort {
 public:
  ClosedPort() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), len);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { close(fd_); }
  int fd() const { return fd_; }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

TEST_F(SmtpProviderTest, ServerDownIsTransientConnect) {
  ClosedPort closed;
  SmtpConfig config = Config();
  config.url = "smtp://127.0.0.1:" + std::to_string(closed.port());
  SmtpProvider provider(config);
  const std::vector<SendResult> results = Send(provider, Batch("cmp_16", 3));
  for (const SendResult& r : results) {
    EXPECT_EQ(r.outcome, Outcome::kTransient);
    EXPECT_EQ(r.code, "connect") << Dump(r);
  }
}

TEST_F(SmtpProviderTest, SilentServerIsTransientTimeout) {
  // The kernel completes the handshake of a listening socket nobody accepts on, and then no
  // greeting ever comes.
  ClosedPort silent;
  ASSERT_EQ(listen(silent.fd(), 8), 0);
  SmtpConfig config = Config();
  config.url = "smtp://127.0.0.1:" + std::to_string(silent.port());
  config.timeout_ms = 300;
  const SendResult r = SendOne(config, Message("cmp_17:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "timeout") << Dump(r);
}

TEST_F(SmtpProviderTest, RequiredStartTlsRefusesAPlainServer) {
  StartServer();
  SmtpConfig config = Config();
  config.starttls = "required";  // aiosmtpd here offers no STARTTLS.
  const SendResult r = SendOne(config, Message("cmp_18:0"));
  EXPECT_EQ(r.outcome, Outcome::kTransient);
  EXPECT_EQ(r.code, "tls") << Dump(r);
  EXPECT_TRUE(server_->Received().empty());
}

// ---------------------------------------------------------------------------------------------
// TLS against a real SMTP server, its certificate issued by a throw-away CA (test_tls.h) that
// the provider trusts through ca_file, with peer and host verification on.

class SmtpTlsTest : public SmtpProviderTest {
 protected:
  void SetUp() override {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    ca_ = std::move(pki->ca);
    cert_ = pki->server;
  }

  // A server with AUTH (only over TLS, for STARTTLS) and `cert` as its certificate.
  void StartTlsServer(Tls tls, const TestCertificate& cert) {
    SmtpServerOptions options;
    options.auth_user = kUser;
    options.auth_password = kPassword;
    options.tls = tls;
    options.tls_cert_file = cert.cert_file;
    options.tls_key_file = cert.key_file;
    StartServer(options);
  }

  SmtpConfig TlsConfig() const {
    SmtpConfig config = Config();
    config.starttls = "required";
    config.verify_peer = true;
    config.ca_file = ca_->ca_file();
    config.username = kUser;
    config.password = kPassword;
    return config;
  }

  // Sends a batch whose messages would suffer from any mangling on the way (non-ASCII
  // subject, dot lines, HTML) and checks each arrived as sent, encrypted, after AUTH over TLS.
  void ExpectBatchArrivesIntactOverTls(const SmtpConfig& config, size_t expected_sessions) {
    std::vector<OutboundMessage> batch = Batch("cmp_tls", 3);
    batch[1].subject = "Приглашение — دعوة";
    batch[1].text = "First line\n.a line starting with a dot\n..and two\n.\nend\n";
    SmtpProvider provider(config);
    const std::vector<SendResult> results = Send(provider, batch);
    std::map<std::string, ReceivedEmail> by_recipient;
    ASSERT_NO_FATAL_FAILURE(ReceivedByRecipient(&by_recipient));
    ASSERT_EQ(by_recipient.size(), batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      SCOPED_TRACE(batch[i].message_id);
      ASSERT_EQ(results[i].outcome, Outcome::kAccepted) << Dump(results[i]);
      const ReceivedEmail& email = by_recipient.at(batch[i].to);
      EXPECT_THAT(email.tls, StartsWith("TLSv1."));
      EXPECT_THAT(email.auth_tls, StartsWith("TLSv1."));
      EXPECT_EQ(email.auth_login, kUser);
      EXPECT_EQ(email.mail_from, kFromAddress);
      const ParsedEmail parsed = Parse(email.data, {"X-Outreach-Message-Id"});
      ASSERT_TRUE(parsed.ok);
      EXPECT_EQ(parsed.message_id, results[i].provider_message_id);
      EXPECT_EQ(parsed.headers.at("X-Outreach-Message-Id"), batch[i].message_id);
      EXPECT_EQ(parsed.subject, batch[i].subject);
      ASSERT_EQ(parsed.parts.size(), 2u);
      std::string html_crlf;  // Line ends become CRLF on the way, nothing else changes.
      for (const char c : batch[i].html) html_crlf += c == '\n' ? "\r\n" : std::string(1, c);
      EXPECT_EQ(parsed.parts[1].second, html_crlf);
    }
    EXPECT_EQ(Parse(by_recipient.at(batch[1].to).data).parts[0].second,
              "First line\r\n.a line starting with a dot\r\n..and two\r\n.\r\nend\r\n");
    EXPECT_EQ(server_->sessions(), static_cast<int>(expected_sessions));
  }

  // Expects every message of a small batch to come back transient "tls" without reaching the
  // server, the reason saying why and never the password.
  void ExpectRefusedForItsCertificate(const SmtpConfig& config) {
    SmtpProvider provider(config);
    for (const SendResult& r : Send(provider, Batch("cmp_bad_cert", 2))) {
      EXPECT_EQ(r.outcome, Outcome::kTransient) << Dump(r);
      EXPECT_TRUE(r.attempted);
      EXPECT_EQ(r.code, "tls") << Dump(r);
      EXPECT_THAT(r.reason, HasSubstr("certificate")) << Dump(r);
      EXPECT_THAT(r.reason, ContainsNoneOf({kPassword}));
      EXPECT_FALSE(SmtpAddressInvalid(r));
    }
    EXPECT_TRUE(server_->Received().empty());
  }

  std::unique_ptr<TestCa> ca_;
  TestCertificate cert_;
};

TEST_F(SmtpTlsTest, RequiredStartTlsCarriesAuthAndMessagesIntact) {
  StartTlsServer(Tls::kStartTlsRequired, cert_);
  SmtpConfig config = TlsConfig();
  config.connections = 1;  // One TLS session carries the whole batch.
  ExpectBatchArrivesIntactOverTls(config, 1);
}

TEST_F(SmtpTlsTest, StartTlsTryUpgradesWhenTheServerOffersIt) {
  StartTlsServer(Tls::kStartTls, cert_);
  SmtpConfig config = TlsConfig();
  config.starttls = "try";
  config.connections = 1;
  ExpectBatchArrivesIntactOverTls(config, 1);
}

TEST_F(SmtpTlsTest, ImplicitTlsCarriesAuthAndMessagesIntact) {
  StartTlsServer(Tls::kImplicit, cert_);
  SmtpConfig config = TlsConfig();
  ASSERT_THAT(config.url, StartsWith("smtps://"));
  config.connections = 1;
  ExpectBatchArrivesIntactOverTls(config, 1);
}

// Why transient: a certificate the provider cannot verify says nothing about the message or
// its recipient; every message to this server fails the same way until someone fixes the
// server's certificate or our ca_file. Permanent would fail the whole queue for a
// configuration problem, and the fix would not bring the messages back; transient lets the
// circuit breaker open after three such batches, so messages wait without using up attempts
// and go out once the certificate verifies. Nothing is sent meanwhile: curl stops at the
// handshake, before AUTH and MAIL.
TEST_F(SmtpTlsTest, CertificateFromAnUntrustedCaIsTransientTlsForStartTls) {
  absl::StatusOr<TestPki> other = TestPki::Create("another test CA");
  ASSERT_TRUE(other.ok()) << other.status();
  const TestCertificate* foreign = &other->server;
  StartTlsServer(Tls::kStartTls, *foreign);
  ExpectRefusedForItsCertificate(TlsConfig());
  // "try" falls back to plain text only when STARTTLS is not offered, never after a failed
  // verification.
  SmtpConfig try_config = TlsConfig();
  try_config.starttls = "try";
  ExpectRefusedForItsCertificate(try_config);
}

TEST_F(SmtpTlsTest, CertificateFromAnUntrustedCaIsTransientTlsForSmtps) {
  absl::StatusOr<TestPki> other = TestPki::Create("another test CA");
  ASSERT_TRUE(other.ok()) << other.status();
  const TestCertificate* foreign = &other->server;
  StartTlsServer(Tls::kImplicit, *foreign);
  ExpectRefusedForItsCertificate(TlsConfig());
  EXPECT_EQ(server_->sessions(), 0) << "no TLS session was established";
}

TEST_F(SmtpTlsTest, WithoutTheCaFileTheTestCaIsNotTrusted) {
  StartTlsServer(Tls::kImplicit, cert_);
  SmtpConfig config = TlsConfig();
  config.ca_file.clear();  // The system's CAs: they never signed the test certificate.
  ExpectRefusedForItsCertificate(config);
}

TEST_F(SmtpTlsTest, CertificateForAnotherHostIsRefusedDespiteATrustedCa) {
  // Host verification stays on with a ca_file: the name must match too.
  absl::StatusOr<TestCertificate> elsewhere = ca_->Issue("elsewhere", {"DNS:mail.example.net"});
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  StartTlsServer(Tls::kStartTlsRequired, *elsewhere);
  SmtpProvider provider(TlsConfig());
  const SendResult r = Send(provider, {Message("cmp_host:0")})[0];
  EXPECT_EQ(r.outcome, Outcome::kTransient) << Dump(r);
  EXPECT_EQ(r.code, "tls") << Dump(r);
  EXPECT_THAT(r.reason, ContainsNoneOf({kPassword}));
  EXPECT_TRUE(server_->Received().empty());
}

}  // namespace
}  // namespace ogw
