#include "gateway/core/ids.h"

#include "gateway/core/crypto.h"

namespace ogw {
namespace {
constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford, lower case.
constexpr size_t kTimeChars = 10;
constexpr size_t kRandomChars = 16;
}  // namespace

std::string NewId(std::string_view prefix, int64_t now_millis) {
  std::string id(prefix);
  id.push_back('_');
  uint64_t t = static_cast<uint64_t>(now_millis);
  char time_part[kTimeChars];
  for (size_t i = kTimeChars; i-- > 0;) {
    time_part[i] = kAlphabet[t & 31];
    t >>= 5;
  }
  id.append(time_part, kTimeChars);
  std::string random = RandomBytes(kRandomChars);
  for (unsigned char c : random) id.push_back(kAlphabet[c & 31]);
  return id;
}

bool IsWellFormedId(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 1 + kTimeChars + kRandomChars) return false;
  if (id.substr(0, prefix.size()) != prefix || id[prefix.size()] != '_') return false;
  for (char c : id.substr(prefix.size() + 1)) {
    if (std::string_view(kAlphabet).find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace ogw
