// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Out of descriptors (EMFILE) while connections wait to be accepted: the
// server must neither spin on its listener (level-triggered epoll would report
// it readable forever; the blocking accept loop would retry at once) nor stop,
// and it serves the waiting connection once descriptors are free again. Its
// own binary: it lowers RLIMIT_NOFILE for the whole process.

#include <dirent.h>
#include <sys/resource.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "modules/sockets/line_protocol.h"
#include "modules/sockets/server.h"
#include "modules/sockets/socket.h"
#include "modules/sockets/testing/clients.h"

namespace conc {
namespace {

int OpenDescriptors() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n - 3;  // ".", ".." and the directory's own descriptor.
}

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

class EmfileTest : public ::testing::TestWithParam<ServerModel> {};

TEST_P(EmfileTest, OutOfDescriptorsNeitherSpinsNorStops) {
  auto server = Server::Create(GetParam(), std::make_shared<LineProtocol>());
  ASSERT_TRUE(server.ok());
  ASSERT_TRUE((*server)->start().ok());
  const int port = (*server)->port();
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  const int open_now = OpenDescriptors();
  ASSERT_GT(open_now, 0);
  // Room for a few connections, both ends in this process.
  rlimit low{static_cast<rlim_t>(open_now + 6), saved.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<Socket> clients;
  for (int i = 0; i < 64; ++i) {
    absl::StatusOr<Socket> c = testing::Connect(port, absl::Seconds(5));
    if (!c.ok()) break;  // Our own socket() failed: the table is full.
    clients.push_back(*std::move(c));
  }
  // Every descriptor is taken; the newest connection waits in the backlog
  // (its client end took the last descriptor, so the server's accept fails).
  ASSERT_GE(clients.size(), 2u);
  ASSERT_LT(clients.size(), 64u) << "the limit did not bite";
  const absl::Time wall_start = absl::Now();
  const double cpu_start = CpuSeconds();
  absl::SleepFor(absl::Milliseconds(500));  // The window in which a spinning loop would burn a core.
  const double cpu = CpuSeconds() - cpu_start;
  const double wall = absl::ToDoubleSeconds(absl::Now() - wall_start);
  // A spinning thread takes ~all of a core (0.5 s of CPU); a paused listener
  // takes a few retries (one per sweep tick / 10 ms backoff). Load can only
  // lower a spinner's share, never raise ours: no false failure under load.
  EXPECT_LT(cpu, 0.4 * wall) << "cpu " << cpu << " s in " << wall << " s";
  // Descriptors back: the waiting connection is accepted and served.
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  Socket& last = clients.back();
  ASSERT_TRUE(last.sendall("still serving\n").ok());
  absl::StatusOr<std::string> line = SocketReader(last).readline();
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, "still serving\n");
  clients.clear();
  (*server)->shutdown();
}

// Iterative is left out: it accepts only between connections by design.
INSTANTIATE_TEST_SUITE_P(Models, EmfileTest,
                         ::testing::Values(ServerModel::kThread, ServerModel::kPool, ServerModel::kReactor,
                                           ServerModel::kReusePort),
                         [](const ::testing::TestParamInfo<ServerModel>& info) {
                           return std::string(ServerModelName(info.param));
                         });

}  // namespace
}  // namespace conc
