#include "gateway/cli/commands.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

#include "gateway/app/runtime.h"
#include "gateway/cli/progress.h"
#include "gateway/contacts/contact_export.h"
#include "gateway/contacts/contact_json.h"
#include "gateway/core/crypto.h"
#include "gateway/core/json_reader.h"
#include "gateway/core/key_schema.h"
#include "gateway/core/text.h"
#include "gateway/invitations/selection_snapshot.h"
#include "gateway/reports/campaign_report.h"
#include "gateway/segments/behaviour_facts.h"
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

int Serve(const CommonOptions& common, int port_override, std::ostream& out, std::ostream& err) {
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
    if (!config->bootstrap.admin_email.empty()) {
      // The dashboard's first sign-in: the admin sets a password through this link.
      auto admin = (*runtime)->orgs().Authenticate(**admin_key);
      auto invitation = admin.ok() ? (*runtime)->sign_in().Invite(admin->org_id, admin->officer_id)
                                   : absl::StatusOr<OfficerInvitation>(admin.status());
      if (invitation.ok()) {
        out << "dashboard: set the admin's password (as " << config->bootstrap.admin_email
            << ") within 7 days at " << config->links.public_base_url
            << "/ui/#invitation=" << invitation->token << "\n";
      } else {
        err << "warning: no dashboard invitation for the admin: " << MessageOf(invitation.status())
            << "\n";
      }
    }
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
         {"state", std::string(CampaignStateName(state->value_or(CampaignState::kDraft)))},
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

// Every option of every command, filled by CLI11.
struct CliArgs {
  CommonOptions common;
  int port = -1;
  std::string org;  // --org of the organisation's commands.
  std::string letter_id;
  std::string org_name;
  std::string org_language = "en";
  std::string officer;
  std::string import_file;
  std::string import_post;
  std::string import_format;
  std::string export_file;  // "-": standard output.
  std::string export_format = "csv";
  std::string export_post;
  std::string expression;
  std::string event_id;
  std::string request_file;
  std::string campaign_id;
  std::string report_by;                // Comma-separated dimensions.
  std::string report_format = "table";  // table, json or csv.
};

// Commands on a gateway's data: they open a runtime on the configuration first.
using DataCommand =
    std::function<int(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err)>;

int CreateOrganisation(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  auto created = rt.orgs().CreateOrganisation(args.org_name, args.org_language);
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

int ListOrganisations(Runtime& rt, const CliArgs&, std::ostream& out, std::ostream& err) {
  auto orgs = rt.orgs().ListOrganisations();
  if (!orgs.ok()) return Fail(err, orgs.status());
  for (const auto& o : *orgs) out << o.id << "\t" << o.name << "\n";
  return 0;
}

int CreateKey(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  auto k = rt.orgs().CreateApiKey(args.org, args.officer);
  if (!k.ok()) return Fail(err, k.status());
  out << "API key " << k->first.id << " (shown once): " << k->second << "\n";
  return 0;
}

int ImportContacts(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  bool ok = false;
  const std::string data = ReadFile(args.import_file, &ok);
  if (!ok) return Fail(err, absl::NotFoundError("cannot read " + args.import_file));
  std::string format_name = args.import_format;
  if (format_name.empty()) format_name = args.import_file.ends_with(".json") ? "json" : "csv";
  if (format_name != "csv" && format_name != "json") {
    return Fail(err, absl::InvalidArgumentError("--format must be csv or json"));
  }
  const ImportFormat format = format_name == "csv" ? ImportFormat::kCsv : ImportFormat::kJson;
  ImportOptions options;
  options.org_id = args.org;
  options.default_post_id = args.import_post;
  options.source = "import:" + args.import_file.substr(args.import_file.find_last_of('/') + 1);
  options.max_rows = static_cast<size_t>(rt.config().api.max_import_rows);
  auto owner = rt.orgs().GetOrganisation(args.org);
  if (!owner.ok()) return Fail(err, owner.status());
  if (!*owner) return Fail(err, absl::NotFoundError("unknown organisation " + args.org));
  auto posts = rt.orgs().ListPosts(args.org);
  if (!posts.ok()) return Fail(err, posts.status());
  for (const auto& p : *posts) options.known_posts.insert(p.id);
  if (!args.import_post.empty() && !options.known_posts.contains(args.import_post)) {
    return Fail(err, absl::NotFoundError("unknown post " + args.import_post));
  }
  std::atomic<int64_t> total{0}, done{0};
  options.rows_total = &total;
  options.rows_done = &done;
  absl::StatusOr<ImportReport> report;
  {
    ProgressReporter progress(err, isatty(STDERR_FILENO) == 1, "rows", &total, &done);
    report = rt.importer().Import(format, data, options);
  }
  if (!report.ok()) return Fail(err, report.status());
  out << report->ToJson(format).dump(2) << "\n";
  return report->failed == 0 ? 0 : 3;
}

// Writes the organisation's contacts (or one post's) as GET /v1/contacts/export does, with
// progress on the error stream.
int ExportContactsCommand(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  if (args.export_format != "csv" && args.export_format != "json") {
    return Fail(err, absl::InvalidArgumentError("--format must be csv or json"));
  }
  auto owner = rt.orgs().GetOrganisation(args.org);
  if (!owner.ok()) return Fail(err, owner.status());
  if (!*owner) return Fail(err, absl::NotFoundError("unknown organisation " + args.org));
  PostScope scope = PostScope::All();
  std::string count_key = keys::ContactIds(args.org);
  if (!args.export_post.empty()) {
    auto post = rt.orgs().GetPost(args.org, args.export_post);
    if (!post.ok()) return Fail(err, post.status());
    if (!*post) return Fail(err, absl::NotFoundError("unknown post " + args.export_post));
    scope = PostScope::Of({args.export_post});
    count_key = keys::PostContactIds(args.org, args.export_post);
  }
  auto total = rt.redis().Command({"ZCARD", count_key});
  if (!total.ok()) return Fail(err, total.status());
  std::ofstream file;
  std::ostream* sink = &out;
  if (args.export_file != "-") {
    file.open(args.export_file, std::ios::binary | std::ios::trunc);
    if (!file) return Fail(err, absl::PermissionDeniedError("cannot write " + args.export_file));
    sink = &file;
  }
  std::atomic<int64_t> written{0};
  const std::atomic<int64_t> known_total{total->integer};
  absl::Status s;
  {
    ProgressReporter progress(err, isatty(STDERR_FILENO) == 1, "contacts", &known_total, &written);
    s = ExportContacts(
        rt.contacts(), args.org, scope,
        args.export_format == "csv" ? ContactExportFormat::kCsv : ContactExportFormat::kJson,
        [sink](std::string_view chunk) {
          sink->write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
          return static_cast<bool>(*sink);
        },
        &written);
  }
  if (s.ok() && file.is_open()) file.close();
  if (!s.ok() || (file.is_open() ? !file : !*sink)) {
    err << "export failed after " << written.load()
        << " contacts: " << (s.ok() ? std::string("write error") : std::string(MessageOf(s)))
        << "\n";
    return 1;
  }
  err << "exported " << written.load() << " contacts\n";
  return 0;
}

int ListDeadLetters(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  auto letters = rt.queue().ListDeadLetters(args.org);
  if (!letters.ok()) return Fail(err, letters.status());
  for (const auto& l : *letters) {
    out << l.id << "\t" << l.detail.value("code", "") << "\t" << l.detail.value("reason", "")
        << "\n";
  }
  return 0;
}

int ShowDeadLetter(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  auto letter = rt.queue().GetDeadLetter(args.org, args.letter_id);
  if (!letter.ok()) return Fail(err, letter.status());
  if (!*letter) return Fail(err, absl::NotFoundError("no dead letter " + args.letter_id));
  out << (*letter)->detail.dump(2) << "\n";
  return 0;
}

int Requeue(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  if (auto s = rt.queue().RequeueDeadLetter(args.org, args.letter_id); !s.ok()) {
    return Fail(err, s);
  }
  out << "requeued " << args.letter_id << "\n";
  return 0;
}

// An audience expression with its behaviour predicates bound, as an admin sees them.
absl::StatusOr<SegmentExpression> Audience(Runtime& rt, const std::string& org,
                                           const std::string& text) {
  ASSIGN_OR_RETURN(SegmentExpression parsed, SegmentExpression::Parse(text));
  ApiServices services = rt.Services();
  return BindBehaviour(parsed, org, PostScope::All(),
                       {.queue = services.queue,
                        .campaigns = services.campaigns,
                        .events = services.events,
                        .seats = services.event_seats});
}

int PreviewSegment(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  auto expression = Audience(rt, args.org, args.expression);
  if (!expression.ok()) return Fail(err, expression.status());
  auto preview = EvaluateSegment(&rt.contacts(), args.org, PostScope::All(), *expression, 10);
  if (!preview.ok()) return Fail(err, preview.status());
  out << "count: " << preview->count << "\n";
  for (const auto& c : preview->sample) out << c.id << "\t" << c.name << "\n";
  return 0;
}

// A selection request as POST /v1/events/{id}/selection/preview takes it.
absl::StatusOr<SelectionInput> ReadSelectionFile(Runtime& rt, const std::string& org,
                                                 const nlohmann::json& body) {
  JsonReader r = JsonReader::ForInput(body);
  SelectionInput in = ReadSelectionInput(r);
  RETURN_IF_ERROR(r.Finish());
  const std::string& segment_id = in.segment_id;
  if (!segment_id.empty()) {
    ASSIGN_OR_RETURN(std::optional<Segment> segment, rt.segments().Get(org, segment_id));
    if (!segment) return absl::NotFoundError("segment_id: unknown segment " + segment_id);
    in.expression = segment->expression;
  }
  return in;
}

// Rows of cells printed as columns two spaces apart, each as wide as its widest cell: text
// to the left, numbers (`right`) to the right.
void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                const std::vector<bool>& right) {
  std::vector<size_t> widths(right.size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], CountCodePoints(row[c]));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(widths[c] - CountCodePoints(row[c]), ' ');
      if (c > 0) line += "  ";
      line += right[c] ? pad + row[c] : row[c] + (c + 1 < row.size() ? pad : "");
    }
    out << line << "\n";
  }
}

