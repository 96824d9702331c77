// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// marshalling_benchmark: the chapter's rows of issue 18's table, beside CPython
// (tools/peers/marshalling_peer.py, run by //tools/bench:ratios):
//
//   BM_Codec_DumpLoadMillionInts   conc::Encode + conc::Decode of a vector of
//                                  1,000,000 int64 (per int; Python: pickle.dumps
//                                  + pickle.loads of list(range(1_000_000)))
//   BM_Codec_DumpLoadMillionInts_ReusedBuffers
//                                  the same into a string and a vector kept
//                                  between iterations (no row: Python allocates)
//   BM_Codec_DumpLoadSmallRecords  100,000 records {int64, double, string} (per
//                                  record; Python: a list of 100,000 tuples)
//   BM_Pickle_LoadMillionIntsFromPython
//                                  conc::PickleLoads of the pickle /usr/bin/python3
//                                  writes for list(range(1_000_000)), protocol 4
//                                  (per int; Python: pickle.loads of the same bytes)
//   BM_Shelf_WritesThenRandomReads 100,000 shelf[str(i)] = record, one commit each,
//                                  then 100,000 reads in a shuffled order (per
//                                  operation; Python: shelve on dbm.ndbm, Debian's
//                                  default without python3-gdbm). sync = false
//                                  (like dbm: each commit survives a crash of the
//                                  process, not of the machine) and write_map.
//   BM_Shelf_BatchWritesThenRandomReads
//                                  the same writes in one Transaction (no Python
//                                  counterpart: shelve has no transactions)
//
// The heap: with glibc's defaults an 8 MB buffer is an mmap of its own, given
// back to the kernel when freed, so every round of the million-int rows
// faults in fresh pages, which costs far more than the copies (and the ~200
// MB of PyValues of the pickle row are trimmed and faulted in again). A
// long-running program keeps its heap: the ratio rows call KeepHeap() (as the
// JSON rows do, json_benchmark.cc; GLIBC_TUNABLES=glibc.malloc.mmap_max=0:
// glibc.malloc.trim_threshold=... does the same from outside). CPython's
// side does not change under the same settings (pymalloc keeps its arenas).
// BM_Codec_DumpLoadMillionInts_GlibcDefaultHeap, registered first so that it
// runs before anything changes the setting, shows the cost.
//
//   bazel run //modules/marshalling/benchmarks:marshalling_benchmark
//   bazel run //tools/bench:ratios -- --chapter=marshalling

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "modules/common/codec.h"
#include "modules/marshalling/pickle.h"
#include "modules/marshalling/shelf.h"

