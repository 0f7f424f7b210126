// RSVP benchmark: --replies N people (default 10,000), each invited to one event of --capacity
// seats (default 500), each sending one SMS reply as Kannel delivers it (the sender's digits
// without '+'), through the real InboundPipeline and RsvpResponder, from --processes P forked
// "gateway processes" (default 4), each with its own RedisPool and pipeline objects and
// --threads T threads (default 4), taking replies from one shared, shuffled list as they come.
// Replies are mixed as people write them: mostly yes in their own language ("YES", "oui", "Sí",
// "نعم", "კი", "да"), some no ("no", "non", "2"), maybe, and questions ("What time?"), so the
// event overfills and a waitlist forms.
//
// Target (issue): 10,000 RSVP replies arriving concurrently for a 500-seat event through the
// inbound pipeline: every reply processed, 0 overbooked, measured throughput recorded.
//
// Prints replies/s (from the first reply taken to the last one processed) and the per-reply
// latency of Receive (p50, p99, max), then checks in the parent, against the Redis the
// processes shared: every reply stored exactly once (its `in` entry, with the reading, in the
// person's conversation; the inbox), the ledger's counts (seats taken exactly min(yes,
// capacity), never above it at any moment: polled during the run and replayed from the
// ledger's log afterwards), every person in exactly one state that follows from what they
// wrote, the waitlist, unclear replies counted, and one acknowledgement queued on the direct
// lane per clear answer, on SMS, with the text the person's state calls for. Exits 1 when any
// check fails.
//
// A Receive that fails is counted by status code and its first messages printed; like Kannel's
// smsbox with `http-request-retry`, the same message (same provider id) is delivered again after
// --retry-delay-ms, up to --retries times, and those re-deliveries are counted.
//
//   ./build-bench/bench/rsvp_bench [--replies N] [--capacity C] [--processes P] [--threads T]
//                                  [--retries R] [--retry-delay-ms D] [--monitor-ms M]
//
// The children are forked before anything else (a single-threaded parent); the parent then
// starts the private redis-server, prepares the data, hands the children the socket and ids
// over a pipe and releases them together. Results go through a shared anonymous mapping.

#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_common.h"
#include "gateway/contacts/contact_store.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/core/clock.h"
#include "gateway/core/key_schema.h"
#include "gateway/inbound/inbound_pipeline.h"
#include "gateway/invitations/event_seats.h"
#include "gateway/invitations/event_store.h"
#include "gateway/invitations/rsvp_reply.h"
#include "gateway/invitations/rsvp_responder.h"
#include "gateway/invitations/rsvp_texts.h"
#include "gateway/orgs/org_store.h"
#include "queue/delivery_queue.h"

namespace ogw::bench {
namespace {

constexpr char kProvider[] = "kannel-berlin";
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int kStatusCodes = 17;  // absl::StatusCode 0..16.
constexpr int kMaxProcesses = 64;
// A gateway process's Redis pool as the default configuration makes it (redis.pool_size,
// redis.timeout_ms).
constexpr size_t kPoolSize = 16;
constexpr int kRedisTimeoutMs = 2000;

// ---------------------------------------------------------------------------------------------
// The people and what they write: a pure function of the index, so every process knows it.

constexpr const char* kLanguages[] = {"en", "fr", "es", "ar", "ka", "ru"};
constexpr size_t kLanguageCount = sizeof(kLanguages) / sizeof(kLanguages[0]);

// Yes in each language of kLanguages, as people write it.
constexpr const char* kYesTexts[] = {"YES", "oui", "Sí", "نعم", "კი", "да"};
// No: the word where it is one of the reply texts, else the number the SMS invitation offers.
constexpr const char* kNoTexts[] = {"no", "non", "no", "2", "2", "2"};

enum class Intent { kYes, kNo, kMaybe, kUnclear };

struct Reply {
  size_t index = 0;
  std::string language;
  std::string phone_digits;  // As Kannel gives the sender: international, without '+'.
  std::string text;
  Intent intent = Intent::kYes;  // What the person means (the reader may disagree).
  std::string provider_message_id;
};

Reply MakeReply(size_t index) {
  Rng rng(index + 77);
  Reply r;
  r.index = index;
  const size_t language = rng.Below(kLanguageCount);
  r.language = kLanguages[language];
  char digits[24];
  std::snprintf(digits, sizeof digits, "49151%08zu", index);  // German mobiles, 0151 ...
  r.phone_digits = digits;
  const uint64_t roll = rng.Below(100);
  if (roll < 72) {
    r.text = kYesTexts[language];
  } else if (roll < 80) {
    r.text = kNoTexts[language];
    r.intent = Intent::kNo;
  } else if (roll < 85) {
    r.text = "2";
    r.intent = Intent::kNo;
  } else if (roll < 92) {
    r.text = "maybe";
    r.intent = Intent::kMaybe;
  } else {
    r.text = "What time?";
    r.intent = Intent::kUnclear;
  }
  char id[32];
  std::snprintf(id, sizeof id, "kannel-mo-%08zu", index);
  r.provider_message_id = id;
  return r;
}

// The reading the pipeline should give (what ReadRsvpReply makes of it on SMS in the person's
// language): "yes", "no", "maybe" or "unclear".
std::string ExpectedReading(const Reply& r) {
  RsvpReplyOptions options;
  options.numbered = true;
  options.languages = {r.language};
  const RsvpReading reading = ReadRsvpReply(r.text, "", options);
  return reading.answer ? std::string(RsvpAnswerName(*reading.answer)) : "unclear";
}

// The order replies arrive in: a deterministic shuffle, the same in every process.
std::vector<uint32_t> ArrivalOrder(size_t n) {
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  Rng rng(20260612);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.Below(i)]);
  return order;
}

// ---------------------------------------------------------------------------------------------
// What the processes share: the next reply to take, error counts, one record per reply.

constexpr const char* kReadings[] = {"", "yes", "no", "maybe", "unclear", "closed", "other"};