// `events preview-selection`: the draw of POST /v1/events/{id}/selection/preview for the
// request in a file, with the composition as a table an officer can read or paste.
int PreviewSelection(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  bool ok = false;
  const std::string text = ReadFile(args.request_file, &ok);
  if (!ok) return Fail(err, absl::NotFoundError("cannot read " + args.request_file));
  if (JsonNestingDepth(text) > kMaxInputJsonDepth) {
    return Fail(err, absl::InvalidArgumentError(args.request_file + ": nested too deeply"));
  }
  const nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Fail(err, absl::InvalidArgumentError(args.request_file + ": not a JSON object"));
  }
  ApiServices services = rt.Services();
  auto event = services.events->Get(args.org, args.event_id);
  if (!event.ok()) return Fail(err, event.status());
  if (!*event) return Fail(err, absl::NotFoundError("unknown event " + args.event_id));
  auto in = ReadSelectionFile(rt, args.org, body);
  if (!in.ok()) return Fail(err, in.status());
  auto audience = Audience(rt, args.org, in->expression);
  if (!audience.ok()) {
    return Fail(err, absl::InvalidArgumentError("expression: " +
                                                std::string(MessageOf(audience.status()))));
  }
  auto snapshot =
      SnapshotAudience(&rt.contacts(), args.org, PostScope::All(), *audience, in->attributes);
  if (!snapshot.ok()) return Fail(err, snapshot.status());
  auto result = SelectRepresentative(snapshot->candidates, in->request, {});
  if (!result.ok()) {
    // The selection names its request's fields ("dimensions[1].targets: ..."); the request
    // calls them quotas.
    std::string message(MessageOf(result.status()));
    if (message.starts_with("dimensions")) message.replace(0, 10, "quotas");
    return Fail(err, absl::Status(result.status().code(), message));
  }
  out << "event: " << (*event)->id << "\n"
      << "seed: " << result->seed << "\n"
      << "count: " << in->request.count << "\n"
      << "eligible: " << result->eligible << "\n"
      << "unreachable: " << snapshot->unreachable << "\n"
      << "selected: " << result->selected.size() << "\n"
      << "shortfall: " << result->shortfall << "\n"
      << "filled_outside_quotas: " << result->filled_outside_quotas << "\n";
  if (!result->composition.empty()) {
    std::vector<std::vector<std::string>> rows = {
        {"dimension", "group", "share %", "target", "selected", "shortfall"}};
    for (const GroupComposition& g : result->composition) {
      char share[32];
      std::snprintf(share, sizeof(share), "%.1f", g.segment_share * 100);
      rows.push_back({g.dimension, g.group.empty() ? "(unknown)" : g.group, share,
                      std::to_string(g.target), std::to_string(g.selected),
                      std::to_string(g.shortfall)});
    }
    out << "\n";
    PrintTable(out, rows, {false, false, true, true, true, true});
  }
  out << "\nselected contacts (draw order):\n";
  for (const std::string& id : result->selected) out << id << "\n";
  return 0;
}

