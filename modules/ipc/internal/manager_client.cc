// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/internal/manager_client.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "modules/common/timeout.h"
#include "modules/ipc/internal/manager_auth.h"
#include "modules/ipc/internal/manager_local.h"
#include "modules/ipc/internal/manager_wire.h"
#include "modules/ipc/manager.grpc.pb.h"

namespace conc::internal {

struct ManagerClient::Impl {
  std::unique_ptr<LocalManagerClient> local;  // Set: the same-host transport, no gRPC.
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<managerpb::ManagerService::Stub> stub;
  std::string token;  // hex(HMAC(authkey, "call" + server_nonce)), sent with every call.
};

namespace {

// The gRPC deadline `d` from now, on the wall clock gRPC wants. Saturates: an
// infinite `d`, or one past what system_clock holds (its epoch is 1970, so
// that is ~238 years from now, less than conc::Deadline's ~292), gives
// time_point::max(), which gRPC reads as "no deadline"; zero or negative gives
// now. (`now() + d` overflowed: signed overflow, and a deadline in the past.)
std::chrono::system_clock::time_point DeadlineAfter(absl::Duration d) {
  using SystemClock = std::chrono::system_clock;
  const SystemClock::time_point now = SystemClock::now();
  if (d <= absl::ZeroDuration()) return now;
  const absl::Duration room = absl::FromChrono(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SystemClock::time_point::max() - now));
  if (d >= room) return SystemClock::time_point::max();
  return now + std::chrono::duration_cast<SystemClock::duration>(
                   absl::ToChronoNanoseconds(absl::Ceil(d, absl::Nanoseconds(1))));
}

// The transport's verdict in the project's table: everything but a refused key
// and an oversized message means "the manager is not there any more".
absl::Status FromGrpc(const grpc::Status& status, const std::string& address,
                      std::string_view what) {
  const std::string message =
      absl::StrCat(std::string(what), " (manager at ", address, "): ", status.error_message(), " [gRPC ",
                   static_cast<int>(status.error_code()), "]");
  switch (status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::UnauthenticatedError(message);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace

absl::Status ResultToStatus(const managerpb::Result& result) {
  if (result.code() == 0) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(result.code()), result.message());
}

ManagerClient::ManagerClient(std::string address, absl::Duration call_timeout,
                             std::unique_ptr<Impl> impl)
    : address_(std::move(address)), call_timeout_(call_timeout), impl_(std::move(impl)) {}

ManagerClient::~ManagerClient() = default;

std::string_view ManagerClient::transport() const {
  return impl_->local != nullptr ? "unix" : "grpc";
}

absl::StatusOr<std::shared_ptr<ManagerClient>> ManagerClient::Connect(
    const std::string& address, const std::string& authkey, absl::Duration call_timeout,
    ManagerTransport transport) {
  auto impl = std::make_unique<Impl>();
  const ManagerAddress parsed = ParseManagerAddress(address);
  if (transport == ManagerTransport::kAuto && !parsed.local_host.empty() &&
      parsed.local_host == LocalHostName()) {
    absl::StatusOr<std::unique_ptr<LocalManagerClient>> local =
        LocalManagerClient::Connect(parsed.local_name, authkey, call_timeout, address);
    if (local.ok()) {
      impl->local = *std::move(local);
      return std::shared_ptr<ManagerClient>(
          new ManagerClient(address, call_timeout, std::move(impl)));
    }
    if (absl::IsUnauthenticated(local.status())) return local.status();
    // Unreachable here (another network namespace?): gRPC below.
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  // Reconnect quickly after a failure instead of gRPC's default backoff of up to
  // two minutes: a manager is local or on the LAN.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // No GRPC_ARG_MINIMAL_STACK here, although it saves CPU per call: it drops
  // the client's deadline filter, and a call waiting for a connection that
  // never comes then ignores its deadline (ManagerFaultTest.StartErrors hung
  // under ASan when we tried). Retries are off: an op must not run twice.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  impl->channel =
      grpc::CreateCustomChannel(parsed.grpc, grpc::InsecureChannelCredentials(), args);
  impl->stub = managerpb::ManagerService::NewStub(impl->channel);

  // 1. The server's nonce.
  managerpb::ChallengeReply challenge;
  {
    grpc::ClientContext context;
    context.set_deadline(DeadlineAfter(call_timeout));
    // The first call may find the channel still connecting: wait for it, up to
    // the deadline, rather than failing at once.
    context.set_wait_for_ready(true);
    grpc::Status status =
        impl->stub->Challenge(&context, managerpb::ChallengeRequest(), &challenge);
    if (!status.ok()) return FromGrpc(status, address, "connect");
  }
  // 2. Prove we know the key; check that the server does too.
  const std::string client_nonce = RandomBytes(kNonceBytes);
  managerpb::AuthenticateRequest request;
  request.set_client_nonce(client_nonce);
  request.set_client_digest(HmacSha256(authkey, "client" + challenge.server_nonce()));
  managerpb::AuthenticateReply reply;
  {
    grpc::ClientContext context;
    context.set_deadline(DeadlineAfter(call_timeout));
    grpc::Status status = impl->stub->Authenticate(&context, request, &reply);
    if (!status.ok()) return FromGrpc(status, address, "AuthenticationError");
  }
  if (!ConstantTimeEquals(reply.server_digest(), HmacSha256(authkey, "server" + client_nonce))) {
    return absl::UnauthenticatedError(
        absl::StrCat("AuthenticationError: the manager at ", address,
                     " could not prove it knows the authkey (digest sent was rejected)"));
  }
  impl->token = ToHex(HmacSha256(authkey, "call" + challenge.server_nonce()));
  return std::shared_ptr<ManagerClient>(new ManagerClient(address, call_timeout, std::move(impl)));
}

absl::StatusOr<std::vector<managerpb::Result>> ManagerClient::Execute(
    std::vector<managerpb::Op> ops, absl::Duration wait) {
  const size_t count = ops.size();
  managerpb::ExecuteRequest request;
  request.mutable_ops()->Reserve(static_cast<int>(count));
  // Moves, not copies: a batched op may carry thousands of items.
  for (managerpb::Op& op : ops) request.mutable_ops()->Add(std::move(op));
  managerpb::ExecuteReply reply;
  if (impl_->local != nullptr) {
    absl::StatusOr<managerpb::ExecuteReply> got = impl_->local->Execute(std::move(request), wait);
    if (!got.ok()) return got.status();
    reply = *std::move(got);
  } else {
    grpc::ClientContext context;
    context.set_deadline(DeadlineAfter(call_timeout_ + wait));
    context.AddMetadata(std::string(kTokenMetadata), impl_->token);
    grpc::Status status = impl_->stub->Execute(&context, request, &reply);
    if (!status.ok()) return FromGrpc(status, address_, "manager call");
  }
  if (reply.results_size() != static_cast<int>(count)) {
    return absl::DataLossError(absl::StrCat("manager replied with ", reply.results_size(),
                                            " results to ", count, " operations"));
  }
  std::vector<managerpb::Result> results;
  results.reserve(count);
  for (managerpb::Result& r : *reply.mutable_results()) results.push_back(std::move(r));
  return results;
}

absl::StatusOr<managerpb::Result> ManagerClient::Call(managerpb::Op op) {
  std::vector<managerpb::Op> ops;
  ops.push_back(std::move(op));
  absl::StatusOr<std::vector<managerpb::Result>> results = Execute(std::move(ops));
  if (!results.ok()) return results.status();
  managerpb::Result& result = results->front();
  if (absl::Status status = ResultToStatus(result); !status.ok()) return status;
  return std::move(result);
}

absl::StatusOr<managerpb::Result> ManagerClient::CallBlocking(
    managerpb::Op op, std::optional<absl::Duration> timeout) {
  // The project's convention, saturating: a timeout too large for the clock
  // (1000 years) is forever, as everywhere in conc; zero or negative polls once.
  const Deadline deadline = Deadline::FromTimeout(timeout);
  if (!deadline.is_infinite()) {
    const absl::Duration wait = deadline.remaining();  // >= 0, at most ~292 years.
    op.set_timeout_us(absl::ToInt64Microseconds(wait));
    std::vector<managerpb::Op> ops;
    ops.push_back(std::move(op));
    absl::StatusOr<std::vector<managerpb::Result>> results = Execute(std::move(ops), wait);
    if (!results.ok()) return results.status();
    if (absl::Status status = ResultToStatus(results->front()); !status.ok()) return status;
    return std::move(results->front());
  }
  // Forever: slices of one call timeout. A slice that expires changed nothing on
  // the server (the op only takes effect when its wait succeeds), so re-sending
  // it is safe.
  op.set_timeout_us(absl::ToInt64Microseconds(call_timeout_));
  while (true) {
    std::vector<managerpb::Op> ops;
    ops.push_back(op);  // A copy: the slice may be re-sent.
    absl::StatusOr<std::vector<managerpb::Result>> results = Execute(std::move(ops), call_timeout_);
    if (!results.ok()) return results.status();
    absl::Status status = ResultToStatus(results->front());
    if (absl::IsDeadlineExceeded(status)) continue;
    if (!status.ok()) return status;
    return std::move(results->front());
  }
}

absl::Status ManagerClient::Shutdown() {
  if (impl_->local != nullptr) return impl_->local->Shutdown();
  grpc::ClientContext context;
  context.set_deadline(DeadlineAfter(call_timeout_));
  context.AddMetadata(std::string(kTokenMetadata), impl_->token);
  managerpb::ShutdownReply reply;
  grpc::Status status = impl_->stub->Shutdown(&context, managerpb::ShutdownRequest(), &reply);
  if (!status.ok()) return FromGrpc(status, address_, "shutdown");
  return absl::OkStatus();
}

}  // namespace conc::internal
