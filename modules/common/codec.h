// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// codec.h: THE wire format of `conc`: how a C++ value becomes bytes and back.
//
// Pipes and connections, the process queues, the process pools and
// marshalling's object streams all send values in this one format; nobody
// invents a second. It plays the part of `pickle` in Python's `multiprocessing`,
// with two differences: the type is fixed at compile time on both ends (there is
// no type tag in the bytes, and the reader must ask for the type the writer
// wrote), and decoding never runs code of the sender's choosing, so bytes from
// an untrusted peer are safe to decode (they are fuzzed in codec_test.cc).
//
//   std::string bytes = conc::Encode(std::map<std::string, int>{{"a", 1}});
//   absl::StatusOr<std::map<std::string, int>> back =
//       conc::Decode<std::map<std::string, int>>(bytes);
//
// User structs list their fields once, in a public section, with
// `CONC_CODEC_FIELDS`; fields are encoded in that order:
//
//   struct Task {
//     int id = 0;
//     std::string name;
//     std::vector<double> args;
//     CONC_CODEC_FIELDS(id, name, args);
//   };
//   std::string bytes = conc::Encode(Task{7, "fib", {30}});
//
// Any other type is made encodable by specialising `conc::Codec<T>` (see
// "Extending" below; codec_proto.h does so for protobuf messages).
//
// The format (all integers little-endian; a "length" is a uint64):
//
//   arithmetic types, scoped enums   their bytes, fixed width (`long double`
//                                    and unscoped enums are not supported)
//   bool                             one byte, 0 or 1
//   std::string                      length, then the characters
//   vector, deque, list, set, map,   element count, then each element (a map
//     unordered_set, unordered_map   element is its key, then its value)
//   std::array<T, N>                 the N elements (no count)
//   pair, tuple, CONC_CODEC_FIELDS   the members in order (no count)
//   std::optional<T>                 one byte, 0 (empty) or 1, then the value
//   std::variant<Ts...>              the alternative's index as a uint32, then
//                                    its value
//   std::monostate                   nothing
//
// The encoding of an unordered container follows its iteration order, so equal
// containers may encode differently; every other encoding is canonical.
//
// Guarantees when decoding (the bytes may be hostile):
//   * Never crashes, never aborts, no undefined behaviour: every error is a
//     `DataLoss` status saying what and where, e.g.
//     "codec: truncated std::string length at offset 12 (need 8 bytes, 3 left)".
//   * Every length and count is checked against the bytes left BEFORE anything
//     is allocated: a count N of elements that each take at least M bytes is
//     refused unless N * M fits in what is left, so 10 bytes that claim 2^60
//     elements fail at once (DataLoss).
//   * Decoded memory is bounded, not only counts. One byte on the wire can
//     stand for hundreds in memory (an empty `std::optional<std::array<double,
//     64>>` is 1 byte encoded and 520 bytes decoded), so every container and
//     string also charges what it will allocate, N * (in-memory size of an
//     element, plus the node of a list/set/map), to a budget of the Decoder
//     BEFORE allocating. The budget (`DecodeOptions`, defaults in brackets) is
//
//       min(max_decoded_bytes [2 GiB],
//           bytes_per_input_byte [64] * input bytes + base_bytes [1 MiB])
//
//     for the whole decode (nested containers share it; arithmetic saturates).
//     A charge over the budget is `ResourceExhausted`, with the sizes in the
//     message, and nothing is allocated for that container. The factor 64
//     covers every container of elements that are in memory at most 64 times
//     their minimum encoding (vectors of numbers and strings, maps of small
//     keys and values, sets of bytes); a program that legitimately sends, say,
//     millions of empty optionals of large structs raises it with
//     `DecodeOptions`.
//   * No exception escapes: an allocation that fails anyway (`std::bad_alloc`
//     under `setrlimit(RLIMIT_AS)`, `std::length_error`) is caught in
//     `Decoder::Read` and returned as `ResourceExhausted`. (Python raises
//     `MemoryError` from `pickle.loads` in that case; it has no budget.)
//   * `Decode` consumes the input exactly; trailing bytes are an error.
//   * Values are validated where C++ requires it: a bool is 0 or 1, an optional
//     flag is 0 or 1, a variant index names an alternative, a set or map has no
//     duplicate keys. Floating-point values (including NaNs) pass through as
//     bits; scoped enums accept any value of their underlying type.
//   * Recursion depth is fixed by the type, not by the input.
//
// Requires: the host is little-endian (checked at compile time); decoded types
// are default-constructible; recursive types (a struct holding a vector of
// itself) are not supported.
//
// Extending: specialise `conc::Codec<T>` with three static members, building on
// `Encoder` and `Decoder`:
//
//   template <> struct conc::Codec<Celsius> {
//     static constexpr size_t kMinEncodedSize = sizeof(double);
//     static void Encode(Encoder& out, const Celsius& c) { out.Write(c.value()); }
//     static absl::Status Decode(Decoder& in, Celsius* c) {
//       double v = 0;
//       if (absl::Status s = in.Read(&v); !s.ok()) return s;
//       *c = Celsius(v);
//       return absl::OkStatus();
//     }
//   };
//
// The specialisation must be visible wherever the type is encoded. One that
// allocates for a count it reads (a container) reads it with the four-argument
// `Decoder::ReadCount`, which charges the memory budget before the allocation.
//
// Thread-safety: the functions are thread-safe; an `Encoder` or `Decoder`
// object is used by one thread at a time.

