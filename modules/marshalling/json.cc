// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// Parsing, fast path: simdjson's DOM parser (compiled into Debian's libsimdjson
// with every CPU kernel and chosen at run time: AVX2 or AVX-512 here) builds its
// tape, and the tape is walked into the PyValue tree. Its On-Demand API would save
// the tape, but it is compiled into the caller for the baseline x86-64 (SSE2) and
// runs simdjson's portable "fallback" kernel, several times slower.
//
// Slow path, only when the DOM parser refuses the text: the On-Demand walker,
// which reads an integer beyond 64 bits from its raw token (a BigInt, as Python)
// and knows where it stopped. simdjson reports what is wrong but not always where
// (its first stage finds an unclosed string or bad UTF-8 before any value is read),
// so the text is then read once more by RapidJSON's SAX reader, which gives the
// byte offset of its first error; simdjson's own position is the fallback.
//
// Writing: the tree is walked here and RapidJSON's Writer does the escaping and
// the transcoding (ensure_ascii); separators, indentation and float spelling are
// Python's, written here.

#include "modules/marshalling/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/marshalling/internal/bigint.h"
#include "modules/marshalling/internal/dict_slot.h"

namespace conc {

namespace {

namespace od = simdjson::ondemand;
using Kind = PyValue::Kind;

// ---- loading ----------------------------------------------------------------------

// Where RapidJSON finds the first error in `text`, with its message; nullopt if it
// finds none (the two parsers disagree only on limits such as depth).
std::optional<std::pair<size_t, std::string>> RapidjsonError(std::string_view text) {
  rapidjson::Reader reader;
  rapidjson::BaseReaderHandler<> handler;
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(ms);
  // Iterative: a deeply nested document cannot exhaust the stack.
  rapidjson::ParseResult r =
      reader.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(in,
                                                                                           handler);
  if (!r) return std::make_pair(r.Offset(), std::string(rapidjson::GetParseError_En(r.Code())));
  return std::nullopt;
}

// RFC 8259's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; `integer` says
// whether it has neither fraction nor exponent.
bool IsJsonNumber(std::string_view t, bool* integer) {
  size_t k = 0;
  auto digits = [&] {
    size_t start = k;
    while (k < t.size() && t[k] >= '0' && t[k] <= '9') ++k;
    return k > start;
  };
  if (k < t.size() && t[k] == '-') ++k;
  if (k < t.size() && t[k] == '0') {
    ++k;
  } else if (!digits()) {
    return false;
  }
  *integer = true;
  if (k < t.size() && t[k] == '.') {
    ++k;
    *integer = false;
    if (!digits()) return false;
  }
  if (k < t.size() && (t[k] == 'e' || t[k] == 'E')) {
    ++k;
    *integer = false;
    if (k < t.size() && (t[k] == '+' || t[k] == '-')) ++k;
    if (!digits()) return false;
  }
  return k == t.size();
}

// The slow path (On-Demand) recurses with frames several times the fast path's
// (under ASan, kilobytes): it serves documents up to this depth; deeper ones get
// RapidJSON's diagnosis only (a number beyond 64 bits there is then an error).
constexpr size_t kSlowPathDepth = 256;

// How deep `text` nests (brackets outside strings), and the offset where it first
// passes `limit` (text.size() if it never does).
struct Nesting {
  size_t deepest = 0;
  size_t first_past = 0;
};
Nesting ScanNesting(std::string_view text, size_t limit) {
  Nesting n;
  n.first_past = text.size();
  size_t depth = 0;
  bool in_string = false;
  for (size_t k = 0; k < text.size(); ++k) {
    char c = text[k];
    if (in_string) {
      if (c == '\\') {
        ++k;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > n.deepest) n.deepest = depth;
      if (depth > limit && n.first_past == text.size()) n.first_past = k;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return n;
}

// A refusal explained by RapidJSON's reader (its reason and offset), if it finds
// one.
std::optional<absl::Status> ExplainedByRapidjson(std::string_view text) {
  std::optional<std::pair<size_t, std::string>> rj = RapidjsonError(text);
  if (!rj) return std::nullopt;
  std::string message = rj->second;
  if (!message.empty() && message.back() == '.') message.pop_back();
  return absl::InvalidArgumentError(
      absl::StrCat("json: ", message, ": ", internal::Where(text, rj->first)));
}

// ... or by simdjson's code alone.
absl::Status Refused(std::string_view text, simdjson::error_code error) {
  if (std::optional<absl::Status> s = ExplainedByRapidjson(text)) return *s;
  return absl::InvalidArgumentError(absl::StrCat("json: ", simdjson::error_message(error)));
}

class Loader {
 public:
  Loader(std::string_view text, const JsonLimits& limits) : text_(text), limits_(limits) {}

  absl::StatusOr<PyValue> Run(od::parser& parser) {
    simdjson::padded_string padded(text_.data(), text_.size());
    padded_ = &padded;
    od::document doc;
    if (simdjson::error_code e = parser.iterate(padded).get(doc); e) return Fail(e, nullptr);
    PyValue out;
    if (simdjson::error_code e = Build(doc, out, 0); e) return Fail(e, &doc);
    // Anything after the value (Python's "Extra data"). A scalar document was read
    // from its raw token: look past it; a container: where the walk stopped.
    size_t at = text_.size();
    if (out.kind != Kind::kList && out.kind != Kind::kDict) {
      std::string_view token = RawToken(doc);
      at = static_cast<size_t>(token.data() - padded.data()) + token.size();
      while (at < text_.size() &&
             (text_[at] == ' ' || text_[at] == '\n' || text_[at] == '\r' || text_[at] == '\t')) {
        ++at;
      }
    } else if (simdjson::simdjson_result<const char*> rest = doc.current_location();
               !rest.error()) {
      at = static_cast<size_t>(rest.value_unsafe() - padded.data());
    }
    if (at < text_.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("json: extra data: ", internal::Where(text_, at)));
    }
    return out;
  }

 private:
  absl::Status Fail(simdjson::error_code e, od::document* doc) {
    if (!detail_.empty()) return absl::InvalidArgumentError(detail_);
    std::string what = simdjson::error_message(e);
    if (e == simdjson::DEPTH_ERROR) {
      return absl::InvalidArgumentError(
          absl::StrCat("json: nesting deeper than ", limits_.max_depth, " levels"));
    }
    if (std::optional<absl::Status> s = ExplainedByRapidjson(text_)) return *s;
    size_t at = text_.size();
    if (doc != nullptr) {
      simdjson::simdjson_result<const char*> loc = doc->current_location();
      if (!loc.error()) at = static_cast<size_t>(loc.value_unsafe() - padded_->data());
    }
    return absl::InvalidArgumentError(
        absl::StrCat("json: ", what, ": ", internal::Where(text_, at)));
  }

  static std::string_view RawToken(od::value& v) { return v.raw_json_token(); }
  static std::string_view RawToken(od::document& d) {
    std::string_view t;
    return d.raw_json_token().get(t) ? std::string_view() : t;
  }

  // A number simdjson refuses: an integer beyond 64 bits becomes a BigInt, a float
  // beyond double's range is inf (as Python's float("1e400")).
  template <typename V>
  simdjson::error_code BigNumber(V& v, PyValue& out) {
    std::string_view token = RawToken(v);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                              token.back() == '\t')) {
      token.remove_suffix(1);
    }
    size_t at = static_cast<size_t>(token.data() - padded_->data());
    bool integer = false;
    if (!IsJsonNumber(token, &integer)) return simdjson::NUMBER_ERROR;
    if (integer) {
      absl::StatusOr<std::string> big = internal::DecimalToBigInt(token);
      if (!big.ok()) {
        detail_ = absl::StrCat("json: ", big.status().message(), ": ", internal::Where(text_, at));
        return simdjson::NUMBER_ERROR;
      }
      out = PyValue::BigInt(*std::move(big));
      return simdjson::SUCCESS;
    }
    std::string copy(token);
    char* end = nullptr;
    double d = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || !std::isinf(d)) return simdjson::NUMBER_ERROR;
    out = PyValue::Float(d);
    return simdjson::SUCCESS;
  }

