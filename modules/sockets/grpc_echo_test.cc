// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The gRPC smoke test: a server on 127.0.0.1 with a kernel-chosen port and a
// client in one process, one RPC with a deadline. It proves that the generated
// code links against Debian's gRPC and that a call completes.

#include <chrono>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "modules/sockets/echo.grpc.pb.h"

namespace conc::sockets {
namespace {

// The service: the whole server-side logic of the echo.
class EchoService final : public Echo::Service {
  grpc::Status Say(grpc::ServerContext*, const EchoRequest* request,
                   EchoReply* reply) override {
    reply->set_message(request->message());
    return grpc::Status::OK;
  }
};

// Starts a server on 127.0.0.1:0 and records the port the kernel picked.
class EchoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = Echo::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  // Deadlines are generous: the CI machine is a loaded 2-core VM, and a
  // sanitizer build is several times slower. A hang still fails the test.
  static std::chrono::system_clock::time_point Deadline() {
    return std::chrono::system_clock::now() + std::chrono::seconds(30);
  }

  EchoService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Echo::Stub> stub_;
};

TEST_F(EchoTest, SayReturnsTheMessage) {
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  EchoRequest request;
  request.set_message("Hello, world");
  EchoReply reply;

  // The actual RPC.
  grpc::Status status = stub_->Say(&context, request, &reply);

  // Act upon its status.
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.message(), "Hello, world");
}

TEST_F(EchoTest, CallToAStoppedServerFailsWithinItsDeadline) {
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  EchoRequest request;
  request.set_message("anyone there?");
  EchoReply reply;
  grpc::Status status = stub_->Say(&context, request, &reply);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
              status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_code() << ": " << status.error_message();
}

}  // namespace
}  // namespace conc::sockets
