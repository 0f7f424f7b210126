#include "gateway/conversations/last_inbound.h"

#include "absl/strings/numbers.h"
#include "gateway/core/key_schema.h"

namespace ogw {

int64_t LastInbound::At(std::string_view address_key) const {
  const auto it = at.find(address_key);
  return it == at.end() ? 0 : it->second;
}

absl::StatusOr<LastInbound> ReadLastInbound(RedisPool& redis, std::string_view org_id,
                                            std::string_view contact_id) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis.Command({"HGETALL", keys::LastInbound(org_id, contact_id)}));
  RETURN_IF_ERROR(reply.AsStatus());
  LastInbound last;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& field = reply.elements[i].str;
    const std::string& value = reply.elements[i + 1].str;
    if (field == "channel") {
      last.channel = ParseChannel(value);
    } else if (field == "address") {
      last.address = value;
    } else if (field.find(':') != std::string::npos) {
      int64_t millis = 0;
      if (absl::SimpleAtoi(value, &millis)) last.at[field] = millis;
    }
  }
  return last;
}

}  // namespace ogw
