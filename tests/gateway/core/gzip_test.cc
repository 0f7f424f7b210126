// gzip for the bulletins' cached pages: what a browser inflates is the page, byte for byte;
// and which Accept-Encoding headers real clients send take it.

#include "gateway/core/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace ogw {
namespace {

// What a browser does with a gzip body.
std::string Gunzip(const std::string& data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return "<init>";
  std::string out;
  char buffer[4096];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  int status = Z_OK;
  while (status == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof(buffer);
    status = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - zs.avail_out);
  }
  inflateEnd(&zs);
  return status == Z_STREAM_END ? out : "<error>";
}

TEST(GzipTest, APageInflatesToItselfAndShrinks) {
  std::string page = "<!doctype html>\n<html lang=\"ar\" dir=\"rtl\">";
  for (int i = 0; i < 50; ++i) {
    page += "<article><h2>أيام الاستشارة " + std::to_string(i) +
            "</h2><p>Venez nous voir au consulat, le samedi de 9 h à 13 h.</p></article>";
  }
  const std::string gz = Gzip(page);
  ASSERT_GE(gz.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);  // The gzip magic (RFC 1952).
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  EXPECT_EQ(Gunzip(gz), page);
  EXPECT_LT(gz.size() * 5, page.size());
  EXPECT_EQ(Gunzip(Gzip("")), "");
}

TEST(GzipTest, WhatRealClientsSendDecides) {
  // Chromium, Firefox, curl --compressed, feedparser (urllib), wrk and plain curl.
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br, zstd"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("br"));
  // Names are case-insensitive; x-gzip is gzip (RFC 9110, 8.4.1.3).
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  // q-values: zero refuses, whatever "*" says; any other value accepts.
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000, *"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.001"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("identity, *;q=0"));
  // Nonsense never accepts by accident.
  EXPECT_FALSE(AcceptsGzip("gzipped"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=x"));
}

}  // namespace
}  // namespace ogw
