// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// yaml-cpp parses into its node tree (resolving nothing: a plain scalar's tag is
// "?", a quoted one's "!"); the tree is walked here into PyValues with PyYAML's
// resolver rules. Writing goes through YAML::Emitter; a str that would read back
// as another type is double-quoted.

#include "modules/marshalling/yaml.h"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "modules/marshalling/internal/bigint.h"
#include "modules/marshalling/internal/dict_slot.h"
#include "modules/marshalling/internal/text_io.h"

namespace conc {

namespace {

using Kind = PyValue::Kind;

constexpr std::string_view kTag = "tag:yaml.org,2002:";

bool OneOf(std::string_view s, std::initializer_list<std::string_view> options) {
  for (std::string_view o : options) {
    if (s == o) return true;
  }
  return false;
}

// Digits of `base` and underscores, at least one digit.
bool DigitsIn(std::string_view s, int base) {
  bool any = false;
  for (char c : s) {
    if (c == '_') continue;
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : 99;
    if (d >= base) return false;
    any = true;
  }
  return any;
}

std::string WithoutUnderscores(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '_') out.push_back(c);
  }
  return out;
}

// PyYAML's int: [-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*). Sets *out
// (an Int, or a BigInt for a long decimal); false if `s` is not an int, an error
// for an int out of range.
absl::StatusOr<bool> ResolveInt(std::string_view s, PyValue* out) {
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty() || body[0] < '0' || body[0] > '9') return false;
  int base = 10;
  std::string_view digits = body;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'x')) {
    base = body[1] == 'b' ? 2 : 16;
    digits = body.substr(2);
  } else if (body.size() > 1 && body[0] == '0') {
    base = 8;
    digits = body.substr(1);
  }
  if (!DigitsIn(digits, base)) return false;
  std::string clean = WithoutUnderscores(digits);
  errno = 0;
  char* end = nullptr;
  unsigned long long mag = std::strtoull(clean.c_str(), &end, base);
  bool fits = errno == 0 && (mag <= static_cast<unsigned long long>(INT64_MAX) ||
                             (negative && mag == 1ull << 63));
  if (fits) {
    *out = PyValue::Int(negative ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag));
    return true;
  }
  if (base != 10)
    return absl::InvalidArgumentError(absl::StrCat("the int ", std::string(s), " is out of range"));
  absl::StatusOr<std::string> big = internal::DecimalToBigInt((negative ? "-" : "") + clean);
  if (!big.ok()) return big.status();
  *out = PyValue::BigInt(*std::move(big));
  return true;
}

// PyYAML's float: [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?, [-+]?.inf, .nan.
bool ResolveFloat(std::string_view s, PyValue* out) {
  std::string_view body = s;
  double sign = 1;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    sign = body[0] == '-' ? -1 : 1;
    body.remove_prefix(1);
  }
  if (OneOf(body, {".inf", ".Inf", ".INF"})) {
    *out = PyValue::Float(sign * INFINITY);
    return true;
  }
  if (body.size() == s.size() && OneOf(body, {".nan", ".NaN", ".NAN"})) {
    *out = PyValue::Float(NAN);
    return true;
  }
  size_t dot = body.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view whole = body.substr(0, dot), rest = body.substr(dot + 1);
  if (!whole.empty() && (!DigitsIn(whole, 10) || whole[0] == '_')) return false;
  size_t e = rest.find_first_of("eE");
  std::string_view frac = rest.substr(0, e);
  if (!frac.empty() && !DigitsIn(frac, 10)) return false;
  if (whole.empty() && (frac.empty() || body.size() != s.size()))
    return false;  // .5 yes; -.5 is a str
  if (e != std::string_view::npos) {
    std::string_view exp = rest.substr(e + 1);
    if (exp.size() < 2 || (exp[0] != '+' && exp[0] != '-') || !DigitsIn(exp.substr(1), 10) ||
        exp.find('_') != std::string_view::npos) {
      return false;
    }
  }
  std::string clean = WithoutUnderscores(body);
  *out = PyValue::Float(sign * std::strtod(clean.c_str(), nullptr));
  return true;
}

// What a plain scalar means to safe_load.
absl::StatusOr<PyValue> ResolvePlain(const std::string& s) {
  if (OneOf(s, {"", "~", "null", "Null", "NULL"})) return PyValue::None();
  if (OneOf(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}))
    return PyValue::Bool(true);
  if (OneOf(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}))
    return PyValue::Bool(false);
  PyValue v;
  absl::StatusOr<bool> is_int = ResolveInt(s, &v);
  if (!is_int.ok()) return is_int.status();
  if (*is_int || ResolveFloat(s, &v)) return v;
  return PyValue::Str(s);
}

std::string Where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return absl::StrCat(" at line ", mark.line + 1, " column ", mark.column + 1);
}

class Loader {
 public:
  explicit Loader(const YamlLimits& limits) : limits_(limits) {}

