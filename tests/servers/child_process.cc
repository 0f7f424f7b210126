#include "tests/servers/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace ogw::testing {

absl::StatusOr<pid_t> SpawnChild(std::vector<std::string> args, const ChildOptions& options) {
  if (args.empty()) return absl::InvalidArgumentError("no program to run");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int log_flags =
      O_WRONLY | O_CREAT | O_CLOEXEC | (options.truncate_log ? O_TRUNC : O_APPEND);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed for " + args[0]);
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec: the test may have threads.
    // PR_SET_PDEATHSIG fires when the forking *thread* exits; tests start servers from the
    // thread that runs them, which outlives them.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // The test died before prctl took effect.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    if (!options.dir.empty() && chdir(options.dir.c_str()) != 0) _exit(126);
    const int log = open(options.log_path.c_str(), log_flags, 0600);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    const int input =
        options.stdin_fd >= 0 ? options.stdin_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (input >= 0) dup2(input, STDIN_FILENO);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

bool ChildExited(pid_t* pid) {
  if (*pid <= 0) return true;
  int status = 0;
  if (waitpid(*pid, &status, WNOHANG) != *pid) return false;
  *pid = 0;
  return true;
}

void StopChild(pid_t* pid, std::chrono::milliseconds timeout) {
  if (*pid <= 0) return;
  kill(*pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ChildExited(pid)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(*pid, SIGKILL);
  waitpid(*pid, nullptr, 0);
  *pid = 0;
}

}  // namespace ogw::testing
