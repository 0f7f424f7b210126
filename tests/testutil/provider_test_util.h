#pragma once

// What the provider tests (tests/adapters/<channel>/*_provider_test.cc and the Kannel e2e test)
// share: a message to send, one send, a result as text, a port that refuses connections and
// waiting for what reached an HttpSink.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/provider.h"
#include "tests/testutil/http_sink.h"

namespace ogw {

// gtest prints a SendResult (in EXPECT_EQ, ElementsAre...) as its fields, not as bytes.
inline void PrintTo(const SendResult& r, std::ostream* os) {
  *os << OutcomeName(r.outcome) << "|" << r.provider_message_id << "|" << r.code << "|" << r.reason
      << "|" << r.retry_after_millis;
}

}  // namespace ogw

namespace ogw::testing {

// An SMS of organisation "org_1" to `to` saying `text`.
inline OutboundMessage TestSms(const std::string& id, const std::string& to,
                               const std::string& text) {
  OutboundMessage m;
  m.message_id = id;
  m.org_id = "org_1";
  m.channel = Channel::kSms;
  m.to = to;
  m.text = text;
  return m;
}

// Everything a SendResult says on one line ("outcome|provider id|code|reason|retry after"),
// for failure messages and "never shows up" checks.
inline std::string DumpResult(const SendResult& r) { return ::testing::PrintToString(r); }

// Sends `message` alone through `provider` and returns its result.
inline SendResult SendThrough(Provider& provider, const OutboundMessage& message) {
  SendResult result;
  provider.SendBatch({&message, 1}, {&result, 1});
  return result;
}

// A loopback port that is bound but not listening, for as long as this object lives: the
// kernel refuses connections to it, and no one else can take the port meanwhile.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~RefusingPort() {
    if (fd_ >= 0) close(fd_);
  }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  // 0 when the socket could not be set up.
  uint16_t port() const { return port_; }
  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A responder that answers every request the same.
inline HttpSink::Responder AnswerAlways(SinkResponse response) {
  return [response = std::move(response)](const SinkRequest&) { return response; };
}

// The sink's recorded requests once at least `count` have arrived, or after `wait`.
inline std::vector<SinkRequest> WaitForRequests(const HttpSink& sink, size_t count,
                                                std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::vector<SinkRequest> seen = sink.Recorded();
  while (seen.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = sink.Recorded();
  }
  return seen;
}

}  // namespace ogw::testing
