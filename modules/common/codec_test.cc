// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/codec.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace {

using ::conc::Decode;
using ::conc::Decoder;
using ::conc::Encodable;
using ::conc::Encode;
using ::conc::EncodeTo;

// ---------------------------------------------------------------------------
// Types used below.

enum class Color : uint8_t { kRed = 1, kGreen = 2, kBlue = 3 };
enum class Wide : int64_t { kLow = std::numeric_limits<int64_t>::min() };
enum Unscoped { kUnscopedA, kUnscopedB };

struct Inner {
  int32_t id = 0;
  std::string name;
  CONC_CODEC_FIELDS(id, name);
  bool operator==(const Inner&) const = default;
};

struct Outer {
  Inner head;
  std::vector<Inner> rest;
  std::optional<std::map<std::string, Inner>> index;
  std::variant<std::monostate, double, Inner> extra;
  Color color = Color::kRed;
  std::array<bool, 2> flags = {false, false};
  CONC_CODEC_FIELDS(head, rest, index, extra, color, flags);
  bool operator==(const Outer&) const = default;
};

struct Empty {
  CONC_CODEC_FIELDS();
  bool operator==(const Empty&) const = default;
};

struct NoFields {
  int x = 0;
};

// The "Extending" example of codec.h, verbatim.
class Celsius {
 public:
  Celsius() = default;
  explicit Celsius(double value) : value_(value) {}
  double value() const { return value_; }
  bool operator==(const Celsius&) const = default;

 private:
  double value_ = 0;
};

}  // namespace

template <>
struct conc::Codec<Celsius> {
  static constexpr size_t kMinEncodedSize = sizeof(double);
  static void Encode(Encoder& out, const Celsius& c) { out.Write(c.value()); }
  static absl::Status Decode(Decoder& in, Celsius* c) {
    double v = 0;
    if (absl::Status s = in.Read(&v); !s.ok()) return s;
    *c = Celsius(v);
    return absl::OkStatus();
  }
};

namespace {

// ---------------------------------------------------------------------------
// What is and is not Encodable: unsupported types are compile-time errors.

static_assert(Encodable<int>);
static_assert(Encodable<Color>);
static_assert(Encodable<std::byte>);
static_assert(Encodable<Outer>);
static_assert(Encodable<Empty>);
static_assert(Encodable<Celsius>);
static_assert(Encodable<std::vector<std::vector<std::optional<Inner>>>>);
static_assert(!Encodable<long double>);  // Padding bytes.
static_assert(!Encodable<Unscoped>);     // Range-limited enum.
static_assert(!Encodable<int*>);         // Pointers are not values.
static_assert(!Encodable<NoFields>);     // No CONC_CODEC_FIELDS.
static_assert(!Encodable<std::vector<NoFields>>);
static_assert(!Encodable<std::vector<std::monostate>>);  // Uncheckable count.
static_assert(!Encodable<std::map<std::monostate, Empty>>);
static_assert(!Encodable<std::string_view>);  // Would dangle when decoded.

static_assert(conc::Codec<Inner>::kMinEncodedSize == 4 + 8);
static_assert(conc::Codec<std::array<int16_t, 3>>::kMinEncodedSize == 6);
static_assert(conc::Codec<std::variant<int64_t, bool>>::kMinEncodedSize == 5);

// ---------------------------------------------------------------------------
// Helpers.

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Le64(uint64_t value) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &value, 8);
  return out;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// Round trip, then check that every strict prefix and one trailing byte are
// errors (never crashes), which also exercises every truncation point.
template <typename T>
void ExpectRoundTrip(const T& value) {
  const std::string bytes = Encode(value);
  absl::StatusOr<T> back = Decode<T>(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, value);
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<T> truncated = Decode<T>(std::string_view(bytes).substr(0, n));
    EXPECT_TRUE(absl::IsDataLoss(truncated.status()))
        << "prefix of " << n << " of " << bytes.size() << " bytes: " << truncated.status();
  }
  EXPECT_TRUE(absl::IsDataLoss(Decode<T>(bytes + '\0').status()));
}