namespace {

constexpr int kMillion = 1'000'000;
constexpr int kRecords = 100'000;
constexpr int kShelfOps = 100'000;

struct Record {
  int64_t id = 0;
  double value = 0;
  std::string name;
  CONC_CODEC_FIELDS(id, value, name);
};

// Keeps freed memory in the heap (see the top of the file): large blocks come
// from the heap too (no mmap per block; the ~200 MB arena of the pickle row is
// above any mmap threshold mallopt accepts) and the top is not trimmed.
void KeepHeap() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

void DumpLoadMillionInts(benchmark::State& state) {
  std::vector<int64_t> ints(kMillion);
  std::iota(ints.begin(), ints.end(), 0);
  for (auto _ : state) {
    std::string bytes = conc::Encode(ints);
    absl::StatusOr<std::vector<int64_t>> back = conc::Decode<std::vector<int64_t>>(bytes);
    if (!back.ok() || back->size() != ints.size()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations() * kMillion);
}
void BM_Codec_DumpLoadMillionInts_GlibcDefaultHeap(benchmark::State& state) { DumpLoadMillionInts(state); }
BENCHMARK(BM_Codec_DumpLoadMillionInts_GlibcDefaultHeap)->Unit(benchmark::kMillisecond);

void BM_Codec_DumpLoadMillionInts(benchmark::State& state) {
  KeepHeap();
  DumpLoadMillionInts(state);
}
BENCHMARK(BM_Codec_DumpLoadMillionInts)->Unit(benchmark::kMillisecond);

// The same with the string and the vector kept from one iteration to the next
// (a loop that sends message after message): no allocation, no page faults,
// two memcpy's of 8 MB. Not a row of ratios.json: CPython allocates anew.
void BM_Codec_DumpLoadMillionInts_ReusedBuffers(benchmark::State& state) {
  std::vector<int64_t> ints(kMillion);
  std::iota(ints.begin(), ints.end(), 0);
  std::string bytes;
  std::vector<int64_t> back;
  for (auto _ : state) {
    bytes.clear();
    conc::EncodeTo(ints, &bytes);
    conc::Decoder decoder(bytes);
    if (!decoder.Read(&back).ok() || back.size() != ints.size()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(back.data());
  }
  state.SetItemsProcessed(state.iterations() * kMillion);
}
BENCHMARK(BM_Codec_DumpLoadMillionInts_ReusedBuffers)->Unit(benchmark::kMillisecond);

// As the peer's records: (i, i * 0.5, "record-<i>").
std::vector<Record> SmallRecords() {
  std::vector<Record> records(kRecords);
  for (int i = 0; i < kRecords; ++i) records[i] = {i, i * 0.5, "record-" + std::to_string(i)};
  return records;
}

void BM_Codec_DumpLoadSmallRecords(benchmark::State& state) {
  KeepHeap();
  const std::vector<Record> records = SmallRecords();
  for (auto _ : state) {
    std::string bytes = conc::Encode(records);
    absl::StatusOr<std::vector<Record>> back = conc::Decode<std::vector<Record>>(bytes);
    if (!back.ok() || back->size() != records.size()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_Codec_DumpLoadSmallRecords)->Unit(benchmark::kMillisecond);

// What /usr/bin/python3 writes for pickle.dumps(list(range(1_000_000)), 4).
std::string PythonPickleOfMillionInts() {
  FILE* p = ::popen(
      "/usr/bin/python3 -c 'import pickle, sys; "
      "sys.stdout.buffer.write(pickle.dumps(list(range(1_000_000)), 4))'",
      "r");
  std::string bytes;
  if (p == nullptr) return bytes;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) bytes.append(buf, n);
  ::pclose(p);
  return bytes;
}

void BM_Pickle_LoadMillionIntsFromPython(benchmark::State& state) {
  KeepHeap();
  static const std::string bytes = PythonPickleOfMillionInts();
  if (bytes.empty()) {
    state.SkipWithError("/usr/bin/python3 did not write the pickle");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<conc::PyValue> v = conc::PickleLoads(bytes);
    if (!v.ok() || v->items().size() != kMillion) state.SkipWithError("PickleLoads failed");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * kMillion);
}
BENCHMARK(BM_Pickle_LoadMillionIntsFromPython)->Unit(benchmark::kMillisecond);

std::string ScratchPath(const char* name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name + "-" + std::to_string(::getpid());
}

void ShelfWorkload(benchmark::State& state, bool batch) {
  const std::string path = ScratchPath("conc-shelf-bench");
  std::vector<int> order(kShelfOps);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  std::vector<std::string> keys(kShelfOps);
  for (int i = 0; i < kShelfOps; ++i) keys[i] = std::to_string(i);
  for (auto _ : state) {
    auto db = conc::Shelf<std::string, Record>::Open(
        path, {.mode = conc::ShelfMode::kNew, .sync = false, .write_map = true, .initial_map_size = size_t{64} << 20});
    if (!db.ok()) {
      state.SkipWithError(std::string(db.status().message()).c_str());
      break;
    }
    if (batch) {
      auto txn = db->transaction();
      for (int i = 0; i < kShelfOps; ++i) txn.set(keys[i], Record{i, i * 0.5, "record"});
      if (!txn.commit().ok()) state.SkipWithError("commit failed");
    } else {
      for (int i = 0; i < kShelfOps; ++i) {
        if (!db->set(keys[i], Record{i, i * 0.5, "record"}).ok()) state.SkipWithError("set failed");
      }
    }
    int64_t sum = 0;
    for (int i : order) sum += db->at(keys[i])->id;
    benchmark::DoNotOptimize(sum);
    (void)db->close();
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-lock");
  state.SetItemsProcessed(state.iterations() * 2 * kShelfOps);
}

void BM_Shelf_WritesThenRandomReads(benchmark::State& state) {
  KeepHeap();
  ShelfWorkload(state, false);
}
BENCHMARK(BM_Shelf_WritesThenRandomReads)->Unit(benchmark::kMillisecond);

void BM_Shelf_BatchWritesThenRandomReads(benchmark::State& state) { ShelfWorkload(state, true); }
BENCHMARK(BM_Shelf_BatchWritesThenRandomReads)->Unit(benchmark::kMillisecond);

}  // namespace
