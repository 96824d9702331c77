// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/framed.h"

#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "modules/common/fd.h"
#include "modules/common/status.h"

namespace {

using ::conc::FileDescriptor;
using ::conc::FrameReader;
using ::conc::FrameWriter;

struct Pipe {
  FileDescriptor read_end;
  FileDescriptor write_end;
};

Pipe MakePipeOrDie() {
  auto pipe = conc::MakePipe();
  EXPECT_TRUE(pipe.ok()) << pipe.status();
  return Pipe{std::move(pipe->first), std::move(pipe->second)};
}

std::string Le64(uint64_t value) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &value, 8);
  return out;
}

void WriteRaw(int fd, std::string_view bytes) {
  ASSERT_TRUE(conc::WriteFull(fd, std::as_bytes(std::span(bytes.data(), bytes.size()))).ok());
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(FramedTest, FrameIsLengthThenPayload) {
  Pipe pipe = MakePipeOrDie();
  FrameWriter writer(pipe.write_end.get());
  ASSERT_TRUE(writer.Write("abc").ok());
  pipe.write_end.reset();
  std::string raw(16, '\0');
  absl::StatusOr<size_t> n =
      conc::ReadFull(pipe.read_end.get(), std::as_writable_bytes(std::span(raw)));
  ASSERT_TRUE(n.ok());
  raw.resize(*n);
  EXPECT_EQ(raw, Le64(3) + "abc");
}

TEST(FramedTest, FramesRoundTripThenEof) {
  Pipe pipe = MakePipeOrDie();
  FrameWriter writer(pipe.write_end.get());
  ASSERT_TRUE(writer.Write("first").ok());
  ASSERT_TRUE(writer.Write("").ok());  // Empty frames are frames.
  ASSERT_TRUE(writer.Write(std::string("nul\0byte", 8)).ok());
  pipe.write_end.reset();

  FrameReader reader(pipe.read_end.get());
  EXPECT_EQ(reader.Read().value(), "first");
  EXPECT_EQ(reader.Read().value(), "");
  EXPECT_EQ(reader.Read().value(), std::string("nul\0byte", 8));
  absl::StatusOr<std::string> eof = reader.Read();
  EXPECT_TRUE(absl::IsOutOfRange(eof.status())) << eof.status();
  EXPECT_EQ(Message(eof.status()), "EOF");
  EXPECT_FALSE(reader.broken());  // EOF between frames is clean.
  EXPECT_TRUE(absl::IsOutOfRange(reader.Read().status()));
}

TEST(FramedTest, TruncatedHeaderIsDataLoss) {
  Pipe pipe = MakePipeOrDie();
  WriteRaw(pipe.write_end.get(), Le64(5).substr(0, 3));
  pipe.write_end.reset();
  FrameReader reader(pipe.read_end.get());
  absl::StatusOr<std::string> frame = reader.Read();
  EXPECT_TRUE(absl::IsDataLoss(frame.status())) << frame.status();
  EXPECT_EQ(Message(frame.status()), "truncated frame header: got 3 of 8 bytes");
  EXPECT_TRUE(reader.broken());
  EXPECT_EQ(reader.Read().status(), frame.status());  // Sticky.
}

TEST(FramedTest, WriterThatDiesMidPayloadIsDataLoss) {
  Pipe pipe = MakePipeOrDie();
  WriteRaw(pipe.write_end.get(), Le64(10) + "half!");
  pipe.write_end.reset();
  FrameReader reader(pipe.read_end.get());
  absl::StatusOr<std::string> frame = reader.Read();
  EXPECT_TRUE(absl::IsDataLoss(frame.status())) << frame.status();
  EXPECT_EQ(Message(frame.status()), "truncated frame: header says 10 bytes, got 5");
  EXPECT_TRUE(reader.broken());
  EXPECT_TRUE(absl::IsDataLoss(reader.ReadHeader().status()));
}

TEST(FramedTest, LyingHugeHeaderDoesNotAllocateItsSize) {
  // Announces the maximum (1 GiB) but sends 3 bytes: the reader grows its
  // buffer with the bytes that arrive, so this is cheap, and DataLoss.
  Pipe pipe = MakePipeOrDie();
  WriteRaw(pipe.write_end.get(), Le64(conc::kDefaultMaxFrameSize) + "abc");
  pipe.write_end.reset();
  FrameReader reader(pipe.read_end.get());
  absl::StatusOr<std::string> frame = reader.Read();
  EXPECT_TRUE(absl::IsDataLoss(frame.status())) << frame.status();
  EXPECT_EQ(Message(frame.status()), "truncated frame: header says 1073741824 bytes, got 3");
}

TEST(FramedTest, OversizedHeaderIsRefusedBeforeThePayload) {
  Pipe pipe = MakePipeOrDie();
  // The payload bytes are there, but the reader must not read them.
  WriteRaw(pipe.write_end.get(), Le64(100) + std::string(100, 'x'));
  FrameReader reader(pipe.read_end.get(), /*max_frame_size=*/64);
  absl::StatusOr<std::string> frame = reader.Read();
  EXPECT_TRUE(absl::IsInvalidArgument(frame.status())) << frame.status();
  EXPECT_EQ(Message(frame.status()), "frame of 100 bytes exceeds the limit of 64 bytes");
  EXPECT_TRUE(reader.broken());
  EXPECT_EQ(reader.Read().status(), frame.status());
  // The payload is still in the pipe, unread.
  std::string rest(100, '\0');
  absl::StatusOr<size_t> n =
      conc::ReadFull(pipe.read_end.get(), std::as_writable_bytes(std::span(rest)));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 100u);
}

