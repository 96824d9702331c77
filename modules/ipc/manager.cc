// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/ipc/manager.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "modules/common/fd.h"
#include "modules/common/status.h"
#include "modules/common/timeout.h"
#include "modules/ipc/internal/manager_auth.h"
#include "modules/ipc/internal/manager_server.h"

// The server process's entry: spawned by Manager::start (this library is
// alwayslink so that the registration survives linking).
CONC_PROCESS_FUNCTION(conc::internal::ManagerServerMain);

namespace conc {
namespace {

std::atomic<int> manager_counter{0};

// A fresh abstract Unix socket name: the pid and a counter make it unique on
// this host, the random part keeps another user from guessing and squatting it.
std::string FreshLocalAddress() {
  return absl::StrCat("unix-abstract:conc-manager-", getpid(), "-", ++manager_counter, "-",
                      internal::ToHex(internal::RandomBytes(4)));
}

// Reads the child's report (its address, or "!" and an error) until EOF, at
// most until `deadline`.
absl::StatusOr<std::string> ReadReport(int fd, Deadline deadline) {
  std::string report;
  char buffer[512];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, deadline.remaining_poll_milliseconds());
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "manager start: poll");
    }
    if (ready == 0) {
      return absl::UnavailableError("manager start: the server did not report its address in time");
    }
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "manager start: read");
    }
    if (n == 0) break;
    report.append(buffer, static_cast<size_t>(n));
  }
  if (report.empty()) {
    return absl::UnavailableError("manager start: the server process exited before listening");
  }
  if (report[0] == '!') return absl::UnavailableError("manager start: " + report.substr(1));
  return report;
}

}  // namespace

Manager::Manager(ManagerOptions options)
    : options_(std::move(options)),
      address_(options_.address),
      authkey_(options_.authkey.empty() ? internal::RandomBytes(32) : options_.authkey) {}

Manager::~Manager() { (void)shutdown(); }

Manager::Manager(Manager&& other) noexcept
    : options_(std::move(other.options_)),
      address_(std::move(other.address_)),
      authkey_(std::move(other.authkey_)),
      process_(std::exchange(other.process_, std::nullopt)),
      client_(std::move(other.client_)),
      connected_only_(other.connected_only_) {}

Manager& Manager::operator=(Manager&& other) noexcept {
  if (this != &other) {
    (void)shutdown();
    options_ = std::move(other.options_);
    address_ = std::move(other.address_);
    authkey_ = std::move(other.authkey_);
    process_ = std::exchange(other.process_, std::nullopt);
    client_ = std::move(other.client_);
    connected_only_ = other.connected_only_;
  }
  return *this;
}

absl::StatusOr<Manager> Manager::connect(const std::string& address, const std::string& authkey,
                                         absl::Duration call_timeout, ManagerTransport transport) {
  absl::StatusOr<std::shared_ptr<internal::ManagerClient>> client =
      internal::ManagerClient::Connect(address, authkey, call_timeout, transport);
  if (!client.ok()) return client.status();
  Manager m(ManagerOptions{.address = address,
                           .authkey = authkey,
                           .call_timeout = call_timeout,
                           .transport = transport});
  m.client_ = *std::move(client);
  m.connected_only_ = true;
  return m;
}

absl::Status Manager::start() {
  if (client_ != nullptr || process_.has_value()) {
    return absl::FailedPreconditionError("manager: already started or connected");
  }
  if (address_.empty()) address_ = FreshLocalAddress();
  absl::StatusOr<std::pair<FileDescriptor, FileDescriptor>> report = MakePipe();
  if (!report.ok()) return report.status();
  auto& [report_read, report_write] = *report;
  const Deadline deadline = Deadline::FromTimeout(options_.start_timeout);

  // Spawn (fork + exec), never a bare fork: see the header.
  Process process({.name = "SyncManager", .daemon = true, .pass_fds = {report_write.get()}},
                  process_function<internal::ManagerServerMain>, report_write.get(), address_,
                  authkey_);
  if (absl::Status s = process.start(); !s.ok()) return s;
  report_write.reset();  // Only the child holds the write end now: its exit is EOF.
  process_ = process;

  absl::StatusOr<std::string> bound = ReadReport(report_read.get(), deadline);
  absl::StatusOr<std::shared_ptr<internal::ManagerClient>> client =
      bound.ok() ? internal::ManagerClient::Connect(*bound, authkey_, options_.call_timeout,
                                                   options_.transport)
                 : absl::StatusOr<std::shared_ptr<internal::ManagerClient>>(bound.status());
  if (!client.ok()) {
    (void)process_->kill();
    (void)process_->join(absl::Seconds(10));
    process_.reset();
    return client.status();
  }
  address_ = *bound;
  client_ = *std::move(client);
  return absl::OkStatus();
}

absl::Status Manager::shutdown() {
  if (!process_.has_value()) {
    if (connected_only_) {
      return absl::FailedPreconditionError(
          "manager: a connect()ed client does not own the server; only its owner shuts it down");
    }
    return absl::OkStatus();
  }
  // Ask politely; whatever the answer (the server may be dead already), make
  // sure the process ends and is reaped.
  if (client_ != nullptr) (void)client_->Shutdown();
  absl::Status joined = process_->join(absl::Seconds(5));
  if (!joined.ok()) {
    (void)process_->kill();
    joined = process_->join(absl::Seconds(10));
  }
  process_.reset();
  return joined;
}

std::optional<pid_t> Manager::pid() const {
  if (!process_.has_value()) return std::nullopt;
  return process_->pid();
}

absl::StatusOr<std::string> Manager::Create(std::string_view kind, const std::string& name,
                                            int64_t maxsize, std::string initial) {
  if (client_ == nullptr) {
    return absl::FailedPreconditionError("manager: not started (call start() or connect())");
  }
  managerpb::Op op;
  op.set_kind(managerpb::CREATE);
  op.set_key(std::string(kind));
  op.set_object(name);
  op.set_index(maxsize);
  op.set_value(std::move(initial));
  absl::StatusOr<managerpb::Result> r = client_->Call(std::move(op));
  if (!r.ok()) return r.status();
  return r->value();
}

}  // namespace conc