int8_t ReadingCode(const std::optional<RsvpOutcome>& rsvp) {
  if (!rsvp) return 0;
  for (int8_t i = 1; i < 6; ++i) {
    if (rsvp->reading == kReadings[i]) return i;
  }
  return 6;
}

struct Record {
  int64_t start_ns = 0;  // steady_clock (CLOCK_MONOTONIC, the same in every process).
  int64_t end_ns = 0;    // When the reply was finally processed (retries included).
  int64_t call_ns = 0;   // The successful Receive call alone.
  int32_t process = -1;
  int32_t attempts = 0;
  int8_t done = 0;     // 1: processed; 2: failed on every attempt.
  int8_t kind = -1;    // InboundResult::Kind.
  int8_t reading = 0;  // Index into kReadings.
  int8_t state = -1;   // SeatState after the reply; -1 none.
};

struct Shared {
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> errors[kMaxProcesses][kStatusCodes];
  std::atomic<int64_t> redeliveries[kMaxProcesses];
};
static_assert(std::atomic<int64_t>::is_always_lock_free, "shared counters need lock-free atomics");

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Options {
  size_t replies = 10000;
  int64_t capacity = 500;
  int processes = 4;
  int threads = 4;
  int retries = 3;
  int retry_delay_ms = 200;
  int monitor_ms = 5;
};

// ---------------------------------------------------------------------------------------------
// A child: one gateway process.

bool ReadLine(int fd, std::string* line) {
  line->clear();
  char ch = 0;
  while (true) {
    const ssize_t got = read(fd, &ch, 1);
    if (got != 1) return false;
    if (ch == '\n') return true;
    line->push_back(ch);
  }
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char ch : s) {
    if (ch == sep) {
      out.emplace_back();
    } else {
      out.back().push_back(ch);
    }
  }
  return out;
}

int RunChild(int p, int command_fd, int ready_fd, Shared* shared, Record* records,
             const Options& o) {
  std::string line;
  if (!ReadLine(command_fd, &line)) return 1;  // The parent gave up before the run.
  const std::vector<std::string> setup = Split(line, '\t');
  if (setup.size() != 3) {
    std::fprintf(stderr, "process %d: bad setup line\n", p);
    return 1;
  }
  RedisEndpoint endpoint;
  endpoint.unix_socket = setup[0];
  const std::string org_id = setup[1];
  const std::string post_id = setup[2];

  RedisPool pool(endpoint, kPoolSize, std::chrono::milliseconds(kRedisTimeoutMs));
  SystemClock clock;
  ContactStore contacts(&pool);
  ConversationLog conversations(&pool, &clock);
  DeliveryQueue queue(&pool, &clock);
  EventStore events(&pool, &clock);
  EventSeats seats(&pool);
  RsvpDeps rsvp_deps;
  rsvp_deps.redis = &pool;
  rsvp_deps.clock = &clock;
  rsvp_deps.events = &events;
  rsvp_deps.seats = &seats;
  rsvp_deps.contacts = &contacts;
  rsvp_deps.conversations = &conversations;
  rsvp_deps.queue = &queue;
  RsvpResponder responder(rsvp_deps);
  InboundDeps deps;
  deps.redis = &pool;
  deps.clock = &clock;
  deps.contacts = &contacts;
  deps.conversations = &conversations;
  deps.queue = &queue;
  deps.public_base_url = "https://gw.example.org";
  deps.rsvp = &responder;
  InboundPipeline pipeline(deps, KeywordSettings{});
  InboundSource source;
  source.org_id = org_id;
  source.post_id = post_id;
  source.provider = kProvider;
  source.provider_confirms_keywords = false;
  source.country = "DE";

  {  // Connections open before the start, one per thread, as in a running gateway.
    std::vector<RedisPool::Lease> leases;
    for (int t = 0; t < o.threads; ++t) {
      auto lease = pool.Acquire();
      if (!lease.ok()) {
        std::fprintf(stderr, "process %d: %s\n", p, std::string(MessageOf(lease.status())).c_str());
        return 1;
      }
      leases.push_back(*std::move(lease));
    }
  }
  const std::vector<uint32_t> order = ArrivalOrder(o.replies);

  std::latch go(1);
  std::mutex print_mu;
  int printed = 0;
  auto work = [&] {
    go.wait();
    while (true) {
      const int64_t k = shared->next.fetch_add(1);
      if (k >= static_cast<int64_t>(o.replies)) break;
      const Reply reply = MakeReply(order[static_cast<size_t>(k)]);
      InboundMessage m;
      m.provider = kProvider;
      m.channel = Channel::kSms;
      m.provider_message_id = reply.provider_message_id;
      m.from = reply.phone_digits;
      m.to = "4930123456";
      m.text = reply.text;
      Record& rec = records[reply.index];
      rec.process = p;
      rec.start_ns = NowNs();
      for (int attempt = 0; attempt <= o.retries; ++attempt) {
        if (attempt > 0) {
          shared->redeliveries[p].fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(o.retry_delay_ms));
        }
        const int64_t call_start = NowNs();
        absl::StatusOr<InboundResult> result = pipeline.Receive(source, m);
        const int64_t call_end = NowNs();
        rec.attempts = attempt + 1;
        if (result.ok()) {
          rec.end_ns = call_end;
          rec.call_ns = call_end - call_start;
          rec.done = 1;
          rec.kind = static_cast<int8_t>(result->kind);
          rec.reading = ReadingCode(result->rsvp);
          if (result->rsvp) {
            const std::optional<SeatState> state = ParseSeatState(result->rsvp->state);
            rec.state = state ? static_cast<int8_t>(*state) : int8_t{-1};
          }
          break;
        }
        const int code = static_cast<int>(result.status().code());
        shared->errors[p][code >= 0 && code < kStatusCodes ? code : 2].fetch_add(1);
        {
          std::lock_guard<std::mutex> lock(print_mu);
          if (printed++ < 5) {
            std::fprintf(stderr, "process %d: Receive(%s) attempt %d: %s\n", p,
                         reply.provider_message_id.c_str(), attempt + 1,
                         result.status().ToString().c_str());
          }
        }
        rec.end_ns = call_end;
        rec.done = 2;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) threads.emplace_back(work);

  char byte = 'r';
  bool ok = write(ready_fd, &byte, 1) == 1;
  close(ready_fd);
  ok = ok && read(command_fd, &byte, 1) == 1;
  if (!ok) {
    // Released anyway, with nothing to take: the threads finish at once.
    shared->next.store(static_cast<int64_t>(o.replies));
  }
  go.count_down();
  for (std::thread& t : threads) t.join();
  close(command_fd);
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// The parent.

class Checks {
 public:
  void Expect(bool ok, const std::string& what) {
    std::printf("  [%s] %s\n", ok ? "ok" : "FAIL", what.c_str());
    if (!ok) failed_.push_back(what);
  }
  bool ok() const { return failed_.empty(); }
  const std::vector<std::string>& failed() const { return failed_; }

 private:
  std::vector<std::string> failed_;
};

std::string Num(int64_t n) { return std::to_string(n); }

[[noreturn]] void Die(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "rsvp_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(absl::StatusOr<T> value, const std::string& what) {
  if (!value.ok()) Die(what, value.status());
  return *std::move(value);
}

double Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * (sorted.size() - 1) + 0.5));
  return static_cast<double>(sorted[i]);
}

