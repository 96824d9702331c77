// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// ThreadSanitizer suppressions for Debian's gRPC, which is not instrumented.
// //third_party:grpcpp links this file into every binary that uses gRPC when
// it is built with --config=tsan (TSan only looks for
// __tsan_default_suppressions in the executable itself, hence alwayslink).
// Each line hides reports that are about gRPC's own code; our threads, locks
// and the memory our code touches stay checked.
//
// race: the libgrpc++ health service runs on gRPC's callback-request machinery
// even in a synchronous server. The hand-off of a grpc::Server::CallbackRequest
// between gRPC's threads happens inside the uninstrumented library, while the
// request's inline header code (std::function members built on one thread,
// destroyed on another) is instrumented in our binary: every health Check would
// report a race. Suppressed: stacks through CallbackRequest, the health service
// itself, and the callback handler of byte-buffer (generic) unary methods, which
// is how libgrpc++ registers Check. The work queue's services use typed
// messages, so the synchronous handlers, the client and the core run on other
// stacks and stay checked.
//
// thread: gRPC joins its executor, resolver and timer threads in
// grpc_shutdown, which it runs on a detached thread of its own when the last
// gRPC object dies on one of gRPC's threads. Under load that join can still be
// pending when main returns, and TSan reports a "thread leak" of a finished
// gRPC thread after every test has passed (CI saw it in grpc_echo_test; a busy
// loop beside 150 runs showed it in 6). Suppressed: leaked threads whose
// creation stack passes through grpc_core::Thread::Thread. A thread our code
// starts and forgets to join is created from our frames, and is still reported.

extern "C" const char* __tsan_default_suppressions() {
  return "race:grpc::Server::CallbackRequest\n"
         "race:grpc::DefaultHealthCheckService\n"
         "race:grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>\n"
         "thread:grpc_core::Thread::Thread\n";
}