// Launches a campaign as POST /v1/campaigns/{id}/launch does, with the scan's progress on the
// error stream, and prints what the launch queued and skipped.
int LaunchCampaign(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  auto campaign = rt.campaigns().Get(args.org, args.campaign_id);
  if (!campaign.ok()) return Fail(err, campaign.status());
  if (!*campaign) return Fail(err, absl::NotFoundError("unknown campaign " + args.campaign_id));
  // What the scan goes through: the post's people, or the organisation's.
  const std::string count_key = (*campaign)->post_id.empty()
                                    ? keys::ContactIds(args.org)
                                    : keys::PostContactIds(args.org, (*campaign)->post_id);
  auto total = rt.redis().Command({"ZCARD", count_key});
  if (!total.ok()) return Fail(err, total.status());
  const std::atomic<int64_t> known_total{(*campaign)->event_id.empty() ? total->integer : 0};
  std::atomic<int64_t> visited{0};
  absl::StatusOr<Campaign> launched;
  {
    ProgressReporter progress(err, isatty(STDERR_FILENO) == 1, "contacts", &known_total, &visited);
    launched = rt.launcher().Launch(args.org, args.campaign_id, &visited);
  }
  if (!launched.ok()) return Fail(err, launched.status());
  out << "campaign: " << launched->id << "\n"
      << "audience: " << launched->audience << "\n"
      << "queued: " << launched->queued << "\n";
  for (const auto& [channel, n] : launched->channels)
    out << "channel " << channel << ": " << n << "\n";
  for (const auto& [reason, n] : launched->skipped)
    out << "skipped " << reason << ": " << n << "\n";
  return 0;
}