  template <typename V>
  simdjson::error_code Build(V& v, PyValue& out, size_t depth) {
    od::json_type type;
    if (simdjson::error_code e = v.type().get(type); e) return e;
    switch (type) {
      case od::json_type::array: {
        if (depth >= limits_.max_depth) return simdjson::DEPTH_ERROR;
        od::array array;
        if (simdjson::error_code e = v.get_array().get(array); e) return e;
        out.kind = Kind::kList;
        for (auto element : array) {
          od::value item;
          if (simdjson::error_code e = element.get(item); e) return e;
          out.items().emplace_back();
          if (simdjson::error_code e = Build(item, out.items().back(), depth + 1); e) return e;
        }
        return simdjson::SUCCESS;
      }
      case od::json_type::object: {
        if (depth >= limits_.max_depth) return simdjson::DEPTH_ERROR;
        od::object object;
        if (simdjson::error_code e = v.get_object().get(object); e) return e;
        out.kind = Kind::kDict;
        // Keys point into the parser's string buffer, stable for the document.
        internal::DictKeys keys;
        for (auto field : object) {
          std::string_view key;
          if (simdjson::error_code e = field.unescaped_key().get(key); e) return e;
          od::value item;
          if (simdjson::error_code e = field.value().get(item); e) return e;
          size_t slot = internal::DictSlot(out.pairs(), keys, key);
          if (simdjson::error_code e = Build(item, out.pairs()[slot].second, depth + 1); e) return e;
        }
        return simdjson::SUCCESS;
      }
      case od::json_type::number: {
        od::number number;
        if (v.get_number().get(number)) return BigNumber(v, out);
        switch (number.get_number_type()) {
          case od::number_type::signed_integer:
            out = PyValue::Int(number.get_int64());
            break;
          case od::number_type::unsigned_integer:
            if (number.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
              out = PyValue::Int(static_cast<int64_t>(number.get_uint64()));
            } else {
              out = PyValue::BigInt(internal::Uint64ToBigInt(number.get_uint64()));
            }
            break;
          case od::number_type::floating_point_number:
            out = PyValue::Float(number.get_double());
            break;
        }
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        std::string_view s;
        if (simdjson::error_code e = v.get_string().get(s); e) return e;
        out.kind = Kind::kStr;
        out.s().assign(s.data(), s.size());
        return simdjson::SUCCESS;
      }
      case od::json_type::boolean: {
        bool b = false;
        if (simdjson::error_code e = v.get_bool().get(b); e) return e;
        out = PyValue::Bool(b);
        return simdjson::SUCCESS;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (simdjson::error_code e = v.is_null().get(is_null); e) return e;
        if (!is_null) return simdjson::N_ATOM_ERROR;
        out = PyValue::None();
        return simdjson::SUCCESS;
      }
    }
    return simdjson::INCORRECT_TYPE;
  }

