// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/codec.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <new>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

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

// A type whose decoding throws what an allocation may throw, standing in for an
// allocation that fails (the fork + RLIMIT_AS test below makes a real one fail,
// in plain builds only).
template <typename Exception>
struct Throws {
  bool operator==(const Throws&) const = default;
};

}  // namespace

template <typename Exception>
struct conc::Codec<Throws<Exception>> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(Encoder& out, const Throws<Exception>&) { out.Write(uint8_t{0}); }
  static absl::Status Decode(Decoder&, Throws<Exception>*) {
    if constexpr (std::is_same_v<Exception, std::bad_alloc>) {
      throw std::bad_alloc();
    } else {
      throw Exception("vector::reserve");
    }
  }
};

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

// ---------------------------------------------------------------------------
// Decoded memory is bounded (the memory budget of DecodeOptions).

// An empty optional of 64 doubles: 1 byte on the wire, 520 bytes in memory.
using Big = std::optional<std::array<double, 64>>;
static_assert(sizeof(Big) == 520);

// `count` empty Bigs: a count and `count` zero bytes.
std::string Nullopts(uint64_t count) { return Le64(count) + std::string(count, '\0'); }

// Resident memory of this process (/proc/self/statm, second field).
int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

// Bytes of address space this process has mapped (VmSize).
uint64_t AddressSpaceBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  }
  return 0;
}

// Runs `body` in a forked child and returns its exit code (99 if it threw), or
// 128 + the signal that killed it, or -1 if it did not end within `bound` (then
// it is killed).
template <typename Body>
int ExitCodeOfChild(Body body, std::chrono::seconds bound) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 99;  // An exception escaped `body`.
    try {
      code = body();
    } catch (...) {
    }
    ::_exit(code);
  }
  if (pid < 0) return -2;
  const auto give_up = std::chrono::steady_clock::now() + bound;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Polling a child, not syncing.
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

// The reported case: 1 MiB of zero bytes as 1 Mi empty Bigs would build
// 520 MiB (more with vector growth). Refused before allocating, and the
// process does not grow.
TEST(CodecMemoryTest, AmplifyingInputIsRefusedBeforeAllocating) {
  const std::string input = Nullopts(uint64_t{1} << 20);
  const int64_t before = ResidentBytes();
  absl::StatusOr<std::vector<Big>> value = Decode<std::vector<Big>>(input);
  const int64_t after = ResidentBytes();  // While `value` still holds what it holds.
  EXPECT_TRUE(absl::IsResourceExhausted(value.status())) << value.status();
  EXPECT_NE(Message(value.status()).find("std::vector count 1048576 at offset 0 would take "
                                         "545259520 bytes of memory (520 per element)"),
            std::string::npos)
      << value.status();
  // Nothing is allocated; 64 MiB leaves room for allocator and sanitizer noise
  // while the bug grew the process by more than 500 MiB.
  EXPECT_LT(after - before, int64_t{64} << 20);
}

// Nested containers share one budget: 255 inner vectors of 4096 empty Bigs are
// 2 MiB each (each fits the budget alone) and 530 MB together, from 1 MB.
TEST(CodecMemoryTest, NestedContainersShareOneBudget) {
  std::string input = Le64(255);
  for (int i = 0; i < 255; ++i) input += Nullopts(4096);
  const int64_t before = ResidentBytes();
  absl::StatusOr<std::vector<std::vector<Big>>> value =
      Decode<std::vector<std::vector<Big>>>(input);
  const int64_t after = ResidentBytes();
  EXPECT_TRUE(absl::IsResourceExhausted(value.status())) << value.status();
  // At most the budget (64 x 1 MB + 1 MiB) is built before the refusal; the
  // bug built 530 MB. The bound leaves 2x for allocator slack.
  EXPECT_LT(after - before, int64_t{160} << 20);

  // Maps and unordered maps with distinct keys, each value an empty Big: 5
  // bytes each on the wire, about 560 in memory.
  std::string map_input = Le64(200000);
  for (int32_t key = 0; key < 200000; ++key) {
    map_input += Encode(key);
    map_input += '\0';
  }
  EXPECT_TRUE(absl::IsResourceExhausted(
      Decode<std::map<int32_t, Big>>(map_input).status()));
  EXPECT_TRUE(absl::IsResourceExhausted(
      Decode<std::unordered_map<int32_t, Big>>(map_input).status()));
  // The same count of small values is ordinary and decodes.
  std::string small_map = Le64(200000);
  for (int32_t key = 0; key < 200000; ++key) {
    small_map += Encode(key);
    small_map += Encode(uint8_t{1});
  }
  absl::StatusOr<std::map<int32_t, uint8_t>> decoded =
      Decode<std::map<int32_t, uint8_t>>(small_map);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->size(), 200000u);

  // A list, a deque and a set of Bigs are charged too.
  EXPECT_TRUE(absl::IsResourceExhausted(
      Decode<std::list<Big>>(Nullopts(uint64_t{1} << 20)).status()));
  EXPECT_TRUE(absl::IsResourceExhausted(
      Decode<std::deque<Big>>(Nullopts(uint64_t{1} << 20)).status()));
  // (The set is refused for its size before its duplicates are seen.)
  EXPECT_TRUE(absl::IsResourceExhausted(
      Decode<std::set<Big>>(Nullopts(uint64_t{1} << 20)).status()));
}

