#include "gateway/core/redis_client.h"

#include <hiredis/hiredis.h>
#include <signal.h>

#include <charconv>
#include <mutex>
#include <vector>

#include "gateway/core/crypto.h"
#include <openssl/sha.h>

namespace ogw {
namespace {

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

void ToArgv(const std::vector<std::string>& args, std::vector<const char*>* argv,
            std::vector<size_t>* lens) {
  argv->clear();
  lens->clear();
  argv->reserve(args.size());
  lens->reserve(args.size());
  for (const auto& a : args) {
    argv->push_back(a.data());
    lens->push_back(a.size());
  }
}

// hiredis writes with write(): on a connection the server has closed (a restart, a crash) that
// raises SIGPIPE, whose default action kills the process before the error can be reported as
// kUnavailable. Ignore it unless the host program installed a handler of its own.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
}

}  // namespace

absl::StatusOr<RedisEndpoint> RedisEndpoint::Parse(std::string_view url) {
  RedisEndpoint ep;
  auto parse_int = [](std::string_view s, int* out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  if (url.starts_with("unix://")) {
    std::string_view rest = url.substr(7);
    if (auto q = rest.find("?db="); q != std::string_view::npos) {
      if (!parse_int(rest.substr(q + 4), &ep.db)) {
        return absl::InvalidArgumentError("redis url: db must be a number");
      }
      rest = rest.substr(0, q);
    }
    if (!rest.starts_with("/")) {
      return absl::InvalidArgumentError("redis url: unix socket path must be absolute");
    }
    ep.unix_socket = std::string(rest);
    return ep;
  }
  if (!url.starts_with("redis://")) {
    return absl::InvalidArgumentError("redis url must start with redis:// or unix://");
  }
  std::string_view rest = url.substr(8);
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = rest.substr(0, at);
    if (auto colon = auth.find(':'); colon != std::string_view::npos) auth = auth.substr(colon + 1);
    ep.password = std::string(auth);
    rest = rest.substr(at + 1);
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parse_int(db, &ep.db)) {
      return absl::InvalidArgumentError("redis url: db must be a number");
    }
    rest = rest.substr(0, slash);
  }
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (!parse_int(rest.substr(colon + 1), &ep.port) || ep.port <= 0 || ep.port > 65535) {
      return absl::InvalidArgumentError("redis url: port must be 1-65535");
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return absl::InvalidArgumentError("redis url: host is empty");
  ep.host = std::string(rest);
  return ep;
}

std::string RedisEndpoint::Describe() const {
  std::string s = unix_socket.empty() ? "redis://" + host + ":" + std::to_string(port)
                                      : "unix://" + unix_socket;
  if (db != 0) s += (unix_socket.empty() ? "/" : "?db=") + std::to_string(db);
  return s;
}

absl::Status RedisReply::AsStatus() const {
  if (type == Type::kError) {
    // maxmemory reached under noeviction: nothing was written; a client may retry once an
    // operator has made room.
    if (str.starts_with("OOM ")) {
      return absl::UnavailableError("redis is full (maxmemory reached): " + str);
    }
    return absl::InternalError("redis: " + str);
  }
  return absl::OkStatus();
}

namespace {

struct ScriptRegistry {
  std::mutex mu;
  std::vector<const RedisScript*> scripts;  // Guarded by mu.
};

ScriptRegistry& Scripts() {
  static ScriptRegistry* registry = new ScriptRegistry;  // Never destroyed: no exit-order questions.
  return *registry;
}

}  // namespace

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
  sha1_ = HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
  std::lock_guard<std::mutex> lock(Scripts().mu);
  Scripts().scripts.push_back(this);
}

RedisScript::~RedisScript() {
  std::lock_guard<std::mutex> lock(Scripts().mu);
  std::erase(Scripts().scripts, this);
}

std::vector<const RedisScript*> RedisScript::Registered() {
  std::lock_guard<std::mutex> lock(Scripts().mu);
  return Scripts().scripts;
}

RedisConnection::RedisConnection(RedisEndpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

RedisConnection::~RedisConnection() {
  if (context_ != nullptr) redisFree(context_);
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const RedisEndpoint& endpoint, std::chrono::milliseconds timeout) {
  std::unique_ptr<RedisConnection> conn(new RedisConnection(endpoint, timeout));
  RETURN_IF_ERROR(conn->Open());
  return conn;
}

absl::Status RedisConnection::Open() {
  IgnoreSigpipeOnce();
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  timeval tv{static_cast<time_t>(timeout_.count() / 1000),
             static_cast<suseconds_t>((timeout_.count() % 1000) * 1000)};
  context_ = endpoint_.unix_socket.empty()
                 ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv)
                 : redisConnectUnixWithTimeout(endpoint_.unix_socket.c_str(), tv);
  if (context_ == nullptr || context_->err != 0) {
    return Fail("connect to " + endpoint_.Describe());
  }
  redisSetTimeout(context_, tv);
  broken_ = false;
  if (!endpoint_.password.empty()) {
    ASSIGN_OR_RETURN(RedisReply r, Command({"AUTH", endpoint_.password}));
    (void)r;
  }
  if (endpoint_.db != 0) {
    ASSIGN_OR_RETURN(RedisReply r, Command({"SELECT", std::to_string(endpoint_.db)}));
    (void)r;
  }
  return absl::OkStatus();
}