  std::string_view text_;
  const JsonLimits& limits_;
  simdjson::padded_string* padded_ = nullptr;
  std::string detail_;  // a message more precise than simdjson's code
};

// The fast path: the DOM tape into a PyValue tree. Returns false where the slow
// path must decide (a depth past the limit).
class TapeWalker {
 public:
  explicit TapeWalker(size_t max_depth) : max_depth_(max_depth) {}

  // Fills `out`, a default (None) PyValue, in place: no temporaries to move.
  bool Build(simdjson::dom::element e, PyValue& out, size_t depth) {
    switch (e.type()) {
      case simdjson::dom::element_type::ARRAY: {
        if (depth >= max_depth_) return false;
        simdjson::dom::array array = e.get_array().value_unsafe();
        out.kind = Kind::kList;
        out.items().resize(array.size());
        PyValue* slot = out.items().data();
        for (simdjson::dom::element item : array) {
          if (!Build(item, *slot++, depth + 1)) return false;
        }
        return true;
      }
      case simdjson::dom::element_type::OBJECT: {
        if (depth >= max_depth_) return false;
        simdjson::dom::object object = e.get_object().value_unsafe();
        out.kind = Kind::kDict;
        out.pairs().reserve(object.size());
        internal::DictKeys keys;
        for (simdjson::dom::key_value_pair field : object) {
          size_t slot = internal::DictSlot(out.pairs(), keys, field.key);
          if (!Build(field.value, out.pairs()[slot].second, depth + 1)) return false;
        }
        return true;
      }
      case simdjson::dom::element_type::INT64:
        out.kind = Kind::kInt;
        out.i = e.get_int64().value_unsafe();
        return true;
      case simdjson::dom::element_type::UINT64: {
        uint64_t u = e.get_uint64().value_unsafe();
        if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          out.kind = Kind::kInt;
          out.i = static_cast<int64_t>(u);
        } else {
          out = PyValue::BigInt(internal::Uint64ToBigInt(u));
        }
        return true;
      }
      case simdjson::dom::element_type::DOUBLE:
        out.kind = Kind::kFloat;
        out.f = e.get_double().value_unsafe();
        return true;
      case simdjson::dom::element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        out.kind = Kind::kStr;
        out.s().assign(s.data(), s.size());
        return true;
      }
      case simdjson::dom::element_type::BOOL:
        out.kind = Kind::kBool;
        out.b = e.get_bool().value_unsafe();
        return true;
      case simdjson::dom::element_type::NULL_VALUE:
        return true;
    }
    return false;
  }

 private:
  size_t max_depth_;
};

