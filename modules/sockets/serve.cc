// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// serve: one server binary for every model and protocol, for the load generator
// and the benchmarks.
//
//   bazel run //modules/sockets:serve -- --model=reactor --protocol=http --port=8080
//
// The contract other tools rely on (keep it exactly):
//   * the first line on stdout is `listening on 127.0.0.1:PORT` (PORT is the
//     chosen one when --port=0), flushed before anything is served;
//   * it serves until SIGINT or SIGTERM, then shuts down gracefully (requests in
//     flight finish) and exits 0; the counters go to stderr.
// It binds 127.0.0.1 only: a load test here never leaves the machine.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/http.h"
#include "modules/sockets/internal/stop_signals.h"
#include "modules/sockets/line_protocol.h"
#include "modules/sockets/server.h"

ABSL_FLAG(std::string, model, "reactor", "Server model: iterative, thread, pool, reactor, reuseport, coroutine or coroutine_reuseport.");
ABSL_FLAG(std::string, protocol, "line", "Protocol: line (echo, TIME, SUM, QUIT) or http (GET /).");
ABSL_FLAG(int, port, 0, "TCP port on 127.0.0.1; 0 picks a free one (printed on the first line).");
ABSL_FLAG(int, workers, 0, "pool: worker threads; reuseport, coroutine_reuseport: loops. 0 for the model's default.");
ABSL_FLAG(int, max_connections, 20000, "Connections beyond this are closed at once.");
ABSL_FLAG(int, idle_timeout_ms, 30000, "Close a connection that completes no request for this long.");

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "Serves the line protocol or HTTP on 127.0.0.1 with one of the five server models, "
                   "until SIGINT/SIGTERM. First stdout line: `listening on 127.0.0.1:PORT`.");
  const conc::internal::StopSignals stop;  // before any thread starts

  const absl::StatusOr<conc::ServerModel> model = conc::ParseServerModel(absl::GetFlag(FLAGS_model));
  conc::CheckOk(model.status(), "--model");
  std::shared_ptr<const conc::Protocol> protocol;
  const std::string protocol_name = absl::GetFlag(FLAGS_protocol);
  if (protocol_name == "line") {
    protocol = std::make_shared<conc::LineProtocol>();
  } else if (protocol_name == "http") {
    protocol = std::make_shared<conc::HttpProtocol>();
  } else {
    conc::CheckOk(absl::InvalidArgumentError(absl::StrCat("unknown protocol '", protocol_name, "' (line, http)")),
                  "--protocol");
  }
  conc::ServerOptions options;
  options.port = absl::GetFlag(FLAGS_port);
  options.workers = absl::GetFlag(FLAGS_workers);
  options.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.idle_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_idle_timeout_ms));

  std::unique_ptr<conc::Server> server =
      conc::ValueOrDie(conc::Server::Create(*model, protocol, options), "Server::Create");
  conc::CheckOk(server->start(), "server.start()");
  std::printf("listening on 127.0.0.1:%d\n", server->port());
  std::fflush(stdout);

  const int signal_number = stop.Wait();
  server->shutdown();
  const conc::ServerCounters c = server->counters();
  std::fprintf(stderr,
               "serve: stopped by signal %d (model %s, protocol %s): connections %llu, requests %llu, errors %llu, "
               "timeouts %llu, rejected %llu\n",
               signal_number, std::string(conc::ServerModelName(*model)).c_str(), protocol_name.c_str(),
               static_cast<unsigned long long>(c.connections), static_cast<unsigned long long>(c.requests),
               static_cast<unsigned long long>(c.errors), static_cast<unsigned long long>(c.timeouts),
               static_cast<unsigned long long>(c.rejected));
  return 0;
}
