// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sockets/grpc_status.h"

#include <string>

namespace conc {
namespace {

// The canonical codes run from OK (0) to UNAUTHENTICATED (16) on both sides.
constexpr int kLastCanonicalCode = 16;
static_assert(static_cast<int>(absl::StatusCode::kUnauthenticated) == kLastCanonicalCode);
static_assert(static_cast<int>(grpc::StatusCode::UNAUTHENTICATED) == kLastCanonicalCode);
static_assert(static_cast<int>(absl::StatusCode::kDeadlineExceeded) ==
              static_cast<int>(grpc::StatusCode::DEADLINE_EXCEEDED));

bool Canonical(int code) { return code >= 0 && code <= kLastCanonicalCode; }

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  const int code = static_cast<int>(status.error_code());
  if (!Canonical(code)) return absl::UnknownError(status.error_message());
  return absl::Status(static_cast<absl::StatusCode>(code), status.error_message());
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  const int code = static_cast<int>(status.code());
  if (!Canonical(code)) return grpc::Status(grpc::StatusCode::UNKNOWN, std::string(status.message()));
  return grpc::Status(static_cast<grpc::StatusCode>(code), std::string(status.message()));
}

}  // namespace conc
