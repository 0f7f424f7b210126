#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace ogw {

// One campaign recipient as the queue stores it: references only, in a fixed-size record so a
// chunk of recipients is one Redis string and record i sits at byte i * kRecordBytes.
//
//   bytes 0..25  the contact id without its "c_" prefix (26 base32 characters)
//   byte  26     channel code (the delivery layer's numbering; the queue does not interpret it)
//   byte  27     index of the address within the contact's addresses
struct QueuedRecipient {
  std::string contact_id;  // "c_..."
  uint8_t channel = 0;
  uint8_t address_index = 0;
  bool operator==(const QueuedRecipient&) const = default;
};

inline constexpr size_t kRecordBytes = 28;

// Appends the record of `r` to `out`. InvalidArgument unless `r.contact_id` is a well-formed
// contact id.
absl::Status AppendRecipient(const QueuedRecipient& r, std::string* out);

// Record `i` of a packed string. InvalidArgument when `packed` is too short.
absl::StatusOr<QueuedRecipient> RecipientAt(std::string_view packed, size_t i);

inline size_t RecipientCount(std::string_view packed) { return packed.size() / kRecordBytes; }

// Finding a contact among recipients sorted by contact id. `id` is the contact id without its
// "c_" prefix (kIdChars bytes); `firsts` is the first id of every chunk, concatenated.
inline constexpr size_t kIdChars = kRecordBytes - 2;
// The chunk that would hold `id`, or nullopt when `id` sorts before every chunk.
std::optional<size_t> ChunkHolding(std::string_view firsts, std::string_view id);
// The place of `id` in the packed records of one chunk, or nullopt when absent.
std::optional<size_t> FindRecipient(std::string_view chunk, std::string_view id);

}  // namespace ogw
