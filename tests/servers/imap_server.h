#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {

struct ImapServerOptions {
  enum class Tls {
    kNone,      // Plain IMAP only (ssl = no).
    kOptional,  // ssl = yes: STARTTLS offered on the IMAP port, plus an IMAPS listener;
                // logins without TLS still allowed.
    kRequired,  // ssl = required: as kOptional, but no login without TLS.
  };
  Tls tls = Tls::kNone;
  // The server's certificate and key (PEM, e.g. from TestCa::Issue); needed unless kNone.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// A real IMAP server for tests: Debian's Dovecot (/usr/sbin/dovecot from dovecot-imapd) in the
// foreground as a child process, with a configuration of its own in a fresh temporary
// directory: IMAP on 127.0.0.1 at a free port picked at start (never 143/993, where a
// system Dovecot may listen), TLS per ImapServerOptions (with TLS also IMAPS at a second free
// port), one user (username() / password()) from a passwd-file,
// Maildir storage, runtime files and log in the temporary directory. Nothing outside it is
// read or written, and no system Dovecot is needed.
//
// Runs as the current user. Dovecot refuses root for its login and mail processes, so under
// root those run as "nobody", which then owns the Maildir.
//
// The child dies with the test process (PR_SET_PDEATHSIG); the destructor stops it. Not
// thread-safe.
class ImapServer {
 public:
  explicit ImapServer(ImapServerOptions options = {});
  ~ImapServer();  // Stops.
  ImapServer(const ImapServer&) = delete;
  ImapServer& operator=(const ImapServer&) = delete;

  // Starts Dovecot and returns once the IMAP port greets. FailedPrecondition with the tail of
  // Dovecot's log when it does not come up within 15 s. After Stop(), starts it again on the
  // same mail (and a new port).
  absl::Status Start();
  // SIGTERM, then SIGKILL after 5 s.
  void Stop();

  int port() const { return port_; }
  // "imap://127.0.0.1:<port>/<mailbox>".
  std::string Url(std::string_view mailbox = "INBOX") const;
  // With TLS: the IMAPS port, and "imaps://127.0.0.1:<port>/<mailbox>". 0 / "" without.
  int imaps_port() const { return imaps_port_; }
  std::string ImapsUrl(std::string_view mailbox = "INBOX") const;
  const std::string& username() const { return username_; }
  const std::string& password() const { return password_; }

  // Puts `raw` into the user's INBOX as a new, unseen message, as a local delivery agent
  // does (Maildir tmp/ then rename into new/). Works whether or not the server runs.
  absl::Status Deliver(std::string_view raw);

  // UIDs in INBOX matching an IMAP SEARCH `criteria` ("UNSEEN", "SEEN", "ALL"), asked over a
  // separate IMAP connection (with TLS over STARTTLS, the certificate not checked).
  absl::StatusOr<std::vector<uint32_t>> Search(std::string_view criteria) const;

  // The last `lines` lines of Dovecot's log.
  std::string LogTail(size_t lines = 30) const;

 private:
  absl::Status WriteConfig();
  absl::Status Spawn();
  absl::Status WaitReady();

  const ImapServerOptions options_;
  TempDir dir_;
  const std::string username_ = "tester";
  const std::string password_ = "imap-test-secret";
  uid_t mail_uid_ = 0;
  gid_t mail_gid_ = 0;
  pid_t pid_ = 0;
  int port_ = 0;
  int imaps_port_ = 0;
  int delivered_ = 0;
};

}  // namespace ogw::testing
