#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ogw::testing {

// The real `outreach-gateway` binary run as a child process (`serve`, `worker`, ...), its
// stdout and stderr in `log`. Killed with SIGKILL when destroyed while still running.
class GatewayProcess {
 public:
  GatewayProcess(const std::string& binary, const std::string& config, const std::string& log,
                 const std::vector<std::string>& subcommand = {"serve"});
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  // Waits (up to 15 s) until the log contains `pattern`; returns the whole log, or "" after
  // recording a test failure.
  std::string WaitFor(const std::string& pattern);
  std::string Log() const;
  // SIGTERM, then the exit code (-1 when killed by a signal).
  int Terminate();
  // SIGKILL, as in a crash.
  void Kill();

 private:
  std::string log_;
  pid_t pid_ = 0;
};

}  // namespace ogw::testing
