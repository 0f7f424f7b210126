#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

struct redisContext;

namespace ogw {

// Where a Redis server listens: `redis://[:password@]host:port[/db]` or `unix:///path[?db=N]`.
struct RedisEndpoint {
  std::string host;         // Empty when unix_socket is set.
  int port = 6379;
  std::string unix_socket;  // Absolute path.
  std::string password;     // Never logged.
  int db = 0;

  static absl::StatusOr<RedisEndpoint> Parse(std::string_view url);
  // The URL without the password, safe for logs.
  std::string Describe() const;
};

// A Redis reply copied out of hiredis into owned memory.
struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError.
  int64_t integer = 0;
  std::vector<RedisReply> elements;

  bool IsNil() const { return type == Type::kNil; }
  bool IsError() const { return type == Type::kError; }
  // A reply that is not an error, as a Status (kInternal carrying the server's message).
  absl::Status AsStatus() const;
};

// A compiled Lua script: called with EVALSHA, loaded on NOSCRIPT (e.g. after a server restart).
// Scripts are namespace-scope constants; each one registers itself, so a test can load every
// script of a binary into a real Redis.
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  ~RedisScript();
  RedisScript(const RedisScript&) = delete;
  RedisScript& operator=(const RedisScript&) = delete;

  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

  // Every script alive in this process (all the namespace-scope ones once main() has started).
  static std::vector<const RedisScript*> Registered();

 private:
  std::string source_;
  std::string sha1_;
};

// One connection. Not thread-safe: use one per thread, or lease from RedisPool.
// Network failures return kUnavailable and mark the connection broken; a broken connection
// fails fast until Reconnect() succeeds.
class RedisConnection {
 public:
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(
      const RedisEndpoint& endpoint, std::chrono::milliseconds timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command. An error reply from the server becomes a kInternal status unless
  // `allow_error_reply` is true, in which case it is returned as a kError reply.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args,
                                     bool allow_error_reply = false);
  // Sends all commands in one round trip and returns one reply per command, in order.
  // Error replies are returned in place, not as a failed status.
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);
  // Runs a Lua script (EVALSHA, falling back to EVAL when the server lacks it).
  absl::StatusOr<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args);
  // Appends an EVALSHA to a pipeline under construction.
  static std::vector<std::string> EvalShaArgs(const RedisScript& script,
                                              const std::vector<std::string>& keys,
                                              const std::vector<std::string>& args);

  bool broken() const { return broken_; }
  absl::Status Reconnect();

 private:
  RedisConnection(RedisEndpoint endpoint, std::chrono::milliseconds timeout);
  absl::Status Open();
  absl::Status Fail(std::string_view what);

  RedisEndpoint endpoint_;
  std::chrono::milliseconds timeout_;
  redisContext* context_ = nullptr;
  bool broken_ = false;
};

// A bounded pool of connections shared by threads. Thread-safe.
class RedisPool {
 public:
  RedisPool(RedisEndpoint endpoint, size_t max_connections,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  ~RedisPool();

  // A leased connection; returned to the pool when destroyed.
  class Lease {
   public:
    Lease(RedisPool* pool, std::unique_ptr<RedisConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease();
    RedisConnection* operator->() { return conn_.get(); }
    RedisConnection& operator*() { return *conn_; }

   private:
    RedisPool* pool_;
    std::unique_ptr<RedisConnection> conn_;
  };

  // Waits for a free connection, connecting or reconnecting as needed.
  absl::StatusOr<Lease> Acquire();

  // Convenience wrappers that lease a connection for one call.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args);
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);
  absl::StatusOr<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args);

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  void Release(std::unique_ptr<RedisConnection> conn);

  RedisEndpoint endpoint_;
  size_t max_connections_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  size_t open_ = 0;
};

// Sets hash `key` field `field` to `value` only if the field already exists (an update that must
// not resurrect a deleted record), atomically. Returns whether it was replaced.
absl::StatusOr<bool> HashReplaceExisting(RedisPool& redis, const std::string& key,
                                         const std::string& field, const std::string& value);

}  // namespace ogw