  absl::Status Build(const YAML::Node& node, PyValue& out, size_t depth) {
    if (++values_ > limits_.max_values) {
      return absl::ResourceExhaustedError(absl::StrCat("yaml: more than ", limits_.max_values,
                                                       " values (aliases expanded)",
                                                       Where(node.Mark())));
    }
    if (depth > limits_.max_depth) {
      return absl::InvalidArgumentError(
          absl::StrCat("yaml: nesting deeper than ", limits_.max_depth, Where(node.Mark())));
    }
    const std::string& tag = node.Tag();
    std::string_view t = tag;
    std::string_view known =
        t.substr(0, kTag.size()) == kTag ? t.substr(kTag.size()) : std::string_view();
    bool untagged = tag.empty() || tag == "?" || tag == "!";
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = PyValue::None();
        return absl::OkStatus();
      case YAML::NodeType::Scalar:
        return Scalar(node, tag, known, out);
      case YAML::NodeType::Sequence: {
        if (!untagged && known != "seq") return BadTag(node);
        out = PyValue::List({});
        out.items().resize(node.size());
        size_t k = 0;
        for (const YAML::Node& item : node) {
          if (absl::Status s = Build(item, out.items()[k++], depth + 1); !s.ok()) return s;
        }
        return absl::OkStatus();
      }
      case YAML::NodeType::Map: {
        if (!untagged && known != "map") return BadTag(node);
        out = PyValue::Dict({});
        internal::DictKeys keys;
        for (const auto& pair : node) {
          PyValue key;
          if (absl::Status s = Build(pair.first, key, depth + 1); !s.ok()) return s;
          size_t slot;
          if (key.kind == Kind::kStr) {
            // The key's text lives in yaml-cpp's tree, which outlives `keys`.
            slot = internal::DictSlot(out.pairs(), keys, pair.first.Scalar());
          } else {
            out.pairs().emplace_back(std::move(key), PyValue());
            slot = out.pairs().size() - 1;
          }
          if (absl::Status s = Build(pair.second, out.pairs()[slot].second, depth + 1); !s.ok())
            return s;
        }
        return absl::OkStatus();
      }
    }
    return absl::InternalError("yaml: a node of no known type");
  }

 private:
  static absl::Status BadTag(const YAML::Node& node) {
    return absl::InvalidArgumentError(
        absl::StrCat("yaml: could not determine a constructor for the tag '", node.Tag(), "'",
                     Where(node.Mark())));
  }

  absl::Status Scalar(const YAML::Node& node, const std::string& tag, std::string_view known,
                      PyValue& out) {
    const std::string& s = node.Scalar();
    absl::StatusOr<PyValue> v = PyValue::Str(s);
    if (tag == "?") {
      v = ResolvePlain(s);
    } else if (tag == "!" || known == "str") {
      // quoted, or !!str: a str
    } else if (known == "int") {
      PyValue i;
      absl::StatusOr<bool> ok = ResolveInt(s, &i);
      if (!ok.ok())
        return absl::InvalidArgumentError(
            absl::StrCat("yaml: ", ok.status().message(), Where(node.Mark())));
      if (!*ok)
        return absl::InvalidArgumentError(
            absl::StrCat("yaml: '", s, "' is not an int", Where(node.Mark())));
      v = i;
    } else if (known == "float") {
      PyValue f;
      PyValue i;
      absl::StatusOr<bool> is_int = ResolveInt(s, &i);
      if (is_int.ok() && *is_int && i.kind == Kind::kInt) {
        f = PyValue::Float(static_cast<double>(i.i));
      } else if (!ResolveFloat(s, &f)) {
        return absl::InvalidArgumentError(
            absl::StrCat("yaml: '", s, "' is not a float", Where(node.Mark())));
      }
      v = f;
    } else if (known == "bool" || known == "null") {
      v = ResolvePlain(s);
      if (v.ok() && ((known == "bool") != (v->kind == Kind::kBool) ||
                     (known == "null") != (v->kind == Kind::kNone))) {
        return absl::InvalidArgumentError(
            absl::StrCat("yaml: '", s, "' is not a ", std::string(known), Where(node.Mark())));
      }
    } else if (known == "binary") {
      std::string bytes;
      std::string compact;
      for (char c : s) {
        if (c != '\n' && c != ' ' && c != '\r') compact.push_back(c);
      }
      if (!absl::Base64Unescape(compact, &bytes)) {
        return absl::InvalidArgumentError(
            absl::StrCat("yaml: !!binary that is not base64", Where(node.Mark())));
      }
      v = PyValue::Bytes(std::move(bytes));
    } else {
      return BadTag(node);
    }
    if (!v.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("yaml: ", v.status().message(), Where(node.Mark())));
    out = *std::move(v);
    return absl::OkStatus();
  }

  const YamlLimits& limits_;
  size_t values_ = 0;
};

// A str that a plain scalar would not give back as the same str.
bool NeedsQuotes(const std::string& s) {
  absl::StatusOr<PyValue> v = ResolvePlain(s);
  return !v.ok() || v->kind != Kind::kStr;
}

std::string YamlFloat(double d) {
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
  char buf[40];
  std::string text(buf, internal::FloatRepr(d, buf));
  // PyYAML's float needs a dot: 1e+16 is written 1.0e+16.
  if (text.find('.') == std::string::npos) text.insert(text.find('e'), ".0");
  return text;
}

