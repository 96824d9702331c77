// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Shelf<K, V>: the dictionary, batches, read-only and new modes, foreign and
// damaged files, the map growing and its limit; a writer killed with SIGKILL
// more than a hundred times in the middle of its commits, with every committed
// record found afterwards; one writer and several reading processes at once.

#include "modules/marshalling/shelf.h"

#include <fcntl.h>
#include <lmdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "modules/common/codec.h"

namespace conc {
namespace {

using ::testing::HasSubstr;

struct Score {
  int points = 0;
  std::string note;
  std::vector<double> history;
  CONC_CODEC_FIELDS(points, note, history);
  bool operator==(const Score&) const = default;
};

// A fresh path in TEST_TMPDIR (the shelf and its "-lock" file removed).
std::string FreshPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-lock");
  return path;
}

TEST(ShelfTest, ADictionaryInAFile) {
  const std::string path = FreshPath("scores.lmdb");
  {
    absl::StatusOr<Shelf<std::string, Score>> db = Shelf<std::string, Score>::Open(path);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(db->set("alice", Score{3, "ok", {1.5}}).ok());
    ASSERT_TRUE(db->set("bob", Score{5, "", {}}).ok());
    ASSERT_TRUE(db->set("alice", Score{4, "better", {1.5, 2.5}}).ok());  // Overwrites.
    EXPECT_EQ(*db->at("alice"), (Score{4, "better", {1.5, 2.5}}));
    EXPECT_EQ(db->at("carol").status().code(), absl::StatusCode::kNotFound);  // KeyError
    EXPECT_THAT(db->at("carol").status().message(), HasSubstr(path));
    EXPECT_EQ(*db->get("carol"), std::nullopt);
    EXPECT_TRUE(*db->contains("bob"));
    EXPECT_FALSE(*db->contains("carol"));
    EXPECT_EQ(*db->size(), 2u);
    EXPECT_THAT(*db->keys(), ::testing::UnorderedElementsAre("alice", "bob"));
    int total = 0;
    ASSERT_TRUE(db->for_each([&](const std::string&, const Score& s) { total += s.points; }).ok());
    EXPECT_EQ(total, 9);
    // A callback's error stops the walk and comes back.
    EXPECT_EQ(db->for_each([](const std::string&, const Score&) { return absl::CancelledError("stop"); }),
              absl::CancelledError("stop"));
    ASSERT_TRUE(db->erase("bob").ok());
    EXPECT_EQ(db->erase("bob").code(), absl::StatusCode::kNotFound);  // del: KeyError
    ASSERT_TRUE(db->close().ok());
    EXPECT_EQ(db->set("x", Score{}).code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(db->close().ok());
  }
  // Reopened: the data are in the file.
  absl::StatusOr<Shelf<std::string, Score>> db =
      Shelf<std::string, Score>::Open(path, {.mode = ShelfMode::kRead});
  ASSERT_TRUE(db.ok()) << db.status();
  absl::StatusOr<std::vector<std::pair<std::string, Score>>> items = db->items();
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].first, "alice");
  EXPECT_EQ(db->set("x", Score{}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(db->set("x", Score{}).message(), HasSubstr("read-only"));
}

TEST(ShelfTest, TransactionsAreAllOrNothing) {
  const std::string path = FreshPath("txn.lmdb");
  absl::StatusOr<Shelf<int, std::string>> db = Shelf<int, std::string>::Open(path);
  ASSERT_TRUE(db.ok());
  {
    auto txn = db->transaction();
    for (int i = 0; i < 1000; ++i) txn.set(i, "v" + std::to_string(i));
    txn.erase(5000);  // Not there: fine in a batch.
    EXPECT_EQ(txn.pending(), 1001u);
    EXPECT_EQ(*db->size(), 0u);  // Nothing visible before commit.
    ASSERT_TRUE(txn.commit().ok());
    EXPECT_EQ(txn.pending(), 0u);
  }
  EXPECT_EQ(*db->size(), 1000u);
  {
    auto txn = db->transaction();
    txn.erase(1);
    txn.set(2, "changed");
  }  // Dropped without commit.
  {
    auto txn = db->transaction();
    txn.erase(3);
    txn.rollback();
    ASSERT_TRUE(txn.commit().ok());  // Nothing left to commit.
  }
  EXPECT_EQ(*db->size(), 1000u);
  EXPECT_EQ(*db->at(2), "v2");
}

TEST(ShelfTest, ModesLikeShelveOpensFlag) {
  const std::string path = FreshPath("modes.lmdb");
  EXPECT_EQ((Shelf<int, int>::Open(path, {.mode = ShelfMode::kRead}).status().code()),
            absl::StatusCode::kNotFound);
  EXPECT_EQ((Shelf<int, int>::Open(path, {.mode = ShelfMode::kWrite}).status().code()),
            absl::StatusCode::kNotFound);
  {
    auto db = Shelf<int, int>::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->set(1, 1).ok());
  }
  {
    auto db = Shelf<int, int>::Open(path, {.mode = ShelfMode::kWrite});
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(*db->size(), 1u);
  }
  auto db = Shelf<int, int>::Open(path, {.mode = ShelfMode::kNew});
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*db->size(), 0u);
}