// An allocation that fails anyway (here: thrown by a Codec) never escapes
// Decode or Decoder::Read: ResourceExhausted, naming the exception.
TEST(CodecMemoryTest, AllocationFailureIsResourceExhausted) {
  absl::StatusOr<Throws<std::bad_alloc>> a = Decode<Throws<std::bad_alloc>>("x");
  EXPECT_TRUE(absl::IsResourceExhausted(a.status())) << a.status();
  EXPECT_EQ(Message(a.status()),
            "codec: out of memory (std::bad_alloc) decoding at offset 0 of 1 input bytes");
  using Nested = std::vector<std::optional<Throws<std::length_error>>>;
  absl::StatusOr<Nested> b = Decode<Nested>(Le64(2) + Bytes({0, 1, 0}));
  EXPECT_TRUE(absl::IsResourceExhausted(b.status())) << b.status();
  EXPECT_EQ(Message(b.status()),
            "codec: out of memory (std::length_error) decoding at offset 10 of 11 input bytes");
  Decoder decoder("x");
  Throws<std::bad_alloc> target;
  EXPECT_TRUE(absl::IsResourceExhausted(decoder.Read(&target)));
}

// The reported crash: 16 MiB of zeros as empty Bigs under a 1 GiB address-space
// limit threw std::bad_alloc out of Decode. In a forked child (the limit must
// not bind this process), decoding returns its status code as the exit code.
constexpr int kResourceExhaustedCode = static_cast<int>(absl::StatusCode::kResourceExhausted);

auto DecodeUnderAddressSpaceLimit(const std::string& input, conc::DecodeOptions options) {
  return [&input, options] {
    const uint64_t cap = AddressSpaceBytes() + (uint64_t{1} << 30);
    const rlimit limit{cap, cap};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) return 100;
    absl::StatusOr<std::vector<Big>> value = Decode<std::vector<Big>>(input, options);
    return static_cast<int>(value.status().code());
  };
}

// The default budget refuses it before allocating.
TEST(CodecMemoryTest, UnderAnAddressSpaceLimitTheBudgetRefusesFirst) {
  const std::string input = Nullopts(uint64_t{16} << 20);
  // 120 s: the child does almost nothing; the bound is for a loaded VM.
  EXPECT_EQ(ExitCodeOfChild(DecodeUnderAddressSpaceLimit(input, {}), std::chrono::seconds(120)),
            kResourceExhaustedCode);
}

// With the budget lifted, the allocation itself fails and is caught (plain
// builds only: ASan and TSan abort on a failed allocation instead of throwing).
TEST(CodecMemoryTest, UnderAnAddressSpaceLimitAFailedAllocationIsCaught) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a failed allocation aborts under sanitizers";
#else
  const std::string input = Nullopts(uint64_t{16} << 20);
  const conc::DecodeOptions unlimited{.bytes_per_input_byte = ~uint64_t{0},
                                      .base_bytes = ~uint64_t{0},
                                      .max_decoded_bytes = ~uint64_t{0}};
  EXPECT_EQ(ExitCodeOfChild(DecodeUnderAddressSpaceLimit(input, unlimited),
                            std::chrono::seconds(120)),
            kResourceExhaustedCode);
#endif
}