#ifndef MODULES_COMMON_CODEC_H_
#define MODULES_COMMON_CODEC_H_

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

static_assert(std::endian::native == std::endian::little,
              "conc's wire format is little-endian and codec.h copies fixed-width "
              "values as they lie in memory: port Encoder/Decoder::*Bytes first");

namespace conc {

class Encoder;
class Decoder;

// How values of type T are encoded. The primary template is empty: a type is
// encodable exactly when a specialisation provides
//
//   static constexpr size_t kMinEncodedSize;  // fewest bytes any value takes
//   static void Encode(Encoder& out, const T& value);
//   static absl::Status Decode(Decoder& in, T* value);  // DataLoss on error
//
// `Decode` may assume `*value` is default-constructed or previously decoded,
// and must leave it valid (any value) on error.
template <typename T>
struct Codec {};

// A type that `Encode`/`Decode` accept. An unsupported type fails this
// concept, naming the missing `Codec<T>` member, instead of failing deep inside
// a template.
template <typename T>
concept Encodable =
    std::default_initializable<T> &&
    requires(Encoder& out, Decoder& in, const T& value, T* target) {
      { Codec<T>::kMinEncodedSize } -> std::convertible_to<size_t>;
      Codec<T>::Encode(out, value);
      { Codec<T>::Decode(in, target) } -> std::same_as<absl::Status>;
    };

// Types copied as their in-memory bytes: arithmetic types other than bool
// (validated on decode) and long double (10 meaningful bytes of 16, the rest
// padding), and scoped enums other than those over bool. Unscoped enums are
// left out: one without a fixed underlying type may only hold the values of its
// range, and decoding arbitrary bytes into it would be undefined behaviour.
template <typename T>
concept FixedWidth =
    (std::is_arithmetic_v<T> && !std::is_same_v<T, bool> &&
     !std::is_same_v<T, long double>) ||
    (std::is_enum_v<T> && !std::is_convertible_v<T, std::underlying_type_t<T>> &&
     !std::is_same_v<std::underlying_type_t<T>, bool>);

// Encodes values by appending their bytes to a string.
class Encoder {
 public:
  // Appends to `*out`, which must outlive the encoder.
  explicit Encoder(std::string* out ABSL_ATTRIBUTE_LIFETIME_BOUND) : out_(out) {}

  // Appends the encoding of `value`.
  template <Encodable T>
  void Write(const T& value) {
    Codec<T>::Encode(*this, value);
  }

  // Appends `size` raw bytes (for Codec specialisations).
  void WriteBytes(const void* data, size_t size) {
    out_->append(static_cast<const char*>(data), size);
  }

  // Appends a length or element count (a little-endian uint64).
  void WriteLength(uint64_t length) { WriteBytes(&length, sizeof length); }

  // The number of bytes in the output string so far.
  size_t size() const { return out_->size(); }

 private:
  std::string* out_;
};

// How much memory one decode may build (see "Decoded memory is bounded" at the
// top). The budget of a Decoder over `n` input bytes is
//   min(max_decoded_bytes, bytes_per_input_byte * n + base_bytes),
// computed with saturating arithmetic, for everything it decodes.
struct DecodeOptions {
  // Bytes of decoded memory allowed per input byte.
  uint64_t bytes_per_input_byte = 64;
  // Bytes allowed whatever the input size (small messages of large types).
  uint64_t base_bytes = uint64_t{1} << 20;
  // The hard cap, whatever the input size.
  uint64_t max_decoded_bytes = uint64_t{2} << 30;
};

// Decodes values from a view of bytes, front to back. Several values may be
// read in a row (`Read(&a)`, `Read(&b)`); `Finish()` checks nothing is left.
// The bytes must outlive the decoder.
class Decoder {
 public:
  // A decoder of `input` whose memory budget follows `options`.
  explicit Decoder(std::string_view input ABSL_ATTRIBUTE_LIFETIME_BOUND,
                   const DecodeOptions& options = DecodeOptions())
      : input_(input), memory_left_(Budget(input.size(), options)) {}