// The campaign's report as GET /v1/campaigns/{id}/report gives it: JSON, CSV, or tables.
int CampaignReportCommand(Runtime& rt, const CliArgs& args, std::ostream& out, std::ostream& err) {
  if (args.report_format != "table" && args.report_format != "json" &&
      args.report_format != "csv") {
    return Fail(err, absl::InvalidArgumentError("--format must be table, json or csv"));
  }
  auto campaign = rt.campaigns().Get(args.org, args.campaign_id);
  if (!campaign.ok()) return Fail(err, campaign.status());
  if (!*campaign) return Fail(err, absl::NotFoundError("unknown campaign " + args.campaign_id));
  ReportRequest request;
  request.dimensions = SplitDimensions(args.report_by);
  auto report = CampaignReporter(&rt.redis(), &rt.clock()).Report(**campaign, request);
  if (!report.ok()) return Fail(err, report.status());
  if (args.report_format == "json") {
    out << report->dump(2) << "\n";
    return 0;
  }
  if (args.report_format == "csv") {
    out << ReportCsv(*report);
    return 0;
  }
  const std::vector<std::string>& metrics = ReportMetricNames();
  auto row_of = [&](const std::string& first, const nlohmann::json& counts) {
    std::vector<std::string> row = {first};
    for (const std::string& m : metrics) row.push_back(std::to_string(counts.value(m, int64_t{0})));
    return row;
  };
  std::vector<bool> right(metrics.size() + 1, true);
  right[0] = false;
  out << "campaign: " << (*report)["campaign_id"].get<std::string>() << " ("
      << (*report)["state"].get<std::string>()
      << ((*report)["frozen"].get<bool>() ? ", frozen" : "") << ")\n\n";
  std::vector<std::vector<std::string>> rows = {{"total"}};
  rows[0].insert(rows[0].end(), metrics.begin(), metrics.end());
  rows.push_back(row_of("", (*report)["totals"]));
  PrintTable(out, rows, right);
  for (const nlohmann::json& b : (*report)["breakdowns"]) {
    rows = {{b["dimension"].get<std::string>()}};
    rows[0].insert(rows[0].end(), metrics.begin(), metrics.end());
    for (const nlohmann::json& v : b["values"]) {
      const std::string value = v["value"];
      rows.push_back(row_of(value.empty() ? "(unknown)" : value, v));
    }
    out << "\n";
    PrintTable(out, rows, right);
  }
  const nlohmann::json& gaps = (*report)["representativeness"]["largest_gaps"];
  if (!gaps.empty()) {
    out << "\nlargest gaps between the audience and those who responded:\n";
    for (const nlohmann::json& g : gaps) out << "  " << g["text"].get<std::string>() << "\n";
  }
  return 0;
}

