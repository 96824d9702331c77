// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// conc::Manager's proxy calls: one dict get per round trip, against a batch of
// 100 gets in one round trip (get_many), and the floor under both: an empty
// Execute (the transport's own per-call cost, no object work). Each over the
// same-host socket (the default for a client on the manager's host) and over
// gRPC (forced: the remote path, and what every call used before the
// same-host socket existed).
//
//   BM_ManagerDictGet                d.get("key"), one client, the same-host socket
//   BM_ManagerDictGet_Grpc           the same over gRPC (local abstract Unix socket)
//   BM_ManagerDictGet_Tcp            the same over gRPC on TCP 127.0.0.1
//   BM_ManagerDictGetMany_100        get_many of 100 keys; time per item (items_per_second)
//   BM_ManagerDictGetMany_100_Grpc   the same over gRPC
//   BM_ManagerEmptyCall              an Execute with no ops: the per-call floor
//   BM_ManagerEmptyCall_Grpc         the same over gRPC
//   BM_RawSocketpairRoundTrip     64 bytes to a forked echo process and back over
//                                 a socketpair, blocking reads: the floor of any
//                                 request/reply protocol between two processes
//                                 (CPython's manager is such a protocol)
//
// Peer: tools/peers/ipc_manager_peer.py (multiprocessing.Manager().dict()).
// main() is //modules/threads/benchmarks:process_benchmark_main (spawned children go
// through conc::ProcessMain first).

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "modules/ipc/manager.h"
#include "modules/threads/process.h"

namespace {

// One manager per transport for the whole run, started on first use.
conc::Manager& LocalManager() {
  static conc::Manager* m = [] {
    auto* manager = new conc::Manager();
    if (!manager->start().ok()) std::abort();
    return manager;
  }();
  return *m;
}

conc::Manager& GrpcManager() {
  static conc::Manager* m = [] {
    auto* manager = new conc::Manager({.transport = conc::ManagerTransport::kGrpc});
    if (!manager->start().ok()) std::abort();
    return manager;
  }();
  return *m;
}

conc::Manager& TcpManager() {
  static conc::Manager* m = [] {
    auto* manager =
        new conc::Manager({.address = "127.0.0.1:0", .transport = conc::ManagerTransport::kGrpc});
    if (!manager->start().ok()) std::abort();
    return manager;
  }();
  return *m;
}

void DictGet(benchmark::State& state, conc::Manager& m) {
  auto d = m.dict<std::string, int>();
  if (!d.ok() || !d->set("key", 42).ok()) {
    state.SkipWithError("manager dict failed");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<int> v = d->get("key");
    if (!v.ok()) {
      state.SkipWithError("get failed");
      break;
    }
    benchmark::DoNotOptimize(*v);
  }
}

void BM_ManagerDictGet(benchmark::State& state) { DictGet(state, LocalManager()); }
BENCHMARK(BM_ManagerDictGet)->UseRealTime();

void BM_ManagerDictGet_Grpc(benchmark::State& state) { DictGet(state, GrpcManager()); }
BENCHMARK(BM_ManagerDictGet_Grpc)->UseRealTime();

void BM_ManagerDictGet_Tcp(benchmark::State& state) { DictGet(state, TcpManager()); }
BENCHMARK(BM_ManagerDictGet_Tcp)->UseRealTime();

void DictGetMany100(benchmark::State& state, conc::Manager& m) {
  auto d = m.dict<std::string, int>();
  std::vector<std::pair<std::string, int>> items;
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) {
    items.emplace_back("key" + std::to_string(i), i);
    keys.push_back("key" + std::to_string(i));
  }
  if (!d.ok() || !d->update(items).ok()) {
    state.SkipWithError("manager dict failed");
    return;
  }
  for (auto _ : state) {
    auto v = d->get_many(keys);
    if (!v.ok()) {
      state.SkipWithError("get_many failed");
      break;
    }
    benchmark::DoNotOptimize(v->data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}

void BM_ManagerDictGetMany_100(benchmark::State& state) { DictGetMany100(state, LocalManager()); }
BENCHMARK(BM_ManagerDictGetMany_100)->UseRealTime();

void BM_ManagerDictGetMany_100_Grpc(benchmark::State& state) {
  DictGetMany100(state, GrpcManager());
}
BENCHMARK(BM_ManagerDictGetMany_100_Grpc)->UseRealTime();

void EmptyCall(benchmark::State& state, conc::Manager& m) {
  std::shared_ptr<conc::internal::ManagerClient> client = m.client();
  for (auto _ : state) {
    auto r = client->Execute({});
    if (!r.ok()) {
      state.SkipWithError("Execute failed");
      break;
    }
  }
}

void BM_ManagerEmptyCall(benchmark::State& state) { EmptyCall(state, LocalManager()); }
BENCHMARK(BM_ManagerEmptyCall)->UseRealTime();

void BM_ManagerEmptyCall_Grpc(benchmark::State& state) { EmptyCall(state, GrpcManager()); }
BENCHMARK(BM_ManagerEmptyCall_Grpc)->UseRealTime();

bool Transfer(int fd, char* buf, size_t n, bool write) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = write ? ::write(fd, buf + done, n - done) : ::read(fd, buf + done, n - done);
    if (r <= 0) return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

void BM_RawSocketpairRoundTrip(benchmark::State& state) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return state.SkipWithError("socketpair failed");
  }
  const pid_t child = ::fork();
  if (child < 0) return state.SkipWithError("fork failed");
  if (child == 0) {
    // The echo server: only async-signal-safe calls after the fork (this
    // process may have gRPC threads).
    ::close(fds[0]);
    char buf[64];
    while (Transfer(fds[1], buf, sizeof buf, false) && Transfer(fds[1], buf, sizeof buf, true)) {
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  char buf[64] = {};
  for (auto _ : state) {
    if (!Transfer(fds[0], buf, sizeof buf, true) || !Transfer(fds[0], buf, sizeof buf, false)) {
      state.SkipWithError("echo failed");
      break;
    }
  }
  ::close(fds[0]);  // EOF: the child exits.
  int status = 0;
  ::waitpid(child, &status, 0);
}
BENCHMARK(BM_RawSocketpairRoundTrip)->UseRealTime();

}  // namespace