  // Decodes the next value into `*value`. Never blocks, never throws. Errors:
  // DataLoss (truncated or invalid bytes); ResourceExhausted (the memory
  // budget is spent, or an allocation failed). On error, `*value` is valid but
  // unspecified, and the decoder should be abandoned (its offset is somewhere
  // inside the bad value).
  template <Encodable T>
  [[nodiscard]] absl::Status Read(T* value) {
#if defined(__cpp_exceptions)
    // Zero-cost when nothing is thrown. Nested Reads catch at the innermost
    // level; the status then travels up like any other error.
    try {
      return Codec<T>::Decode(*this, value);
    } catch (const std::bad_alloc&) {
      return AllocationError("std::bad_alloc");
    } catch (const std::length_error&) {
      return AllocationError("std::length_error");
    }
#else
    return Codec<T>::Decode(*this, value);
#endif
  }

  // Decodes and returns the next value.
  template <Encodable T>
  [[nodiscard]] absl::StatusOr<T> Read() {
    T value{};
    if (absl::Status status = Read(&value); !status.ok()) return status;
    return value;
  }

  // OK if every byte has been consumed; otherwise a DataLoss naming the
  // number of trailing bytes.
  [[nodiscard]] absl::Status Finish() const;

  // Bytes consumed so far (the offset quoted in error messages).
  size_t offset() const { return offset_; }
  // Bytes left.
  size_t remaining() const { return input_.size() - offset_; }
  // True when every byte has been consumed.
  bool done() const { return offset_ == input_.size(); }

  // Building blocks for Codec specialisations. `what` names the thing being
  // read in error messages ("std::string length", "int32").

  // Copies the next `size` bytes to `out`, or fails without consuming any.
  [[nodiscard]] absl::Status ReadBytes(std::string_view what, void* out,
                                       size_t size) {
    if (size > remaining()) return TruncatedError(what, size);
    if (size != 0) std::memcpy(out, input_.data() + offset_, size);
    offset_ += size;
    return absl::OkStatus();
  }

  // Points `*out` at the next `size` bytes of the input (valid as long as the
  // input is) and consumes them, or fails without consuming any. Saves a copy
  // when the caller copies them anyway (into a string it allocates).
  [[nodiscard]] absl::Status ReadView(std::string_view what, size_t size,
                                      std::string_view* out) {
    if (size > remaining()) return TruncatedError(what, size);
    *out = input_.substr(offset_, size);
    offset_ += size;
    return absl::OkStatus();
  }

  // Reads a length or element count and checks that `*count` elements of at
  // least `min_element_size` bytes each fit in what is left (DataLoss if not,
  // consuming nothing). `min_element_size` must be positive. Charges nothing
  // to the memory budget: a caller that allocates for the count uses the
  // overload below.
  [[nodiscard]] absl::Status ReadCount(std::string_view what,
                                       size_t min_element_size,
                                       uint64_t* count) {
    uint64_t n = 0;
    if (remaining() >= sizeof n) {
      std::memcpy(&n, input_.data() + offset_, sizeof n);
      // Division, not multiplication: n * min_element_size may overflow.
      if (min_element_size != 0 && n <= (remaining() - sizeof n) / min_element_size) {
        offset_ += sizeof n;
        *count = n;
        return absl::OkStatus();
      }
    }
    return CountError(what, min_element_size);
  }

  // ReadCount, then charges `*count` elements of `memory_per_element` bytes
  // each (their in-memory size) to the memory budget: ResourceExhausted,
  // consuming nothing, if they do not fit. Codec specialisations that
  // allocate for a count use this one, before allocating.
  [[nodiscard]] absl::Status ReadCount(std::string_view what,
                                       size_t min_element_size,
                                       size_t memory_per_element,
                                       uint64_t* count) {
    const size_t at = offset_;
    if (absl::Status s = ReadCount(what, min_element_size, count); !s.ok()) return s;
    if (absl::Status s = ChargeMemory(what, at, *count, memory_per_element); !s.ok()) {
      offset_ = at;
      return s;
    }
    return absl::OkStatus();
  }

