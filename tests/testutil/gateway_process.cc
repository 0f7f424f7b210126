#include "tests/testutil/gateway_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace ogw::testing {

GatewayProcess::GatewayProcess(const std::string& binary, const std::string& config,
                               const std::string& log, const std::vector<std::string>& subcommand)
    : log_(log) {
  std::vector<std::string> args = {binary, "--config", config};
  args.insert(args.end(), subcommand.begin(), subcommand.end());
  pid_ = fork();
  if (pid_ == 0) {
    FILE* out = freopen(log.c_str(), "w", stdout);
    (void)out;
    dup2(fileno(stdout), STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) Kill();
}

std::string GatewayProcess::Log() const {
  std::ifstream in(log_);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string GatewayProcess::WaitFor(const std::string& pattern) {
  for (int i = 0; i < 300; ++i) {
    std::string log = Log();
    if (log.find(pattern) != std::string::npos) return log;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "timed out waiting for '" << pattern << "' in:\n" << Log();
  return "";
}

int GatewayProcess::Terminate() {
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void GatewayProcess::Kill() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = 0;
}

}  // namespace ogw::testing
