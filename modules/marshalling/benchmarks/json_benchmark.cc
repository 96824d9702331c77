// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// JSON parse and serialise of the ~10 MB document of bench_document.h, beside
// CPython's json (tools/peers/marshalling_formats_peer.py). BM_Json_Dump writes
// through RapidJSON's Writer (what JsonDumps uses); BM_Json_DumpNlohmann is the
// alternative measured before choosing it: the same tree through nlohmann::json,
// which must first be built (nlohmann has no writer of its own that takes events).
//
// The heap: a parsed document is a tree of ~800,000 PyValues (~130 MB for this
// 10 MB text). With glibc's defaults, freeing it hands the memory back to the
// kernel (the heap top is trimmed) and the next parse faults it all in again,
// which costs more than the parse. A long-running program keeps its heap: the
// benchmarks raise M_TRIM_THRESHOLD as such a program would (or
// GLIBC_TUNABLES=glibc.malloc.trim_threshold=...); BM_Json_Parse_GlibcDefaultHeap,
// registered first so it runs before anything changes the setting, shows the cost.

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <nlohmann/json.hpp>
#include <string>

#include "modules/marshalling/benchmarks/bench_document.h"
#include "modules/marshalling/json.h"

namespace conc {
namespace {

const PyValue& Document() {
  static const PyValue* doc = new PyValue(MakeBenchDocument());
  return *doc;
}

const std::string& DocumentText() {
  static const std::string* text = new std::string(*JsonDumps(Document()));
  return *text;
}

// Keeps freed memory in the heap (see the top of the file).
void KeepHeap() { mallopt(M_TRIM_THRESHOLD, 1 << 30); }

void ParseLoop(benchmark::State& state) {
  const std::string& text = DocumentText();
  for (auto _ : state) {
    absl::StatusOr<PyValue> v = JsonLoads(text);
    if (!v.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_Json_Parse_GlibcDefaultHeap(benchmark::State& state) { ParseLoop(state); }
BENCHMARK(BM_Json_Parse_GlibcDefaultHeap)->Unit(benchmark::kMillisecond);

void BM_Json_Parse(benchmark::State& state) {
  KeepHeap();
  ParseLoop(state);
}
BENCHMARK(BM_Json_Parse)->Unit(benchmark::kMillisecond);

void BM_Json_Dump(benchmark::State& state) {
  KeepHeap();
  const PyValue& doc = Document();
  size_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<std::string> text = JsonDumps(doc);
    if (!text.ok()) state.SkipWithError("dump failed");
    bytes = text->size();
    benchmark::DoNotOptimize(text);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_Json_Dump)->Unit(benchmark::kMillisecond);

nlohmann::json ToNlohmann(const PyValue& v) {
  switch (v.kind) {
    case PyValue::Kind::kNone:
      return nullptr;
    case PyValue::Kind::kBool:
      return v.b;
    case PyValue::Kind::kInt:
      return v.i;
    case PyValue::Kind::kFloat:
      return v.f;
    case PyValue::Kind::kStr:
      return v.s();
    case PyValue::Kind::kList:
    case PyValue::Kind::kTuple: {
      nlohmann::json a = nlohmann::json::array();
      for (const PyValue& item : v.items()) a.push_back(ToNlohmann(item));
      return a;
    }
    case PyValue::Kind::kDict: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [key, value] : v.pairs()) o[key.s()] = ToNlohmann(value);
      return o;
    }
    default:
      return nullptr;
  }
}

void BM_Json_DumpNlohmann(benchmark::State& state) {
  KeepHeap();
  const PyValue& doc = Document();
  for (auto _ : state) {
    // ensure_ascii as Python's default (nlohmann's dump(-1, ' ', true)); its
    // separators are "," and ":", which makes it write less than the others.
    std::string text = ToNlohmann(doc).dump(-1, ' ', true);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_Json_DumpNlohmann)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace conc
