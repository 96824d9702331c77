// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// manager_wire.h: constants the Manager's client and server agree on.

#ifndef MODULES_IPC_INTERNAL_MANAGER_WIRE_H_
#define MODULES_IPC_INTERNAL_MANAGER_WIRE_H_

#include <cstddef>
#include <string_view>

namespace conc::internal {

// The metadata key of the per-call token (gRPC keys are lower case).
inline constexpr std::string_view kTokenMetadata = "conc-manager-token";
// Bytes of each random nonce of the challenge/response.
inline constexpr size_t kNonceBytes = 32;
// Largest request or reply (gRPC's default is 4 MiB).
inline constexpr int kMaxMessageBytes = 64 << 20;

}  // namespace conc::internal

#endif  // MODULES_IPC_INTERNAL_MANAGER_WIRE_H_
