#include "gateway/cli/commands.h"

#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/app/runtime.h"
#include "gateway/contacts/contact_json.h"
#include "gateway/segments/segment_expression.h"

namespace ogw {
namespace {

struct CommonOptions {
  std::string config_path = "config/gateway.example.json";
};

absl::StatusOr<std::unique_ptr<Runtime>> OpenRuntime(const CommonOptions& common) {
  ASSIGN_OR_RETURN(GatewayConfig config, GatewayConfig::LoadFile(common.config_path));
  spdlog::set_level(spdlog::level::from_str(config.logging.level));
  return Runtime::Open(config);
}

int Fail(std::ostream& err, const absl::Status& s) {
  err << "error: " << s.message() << "\n";
  return 1;
}

// Blocks until SIGINT or SIGTERM.
void WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("received signal {}, shutting down", sig);
}

// Blocks the shutdown signals before any thread starts, so they all inherit the mask and
// only sigwait() receives them.
void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int Serve(const CommonOptions& common, int port_override, std::ostream& out,
          std::ostream& err) {
  BlockShutdownSignals();

  auto config = GatewayConfig::LoadFile(common.config_path);
  if (!config.ok()) {
    err << "error: " << MessageOf(config.status()) << "\n";
    return 2;
  }
  if (port_override >= 0) config->server.port = port_override;
  spdlog::set_level(spdlog::level::from_str(config->logging.level));
  auto runtime = Runtime::Open(*config);
  if (!runtime.ok()) {
    err << "error: " << MessageOf(runtime.status()) << "\n";
    return 1;
  }
  auto admin_key = (*runtime)->BootstrapIfEmpty();
  if (!admin_key.ok()) {
    err << "error: bootstrap failed: " << MessageOf(admin_key.status()) << "\n";
    return 1;
  }
  ApiServer server((*runtime)->Services(), config->server);
  if (auto s = server.Start(); !s.ok()) {
    err << "error: " << s.message() << "\n";
    return 1;
  }
  out << "outreach-gateway listening on http://" << config->server.listen << ":" << server.port()
      << "\n";
  if (*admin_key) {
    out << "first admin API key (shown once, keep it safe): " << **admin_key << "\n"
        << "try: curl -H 'Authorization: Bearer " << **admin_key << "' http://"
        << config->server.listen << ":" << server.port() << "/v1/me\n";
  } else {
    out << "existing data loaded; create more keys with: outreach-gateway key create\n";
  }
  std::unique_ptr<DeliveryWorker> worker;
  std::unique_ptr<MailboxWatcher> mailboxes;
  if (config->delivery.worker_in_serve) {
    worker = (*runtime)->NewWorker();
    worker->Start();
    out << "delivery worker running with " << config->delivery.worker_threads << " threads\n";
    mailboxes = (*runtime)->NewMailboxWatcher();
    if (absl::Status s = mailboxes->Start(); !s.ok()) {
      err << "error: " << MessageOf(s) << "\n";
      server.Stop();
      worker->Stop();
      return 1;
    }
  }
  out.flush();
  WaitForShutdownSignal();
  server.Stop();
  if (mailboxes) mailboxes->Stop();
  if (worker) worker->Stop();
  return 0;
}

// A process that only drains the delivery queue; run as many as needed, on any host that
// reaches the same Redis.
int Worker(const CommonOptions& common, std::ostream& out, std::ostream& err) {
  BlockShutdownSignals();
  auto runtime = OpenRuntime(common);
  if (!runtime.ok()) {
    err << "error: " << MessageOf(runtime.status()) << "\n";
    return 1;
  }
  auto mailboxes = (*runtime)->NewMailboxWatcher();
  if (absl::Status s = mailboxes->Start(); !s.ok()) {
    err << "error: " << MessageOf(s) << "\n";
    return 1;
  }
  auto worker = (*runtime)->NewWorker();
  worker->Start();
  out << "outreach-gateway worker running with " << (*runtime)->config().delivery.worker_threads
      << " threads\n";
  out.flush();
  WaitForShutdownSignal();
  worker->Stop();
  mailboxes->Stop();
  return 0;
}

int QueueStats(Runtime& rt, const std::string& org_id, std::ostream& out, std::ostream& err) {
  auto lanes = rt.queue().LaneSizes(org_id);
  if (!lanes.ok()) return Fail(err, lanes.status());
  nlohmann::json report = {{"lanes", *lanes}, {"campaigns", nlohmann::json::array()}};
  auto campaigns = rt.campaigns().List(org_id);
  if (!campaigns.ok()) return Fail(err, campaigns.status());
  for (const Campaign& c : *campaigns) {
    if (!c.launched()) continue;
    auto state = rt.queue().State(org_id, c.id);
    auto stats = rt.queue().CampaignStats(org_id, c.id);
    if (!state.ok()) return Fail(err, state.status());
    if (!stats.ok()) return Fail(err, stats.status());
    report["campaigns"].push_back(
        {{"id", c.id},
         {"name", c.name},
         {"state", *state ? std::string(CampaignStateName(**state)) : "draft"},
         {"stats", *stats}});
  }
  out << report.dump(2) << "\n";
  return 0;
}

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

int RunCli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"outreach-gateway: multi-channel outreach and messaging gateway"};
  app.require_subcommand(1);
  CommonOptions common;
  app.add_option("-c,--config", common.config_path, "configuration file (JSON)")
      ->capture_default_str();

  int port = -1;
  auto* serve = app.add_subcommand("serve", "run the HTTP API");
  serve->add_option("--port", port, "override server.port");

  auto* worker = app.add_subcommand("worker", "drain the delivery queue (no HTTP API)");

  auto* check = app.add_subcommand("check-config", "validate the configuration file and exit");

  auto* queue = app.add_subcommand("queue", "the delivery queue");
  queue->require_subcommand(1);
  std::string queue_org, letter_id;
  auto* queue_stats = queue->add_subcommand("stats", "lane sizes and per-campaign counters");
  queue_stats->add_option("--org", queue_org, "organisation id")->required();
  auto* dead = queue->add_subcommand("dead-letters", "list dead letters");
  dead->add_option("--org", queue_org, "organisation id")->required();
  auto* dead_show = queue->add_subcommand("dead-letter", "show one dead letter");
  dead_show->add_option("--org", queue_org, "organisation id")->required();
  dead_show->add_option("--id", letter_id, "dead letter id")->required();
  auto* requeue = queue->add_subcommand("requeue", "send a dead letter again");
  requeue->add_option("--org", queue_org, "organisation id")->required();
  requeue->add_option("--id", letter_id, "dead letter id")->required();

  auto* org = app.add_subcommand("org", "organisations");
  org->require_subcommand(1);
  std::string org_name, org_language = "en";
  auto* org_create = org->add_subcommand("create", "create an organisation and its first admin");
  org_create->add_option("--name", org_name, "organisation name")->required();
  org_create->add_option("--language", org_language, "default language (BCP 47)");
  auto* org_list = org->add_subcommand("list", "list organisations");

  auto* key = app.add_subcommand("key", "API keys");
  key->require_subcommand(1);
  std::string key_org, key_officer;
  auto* key_create = key->add_subcommand("create", "issue a new key for an officer");
  key_create->add_option("--org", key_org, "organisation id")->required();
  key_create->add_option("--officer", key_officer, "officer id")->required();

  auto* contacts = app.add_subcommand("contacts", "contacts");
  contacts->require_subcommand(1);
  std::string import_org, import_file, import_post, import_format;
  auto* import = contacts->add_subcommand("import", "import a CSV or JSON file");
  import->add_option("--org", import_org, "organisation id")->required();
  import->add_option("--file", import_file, "file to import")->required()->check(
      CLI::ExistingFile);
  import->add_option("--post", import_post, "post for rows without post_id");
  import->add_option("--format", import_format, "csv or json (default: by file extension)");

  auto* segment = app.add_subcommand("segment", "segments");
  segment->require_subcommand(1);
  std::string seg_org, seg_expression;
  auto* seg_preview = segment->add_subcommand("preview", "count the contacts matching a filter");
  seg_preview->add_option("--org", seg_org, "organisation id")->required();
  seg_preview->add_option("--expression", seg_expression, "filter expression")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err);
  }

  if (*serve) return Serve(common, port, out, err);
  if (*worker) return Worker(common, out, err);
  if (*check) {
    auto config = GatewayConfig::LoadFile(common.config_path);
    if (!config.ok()) return Fail(err, config.status());
    out << common.config_path << ": ok\n";
    return 0;
  }

  auto runtime = OpenRuntime(common);
  if (!runtime.ok()) return Fail(err, runtime.status());
  Runtime& rt = **runtime;

  if (*org_create) {
    auto created = rt.orgs().CreateOrganisation(org_name, org_language);
    if (!created.ok()) return Fail(err, created.status());
    Officer admin;
    admin.org_id = created->id;
    admin.name = "Administrator";
    admin.role = Role::kAdmin;
    auto officer = rt.orgs().CreateOfficer(admin);
    if (!officer.ok()) return Fail(err, officer.status());
    auto k = rt.orgs().CreateApiKey(created->id, officer->id);
    if (!k.ok()) return Fail(err, k.status());
    out << "organisation " << created->id << "\nadmin officer " << officer->id
        << "\nadmin API key (shown once): " << k->second << "\n";
    return 0;
  }
  if (*org_list) {
    auto orgs = rt.orgs().ListOrganisations();
    if (!orgs.ok()) return Fail(err, orgs.status());
    for (const auto& o : *orgs) out << o.id << "\t" << o.name << "\n";
    return 0;
  }
  if (*key_create) {
    auto k = rt.orgs().CreateApiKey(key_org, key_officer);
    if (!k.ok()) return Fail(err, k.status());
    out << "API key " << k->first.id << " (shown once): " << k->second << "\n";
    return 0;
  }
  if (*import) {
    bool ok = false;
    std::string data = ReadFile(import_file, &ok);
    if (!ok) return Fail(err, absl::NotFoundError("cannot read " + import_file));
    if (import_format.empty()) {
      import_format = import_file.ends_with(".json") ? "json" : "csv";
    }
    if (import_format != "csv" && import_format != "json") {
      return Fail(err, absl::InvalidArgumentError("--format must be csv or json"));
    }
    ImportFormat format = import_format == "csv" ? ImportFormat::kCsv : ImportFormat::kJson;
    ImportOptions options;
    options.org_id = import_org;
    options.default_post_id = import_post;
    options.source = "import:" + import_file.substr(import_file.find_last_of('/') + 1);
    options.max_rows = static_cast<size_t>(rt.config().api.max_import_rows);
    auto owner = rt.orgs().GetOrganisation(import_org);
    if (!owner.ok()) return Fail(err, owner.status());
    if (!*owner) return Fail(err, absl::NotFoundError("unknown organisation " + import_org));
    auto posts = rt.orgs().ListPosts(import_org);
    if (!posts.ok()) return Fail(err, posts.status());
    for (const auto& p : *posts) options.known_posts.insert(p.id);
    if (!import_post.empty() && !options.known_posts.contains(import_post)) {
      return Fail(err, absl::NotFoundError("unknown post " + import_post));
    }
    auto report = rt.importer().Import(format, data, options);
    if (!report.ok()) return Fail(err, report.status());
    out << report->ToJson(format).dump(2) << "\n";
    return report->failed == 0 ? 0 : 3;
  }
  if (*queue_stats) return QueueStats(rt, queue_org, out, err);
  if (*dead) {
    auto letters = rt.queue().ListDeadLetters(queue_org);
    if (!letters.ok()) return Fail(err, letters.status());
    for (const auto& l : *letters) {
      out << l.id << "\t" << l.detail.value("code", "") << "\t" << l.detail.value("reason", "")
          << "\n";
    }
    return 0;
  }
  if (*dead_show) {
    auto letter = rt.queue().GetDeadLetter(queue_org, letter_id);
    if (!letter.ok()) return Fail(err, letter.status());
    if (!*letter) return Fail(err, absl::NotFoundError("no dead letter " + letter_id));
    out << (*letter)->detail.dump(2) << "\n";
    return 0;
  }
  if (*requeue) {
    if (auto s = rt.queue().RequeueDeadLetter(queue_org, letter_id); !s.ok()) return Fail(err, s);
    out << "requeued " << letter_id << "\n";
    return 0;
  }
  if (*seg_preview) {
    auto expression = SegmentExpression::Parse(seg_expression);
    if (!expression.ok()) return Fail(err, expression.status());
    auto preview = EvaluateSegment(&rt.contacts(), seg_org, PostScope::All(), *expression, 10);
    if (!preview.ok()) return Fail(err, preview.status());
    out << "count: " << preview->count << "\n";
    for (const auto& c : preview->sample) out << c.id << "\t" << c.name << "\n";
    return 0;
  }
  return 0;
}

}  // namespace ogw
