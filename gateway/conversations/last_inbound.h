#pragma once

// When and where a person last wrote to the organisation ({o:ID}:lastin:<contact>, written by
// the inbound pipeline's store script), and what follows from it: WhatsApp's and Messenger's
// 24-hour customer-service windows, and the channel an officer's answer goes out on.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/channel.h"
#include "gateway/core/redis_client.h"
#include "gateway/core/status.h"

namespace ogw {

// WhatsApp and Messenger take free text for 24 hours after the person last wrote; a message
// must leave a little before then to arrive inside the window.
inline constexpr int64_t kServiceWindowMillis = 24 * 3'600'000 - 5 * 60'000;

constexpr bool HasServiceWindow(Channel channel) {
  return channel == Channel::kWhatsApp || channel == Channel::kMessenger;
}
// Whether a window opened by a message at `last_inbound_millis` (0: never) is open at `now`.
constexpr bool ServiceWindowOpen(int64_t last_inbound_millis, int64_t now_millis) {
  return last_inbound_millis > 0 && now_millis - last_inbound_millis < kServiceWindowMillis;
}

struct LastInbound {
  std::optional<Channel> channel;                  // Where they last wrote; nullopt: never.
  std::string address;                             // That address's key ("<kind>:<value>").
  std::map<std::string, int64_t, std::less<>> at;  // Address key -> when they last wrote from it.

  // When they last wrote from `address_key`; 0: never.
  int64_t At(std::string_view address_key) const;
};

// The record of `contact_id`; empty when they never wrote. Unreadable fields count as absent.
absl::StatusOr<LastInbound> ReadLastInbound(RedisPool& redis, std::string_view org_id,
                                            std::string_view contact_id);

}  // namespace ogw
