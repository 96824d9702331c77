// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/codec_proto.h"

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "modules/common/codec_test.pb.h"

namespace {

using ::conc::Decode;
using ::conc::Encode;
using ::conc_codec_test::Point;

struct Labelled {
  std::string name;
  Point point;
  CONC_CODEC_FIELDS(name, point);
};

static_assert(conc::Encodable<Point>);
static_assert(conc::Encodable<std::vector<Point>>);
static_assert(conc::Encodable<Labelled>);

Point MakePoint(int x, std::string label, std::vector<int64_t> values) {
  Point p;
  p.set_x(x);
  p.set_label(std::move(label));
  for (int64_t v : values) p.add_values(v);
  return p;
}

bool SamePoint(const Point& a, const Point& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

std::string Le64(uint64_t value) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &value, 8);
  return out;
}

TEST(CodecProtoTest, IsLengthThenSerialisation) {
  const Point p = MakePoint(3, "p", {1, 2});
  EXPECT_EQ(Encode(p), Le64(p.ByteSizeLong()) + p.SerializeAsString());
}

TEST(CodecProtoTest, MessageRoundTrips) {
  const Point p = MakePoint(-7, "seven", {1, -2, 1LL << 40});
  absl::StatusOr<Point> back = Decode<Point>(Encode(p));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(SamePoint(*back, p));
}

TEST(CodecProtoTest, MessagesNestInContainersAndStructs) {
  const std::vector<Point> points = {MakePoint(1, "a", {}), MakePoint(2, "", {5})};
  absl::StatusOr<std::vector<Point>> back = Decode<std::vector<Point>>(Encode(points));
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_TRUE(SamePoint((*back)[0], points[0]));
  EXPECT_TRUE(SamePoint((*back)[1], points[1]));

  const Labelled labelled{"origin", MakePoint(0, "o", {})};
  absl::StatusOr<Labelled> l = Decode<Labelled>(Encode(labelled));
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->name, "origin");
  EXPECT_TRUE(SamePoint(l->point, labelled.point));
}

TEST(CodecProtoTest, EveryTruncationIsDataLoss) {
  const std::string bytes = Encode(std::optional<Point>(MakePoint(9, "n", {4})));
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_TRUE(absl::IsDataLoss(Decode<std::optional<Point>>(bytes.substr(0, n)).status())) << n;
  }
}

TEST(CodecProtoTest, UnparsableBytesAreDataLoss) {
  // Field 1 as a length-delimited field claiming 100 bytes, with 1 present.
  const std::string garbage = "\x0a\x64\x01";
  absl::StatusOr<Point> p = Decode<Point>(Le64(garbage.size()) + garbage);
  EXPECT_TRUE(absl::IsDataLoss(p.status()));
  EXPECT_NE(std::string(p.status().message()).find("conc_codec_test.Point"), std::string::npos)
      << p.status();
}

TEST(CodecProtoTest, MissingRequiredFieldIsDataLossOnDecode) {
  Point incomplete;
  incomplete.set_label("no x");
  const std::string bytes = Encode(incomplete);  // Encoding never fails.
  absl::StatusOr<Point> p = Decode<Point>(bytes);
  EXPECT_TRUE(absl::IsDataLoss(p.status()));
  EXPECT_NE(std::string(p.status().message()).find("missing required fields: x"), std::string::npos)
      << p.status();
}

TEST(CodecProtoTest, HugeLengthFailsBeforeAllocating) {
  absl::StatusOr<Point> p = Decode<Point>(Le64(uint64_t{1} << 62) + "ab");
  EXPECT_TRUE(absl::IsDataLoss(p.status()));
}

}  // namespace
