// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pipe_bytes: raw bytes through a Pipe (the article: "If you want to send raw
// bytes as data you can use send_bytes ... recv_bytes_into(buffer)"), and
// poll(timeout) to see whether anything is waiting. A buffer too small for
// the message is Python's BufferTooShort: ResourceExhausted, with the whole
// message attached (it has been consumed).

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/common/status.h"
#include "modules/ipc/pipe.h"

// "RESOURCE_EXHAUSTED: message", without the attached payload ToString adds.
std::string Describe(const absl::Status& s) {
  return std::string(absl::StatusCodeToString(s.code())) + ": " + std::string(s.message());
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "send_bytes, recv_bytes, recv_bytes_into, poll, BufferTooShort.");
  auto [a, b] = conc::ValueOrDie(conc::Pipe(), "Pipe()");

  conc::Heading("poll(timeout)");
  std::printf("b.poll() with nothing sent: %s\n", b.poll() ? "true" : "false");
  std::printf("b.poll(0.1s) with nothing sent: %s\n",
              b.poll(absl::Milliseconds(100)) ? "true" : "false");

  conc::Heading("send_bytes(buf, offset, size) and recv_bytes()");
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz";
  const auto bytes = std::as_bytes(std::span(alphabet.data(), alphabet.size()));
  conc::CheckOk(a.send_bytes(bytes), "a.send_bytes(buf)");
  conc::CheckOk(a.send_bytes(bytes, 10, 5), "a.send_bytes(buf, 10, 5)");
  std::printf("b.poll() after send_bytes: %s\n", b.poll() ? "true" : "false");
  std::printf("b.recv_bytes() -> %s\n", conc::ValueOrDie(b.recv_bytes(), "b.recv_bytes()").c_str());
  std::printf("b.recv_bytes() -> %s   (offset=10, size=5)\n",
              conc::ValueOrDie(b.recv_bytes(), "b.recv_bytes()").c_str());
  std::printf("a.send_bytes(buf, 30): %s\n", a.send_bytes(bytes, 30).ToString().c_str());

  conc::Heading("recv_bytes_into(buffer, offset)");
  std::vector<std::byte> buffer(16, std::byte{'.'});
  conc::CheckOk(a.send_bytes("hello"), "a.send_bytes(b'hello')");
  const size_t n = conc::ValueOrDie(b.recv_bytes_into(buffer, 4), "b.recv_bytes_into(buffer, 4)");
  std::printf("recv_bytes_into(buffer of 16, offset=4) -> %zu; buffer = %.*s\n", n, 16,
              reinterpret_cast<const char*>(buffer.data()));

  conc::Heading("BufferTooShort");
  conc::CheckOk(a.send_bytes(alphabet), "a.send_bytes(alphabet)");
  absl::StatusOr<size_t> too_short = b.recv_bytes_into(buffer);  // 26 bytes into 16.
  std::printf("recv_bytes_into(buffer of 16): %s\n", Describe(too_short.status()).c_str());
  if (std::optional<std::string> message = conc::BufferTooShortMessage(too_short.status())) {
    std::printf("the message travels with the error: %s\n", message->c_str());
  }
  std::printf("b.poll() afterwards: %s   (it was consumed)\n", b.poll() ? "true" : "false");
  return 0;
}
