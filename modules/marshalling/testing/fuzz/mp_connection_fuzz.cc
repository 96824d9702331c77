// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// libFuzzer target: the multiprocessing.connection reader on arbitrary bytes
// from the peer: the authkey handshake from both sides (answer_challenge,
// deliver_challenge), then messages read as pickles until the stream fails.
// It must never crash, hang, or allocate for a length that does not arrive.
//
//   tools/fuzz.sh mp_connection 60
//   bazel test //modules/marshalling:mp_connection_fuzz_replay_test

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "modules/common/fd.h"
#include "modules/marshalling/mp_connection.h"

namespace {

// A connection that reads `data` (from a memfd) and writes to /dev/null.
conc::PyConnection Over(const uint8_t* data, size_t size) {
  conc::FileDescriptor in(::memfd_create("mp_connection_fuzz", MFD_CLOEXEC));
  conc::FileDescriptor out(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (in.get() < 0 || out.get() < 0) std::abort();
  if (size > 0 && ::write(in.get(), data, size) != static_cast<ssize_t>(size)) std::abort();
  ::lseek(in.get(), 0, SEEK_SET);
  return conc::PyConnection(std::move(in), std::move(out), /*max_message_size=*/1 << 20);
}

void ReadMessages(conc::PyConnection& conn) {
  conc::PickleLimits limits;
  limits.max_values = 1 << 16;
  for (int k = 0; k < 100; ++k) {
    absl::StatusOr<conc::PyValue> v = conn.recv(limits);
    if (!v.ok() && conn.closed()) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    conc::PyConnection conn = Over(data, size);
    // The client's side: the peer sends a challenge, then WELCOME or FAILURE.
    if (conc::answer_challenge(conn, "fuzz key").ok()) ReadMessages(conn);
  }
  {
    conc::PyConnection conn = Over(data, size);
    // The listener's side: a random challenge goes out, the peer's digest comes
    // in (never the right one here), then the messages anyway.
    (void)conc::deliver_challenge(conn, "fuzz key");
    if (!conn.closed()) ReadMessages(conn);
  }
  {
    conc::PyConnection conn = Over(data, size);
    ReadMessages(conn);
  }
  return 0;
}
