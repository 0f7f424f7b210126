#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "gateway/core/status.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {

struct SmtpServerOptions {
  enum class Tls {
    kNone,              // Plain TCP only.
    kStartTls,          // STARTTLS offered.
    kStartTlsRequired,  // STARTTLS offered; before it only EHLO, NOOP and QUIT (else 530).
    kImplicit,          // TLS from the first byte (smtps); Url() says smtps://.
  };

  std::vector<std::string> reject;  // RCPT TO these is answered 550 5.1.1 (user unknown).
  std::vector<std::string> defer;   // RCPT TO these is answered 451 4.3.0.
  // Both set: AUTH PLAIN and LOGIN with these credentials, required before MAIL. Without TLS
  // over plain TCP; with kStartTls / kStartTlsRequired offered only after STARTTLS.
  std::string auth_user;
  std::string auth_password;
  Tls tls = Tls::kNone;
  // The server's certificate and key (PEM, e.g. from TestCa::Issue); needed unless kNone.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Non-empty: every command but QUIT is answered with this reply (e.g. "451 4.3.2 System not
  // accepting network messages"), after the usual 220 greeting; a "421 ..." reply also closes
  // the connection, as RFC 5321 3.8 has it. Nothing is ever accepted.
  std::string refuse_all;
  // 0: a free port. Otherwise that port, e.g. one a stopped server had, so that a test can
  // bring "the same server" back.
  int port = 0;
  // Debian's interpreter, which sees python3-aiosmtpd; a python3 earlier on PATH (pyenv, a
  // virtualenv) usually does not.
  std::string python = "/usr/bin/python3";
};

// A message the server accepted.
struct ReceivedEmail {
  std::string mail_from;
  std::vector<std::string> rcpt_tos;
  int session = 0;         // Number of the SMTP session (connection) it came over, from 1.
  std::string auth_login;  // Who authenticated that session; empty without AUTH.
  std::string tls;         // The session's TLS version ("TLSv1.3") at DATA; empty: plain.
  std::string auth_tls;    // The TLS version when the session authenticated; empty: plain.
  std::string data;        // The DATA bytes as received (dot-stuffing undone).
};

// A real SMTP server for tests: tests/servers/smtp_sink.py (aiosmtpd) in a child process,
// listening on 127.0.0.1 on a free port it binds itself (or the one asked for), storing what
// it receives in a fresh temporary directory. The child dies with the test process
// (PR_SET_PDEATHSIG), and the destructor stops it. Not thread-safe; Received() and sessions()
// may be called while messages arrive.
class SmtpServer {
 public:
  explicit SmtpServer(SmtpServerOptions options = {});
  ~SmtpServer();  // Stops.
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  // Starts the server and returns once it accepts connections; FailedPrecondition with the
  // script's output when it does not come up within 15 s (or the port asked for is taken).
  // After Stop(), starts it again, keeping what it received.
  absl::Status Start();
  // SIGTERM, then SIGKILL after 5 s.
  void Stop();

  int port() const { return port_; }
  // "smtp://127.0.0.1:<port>", or smtps:// with Tls::kImplicit.
  std::string Url() const {
    return (options_.tls == SmtpServerOptions::Tls::kImplicit ? "smtps" : "smtp") +
           std::string("://127.0.0.1:") + std::to_string(port_);
  }
  // Every message accepted so far, in arrival order. Complete: the server stores a message
  // before it answers the DATA with 250.
  std::vector<ReceivedEmail> Received() const;
  // SMTP sessions (TCP connections) opened so far; STARTTLS does not make a new one. With
  // Tls::kImplicit only connections that completed the TLS handshake count.
  int sessions() const;

 private:
  std::string ReadLog() const;

  SmtpServerOptions options_;
  TempDir dir_;
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace ogw::testing