  // Charges `count` elements of `element_size` bytes (saturating) to the
  // memory budget, or returns ResourceExhausted naming `what`, the value at
  // `at` and the sizes, leaving the budget as it was.
  [[nodiscard]] absl::Status ChargeMemory(std::string_view what, size_t at,
                                          uint64_t count, size_t element_size) {
    uint64_t bytes = 0;
    if (!__builtin_mul_overflow(count, element_size, &bytes) && bytes <= memory_left_) {
      memory_left_ -= bytes;
      return absl::OkStatus();
    }
    return MemoryError(what, at, count, element_size);
  }

  // Bytes of the memory budget not yet charged.
  uint64_t memory_left() const { return memory_left_; }

  // A DataLoss "codec: invalid <what> at offset <offset>: <detail>", for
  // values that are present but wrong (a bool byte of 7).
  [[nodiscard]] absl::Status InvalidError(size_t offset, std::string_view what,
                                          std::string_view detail) const;

 private:
  absl::Status TruncatedError(std::string_view what, size_t need) const;
  // ReadCount's failures (out of line: the success path is inlined).
  absl::Status CountError(std::string_view what, size_t min_element_size);
  // ChargeMemory's failure.
  absl::Status MemoryError(std::string_view what, size_t at, uint64_t count,
                           size_t element_size) const;
  // A caught exception from an allocation.
  absl::Status AllocationError(std::string_view exception) const;
  // The budget for `input_size` bytes, saturating.
  static uint64_t Budget(size_t input_size, const DecodeOptions& options);