TEST(ShelfTest, ForeignAndDamagedFilesGiveClearErrors) {
  const std::string path = FreshPath("foreign.lmdb");
  {
    std::ofstream(path) << std::string(20000, 'x');
  }
  absl::StatusOr<Shelf<int, int>> db = Shelf<int, int>::Open(path);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument) << db.status();
  EXPECT_THAT(db.status().message(), HasSubstr("not a conc shelf"));
  EXPECT_THAT(db.status().message(), HasSubstr(path));

  // Another program's LMDB file: refused, not written to.
  const std::string other = FreshPath("other.lmdb");
  {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    ASSERT_EQ(mdb_env_open(env, other.c_str(), MDB_NOSUBDIR, 0644), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi dbi = 0;
    ASSERT_EQ(mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
    char k[] = "theirs", v[] = "data";
    MDB_val key{6, k}, val{4, v};
    ASSERT_EQ(mdb_put(txn, dbi, &key, &val, 0), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  db = Shelf<int, int>::Open(other);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(db.status().message(), HasSubstr("another program"));

  // A shelf cut short (a copy that stopped half-way): refused before LMDB
  // touches the missing pages.
  const std::string cut = FreshPath("cut.lmdb");
  {
    auto shelf = Shelf<int, std::string>::Open(cut);
    ASSERT_TRUE(shelf.ok());
    auto txn = shelf->transaction();
    for (int i = 0; i < 2000; ++i) txn.set(i, std::string(200, 'a'));
    ASSERT_TRUE(txn.commit().ok());
  }
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) / 2);
  std::filesystem::remove(cut + "-lock");
  db = Shelf<int, int>::Open(cut);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
  EXPECT_THAT(db.status().message(), HasSubstr("truncated"));

  // Its meta pages overwritten.
  {
    std::fstream f(cut, std::ios::in | std::ios::out | std::ios::binary);
    const std::string zeros(8192, '\0');
    f.write(zeros.data(), zeros.size());
  }
  db = Shelf<int, int>::Open(cut);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument) << db.status();

  // Values of another type than the shelf was written with.
  const std::string typed = FreshPath("typed.lmdb");
  {
    auto s = Shelf<int, std::string>::Open(typed);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->set(1, "one").ok());
  }
  auto wrong = Shelf<int, std::vector<double>>::Open(typed);
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->at(1).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(wrong->at(1).status().message(), HasSubstr("does not decode"));
}

TEST(ShelfTest, KeysLongerThanLmdbAllowsAreRefused) {
  auto db = Shelf<std::string, int>::Open(FreshPath("keys.lmdb"));
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE(db->set(std::string(400, 'k'), 1).ok());
  absl::Status s = db->set(std::string(600, 'k'), 1);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("more than LMDB's 511"));
  EXPECT_EQ(*db->get(std::string(600, 'k')), std::nullopt);
}

