// The request pipeline every route shares: health, metrics, authentication, rate limiting,
// idempotency, body limits and problem+json errors.

#include <gtest/gtest.h>

#include "gateway/core/crypto.h"
#include "gateway/core/key_schema.h"
#include "tests/testutil/api_harness.h"
#include "tests/testutil/secret_matchers.h"

namespace ogw::testing {
namespace {

class PipelineApiTest : public ApiTest {
 protected:
  void Configure(GatewayConfig& config) override {
    config.api.rate_limit = {2, 3};  // 2/s sustained, bursts of 3.
    config.server.max_body_bytes = 64 * 1024;
  }
};

TEST_F(PipelineApiTest, HealthAndReadinessNeedNoKey) {
  HttpResult h = Get("/healthz", "");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json["status"], "ok");
  HttpResult r = Get("/readyz", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json["redis"], "ok");
}

TEST_F(PipelineApiTest, MetricsAreInPrometheusTextFormatWithRoutePatterns) {
  Get("/v1/me", admin_token_);
  HttpResult m = Get("/metrics", "");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.Header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find("# TYPE ogw_http_requests_total counter"), std::string::npos);
  EXPECT_NE(m.body.find("route=\"/v1/me\""), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("ogw_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(PipelineApiTest, MissingOrWrongKeyIs401Problem) {
  for (const std::string& token :
       {std::string(), std::string("nonsense"), std::string("ogw_key_x.y"),
        admin_token_.substr(0, admin_token_.size() - 1) + "A"}) {
    HttpResult r = Get("/v1/me", token);
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
    EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(r.json["status"], 401);
    // The response never echoes the presented key.
    if (!token.empty()) {
      EXPECT_THAT(r.body, ContainsNoneOf({token}));
    }
  }
}

TEST_F(PipelineApiTest, RateLimitAnswers429WithRetryAfterAndRecovers) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/v1/me", admin_token_).status, 200) << i;
  HttpResult limited = Get("/v1/me", admin_token_);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("Retry-After"), "1");
  EXPECT_EQ(limited.Header("Content-Type"), "application/problem+json");
  clock_.Advance(500);  // One unit refills every 500 ms.
  EXPECT_EQ(Get("/v1/me", admin_token_).status, 200);
  EXPECT_EQ(Get("/v1/me", admin_token_).status, 429);
  // Another key has its own bucket.
  clock_.Advance(10'000);
  std::string other = CreateOfficerToken("viewer", {});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/v1/me", other).status, 200) << i;
  EXPECT_EQ(Get("/v1/me", other).status, 429);
  HttpResult m = Get("/metrics", "");
  EXPECT_NE(m.body.find("ogw_http_rate_limited_total"), std::string::npos);
}

TEST_F(PipelineApiTest, UnknownRouteIs404Problem) {
  HttpResult r = Get("/v1/nothing-here", admin_token_);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.json["title"], "Not found");
}

TEST_F(PipelineApiTest, OversizedBodyIs413Problem) {
  std::string big(70 * 1024, 'x');
  HttpResult r = PostRaw("/v1/imports?format=csv", big, "text/csv", admin_token_);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json["field"], "body");
}

TEST_F(PipelineApiTest, MalformedJsonIs400NamingTheBody) {
  HttpResult r = PostRaw("/v1/posts", "{not json", "application/json", admin_token_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json["field"], "body");
}

class IdempotencyApiTest : public ApiTest {};

TEST_F(IdempotencyApiTest, RepeatReplaysDifferentBodyIs422) {
  httplib::Headers key = {{"Idempotency-Key", "create-post-1"}};
  HttpResult first = Post("/v1/posts", {{"name", "Embassy in Berlin"}}, admin_token_, key);
  ASSERT_EQ(first.status, 201);
  HttpResult again = Post("/v1/posts", {{"name", "Embassy in Berlin"}}, admin_token_, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json["id"], first.json["id"]);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  HttpResult posts = Get("/v1/posts", admin_token_);
  EXPECT_EQ(posts.json["items"].size(), 1u);  // Not created twice.

  HttpResult different = Post("/v1/posts", {{"name", "Embassy in Paris"}}, admin_token_, key);
  EXPECT_EQ(different.status, 422);
  EXPECT_EQ(different.json["field"], "Idempotency-Key");
}

