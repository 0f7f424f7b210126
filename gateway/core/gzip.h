#pragma once

// gzip (RFC 1952) for bodies compressed once and sent many times (the bulletins' cached
// pages), and the reading of Accept-Encoding that decides whether a client takes them.

#include <string>
#include <string_view>

namespace ogw {

// `data` in the gzip format, at zlib's default level (within a few percent of the best for
// HTML, at a fraction of its time); "" only if zlib fails.
std::string Gzip(std::string_view data);

// Whether a request with this Accept-Encoding header accepts gzip (RFC 9110, 12.5.3): "gzip"
// or "x-gzip" listed without q=0, or "*" without q=0 and gzip not refused by name. An absent
// or empty header accepts only the identity.
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace ogw