TEST(ShelfTest, TheMapGrowsThenStopsAtItsLimit) {
  const std::string path = FreshPath("grow.lmdb");
  auto db = Shelf<int, std::string>::Open(path, {.initial_map_size = 1 << 20});
  ASSERT_TRUE(db.ok());
  const size_t first = db->map_size();
  EXPECT_EQ(first, size_t{1} << 20);
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(db->set(i, std::string(100'000, 'g')).ok()) << i;
  EXPECT_GE(db->map_size(), size_t{8} << 20);
  {
    auto txn = db->transaction();  // One batch bigger than the map: grows too.
    for (int i = 64; i < 256; ++i) txn.set(i, std::string(100'000, 't'));
    ASSERT_TRUE(txn.commit().ok());
  }
  EXPECT_EQ(*db->size(), 256u);

  const std::string small = FreshPath("small.lmdb");
  auto capped = Shelf<int, std::string>::Open(small, {.initial_map_size = 1 << 20, .max_map_size = 2 << 20});
  ASSERT_TRUE(capped.ok());
  ASSERT_TRUE(capped->set(0, "kept").ok());
  absl::Status full;
  int i = 1;
  for (; i < 100 && full.ok(); ++i) full = capped->set(i, std::string(100'000, 'f'));
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_THAT(full.message(), HasSubstr("full"));
  EXPECT_EQ(capped->map_size(), size_t{2} << 20);
  EXPECT_EQ(*capped->get(i - 1), std::nullopt);  // Nothing of the failed write.
  EXPECT_EQ(*capped->at(0), "kept");
  EXPECT_TRUE(capped->erase(1).ok());  // Still usable.
}

// --- processes ---------------------------------------------------------------

// Waits up to `seconds` for `fd` to be readable and reads one int64; false on EOF or timeout.
bool ReadReport(int fd, int64_t* value, int seconds) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, seconds * 1000) != 1) return false;
  return ::read(fd, value, sizeof *value) == sizeof *value;
}

std::string RecordValue(int64_t i) { return std::string(50 + i % 700, static_cast<char>('a' + i % 26)); }

// The child of the kill test: commits record after record, each with the
// counter key -1 in the same transaction, and reports each commit.
[[noreturn]] void CommitForever(const std::string& path, int report_fd, bool write_map) {
  auto db = Shelf<int64_t, std::string>::Open(
      path, {.sync = !write_map, .write_map = write_map, .initial_map_size = 1 << 20});
  if (!db.ok()) _exit(2);
  absl::StatusOr<size_t> n = db->size();
  if (!n.ok()) _exit(3);
  int64_t next = *n == 0 ? 0 : static_cast<int64_t>(*n) - 1;  // -1 is the counter.
  for (int k = 0; k < 100'000; ++k, ++next) {
    auto txn = db->transaction();
    txn.set(next, RecordValue(next));
    txn.set(-1, std::to_string(next));
    if (!txn.commit().ok()) _exit(4);
    if (::write(report_fd, &next, sizeof next) != sizeof next) _exit(5);
  }
  _exit(0);
}

// With the defaults (fsync, write(2)) and with what the benchmark uses
// (no fsync, commits written into the map).
class ShelfKillTest : public ::testing::TestWithParam<bool> {};

TEST_P(ShelfKillTest, CommittedWritesSurviveSigkillOfTheWriter) {
  const bool write_map = GetParam();
  const std::string path = FreshPath(write_map ? "killed-wm.lmdb" : "killed.lmdb");
  const auto start = std::chrono::steady_clock::now();
  constexpr int kKills = 120;
  int64_t last_reported = -1;
  int kills = 0;
  for (int round = 0; round < kKills; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      CommitForever(path, fds[1], write_map);
    }
    ::close(fds[1]);
    // Let it commit 1 to 4 records, then kill it wherever it is (most often
    // in the middle of the next commit).
    for (int k = 0; k < 1 + round % 4; ++k) {
      int64_t got = 0;
      ASSERT_TRUE(ReadReport(fds[0], &got, 30)) << "round " << round << ": no report from the writer";
      ASSERT_EQ(got, last_reported + 1);
      last_reported = got;
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "round " << round;
    ++kills;
    // Drain what it reported after the reports we waited for.
    int64_t got = 0;
    while (ReadReport(fds[0], &got, 0)) last_reported = got;
    ::close(fds[0]);

    // Every committed record is there, whole, and nothing past the counter.
    auto db = Shelf<int64_t, std::string>::Open(path, {.mode = ShelfMode::kRead});
    ASSERT_TRUE(db.ok()) << "round " << round << ": " << db.status();
    absl::StatusOr<std::string> counter = db->at(-1);
    ASSERT_TRUE(counter.ok()) << counter.status();
    const int64_t committed = std::stoll(*counter);
    ASSERT_GE(committed, last_reported) << "round " << round << ": a reported commit was lost";
    ASSERT_LE(committed, last_reported + 1);  // At most the one it had not reported yet.
    last_reported = committed;
    ASSERT_EQ(*db->size(), static_cast<size_t>(committed) + 2);
    if (round % 20 == 19 || round == kKills - 1) {  // The full check now and then.
      for (int64_t i = 0; i <= committed; ++i) ASSERT_EQ(*db->at(i), RecordValue(i)) << i;
    }
  }
  EXPECT_GE(kills, 100);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %d writers killed, %lld records committed, %.1f s\n", write_map ? "write_map" : "default",
              kills, static_cast<long long>(last_reported + 1), seconds);
}

INSTANTIATE_TEST_SUITE_P(Modes, ShelfKillTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "WriteMapNoSync" : "Defaults";
                         });

// A reading child: until it sees the final value, opens the shelf afresh (so
// that its opens race the writer growing the map) and reads both keys in one
// snapshot (items), checking the writer's pairs were committed together.
[[noreturn]] void ReadUntilDone(const std::string& path, int64_t final_value) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto db = Shelf<std::string, int64_t>::Open(path, {.mode = ShelfMode::kRead, .initial_map_size = 1 << 20});
    if (!db.ok()) {
      std::fprintf(stderr, "reader: open: %s\n", db.status().ToString().c_str());
      _exit(2);
    }
    int64_t va = -1, vb = -1;
    absl::Status s = db->for_each([&](const std::string& k, int64_t v) {
      if (k == "a") va = v;
      if (k == "b") vb = v;
    });
    if (!s.ok()) {
      std::fprintf(stderr, "reader: %s\n", s.ToString().c_str());
      _exit(3);
    }
    if (va != vb) _exit(4);  // Half a transaction seen.
    if (va == final_value) _exit(0);
  }
  _exit(5);
}

