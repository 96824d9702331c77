// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// load: the chapter's load generator (conc::RunLoad, load_generator.h, says how
// it measures and what it refuses).
//
//   bazel run //modules/sockets:serve -- --model=reactor         # listening on 127.0.0.1:PORT
//   bazel run //modules/sockets:load -- --server=127.0.0.1:PORT --protocol=line
//       --connections=50 --seconds=5 [--message-size=64] [--threads=1] [--json]
//
// While it runs, one progress line a second on stderr. At the end, on stdout:
// requests/s and the p50/p99/p99.9 latency, and the errors by kind; with
// --json, one JSON object on one line instead (the benchmark rig reads it):
//   {"requests":..., "seconds":..., "requests_per_second":..., "p50_ns":...,
//    "p99_ns":..., "p999_ns":..., "max_ns":..., "mean_ns":..., "connected":...,
//    "connect_errors":..., "resets":..., "server_closes":..., "bad_responses":...}
// Exit 0 when at least one request was answered, 1 otherwise (or for bad flags).
// Flags may be spelt with dashes or underscores (--message-size, --message_size).

#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/sockets/load_generator.h"

ABSL_FLAG(std::string, server, "", "HOST:PORT of the server; loopback only (127.0.0.0/8, [::1], localhost).");
ABSL_FLAG(std::string, protocol, "line", "line (echo a line of --message-size bytes) or http (GET / keep-alive).");
ABSL_FLAG(int, connections, 50, "Concurrent connections, each a ping-pong (1..20000).");
ABSL_FLAG(double, seconds, 5, "Length of the measurement window in seconds (up to 600).");
ABSL_FLAG(int, message_size, 64, "line: bytes per request, newline included (2..65536).");
ABSL_FLAG(int, threads, 1, "Load threads, each with its own epoll and share of the connections (1..4).");
ABSL_FLAG(bool, json, false, "Print the result as one JSON line.");

namespace {

std::string Human(int64_t ns) {
  if (ns >= 1'000'000'000) return absl::StrFormat("%.3g s", ns / 1e9);
  if (ns >= 1'000'000) return absl::StrFormat("%.3g ms", ns / 1e6);
  if (ns >= 1'000) return absl::StrFormat("%.3g µs", ns / 1e3);
  return absl::StrCat(ns, " ns");
}

// Lets --message-size stand for Abseil's --message_size.
std::vector<char*> Underscored(int argc, char** argv, std::vector<std::string>& storage) {
  storage.assign(argv, argv + argc);
  for (std::string& arg : storage) {
    if (arg.rfind("--", 0) != 0) continue;
    const size_t end = std::min(arg.find('='), arg.size());
    for (size_t i = 2; i < end; ++i) {
      if (arg[i] == '-') arg[i] = '_';
    }
  }
  std::vector<char*> out;
  for (std::string& arg : storage) out.push_back(arg.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> storage;
  std::vector<char*> args = Underscored(argc, argv, storage);
  conc::InitLesson(argc, args.data(),
                   "A load generator for //modules/sockets:serve and its peers: N ping-pong connections for S "
                   "seconds; prints requests/s and p50/p99/p99.9 latency. Loopback only.");
  const std::string server = absl::GetFlag(FLAGS_server);
  if (server.empty()) conc::CheckOk(absl::InvalidArgumentError("--server=HOST:PORT is required"), "--server");
  const auto [host, port] = conc::ValueOrDie(conc::ParseHostPort(server), "--server");

  conc::LoadOptions options;
  options.host = host;
  options.port = port;
  options.protocol = conc::ValueOrDie(conc::ParseLoadProtocol(absl::GetFlag(FLAGS_protocol)), "--protocol");
  options.connections = absl::GetFlag(FLAGS_connections);
  options.duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  options.message_size = static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_message_size)));
  options.threads = absl::GetFlag(FLAGS_threads);
  const bool json = absl::GetFlag(FLAGS_json);
  options.progress = [](const conc::LoadProgress& p) {
    std::fprintf(stderr, "load: %.0f s, %.0f req/s, %llu open, %llu errors\n", absl::ToDoubleSeconds(p.elapsed),
                 p.requests_per_second, static_cast<unsigned long long>(p.open),
                 static_cast<unsigned long long>(p.errors));
  };
  // Each connection is a descriptor: raise the soft limit as far as the hard one.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }

  const conc::LoadReport r = conc::ValueOrDie(conc::RunLoad(options), "RunLoad");
  const conc::LatencyHistogram& h = r.latency;
  if (json) {
    std::printf(
        "{\"protocol\":\"%s\",\"connections\":%d,\"message_size\":%zu,\"requests\":%llu,\"seconds\":%.6f,"
        "\"requests_per_second\":%.1f,\"p50_ns\":%lld,\"p99_ns\":%lld,\"p999_ns\":%lld,\"max_ns\":%lld,"
        "\"mean_ns\":%.0f,\"connected\":%llu,\"connect_errors\":%llu,\"resets\":%llu,\"server_closes\":%llu,"
        "\"bad_responses\":%llu}\n",
        std::string(conc::LoadProtocolName(options.protocol)).c_str(), options.connections, options.message_size,
        static_cast<unsigned long long>(r.requests), absl::ToDoubleSeconds(r.window), r.requests_per_second(),
        static_cast<long long>(h.percentile(50)), static_cast<long long>(h.percentile(99)),
        static_cast<long long>(h.percentile(99.9)), static_cast<long long>(h.max()), h.mean(),
        static_cast<unsigned long long>(r.connected), static_cast<unsigned long long>(r.connect_errors),
        static_cast<unsigned long long>(r.resets), static_cast<unsigned long long>(r.server_closes),
        static_cast<unsigned long long>(r.bad_responses));
  } else {
    std::printf("load: %s, %s protocol, %d connections, %s for %s, %d thread(s)\n", server.c_str(),
                std::string(conc::LoadProtocolName(options.protocol)).c_str(), options.connections,
                options.protocol == conc::LoadProtocol::kLine ? absl::StrCat(options.message_size, "-byte lines").c_str()
                                                              : "GET /",
                absl::FormatDuration(options.duration).c_str(), options.threads);
    std::printf("requests: %llu in %.2f s = %.0f req/s\n", static_cast<unsigned long long>(r.requests),
                absl::ToDoubleSeconds(r.window), r.requests_per_second());
    std::printf("latency: p50 %s, p99 %s, p99.9 %s, max %s (mean %s; histogram precision 0.8%%)\n",
                Human(h.percentile(50)).c_str(), Human(h.percentile(99)).c_str(), Human(h.percentile(99.9)).c_str(),
                Human(h.max()).c_str(), Human(static_cast<int64_t>(h.mean())).c_str());
    std::printf("connections: %llu connected, %llu failed to connect, %llu reset, %llu closed by the server, "
                "%llu wrong answers, %llu open at the end\n",
                static_cast<unsigned long long>(r.connected), static_cast<unsigned long long>(r.connect_errors),
                static_cast<unsigned long long>(r.resets), static_cast<unsigned long long>(r.server_closes),
                static_cast<unsigned long long>(r.bad_responses), static_cast<unsigned long long>(r.open_at_end));
  }
  std::fflush(stdout);
  return r.requests > 0 ? 0 : 1;
}
