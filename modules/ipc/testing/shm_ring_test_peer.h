// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// testing/shm_ring_test_peer.h: what mp_queue_test needs of ShmRing's insides
// (a producer or consumer that dies at a chosen instant, a handle that never
// spins). Test-only: the target is testonly, and ShmRing befriends only this.

#ifndef MODULES_IPC_TESTING_SHM_RING_TEST_PEER_H_
#define MODULES_IPC_TESTING_SHM_RING_TEST_PEER_H_

#include <string_view>

#include "modules/ipc/internal/shm_ring.h"

namespace conc::mp::internal {

struct ShmRingTestPeer {
  // Starts a put and `_exit(0)`s holding the producer lock at `stage` (see
  // ShmRing::DieDuringPut): what a SIGKILL at that instant would leave.
  [[noreturn]] static void DieDuringPut(ShmRing& ring, std::string_view bytes, int stage) {
    ring.DieDuringPut(bytes, stage);
  }
  // Starts a get and `_exit(0)`s holding the consumer lock at `stage`.
  [[noreturn]] static void DieDuringGet(ShmRing& ring, int stage) { ring.DieDuringGet(stage); }
  // Every blocked call of `ring` sleeps at once: the futex path, every time.
  static void NeverSpin(ShmRing& ring) { ring.NeverSpin(); }
};

}  // namespace conc::mp::internal

#endif  // MODULES_IPC_TESTING_SHM_RING_TEST_PEER_H_
