#include "queue/packed_recipients.h"

#include "gateway/core/ids.h"

namespace ogw {
namespace {
constexpr std::string_view kContactPrefix = "c_";
}  // namespace

absl::Status AppendRecipient(const QueuedRecipient& r, std::string* out) {
  if (!IsWellFormedId(r.contact_id, "c") ||
      r.contact_id.size() != kContactPrefix.size() + kIdChars) {
    return absl::InvalidArgumentError("queued recipient: malformed contact id");
  }
  out->append(r.contact_id, kContactPrefix.size(), kIdChars);
  out->push_back(static_cast<char>(r.channel));
  out->push_back(static_cast<char>(r.address_index));
  return absl::OkStatus();
}

absl::StatusOr<QueuedRecipient> RecipientAt(std::string_view packed, size_t i) {
  if ((i + 1) * kRecordBytes > packed.size()) {
    return absl::InvalidArgumentError("queued recipient: index beyond the packed records");
  }
  const std::string_view record = packed.substr(i * kRecordBytes, kRecordBytes);
  QueuedRecipient r;
  r.contact_id.reserve(kContactPrefix.size() + kIdChars);
  r.contact_id.append(kContactPrefix);
  r.contact_id.append(record.substr(0, kIdChars));
  r.channel = static_cast<uint8_t>(record[kIdChars]);
  r.address_index = static_cast<uint8_t>(record[kIdChars + 1]);
  return r;
}

std::optional<size_t> ChunkHolding(std::string_view firsts, std::string_view id) {
  size_t lo = 0, hi = firsts.size() / kIdChars;  // First chunk whose first id is greater.
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (firsts.substr(mid * kIdChars, kIdChars) <= id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return std::nullopt;
  return lo - 1;
}

std::optional<size_t> FindRecipient(std::string_view chunk, std::string_view id) {
  const size_t count = RecipientCount(chunk);
  size_t lo = 0, hi = count;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (chunk.substr(mid * kRecordBytes, kIdChars) < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == count || chunk.substr(lo * kRecordBytes, kIdChars) != id) return std::nullopt;
  return lo;
}

}  // namespace ogw