TEST_F(IdempotencyApiTest, RepeatWhileTheFirstIsRunningIs409) {
  HttpResult me = Get("/v1/me", admin_token_);
  // What the first request leaves in Redis while its handler runs.
  std::string record = keys::Idempotency(me.json["org_id"].get<std::string>(),
                                         me.json["key_id"].get<std::string>(),
                                         Sha256Hex("slow-1"));
  ASSERT_TRUE(pool().Command({"SET", record, R"({"state":"in_flight","fingerprint":"x"})"}).ok());
  HttpResult r = Post("/v1/posts", {{"name", "A"}}, admin_token_, {{"Idempotency-Key", "slow-1"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.json["field"], "Idempotency-Key");
  EXPECT_EQ(Get("/v1/posts", admin_token_).json["items"].size(), 0u);
}

TEST_F(IdempotencyApiTest, KeysAreScopedToTheApiKey) {
  std::string other = CreateOfficerToken("admin", {});
  httplib::Headers key = {{"Idempotency-Key", "same"}};
  HttpResult a = Post("/v1/posts", {{"name", "A"}}, admin_token_, key);
  HttpResult b = Post("/v1/posts", {{"name", "A"}}, other, key);
  EXPECT_EQ(a.status, 201);
  EXPECT_EQ(b.status, 201);
  EXPECT_NE(a.json["id"], b.json["id"]);
}

TEST_F(IdempotencyApiTest, FailedValidationIsReplayedNotRerun) {
  httplib::Headers key = {{"Idempotency-Key", "bad-1"}};
  HttpResult first = Post("/v1/posts", {{"name", ""}}, admin_token_, key);
  EXPECT_EQ(first.status, 422);
  HttpResult again = Post("/v1/posts", {{"name", ""}}, admin_token_, key);
  EXPECT_EQ(again.status, 422);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
}

TEST_F(IdempotencyApiTest, NewApiKeyTokenIsNeverStoredForReplay) {
  std::string officer_id;
  CreateOfficerToken("officer", {}, &officer_id);
  httplib::Headers key = {{"Idempotency-Key", "issue-key"}};
  HttpResult first =
      Post("/v1/officers/" + officer_id + "/keys", nlohmann::json::object(), admin_token_, key);
  ASSERT_EQ(first.status, 201);
  std::string token = first.json["token"];
  HttpResult again =
      Post("/v1/officers/" + officer_id + "/keys", nlohmann::json::object(), admin_token_, key);
  EXPECT_EQ(again.status, 409);
  EXPECT_THAT(again.body, ContainsNoneOf({token}));
  // Nothing in Redis holds the token's secret.
  std::string secret = token.substr(token.find('.') + 1);
  auto keys = pool().Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  for (const auto& k : keys->elements) {
    auto type = pool().Command({"TYPE", k.str});
    if (type->str == "string") {
      EXPECT_THAT(pool().Command({"GET", k.str})->str, ContainsNoneOf({secret})) << k.str;
    } else if (type->str == "hash") {
      auto values = pool().Command({"HVALS", k.str});
      ASSERT_TRUE(values.ok());
      for (const auto& v : values->elements) {
        EXPECT_THAT(v.str, ContainsNoneOf({secret})) << k.str;
      }
    }
  }
}

// A gateway whose Redis is gone reports not ready, and API calls fail with 503, not 500.
TEST(ReadinessTest, RedisDownMeansNotReadyAnd503) {
  TempDir dir;
  RedisEndpoint nowhere;
  nowhere.unix_socket = dir.path() + "/absent.sock";
  RedisPool pool(nowhere, 2, std::chrono::milliseconds(200));
  FakeClock clock;
  OrgStore orgs(&pool, &clock);
  ContactStore contacts(&pool);
  ContactImporter importer(&contacts, &clock);
  SegmentStore segments(&pool, &clock);
  GcraRateLimiter limiter(&pool, &clock);
  IdempotencyStore idempotency(&pool, 60);
  GatewayMetrics metrics;
  ApiServices services;
  services.redis = &pool;
  services.clock = &clock;
  services.orgs = &orgs;
  services.contacts = &contacts;
  services.importer = &importer;
  services.segments = &segments;
  services.rate_limiter = &limiter;
  services.idempotency = &idempotency;
  services.metrics = &metrics;
  ServerSettings settings;
  settings.port = 0;
  ApiServer server(services, settings);
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  auto me = client.Get("/v1/me", {{"Authorization", "Bearer ogw_key_0000000000aaaaaaaaaaaaaaaa.x"}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 503);
  server.Stop();
}

}  // namespace
}  // namespace ogw::testing
