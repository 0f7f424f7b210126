#include "gateway/reports/campaign_replies.h"

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/csv_writer.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/core/iso_time.h"
#include "gateway/core/key_schema.h"
#include "queue/campaign_keys.h"

namespace ogw {
namespace {

constexpr int64_t kPage = 500;
constexpr size_t kChunkBytes = 64 * 1024;

struct Row {
  std::string contact_id;
  std::string name;
  ConversationEntry entry;
};

nlohmann::json RowJson(const Row& r) {
  return {{"at", FormatIsoUtc(r.entry.at_millis)},
          {"contact_id", r.contact_id},
          {"name", r.name},
          {"channel", r.entry.Field("channel")},
          {"address", r.entry.Field("address")},
          {"subject", r.entry.Field("subject")},
          {"text", r.entry.Field("text")},
          {"keyword", r.entry.Field("keyword")},
          {"question", r.entry.Field("question")},
          {"answer", r.entry.Field("answer")},
          {"entry_id", r.entry.id}};
}

// One page of notes ("<contact>/<entry>") resolved to rows, in order; notes whose person or
// message is gone are left out.
absl::StatusOr<std::vector<Row>> Resolve(RedisPool& redis, ContactStore& contacts,
                                         std::string_view org_id,
                                         const std::vector<RedisReply>& notes) {
  std::vector<std::vector<std::string>> reads;
  std::vector<Row> rows;
  std::vector<std::string> ids;
  for (const RedisReply& note : notes) {
    const size_t slash = note.str.find('/');
    if (slash == std::string::npos) continue;
    Row& row = rows.emplace_back();
    row.contact_id = note.str.substr(0, slash);
    row.entry.id = note.str.substr(slash + 1);
    ids.push_back(row.contact_id);
    reads.push_back(
        {"XRANGE", keys::Conversation(org_id, row.contact_id), row.entry.id, row.entry.id});
  }
  if (rows.empty()) return rows;
  ASSIGN_OR_RETURN(std::vector<RedisReply> entries, redis.Pipeline(reads));
  ASSIGN_OR_RETURN(std::vector<std::optional<StoredContact>> people, contacts.GetMany(org_id, ids));
  std::vector<Row> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    RETURN_IF_ERROR(entries[i].AsStatus());
    if (entries[i].elements.empty() || !people[i]) continue;  // Erased since.
    ASSIGN_OR_RETURN(ConversationEntry entry, ConversationLog::ParseEntry(entries[i].elements[0]));
    rows[i].entry = std::move(entry);
    rows[i].name = people[i]->contact.name;
    out.push_back(std::move(rows[i]));
  }
  return out;
}

}  // namespace

absl::Status ExportCampaignReplies(RedisPool& redis, ContactStore& contacts,
                                   std::string_view org_id, std::string_view campaign_id,
                                   ReplyExportFormat format,
                                   const std::function<bool(std::string_view chunk)>& write) {
  const CampaignKeys keys(org_id, campaign_id);
  std::string chunk;
  bool first = true;
  if (format == ReplyExportFormat::kCsv) {
    AppendCsvRecord(&chunk, {"at", "contact_id", "name", "channel", "address", "subject", "text",
                             "keyword", "question", "answer", "entry_id"});
  } else {
    chunk = "{\"replies\":[";
  }
  for (int64_t start = 0;; start += kPage) {
    ASSIGN_OR_RETURN(RedisReply notes,
                     redis.Command({"ZRANGE", keys.replies(), std::to_string(start),
                                    std::to_string(start + kPage - 1)}));
    if (notes.elements.empty()) break;
    ASSIGN_OR_RETURN(std::vector<Row> rows, Resolve(redis, contacts, org_id, notes.elements));
    for (const Row& r : rows) {
      if (format == ReplyExportFormat::kCsv) {
        const nlohmann::json j = RowJson(r);
        std::vector<std::string> cells;
        for (const char* column : {"at", "contact_id", "name", "channel", "address", "subject",
                                   "text", "keyword", "question", "answer", "entry_id"}) {
          cells.push_back(j[column].get<std::string>());
        }
        AppendCsvRecord(&chunk, cells);
      } else {
        if (!first) chunk += ",\n";
        first = false;
        chunk += RowJson(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
    }
    if (chunk.size() >= kChunkBytes) {
      if (!write(chunk)) return absl::CancelledError("the export's reader went away");
      chunk.clear();
    }
    if (static_cast<int64_t>(notes.elements.size()) < kPage) break;
  }
  if (format == ReplyExportFormat::kJson) chunk += "]}\n";
  if (!write(chunk)) return absl::CancelledError("the export's reader went away");
  return absl::OkStatus();
}

}  // namespace ogw
