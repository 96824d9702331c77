// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// testing/pid_lock_test_peer.h: lets pid_lock_test make any lock word the
// holder (a reused pid, a dead process) without a process to match. Test-only:
// the target is testonly, and PidLock befriends only this.

#ifndef MODULES_IPC_TESTING_PID_LOCK_TEST_PEER_H_
#define MODULES_IPC_TESTING_PID_LOCK_TEST_PEER_H_

#include <cstdint>

#include "modules/ipc/internal/pid_lock.h"

namespace conc::mp::internal {

struct PidLockTestPeer {
  // Makes `word` the holder of `lock`, as if that process had locked it.
  static void SetHolder(PidLock& lock, uint64_t word) { lock.SetHolder(word); }
};

}  // namespace conc::mp::internal

#endif  // MODULES_IPC_TESTING_PID_LOCK_TEST_PEER_H_
