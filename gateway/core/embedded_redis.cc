#include "gateway/core/embedded_redis.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

namespace ogw {
namespace {

bool Pings(const RedisEndpoint& endpoint) {
  auto conn = RedisConnection::Connect(endpoint, std::chrono::milliseconds(500));
  if (!conn.ok()) return false;
  auto reply = (*conn)->Command({"PING"});
  return reply.ok() && reply->str == "PONG";
}

// Half of the machine's physical memory in bytes, as redis-server reads it; "" when unknown.
std::string DefaultMaxMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return "";
  return std::to_string(static_cast<unsigned long long>(pages) *
                        static_cast<unsigned long long>(page_size) / 2);
}

}  // namespace

EmbeddedRedis::EmbeddedRedis(Options options) : options_(std::move(options)) {
  std::filesystem::path dir = std::filesystem::absolute(options_.data_dir);
  options_.data_dir = dir.string();
  socket_path_ = (dir / "redis.sock").string();
}

EmbeddedRedis::~EmbeddedRedis() { Stop(); }

RedisEndpoint EmbeddedRedis::endpoint() const {
  RedisEndpoint ep;
  ep.unix_socket = socket_path_;
  return ep;
}

absl::Status EmbeddedRedis::Start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError("cannot create redis data dir " + options_.data_dir +
                                         ": " + ec.message());
  }
  // unix socket paths are limited to 107 bytes by the kernel.
  if (socket_path_.size() > 100) {
    return absl::InvalidArgumentError("redis data dir path too long for a unix socket: " +
                                      socket_path_);
  }
  if (Pings(endpoint())) {
    spdlog::info("attaching to the redis-server already running at {}", socket_path_);
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(Spawn());
  RETURN_IF_ERROR(WaitReady());
  stopping_ = false;
  supervisor_ = std::thread([this] { Supervise(); });
  return absl::OkStatus();
}

absl::Status EmbeddedRedis::Spawn() {
  std::filesystem::remove(socket_path_);
  std::vector<std::string> args = {options_.binary,
                                   "--port", "0",
                                   "--unixsocket", socket_path_,
                                   "--unixsocketperm", "700",
                                   "--dir", options_.data_dir,
                                   "--appendonly", "yes",
                                   "--appendfsync", "everysec",
                                   "--save", "",
                                   "--daemonize", "no",
                                   "--logfile", options_.data_dir + "/redis.log"};
  // Never evict: queued messages, conversations and consent are the system of record. A
  // full server refuses writes (answered 503) instead of losing data silently. Without a
  // configured limit, half of the machine's memory keeps Redis from being killed by the OOM
  // killer, which would lose the last second of writes.
  const std::string max_memory =
      options_.max_memory.empty() ? DefaultMaxMemory() : options_.max_memory;
  if (!max_memory.empty()) args.insert(args.end(), {"--maxmemory", max_memory});
  args.insert(args.end(), {"--maxmemory-policy", "noeviction"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed for redis-server");
  if (pid == 0) {
    // Own process group: a Ctrl-C to the gateway must not kill Redis before the gateway
    // has shut down cleanly.
    setpgid(0, 0);
    // The gateway blocks SIGTERM/SIGINT for its sigwait() thread and ignores SIGPIPE; the
    // mask and ignored dispositions survive exec, and redis-server must see its signals.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    // The server belongs to this gateway process: if the gateway dies, even by SIGKILL,
    // the server gets SIGTERM and exits cleanly (flushing the AOF) instead of lingering.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
  spdlog::info("started private redis-server (pid {}) with data in {}", pid, options_.data_dir);
  return absl::OkStatus();
}

absl::Status EmbeddedRedis::WaitReady() {
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return absl::FailedPreconditionError(
          "redis-server exited during start-up; see " + options_.data_dir +
          "/redis.log (is Debian's redis-server installed?)");
    }
    if (Pings(endpoint())) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError("redis-server did not answer within the start timeout");
}

void EmbeddedRedis::Supervise() {
  while (!stopping_) {
    pid_t pid = pid_;
    if (pid <= 0) return;
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid && !stopping_) {
      std::lock_guard lock(mu_);
      spdlog::error("private redis-server (pid {}) died; restarting it", pid);
      pid_ = 0;
      if (Spawn().ok()) (void)WaitReady();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void EmbeddedRedis::Kill() {
  stopping_ = true;
  if (supervisor_.joinable()) supervisor_.join();
  std::lock_guard lock(mu_);
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = 0;
}

void EmbeddedRedis::Stop() {
  stopping_ = true;
  if (supervisor_.joinable()) supervisor_.join();
  std::lock_guard lock(mu_);
  pid_t pid = pid_;
  if (pid <= 0) return;
  // SIGTERM makes redis-server flush the AOF and exit.
  kill(pid, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid_ = 0;
      spdlog::info("private redis-server stopped");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pid_ = 0;
}

}  // namespace ogw
