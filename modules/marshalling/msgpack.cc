// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Reading: msgpack-cxx's parser with our visitor, which builds the PyValue tree
// directly (no msgpack::object zone in between) and checks every count against
// the bytes left before reserving. The parser reports where it stopped
// (parse_error, insufficient_bytes), so errors carry the byte offset. Writing:
// msgpack::packer, which picks the shortest encoding of each value as Python does.

#include "modules/marshalling/msgpack.h"

#include <simdjson.h>

#include <algorithm>
#include <exception>
#include <msgpack.hpp>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/marshalling/internal/bigint.h"

namespace conc {

namespace {

using Kind = PyValue::Kind;

class Builder : public msgpack::null_visitor {
 public:
  Builder(size_t size, const MsgpackLimits& limits) : size_(size), limits_(limits) {}

  PyValue& root() { return root_; }
  const std::string& stop_reason() const { return stop_; }
  bool short_input() const { return short_; }
  bool parse_failed() const { return parse_failed_; }
  size_t error_offset() const { return error_offset_; }

  bool visit_nil() { return Place(PyValue::None()); }
  bool visit_boolean(bool v) { return Place(PyValue::Bool(v)); }
  bool visit_positive_integer(uint64_t v) {
    if (v > static_cast<uint64_t>(INT64_MAX))
      return Place(PyValue::BigInt(internal::Uint64ToBigInt(v)));
    return Place(PyValue::Int(static_cast<int64_t>(v)));
  }
  bool visit_negative_integer(int64_t v) { return Place(PyValue::Int(v)); }
  bool visit_float32(float v) { return Place(PyValue::Float(v)); }
  bool visit_float64(double v) { return Place(PyValue::Float(v)); }
  bool visit_str(const char* v, uint32_t size) {
    if (!simdjson::validate_utf8(v, size)) return Stop("a str that is not valid UTF-8");
    return Place(PyValue::Str(std::string(v, size)));
  }
  bool visit_bin(const char* v, uint32_t size) {
    return Place(PyValue::Bytes(std::string(v, size)));
  }
  bool visit_ext(const char* v, uint32_t size) {
    return Stop(absl::StrCat("extension type ",
                             size > 0 ? static_cast<int>(static_cast<int8_t>(v[0])) : 0,
                             " (ExtType, Timestamp) is not supported"));
  }
  bool start_array(uint32_t n) { return Open(PyValue::List({}), n); }
  bool end_array() { return Close(); }
  bool start_map(uint32_t n) { return Open(PyValue::Dict({}), n); }
  bool start_map_key() {
    key_next_.back() = true;
    return true;
  }
  bool start_map_value() {
    key_next_.back() = false;
    return true;
  }
  bool end_map() { return Close(); }
  void parse_error(size_t, size_t error_offset) {
    parse_failed_ = true;
    error_offset_ = error_offset;
  }
  void insufficient_bytes(size_t, size_t error_offset) {
    short_ = true;
    error_offset_ = error_offset;
  }

 private:
  bool Stop(std::string why) {
    stop_ = std::move(why);
    return false;
  }

  bool Place(PyValue v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return true;
    }
    PyValue& top = *open_.back();
    if (top.kind == Kind::kList) {
      top.items().push_back(std::move(v));
    } else if (key_next_.back()) {
      top.pairs().emplace_back(std::move(v), PyValue());
    } else {
      top.pairs().back().second = std::move(v);
    }
    return true;
  }

  PyValue* Last() {
    if (open_.empty()) return &root_;
    PyValue& top = *open_.back();
    if (top.kind == Kind::kList) return &top.items().back();
    return key_next_.back() ? &top.pairs().back().first : &top.pairs().back().second;
  }

  bool Open(PyValue container, uint32_t n) {
    if (open_.size() >= limits_.max_depth)
      return Stop(absl::StrCat("nesting deeper than ", limits_.max_depth));
    if (!Place(std::move(container))) return false;
    // Each item takes at least a byte: reserve no more than the input could hold
    // (a count beyond it is found out as a truncated input).
    PyValue* c = Last();
    size_t reserve = std::min<size_t>(n, size_);
    if (c->kind == Kind::kList) {
      c->items().reserve(reserve);
    } else {
      c->pairs().reserve(reserve / 2);
    }
    open_.push_back(c);
    key_next_.push_back(false);
    return true;
  }

  bool Close() {
    open_.pop_back();
    key_next_.pop_back();
    return true;
  }

  size_t size_;
  const MsgpackLimits& limits_;
  PyValue root_;
  std::vector<PyValue*> open_;
  std::vector<bool> key_next_;
  std::string stop_;
  bool short_ = false;
  bool parse_failed_ = false;
  size_t error_offset_ = 0;
};

// One object from data[*off...]; advances *off past it. `base` is the offset of
// data[0] in the file, for messages. DataLoss for a short input (nothing consumed).
absl::StatusOr<PyValue> ParseOne(std::string_view data, size_t* off, size_t base,
                                 const MsgpackLimits& limits) {
  Builder builder(data.size() - *off, limits);
  size_t pos = *off;
  bool ok = false;
  try {
    ok = msgpack::parse(data.data(), data.size(), pos, builder);
  } catch (const std::exception& e) {  // msgpack-cxx throws on its own limits; nothing escapes
    return absl::InvalidArgumentError(
        absl::StrCat("msgpack: ", e.what(), " in the object at byte ", base + *off));
  }
  if (ok) {
    *off = pos;
    return std::move(builder.root());
  }
  if (!builder.stop_reason().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("msgpack: ", builder.stop_reason(), " in the object at byte ", base + *off));
  }
  if (builder.parse_failed()) {
    return absl::InvalidArgumentError(
        absl::StrCat("msgpack: malformed byte at offset ", base + builder.error_offset()));
  }
  return absl::DataLossError(absl::StrCat("msgpack: truncated object at byte ", base + *off,
                                          " (input ends at byte ", base + data.size(), ")"));
}

