#pragma once

// Starting and stopping the real servers the tests run (Kannel, aiosmtpd, the Telegram
// emulator) as child processes.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "gateway/core/status.h"

namespace ogw::testing {

struct ChildOptions {
  std::string log_path;       // Receives stdout and stderr.
  bool truncate_log = false;  // Else appended to (a restarted server keeps its history).
  std::string dir;            // Working directory; empty: the test's.
  int stdin_fd = -1;          // -1: /dev/null.
};

// Runs `args` (args[0] looked up in PATH when it has no '/'). The child dies with the test's
// thread (PR_SET_PDEATHSIG), so a crashed test leaves no server behind.
absl::StatusOr<pid_t> SpawnChild(std::vector<std::string> args, const ChildOptions& options);
// True, and *pid reset to 0, when the child has exited (or none was running).
bool ChildExited(pid_t* pid);
// SIGTERM, then SIGKILL after `timeout`; *pid is 0 afterwards.
void StopChild(pid_t* pid, std::chrono::milliseconds timeout);

}  // namespace ogw::testing
