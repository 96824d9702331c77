// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/codec.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc {
namespace {

// Debian's Abseil has its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW
// is 0), which StrCat takes but std::string_view does not convert to.
absl::string_view Absl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

}  // namespace

absl::Status Decoder::Finish() const {
  if (done()) return absl::OkStatus();
  return DataLossError(absl::StrCat("codec: ", remaining(), " trailing bytes at offset ", offset_,
                                    " after the decoded value"));
}

absl::Status Decoder::CountError(std::string_view what, size_t min_element_size) {
  uint64_t n = 0;
  if (absl::Status s = ReadBytes(what, &n, sizeof n); !s.ok()) return s;
  offset_ -= sizeof n;  // Consume nothing on failure.
  return DataLossError(absl::StrCat("codec: ", Absl(what), " ", n, " at offset ", offset_,
                                    " does not fit in the ", remaining() - sizeof n,
                                    " bytes left (each element takes at least ",
                                    min_element_size, ")"));
}

uint64_t Decoder::Budget(size_t input_size, const DecodeOptions& options) {
  uint64_t budget = 0;
  if (__builtin_mul_overflow(options.bytes_per_input_byte, uint64_t{input_size}, &budget) ||
      __builtin_add_overflow(budget, options.base_bytes, &budget)) {
    budget = std::numeric_limits<uint64_t>::max();
  }
  return std::min(budget, options.max_decoded_bytes);
}

absl::Status Decoder::MemoryError(std::string_view what, size_t at, uint64_t count,
                                  size_t element_size) const {
  uint64_t bytes = 0;
  const std::string total = __builtin_mul_overflow(count, element_size, &bytes)
                                ? std::string("more than 2^64")
                                : absl::StrCat(bytes);
  return absl::ResourceExhaustedError(absl::StrCat(
      "codec: ", Absl(what), " ", count, " at offset ", at, " would take ", total,
      " bytes of memory (", element_size, " per element), more than the ", memory_left_,
      " bytes left of the decode budget of ", memory_budget_, " bytes for ", input_.size(),
      " input bytes (see conc::DecodeOptions)"));
}

absl::Status Decoder::AllocationError(std::string_view exception) const {
  return absl::ResourceExhaustedError(absl::StrCat("codec: out of memory (", Absl(exception),
                                                   ") decoding at offset ", offset_, " of ",
                                                   input_.size(), " input bytes"));
}

absl::Status Decoder::InvalidError(size_t offset, std::string_view what,
                                   std::string_view detail) const {
  return DataLossError(
      absl::StrCat("codec: invalid ", Absl(what), " at offset ", offset, ": ", Absl(detail)));
}

absl::Status Decoder::TruncatedError(std::string_view what, size_t need) const {
  return DataLossError(absl::StrCat("codec: truncated ", Absl(what), " at offset ", offset_,
                                    " (need ", need, " bytes, ", remaining(), " left)"));
}

absl::Status Codec<bool>::Decode(Decoder& in, bool* value) {
  const size_t at = in.offset();
  uint8_t byte = 0;
  if (absl::Status s = in.ReadBytes("bool", &byte, 1); !s.ok()) return s;
  if (byte > 1) {
    return in.InvalidError(at, "bool",
                           absl::StrCat("byte ", static_cast<int>(byte), " is neither 0 nor 1"));
  }
  *value = byte == 1;
  return absl::OkStatus();
}

}  // namespace conc