// A group of subcommands (`queue`, `org`, ...), one of which must be given.
CLI::App* Group(CLI::App& app, const std::string& name, const std::string& about) {
  CLI::App* group = app.add_subcommand(name, about);
  group->require_subcommand(1);
  return group;
}

CLI::App* WithOrg(CLI::App* command, CliArgs& args) {
  command->add_option("--org", args.org, "organisation id")->required();
  return command;
}

}  // namespace

int RunCli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"outreach-gateway: multi-channel outreach and messaging gateway"};
  app.require_subcommand(1);
  CliArgs args;
  app.add_option("-c,--config", args.common.config_path, "configuration file (JSON)")
      ->capture_default_str();

  auto* serve = app.add_subcommand("serve", "run the HTTP API");
  serve->add_option("--port", args.port, "override server.port");
  auto* worker = app.add_subcommand("worker", "drain the delivery queue (no HTTP API)");
  auto* check = app.add_subcommand("check-config", "validate the configuration file and exit");

  std::vector<std::pair<CLI::App*, DataCommand>> commands;
  auto* queue = Group(app, "queue", "the delivery queue");
  auto* stats =
      WithOrg(queue->add_subcommand("stats", "lane sizes and per-campaign counters"), args);
  commands.emplace_back(stats, [](Runtime& rt, const CliArgs& a, std::ostream& o, std::ostream& e) {
    return QueueStats(rt, a.org, o, e);
  });
  auto* dead = WithOrg(queue->add_subcommand("dead-letters", "list dead letters"), args);
  commands.emplace_back(dead, ListDeadLetters);
  auto* dead_show = WithOrg(queue->add_subcommand("dead-letter", "show one dead letter"), args);
  dead_show->add_option("--id", args.letter_id, "dead letter id")->required();
  commands.emplace_back(dead_show, ShowDeadLetter);
  auto* requeue = WithOrg(queue->add_subcommand("requeue", "send a dead letter again"), args);
  requeue->add_option("--id", args.letter_id, "dead letter id")->required();
  commands.emplace_back(requeue, Requeue);

  auto* org = Group(app, "org", "organisations");
  auto* org_create = org->add_subcommand("create", "create an organisation and its first admin");
  org_create->add_option("--name", args.org_name, "organisation name")->required();
  org_create->add_option("--language", args.org_language, "default language (BCP 47)");
  commands.emplace_back(org_create, CreateOrganisation);
  commands.emplace_back(org->add_subcommand("list", "list organisations"), ListOrganisations);

  auto* key = Group(app, "key", "API keys");
  auto* key_create = WithOrg(key->add_subcommand("create", "issue a new key for an officer"), args);
  key_create->add_option("--officer", args.officer, "officer id")->required();
  commands.emplace_back(key_create, CreateKey);

  auto* contacts = Group(app, "contacts", "contacts");
  auto* import = WithOrg(contacts->add_subcommand("import", "import a CSV or JSON file"), args);
  import->add_option("--file", args.import_file, "file to import")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_option("--post", args.import_post, "post for rows without post_id");
  import->add_option("--format", args.import_format, "csv or json (default: by file extension)");
  commands.emplace_back(import, ImportContacts);
  auto* exported = WithOrg(
      contacts->add_subcommand("export", "write the contacts as the import reads them"), args);
  exported->add_option("--file", args.export_file, "file to write (- for standard output)")
      ->required();
  exported->add_option("--format", args.export_format, "csv (default) or json");
  exported->add_option("--post", args.export_post, "only this post's contacts");
  commands.emplace_back(exported, ExportContactsCommand);

  auto* segment = Group(app, "segment", "segments");
  auto* preview =
      WithOrg(segment->add_subcommand("preview", "count the contacts matching a filter"), args);
  preview->add_option("--expression", args.expression, "filter expression")->required();
  commands.emplace_back(preview, PreviewSegment);

  auto* campaigns = Group(app, "campaigns", "campaigns");
  auto* launch = WithOrg(campaigns->add_subcommand("launch", "launch a campaign"), args);
  launch->add_option("--campaign", args.campaign_id, "campaign id")->required();
  commands.emplace_back(launch, LaunchCampaign);
  auto* report = WithOrg(campaigns->add_subcommand("report", "a campaign's report"), args);
  report->add_option("--campaign", args.campaign_id, "campaign id")->required();
  report->add_option("--by", args.report_by, "dimensions, comma-separated (default: all)");
  report->add_option("--format", args.report_format, "table (default), json or csv");
  commands.emplace_back(report, CampaignReportCommand);

  auto* events = Group(app, "events", "events and their invitations");
  auto* preview_selection = WithOrg(
      events->add_subcommand("preview-selection",
                             "draw a representative group as the API's selection preview does, "
                             "without inviting anyone"),
      args);
  preview_selection->add_option("--event", args.event_id, "event id")->required();
  preview_selection
      ->add_option("--request", args.request_file,
                   "the request as JSON: expression or segment_id, count, quotas, seed, "
                   "fill_shortfall")
      ->required()
      ->check(CLI::ExistingFile);
  commands.emplace_back(preview_selection, PreviewSelection);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err);
  }

  if (*serve) return Serve(args.common, args.port, out, err);
  if (*worker) return Worker(args.common, out, err);
  if (*check) {
    auto config = GatewayConfig::LoadFile(args.common.config_path);
    if (!config.ok()) return Fail(err, config.status());
    out << args.common.config_path << ": ok\n";
    return 0;
  }
  for (const auto& [command, run] : commands) {
    if (!*command) continue;
    auto runtime = OpenRuntime(args.common);
    if (!runtime.ok()) return Fail(err, runtime.status());
    return run(**runtime, args, out, err);
  }
  return 0;
}

}  // namespace ogw
