// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// grpc_call.h: what every gRPC call and channel of the chapter shares: the
// deadline of a call, and keepalive, configured as a pair on both ends.
//
// SetCallTimeout(context, timeout) gives a call its deadline from the project's
// timeout convention (docs/DESIGN.md): nullopt or a timeout above TIMEOUT_MAX
// means no deadline at all; zero or negative is a deadline already passed (the
// call fails at once with DEADLINE_EXCEEDED, gRPC's "poll"); a positive timeout
// is measured on the monotonic clock through conc::Deadline, so a huge value
// saturates instead of overflowing and a wall-clock jump changes nothing. Every
// call that WorkQueueClient makes goes through it.
//
//   grpc::ClientContext context;
//   conc::SetCallTimeout(context, absl::Seconds(5));
//   grpc::Status s = stub->Submit(&context, request, &reply);  // at most ~5 s
//
// Keepalive. An HTTP/2 connection that carries no call sends nothing, so a peer
// that vanished without a FIN or RST (a worker's machine lost power, a NAT
// forgot the mapping) is only noticed when the next call times out. Keepalive
// pings notice it within time + timeout. The two ends must agree: a server
// receiving pings more often than GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS
// allows (5 min by default) counts "ping strikes" and closes the connection with
// GOAWAY "too_many_pings", which the client sees as UNAVAILABLE on every call.
// So ClientChannelArguments() pings every kKeepaliveTime, also without calls (a
// worker waiting for work is idle on purpose), and ConfigureServerKeepalive()
// permits exactly that interval, without calls too, and pings its clients on
// the same schedule to drop dead ones.
//
// Where it differs from Python: grpcio takes the same channel options as a list
// of (name, value) pairs, and `timeout=` seconds on each stub call; here the
// timeout is an absl::Duration and the pair lives in one place.

#ifndef MODULES_SOCKETS_GRPC_CALL_H_
#define MODULES_SOCKETS_GRPC_CALL_H_

#include <optional>

#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/channel_arguments.h"

namespace conc {

// The keepalive pair (see above): ping after this long without activity, and
// drop the connection if the ack takes longer than kKeepaliveTimeout.
inline constexpr absl::Duration kKeepaliveTime = absl::Seconds(20);
inline constexpr absl::Duration kKeepaliveTimeout = absl::Seconds(10);

// Sets the call's deadline (see above). Call before the call starts.
void SetCallTimeout(grpc::ClientContext& context, std::optional<absl::Duration> timeout);

// A client channel's arguments: keepalive as above.
grpc::ChannelArguments ClientChannelArguments();

// The server side of the keepalive pair, on a builder before BuildAndStart.
void ConfigureServerKeepalive(grpc::ServerBuilder& builder);

}  // namespace conc

#endif  // MODULES_SOCKETS_GRPC_CALL_H_
