#include "tests/testutil/http_sink.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ogw::testing {
namespace {

using ::testing::HasSubstr;

// A blocking loopback client socket whose reads give up after 10 s, so a sink bug fails the
// test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  struct Response {
    int status = 0;  // 0: the connection closed or timed out first.
    std::string head;
    std::string body;
  };

  // Reads one response with a Content-Length body.
  Response Read() {
    Response response;
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return response;
    }
    response.head = buffer_.substr(0, head_end);
    const size_t length_at = response.head.find("Content-Length: ");
    const size_t length =
        length_at == std::string::npos ? 0 : std::stoul(response.head.substr(length_at + 16));
    while (buffer_.size() < head_end + 4 + length) {
      if (!Fill()) return response;
    }
    response.status = std::stoi(response.head.substr(9, 3));
    response.body = buffer_.substr(head_end + 4, length);
    buffer_.erase(0, head_end + 4 + length);
    return response;
  }

  // True when the peer has closed the connection (and nothing else is left to read).
  bool ClosedByPeer() {
    char byte;
    return buffer_.empty() && recv(fd_, &byte, 1, 0) == 0;
  }

 private:
  bool Fill() {
    char chunk[4096];
    const ssize_t got = recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(got));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

std::string Post(const std::string& path, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: sink\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Echoes the request target, so tests can tell answers apart.
SinkResponse EchoPath(const SinkRequest& request) {
  return SinkResponse{200, {}, "{\"path\":\"" + request.path + "\"}"};
}

class HttpSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(sink_.Start(0, &error)) << error;
    ASSERT_NE(sink_.port(), 0);
  }

  // Waits (bounded) until the sink has seen every client go.
  void ExpectAllClosedSoon() {
    for (int i = 0; i < 500 && sink_.open_connections() != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(sink_.open_connections(), 0);
  }

  HttpSink sink_;
};

TEST_F(HttpSinkTest, DefaultAnswerCountsRequests) {
  Client client(sink_.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Post("/a", "{}")));
  Client::Response r = client.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"id":"sink-1"})");
  EXPECT_THAT(r.head, HasSubstr("Content-Type: application/json"));
  ASSERT_TRUE(client.Send("GET /health HTTP/1.1\r\nHost: sink\r\n\r\n"));
  r = client.Read();
  EXPECT_EQ(r.body, R"({"id":"sink-2"})");
  EXPECT_EQ(sink_.requests(), 2u);
}

TEST_F(HttpSinkTest, ResponderSeesLowerCasedHeadersAndBodyAndIsRecorded) {
  sink_.set_recording(2);
  sink_.set_responder([](const SinkRequest& request) {
    SinkResponse response{201, {{"X-Echo", request.headers.at("x-trace-id")}}, request.body};
    return response;
  });
  Client client(sink_.port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.Send(Post("/m?i=" + std::to_string(i), "body-" + std::to_string(i),
                                 "X-Trace-ID: t" + std::to_string(i) + "\r\n")));
    const Client::Response r = client.Read();
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "body-" + std::to_string(i));
    EXPECT_THAT(r.head, HasSubstr("X-Echo: t" + std::to_string(i)));
  }
  const std::vector<SinkRequest> seen = sink_.Recorded();
  ASSERT_EQ(seen.size(), 2u);  // Only the last two are kept.
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/m?i=1");
  EXPECT_EQ(seen[0].headers.at("host"), "sink");
  EXPECT_EQ(seen[1].body, "body-2");
}