TEST(FramedTest, MaxFrameSizeItselfIsAccepted) {
  Pipe pipe = MakePipeOrDie();
  FrameWriter writer(pipe.write_end.get());
  ASSERT_TRUE(writer.Write(std::string(64, 'm')).ok());
  FrameReader reader(pipe.read_end.get(), /*max_frame_size=*/64);
  EXPECT_EQ(reader.Read().value(), std::string(64, 'm'));
}

TEST(FramedTest, ClosedReaderIsUnavailableNotSigpipe) {
  Pipe pipe = MakePipeOrDie();
  FrameWriter writer(pipe.write_end.get());  // Ignores SIGPIPE.
  pipe.read_end.reset();
  const absl::Status status = writer.Write("nobody listens");
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_TRUE(writer.broken());
  EXPECT_EQ(writer.WriteMessage(1), status);  // Sticky.
}

TEST(FramedTest, ReadHeaderThenPayloadIntoCallerBuffer) {
  Pipe pipe = MakePipeOrDie();
  FrameWriter writer(pipe.write_end.get());
  ASSERT_TRUE(writer.Write("payload").ok());
  ASSERT_TRUE(writer.Write("next").ok());
  FrameReader reader(pipe.read_end.get());

  absl::StatusOr<uint64_t> length = reader.ReadHeader();
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 7u);
  // A second header with a payload pending is misuse, and harmless.
  EXPECT_TRUE(absl::IsFailedPrecondition(reader.ReadHeader().status()));
  std::array<std::byte, 16> buffer;
  // The buffer must match the pending length exactly.
  EXPECT_TRUE(absl::IsFailedPrecondition(reader.ReadPayload(buffer)));
  ASSERT_TRUE(reader.ReadPayload(std::span(buffer).first(*length)).ok());
  EXPECT_EQ(std::memcmp(buffer.data(), "payload", 7), 0);
  EXPECT_FALSE(reader.broken());
  // Payload without a header is misuse.
  EXPECT_TRUE(absl::IsFailedPrecondition(reader.ReadPayload().status()));
  EXPECT_EQ(reader.Read().value(), "next");
}

TEST(FramedTest, ReadIntoTooSmallBufferIsBufferTooShortWithTheMessage) {
  Pipe pipe = MakePipeOrDie();
  FrameWriter writer(pipe.write_end.get());
  ASSERT_TRUE(writer.Write("0123456789").ok());
  ASSERT_TRUE(writer.Write("fits").ok());
  FrameReader reader(pipe.read_end.get());

  std::array<std::byte, 4> small;
  absl::StatusOr<size_t> n = reader.ReadInto(small);
  EXPECT_TRUE(absl::IsResourceExhausted(n.status())) << n.status();
  EXPECT_EQ(conc::BufferTooShortMessage(n.status()), "0123456789");
  // As in Python, the message was consumed; the next one is intact.
  n = reader.ReadInto(small);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(std::memcmp(small.data(), "fits", 4), 0);
}