// ---------------------------------------------------------------------------
// Fixed-width values.

TEST(CodecTest, IntegersAreLittleEndianFixedWidth) {
  EXPECT_EQ(Encode(uint32_t{0x01020304}), Bytes({4, 3, 2, 1}));
  EXPECT_EQ(Encode(int16_t{-2}), Bytes({0xfe, 0xff}));
  EXPECT_EQ(Encode(Color::kBlue), Bytes({3}));
  EXPECT_EQ(Encode(true), Bytes({1}));
}

TEST(CodecTest, ArithmeticRoundTripsAtTheirLimits) {
  ExpectRoundTrip(std::numeric_limits<int8_t>::min());
  ExpectRoundTrip(std::numeric_limits<uint8_t>::max());
  ExpectRoundTrip(std::numeric_limits<int16_t>::min());
  ExpectRoundTrip(std::numeric_limits<uint16_t>::max());
  ExpectRoundTrip(std::numeric_limits<int32_t>::min());
  ExpectRoundTrip(std::numeric_limits<uint32_t>::max());
  ExpectRoundTrip(std::numeric_limits<int64_t>::min());
  ExpectRoundTrip(std::numeric_limits<int64_t>::max());
  ExpectRoundTrip(std::numeric_limits<uint64_t>::max());
  ExpectRoundTrip('x');
  ExpectRoundTrip(u8'y');
  ExpectRoundTrip(U'\U0001F600');
  ExpectRoundTrip(L'w');
  ExpectRoundTrip(std::numeric_limits<float>::lowest());
  ExpectRoundTrip(std::numeric_limits<double>::denorm_min());
  ExpectRoundTrip(-std::numeric_limits<double>::infinity());
  ExpectRoundTrip(-0.0);
  ExpectRoundTrip(true);
  ExpectRoundTrip(false);
  ExpectRoundTrip(Color::kGreen);
  ExpectRoundTrip(Wide::kLow);
  ExpectRoundTrip(std::byte{0xab});
}

TEST(CodecTest, NanKeepsItsBits) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  absl::StatusOr<double> back = Decode<double>(Encode(nan));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(std::isnan(*back));
  EXPECT_EQ(Encode(*back), Encode(nan));
}

TEST(CodecTest, ScopedEnumAcceptsAnyUnderlyingValue) {
  absl::StatusOr<Color> color = Decode<Color>(Bytes({200}));
  ASSERT_TRUE(color.ok());
  EXPECT_EQ(static_cast<int>(*color), 200);
}

TEST(CodecTest, BoolOtherThanZeroOrOneIsDataLoss) {
  absl::StatusOr<bool> b = Decode<bool>(Bytes({2}));
  EXPECT_TRUE(absl::IsDataLoss(b.status()));
  EXPECT_EQ(Message(b.status()), "codec: invalid bool at offset 0: byte 2 is neither 0 nor 1");
}

// ---------------------------------------------------------------------------
// Strings and containers.

TEST(CodecTest, StringIsLengthThenCharacters) {
  EXPECT_EQ(Encode(std::string("ab")), Le64(2) + "ab");
  EXPECT_EQ(Encode(std::string()), Le64(0));
}

TEST(CodecTest, StringsRoundTrip) {
  ExpectRoundTrip(std::string());
  ExpectRoundTrip(std::string("hello"));
  ExpectRoundTrip(std::string("nul\0inside", 10));
  ExpectRoundTrip(std::u32string(U"wide"));
  const std::string big(1 << 20, 'z');
  absl::StatusOr<std::string> back = Decode<std::string>(Encode(big));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, big);
}