absl::Status Pack(msgpack::packer<msgpack::sbuffer>& pk, const PyValue& v, size_t depth) {
  if (depth > 1000) return absl::InvalidArgumentError("msgpack.packb: nesting deeper than 1000");
  switch (v.kind) {
    case Kind::kNone:
      pk.pack_nil();
      return absl::OkStatus();
    case Kind::kBool:
      v.b ? pk.pack_true() : pk.pack_false();
      return absl::OkStatus();
    case Kind::kInt:
      pk.pack_int64(v.i);
      return absl::OkStatus();
    case Kind::kBigInt: {
      uint64_t u = 0;
      if (!internal::BigIntToUint64(v.s(), &u))
        return absl::InvalidArgumentError("msgpack.packb: Integer value out of range");
      pk.pack_uint64(u);
      return absl::OkStatus();
    }
    case Kind::kFloat:
      pk.pack_double(v.f);
      return absl::OkStatus();
    case Kind::kStr:
      if (v.s().size() > UINT32_MAX)
        return absl::InvalidArgumentError("msgpack.packb: str is too large");
      pk.pack_str(static_cast<uint32_t>(v.s().size()));
      pk.pack_str_body(v.s().data(), static_cast<uint32_t>(v.s().size()));
      return absl::OkStatus();
    case Kind::kBytes:
    case Kind::kByteArray:
      if (v.s().size() > UINT32_MAX)
        return absl::InvalidArgumentError("msgpack.packb: bytes is too large");
      pk.pack_bin(static_cast<uint32_t>(v.s().size()));
      pk.pack_bin_body(v.s().data(), static_cast<uint32_t>(v.s().size()));
      return absl::OkStatus();
    case Kind::kList:
    case Kind::kTuple:
      if (v.items().size() > UINT32_MAX)
        return absl::InvalidArgumentError("msgpack.packb: list is too large");
      pk.pack_array(static_cast<uint32_t>(v.items().size()));
      for (const PyValue& item : v.items()) {
        if (absl::Status s = Pack(pk, item, depth + 1); !s.ok()) return s;
      }
      return absl::OkStatus();
    case Kind::kDict:
      if (v.pairs().size() > UINT32_MAX)
        return absl::InvalidArgumentError("msgpack.packb: dict is too large");
      pk.pack_map(static_cast<uint32_t>(v.pairs().size()));
      for (const auto& [key, value] : v.pairs()) {
        if (absl::Status s = Pack(pk, key, depth + 1); !s.ok()) return s;
        if (absl::Status s = Pack(pk, value, depth + 1); !s.ok()) return s;
      }
      return absl::OkStatus();
    case Kind::kSet:
    case Kind::kFrozenSet:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat("msgpack.packb: can not serialize '",
                                                 v.kind == Kind::kSet ? "set" : "frozenset",
                                                 "' object"));
}

}  // namespace

absl::StatusOr<std::string> MsgpackDumps(const PyValue& value) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  try {
    if (absl::Status s = Pack(pk, value, 0); !s.ok()) return s;
  } catch (const std::exception& e) {  // only std::bad_alloc is possible
    return absl::ResourceExhaustedError(absl::StrCat("msgpack.packb: ", e.what()));
  }
  return std::string(buffer.data(), buffer.size());
}

absl::StatusOr<PyValue> MsgpackLoads(std::string_view data, const MsgpackLimits& limits) {
  size_t off = 0;
  if (data.empty()) return absl::DataLossError("msgpack: no data (truncated object at byte 0)");
  absl::StatusOr<PyValue> v = ParseOne(data, &off, 0, limits);
  if (v.ok() && off != data.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("msgpack: extra data after the object, at byte ", off));
  }
  return v;
}

absl::StatusOr<MsgpackStreamReader> MsgpackStreamReader::Open(const std::string& path,
                                                              const MsgpackLimits& limits) {
  absl::StatusOr<internal::ChunkedFile> file = internal::ChunkedFile::Open(path);
  if (!file.ok()) return file.status();
  return MsgpackStreamReader(*std::move(file), limits);
}

absl::StatusOr<PyValue> MsgpackStreamReader::next() {
  if (!broken_.ok()) return broken_;
  size_t chunk = size_t{1} << 16;
  while (true) {
    if (start_ < buffer_.size()) {
      size_t off = start_;
      absl::StatusOr<PyValue> v = ParseOne(buffer_, &off, consumed_ - start_, limits_);
      if (v.ok()) {
        consumed_ += off - start_;
        start_ = off;
        return v;
      }
      if (v.status().code() != absl::StatusCode::kDataLoss || eof_) {
        broken_ = v.status();
        return broken_;
      }
      if (buffer_.size() - start_ > limits_.max_object) {
        broken_ = absl::ResourceExhaustedError(
            absl::StrCat("msgpack: the object at byte ", consumed_, " is larger than the limit of ",
                         limits_.max_object));
        return broken_;
      }
    } else if (eof_) {
      return absl::OutOfRangeError(absl::StrCat("msgpack: end of stream at byte ", consumed_));
    }
    // Keep the unparsed tail and read more; a large object reads in growing
    // chunks, so it is parsed O(log n) times, not once per chunk.
    buffer_.erase(0, start_);
    start_ = 0;
    size_t want = std::max(chunk, buffer_.size());
    absl::StatusOr<size_t> n = file_.Read(&buffer_, want);
    if (!n.ok()) return n.status();
    eof_ = *n == 0;
    chunk = want;
  }
}

}  // namespace conc
