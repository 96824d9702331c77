// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// grpc_status.h: the one place where grpc::Status and absl::Status meet.
//
// Both carry the same canonical codes (google.rpc.Code: OK = 0 ... UNAUTHENTICATED
// = 16, with the same numbers and meanings), so the mapping keeps the code and the
// message; a code outside that range (which neither side produces) becomes
// UNKNOWN. gRPC's binary error details are not carried over.
//
//   grpc::Status s = stub->Submit(&context, request, &reply);
//   if (absl::Status status = conc::FromGrpcStatus(s); !status.ok()) return status;
//
//   grpc::Status Submit(...) override {
//     absl::StatusOr<int64_t> id = core.Submit(...);
//     if (!id.ok()) return conc::ToGrpcStatus(id.status());
//
// Where it differs from Python: grpcio raises grpc.RpcError with .code() and
// .details(); here the status is a value, as everywhere in conc.

#ifndef MODULES_SOCKETS_GRPC_STATUS_H_
#define MODULES_SOCKETS_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace conc {

absl::Status FromGrpcStatus(const grpc::Status& status);
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace conc

#endif  // MODULES_SOCKETS_GRPC_STATUS_H_
