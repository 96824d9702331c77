// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// ThreadSanitizer suppressions for the gRPC tests (linked into the test
// executable itself: TSan only looks for __tsan_default_suppressions there).
//
// The libgrpc++ health service runs on gRPC's callback-request machinery even in
// a synchronous server. Debian's libgrpc++ is not instrumented, so the hand-off
// of a grpc::Server::CallbackRequest between gRPC's threads is invisible to
// TSan, while the request's inline header code (std::function members built on
// one thread, destroyed on another) is instrumented in our binary: every health
// Check would report a race. Suppressed: stacks through CallbackRequest, the
// health service itself, and the callback handler of byte-buffer (generic)
// unary methods, which is how libgrpc++ registers Check; the work queue's
// services use typed messages, so the synchronous handlers, the client and the
// core run on other stacks and stay checked.

extern "C" const char* __tsan_default_suppressions() {
  return "race:grpc::Server::CallbackRequest\n"
         "race:grpc::DefaultHealthCheckService\n"
         "race:grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>\n";
}
