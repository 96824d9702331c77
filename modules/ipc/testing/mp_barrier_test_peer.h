// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// testing/mp_barrier_test_peer.h: what mp_barrier_test needs to simulate a
// process that dies holding the barrier's internal lock. Not for other uses.

#ifndef MODULES_IPC_TESTING_MP_BARRIER_TEST_PEER_H_
#define MODULES_IPC_TESTING_MP_BARRIER_TEST_PEER_H_

#include "absl/status/status.h"
#include "modules/ipc/mp_barrier.h"

namespace conc::mp::internal {

struct BarrierTestPeer {
  // Takes the barrier's state lock and keeps it (the caller is meant to die).
  static absl::Status LockState(const Barrier& barrier) { return barrier.Lock(); }
};

}  // namespace conc::mp::internal

#endif  // MODULES_IPC_TESTING_MP_BARRIER_TEST_PEER_H_
