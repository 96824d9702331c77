// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/work_queue_services.h: the two gRPC services of WorkQueueServer over
// one WorkQueueCore (which must outlive them): the synchronous one
// (work_queue_server.cc) and the callback one (work_queue_callback_server.cc).

#ifndef MODULES_SOCKETS_INTERNAL_WORK_QUEUE_SERVICES_H_
#define MODULES_SOCKETS_INTERNAL_WORK_QUEUE_SERVICES_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/impl/service_type.h"
#include "modules/sockets/internal/work_queue_core.h"

namespace conc::internal {

// How often a synchronous handler that waits looks at ServerContext::IsCancelled().
inline constexpr absl::Duration kCancelPollInterval = absl::Milliseconds(10);

// Shared by both: a SubmitBatch summary's bookkeeping, and a Session's events.
void Account(const absl::StatusOr<int64_t>& id, sockets::BatchSummary* summary);
sockets::SessionEvent Finished(const std::string& tag, const sockets::TaskStatus& status);
sockets::SessionEvent Rejected(const std::string& tag, const absl::Status& why);

std::unique_ptr<grpc::Service> MakeSyncWorkQueueService(WorkQueueCore* core);
std::unique_ptr<grpc::Service> MakeCallbackWorkQueueService(WorkQueueCore* core);

}  // namespace conc::internal

#endif  // MODULES_SOCKETS_INTERNAL_WORK_QUEUE_SERVICES_H_