od::parser& ThreadOnDemandParser(size_t max_depth) {
  thread_local od::parser parser;
  if (parser.max_depth() != max_depth + 1) {
    simdjson::error_code ignored = parser.allocate(0, max_depth + 1);  // iterate() grows it
    (void)ignored;
  }
  return parser;
}

simdjson::dom::parser& ThreadDomParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// ---- dumping ----------------------------------------------------------------------

// RapidJSON's Writer, for its escaping and transcoding; the layout is ours.
template <typename Target>
class Out
    : public rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, Target,
                               rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag> {
  using Base = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, Target,
                                 rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>;

 public:
  explicit Out(rapidjson::StringBuffer& buffer) : Base(buffer), buffer_(buffer) {}
  bool Str(const std::string& s) {
    if (s.size() > std::numeric_limits<rapidjson::SizeType>::max()) return false;
    return Base::WriteString(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  }
  void Raw(std::string_view s) {
    char* p = buffer_.Push(s.size());
    std::memcpy(p, s.data(), s.size());
  }
  void Put(char c) { buffer_.Put(c); }

 private:
  rapidjson::StringBuffer& buffer_;
};

template <typename Target>
class Dumper {
 public:
  Dumper(rapidjson::StringBuffer& buffer, const JsonDumpOptions& options)
      : out_(buffer), options_(options) {}

  absl::Status Value(const PyValue& v, size_t depth) {
    switch (v.kind) {
      case Kind::kNone:
        out_.Raw("null");
        return absl::OkStatus();
      case Kind::kBool:
        out_.Raw(v.b ? "true" : "false");
        return absl::OkStatus();
      case Kind::kInt: {
        char buf[24];
        out_.Raw(std::string_view(
            buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof(buf), v.i).ptr - buf)));
        return absl::OkStatus();
      }
      case Kind::kBigInt:
        out_.Raw(internal::BigIntToDecimal(v.s()));
        return absl::OkStatus();
      case Kind::kFloat:
        Float(v.f);
        return absl::OkStatus();
      case Kind::kStr:
        if (!out_.Str(v.s()))
          return absl::InvalidArgumentError("json.dumps: a str that is not valid UTF-8");
        return absl::OkStatus();
      case Kind::kList:
      case Kind::kTuple: {
        if (depth >= kMaxDepth) return TooDeep();
        out_.Put('[');
        for (size_t k = 0; k < v.items().size(); ++k) {
          Separator(k, depth + 1);
          if (absl::Status s = Value(v.items()[k], depth + 1); !s.ok()) return s;
        }
        Close(v.items().empty(), depth, ']');
        return absl::OkStatus();
      }
      case Kind::kDict: {
        if (depth >= kMaxDepth) return TooDeep();
        out_.Put('{');
        for (size_t k = 0; k < v.pairs().size(); ++k) {
          Separator(k, depth + 1);
          if (absl::Status s = Key(v.pairs()[k].first); !s.ok()) return s;
          out_.Raw(": ");
          if (absl::Status s = Value(v.pairs()[k].second, depth + 1); !s.ok()) return s;
        }
        Close(v.pairs().empty(), depth, '}');
        return absl::OkStatus();
      }
      case Kind::kBytes:
      case Kind::kByteArray:
      case Kind::kSet:
      case Kind::kFrozenSet:
        break;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("json.dumps: Object of type ", TypeName(v.kind), " is not JSON serializable"));
  }

 private:
  static constexpr size_t kMaxDepth = 1000;

  static const char* TypeName(Kind kind) {
    switch (kind) {
      case Kind::kBytes:
        return "bytes";
      case Kind::kByteArray:
        return "bytearray";
      case Kind::kSet:
        return "set";
      case Kind::kFrozenSet:
        return "frozenset";
      default:
        return "?";
    }
  }
  static absl::Status TooDeep() {
    return absl::InvalidArgumentError(
        absl::StrCat("json.dumps: nesting deeper than ", kMaxDepth, " levels"));
  }

  void Float(double f) {
    if (std::isnan(f)) {
      out_.Raw("NaN");
    } else if (std::isinf(f)) {
      out_.Raw(f > 0 ? "Infinity" : "-Infinity");
    } else {
      char buf[40];
      out_.Raw(std::string_view(buf, internal::FloatRepr(f, buf)));
    }
  }

  // Python's keys: str as is; int, float, bool and None as their JSON text.
  absl::Status Key(const PyValue& key) {
    switch (key.kind) {
      case Kind::kStr:
        if (!out_.Str(key.s()))
          return absl::InvalidArgumentError("json.dumps: a key that is not valid UTF-8");
        return absl::OkStatus();
      case Kind::kInt:
        out_.Str(absl::StrCat(key.i));
        return absl::OkStatus();
      case Kind::kBigInt:
        out_.Str(internal::BigIntToDecimal(key.s()));
        return absl::OkStatus();
      case Kind::kFloat: {
        char buf[40];
        std::string text = std::isnan(key.f)   ? "NaN"
                           : std::isinf(key.f) ? (key.f > 0 ? "Infinity" : "-Infinity")
                                               : std::string(buf, internal::FloatRepr(key.f, buf));
        out_.Str(text);
        return absl::OkStatus();
      }
      case Kind::kBool:
        out_.Str(key.b ? "true" : "false");
        return absl::OkStatus();
      case Kind::kNone:
        out_.Str("null");
        return absl::OkStatus();
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("json.dumps: keys must be str, int, float, bool or None, not ",
                         PyValue::Kind::kTuple == key.kind ? "tuple" : "a container"));
    }
  }

  // Before item k of a container whose items sit at `depth`.
  void Separator(size_t k, size_t depth) {
    if (!options_.indent) {
      if (k) out_.Raw(", ");
      return;
    }
    if (k) out_.Put(',');
    Newline(depth);
  }
  void Close(bool empty, size_t depth, char bracket) {
    if (options_.indent && !empty) Newline(depth);
    out_.Put(bracket);
  }
  void Newline(size_t depth) {
    out_.Put('\n');
    size_t n = depth * static_cast<size_t>(*options_.indent > 0 ? *options_.indent : 0);
    for (size_t k = 0; k < n; ++k) out_.Put(' ');
  }

  Out<Target> out_;
  const JsonDumpOptions& options_;
};

}  // namespace

