// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// uvloop_streams_echo: uvloop's point (Module 1, "An overview on uvloop and
// trio"): the same asyncio program runs faster on a faster loop, because an
// I/O-bound program spends its time in the loop, not in its own code.
//
// One program, three loops. An echo server and 50 clients doing 64-byte
// ping-pong, all on ONE loop and one thread, for a second (0.2 s with
// --quick); then the requests per second. First on conc's loop (C++), then,
// through /usr/bin/python3, the same program on asyncio's default loop and on
// uvloop (libuv underneath; Debian's python3-uvloop):
//
//   async def echo(reader, writer):             conc::Task<void> echo(conc::StreamReader r,
//       while line := await reader.readline():                            conc::StreamWriter w) {
//           writer.write(line)                    while (line = co_await r.readline(), ...) {
//           await writer.drain()                    w.write(*line); co_await w.drain();
//                                                 }
//   server = await asyncio.start_server(        auto server = co_await conc::start_server(
//       echo, "127.0.0.1", 0)                       echo, "127.0.0.1", 0);
//
// uvloop replaces the loop and its transports with C code (2-4x asyncio's
// rate); conc's loop and streams are C++ all the way, and the coroutines that
// run on it are compiled too. The numbers vary with the machine and its load:
// the lesson shows the ratio, not a promise.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/generators/gather.h"
#include "modules/generators/run.h"
#include "modules/generators/streams.h"
#include "modules/generators/task.h"
#include "modules/profiling/run_command.h"

ABSL_FLAG(bool, quick, false, "Run each loop for 0.2 s instead of 1 s (for the tour and tests).");
ABSL_FLAG(int, connections, 50, "Clients, each doing ping-pong on its own connection.");

conc::Task<void> echo(conc::StreamReader reader, conc::StreamWriter writer) {
  for (;;) {
    absl::StatusOr<std::string> line = co_await reader.readline();
    if (!line.ok() || line->empty()) break;  // an error, or the client closed
    if (!writer.write(*line).ok()) break;
    absl::Status drained = co_await writer.drain();  // (g++ 12 cannot co_await inside ||)
    if (!drained.ok()) break;
  }
  writer.close();
}

conc::Task<int64_t> client(int port, absl::Time deadline) {
  absl::StatusOr<conc::Stream> conn = co_await conc::open_connection("127.0.0.1", port);
  if (!conn.ok()) co_return 0;
  auto& [reader, writer] = *conn;
  const std::string ping = std::string(63, 'x') + "\n";  // 64 bytes
  int64_t n = 0;
  while (absl::Now() < deadline) {
    if (!writer.write(ping).ok()) break;
    absl::StatusOr<std::string> pong = co_await reader.readline();
    if (!pong.ok() || pong->size() != ping.size()) break;
    ++n;
  }
  writer.close();
  co_return n;
}

conc::Task<int64_t> main_task(absl::Duration seconds, int connections) {
  absl::StatusOr<conc::StreamServer> server = co_await conc::start_server(echo, "127.0.0.1", 0);
  conc::CheckOk(server.status(), "start_server");
  const absl::Time deadline = absl::Now() + seconds;
  std::vector<conc::Task<int64_t>> clients;
  for (int i = 0; i < connections; ++i) clients.push_back(client(server->port(), deadline));
  std::vector<int64_t> counts = co_await conc::gather(std::move(clients));
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  server->close();
  co_return total;
}

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "uvloop's point: one echo server and its clients on one loop, requests/s on conc's "
                   "loop, asyncio's and uvloop's (Module 1).");
  const absl::Duration seconds = absl::GetFlag(FLAGS_quick) ? absl::Milliseconds(200) : absl::Seconds(1);
  const int connections = absl::GetFlag(FLAGS_connections);

  conc::Heading(absl::StrCat("one loop, one thread: an echo server and ", connections, " clients"));
  const absl::Time start = absl::Now();
  absl::StatusOr<int64_t> total = conc::run(main_task(seconds, connections), absl::Seconds(60));
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  conc::CheckOk(total.status(), "the C++ echo run");
  const double cpp_rate = static_cast<double>(*total) / elapsed;
  std::printf("conc (C++): %lld requests in %.2f s: %.0f requests/s\n", static_cast<long long>(*total), elapsed,
              cpp_rate);

  conc::Heading("the same program in Python, on asyncio's loop and on uvloop");
  const std::optional<std::string> script = conc::RunfilePath("modules/generators/lessons/uvloop_streams_echo.py");
  if (!script || !conc::HaveProgram("/usr/bin/python3")) {
    std::printf("skipped: /usr/bin/python3 is not installed (tools/setup.sh installs it)\n");
    return 0;
  }
  for (const char* loop : {"asyncio", "uvloop"}) {
    absl::StatusOr<conc::CommandResult> r = conc::RunCommand(
        {"/usr/bin/python3", *script, absl::StrCat("--loop=", loop),
         absl::StrCat("--seconds=", absl::ToDoubleSeconds(seconds)), absl::StrCat("--connections=", connections)},
        absl::Seconds(120));
    if (!r.ok() || r->exit_code != 0) {
      std::printf("%s: did not run (%s); is python3-uvloop installed? (tools/setup.sh)\n", loop,
                  r.ok() ? r->output.c_str() : r.status().ToString().c_str());
      continue;
    }
    std::printf("%s", r->output.c_str());
    double rate = 0;
    const size_t colon = r->output.rfind(": ");
    if (colon != std::string::npos) rate = std::atof(r->output.c_str() + colon + 2);
    if (rate > 0) std::printf("  conc's loop did %.1fx as many requests per second as %s\n", cpp_rate / rate, loop);
  }
  std::printf("the loop is the program: the same coroutines, a faster loop, more requests\n");
  return 0;
}
