// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The line protocol alone: Session::feed, no sockets (server_test runs it
// against every model).

#include "modules/sockets/line_protocol.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace conc {
namespace {

TEST(LineProtocolTest, FeedKeepsIncompleteLinesAndRefusesLongOnes) {
  auto s = LineProtocol(16).NewSession();
  std::string out;
  Session::Result r = s->feed("a\nSUM 1 2\nbc", out);
  EXPECT_EQ(r.consumed, 10u);
  EXPECT_EQ(r.requests, 2);
  EXPECT_EQ(out, "a\n3\n");
  out.clear();
  r = s->feed(std::string(16, 'y'), out);  // 16 bytes, no newline: too long for 16.
  EXPECT_TRUE(r.close);
  EXPECT_TRUE(r.error);
  EXPECT_EQ(out, "ERR line too long\n");
  out.clear();
  r = LineProtocol(16).NewSession()->feed("exactly 15 byt\n", out);  // 15 with the newline: fits.
  EXPECT_FALSE(r.close);
  EXPECT_EQ(out, "exactly 15 byt\n");
  out.clear();
  r = LineProtocol(16).NewSession()->feed("sixteen bytes..\n", out);  // 16 with the newline: fits.
  EXPECT_FALSE(r.close);
  out.clear();
  r = LineProtocol(16).NewSession()->feed("seventeen bytes..\n", out);
  EXPECT_TRUE(r.close);
  EXPECT_EQ(out, "ERR line too long\n");
}

TEST(LineProtocolTest, CrLfAndEmptyLinesAreEchoed) {
  std::string out;
  Session::Result r = LineProtocol().NewSession()->feed("one\r\n\ntwo\r\n", out);
  EXPECT_EQ(r.requests, 3);
  EXPECT_EQ(out, "one\n\ntwo\n");
}

TEST(LineProtocolTest, SumEdgeCases) {
  std::string out;
  LineProtocol().NewSession()->feed("SUM\nSUM   7   -3 \nSUM 1.5\nSUM -9223372036854775808 -1\nSUMMARY\n", out);
  EXPECT_EQ(out, "0\n4\nERR bad number\nERR overflow\nSUMMARY\n");  // SUMMARY is not SUM: echoed.
}

TEST(LineProtocolTest, QuitStopsBeforeTheLinesAfterIt) {
  std::string out;
  Session::Result r = LineProtocol().NewSession()->feed("a\nQUIT\nb\n", out);
  EXPECT_TRUE(r.close);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.consumed, 7u);
  EXPECT_EQ(out, "a\nBYE\n");
}

TEST(LineProtocolTest, ControlBytesAreRefusedButTabsAndUtf8Are) {
  std::string out;
  Session::Result r = LineProtocol().NewSession()->feed("tab\there caf\xc3\xa9\n", out);
  EXPECT_FALSE(r.close);
  EXPECT_EQ(out, "tab\there caf\xc3\xa9\n");
  out.clear();
  r = LineProtocol().NewSession()->feed(std::string("nul\0byte\nnext\n", 14), out);
  EXPECT_TRUE(r.close);
  EXPECT_TRUE(r.error);
  EXPECT_EQ(out, "ERR bad bytes\n");
  out.clear();
  r = LineProtocol().NewSession()->feed("del\x7f\n", out);
  EXPECT_EQ(out, "ERR bad bytes\n");
}

TEST(LineProtocolTest, TimeIsNanosecondsSinceTheEpoch) {
  std::string out;
  LineProtocol().NewSession()->feed("TIME\n", out);
  ASSERT_GE(out.size(), 20u);  // 19 digits until the year 2286, and the newline.
  EXPECT_EQ(out.find_first_not_of("0123456789"), out.size() - 1) << out;
}

}  // namespace
}  // namespace conc
