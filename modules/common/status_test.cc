// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/status.h"

#include <cerrno>
#include <string>

#include "gtest/gtest.h"

namespace {

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// The table of docs/DESIGN.md (and modules/common/README.md), row by row.
TEST(StatusTest, PythonExceptionsMapToTheDesignTable) {
  EXPECT_EQ(conc::EmptyError("e").code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(conc::FullError("f").code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(conc::ShutDownError("s").code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(conc::EofError("EOF").code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(conc::IndexError("i").code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(conc::DataLossError("d").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(conc::BrokenError("b").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(conc::OwnerDiedError("o").code(), absl::StatusCode::kAborted);
  EXPECT_EQ(conc::BufferTooShortError("t", "x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(conc::BrokenPipeError("p").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(conc::MisuseError("m").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(conc::ValueError("v").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(conc::EmptyError("queue is empty")), "queue is empty");
}

TEST(StatusTest, OwnerDiedCarriesItsPayload) {
  const absl::Status died = conc::OwnerDiedError("lock owner died");
  EXPECT_TRUE(conc::IsOwnerDied(died));
  EXPECT_FALSE(conc::IsOwnerDied(conc::BrokenError("barrier broken")));
  EXPECT_FALSE(conc::IsOwnerDied(absl::OkStatus()));
}

TEST(StatusTest, BufferTooShortCarriesTheWholeMessage) {
  const std::string bytes("a\0b-message", 11);
  const absl::Status status = conc::BufferTooShortError("too short", bytes);
  EXPECT_EQ(conc::BufferTooShortMessage(status), bytes);
  EXPECT_FALSE(conc::BufferTooShortMessage(absl::ResourceExhaustedError("oom")).has_value());
  EXPECT_FALSE(conc::BufferTooShortMessage(absl::OkStatus()).has_value());
}

TEST(StatusTest, ErrnoToStatusMapsPeerGoneToUnavailable) {
  for (int err : {EPIPE, ECONNRESET, ECONNABORTED, ECONNREFUSED, ENOTCONN, ESHUTDOWN}) {
    EXPECT_TRUE(absl::IsUnavailable(conc::ErrnoToStatus(err, "write"))) << err;
  }
}

TEST(StatusTest, ErrnoToStatusMapsWouldBlockToDeadlineExceeded) {
  EXPECT_TRUE(absl::IsDeadlineExceeded(conc::ErrnoToStatus(EAGAIN, "read")));
  EXPECT_TRUE(absl::IsDeadlineExceeded(conc::ErrnoToStatus(EWOULDBLOCK, "read")));
  EXPECT_TRUE(absl::IsDeadlineExceeded(conc::ErrnoToStatus(ETIMEDOUT, "connect")));
  EXPECT_TRUE(absl::IsAborted(conc::ErrnoToStatus(EINTR, "read")));
}

TEST(StatusTest, ErrnoToStatusFallsBackToAbseil) {
  EXPECT_TRUE(absl::IsFailedPrecondition(conc::ErrnoToStatus(EBADF, "read")));
  EXPECT_TRUE(absl::IsInvalidArgument(conc::ErrnoToStatus(EINVAL, "read")));
  EXPECT_TRUE(absl::IsResourceExhausted(conc::ErrnoToStatus(EMFILE, "pipe2")));
  EXPECT_FALSE(conc::ErrnoToStatus(12345, "odd").ok());
}

TEST(StatusTest, ErrnoMessageNamesCallDescriptionAndErrno) {
  EXPECT_EQ(Message(conc::ErrnoToStatus(EPIPE, "write")), "write: Broken pipe [EPIPE]");
  EXPECT_EQ(Message(conc::ErrnoToStatus(12345, "odd")), "odd: Unknown error [errno 12345]");
}

}  // namespace
