// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/internal/bigint.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"

namespace conc::internal {

namespace {

// Magnitudes as little-endian 32-bit limbs.
using Limbs = std::vector<uint32_t>;

void MulAdd(Limbs& n, uint32_t mul, uint32_t add) {
  uint64_t carry = add;
  for (uint32_t& limb : n) {
    uint64_t v = uint64_t{limb} * mul + carry;
    limb = static_cast<uint32_t>(v);
    carry = v >> 32;
  }
  if (carry) n.push_back(static_cast<uint32_t>(carry));
}

// Divides in place, returns the remainder.
uint32_t DivMod(Limbs& n, uint32_t div) {
  uint64_t rem = 0;
  for (size_t k = n.size(); k-- > 0;) {
    uint64_t v = (rem << 32) | n[k];
    n[k] = static_cast<uint32_t>(v / div);
    rem = v % div;
  }
  while (!n.empty() && n.back() == 0) n.pop_back();
  return static_cast<uint32_t>(rem);
}

}  // namespace

absl::StatusOr<std::string> DecimalToBigInt(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return absl::InvalidArgumentError("an integer with no digits");
  if (text.size() > kMaxIntDigits) {
    return absl::InvalidArgumentError(absl::StrCat("an integer of ", text.size(),
                                                   " digits exceeds the limit of ", kMaxIntDigits,
                                                   " (Python's int_max_str_digits)"));
  }
  Limbs n;
  for (char c : text) {
    if (c < '0' || c > '9') return absl::InvalidArgumentError("an integer with a non-digit");
    MulAdd(n, 10, static_cast<uint32_t>(c - '0'));
  }
  // Bytes of the magnitude, then negate (two's complement) if needed.
  std::string out;
  for (uint32_t limb : n) {
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((limb >> (8 * b)) & 0xff));
  }
  while (!out.empty() && out.back() == 0) out.pop_back();
  if (negative && !out.empty()) {
    out.push_back(0);  // room for the sign
    bool carry = true;
    for (char& c : out) {
      unsigned v = static_cast<unsigned char>(~static_cast<unsigned char>(c)) + (carry ? 1u : 0u);
      carry = v > 0xff;
      c = static_cast<char>(v & 0xff);
    }
    // Shortest form: drop 0xff bytes whose next lower byte keeps the sign bit.
    while (out.size() > 1 && static_cast<unsigned char>(out.back()) == 0xff &&
           (static_cast<unsigned char>(out[out.size() - 2]) & 0x80)) {
      out.pop_back();
    }
  } else if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80)) {
    out.push_back(0);  // a positive number keeps a clear sign bit
  }
  return out;
}

std::string BigIntToDecimal(std::string_view le) {
  if (le.empty()) return "0";
  std::string mag(le);
  bool negative = static_cast<unsigned char>(mag.back()) & 0x80;
  if (negative) {
    bool carry = true;
    for (char& c : mag) {
      unsigned v = static_cast<unsigned char>(~static_cast<unsigned char>(c)) + (carry ? 1u : 0u);
      carry = v > 0xff;
      c = static_cast<char>(v & 0xff);
    }
  }
  Limbs n((mag.size() + 3) / 4, 0);
  for (size_t k = 0; k < mag.size(); ++k)
    n[k / 4] |= uint32_t{static_cast<unsigned char>(mag[k])} << (8 * (k % 4));
  while (!n.empty() && n.back() == 0) n.pop_back();
  if (n.empty()) return "0";
  std::string digits;
  while (!n.empty()) {
    uint32_t chunk = DivMod(n, 1000000000);
    for (int d = 0; d < 9; ++d) {
      digits.push_back(static_cast<char>('0' + chunk % 10));
      chunk /= 10;
      if (n.empty() && chunk == 0) break;
    }
  }
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::string Uint64ToBigInt(uint64_t u) {
  std::string le(9, '\0');
  for (int b = 0; b < 8; ++b) le[b] = static_cast<char>((u >> (8 * b)) & 0xff);
  return le;
}

bool BigIntToUint64(std::string_view le, uint64_t* out) {
  if (le.empty()) {
    *out = 0;
    return true;
  }
  if (static_cast<unsigned char>(le.back()) & 0x80) return false;  // negative
  size_t n = le.size();
  while (n > 0 && le[n - 1] == 0) --n;
  if (n > 8) return false;
  uint64_t v = 0;
  for (size_t k = 0; k < n; ++k) v |= uint64_t{static_cast<unsigned char>(le[k])} << (8 * k);
  *out = v;
  return true;
}

}  // namespace conc::internal
