// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// libFuzzer target: conc::PickleLoads on arbitrary bytes. It must never crash,
// hang or allocate without bound; what it accepts must survive PickleDumps in
// every protocol and load back to the same value (compared by repr, so NaNs
// compare equal).
//
//   tools/fuzz.sh pickle 60        (libFuzzer, clang-16, ASan + UBSan)
//   bazel test //modules/marshalling:pickle_fuzz_replay_test   (the seed corpus, g++)

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "modules/marshalling/pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  conc::PickleLimits limits;
  limits.max_values = 1 << 16;  // Keep each run small; the limits are tested elsewhere.
  absl::StatusOr<conc::PyValue> value = conc::PickleLoads(input, limits);
  if (!value.ok()) return 0;
  const std::string repr = value->Repr();
  for (int protocol = 2; protocol <= 5; ++protocol) {
    absl::StatusOr<std::string> bytes = conc::PickleDumps(*value, protocol);
    if (!bytes.ok()) continue;  // A value Python could not pickle either (a set of lists).
    absl::StatusOr<conc::PyValue> back = conc::PickleLoads(*bytes);
    if (!back.ok() || back->Repr() != repr) std::abort();  // A round trip that loses the value.
  }
  return 0;
}