// INFO commandstats: command -> (calls, microseconds).
std::map<std::string, std::pair<int64_t, int64_t>> CommandStats(RedisPool* pool) {
  std::map<std::string, std::pair<int64_t, int64_t>> out;
  auto info = pool->Command({"INFO", "commandstats"});
  if (!info.ok()) return out;
  const std::string& text = info->str;
  size_t at = 0;
  while ((at = text.find("cmdstat_", at)) != std::string::npos) {
    const size_t colon = text.find(':', at);
    const size_t eol = text.find('\n', at);
    if (colon == std::string::npos || colon > eol) break;
    const std::string name = text.substr(at + 8, colon - at - 8);
    const std::string line = text.substr(colon + 1, eol - colon - 1);
    auto field = [&line](const std::string& key) -> int64_t {
      const size_t k = line.find(key + "=");
      return k == std::string::npos ? 0 : std::atoll(line.c_str() + k + key.size() + 1);
    };
    out[name] = {field("calls"), field("usec")};
    at = eol;
  }
  return out;
}

double ChildrenCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Child {
  pid_t pid = 0;
  int command_fd = -1;  // Parent writes.
};

RsvpDeps DepsOver(RedisPool* pool, const Clock* clock, EventStore* events, EventSeats* seats,
                  ContactStore* contacts, ConversationLog* conversations, DeliveryQueue* queue) {
  RsvpDeps deps;
  deps.redis = pool;
  deps.clock = clock;
  deps.events = events;
  deps.seats = seats;
  deps.contacts = contacts;
  deps.conversations = conversations;
  deps.queue = queue;
  return deps;
}

// What the parent knows: the stores over the bench's Redis, the organisation, the event, the
// people and what each wrote.
struct World {
  explicit World(RedisPool* redis)
      : pool(redis),
        orgs(redis, &clock),
        contacts(redis),
        conversations(redis, &clock),
        queue(redis, &clock),
        events(redis, &clock),
        seats(redis),
        responder(DepsOver(redis, &clock, &events, &seats, &contacts, &conversations, &queue)) {}

  RedisPool* pool;
  SystemClock clock;
  OrgStore orgs;
  ContactStore contacts;
  ConversationLog conversations;
  DeliveryQueue queue;
  EventStore events;
  EventSeats seats;
  RsvpResponder responder;

  Organisation org;
  Post post;
  Event event;
  std::vector<Reply> replies;         // By person.
  std::vector<std::string> ids;       // Contact ids, by person.
  std::vector<std::string> expected;  // The reading of each person's reply.
  int64_t expect_yes = 0, expect_no = 0, expect_maybe = 0, expect_unclear = 0;
};

