// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sockets/grpc_call.h"

#include <cstdint>

#include "grpc/support/time.h"
#include "modules/common/timeout.h"

namespace conc {
namespace {

int Milliseconds(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

}  // namespace

void SetCallTimeout(grpc::ClientContext& context, std::optional<absl::Duration> timeout) {
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (deadline.is_infinite()) return;  // gRPC's default: no deadline
  // gRPC measures its deadlines on the monotonic clock too; the remaining time is
  // at most TIMEOUT_MAX (~146 years), which gpr_timespec holds without overflow.
  const int64_t nanos = absl::ToInt64Nanoseconds(deadline.remaining());
  if (nanos == 0) {
    // Already passed: gRPC rounds a deadline of "now" up to its next millisecond,
    // within which a local call can finish; the past fails it, always, at once.
    context.set_deadline(gpr_inf_past(GPR_CLOCK_MONOTONIC));
    return;
  }
  context.set_deadline(
      gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_nanos(nanos, GPR_TIMESPAN)));
}

grpc::ChannelArguments ClientChannelArguments() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, Milliseconds(kKeepaliveTime));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Milliseconds(kKeepaliveTimeout));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Without this, a client sends at most 2 pings without data in between and
  // then stops, which would defeat keepalive on an idle channel.
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return args;
}

void ConfigureServerKeepalive(grpc::ServerBuilder& builder) {
  // Accept the client's pings: as often as every kKeepaliveTime, calls or not.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             Milliseconds(kKeepaliveTime));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // And ping the clients on the same schedule, to drop the ones that vanished.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, Milliseconds(kKeepaliveTime));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Milliseconds(kKeepaliveTimeout));
}

}  // namespace conc
