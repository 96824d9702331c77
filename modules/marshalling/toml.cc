// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// toml++ parses into its table (a sorted map); the walk here puts each table's
// keys back in the order they appear in the file (every key remembers where it
// was read), as tomllib's dicts have them.

#include "modules/marshalling/toml.h"

#include <toml++/toml.h>

#include <algorithm>
#include <exception>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/marshalling/internal/text_io.h"

namespace conc {

namespace {

using Kind = PyValue::Kind;

absl::string_view Av(std::string_view v) { return absl::string_view(v.data(), v.size()); }

template <typename T>
std::string Spelled(const T& v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

PyValue FromNode(const toml::node& node);

PyValue FromTable(const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  entries.reserve(table.size());
  for (const auto& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const toml::source_position& pa = a.first->source().begin;
    const toml::source_position& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  PyDict pairs;
  pairs.reserve(entries.size());
  for (const auto& [key, node] : entries)
    pairs.emplace_back(PyValue::Str(std::string(key->str())), FromNode(*node));
  return PyValue::Dict(std::move(pairs));
}

PyValue FromNode(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return FromTable(*node.as_table());
    case toml::node_type::array: {
      PyList items;
      for (const toml::node& item : *node.as_array()) items.push_back(FromNode(item));
      return PyValue::List(std::move(items));
    }
    case toml::node_type::string:
      return PyValue::Str(node.as_string()->get());
    case toml::node_type::integer:
      return PyValue::Int(node.as_integer()->get());
    case toml::node_type::floating_point:
      return PyValue::Float(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return PyValue::Bool(node.as_boolean()->get());
    case toml::node_type::date:
      return PyValue::Str(Spelled(node.as_date()->get()));
    case toml::node_type::time:
      return PyValue::Str(Spelled(node.as_time()->get()));
    case toml::node_type::date_time:
      return PyValue::Str(Spelled(node.as_date_time()->get()));
    case toml::node_type::none:
      break;
  }
  return PyValue::None();
}

absl::Status Unsupported(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("toml: ", Av(what), " has no TOML form"));
}

absl::Status ToTable(const PyValue& v, toml::table* out, size_t depth);

absl::Status ToNode(const PyValue& v, size_t depth, std::unique_ptr<toml::node>* out) {
  if (depth > 200) return absl::InvalidArgumentError("toml: nesting deeper than 200");
  switch (v.kind) {
    case Kind::kBool:
      *out = std::make_unique<toml::value<bool>>(v.b);
      return absl::OkStatus();
    case Kind::kInt:
      *out = std::make_unique<toml::value<int64_t>>(v.i);
      return absl::OkStatus();
    case Kind::kFloat:
      *out = std::make_unique<toml::value<double>>(v.f);
      return absl::OkStatus();
    case Kind::kStr:
      *out = std::make_unique<toml::value<std::string>>(v.s());
      return absl::OkStatus();
    case Kind::kList:
    case Kind::kTuple: {
      auto array = std::make_unique<toml::array>();
      for (const PyValue& item : v.items()) {
        std::unique_ptr<toml::node> node;
        if (absl::Status s = ToNode(item, depth + 1, &node); !s.ok()) return s;
        array->push_back(std::move(*node));
      }
      *out = std::move(array);
      return absl::OkStatus();
    }
    case Kind::kDict: {
      auto table = std::make_unique<toml::table>();
      if (absl::Status s = ToTable(v, table.get(), depth + 1); !s.ok()) return s;
      *out = std::move(table);
      return absl::OkStatus();
    }
    case Kind::kNone:
      return Unsupported("None");
    case Kind::kBigInt:
      return Unsupported("an int beyond 64 bits");
    case Kind::kBytes:
    case Kind::kByteArray:
      return Unsupported("bytes");
    case Kind::kSet:
    case Kind::kFrozenSet:
      return Unsupported("a set");
  }
  return Unsupported("this value");
}

absl::Status ToTable(const PyValue& v, toml::table* out, size_t depth) {
  for (const auto& [key, value] : v.pairs()) {
    if (key.kind != Kind::kStr)
      return absl::InvalidArgumentError("toml: a table key must be a str");
    std::unique_ptr<toml::node> node;
    if (absl::Status s = ToNode(value, depth, &node); !s.ok()) return s;
    out->insert_or_assign(key.s(), std::move(*node));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PyValue> TomlLoads(std::string_view text) {
  try {
    toml::table table = toml::parse(text);
    return FromTable(table);
  } catch (const toml::parse_error& e) {
    const toml::source_position& at = e.source().begin;
    return absl::InvalidArgumentError(
        absl::StrCat("toml: ", Av(e.description()), " at line ", at.line, " column ", at.column));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("toml: ", e.what()));
  }
}

absl::StatusOr<PyValue> TomlLoadFile(const std::string& path, size_t max_input) {
  return internal::LoadFile(path, max_input, [](std::string_view text) { return TomlLoads(text); });
}

absl::StatusOr<std::string> TomlDumps(const PyValue& value) {
  if (value.kind != Kind::kDict)
    return absl::InvalidArgumentError("toml: a document must be a dict");
  try {
    toml::table table;
    if (absl::Status s = ToTable(value, &table, 0); !s.ok()) return s;
    std::ostringstream out;
    out << table << "\n";
    return out.str();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("toml: ", e.what()));
  }
}

absl::Status TomlDumpFile(const PyValue& value, const std::string& path) {
  return internal::DumpFile(TomlDumps(value), path);
}

}  // namespace conc