// The organisation, its post, the people, the event with its seats, everyone invited.
void Prepare(World& w, const Options& o) {
  const size_t n = o.replies;
  Stopwatch watch;
  w.org = Must(w.orgs.CreateOrganisation("Bench Embassy", "en"), "organisation");
  Post post;
  post.org_id = w.org.id;
  post.name = "Berlin";
  post.country = "DE";
  post.city = "Berlin";
  post.time_zone = "Europe/Berlin";
  w.post = Must(w.orgs.CreatePost(post), "post");
  const int64_t now = w.clock.NowMillis();
  w.ids.resize(n);
  for (size_t start = 0; start < n; start += 500) {
    std::vector<Contact> people;
    for (size_t i = start; i < std::min(n, start + 500); ++i) {
      w.replies.push_back(MakeReply(i));
      Contact& c = people.emplace_back();
      c.id = NewId("c", now);
      c.org_id = w.org.id;
      c.post_id = w.post.id;
      c.name = "Bench Person " + std::to_string(i);
      c.languages = {w.replies[i].language};
      c.country = "DE";
      c.city = "Berlin";
      c.time_zone = "Europe/Berlin";
      Address a;
      a.kind = AddressKind::kPhone;
      a.value = "+" + w.replies[i].phone_digits;
      a.verified = true;
      a.consent.state = ConsentState::kGranted;
      a.consent.source = "import";
      a.consent.at_millis = now;
      c.addresses.push_back(a);
      c.verified = true;
      c.created_at_millis = now;
      c.updated_at_millis = now;
      w.ids[i] = c.id;
    }
    std::vector<ContactStore::PutRequest> batch;
    for (const Contact& c : people) {
      ContactStore::PutRequest put;
      put.contact = &c;
      put.expected_version = 0;
      put.previous = nullptr;
      batch.push_back(put);
    }
    for (const PutOutcome& outcome : Must(w.contacts.PutMany(batch), "contacts")) {
      if (outcome.code != PutOutcome::Code::kOk) {
        Die("contacts", absl::InternalError("a contact was not stored"));
      }
    }
  }

  // A month ahead, answers open for twenty days, a freed seat held 48 hours.
  Event e;
  e.org_id = w.org.id;
  e.post_id = w.post.id;
  e.default_language = "en";
  e.texts["en"] = {"National day reception", ""};
  e.texts["fr"] = {"Réception de la fête nationale", ""};
  e.texts["es"] = {"Recepción del día nacional", ""};
  e.texts["ar"] = {"حفل استقبال اليوم الوطني", ""};
  e.texts["ka"] = {"ეროვნული დღის მიღება", ""};
  e.texts["ru"] = {"Приём по случаю национального дня", ""};
  e.time_zone = "Europe/Berlin";
  e.starts_at_millis = (now / kHourMs + 30 * 24) * kHourMs;
  e.ends_at_millis = e.starts_at_millis + 3 * kHourMs;
  e.rsvp_deadline_millis = e.starts_at_millis - 10 * kDayMs;
  e.place = "Embassy, Berlin";
  e.capacity = o.capacity;
  e.offer_hours = 48;
  w.event = Must(w.events.Create(e), "event");
  Must(w.seats.Configure(w.org.id, w.event.id, o.capacity, 48 * kHourMs, w.clock.NowMillis()),
       "seats");
  // The whole selection at once, as the API invites it (the ledger takes 500 a script).
  const std::vector<SeatChange> invited =
      Must(w.seats.Invite(w.org.id, w.event.id, w.ids, "selection:bench", w.clock.NowMillis()),
           "invite");
  if (absl::Status s = w.responder.Announce(w.event, invited); !s.ok()) Die("announce", s);
  std::printf("setup: %zu contacts, one event, %zu invited, in %.2f s\n", n, invited.size(),
              watch.Seconds());

  // What each reply should be read as.
  std::map<std::string, std::map<std::string, int64_t>> readings_by_text;
  int64_t misread = 0;
  for (const Reply& r : w.replies) {
    const std::string& x = w.expected.emplace_back(ExpectedReading(r));
    readings_by_text[r.text + " (" + r.language + ")"][x]++;
    w.expect_yes += x == "yes";
    w.expect_no += x == "no";
    w.expect_maybe += x == "maybe";
    w.expect_unclear += x == "unclear";
    const Intent read = x == "yes"     ? Intent::kYes
                        : x == "no"    ? Intent::kNo
                        : x == "maybe" ? Intent::kMaybe
                                       : Intent::kUnclear;
    misread += read != r.intent;
  }
  std::printf(
      "replies: %lld yes, %lld no, %lld maybe, %lld unclear (as ReadRsvpReply reads them; %lld "
      "read otherwise than meant)\n",
      static_cast<long long>(w.expect_yes), static_cast<long long>(w.expect_no),
      static_cast<long long>(w.expect_maybe), static_cast<long long>(w.expect_unclear),
      static_cast<long long>(misread));
  for (const auto& [text, by] : readings_by_text) {
    std::string row;
    for (const auto& [reading, count] : by) row += " " + reading + " " + Num(count);
    std::printf("  %-18s ->%s\n", text.c_str(), row.c_str());
  }
}

using CommandTimes = std::map<std::string, std::pair<int64_t, int64_t>>;

struct RunFigures {
  int64_t go_ns = 0;      // When the processes were released.
  int64_t waited_ns = 0;  // When the last one had exited.
  int bad_children = 0;
  double redis_cpu = 0;
  double children_cpu = 0;
  CommandTimes stats_before, stats_after;
  // The seats, polled while the replies came in.
  int64_t max_taken = 0, max_yes_offered = 0, polls = 0, poll_errors = 0;
};

// Hands the processes the socket and ids, waits until each is connected, releases them
// together and waits for them, polling the seats meanwhile.
RunFigures Run(World& w, BenchRedis& redis, const Options& o, std::vector<Child>& children,
               int ready_fd) {
  RunFigures f;
  const std::string setup_line =
      w.pool->endpoint().unix_socket + "\t" + w.org.id + "\t" + w.post.id + "\n";
  for (Child& c : children) {
    if (write(c.command_fd, setup_line.data(), setup_line.size()) !=
        static_cast<ssize_t>(setup_line.size())) {
      Die("setup", absl::InternalError("a gateway process is gone"));
    }
  }
  for (int i = 0; i < o.processes; ++i) {
    char byte = 0;
    if (read(ready_fd, &byte, 1) != 1) {
      Die("ready", absl::InternalError("a gateway process is gone"));
    }
  }

  std::atomic<bool> stop{false};
  std::thread monitor([&] {
    while (!stop.load()) {
      auto counts = w.seats.Counts(w.org.id, w.event.id);
      if (counts.ok()) {
        f.max_taken = std::max(f.max_taken, counts->SeatsTaken());
        f.max_yes_offered = std::max(f.max_yes_offered,
                                     counts->Of(SeatState::kYes) + counts->Of(SeatState::kOffered));
        ++f.polls;
      } else {
        ++f.poll_errors;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(o.monitor_ms));
    }
  });
  f.stats_before = CommandStats(w.pool);
  const double redis_cpu_before = redis.CpuSeconds();
  f.go_ns = NowNs();
  for (Child& c : children) {
    const char byte = 'g';
    if (write(c.command_fd, &byte, 1) != 1) std::fprintf(stderr, "a gateway process is gone\n");
    close(c.command_fd);
  }
  for (Child& c : children) {
    int status = 0;
    if (waitpid(c.pid, &status, 0) != c.pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++f.bad_children;
    }
  }
  f.waited_ns = NowNs();
  stop.store(true);
  monitor.join();
  f.redis_cpu = redis.CpuSeconds() - redis_cpu_before;
  f.stats_after = CommandStats(w.pool);
  f.children_cpu = ChildrenCpuSeconds();
  return f;
}

struct Tally {
  int64_t processed = 0, failed = 0, stored = 0, duplicates = 0;
  int64_t redelivered_replies = 0, redeliveries = 0;
};

