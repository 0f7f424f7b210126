#include "gateway/core/gzip.h"

#include <zlib.h>

#include <optional>

#include "gateway/core/text.h"

namespace ogw {
namespace {

// The q-value of one Accept-Encoding element's parameters ("q=0.5"); 1 when absent.
double QValue(std::string_view params) {
  while (!params.empty()) {
    const size_t semi = params.find(';');
    std::string_view p = TrimAsciiSpace(params.substr(0, semi));
    params = semi == std::string_view::npos ? "" : params.substr(semi + 1);
    if (p.size() < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=') continue;
    p.remove_prefix(2);
    // RFC 9110 qvalue: "0" or "1", optionally followed by up to three decimals.
    if (p.empty() || (p[0] != '0' && p[0] != '1')) return 0;
    double q = p[0] - '0';
    double scale = 0.1;
    for (size_t i = 2; i < p.size() && i < 5; ++i, scale /= 10) {
      if (p[i] < '0' || p[i] > '9') break;
      q += (p[i] - '0') * scale;
    }
    return q;
  }
  return 1;
}

}  // namespace

std::string Gzip(std::string_view data) {
  z_stream zs{};
  // 15 window bits, +16: the gzip wrapper rather than zlib's.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return "";
  }
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int done = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return done == Z_STREAM_END ? out : "";
}

bool AcceptsGzip(std::string_view accept_encoding) {
  std::optional<double> gzip;
  std::optional<double> any;
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    const std::string_view element = accept_encoding.substr(0, comma);
    accept_encoding = comma == std::string_view::npos ? "" : accept_encoding.substr(comma + 1);
    const size_t semi = element.find(';');
    const std::string_view coding = TrimAsciiSpace(element.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1 : QValue(element.substr(semi + 1));
    if (EqualsIgnoreAsciiCase(coding, "gzip") || EqualsIgnoreAsciiCase(coding, "x-gzip")) {
      gzip = q;
    } else if (coding == "*") {
      any = q;
    }
  }
  if (gzip) return *gzip > 0;
  return any && *any > 0;
}

}  // namespace ogw