TEST_F(HttpSinkTest, FragmentedAndPipelinedRequestsAreAnsweredInOrder) {
  sink_.set_responder(EchoPath);
  Client client(sink_.port());
  const std::string first = Post("/first", R"({"k":"v"})");
  for (size_t at = 0; at < first.size(); at += 7) {
    ASSERT_TRUE(client.Send(first.substr(at, 7)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(client.Read().body, R"({"path":"/first"})");

  ASSERT_TRUE(client.Send(Post("/p1", "a") + "\r\n" + Post("/p2", "bb") + Post("/p3", "")));
  EXPECT_EQ(client.Read().body, R"({"path":"/p1"})");
  EXPECT_EQ(client.Read().body, R"({"path":"/p2"})");
  EXPECT_EQ(client.Read().body, R"({"path":"/p3"})");
  EXPECT_EQ(sink_.connections_accepted(), 1u);
}

TEST_F(HttpSinkTest, ChunkedBodyGets411AndTheConnectionCloses) {
  Client client(sink_.port());
  ASSERT_TRUE(client.Send(
      "POST /x HTTP/1.1\r\nHost: sink\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  const Client::Response r = client.Read();
  EXPECT_EQ(r.status, 411);
  EXPECT_THAT(r.head, HasSubstr("Connection: close"));
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST_F(HttpSinkTest, PostWithoutLengthGets411) {
  Client client(sink_.port());
  ASSERT_TRUE(client.Send("POST /x HTTP/1.1\r\nHost: sink\r\n\r\n"));
  EXPECT_EQ(client.Read().status, 411);
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST_F(HttpSinkTest, GarbageGets400AndTheConnectionCloses) {
  for (const char* garbage :
       {"HELLO\r\n\r\n", "GET / SPDY/3\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon here\r\n\r\n"}) {
    Client client(sink_.port());
    ASSERT_TRUE(client.Send(garbage));
    EXPECT_EQ(client.Read().status, 400) << garbage;
    EXPECT_TRUE(client.ClosedByPeer()) << garbage;
  }
  EXPECT_EQ(sink_.requests(), 0u);
}

TEST_F(HttpSinkTest, ConnectionCloseIsHonoured) {
  Client client(sink_.port());
  ASSERT_TRUE(client.Send(Post("/x", "{}", "Connection: close\r\n")));
  const Client::Response r = client.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.head, HasSubstr("Connection: close"));
  EXPECT_TRUE(client.ClosedByPeer());
  ExpectAllClosedSoon();
}

TEST_F(HttpSinkTest, DelayedAnswersKeepTheirOrderWhenTheDelayShrinks) {
  sink_.set_responder(EchoPath);
  sink_.set_delay_ms(300);
  Client client(sink_.port());
  ASSERT_TRUE(client.Send(Post("/slow", "")));
  // Only send the second request once the first is queued with the long delay.
  for (int i = 0; i < 500 && sink_.requests() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  sink_.set_delay_ms(0);
  ASSERT_TRUE(client.Send(Post("/fast", "")));
  EXPECT_EQ(client.Read().body, R"({"path":"/slow"})");
  EXPECT_EQ(client.Read().body, R"({"path":"/fast"})");
}

TEST_F(HttpSinkTest, TwoThousandConcurrentConnectionsWaitTogether) {
  // Each answer is 100 ms late; waiting in turn would take 200 s, together well under 20 s.
  constexpr int kClients = 2000;
  sink_.set_delay_ms(100);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(sink_.port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
    ASSERT_TRUE(clients.back()->Send(Post("/c", "{}")));
  }
  for (auto& client : clients) ASSERT_EQ(client->Read().status, 200);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  EXPECT_EQ(sink_.requests(), static_cast<uint64_t>(kClients));
  EXPECT_EQ(sink_.peak_connections(), kClients);
  EXPECT_LT(seconds, 20.0);
  clients.clear();
  ExpectAllClosedSoon();
}

TEST_F(HttpSinkTest, StopDropsWaitingAnswersAndRestarts) {
  sink_.set_delay_ms(60000);
  Client client(sink_.port());
  ASSERT_TRUE(client.Send(Post("/x", "{}")));
  for (int i = 0; i < 500 && sink_.requests() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  sink_.Stop();  // Must not wait for the minute-long delay.
  EXPECT_TRUE(client.ClosedByPeer());
  EXPECT_EQ(sink_.open_connections(), 0);

  sink_.set_delay_ms(0);
  ASSERT_TRUE(sink_.Start());
  Client again(sink_.port());
  ASSERT_TRUE(again.Send(Post("/x", "{}")));
  EXPECT_EQ(again.Read().status, 200);
}

}  // namespace
}  // namespace ogw::testing