// Throughput, latency, CPU, Redis commands and errors, from the processes' records.
Tally Report(const Options& o, const RunFigures& f, const Shared* shared, const Record* records) {
  Tally t;
  int64_t first_ns = INT64_MAX, last_ns = 0;
  std::vector<int64_t> latency, call_latency;
  std::vector<int64_t> per_process(static_cast<size_t>(o.processes));
  for (size_t i = 0; i < o.replies; ++i) {
    const Record& r = records[i];
    if (r.done == 0) continue;
    first_ns = std::min(first_ns, r.start_ns);
    last_ns = std::max(last_ns, r.end_ns);
    if (r.process >= 0 && r.process < o.processes) ++per_process[static_cast<size_t>(r.process)];
    if (r.attempts > 1) ++t.redelivered_replies;
    if (r.done != 1) {
      ++t.failed;
      continue;
    }
    ++t.processed;
    latency.push_back(r.end_ns - r.start_ns);
    call_latency.push_back(r.call_ns);
    t.stored += r.kind == static_cast<int8_t>(InboundResult::Kind::kStored);
    t.duplicates += r.kind == static_cast<int8_t>(InboundResult::Kind::kDuplicate);
  }
  std::sort(latency.begin(), latency.end());
  std::sort(call_latency.begin(), call_latency.end());
  const double wall = last_ns > first_ns ? static_cast<double>(last_ns - first_ns) / 1e9 : 0;
  const double processed = static_cast<double>(t.processed);
  std::printf(
      "\nrun: %lld of %zu replies processed in %.3f s = %.0f replies/s (release to last reply "
      "%.3f s, all processes exited %.3f s)\n",
      static_cast<long long>(t.processed), o.replies, wall, wall > 0 ? processed / wall : 0.0,
      static_cast<double>(last_ns - f.go_ns) / 1e9,
      static_cast<double>(f.waited_ns - f.go_ns) / 1e9);
  std::printf(
      "latency per reply (first delivery to processed): p50 %.2f ms, p99 %.2f ms, max "
      "%.2f ms\n",
      Percentile(latency, 0.50) / 1e6, Percentile(latency, 0.99) / 1e6,
      latency.empty() ? 0.0 : static_cast<double>(latency.back()) / 1e6);
  std::string shares;
  for (int64_t count : per_process) shares += " " + Num(count);
  std::printf("replies per process:%s\n", shares.c_str());
  std::printf(
      "CPU: redis-server %.2f s (%.0f us/reply), gateway processes %.2f s (%.0f us/reply)\n",
      f.redis_cpu, t.processed > 0 ? f.redis_cpu * 1e6 / processed : 0.0, f.children_cpu,
      t.processed > 0 ? f.children_cpu * 1e6 / processed : 0.0);
  std::vector<std::pair<int64_t, std::string>> by_time;
  int64_t calls = 0, usec = 0;
  for (const auto& [name, after] : f.stats_after) {
    const auto before = f.stats_before.find(name);
    const bool had = before != f.stats_before.end();
    const int64_t c = after.first - (had ? before->second.first : 0);
    const int64_t u = after.second - (had ? before->second.second : 0);
    if (name == "info" || c <= 0) continue;
    calls += c;
    usec += u;
    by_time.push_back({u, name + " " + Num(c) + " calls " + Num(u / 1000) + " ms"});
  }
  std::sort(by_time.rbegin(), by_time.rend());
  std::string top;
  for (size_t k = 0; k < by_time.size() && k < 6; ++k) top += "; " + by_time[k].second;
  std::printf(
      "redis commands (those scripts call included, the seat polls too): %.1f per reply, %.0f us "
      "per reply%s\n",
      t.processed > 0 ? static_cast<double>(calls) / processed : 0.0,
      t.processed > 0 ? static_cast<double>(usec) / processed : 0.0, top.c_str());

  std::map<std::string, int64_t> errors;
  for (int p = 0; p < o.processes; ++p) {
    t.redeliveries += shared->redeliveries[p].load();
    for (int code = 0; code < kStatusCodes; ++code) {
      const int64_t count = shared->errors[p][code].load();
      if (count > 0) errors[absl::StatusCodeToString(static_cast<absl::StatusCode>(code))] += count;
    }
  }
  std::string error_text;
  for (const auto& [code, count] : errors) error_text += " " + code + " " + Num(count);
  std::printf(
      "Receive errors:%s; provider re-deliveries %lld (replies re-delivered %lld, failed on "
      "every delivery %lld)\n",
      error_text.empty() ? " none" : error_text.c_str(), static_cast<long long>(t.redeliveries),
      static_cast<long long>(t.redelivered_replies), static_cast<long long>(t.failed));
  if (t.redelivered_replies > 0) {
    std::printf("latency of the successful Receive call alone: p50 %.2f ms, p99 %.2f ms\n",
                Percentile(call_latency, 0.50) / 1e6, Percentile(call_latency, 0.99) / 1e6);
  }
  std::printf("seats polled %lld times during the run (%lld poll errors): at most %lld taken\n",
              static_cast<long long>(f.polls), static_cast<long long>(f.poll_errors),
              static_cast<long long>(f.max_taken));
  return t;
}