absl::Status RedisConnection::Reconnect() { return Open(); }

absl::Status RedisConnection::Fail(std::string_view what) {
  broken_ = true;
  std::string detail = context_ != nullptr ? context_->errstr : "out of memory";
  return absl::UnavailableError("redis: " + std::string(what) + ": " + detail);
}

absl::StatusOr<RedisReply> RedisConnection::Command(const std::vector<std::string>& args,
                                                    bool allow_error_reply) {
  if (broken_ || context_ == nullptr) return absl::UnavailableError("redis: connection broken");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  ToArgv(args, &argv, &lens);
  auto* raw = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (raw == nullptr) return Fail("command " + (args.empty() ? std::string() : args[0]));
  RedisReply reply = Convert(raw);
  freeReplyObject(raw);
  if (reply.IsError() && !allow_error_reply) return reply.AsStatus();
  return reply;
}

absl::StatusOr<std::vector<RedisReply>> RedisConnection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (broken_ || context_ == nullptr) return absl::UnavailableError("redis: connection broken");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& cmd : commands) {
    ToArgv(cmd, &argv, &lens);
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               lens.data()) != REDIS_OK) {
      return Fail("pipeline append");
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      return Fail("pipeline read");
    }
    replies.push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return replies;
}

std::vector<std::string> RedisConnection::EvalShaArgs(const RedisScript& script,
                                                      const std::vector<std::string>& keys,
                                                      const std::vector<std::string>& args) {
  std::vector<std::string> cmd;
  cmd.reserve(3 + keys.size() + args.size());
  cmd.push_back("EVALSHA");
  cmd.push_back(script.sha1());
  cmd.push_back(std::to_string(keys.size()));
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  return cmd;
}

absl::StatusOr<RedisReply> RedisConnection::Eval(const RedisScript& script,
                                                 const std::vector<std::string>& keys,
                                                 const std::vector<std::string>& args) {
  std::vector<std::string> cmd = EvalShaArgs(script, keys, args);
  ASSIGN_OR_RETURN(RedisReply reply, Command(cmd, /*allow_error_reply=*/true));
  if (reply.IsError() && reply.str.starts_with("NOSCRIPT")) {
    cmd[0] = "EVAL";
    cmd[1] = script.source();
    ASSIGN_OR_RETURN(reply, Command(cmd, true));
  }
  if (reply.IsError()) return reply.AsStatus();
  return reply;
}

RedisPool::RedisPool(RedisEndpoint endpoint, size_t max_connections,
                     std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), max_connections_(max_connections), timeout_(timeout) {}

RedisPool::~RedisPool() = default;

RedisPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

absl::StatusOr<RedisPool::Lease> RedisPool::Acquire() {
  std::unique_ptr<RedisConnection> conn;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
  }
  if (conn == nullptr) {
    auto fresh = RedisConnection::Connect(endpoint_, timeout_);
    if (!fresh.ok()) {
      std::lock_guard lock(mu_);
      --open_;
      cv_.notify_one();
      return fresh.status();
    }
    conn = std::move(fresh).value();
  } else if (conn->broken()) {
    if (absl::Status s = conn->Reconnect(); !s.ok()) {
      Release(std::move(conn));
      return s;
    }
  }
  return Lease(this, std::move(conn));
}

void RedisPool::Release(std::unique_ptr<RedisConnection> conn) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(conn));
  cv_.notify_one();
}

absl::StatusOr<RedisReply> RedisPool::Command(const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(Lease lease, Acquire());
  return lease->Command(args);
}

absl::StatusOr<std::vector<RedisReply>> RedisPool::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  ASSIGN_OR_RETURN(Lease lease, Acquire());
  return lease->Pipeline(commands);
}

absl::StatusOr<RedisReply> RedisPool::Eval(const RedisScript& script,
                                           const std::vector<std::string>& keys,
                                           const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(Lease lease, Acquire());
  return lease->Eval(script, keys, args);
}

namespace {

// KEYS: hash. ARGV: field, value. Replaces the field only if it exists.
const RedisScript kReplaceExisting(
    "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end "
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1");

}  // namespace

absl::StatusOr<bool> HashReplaceExisting(RedisPool& redis, const std::string& key,
                                         const std::string& field, const std::string& value) {
  ASSIGN_OR_RETURN(RedisReply r, redis.Eval(kReplaceExisting, {key}, {field, value}));
  return r.integer == 1;
}

}  // namespace ogw
