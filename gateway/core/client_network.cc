#include "gateway/core/client_network.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace ogw {

std::string RateLimitClient(std::string_view address) {
  std::string text(address.substr(0, address.find('%')));
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::array<unsigned char, 16> bytes{};
  if (text.size() >= INET6_ADDRSTRLEN || inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) {
    return std::string(address);
  }
  static constexpr std::array<unsigned char, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                  0, 0, 0, 0, 0xff, 0xff};
  char out[INET6_ADDRSTRLEN] = {};
  if (std::memcmp(bytes.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0) {
    inet_ntop(AF_INET, bytes.data() + 12, out, sizeof(out));
    return out;
  }
  std::memset(bytes.data() + 8, 0, 8);
  inet_ntop(AF_INET6, bytes.data(), out, sizeof(out));
  return std::string(out) + "/64";
}

}  // namespace ogw