TEST(CodecTest, SequencesRoundTrip) {
  ExpectRoundTrip(std::vector<int32_t>{});
  ExpectRoundTrip(std::vector<int32_t>{1, -2, 3});
  ExpectRoundTrip(std::vector<std::string>{"", "a", "bc"});
  ExpectRoundTrip(std::vector<bool>{true, false, true});
  ExpectRoundTrip(std::vector<std::vector<uint8_t>>{{}, {1}, {2, 3}});
  ExpectRoundTrip(std::deque<double>{1.5, -2.5});
  ExpectRoundTrip(std::deque<std::string>{});
  ExpectRoundTrip(std::list<std::string>{"x", "y"});
  ExpectRoundTrip(std::array<int64_t, 3>{1, 2, 3});
  ExpectRoundTrip(std::array<std::string, 2>{"p", "q"});
  ExpectRoundTrip(std::array<int, 0>{});
  EXPECT_EQ(Encode(std::array<uint8_t, 2>{7, 8}), Bytes({7, 8}));
}

TEST(CodecTest, AssociativeContainersRoundTrip) {
  ExpectRoundTrip(std::map<std::string, int>{});
  ExpectRoundTrip(std::map<std::string, int>{{"a", 1}, {"b", 2}});
  ExpectRoundTrip(std::map<int, std::vector<std::string>>{{1, {"x"}}, {2, {}}});
  ExpectRoundTrip(std::unordered_map<int64_t, std::string>{{1, "one"}, {-1, "m"}});
  ExpectRoundTrip(std::set<std::string>{"b", "a"});
  ExpectRoundTrip(std::unordered_set<uint16_t>{1, 2, 3});
  ExpectRoundTrip(std::map<int, std::monostate>{{1, {}}, {2, {}}});
}

TEST(CodecTest, DuplicateKeysAreDataLoss) {
  const std::string two_equal_keys = Le64(2) + Encode(5) + Encode(5);
  absl::StatusOr<std::set<int>> set = Decode<std::set<int>>(two_equal_keys);
  EXPECT_TRUE(absl::IsDataLoss(set.status()));
  EXPECT_EQ(Message(set.status()), "codec: invalid std::set element at offset 12: a duplicate");

  const std::string map_bytes =
      Le64(2) + Encode(1) + Encode(std::string("a")) + Encode(1) + Encode(std::string("b"));
  EXPECT_TRUE(absl::IsDataLoss(Decode<std::unordered_map<int, std::string>>(map_bytes).status()));
}

TEST(CodecTest, TuplesOptionalsVariantsRoundTrip) {
  ExpectRoundTrip(std::pair<int, std::string>{7, "seven"});
  ExpectRoundTrip(std::tuple<>{});
  ExpectRoundTrip(std::tuple<bool, int8_t, std::string, double>{true, -1, "t", 2.5});
  ExpectRoundTrip(std::optional<int>{});
  ExpectRoundTrip(std::optional<int>{42});
  ExpectRoundTrip(std::optional<std::optional<std::string>>{std::nullopt});
  ExpectRoundTrip(std::optional<std::optional<std::string>>{std::string("in")});
  using V = std::variant<std::monostate, int, std::string, std::vector<int>>;
  ExpectRoundTrip(V{});
  ExpectRoundTrip(V{3});
  ExpectRoundTrip(V{std::string("s")});
  ExpectRoundTrip(V{std::vector<int>{1, 2}});
  ExpectRoundTrip(std::variant<int, int>{std::in_place_index<1>, 9});
  ExpectRoundTrip(std::monostate{});
  EXPECT_EQ(Encode(std::optional<uint8_t>{9}), Bytes({1, 9}));
  EXPECT_EQ(Encode(V{5}), Bytes({1, 0, 0, 0}) + Encode(5));
}

TEST(CodecTest, VariantIndexOutOfRangeIsDataLoss) {
  using V = std::variant<int, std::string>;
  absl::StatusOr<V> v = Decode<V>(Bytes({2, 0, 0, 0}) + Encode(1));
  EXPECT_TRUE(absl::IsDataLoss(v.status()));
  EXPECT_EQ(Message(v.status()),
            "codec: invalid std::variant index at offset 0: no alternative has "
            "index 2 (there are 2)");
}

TEST(CodecTest, OptionalFlagOtherThanZeroOrOneIsDataLoss) {
  EXPECT_TRUE(absl::IsDataLoss(Decode<std::optional<int8_t>>(Bytes({2, 0})).status()));
}

