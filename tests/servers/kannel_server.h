#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"
#include "tests/servers/child_process.h"
#include "tests/testutil/redis_fixture.h"

namespace ogw::testing {

struct KannelServerOptions {
  std::string username = "gateway";  // The sendsms-user.
  std::string password = "kannel-test-secret";
  // The sms-service's get-url (e.g. KannelSmsServiceGetUrl()); empty: incoming messages are
  // answered by a text service that replies nothing. Must not contain '"' or '\'.
  std::string sms_service_get_url;
  // Debian's kannel and kannel-extras packages.
  std::string bearerbox = "/usr/sbin/bearerbox";
  std::string smsbox = "/usr/sbin/smsbox";
  std::string fakesmsc = "/usr/lib/kannel/test/fakesmsc";
};

// A message the fake SMSC handed to fakesmsc, as fakesmsc printed it. The parts of a long
// message (UDH with a concatenation element) are joined into one.
struct FakeSmscMessage {
  std::string from;
  std::string to;
  // How fakesmsc printed it: "text" (coding 0: the UTF-8 Kannel holds), "ucs-2" (coding 2:
  // UTF-16BE), "data" (8-bit), or "udh" for a message joined from parts, whose lines do not
  // say their coding.
  std::string type;
  std::string payload;  // The message's bytes, URL-decoded; parts joined in order.
  int parts = 1;

  // The text as UTF-8: "ucs-2" converted from UTF-16BE, anything else as it is.
  std::string Text() const;
  // The payload converted from UTF-16BE, for a "udh" message sent as UCS-2.
  std::string Ucs2Text() const;
};

// A real Kannel 1.4 for end-to-end tests: bearerbox with a fake SMSC, smsbox with its sendsms
// interface and one catch-all sms-service, and fakesmsc as the "phone network" on the other
// side of the fake SMSC. Start() writes a kannel.conf into a fresh temporary directory (every
// port a free ephemeral one on 127.0.0.1 chosen at start, never Kannel's defaults 13000/13013,
// which a system Kannel may hold), starts the three processes with their output in
// bearerbox.log, smsbox.log and fakesmsc-<n>.log there, and returns once sendsms answers and
// fakesmsc is connected.
//
// fakesmsc runs in interactive mode: SendMo() writes a line to its stdin, which it submits as
// an incoming (MO) message; every message Kannel sends (MT) it logs as
// "Got message <n>: <from> <to> <type> <data>", which ReceivedMessages() reads.
//
// The children die with the test process (PR_SET_PDEATHSIG, which fires when the *thread* that
// started them exits: start from the test's own thread); Stop() and the destructor end them
// with SIGTERM, then SIGKILL. Not thread-safe, except ReceivedMessages() and LogTails(), which
// may run while messages arrive.
class KannelServer {
 public:
  explicit KannelServer(KannelServerOptions options = {});
  ~KannelServer();  // Stops.
  KannelServer(const KannelServer&) = delete;
  KannelServer& operator=(const KannelServer&) = delete;

  // FailedPrecondition with the logs' tails when Kannel does not come up within 15 s (tried
  // three times with fresh ports, in case another process takes one between choosing and
  // binding it).
  absl::Status Start();
  void Stop();

  // Fault injection. Without smsbox, sendsms refuses connections; without fakesmsc, bearerbox
  // queues what it is sent ("3: Queued for later delivery") and delivers it on reconnection.
  void StopSmsbox();
  absl::Status StartSmsbox();
  void StopFakesmsc();
  absl::Status StartFakesmsc();

  // "http://127.0.0.1:<port>/cgi-bin/sendsms".
  std::string SendsmsUrl() const;
  const std::string& username() const { return options_.username; }
  const std::string& password() const { return options_.password; }
  const std::string& dir() const { return dir_.path(); }

  // Has fakesmsc submit an incoming SMS from `from` to `to` (numbers without spaces): printable
  // ASCII as type "text", anything else as "ucs2". Returns once fakesmsc has sent it on to the
  // fake SMSC (at most 5 s). InvalidArgument when it does not fit fakesmsc's 255-byte line.
  absl::Status SendMo(const std::string& from, const std::string& to, const std::string& text);

  // Every MT message fakesmsc has logged so far (long ones once all parts are in), in order.
  std::vector<FakeSmscMessage> ReceivedMessages() const;
  // ReceivedMessages() once it holds at least `count`, or whatever it holds after `timeout`.
  std::vector<FakeSmscMessage> WaitForMessages(size_t count,
                                               std::chrono::milliseconds timeout) const;

  // Whether fakesmsc logged a line containing `text`. Its line protocol carries each line of
  // a text message as a line of its own: what follows a message's first line is found here,
  // not in ReceivedMessages().
  bool LoggedLine(std::string_view text) const;

  // The last lines of every log, for a failing test's output.
  std::string LogTails() const;

 private:
  absl::Status StartOnce();
  absl::Status WriteConfig();
  // Runs in the server's directory, logging to `log_name` there.
  ChildOptions InDir(const std::string& log_name, int stdin_fd = -1) const;
  absl::Status StartBearerbox();
  absl::Status WaitFor(const char* what, pid_t* pid, const std::string& url, long want_status,
                       const std::string& want_body);
  std::string AdminStatusUrl() const;

  KannelServerOptions options_;
  TempDir dir_;
  std::string admin_password_;
  int admin_port_ = 0;
  int smsbox_port_ = 0;
  int smsc_port_ = 0;
  int sendsms_port_ = 0;
  pid_t bearerbox_ = 0;
  pid_t smsbox_ = 0;
  pid_t fakesmsc_ = 0;
  int fakesmsc_stdin_ = -1;  // Write end of fakesmsc's stdin.
  int fakesmsc_runs_ = 0;    // fakesmsc-<n>.log of the current run is n.
  int mo_sent_ = 0;          // MO lines the current fakesmsc has sent.
};

}  // namespace ogw::testing