absl::Status Emit(YAML::Emitter& e, const PyValue& v, size_t depth) {
  if (depth > 1000) return absl::InvalidArgumentError("yaml.safe_dump: nesting deeper than 1000");
  switch (v.kind) {
    case Kind::kNone:
      e << YAML::Null;
      break;
    case Kind::kBool:
      e << v.b;
      break;
    case Kind::kInt:
      e << v.i;
      break;
    case Kind::kBigInt:
      e << internal::BigIntToDecimal(v.s());
      break;
    case Kind::kFloat:
      e << YamlFloat(v.f);
      break;
    case Kind::kStr:
      if (NeedsQuotes(v.s())) e << YAML::DoubleQuoted;
      e << v.s();
      break;
    case Kind::kBytes:
    case Kind::kByteArray:
      e << YAML::Binary(reinterpret_cast<const unsigned char*>(v.s().data()), v.s().size());
      break;
    case Kind::kList:
    case Kind::kTuple:
      if (v.items().empty()) e << YAML::Flow;
      e << YAML::BeginSeq;
      for (const PyValue& item : v.items()) {
        if (absl::Status s = Emit(e, item, depth + 1); !s.ok()) return s;
      }
      e << YAML::EndSeq;
      break;
    case Kind::kDict:
      if (v.pairs().empty()) e << YAML::Flow;
      e << YAML::BeginMap;
      for (const auto& [key, value] : v.pairs()) {
        e << YAML::Key;
        if (absl::Status s = Emit(e, key, depth + 1); !s.ok()) return s;
        e << YAML::Value;
        if (absl::Status s = Emit(e, value, depth + 1); !s.ok()) return s;
      }
      e << YAML::EndMap;
      break;
    case Kind::kSet:
    case Kind::kFrozenSet:
      return absl::InvalidArgumentError(
          "yaml.safe_dump: a set is written as !!set, which safe_load here refuses");
  }
  if (!e.good())
    return absl::InvalidArgumentError(absl::StrCat("yaml.safe_dump: ", e.GetLastError()));
  return absl::OkStatus();
}

// yaml-cpp 0.7's LoadAll loops for ever on a ',' where a node should start (its
// parser then reports an empty document without consuming the token: upstream
// issue 1040, fixed after 0.8). So documents are counted here first, through the
// parser's events, stopping at a document that made no progress.
class Probe : public YAML::EventHandler {
 public:
  void Reset() {
    events_ = 0;
    only_null_ = true;
  }
  bool only_null() const { return events_ == 1 && only_null_; }
  const YAML::Mark& mark() const { return mark_; }

  void OnDocumentStart(const YAML::Mark& mark) override { mark_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Saw(mark, true); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Saw(mark, false); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Saw(mark, false);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Saw(mark, false);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Saw(mark, false);
  }
  void OnMapEnd() override {}

 private:
  void Saw(const YAML::Mark& mark, bool null) {
    if (events_++ == 0) mark_ = mark;
    only_null_ = only_null_ && null;
  }
  size_t events_ = 0;
  bool only_null_ = true;
  YAML::Mark mark_;
};

// The number of documents (0 or 1); InvalidArgument for a second one or a token
// the parser cannot get past. Throws what yaml-cpp throws.
absl::Status CheckOneDocument(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  Probe probe;
  size_t docs = 0;
  int last_null_pos = -1;
  while (true) {
    probe.Reset();
    if (!parser.HandleNextDocument(probe)) return absl::OkStatus();
    if (probe.only_null() && probe.mark().pos == last_null_pos) {
      return absl::InvalidArgumentError(
          absl::StrCat("yaml: unexpected token", Where(probe.mark())));
    }
    last_null_pos = probe.only_null() ? probe.mark().pos : -1;
    if (++docs > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("yaml: expected a single document in the stream, but found another",
                       Where(probe.mark())));
    }
  }
}

}  // namespace

absl::StatusOr<PyValue> YamlLoads(std::string_view text, const YamlLimits& limits) {
  try {
    std::string copy(text);
    if (absl::Status s = CheckOneDocument(copy); !s.ok()) return s;
    YAML::Node doc = YAML::Load(copy);
    PyValue out;
    Loader loader(limits);
    if (absl::Status s = loader.Build(doc, out, 0); !s.ok()) return s;
    return out;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("yaml: ", e.msg, Where(e.mark)));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("yaml: ", e.what()));
  }
}

absl::StatusOr<PyValue> YamlLoadFile(const std::string& path, const YamlLimits& limits) {
  return internal::LoadFile(path, limits.max_input,
                            [&](std::string_view text) { return YamlLoads(text, limits); });
}

absl::StatusOr<std::string> YamlDumps(const PyValue& value) {
  try {
    YAML::Emitter e;
    if (absl::Status s = Emit(e, value, 0); !s.ok()) return s;
    std::string out = e.c_str();
    out.push_back('\n');
    return out;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("yaml.safe_dump: ", e.what()));
  }
}

absl::Status YamlDumpFile(const PyValue& value, const std::string& path) {
  return internal::DumpFile(YamlDumps(value), path);
}

}  // namespace conc
