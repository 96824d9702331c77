// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// lock_contention: which lock do the threads wait for, and how long? A bank of
// 16 accounts, 4 threads moving money between random pairs, first under one lock
// for the whole bank, then with one lock per account (taken in index order, so
// two transfers never deadlock). conc::ProfiledLock counts, for each lock, how
// many acquisitions found it taken and how long they waited; ContentionReport
// prints the table, most waited-for lock first.
//
//   Python: threading.Lock keeps no statistics, and under the GIL the threads
//   mostly wait for the GIL, not for the lock; there is no counterpart.
//
// The numbers change with the machine. What the counters show is where the
// waiting is: all on one lock, or spread over sixteen, each with a shorter
// longest wait. Whether striping lowers the total depends on the machine: each
// transfer now takes two locks, and with more threads than CPUs a thread can be
// preempted while holding one. The last lines print the totals and the
// throughput of both, measured, not assumed.

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "modules/common/lesson.h"
#include "modules/profiling/contention.h"
#include "modules/sync/lock.h"

ABSL_FLAG(bool, quick, false, "fewer transfers (for the tour and the tests)");

namespace {

constexpr int kAccounts = 16;
constexpr int kThreads = 4;
constexpr int kStartBalance = 1000;

using Profiled = conc::ProfiledLock<conc::Lock>;

// Moves 1 from `from` to `to` `n` times per thread, under `lock_for(a, b)`.
template <typename Transfer>
void RunThreads(int n, Transfer transfer) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([=] {
      std::mt19937 rng(t + 1);
      std::uniform_int_distribution<int> pick(0, kAccounts - 1);
      for (int i = 0; i < n; ++i) {
        const int a = pick(rng);
        int b = pick(rng);
        if (b == a) b = (a + 1) % kAccounts;
        transfer(a, b);
      }
    });
  }
  for (auto& th : threads) th.join();
}

int Sum(const std::vector<int>& balances) {
  int total = 0;
  for (int b : balances) total += b;
  return total;
}

uint64_t TotalWait() {
  uint64_t ns = 0;
  for (const conc::ContentionStats& s : conc::ContentionSnapshot()) ns += s.wait_ns;
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Lock contention made visible: which lock, how long threads waited.");
  const int n = absl::GetFlag(FLAGS_quick) ? 20'000 : 500'000;

  conc::Heading("one lock for the whole bank");
  uint64_t one_lock_wait = 0;
  double one_lock_seconds = 0;
  {
    std::vector<int> balances(kAccounts, kStartBalance);
    Profiled bank("bank.global");
    const auto start = std::chrono::steady_clock::now();
    RunThreads(n, [&](int a, int b) {
      conc::CheckOk(bank.acquire() ? absl::OkStatus() : absl::InternalError("acquire"), "bank.acquire()");
      --balances[a];
      ++balances[b];
      conc::CheckOk(bank.release(), "bank.release()");
    });
    one_lock_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s", conc::ContentionReport().c_str());
    std::printf("balances still sum to %d: %s\n", kAccounts * kStartBalance,
                Sum(balances) == kAccounts * kStartBalance ? "yes" : "no");
    one_lock_wait = TotalWait();
  }

  conc::Heading("one lock per account, taken in index order");
  uint64_t striped_wait = 0;
  double striped_seconds = 0;
  {
    std::vector<int> balances(kAccounts, kStartBalance);
    std::vector<std::unique_ptr<Profiled>> locks;
    for (int i = 0; i < kAccounts; ++i) {
      locks.push_back(std::make_unique<Profiled>("bank.account[" + std::to_string(i) + "]"));
    }
    const auto start = std::chrono::steady_clock::now();
    RunThreads(n, [&](int a, int b) {
      Profiled& first = *locks[std::min(a, b)];
      Profiled& second = *locks[std::max(a, b)];
      if (!first.acquire() || !second.acquire()) conc::CheckOk(absl::InternalError("acquire"), "account.acquire()");
      --balances[a];
      ++balances[b];
      conc::CheckOk(second.release(), "account.release()");
      conc::CheckOk(first.release(), "account.release()");
    });
    striped_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string report = conc::ContentionReport();
    // The five most waited-for of the sixteen.
    int shown = 0;
    for (size_t pos = 0; pos < report.size() && shown < 6; ++shown) {
      const size_t end = report.find('\n', pos);
      std::printf("%s\n", report.substr(pos, end - pos).c_str());
      pos = end + 1;
    }
    std::printf("(... %d accounts in all)\n", kAccounts);
    std::printf("balances still sum to %d: %s\n", kAccounts * kStartBalance,
                Sum(balances) == kAccounts * kStartBalance ? "yes" : "no");
    striped_wait = TotalWait();
  }

  conc::Heading("what the counters say");
  std::printf("time spent waiting for locks: one lock %.1f ms, one per account %.1f ms (%d threads, %d CPUs)\n",
              one_lock_wait / 1e6, striped_wait / 1e6, kThreads, static_cast<int>(std::thread::hardware_concurrency()));
  const double total = static_cast<double>(n) * kThreads;
  std::printf("transfers per second: one lock %.0f, one per account %.0f\n", total / one_lock_seconds,
              total / striped_seconds);
  return 0;
}