// ---------------------------------------------------------------------------
// Structs.

Outer SampleOuter() {
  Outer outer;
  outer.head = {1, "head"};
  outer.rest = {{2, "two"}, {3, ""}};
  outer.index = std::map<std::string, Inner>{{"k", {4, "four"}}};
  outer.extra = Inner{5, "five"};
  outer.color = Color::kBlue;
  outer.flags = {true, false};
  return outer;
}

TEST(CodecTest, StructFieldsAreEncodedInOrder) {
  EXPECT_EQ(Encode(Inner{3, "x"}), Encode(3) + Encode(std::string("x")));
  EXPECT_EQ(Encode(Empty{}), "");
}

TEST(CodecTest, NestedStructsRoundTrip) {
  ExpectRoundTrip(Inner{});
  ExpectRoundTrip(Empty{});
  ExpectRoundTrip(Outer{});
  ExpectRoundTrip(SampleOuter());
  ExpectRoundTrip(std::vector<Outer>{SampleOuter(), Outer{}});
}

TEST(CodecTest, CustomCodecSpecialisationRoundTrips) {
  ExpectRoundTrip(Celsius(36.6));
  ExpectRoundTrip(std::vector<Celsius>{Celsius(1), Celsius(-40)});
}

// ---------------------------------------------------------------------------
// Hostile input.

TEST(CodecTest, ErrorsNameTheTypeAndOffset) {
  using T = std::tuple<uint64_t, uint32_t, std::string>;
  absl::StatusOr<T> t = Decode<T>(std::string(12, '\0') + "abc");
  EXPECT_TRUE(absl::IsDataLoss(t.status()));
  EXPECT_EQ(Message(t.status()),
            "codec: truncated std::string length at offset 12 (need 8 bytes, "
            "3 left)");
}

TEST(CodecTest, TrailingBytesAreDataLoss) {
  absl::StatusOr<int32_t> v = Decode<int32_t>(Bytes({1, 0, 0, 0, 9}));
  EXPECT_TRUE(absl::IsDataLoss(v.status()));
  EXPECT_EQ(Message(v.status()), "codec: 1 trailing bytes at offset 4 after the decoded value");
}

TEST(CodecTest, HugeDeclaredLengthFailsBeforeAllocating) {
  // 2^60 elements claimed in 10 bytes: must fail at once (under ASan an
  // attempt to allocate would abort the test).
  const std::string lie = Le64(uint64_t{1} << 60) + "xy";
  absl::StatusOr<std::string> s = Decode<std::string>(lie);
  EXPECT_TRUE(absl::IsDataLoss(s.status()));
  EXPECT_EQ(Message(s.status()),
            "codec: std::string length 1152921504606846976 at offset 0 does not "
            "fit in the 2 bytes left (each element takes at least 1)");
  EXPECT_TRUE(absl::IsDataLoss(Decode<std::vector<uint64_t>>(lie).status()));
  EXPECT_TRUE(absl::IsDataLoss(Decode<std::vector<std::string>>(lie).status()));
  EXPECT_TRUE(absl::IsDataLoss(Decode<std::list<Outer>>(lie).status()));
  EXPECT_TRUE(absl::IsDataLoss(Decode<std::map<int, int>>(lie).status()));
  // A count whose byte total overflows 64 bits.
  EXPECT_TRUE(
      absl::IsDataLoss(Decode<std::vector<uint64_t>>(Le64(~uint64_t{0}) + Le64(0)).status()));
  // Each element takes at least 12 bytes: 2 elements do not fit in 20.
  EXPECT_TRUE(
      absl::IsDataLoss(Decode<std::vector<Inner>>(Le64(2) + std::string(20, '\0')).status()));
}