struct Job {
  int64_t id = 0;
  std::string name;
  std::vector<double> args;
  CONC_CODEC_FIELDS(id, name, args);
  bool operator==(const Job&) const = default;
};

TEST(FramedTest, MessagesRoundTrip) {
  Pipe pipe = MakePipeOrDie();
  FrameWriter writer(pipe.write_end.get());
  ASSERT_TRUE(writer.WriteMessage(Job{1, "fib", {30}}).ok());
  ASSERT_TRUE(writer.WriteMessage(std::map<std::string, int>{{"a", 1}}).ok());
  ASSERT_TRUE(writer.WriteMessage(int32_t{7}).ok());
  ASSERT_TRUE(writer.Write("x").ok());
  FrameReader reader(pipe.read_end.get());
  EXPECT_EQ(reader.ReadMessage<Job>().value(), (Job{1, "fib", {30}}));
  EXPECT_EQ((reader.ReadMessage<std::map<std::string, int>>().value()),
            (std::map<std::string, int>{{"a", 1}}));
  // The wrong type: a decode error, but the stream stays usable.
  absl::StatusOr<int64_t> wrong = reader.ReadMessage<int64_t>();
  EXPECT_TRUE(absl::IsDataLoss(wrong.status())) << wrong.status();
  EXPECT_FALSE(reader.broken());
  EXPECT_EQ(reader.Read().value(), "x");
}

TEST(FramedTest, LargeMessageThroughAPipeWithAWriterThread) {
  // 3 MiB exceeds the reader's first chunk (1 MiB): the payload buffer grows.
  Pipe pipe = MakePipeOrDie();
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i % 251);
  absl::Status write_status;
  std::thread writer_thread([&] {
    FrameWriter writer(pipe.write_end.get());
    write_status = writer.Write(big);
  });
  FrameReader reader(pipe.read_end.get());
  absl::StatusOr<std::string> got = reader.Read();
  writer_thread.join();
  ASSERT_TRUE(write_status.ok()) << write_status;
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(*got == big);
}

TEST(FramedTest, ManyInterleavedFramesWithAWriterThread) {
  // Frames of varied sizes, some larger than the pipe buffer, written by one
  // thread while another reads. No sleeps: the reader blocks on read(2), and
  // the writer's close gives it EOF, so every wait ends.
  constexpr int kFrames = 2000;
  Pipe pipe = MakePipeOrDie();
  absl::Status write_status;
  std::thread writer_thread([&] {
    FrameWriter writer(pipe.write_end.get());
    for (int i = 0; i < kFrames && write_status.ok(); ++i) {
      if (i % 2 == 0) {
        write_status = writer.Write(std::string((i * 37) % 70000, char('a' + i % 26)));
      } else {
        write_status = writer.WriteMessage(Job{i, "job", std::vector<double>(i % 50, i)});
      }
    }
    pipe.write_end.reset();  // EOF for the reader, even after an error.
  });

  int received = 0;
  [&] {
    FrameReader reader(pipe.read_end.get());
    for (int i = 0; i < kFrames; ++i) {
      if (i % 2 == 0) {
        absl::StatusOr<std::string> frame = reader.Read();
        ASSERT_TRUE(frame.ok()) << i << ": " << frame.status();
        ASSERT_EQ(*frame, std::string((i * 37) % 70000, char('a' + i % 26))) << i;
      } else {
        absl::StatusOr<Job> job = reader.ReadMessage<Job>();
        ASSERT_TRUE(job.ok()) << i << ": " << job.status();
        ASSERT_EQ(*job, (Job{i, "job", std::vector<double>(i % 50, i)})) << i;
      }
      ++received;
    }
    EXPECT_TRUE(absl::IsOutOfRange(reader.Read().status()));
  }();
  // Closing the read end unblocks the writer (EPIPE) if the reader stopped
  // early on a failure, so the join below is bounded either way.
  pipe.read_end.reset();
  writer_thread.join();
  EXPECT_TRUE(write_status.ok()) << write_status;
  EXPECT_EQ(received, kFrames);
}

}  // namespace