// Every check against the Redis the processes shared; true when all pass.
bool Verify(World& w, const Options& o, const RunFigures& f, const Tally& t,
            const Record* records) {
  const size_t n = o.replies;
  const std::string& org = w.org.id;
  const std::string& event = w.event.id;
  std::printf("\nchecks:\n");
  Checks check;
  check.Expect(f.bad_children == 0,
               "every gateway process exited cleanly (" + Num(f.bad_children) + " did not)");

  // What Receive returned.
  int64_t wrong_reading = 0;
  for (size_t i = 0; i < n; ++i) {
    const Record& r = records[i];
    if (r.done == 1 && kReadings[static_cast<size_t>(r.reading)] != w.expected[i]) {
      ++wrong_reading;
    }
  }
  check.Expect(
      t.processed == static_cast<int64_t>(n),
      "every reply processed: " + Num(t.processed) + " of " + Num(static_cast<int64_t>(n)));
  check.Expect(t.stored == static_cast<int64_t>(n) && t.duplicates == 0,
               "Receive reported stored " + Num(t.stored) + ", duplicate " + Num(t.duplicates));
  check.Expect(wrong_reading == 0,
               "each reply read as ReadRsvpReply reads it (" + Num(wrong_reading) + " otherwise)");

  // Conversations: exactly one `in` entry per reply, naming the event and the reading; the
  // person's rsvp notes: invited, then their change when the answer was clear.
  int64_t in_wrong = 0, in_fields_wrong = 0, notes_wrong = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::vector<ConversationEntry> entries =
        Must(w.conversations.Read(org, w.ids[i], "", 50), "conversation");
    int64_t ins = 0, mine = 0, notes = 0;
    for (const ConversationEntry& entry : entries) {
      if (entry.kind == "rsvp") ++notes;
      if (entry.kind != "in") continue;
      ++ins;
      if (entry.Field("provider_message_id") != w.replies[i].provider_message_id) continue;
      ++mine;
      if (entry.Field("event") != event || entry.Field("rsvp") != w.expected[i] ||
          entry.Field("text") != w.replies[i].text) {
        ++in_fields_wrong;
      }
    }
    if (ins != 1 || mine != 1) ++in_wrong;
    if (notes != (w.expected[i] == "unclear" ? 1 : 2)) ++notes_wrong;
  }
  check.Expect(in_wrong == 0, "each person's conversation holds their reply exactly once (" +
                                  Num(in_wrong) + " do not)");
  check.Expect(in_fields_wrong == 0, "each `in` entry names the event, the reading and the text (" +
                                         Num(in_fields_wrong) + " do not)");
  check.Expect(notes_wrong == 0, "each person's rsvp notes: invited, then their change (" +
                                     Num(notes_wrong) + " otherwise)");
  const RedisReply inbox = Must(w.pool->Command({"XLEN", keys::Inbox(org, w.post.id)}), "inbox");
  check.Expect(inbox.integer == static_cast<int64_t>(n),
               "the post's inbox has " + Num(inbox.integer) + " items");

  // The ledger's counts.
  const EventCounts counts = Must(w.seats.Counts(org, event), "counts");
  const int64_t want_yes = std::min(w.expect_yes, o.capacity);
  const int64_t want_wait = std::max<int64_t>(0, w.expect_yes - o.capacity);
  const int64_t yes = counts.Of(SeatState::kYes);
  const int64_t offered = counts.Of(SeatState::kOffered);
  const int64_t waitlisted = counts.Of(SeatState::kWaitlisted);
  int64_t total = 0;
  for (int64_t c : counts.by_state) total += c;
  std::printf(
      "  ledger: yes %lld, waitlisted %lld, no %lld, maybe %lld, invited %lld (unclear %lld), "
      "offered %lld, cancelled %lld, attended %lld\n",
      static_cast<long long>(yes), static_cast<long long>(waitlisted),
      static_cast<long long>(counts.Of(SeatState::kNo)),
      static_cast<long long>(counts.Of(SeatState::kMaybe)),
      static_cast<long long>(counts.Of(SeatState::kInvited)),
      static_cast<long long>(counts.unclear), static_cast<long long>(offered),
      static_cast<long long>(counts.Of(SeatState::kCancelled)),
      static_cast<long long>(counts.Of(SeatState::kAttended)));
  check.Expect(counts.SeatsTaken() == want_yes && counts.SeatsTaken() <= o.capacity,
               "seats taken " + Num(counts.SeatsTaken()) + " == " + Num(want_yes) + " (capacity " +
                   Num(o.capacity) + ")");
  check.Expect(yes + offered <= o.capacity,
               "yes + offered " + Num(yes + offered) + " <= " + Num(o.capacity));
  check.Expect(
      f.max_taken <= o.capacity && f.max_yes_offered <= o.capacity,
      "never above capacity while the replies came in (polled max " + Num(f.max_taken) + ")");
  check.Expect(waitlisted == want_wait,
               "waitlist " + Num(waitlisted) + " == yes answers beyond capacity " + Num(want_wait));
  check.Expect(
      counts.Of(SeatState::kNo) == w.expect_no && counts.Of(SeatState::kMaybe) == w.expect_maybe,
      "no " + Num(counts.Of(SeatState::kNo)) + " == " + Num(w.expect_no) + ", maybe " +
          Num(counts.Of(SeatState::kMaybe)) + " == " + Num(w.expect_maybe));
  check.Expect(
      counts.unclear == w.expect_unclear && counts.Of(SeatState::kInvited) == w.expect_unclear,
      "unclear " + Num(counts.unclear) + " == the " + Num(w.expect_unclear) +
          " people who wrote an unclear reply, and they are still invited");
  check.Expect(total == static_cast<int64_t>(n),
               "the states add up to " + Num(total) + " of " + Num(static_cast<int64_t>(n)));

  // Each person's own record.
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < n; ++i) index_of[w.ids[i]] = i;
  std::vector<std::optional<PersonState>> state_of(n);
  std::string cursor;
  int64_t listed = 0, listed_twice = 0;
  do {
    PeoplePage page = Must(w.seats.List(org, event, std::nullopt, cursor, 1000), "people");
    for (PersonState& person : page.people) {
      auto it = index_of.find(person.contact_id);
      if (it == index_of.end()) continue;
      ++listed;
      if (state_of[it->second]) ++listed_twice;
      state_of[it->second] = std::move(person);
    }
    cursor = page.next_cursor;
  } while (!cursor.empty());
  int64_t person_wrong = 0, how_wrong = 0, reported_wrong = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::optional<PersonState>& person = state_of[i];
    if (!person) {
      ++person_wrong;
      continue;
    }
    const std::string& x = w.expected[i];
    const SeatState s = person->state;
    const bool ok = x == "yes"     ? (s == SeatState::kYes || s == SeatState::kWaitlisted)
                    : x == "no"    ? s == SeatState::kNo
                    : x == "maybe" ? s == SeatState::kMaybe
                                   : (s == SeatState::kInvited && person->unclear_since_millis > 0);
    if (!ok) ++person_wrong;
    if (records[i].done == 1 && x != "unclear" && records[i].state != static_cast<int8_t>(s)) {
      ++reported_wrong;
    }
    if (x != "unclear" && person->how != "sms:" + w.replies[i].provider_message_id) ++how_wrong;
  }
  check.Expect(listed == static_cast<int64_t>(n) && listed_twice == 0 && person_wrong == 0,
               "each person listed once, in the one state their reply leads to (" +
                   Num(person_wrong) + " otherwise)");
  check.Expect(reported_wrong == 0,
               "the state Receive reported is the ledger's (" + Num(reported_wrong) + " differ)");
  check.Expect(how_wrong == 0,
               "each answer's `how` is sms:<the reply's id> (" + Num(how_wrong) + " otherwise)");
  const std::vector<WaitlistEntry> waitlist = Must(w.seats.Waitlist(org, event, n + 1), "waitlist");
  int64_t waitlist_wrong = 0;
  std::map<std::string, int64_t> position_of;
  for (size_t k = 0; k < waitlist.size(); ++k) {
    position_of[waitlist[k].contact_id] = static_cast<int64_t>(k) + 1;
    auto it = index_of.find(waitlist[k].contact_id);
    if (it == index_of.end() || !state_of[it->second] ||
        state_of[it->second]->state != SeatState::kWaitlisted) {
      ++waitlist_wrong;
    }
  }
  check.Expect(static_cast<int64_t>(waitlist.size()) == want_wait && waitlist_wrong == 0,
               "the waitlist holds the " + Num(static_cast<int64_t>(waitlist.size())) +
                   " waitlisted people and nobody else");
  const RedisReply offers =
      Must(w.pool->Command({"ZCARD", keys::EventOffers(org, event)}), "offers");
  check.Expect(offers.integer == 0, "no seat offers pending (" + Num(offers.integer) + ")");

  // The ledger's log, replayed: seats never above capacity at any step.
  std::map<std::string, std::string> replayed;
  int64_t seats_taken = 0, max_replayed = 0, log_entries = 0;
  std::vector<std::string> waitlisted_in_log_order;
  auto takes_seat = [](const std::string& state) {
    return state == "yes" || state == "offered" || state == "attended";
  };
  std::string after;
  while (true) {
    const std::vector<SeatLogEntry> page = Must(w.seats.Log(org, event, after, 1000), "log");
    if (page.empty()) break;
    for (const SeatLogEntry& entry : page) {
      ++log_entries;
      seats_taken += (takes_seat(entry.to) ? 1 : 0) - (takes_seat(entry.from) ? 1 : 0);
      max_replayed = std::max(max_replayed, seats_taken);
      replayed[entry.contact_id] = entry.to;
      if (entry.to == "waitlisted") waitlisted_in_log_order.push_back(entry.contact_id);
    }
    after = page.back().id;
  }
  int64_t replay_wrong = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!state_of[i] || replayed[w.ids[i]] != SeatStateName(state_of[i]->state)) ++replay_wrong;
  }
  const int64_t want_log = static_cast<int64_t>(n) + w.expect_yes + w.expect_no + w.expect_maybe;
  check.Expect(log_entries == want_log && max_replayed <= o.capacity && replay_wrong == 0,
               "the ledger's log (" + Num(log_entries) + " entries, " + Num(want_log) +
                   " expected) replays to the same states and never above capacity (max " +
                   Num(max_replayed) + ")");

  // Acknowledgements: one per clear answer, on SMS, with the text the state calls for.
  const RedisReply lane = Must(w.pool->Command({"ZCARD", keys::DirectLane(org)}), "lane");
  const int64_t clear = w.expect_yes + w.expect_no + w.expect_maybe;
  check.Expect(lane.integer == clear, "direct lane holds " + Num(lane.integer) +
                                          " acknowledgements == clear answers " + Num(clear));
  int64_t ack_count_wrong = 0, ack_wrong = 0, stale_positions = 0, max_stale = 0;
  for (size_t start = 0; start < n; start += 500) {
    const size_t stop_at = std::min(n, start + 500);
    std::vector<std::vector<std::string>> commands;
    for (size_t i = start; i < stop_at; ++i) {
      commands.push_back({"SMEMBERS", keys::ContactDirectMessages(org, w.ids[i])});
    }
    const std::vector<RedisReply> members = Must(w.pool->Pipeline(commands), "acks");
    std::vector<std::vector<std::string>> gets;
    std::vector<size_t> owner;
    for (size_t i = start; i < stop_at; ++i) {
      const RedisReply& m = members[i - start];
      if (m.elements.size() != (w.expected[i] == "unclear" ? 0u : 1u)) ++ack_count_wrong;
      for (const RedisReply& id : m.elements) {
        gets.push_back({"HGET", keys::DirectMessages(org), id.str});
        owner.push_back(i);
      }
    }
    if (gets.empty()) continue;
    const std::vector<RedisReply> payloads = Must(w.pool->Pipeline(gets), "ack payloads");
    for (size_t k = 0; k < payloads.size(); ++k) {
      const size_t i = owner[k];
      const nlohmann::json j = nlohmann::json::parse(payloads[k].str, nullptr, false);
      if (!j.is_object() || j.value("contact_id", "") != w.ids[i] ||
          j.value("channel", "") != "sms" || j.value("system", "") != "rsvp" ||
          j.value("event", "") != event || !state_of[i]) {
        ++ack_wrong;
        continue;
      }
      RsvpNoticeInput notice;
      notice.languages = {w.replies[i].language};
      notice.time_zone = "Europe/Berlin";
      switch (state_of[i]->state) {
        case SeatState::kYes:
          notice.notice = RsvpNotice::kSeatConfirmed;
          break;
        case SeatState::kWaitlisted:
          notice.notice = RsvpNotice::kWaitlisted;
          notice.waitlist_position = position_of[w.ids[i]];
          break;
        case SeatState::kNo:
          notice.notice = RsvpNotice::kDeclined;
          break;
        default:
          notice.notice = RsvpNotice::kMaybe;
          break;
      }
      const std::string text = j.value("text", "");
      if (text == RsvpNoticeText(w.event, notice)) continue;
      if (notice.notice != RsvpNotice::kWaitlisted) {
        ++ack_wrong;
        continue;
      }
      // The place they were told when they joined, before people waitlisted after them but
      // with an earlier clock reading (or the same millisecond and a smaller id) went ahead.
      const int64_t final_position = notice.waitlist_position;
      bool found = false;
      for (int64_t told = final_position - 1; told >= 1 && told >= final_position - 2000; --told) {
        notice.waitlist_position = told;
        if (text == RsvpNoticeText(w.event, notice)) {
          ++stale_positions;
          max_stale = std::max(max_stale, final_position - told);
          found = true;
          break;
        }
      }
      if (!found) ++ack_wrong;
    }
  }
  check.Expect(ack_count_wrong == 0,
               "one acknowledgement per clear answer, none for unclear replies (" +
                   Num(ack_count_wrong) + " people otherwise)");
  check.Expect(ack_wrong == 0,
               "each acknowledgement on SMS, in the person's language, saying what their state "
               "is (" +
                   Num(ack_wrong) + " otherwise)");

  // Information, not checks: the waitlist's order (each process's clock reading, then contact
  // id) against the order the ledger waitlisted people in.
  int64_t jumped = 0, max_jump = 0, highest = 0;
  for (const std::string& contact : waitlisted_in_log_order) {
    const int64_t position = position_of[contact];
    if (position < highest) {
      ++jumped;
      max_jump = std::max(max_jump, highest - position);
    }
    highest = std::max(highest, position);
  }
  std::printf(
      "\nwaitlist order: %lld of %zu waitlisted people stand ahead of someone the ledger "
      "waitlisted before them (at most %lld places)\n",
      static_cast<long long>(jumped), waitlisted_in_log_order.size(),
      static_cast<long long>(max_jump));
  std::printf(
      "waitlist place told: %lld of %lld waitlisted people were told a smaller number than their "
      "final place (at most %lld places off)\n",
      static_cast<long long>(stale_positions), static_cast<long long>(want_wait),
      static_cast<long long>(max_stale));

  std::printf("\n%s\n", check.ok() ? "all checks passed" : "CHECKS FAILED:");
  for (const std::string& failure : check.failed()) std::printf("  %s\n", failure.c_str());
  return check.ok();
}