TEST(CodecTest, DecoderReadsValuesOneAfterAnother) {
  std::string bytes;
  EncodeTo(1, &bytes);
  EncodeTo(std::string("two"), &bytes);
  EncodeTo(Inner{3, "three"}, &bytes);

  Decoder decoder(bytes);
  EXPECT_EQ(decoder.Read<int>().value(), 1);
  EXPECT_EQ(decoder.offset(), 4u);
  std::string two;
  ASSERT_TRUE(decoder.Read(&two).ok());
  EXPECT_EQ(two, "two");
  EXPECT_FALSE(decoder.done());
  EXPECT_EQ(decoder.Read<Inner>().value(), (Inner{3, "three"}));
  EXPECT_TRUE(decoder.done());
  EXPECT_EQ(decoder.remaining(), 0u);
  EXPECT_TRUE(decoder.Finish().ok());
  EXPECT_TRUE(absl::IsDataLoss(decoder.Read<int>().status()));
}

TEST(CodecTest, DecodingReusesAndClearsTheTarget) {
  const std::string bytes = Encode(std::vector<int>{1});
  Decoder decoder(bytes);
  std::vector<int> target = {9, 9, 9};
  ASSERT_TRUE(decoder.Read(&target).ok());
  EXPECT_EQ(target, std::vector<int>{1});
}

using Fuzzed = std::tuple<Outer, std::map<std::string, std::vector<int16_t>>,
                          std::variant<bool, std::set<int8_t>, std::deque<char>>>;

// Random bytes: any result is fine as long as it is OK or DataLoss and
// nothing crashes, leaks or allocates wildly (ASan checks the latter two).
TEST(CodecFuzzTest, RandomBytesNeverCrash) {
  std::mt19937_64 rng(20260101);
  int decoded = 0;
  auto try_decode = [&decoded]<typename T>(const std::string& input) {
    absl::StatusOr<T> value = Decode<T>(input);
    if (value.ok()) ++decoded;
    return value.ok() || absl::IsDataLoss(value.status());
  };
  for (int i = 0; i < 4000; ++i) {
    // Random tokens rather than uniform bytes: small 8- and 4-byte integers
    // make plausible counts and variant indexes, so decoding often gets deep
    // into the type (and sometimes all the way through).
    const size_t size = rng() % 96;
    std::string input;
    while (input.size() < size) {
      switch (rng() % 4) {
        case 0:
          input += Le64(rng() % 4);
          break;
        case 1:
          input += Bytes({static_cast<int>(rng() % 3), 0, 0, 0});
          break;
        case 2:
          input += static_cast<char>(rng() % 3);
          break;
        case 3:
          input += static_cast<char>(rng());
          break;
      }
    }
    ASSERT_TRUE(try_decode.operator()<Fuzzed>(input));
    ASSERT_TRUE(try_decode.operator()<Outer>(input));
    ASSERT_TRUE((try_decode.operator()<std::map<int8_t, std::vector<int16_t>>>(input)));
    ASSERT_TRUE((try_decode.operator()<std::variant<bool, std::set<int8_t>>>(input)));
    ASSERT_TRUE((try_decode.operator()<std::vector<std::optional<bool>>>(input)));
  }
  // Some inputs must get all the way through, or the loop tests little.
  EXPECT_GT(decoded, 0);
}

// Mutations of a valid encoding reach deeper than random bytes.
TEST(CodecFuzzTest, MutatedEncodingsNeverCrash) {
  Fuzzed sample{SampleOuter(), {{"k", {1, 2, 3}}, {"", {}}}, std::set<int8_t>{1, -1}};
  const std::string valid = Encode(sample);
  std::mt19937_64 rng(42);
  for (int i = 0; i < 4000; ++i) {
    std::string input = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % input.size();
      switch (rng() % 3) {
        case 0:
          input[at] = static_cast<char>(rng());
          break;
        case 1:
          input.erase(at, 1 + rng() % 8);
          break;
        case 2:
          input.insert(at, 1, static_cast<char>(rng()));
          break;
      }
      if (input.empty()) input = "x";
    }
    absl::StatusOr<Fuzzed> value = Decode<Fuzzed>(input);
    ASSERT_TRUE(value.ok() || absl::IsDataLoss(value.status())) << value.status();
  }
}

}  // namespace
