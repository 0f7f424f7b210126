#include "gateway/conversations/conversation_export.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/contacts/csv_writer.h"
#include "gateway/conversations/conversation_log.h"
#include "gateway/core/iso_time.h"
#include "gateway/core/key_schema.h"

namespace ogw {
namespace {

constexpr size_t kBatch = 100;  // People whose logs are read in one round trip.
constexpr size_t kPage = 50;    // Entries per read of one log.
constexpr size_t kChunkBytes = 64 * 1024;
constexpr const char* kColumns[] = {"at",      "contact_id", "name",   "kind",     "channel",
                                    "address", "subject",    "text",   "campaign", "message",
                                    "state",   "code",       "author", "entry_id"};

nlohmann::json EntryJson(const Contact& c, const ConversationEntry& e) {
  nlohmann::json j = {{"at", FormatIsoUtc(e.at_millis)},
                      {"contact_id", c.id},
                      {"name", c.name},
                      {"kind", e.kind},
                      {"entry_id", e.id}};
  for (const char* field : {"channel", "address", "subject", "text", "campaign", "message", "state",
                            "code", "author"}) {
    j[field] = e.Field(field);
  }
  return j;
}

}  // namespace

absl::Status ExportConversations(RedisPool& redis, ContactStore& contacts, std::string_view org_id,
                                 const ConversationExportRequest& request,
                                 const std::function<bool(std::string_view chunk)>& write) {
  std::string chunk;
  bool first = true;
  if (request.csv) {
    AppendCsvRecord(&chunk, std::vector<std::string>(std::begin(kColumns), std::end(kColumns)));
  } else {
    chunk = "{\"entries\":[";
  }
  // Stream ids are "<ms>-<sequence>": the range is by the time each entry was written.
  const std::string from = std::to_string(request.from_millis);
  // An end without a sequence means the last entry of that millisecond.
  const std::string to = request.to_millis == INT64_MAX ? "+" : std::to_string(request.to_millis);
  std::vector<Contact> batch;
  absl::Status failed;
  // Rows of one page of a person's entries; the chunk goes out whenever it is full, so memory
  // is one page per person of the batch at most.
  auto append = [&](const Contact& c, const RedisReply& page) -> absl::Status {
    for (const RedisReply& raw : page.elements) {
      ASSIGN_OR_RETURN(ConversationEntry entry, ConversationLog::ParseEntry(raw));
      const nlohmann::json j = EntryJson(c, entry);
      if (request.csv) {
        std::vector<std::string> cells;
        for (const char* column : kColumns) cells.push_back(j[column].get<std::string>());
        AppendCsvRecord(&chunk, cells);
      } else {
        if (!first) chunk += ",\n";
        first = false;
        chunk += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
    }
    if (chunk.size() >= kChunkBytes) {
      if (!write(chunk)) return absl::CancelledError("the export's reader went away");
      chunk.clear();
    }
    return absl::OkStatus();
  };
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    // Everyone's first page in one round trip; the rest of a long log page by page.
    std::vector<std::vector<std::string>> reads;
    for (const Contact& c : batch) {
      reads.push_back({"XRANGE", keys::Conversation(org_id, c.id), from, to, "COUNT",
                       std::to_string(kPage)});
    }
    ASSIGN_OR_RETURN(std::vector<RedisReply> pages, redis.Pipeline(reads));
    for (size_t i = 0; i < batch.size(); ++i) {
      RedisReply page = std::move(pages[i]);
      while (true) {
        RETURN_IF_ERROR(page.AsStatus());
        RETURN_IF_ERROR(append(batch[i], page));
        if (page.elements.size() < kPage) break;
        const std::string after = "(" + page.elements.back().elements[0].str;
        ASSIGN_OR_RETURN(page, redis.Command({"XRANGE", reads[i][1], after, to, "COUNT",
                                              std::to_string(kPage)}));
      }
    }
    batch.clear();
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(contacts.ForEach(org_id, request.scope, [&](const Contact& c) {
    if (!request.scope.Allows(c.post_id)) return true;
    batch.push_back(c);
    if (batch.size() < kBatch) return true;
    failed = flush();
    return failed.ok();
  }));
  RETURN_IF_ERROR(failed);
  RETURN_IF_ERROR(flush());
  if (!request.csv) chunk += "]}\n";
  if (!write(chunk)) return absl::CancelledError("the export's reader went away");
  return absl::OkStatus();
}

}  // namespace ogw
