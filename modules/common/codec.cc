// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/codec.h"

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