  std::string_view input_;
  size_t offset_ = 0;
  uint64_t memory_left_;
  uint64_t memory_budget_ = memory_left_;
};

// Appends the encoding of `value` to `*out`. Never fails.
template <Encodable T>
void EncodeTo(const T& value, std::string* out) {
  Encoder encoder(out);
  encoder.Write(value);
}

// Returns the encoding of `value`. Never fails.
template <Encodable T>
[[nodiscard]] std::string Encode(const T& value) {
  std::string out;
  EncodeTo(value, &out);
  return out;
}

// Decodes a T that must occupy all of `bytes`. Never blocks, never throws.
// Errors: DataLoss (truncated, invalid or trailing bytes), with the type and
// byte offset in the message; ResourceExhausted if the value would take more
// memory than `options` allow (checked before allocating), or an allocation
// fails.
template <Encodable T>
[[nodiscard]] absl::StatusOr<T> Decode(std::string_view bytes,
                                       const DecodeOptions& options = DecodeOptions()) {
  Decoder decoder(bytes, options);
  absl::StatusOr<T> value = decoder.Read<T>();
  if (!value.ok()) return value.status();
  if (absl::Status status = decoder.Finish(); !status.ok()) return status;
  return value;
}

// Lists a struct's fields for the codec, in encoding order. Place it in a
// public section of the struct; every field must be Encodable (and the struct
// default-constructible). It defines `conc_codec_fields()`, a const and a
// non-const overload returning `std::tie(fields...)`; writing those two by
// hand works the same.
#define CONC_CODEC_FIELDS(...)                                      \
  auto conc_codec_fields() { return std::tie(__VA_ARGS__); }        \
  auto conc_codec_fields() const { return std::tie(__VA_ARGS__); }  \
  static_assert(true, "CONC_CODEC_FIELDS is followed by a semicolon")

// ---------------------------------------------------------------------------
// Implementation details and the Codec specialisations.

namespace codec_internal {

template <typename T>
constexpr std::string_view FixedWidthName() {
  if constexpr (std::is_enum_v<T>) {
    return "enum";
  } else if constexpr (std::is_same_v<T, char>) {
    return "char";
  } else if constexpr (std::is_floating_point_v<T>) {
    return sizeof(T) == 4 ? "float" : "double";
  } else if constexpr (std::is_signed_v<T>) {
    return sizeof(T) == 1   ? "int8"
           : sizeof(T) == 2 ? "int16"
           : sizeof(T) == 4 ? "int32"
                            : "int64";
  } else {
    return sizeof(T) == 1   ? "uint8"
           : sizeof(T) == 2 ? "uint16"
           : sizeof(T) == 4 ? "uint32"
                            : "uint64";
  }
}

// An element type whose encoding takes at least one byte, so that a count of
// them can be checked against the input. (A vector of std::monostate could
// claim 2^64 elements in 8 bytes.)
template <typename T>
concept CountableElement = Encodable<T> && (Codec<T>::kMinEncodedSize > 0);

template <typename... Ts>
constexpr size_t SumOfMinEncodedSizes() {
  return (size_t{0} + ... + Codec<Ts>::kMinEncodedSize);
}

// Encodes a container as its element count, then each element.
template <typename Container>
void EncodeSequence(Encoder& out, const Container& container) {
  out.WriteLength(container.size());
  for (const auto& element : container) out.Write(element);
}

// What one element costs in memory, for the decode budget: the element, plus
// the links of a node-based container (an estimate of libstdc++'s layout: a
// list node has two pointers, a red-black tree node three pointers and a
// colour, a hash node a pointer and a cached hash plus its bucket slot).
template <typename Container>
constexpr size_t kMemoryPerElement = sizeof(typename Container::value_type);
template <typename T, typename Alloc>
constexpr size_t kMemoryPerElement<std::list<T, Alloc>> = sizeof(T) + 2 * sizeof(void*);
template <typename K, typename C, typename A>
constexpr size_t kMemoryPerElement<std::set<K, C, A>> = sizeof(K) + 4 * sizeof(void*);
template <typename K, typename V, typename C, typename A>
constexpr size_t kMemoryPerElement<std::map<K, V, C, A>> =
    sizeof(std::pair<const K, V>) + 4 * sizeof(void*);
template <typename K, typename H, typename E, typename A>
constexpr size_t kMemoryPerElement<std::unordered_set<K, H, E, A>> =
    sizeof(K) + 3 * sizeof(void*);
template <typename K, typename V, typename H, typename E, typename A>
constexpr size_t kMemoryPerElement<std::unordered_map<K, V, H, E, A>> =
    sizeof(std::pair<const K, V>) + 3 * sizeof(void*);

// Decodes into an empty vector/deque/list with push_back.
template <typename Container>
absl::Status DecodeSequence(Decoder& in, Container* container,
                            std::string_view what) {
  using T = typename Container::value_type;
  container->clear();
  uint64_t count = 0;
  if (absl::Status s = in.ReadCount(what, Codec<T>::kMinEncodedSize,
                                    kMemoryPerElement<Container>, &count);
      !s.ok()) {
    return s;
  }
  if constexpr (requires { container->reserve(count); }) {
    // The budget has been charged for all of them.
    container->reserve(count);
  }
  for (uint64_t i = 0; i < count; ++i) {
    T element{};
    if (absl::Status s = in.Read(&element); !s.ok()) return s;
    container->push_back(std::move(element));
  }
  return absl::OkStatus();
}

// Decodes into an empty set (or unordered_set); a duplicate is an error.
template <typename Set>
absl::Status DecodeSet(Decoder& in, Set* set, std::string_view what_count,
                       std::string_view what_element) {
  using Key = typename Set::key_type;
  set->clear();
  uint64_t count = 0;
  if (absl::Status s = in.ReadCount(what_count, Codec<Key>::kMinEncodedSize,
                                    kMemoryPerElement<Set>, &count);
      !s.ok()) {
    return s;
  }
  for (uint64_t i = 0; i < count; ++i) {
    const size_t at = in.offset();
    Key key{};
    if (absl::Status s = in.Read(&key); !s.ok()) return s;
    if (!set->insert(std::move(key)).second) {
      return in.InvalidError(at, what_element, "a duplicate");
    }
  }
  return absl::OkStatus();
}

// Decodes into an empty map (or unordered_map); a duplicate key is an error.
template <typename Map>
absl::Status DecodeMap(Decoder& in, Map* map, std::string_view what_count,
                       std::string_view what_key) {
  using Key = typename Map::key_type;
  using Value = typename Map::mapped_type;
  map->clear();
  uint64_t count = 0;
  if (absl::Status s = in.ReadCount(what_count, SumOfMinEncodedSizes<Key, Value>(),
                                    kMemoryPerElement<Map>, &count);
      !s.ok()) {
    return s;
  }
  for (uint64_t i = 0; i < count; ++i) {
    const size_t at = in.offset();
    Key key{};
    Value value{};
    if (absl::Status s = in.Read(&key); !s.ok()) return s;
    if (absl::Status s = in.Read(&value); !s.ok()) return s;
    if (!map->emplace(std::move(key), std::move(value)).second) {
      return in.InvalidError(at, what_key, "a duplicate");
    }
  }
  return absl::OkStatus();
}

template <typename Map>
void EncodeMap(Encoder& out, const Map& map) {
  out.WriteLength(map.size());
  for (const auto& [key, value] : map) {
    out.Write(key);
    out.Write(value);
  }
}

// Decodes each element of a tuple of references or values, stopping at the
// first error.
template <typename Tuple>
absl::Status DecodeEach(Decoder& in, Tuple&& elements) {
  return std::apply(
      [&in](auto&... element) {
        absl::Status status;
        (void)((status = in.Read(&element), status.ok()) && ...);
        return status;
      },
      std::forward<Tuple>(elements));
}

template <typename Tuple>
void EncodeEach(Encoder& out, const Tuple& elements) {
  std::apply([&out](const auto&... element) { (out.Write(element), ...); },
             elements);
}

// The types behind a CONC_CODEC_FIELDS tuple of references.
template <typename TupleOfReferences>
struct FieldTypes;
template <typename... Fields>
struct FieldTypes<std::tuple<Fields&...>> {
  static constexpr bool kAllEncodable = (Encodable<Fields> && ...);
  static constexpr size_t MinEncodedSize() {
    return SumOfMinEncodedSizes<Fields...>();
  }
};

template <typename T>
using FieldsTuple = decltype(std::declval<T&>().conc_codec_fields());

template <typename T>
concept HasCodecFields = requires(T& value, const T& const_value) {
  value.conc_codec_fields();
  const_value.conc_codec_fields();
} && FieldTypes<FieldsTuple<T>>::kAllEncodable;

}  // namespace codec_internal

// Arithmetic types and scoped enums: their bytes.
template <FixedWidth T>
struct Codec<T> {
  static constexpr size_t kMinEncodedSize = sizeof(T);
  static void Encode(Encoder& out, const T& value) {
    out.WriteBytes(&value, sizeof value);
  }
  static absl::Status Decode(Decoder& in, T* value) {
    return in.ReadBytes(codec_internal::FixedWidthName<T>(), value, sizeof *value);
  }
};

// bool: one byte, 0 or 1; any other byte is an error (a bool holding 7 is
// undefined behaviour).
template <>
struct Codec<bool> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(Encoder& out, const bool& value) {
    const uint8_t byte = value ? 1 : 0;
    out.WriteBytes(&byte, 1);
  }
  static absl::Status Decode(Decoder& in, bool* value);
};