absl::StatusOr<PyValue> JsonLoads(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_input) {
    return absl::ResourceExhaustedError(absl::StrCat("json: a document of ", text.size(),
                                                     " bytes is larger than the limit of ",
                                                     limits.max_input));
  }
  simdjson::dom::element root;
  simdjson::error_code error = ThreadDomParser().parse(text.data(), text.size(), true).get(root);
  if (!error) {
    PyValue out;
    if (TapeWalker(limits.max_depth).Build(root, out, 0)) return out;
    error = simdjson::DEPTH_ERROR;  // the walker stops at max_depth
  }
  Nesting nesting = ScanNesting(text, limits.max_depth);
  if (error == simdjson::DEPTH_ERROR || nesting.first_past < text.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("json: nesting deeper than ", limits.max_depth,
                     " levels: ", internal::Where(text, nesting.first_past)));
  }
  // The slow path recurses, with larger frames: only for shallow documents.
  if (nesting.deepest <= kSlowPathDepth) {
    Loader loader(text, limits);
    return loader.Run(ThreadOnDemandParser(limits.max_depth));
  }
  return Refused(text, error);
}

absl::StatusOr<std::string> JsonDumps(const PyValue& value, const JsonDumpOptions& options) {
  rapidjson::StringBuffer buffer;
  absl::Status s = options.ensure_ascii
                       ? Dumper<rapidjson::ASCII<>>(buffer, options).Value(value, 0)
                       : Dumper<rapidjson::UTF8<>>(buffer, options).Value(value, 0);
  if (!s.ok()) return s;
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::StatusOr<PyValue> JsonLoadFile(const std::string& path, const JsonLimits& limits) {
  return internal::LoadFile(path, limits.max_input,
                            [&](std::string_view text) { return JsonLoads(text, limits); });
}

absl::Status JsonDumpFile(const PyValue& value, const std::string& path,
                          const JsonDumpOptions& options) {
  return internal::DumpFile(JsonDumps(value, options), path);
}

absl::StatusOr<JsonLinesReader> JsonLinesReader::Open(const std::string& path, size_t max_line,
                                                      const JsonLimits& limits) {
  absl::StatusOr<internal::ChunkedFile> file = internal::ChunkedFile::Open(path);
  if (!file.ok()) return file.status();
  return JsonLinesReader(*std::move(file), max_line, limits);
}

absl::StatusOr<PyValue> JsonLinesReader::next() {
  constexpr size_t kChunk = size_t{1} << 16;
  while (true) {
    size_t newline = buffer_.find('\n', buffer_start_);
    if (newline == std::string::npos && !eof_) {
      if (buffer_.size() - buffer_start_ > max_line_) {
        // Skip the rest of the line, so the next call starts afresh.
        ++line_number_;
        size_t line = line_number_;
        buffer_.clear();
        buffer_start_ = 0;
        while (!eof_) {
          absl::StatusOr<size_t> n = file_.Read(&buffer_, kChunk);
          if (!n.ok()) return n.status();
          eof_ = *n == 0;
          size_t nl = buffer_.find('\n');
          if (nl != std::string::npos) {
            buffer_start_ = nl + 1;
            break;
          }
          buffer_.clear();
        }
        return absl::ResourceExhaustedError(absl::StrCat(
            "json lines: line ", line, " is longer than the limit of ", max_line_, " bytes"));
      }
      // Keep only the unconsumed tail, then read more.
      buffer_.erase(0, buffer_start_);
      buffer_start_ = 0;
      absl::StatusOr<size_t> n = file_.Read(&buffer_, kChunk);
      if (!n.ok()) return n.status();
      eof_ = *n == 0;
      continue;
    }
    size_t end = newline == std::string::npos ? buffer_.size() : newline;
    if (end == buffer_start_ && newline == std::string::npos)
      return absl::OutOfRangeError("json lines: end of file");
    std::string_view line(buffer_.data() + buffer_start_, end - buffer_start_);
    buffer_start_ = newline == std::string::npos ? buffer_.size() : newline + 1;
    ++line_number_;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    absl::StatusOr<PyValue> v = JsonLoads(line, limits_);
    if (!v.ok()) {
      std::string message(v.status().message());
      // The position inside the line is "line 1 column C": name the file's line.
      size_t at = message.find("line 1 column ");
      if (at != std::string::npos) message.replace(at, 6, absl::StrCat("line ", line_number_));
      return absl::Status(v.status().code(), message);
    }
    return v;
  }
}

}  // namespace conc