int Parent(const Options& o, std::vector<Child>& children, int ready_fd, Shared* shared,
           Record* records) {
  BenchRedis redis;
  std::printf(
      "rsvp_bench: %zu replies, %lld seats, %d processes x %d threads, redis-server pid %d\n",
      o.replies, static_cast<long long>(o.capacity), o.processes, o.threads,
      static_cast<int>(redis.pid()));
  Must(redis.pool()->Command({"FLUSHALL"}), "flush");
  World world(redis.pool());
  Prepare(world, o);
  const RunFigures figures = Run(world, redis, o, children, ready_fd);
  const Tally tally = Report(o, figures, shared, records);
  return Verify(world, o, figures, tally, records) ? 0 : 1;
}

int Main(int argc, char** argv) {
  Options o;
  o.replies = static_cast<size_t>(FlagValue(argc, argv, "--replies", 10000));
  o.capacity = FlagValue(argc, argv, "--capacity", 500);
  o.processes = static_cast<int>(FlagValue(argc, argv, "--processes", 4));
  o.threads = static_cast<int>(FlagValue(argc, argv, "--threads", 4));
  o.retries = static_cast<int>(FlagValue(argc, argv, "--retries", 3));
  o.retry_delay_ms = static_cast<int>(FlagValue(argc, argv, "--retry-delay-ms", 200));
  o.monitor_ms = static_cast<int>(FlagValue(argc, argv, "--monitor-ms", 5));
  if (o.replies < 1 || o.replies > 10'000'000 || o.capacity < 1 || o.capacity > 100'000 ||
      o.processes < 1 || o.processes > kMaxProcesses || o.threads < 1 || o.threads > 64 ||
      o.retries < 0 || o.retry_delay_ms < 0 || o.monitor_ms < 1) {
    std::fprintf(
        stderr,
        "usage: rsvp_bench [--replies 1..10000000] [--capacity 1..100000] [--processes 1..64] "
        "[--threads 1..64] [--retries R] [--retry-delay-ms D] [--monitor-ms M]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);

  // Shared with the children: the counter, the error counts, one record per reply.
  const size_t shared_bytes = sizeof(Shared) + o.replies * sizeof(Record);
  void* mapping =
      mmap(nullptr, shared_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) {
    std::perror("mmap");
    return 1;
  }
  Shared* shared = new (mapping) Shared;
  for (auto& row : shared->errors) {
    for (auto& count : row) count.store(0);
  }
  for (auto& count : shared->redeliveries) count.store(0);
  Record* records = new (static_cast<char*>(mapping) + sizeof(Shared)) Record[o.replies];

  // The gateway processes, forked while this one has no threads yet.
  int ready[2];
  if (pipe(ready) != 0) {
    std::perror("pipe");
    return 1;
  }
  std::vector<Child> children;
  for (int p = 0; p < o.processes; ++p) {
    int command[2];
    if (pipe(command) != 0) {
      std::perror("pipe");
      return 1;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("fork");
      return 1;
    }
    if (pid == 0) {
      close(command[1]);
      close(ready[0]);
      for (Child& c : children) close(c.command_fd);
      children.clear();
      const int rc = RunChild(p, command[0], ready[1], shared, records, o);
      munmap(mapping, shared_bytes);
      return rc;
    }
    close(command[0]);
    Child c;
    c.pid = pid;
    c.command_fd = command[1];
    children.push_back(c);
  }
  close(ready[1]);
  const int rc = Parent(o, children, ready[0], shared, records);
  close(ready[0]);
  munmap(mapping, shared_bytes);
  return rc;
}

}  // namespace
}  // namespace ogw::bench

int main(int argc, char** argv) { return ogw::bench::Main(argc, argv); }
