// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/benchmarks/bench_document.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace conc {

PyValue MakeBenchDocument() {
  PyList records;
  records.reserve(kBenchRecords);
  for (int64_t i = 0; i < kBenchRecords; ++i) {
    records.push_back(PyValue::Dict({
        {PyValue::Str("id"), PyValue::Int(i)},
        {PyValue::Str("name"), PyValue::Str(absl::StrCat("user-", i))},
        {PyValue::Str("score"), PyValue::Float(static_cast<double>(i) * 0.5 + 0.25)},
        {PyValue::Str("active"), PyValue::Bool(i % 3 == 0)},
        {PyValue::Str("tags"),
         PyValue::List({PyValue::Str(absl::StrCat("t", i % 7)), PyValue::Str("shared")})},
        {PyValue::Str("address"),
         PyValue::Dict({{PyValue::Str("city"), PyValue::Str(absl::StrCat("city-", i % 100))},
                        {PyValue::Str("zip"), PyValue::Str(absl::StrFormat("%05d", i))}})},
    }));
  }
  return PyValue::Dict({
      {PyValue::Str("records"), PyValue::List(std::move(records))},
      {PyValue::Str("meta"),
       PyValue::Dict({{PyValue::Str("version"), PyValue::Int(1)},
                      {PyValue::Str("note"), PyValue::Str("conc marshalling benchmark")}})},
  });
}

}  // namespace conc
