// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// server_model: the notes' "Techniques for handling concurrent connections"
// cells, one model per lesson (server_iterative, server_thread, server_pool,
// server_reactor, server_reuseport, server_coroutine, server_coroutine_reuseport;
// --model picks it): the same line protocol
// served to a few clients at once, then the server's counters.
//
//   iterative  socketserver.TCPServer                (one client at a time)
//   thread     socketserver.ThreadingTCPServer       (a thread per client)
//   pool       ThreadPoolExecutor().submit(handle, conn)
//   reactor    selectors.DefaultSelector() loop      (one thread, epoll)
//   reuseport  one loop per CPU on one port          (what asyncio cannot)
//   coroutine  asyncio.start_server(handle, ...)      (a coroutine per client)
//   coroutine_reuseport  one event loop per CPU        (asyncio cannot either)

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/line_protocol.h"
#include "modules/sockets/server.h"
#include "modules/sockets/socket.h"

ABSL_FLAG(bool, quick, false, "Fewer clients, for the tour and the tests.");
ABSL_FLAG(std::string, model, "reactor", "iterative, thread, pool, reactor, reuseport, coroutine or coroutine_reuseport.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "One server model serving a few clients at once, then its counters (Module 4).");
  const conc::ServerModel model = conc::ValueOrDie(conc::ParseServerModel(absl::GetFlag(FLAGS_model)), "--model");
  const int clients = absl::GetFlag(FLAGS_quick) ? 4 : 16;

  conc::Heading(absl::StrCat("the ", std::string(conc::ServerModelName(model)), " server"));
  std::unique_ptr<conc::Server> server = conc::ValueOrDie(
      conc::Server::Create(model, std::make_shared<conc::LineProtocol>()), "Server::Create");
  conc::CheckOk(server->start(), "server.start()");
  std::printf("serving the line protocol on 127.0.0.1 with model '%s'\n",
              std::string(conc::ServerModelName(model)).c_str());

  conc::Heading(absl::StrCat(clients, " clients at once: SUM i i, then QUIT"));
  std::vector<std::thread> threads;
  std::vector<std::string> answers(clients);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      conc::Socket c = conc::ValueOrDie(conc::create_connection("127.0.0.1", server->port(), absl::Seconds(20)),
                                        "create_connection");
      conc::CheckOk(c.sendall(absl::StrCat("SUM ", i, " ", i, "\nQUIT\n")), "sendall");
      conc::SocketReader r(c);
      std::string sum = conc::ValueOrDie(r.readline(), "readline");
      std::string bye = conc::ValueOrDie(r.readline(), "readline");
      answers[i] = absl::StrCat(sum.substr(0, sum.size() - 1), " ", bye.substr(0, bye.size() - 1));
    });
  }
  for (std::thread& t : threads) t.join();
  int right = 0;
  for (int i = 0; i < clients; ++i) right += answers[i] == absl::StrCat(2 * i, " BYE") ? 1 : 0;
  std::printf("%d of %d clients got the right answers\n", right, clients);

  conc::Heading("server.shutdown(); the counters");
  server->shutdown();
  const conc::ServerCounters c = server->counters();
  std::printf("connections %llu, requests %llu, errors %llu, active %llu\n",
              static_cast<unsigned long long>(c.connections), static_cast<unsigned long long>(c.requests),
              static_cast<unsigned long long>(c.errors), static_cast<unsigned long long>(c.active));
  return 0;
}