// std::string (and basic_strings of other fixed-width characters).
template <FixedWidth Char, typename Traits, typename Alloc>
struct Codec<std::basic_string<Char, Traits, Alloc>> {
  static constexpr size_t kMinEncodedSize = sizeof(uint64_t);
  static void Encode(Encoder& out,
                     const std::basic_string<Char, Traits, Alloc>& value) {
    out.WriteLength(value.size());
    out.WriteBytes(value.data(), value.size() * sizeof(Char));
  }
  static absl::Status Decode(Decoder& in,
                             std::basic_string<Char, Traits, Alloc>* value) {
    uint64_t length = 0;
    if (absl::Status s =
            in.ReadCount("std::string length", sizeof(Char), sizeof(Char), &length);
        !s.ok()) {
      return s;
    }
    if constexpr (sizeof(Char) == 1) {
      // One copy, straight from the input (resize would zero-fill first).
      std::string_view chars;
      if (absl::Status s = in.ReadView("std::string characters", length, &chars); !s.ok()) {
        return s;
      }
      value->assign(reinterpret_cast<const Char*>(chars.data()), length);
      return absl::OkStatus();
    } else {
      value->resize(length);
      return in.ReadBytes("std::string characters", value->data(),
                          length * sizeof(Char));
    }
  }
};

// std::vector: a count and the elements; vectors of fixed-width values are
// copied in one block.
template <codec_internal::CountableElement T, typename Alloc>
struct Codec<std::vector<T, Alloc>> {
  static constexpr size_t kMinEncodedSize = sizeof(uint64_t);
  static void Encode(Encoder& out, const std::vector<T, Alloc>& value) {
    if constexpr (FixedWidth<T>) {
      out.WriteLength(value.size());
      out.WriteBytes(value.data(), value.size() * sizeof(T));
    } else {
      codec_internal::EncodeSequence(out, value);
    }
  }
  static absl::Status Decode(Decoder& in, std::vector<T, Alloc>* value) {
    if constexpr (FixedWidth<T>) {
      uint64_t count = 0;
      if (absl::Status s =
              in.ReadCount("std::vector count", sizeof(T), sizeof(T), &count);
          !s.ok()) {
        return s;
      }
      value->resize(count);
      return in.ReadBytes("std::vector elements", value->data(),
                          count * sizeof(T));
    } else {
      return codec_internal::DecodeSequence(in, value, "std::vector count");
    }
  }
};

