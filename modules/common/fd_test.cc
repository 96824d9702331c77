// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/fd.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace {

using ::conc::FileDescriptor;

std::span<const std::byte> AsBytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(FileDescriptorTest, DefaultIsEmpty) {
  FileDescriptor fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.get(), -1);
  EXPECT_TRUE(fd.Close().ok());
}

TEST(FileDescriptorTest, DestructorCloses) {
  int raw = -1;
  {
    auto pipe = conc::MakePipe();
    ASSERT_TRUE(pipe.ok()) << pipe.status();
    raw = pipe->first.get();
    EXPECT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(FileDescriptorTest, MoveTransfersOwnership) {
  auto pipe = conc::MakePipe();
  ASSERT_TRUE(pipe.ok());
  const int raw = pipe->first.get();
  FileDescriptor moved(std::move(pipe->first));
  EXPECT_FALSE(pipe->first.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(moved.get(), raw);
  FileDescriptor assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.get(), raw);
  EXPECT_TRUE(IsOpen(raw));
  assigned = std::move(assigned);  // Self-move keeps the descriptor.
  EXPECT_TRUE(IsOpen(raw));
}

TEST(FileDescriptorTest, ReleaseDoesNotClose) {
  auto pipe = conc::MakePipe();
  ASSERT_TRUE(pipe.ok());
  const int raw = pipe->first.release();
  EXPECT_FALSE(pipe->first.valid());
  EXPECT_TRUE(IsOpen(raw));
  FileDescriptor again(raw);  // Closes it at the end of the test.
}

TEST(FileDescriptorTest, ResetClosesTheOldDescriptor) {
  auto pipe = conc::MakePipe();
  ASSERT_TRUE(pipe.ok());
  const int old_fd = pipe->first.get();
  const int new_fd = pipe->second.release();
  pipe->first.reset(new_fd);
  EXPECT_FALSE(IsOpen(old_fd));
  EXPECT_EQ(pipe->first.get(), new_fd);
  pipe->first.reset();
  EXPECT_FALSE(IsOpen(new_fd));
}

TEST(FileDescriptorTest, CloseReportsAndEmpties) {
  auto pipe = conc::MakePipe();
  ASSERT_TRUE(pipe.ok());
  EXPECT_TRUE(pipe->first.Close().ok());
  EXPECT_FALSE(pipe->first.valid());
  EXPECT_TRUE(pipe->first.Close().ok());  // Twice is fine.
}

TEST(MakePipeTest, BothEndsAreCloseOnExec) {
  auto pipe = conc::MakePipe();
  ASSERT_TRUE(pipe.ok());
  EXPECT_TRUE(::fcntl(pipe->first.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(pipe->second.get(), F_GETFD) & FD_CLOEXEC);
}

TEST(ReadWriteFullTest, RoundTripThenEof) {
  auto pipe = conc::MakePipe();
  ASSERT_TRUE(pipe.ok());
  auto& [read_end, write_end] = *pipe;
  ASSERT_TRUE(conc::WriteFull(write_end.get(), AsBytes("hello")).ok());
  write_end.reset();

  std::array<std::byte, 3> first;
  absl::StatusOr<size_t> n = conc::ReadFull(read_end.get(), first);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(std::memcmp(first.data(), "hel", 3), 0);

  std::array<std::byte, 8> rest;
  n = conc::ReadFull(read_end.get(), rest);  // EOF in the middle: short count.
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(std::memcmp(rest.data(), "lo", 2), 0);

  n = conc::ReadFull(read_end.get(), rest);  // EOF before anything: zero.
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST(ReadWriteFullTest, EmptyBufferReadsNothing) {
  absl::StatusOr<size_t> n = conc::ReadFull(-1, {});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  EXPECT_TRUE(conc::WriteFull(-1, {}).ok());
}

TEST(ReadWriteFullTest, LoopsOverShortTransfers) {
  // 1 MiB is many times a pipe's buffer: both loops must go round.
  auto pipe = conc::MakePipe();
  ASSERT_TRUE(pipe.ok());
  std::vector<std::byte> sent(1 << 20);
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = std::byte(i * 7);
  absl::Status write_status;
  std::thread writer([&] {
    write_status = conc::WriteFull(pipe->second.get(), sent);
    pipe->second.reset();
  });
  std::vector<std::byte> got(sent.size() + 1);
  absl::StatusOr<size_t> n = conc::ReadFull(pipe->first.get(), got);
  writer.join();
  ASSERT_TRUE(write_status.ok()) << write_status;
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, sent.size());
  got.resize(*n);
  EXPECT_EQ(got, sent);
}

TEST(ReadWriteFullTest, BadDescriptorIsAnError) {
  std::array<std::byte, 1> buffer;
  EXPECT_TRUE(absl::IsFailedPrecondition(conc::ReadFull(-1, buffer).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(conc::WriteFull(-1, AsBytes("x"))));
}

TEST(ReadWriteFullTest, ClosedReaderIsUnavailableNotSigpipe) {
  conc::IgnoreSigpipe();
  conc::IgnoreSigpipe();  // Idempotent.
  auto pipe = conc::MakePipe();
  ASSERT_TRUE(pipe.ok());
  pipe->first.reset();
  const absl::Status status = conc::WriteFull(pipe->second.get(), AsBytes("x"));
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_EQ(std::string(status.message()), "write: Broken pipe [EPIPE]");
}

TEST(ReadWriteFullTest, NonBlockingWouldBlockIsDeadlineExceeded) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  FileDescriptor a(fds[0]), b(fds[1]);
  std::array<std::byte, 1> buffer;
  EXPECT_TRUE(absl::IsDeadlineExceeded(conc::ReadFull(a.get(), buffer).status()));
}

}  // namespace