TEST(ShelfTest, OneWriterAndManyReadingProcessesAtOnce) {
  const std::string path = FreshPath("shared.lmdb");
  constexpr int64_t kFinal = 400;
  {
    auto db = Shelf<std::string, int64_t>::Open(path, {.initial_map_size = 1 << 20});
    ASSERT_TRUE(db.ok());
    auto txn = db->transaction();
    txn.set("a", 0);
    txn.set("b", 0);
    ASSERT_TRUE(txn.commit().ok());
  }
  std::vector<pid_t> readers;
  for (int r = 0; r < 3; ++r) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ReadUntilDone(path, kFinal);
    readers.push_back(pid);
  }
  {
    auto db = Shelf<std::string, int64_t>::Open(path, {.sync = false, .initial_map_size = 1 << 20});
    ASSERT_TRUE(db.ok());
    for (int64_t i = 1; i <= kFinal; ++i) {
      auto txn = db->transaction();
      txn.set("a", i);
      txn.set("b", i);
      // Padding keys that make the file outgrow the readers' 1 MiB map.
      for (int k = 0; k < 16; ++k) txn.set(std::to_string(i * 16 + k) + std::string(300, 'p'), i);
      ASSERT_TRUE(txn.commit().ok());
    }
    EXPECT_GT(db->map_size(), size_t{1} << 20);  // The readers had to follow.
  }
  for (pid_t pid : readers) {
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    EXPECT_TRUE(WIFEXITED(wstatus)) << "reader " << pid;
    EXPECT_EQ(WEXITSTATUS(wstatus), 0)
        << "reader " << pid << " (2: could not open, 3: could not read, 4: saw half a transaction, "
        << "5: never saw the last one; its stderr says more)";
  }
}

}  // namespace
}  // namespace conc