template <codec_internal::CountableElement T, typename Alloc>
struct Codec<std::deque<T, Alloc>> {
  static constexpr size_t kMinEncodedSize = sizeof(uint64_t);
  static void Encode(Encoder& out, const std::deque<T, Alloc>& value) {
    codec_internal::EncodeSequence(out, value);
  }
  static absl::Status Decode(Decoder& in, std::deque<T, Alloc>* value) {
    return codec_internal::DecodeSequence(in, value, "std::deque count");
  }
};

template <codec_internal::CountableElement T, typename Alloc>
struct Codec<std::list<T, Alloc>> {
  static constexpr size_t kMinEncodedSize = sizeof(uint64_t);
  static void Encode(Encoder& out, const std::list<T, Alloc>& value) {
    codec_internal::EncodeSequence(out, value);
  }
  static absl::Status Decode(Decoder& in, std::list<T, Alloc>* value) {
    return codec_internal::DecodeSequence(in, value, "std::list count");
  }
};

// std::array: the N elements, no count.
template <Encodable T, size_t N>
struct Codec<std::array<T, N>> {
  static constexpr size_t kMinEncodedSize = N * Codec<T>::kMinEncodedSize;
  static void Encode(Encoder& out, const std::array<T, N>& value) {
    if constexpr (FixedWidth<T>) {
      out.WriteBytes(value.data(), sizeof(T) * N);
    } else {
      for (const T& element : value) out.Write(element);
    }
  }
  static absl::Status Decode(Decoder& in, std::array<T, N>* value) {
    if constexpr (FixedWidth<T>) {
      return in.ReadBytes("std::array", value->data(), sizeof(T) * N);
    } else {
      for (T& element : *value) {
        if (absl::Status s = in.Read(&element); !s.ok()) return s;
      }
      return absl::OkStatus();
    }
  }
};

template <codec_internal::CountableElement K, typename Compare, typename Alloc>
struct Codec<std::set<K, Compare, Alloc>> {
  static constexpr size_t kMinEncodedSize = sizeof(uint64_t);
  static void Encode(Encoder& out, const std::set<K, Compare, Alloc>& value) {
    codec_internal::EncodeSequence(out, value);
  }
  static absl::Status Decode(Decoder& in, std::set<K, Compare, Alloc>* value) {
    return codec_internal::DecodeSet(in, value, "std::set count",
                                     "std::set element");
  }
};

template <codec_internal::CountableElement K, typename Hash, typename Equal,
          typename Alloc>
struct Codec<std::unordered_set<K, Hash, Equal, Alloc>> {
  static constexpr size_t kMinEncodedSize = sizeof(uint64_t);
  static void Encode(Encoder& out,
                     const std::unordered_set<K, Hash, Equal, Alloc>& value) {
    codec_internal::EncodeSequence(out, value);
  }
  static absl::Status Decode(Decoder& in,
                             std::unordered_set<K, Hash, Equal, Alloc>* value) {
    return codec_internal::DecodeSet(in, value, "std::unordered_set count",
                                     "std::unordered_set element");
  }
};

template <Encodable K, Encodable V, typename Compare, typename Alloc>
  requires(codec_internal::SumOfMinEncodedSizes<K, V>() > 0)
struct Codec<std::map<K, V, Compare, Alloc>> {
  static constexpr size_t kMinEncodedSize = sizeof(uint64_t);
  static void Encode(Encoder& out, const std::map<K, V, Compare, Alloc>& value) {
    codec_internal::EncodeMap(out, value);
  }
  static absl::Status Decode(Decoder& in, std::map<K, V, Compare, Alloc>* value) {
    return codec_internal::DecodeMap(in, value, "std::map count", "std::map key");
  }
};

template <Encodable K, Encodable V, typename Hash, typename Equal,
          typename Alloc>
  requires(codec_internal::SumOfMinEncodedSizes<K, V>() > 0)
struct Codec<std::unordered_map<K, V, Hash, Equal, Alloc>> {
  static constexpr size_t kMinEncodedSize = sizeof(uint64_t);
  static void Encode(Encoder& out,
                     const std::unordered_map<K, V, Hash, Equal, Alloc>& value) {
    codec_internal::EncodeMap(out, value);
  }
  static absl::Status Decode(
      Decoder& in, std::unordered_map<K, V, Hash, Equal, Alloc>* value) {
    return codec_internal::DecodeMap(in, value, "std::unordered_map count",
                                     "std::unordered_map key");
  }
};