// Ordinary large values are well inside the budget.
TEST(CodecMemoryTest, LargeLegitimateValuesStillDecode) {
  std::vector<char> chars(size_t{64} << 20);
  for (size_t i = 0; i < chars.size(); i += 4096) chars[i] = static_cast<char>(i >> 12);
  absl::StatusOr<std::vector<char>> back = Decode<std::vector<char>>(Encode(chars));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == chars);
  chars = {};

  std::vector<int32_t> ints(1 << 20);
  for (size_t i = 0; i < ints.size(); ++i) ints[i] = static_cast<int32_t>(i * 2654435761u);
  absl::StatusOr<std::vector<int32_t>> ints_back = Decode<std::vector<int32_t>>(Encode(ints));
  ASSERT_TRUE(ints_back.ok()) << ints_back.status();
  EXPECT_TRUE(*ints_back == ints);

  // The most amplifying ordinary containers: empty strings (8 bytes -> 32),
  // a set of every int16 (2 bytes -> a 34-byte tree node each), nested vectors.
  std::vector<std::string> empties(1 << 18);
  EXPECT_TRUE(Decode<std::vector<std::string>>(Encode(empties)).ok());
  std::set<int16_t> shorts;
  for (int v = -32768; v < 32768; ++v) shorts.insert(static_cast<int16_t>(v));
  absl::StatusOr<std::set<int16_t>> shorts_back = Decode<std::set<int16_t>>(Encode(shorts));
  ASSERT_TRUE(shorts_back.ok()) << shorts_back.status();
  EXPECT_EQ(shorts_back->size(), 65536u);
  std::vector<std::vector<std::string>> nested(1000, std::vector<std::string>(100, "x"));
  EXPECT_TRUE(Decode<std::vector<std::vector<std::string>>>(Encode(nested)).ok());
}

// The caller sets the budget: a cap, a factor, or no limit at all; the budget
// saturates instead of wrapping.
TEST(CodecMemoryTest, DecodeOptionsSetTheBudget) {
  const std::string chars = Encode(std::vector<char>(65536, 'a'));
  absl::StatusOr<std::vector<char>> capped =
      Decode<std::vector<char>>(chars, {.max_decoded_bytes = 1000});
  EXPECT_TRUE(absl::IsResourceExhausted(capped.status()));
  EXPECT_EQ(Message(capped.status()),
            "codec: std::vector count 65536 at offset 0 would take 65536 bytes of memory "
            "(1 per element), more than the 1000 bytes left of the decode budget of 1000 "
            "bytes for 65544 input bytes (see conc::DecodeOptions)");
  EXPECT_TRUE(Decode<std::vector<char>>(chars).ok());

  // Nested: 1000 vectors of 100 one-character strings take 8 + 100 x 9 bytes
  // each on the wire and 24 + 100 x (32 + 1) in memory: over a factor of 2.
  const std::string nested =
      Encode(std::vector<std::vector<std::string>>(1000, std::vector<std::string>(100, "x")));
  absl::StatusOr<std::vector<std::vector<std::string>>> tight =
      Decode<std::vector<std::vector<std::string>>>(
          nested, {.bytes_per_input_byte = 2, .base_bytes = 0});
  EXPECT_TRUE(absl::IsResourceExhausted(tight.status())) << tight.status();
  EXPECT_TRUE((Decode<std::vector<std::vector<std::string>>>(
                   nested, {.bytes_per_input_byte = 4, .base_bytes = 0})
                   .ok()));

  // A program that means to send many empty Bigs raises the factor.
  const std::string bigs = Nullopts(65536);
  EXPECT_TRUE(absl::IsResourceExhausted(Decode<std::vector<Big>>(bigs).status()));
  absl::StatusOr<std::vector<Big>> raised =
      Decode<std::vector<Big>>(bigs, {.bytes_per_input_byte = 1024});
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(raised->size(), 65536u);

  // Saturating: an absurd factor is "no limit", not a product that wraps to
  // a small budget.
  const conc::DecodeOptions unlimited{.bytes_per_input_byte = ~uint64_t{0},
                                      .base_bytes = ~uint64_t{0},
                                      .max_decoded_bytes = ~uint64_t{0}};
  EXPECT_TRUE(Decode<std::vector<Big>>(bigs, unlimited).ok());

  // The Decoder charges once per container, and several values share it.
  const std::string two = Encode(std::vector<int32_t>(10)) + Encode(std::string("abc"));
  Decoder decoder(two, {.base_bytes = 0});
  const uint64_t budget = decoder.memory_left();
  EXPECT_EQ(budget, 64 * two.size());
  ASSERT_TRUE(decoder.Read<std::vector<int32_t>>().ok());
  EXPECT_EQ(decoder.memory_left(), budget - 40);
  ASSERT_TRUE(decoder.Read<std::string>().ok());
  EXPECT_EQ(decoder.memory_left(), budget - 43);
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
