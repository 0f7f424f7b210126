#pragma once

// The replies a campaign received, for export (GET /v1/campaigns/{id}/replies): every message
// of a recipient that counted for the campaign (CampaignResponses attribution: threading,
// else the latest campaign sent to them in the last 7 days), oldest first, with what it was
// read as (a STOP, a survey answer). The inbound pipeline notes each such message in the
// campaign's `:replies` index (CampaignResponses::NoteReply); the export resolves the notes
// page by page against the people's conversations, so any number of replies exports in
// bounded memory. Messages of people erased since are left out.

#include <functional>
#include <string_view>

#include "gateway/contacts/contact_store.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

enum class ReplyExportFormat { kCsv, kJson };

// The CSV header: at, contact_id, name, channel, address, subject, text, keyword, question,
// answer, entry_id.
absl::Status ExportCampaignReplies(RedisPool& redis, ContactStore& contacts,
                                   std::string_view org_id, std::string_view campaign_id,
                                   ReplyExportFormat format,
                                   const std::function<bool(std::string_view chunk)>& write);

}  // namespace ogw
