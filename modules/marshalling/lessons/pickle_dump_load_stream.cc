// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pickle_dump_load_stream: six objects dumped into one file and loaded back
// until the end of the stream (the notebook's `pickle.dump` loop and its
// `except EOFError: break`).
//
//   with open("data.pkl", "wb") as outs:          auto outs = conc::ObjectWriter::Create(path);
//       for item in [a, b, c, d, e, f]:           for (const Item& item : items)
//           pickle.dump(item, outs)                 outs->dump(item);
//   ... pickle.load(ins) ... except EOFError      ins->load<Item>() ... conc::IsEndOfStream(status)
//
// C++ has no "any object": the reader must name the type it reads. Values of
// six types in one stream are one std::variant of the six, and std::visit
// prints each with its Python type. Then what Python cannot tell you: a file
// cut short (its writer killed) is not a clean end.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "absl/strings/str_join.h"
#include "modules/common/codec.h"
#include "modules/common/lesson.h"
#include "modules/marshalling/object_stream.h"

namespace {

// b = {"name": "Alice", "age": 30}: a record with named fields, declared once.
struct Person {
  std::string name;
  int age = 0;
  CONC_CODEC_FIELDS(name, age);
};

// [a, b, c, d, e, f]: list, dict, tuple, set, int, None.
using Item = std::variant<std::vector<int>, Person, std::tuple<int, int, int, int>, std::set<int>,
                          int, std::monostate>;

// print(item, type(item))
struct Printer {
  void operator()(const std::vector<int>& v) const {
    std::printf("[%s] <class 'list'>\n", absl::StrJoin(v, ", ").c_str());
  }
  void operator()(const Person& p) const {
    std::printf("{'name': '%s', 'age': %d} <class 'dict'>\n", p.name.c_str(), p.age);
  }
  void operator()(const std::tuple<int, int, int, int>& t) const {
    std::printf("(%d, %d, %d, %d) <class 'tuple'>\n", std::get<0>(t), std::get<1>(t),
                std::get<2>(t), std::get<3>(t));
  }
  // Python prints a set in hash order ({33, 66, 14, 55}); std::set is sorted.
  void operator()(const std::set<int>& s) const {
    std::printf("{%s} <class 'set'>\n", absl::StrJoin(s, ", ").c_str());
  }
  void operator()(int e) const { std::printf("%d <class 'int'>\n", e); }
  void operator()(std::monostate) const { std::printf("None <class 'NoneType'>\n"); }
};

std::string Scratch(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// The loop of the notebook: load until the end of the stream; returns the status that ended it.
absl::Status LoadAll(const std::string& path) {
  absl::StatusOr<conc::ObjectReader> ins = conc::ObjectReader::Open(path);
  if (!ins.ok()) return ins.status();
  while (true) {
    absl::StatusOr<Item> item = ins->load<Item>();
    if (!item.ok()) return item.status();
    std::visit(Printer{}, *item);
  }
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "Six objects into one object stream, read back until end of stream.");
  const std::string path = Scratch("data.bin");

  conc::Heading("with open('data.pkl', 'wb') as outs: pickle.dump(item, outs) for six items");
  const std::vector<Item> items = {std::vector<int>{10, 20, 30, 40}, Person{"Alice", 30},
                                   std::tuple(44, 55, 6, 77),        std::set<int>{14, 55, 66, 33},
                                   100,                              std::monostate{}};
  {
    conc::ObjectWriter outs = conc::ValueOrDie(conc::ObjectWriter::Create(path), "ObjectWriter::Create");
    for (const Item& item : items) conc::CheckOk(outs.dump(item), "outs.dump(item)");
    conc::CheckOk(outs.close(), "outs.close()");  // Writes the end marker.
    std::printf("wrote %llu objects, %llu bytes\n", static_cast<unsigned long long>(outs.count()),
                static_cast<unsigned long long>(outs.offset()));
  }

  conc::Heading("while True: item = pickle.load(ins) ... except EOFError: break");
  const absl::Status end = LoadAll(path);
  std::printf("the loop ended with %s; Python's EOFError: %s\n", end.ToString().c_str(),
              conc::IsEndOfStream(end) ? "yes" : "no");

  conc::Heading("the same file cut short, as if its writer had been killed");
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 3);
  const absl::Status cut = LoadAll(path);
  std::printf("%s\n", cut.ToString().c_str());
  std::printf("a clean end: %s (pickle.load would see a whole file up to the last complete pickle)\n",
              conc::IsEndOfStream(cut) ? "yes" : "no");
  return 0;
}
