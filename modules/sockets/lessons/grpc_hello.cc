// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// grpc_hello: one unary call, the "hello world" of gRPC, on the chapter's work
// queue. A server on 127.0.0.1:0 in this process, a channel, a stub, and one
// call with a deadline: the shape of gRPC's examples/cpp/helloworld.
//
//   server = grpc.server(futures.ThreadPoolExecutor())
//   add_WorkQueueServicer_to_server(WorkQueue(), server)
//   port = server.add_insecure_port("127.0.0.1:0"); server.start()
//   stub = WorkQueueStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
//   reply = stub.Submit(SubmitRequest(spec=TaskSpec(kind=SUM_OF_SQUARES, n=10)), timeout=5)

#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "modules/common/lesson.h"
#include "modules/sockets/grpc_call.h"
#include "modules/sockets/grpc_status.h"
#include "modules/sockets/work_queue.grpc.pb.h"
#include "modules/sockets/work_queue_server.h"

ABSL_FLAG(bool, quick, false, "Accepted for the tour; the lesson is quick anyway.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "One unary gRPC call to the work queue, with a deadline (Module 4).");

  conc::Heading("server = grpc.server(...); server.add_insecure_port('127.0.0.1:0'); server.start()");
  std::unique_ptr<conc::WorkQueueServer> server =
      conc::ValueOrDie(conc::WorkQueueServer::Start({.address = "127.0.0.1:0"}), "WorkQueueServer::Start");
  std::printf("server listening on 127.0.0.1, port %d chosen by the kernel\n", server->port());

  conc::Heading("stub = WorkQueueStub(grpc.insecure_channel(target))");
  // A channel is a (lazy) HTTP/2 connection; a stub is the typed face of it.
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(server->target(), grpc::InsecureChannelCredentials());
  std::unique_ptr<conc::sockets::WorkQueue::Stub> stub = conc::sockets::WorkQueue::NewStub(channel);

  conc::Heading("reply = stub.Submit(SubmitRequest(spec=...), timeout=5)");
  conc::sockets::SubmitRequest request;
  request.mutable_spec()->set_kind(conc::sockets::SUM_OF_SQUARES);
  request.mutable_spec()->set_n(10);
  conc::sockets::SubmitReply reply;
  grpc::ClientContext context;               // one per call: its deadline, metadata, cancel
  conc::SetCallTimeout(context, absl::Seconds(5));
  grpc::Status status = stub->Submit(&context, request, &reply);  // the call itself
  conc::CheckOk(conc::FromGrpcStatus(status), "stub.Submit");
  std::printf("Submit(SUM_OF_SQUARES, n=10) -> task %lld\n", static_cast<long long>(reply.task_id()));

  conc::Heading("stub.Status(TaskRef(task_id=...)) until DONE");
  conc::sockets::TaskStatus task;
  for (int i = 0; i < 1000 && task.state() != conc::sockets::DONE; ++i) {
    grpc::ClientContext poll;
    conc::SetCallTimeout(poll, absl::Seconds(5));
    conc::sockets::TaskRef ref;
    ref.set_task_id(reply.task_id());
    conc::CheckOk(conc::FromGrpcStatus(stub->Status(&poll, ref, &task)), "stub.Status");
    if (task.state() != conc::sockets::DONE) absl::SleepFor(absl::Milliseconds(5));
  }
  std::printf("Status(%lld) -> %s, result %lld\n", static_cast<long long>(reply.task_id()),
              conc::sockets::TaskState_Name(task.state()).c_str(), static_cast<long long>(task.result()));

  conc::Heading("an error is a status, not an exception (grpc.RpcError in Python)");
  grpc::ClientContext unknown;
  conc::SetCallTimeout(unknown, absl::Seconds(5));
  conc::sockets::TaskRef ref;
  ref.set_task_id(42);
  std::printf("Status(42) -> %s\n",
              conc::FromGrpcStatus(stub->Status(&unknown, ref, &task)).ToString().c_str());

  server->Shutdown(absl::Seconds(1));
  return 0;
}
