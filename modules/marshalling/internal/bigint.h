// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// bigint.h (internal): Python's int beyond int64, between its decimal text (JSON,
// YAML, TOML) and PyValue::BigInt's form (two's-complement bytes, little-endian,
// the shortest that holds the sign, as pickle's LONG1).
//
//   DecimalToBigInt("-123456789012345678901234567890")  -> PyValue::BigInt bytes
//   BigIntToDecimal(bytes)                              -> "-1234567890..."
//
// Bounded like CPython's int/str conversion (sys.int_info.default_max_str_digits,
// 4300 digits): longer text is InvalidArgument, as Python's ValueError.

#ifndef MODULES_MARSHALLING_INTERNAL_BIGINT_H_
#define MODULES_MARSHALLING_INTERNAL_BIGINT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace conc::internal {

inline constexpr size_t kMaxIntDigits = 4300;

// "[-+]?[0-9]+" (at most kMaxIntDigits digits) -> two's-complement bytes, little-endian.
absl::StatusOr<std::string> DecimalToBigInt(std::string_view text);

// The inverse: two's-complement bytes, little-endian -> decimal text ("0" for none).
std::string BigIntToDecimal(std::string_view le_twos_complement);

// A uint64 above int64's range as BigInt bytes (nine: a zero sign byte on top).
std::string Uint64ToBigInt(uint64_t u);
// A BigInt that fits in uint64 (0 to 2**64 - 1), or false.
bool BigIntToUint64(std::string_view le_twos_complement, uint64_t* out);

}  // namespace conc::internal

#endif  // MODULES_MARSHALLING_INTERNAL_BIGINT_H_
