// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// getsizeof: Python's `sys.getsizeof(x)` beside what C++ can say about a value.
//
//   import sys
//   sys.getsizeof([0] * 1000)     # 8056: the list object and its 1000 pointers
//
// C++ has two answers where Python has one. `sizeof(v)` is fixed at compile time
// and never counts the heap: a std::vector<int> is 24 bytes whatever it holds.
// What a value owns on the heap is what was allocated to build it, so this lesson
// counts allocations while it builds each value (conc::AllocationScope, which
// counts the global operator new: the lesson links //modules/profiling:alloc_hooks).
// Python's own numbers come from /usr/bin/python3, run beside it.
//
// Where they differ: Python's getsizeof is shallow too (a list counts its
// pointers, not the ints they point to), but every Python value is a heap object
// with a header (an int is 28 bytes); a C++ int is 4 bytes, inline, with no
// header, and a container holds the values themselves.

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "modules/common/lesson.h"
#include "modules/generators/generator.h"
#include "modules/profiling/alloc_tracker.h"
#include "modules/profiling/run_command.h"
#include "modules/sync/queue.h"

namespace {

constexpr char kPython[] = "/usr/bin/python3";

// Python's sys.getsizeof of the same values, one per line, in the order of Rows().
constexpr char kPythonScript[] = R"(
import sys, queue
def gen():
    yield 1
q = queue.Queue()
for i in range(100):
    q.put(i)
for v in [0, 1.0, "x" * 15, "x" * 100, [0] * 1000, {i: i for i in range(100)}, gen(), q]:
    print(sys.getsizeof(v))
)";

conc::Generator<int> Gen() { co_yield 1; }

struct Row {
  const char* what;        // the value, as the Python line builds it
  size_t cpp_sizeof;       // sizeof of the C++ value
  conc::AllocationStats heap;  // what building it allocated
};

template <typename Make>
Row Measure(const char* what, Make make) {
  conc::AllocationScope scope;
  auto value = make();
  Row r{what, sizeof(value), scope.stats()};
  asm volatile("" : : "r"(&value) : "memory");
  return r;
}

std::vector<Row> Rows() {
  return {
      Measure("0", [] { return 0; }),
      Measure("1.0", [] { return 1.0; }),
      Measure("\"x\" * 15", [] { return std::string(15, 'x'); }),
      Measure("\"x\" * 100", [] { return std::string(100, 'x'); }),
      Measure("[0] * 1000", [] { return std::vector<int>(1000); }),
      Measure("{i: i for i in range(100)}",
              [] {
                std::map<int, int> m;
                for (int i = 0; i < 100; ++i) m[i] = i;
                return m;
              }),
      Measure("gen() (a generator)", [] { return Gen(); }),
      Measure("Queue() with 100 items",
              [] {
                auto q = std::make_unique<conc::Queue<int>>();
                for (int i = 0; i < 100; ++i) conc::CheckOk(q->put(i), "q.put(i)");
                return q;
              }),
  };
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "sys.getsizeof() beside sizeof and the heap a C++ value owns.");
  if (!conc::AllocationHooksLinked()) {
    std::fprintf(stderr, "getsizeof: built without //modules/profiling:alloc_hooks; nothing to count\n");
    return 1;
  }

  std::vector<std::string> python;
  if (conc::HaveProgram(kPython)) {
    auto r = conc::ValueOrDie(conc::RunCommand({kPython, "-c", kPythonScript}, absl::Minutes(1)),
                              "python3 sys.getsizeof");
    if (r.exit_code != 0) conc::CheckOk(absl::InternalError(r.output), "python3 sys.getsizeof");
    python = absl::StrSplit(r.output, '\n', absl::SkipEmpty());
  } else {
    std::printf("(no %s: the Python column stays empty)\n", kPython);
  }

  conc::Heading("sys.getsizeof(x) vs sizeof(x) + the heap x owns (bytes)");
  std::printf("%-28s %12s %8s %12s %8s\n", "value", "getsizeof", "sizeof", "heap bytes", "allocs");
  std::vector<Row> rows = Rows();
  rows[7].cpp_sizeof = sizeof(conc::Queue<int>);  // the queue itself, not the unique_ptr that holds it
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::printf("%-28s %12s %8zu %12llu %8llu\n", r.what, i < python.size() ? python[i].c_str() : "-",
                r.cpp_sizeof, static_cast<unsigned long long>(r.heap.bytes_requested),
                static_cast<unsigned long long>(r.heap.allocations));
  }

  conc::Heading("what the table says");
  std::printf("sizeof(std::vector<int>) = %zu whatever it holds; its 1000 ints are one heap block of %llu bytes\n",
              sizeof(std::vector<int>), static_cast<unsigned long long>(rows[4].heap.bytes_requested));
  std::printf("a short string allocates nothing: %s (15 chars fit the small-string buffer)\n",
              rows[2].heap.allocations == 0 ? "yes" : "no");
  std::printf("a map allocates one node per entry: %s\n", rows[5].heap.allocations == 100 ? "yes" : "no");
  std::printf("a generator's frame is one heap block: %s\n", rows[6].heap.allocations == 1 ? "yes" : "no");
  std::printf("an int and a double own no heap and carry no object header: %s\n",
              rows[0].heap.allocations == 0 && rows[1].heap.allocations == 0 ? "yes" : "no");
  return 0;
}