template <Encodable A, Encodable B>
struct Codec<std::pair<A, B>> {
  static constexpr size_t kMinEncodedSize =
      codec_internal::SumOfMinEncodedSizes<A, B>();
  static void Encode(Encoder& out, const std::pair<A, B>& value) {
    out.Write(value.first);
    out.Write(value.second);
  }
  static absl::Status Decode(Decoder& in, std::pair<A, B>* value) {
    if (absl::Status s = in.Read(&value->first); !s.ok()) return s;
    return in.Read(&value->second);
  }
};

template <Encodable... Ts>
struct Codec<std::tuple<Ts...>> {
  static constexpr size_t kMinEncodedSize =
      codec_internal::SumOfMinEncodedSizes<Ts...>();
  static void Encode(Encoder& out, const std::tuple<Ts...>& value) {
    codec_internal::EncodeEach(out, value);
  }
  static absl::Status Decode(Decoder& in, std::tuple<Ts...>* value) {
    return codec_internal::DecodeEach(in, *value);
  }
};

// std::optional: a presence byte (0 or 1), then the value if present.
template <Encodable T>
struct Codec<std::optional<T>> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(Encoder& out, const std::optional<T>& value) {
    out.Write(value.has_value());
    if (value.has_value()) out.Write(*value);
  }
  static absl::Status Decode(Decoder& in, std::optional<T>* value) {
    const size_t at = in.offset();
    uint8_t present = 0;
    if (absl::Status s = in.ReadBytes("std::optional flag", &present, 1);
        !s.ok()) {
      return s;
    }
    if (present == 0) {
      value->reset();
      return absl::OkStatus();
    }
    if (present != 1) {
      return in.InvalidError(at, "std::optional flag",
                             "the byte is neither 0 nor 1");
    }
    return in.Read(&value->emplace());
  }
};

// std::variant: the index of the alternative held (uint32), then its value.
// A variant that is valueless_by_exception encodes as index 0xFFFFFFFF, which
// no decoder accepts.
template <Encodable... Ts>
struct Codec<std::variant<Ts...>> {
  static_assert(sizeof...(Ts) < 0xFFFFFFFFu);
  static constexpr size_t kMinEncodedSize =
      sizeof(uint32_t) + std::min({Codec<Ts>::kMinEncodedSize...});

  static void Encode(Encoder& out, const std::variant<Ts...>& value) {
    const uint32_t index = value.valueless_by_exception()
                               ? 0xFFFFFFFFu
                               : static_cast<uint32_t>(value.index());
    out.WriteBytes(&index, sizeof index);
    if (value.valueless_by_exception()) return;
    std::visit([&out](const auto& alternative) { out.Write(alternative); },
               value);
  }

  static absl::Status Decode(Decoder& in, std::variant<Ts...>* value) {
    const size_t at = in.offset();
    uint32_t index = 0;
    if (absl::Status s = in.ReadBytes("std::variant index", &index, sizeof index);
        !s.ok()) {
      return s;
    }
    if (index >= sizeof...(Ts)) {
      return in.InvalidError(at, "std::variant index",
                             "no alternative has index " + std::to_string(index) +
                                 " (there are " +
                                 std::to_string(sizeof...(Ts)) + ")");
    }
    return DecodeAlternative(in, value, index,
                             std::index_sequence_for<Ts...>());
  }

 private:
  template <size_t... I>
  static absl::Status DecodeAlternative(Decoder& in, std::variant<Ts...>* value,
                                        uint32_t index,
                                        std::index_sequence<I...>) {
    absl::Status status;
    ((index == I ? (status = in.Read(&value->template emplace<I>()), true)
                 : false) ||
     ...);
    return status;
  }
};

template <>
struct Codec<std::monostate> {
  static constexpr size_t kMinEncodedSize = 0;
  static void Encode(Encoder&, const std::monostate&) {}
  static absl::Status Decode(Decoder&, std::monostate*) {
    return absl::OkStatus();
  }
};

// Structs that list their fields with CONC_CODEC_FIELDS: the fields in order.
template <codec_internal::HasCodecFields T>
struct Codec<T> {
  static constexpr size_t kMinEncodedSize =
      codec_internal::FieldTypes<codec_internal::FieldsTuple<T>>::MinEncodedSize();
  static void Encode(Encoder& out, const T& value) {
    codec_internal::EncodeEach(out, value.conc_codec_fields());
  }
  static absl::Status Decode(Decoder& in, T* value) {
    return codec_internal::DecodeEach(in, value->conc_codec_fields());
  }
};

}  // namespace conc

#endif  // MODULES_COMMON_CODEC_H_
