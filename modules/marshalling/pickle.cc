// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// The opcodes are those of CPython's Lib/pickle.py and Lib/pickletools.py
// (protocols 2-5); the reader is a stack machine over an arena of nodes, so the
// memo can share a container that later opcodes fill (EMPTY_LIST, MEMOIZE, then
// APPENDS), and the result is a tree of values copied out of the arena at the
// end, bounded in depth and in count, refusing cycles.

#include "modules/marshalling/pickle.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/types/span.h"

namespace conc {

// ---- PyValue -----------------------------------------------------------------

namespace {
PyValue Make(PyValue::Kind k) {
  PyValue v;
  v.kind = k;
  return v;
}
}  // namespace

PyValue PyValue::Bool(bool v) {
  PyValue p = Make(Kind::kBool);
  p.b = v;
  return p;
}
PyValue PyValue::Int(int64_t v) {
  PyValue p = Make(Kind::kInt);
  p.i = v;
  return p;
}
PyValue PyValue::Float(double v) {
  PyValue p = Make(Kind::kFloat);
  p.f = v;
  return p;
}
PyValue PyValue::Str(std::string v) {
  PyValue p = Make(Kind::kStr);
  p.s() = std::move(v);
  return p;
}
PyValue PyValue::Bytes(std::string v) {
  PyValue p = Make(Kind::kBytes);
  p.s() = std::move(v);
  return p;
}
PyValue PyValue::ByteArray(std::string v) {
  PyValue p = Make(Kind::kByteArray);
  p.s() = std::move(v);
  return p;
}
PyValue PyValue::List(PyList v) {
  PyValue p = Make(Kind::kList);
  p.items() = std::move(v);
  return p;
}
PyValue PyValue::Tuple(PyList v) {
  PyValue p = Make(Kind::kTuple);
  p.items() = std::move(v);
  return p;
}
PyValue PyValue::Dict(PyDict v) {
  PyValue p = Make(Kind::kDict);
  p.pairs() = std::move(v);
  return p;
}
PyValue PyValue::Set(PyList v) {
  PyValue p = Make(Kind::kSet);
  p.items() = std::move(v);
  return p;
}
PyValue PyValue::FrozenSet(PyList v) {
  PyValue p = Make(Kind::kFrozenSet);
  p.items() = std::move(v);
  return p;
}
PyValue PyValue::BigInt(std::string le) {
  PyValue p = Make(Kind::kBigInt);
  p.s() = std::move(le);
  return p;
}

bool operator==(const PyValue& a, const PyValue& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case PyValue::Kind::kNone:
      return true;
    case PyValue::Kind::kBool:
      return a.b == b.b;
    case PyValue::Kind::kInt:
      return a.i == b.i;
    case PyValue::Kind::kFloat:
      return a.f == b.f || (std::isnan(a.f) && std::isnan(b.f));
    case PyValue::Kind::kBigInt:
    case PyValue::Kind::kStr:
    case PyValue::Kind::kBytes:
    case PyValue::Kind::kByteArray:
      return a.s() == b.s();
    case PyValue::Kind::kList:
    case PyValue::Kind::kTuple:
    case PyValue::Kind::kSet:
    case PyValue::Kind::kFrozenSet:
      return a.items() == b.items();
    case PyValue::Kind::kDict:
      return a.pairs() == b.pairs();
  }
  return false;
}

namespace {

std::string QuoteBytes(const std::string& s, char quote) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\\' || c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += absl::StrFormat("\\x%02x", c);
    }
  }
  return out;
}

std::string JoinRepr(const PyList& items) {
  std::string out;
  for (size_t k = 0; k < items.size(); ++k) absl::StrAppend(&out, k ? ", " : "", items[k].Repr());
  return out;
}

}  // namespace

std::string PyValue::Repr() const {
  switch (kind) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return b ? "True" : "False";
    case Kind::kInt:
      return absl::StrCat(i);
    case Kind::kBigInt:
      return absl::StrCat("<int of ", s().size(), " bytes>");
    case Kind::kFloat: {
      // Python's repr: the shortest form that reads back the same, ".0" if integral.
      if (std::isnan(f)) return "nan";
      if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
      std::string text;
      for (int precision = 1; precision <= 17; ++precision) {
        text = absl::StrFormat("%.*g", precision, f);
        if (std::strtod(text.c_str(), nullptr) == f) break;
      }
      if (text.find_first_of(".e") == std::string::npos) text += ".0";
      return text;
    }
    case Kind::kStr:
      return "'" + s() + "'";
    case Kind::kBytes:
      return "b'" + QuoteBytes(s(), '\'') + "'";
    case Kind::kByteArray:
      return "bytearray(b'" + QuoteBytes(s(), '\'') + "')";
    case Kind::kList:
      return "[" + JoinRepr(items()) + "]";
    case Kind::kTuple:
      return "(" + JoinRepr(items()) + (items().size() == 1 ? ",)" : ")");
    case Kind::kSet:
      return items().empty() ? "set()" : "{" + JoinRepr(items()) + "}";
    case Kind::kFrozenSet:
      return "frozenset({" + JoinRepr(items()) + "})";
    case Kind::kDict: {
      std::string out = "{";
      for (size_t k = 0; k < pairs().size(); ++k) {
        absl::StrAppend(&out, k ? ", " : "", pairs()[k].first.Repr(), ": ", pairs()[k].second.Repr());
      }
      return out + "}";
    }
  }
  return "?";
}

// ---- the reader ----------------------------------------------------------------

namespace {

using Kind = PyValue::Kind;

// The builtins protocols 2-4 spell as a call, recognised by name, built here.
enum class Builtin : uint8_t { kNone, kSet, kFrozenSet, kByteArray, kBytes, kCodecsEncode };

// A node of the arena: 16 bytes. A string's bytes stay in the input (a view)
// unless the reader built them (protocol 2's bytes); a container's children
// are a list of node ids of their own.
struct Node {
  Kind kind = Kind::kNone;
  Builtin builtin = Builtin::kNone;  // a recognised GLOBAL: only REDUCE may use it
  bool b = false;
  uint32_t at = 0;  // a string's index in strings_, a container's in kids_
  int64_t i = 0;    // an int; a float's bits
};
static_assert(sizeof(Node) == 16, "a million ints are a million nodes");

const char* OpName(uint8_t op) {
  switch (op) {
    case 'c': return "GLOBAL";
    case 0x93: return "STACK_GLOBAL";
    case 'R': return "REDUCE";
    case 'b': return "BUILD";
    case 'i': return "INST";
    case 'o': return "OBJ";
    case 0x81: return "NEWOBJ";
    case 0x92: return "NEWOBJ_EX";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return nullptr;
  }
}

bool IsContainer(Kind k) {
  return k == Kind::kList || k == Kind::kTuple || k == Kind::kDict || k == Kind::kSet || k == Kind::kFrozenSet;
}

class Reader {
 public:
  Reader(std::string_view data, const PickleLimits& limits) : data_(data), limits_(limits) {}

  absl::StatusOr<PyValue> Run();

 private:
  absl::Status Truncated() const { return absl::DataLossError(absl::StrCat("truncated pickle at offset ", pos_)); }
  absl::Status Bad(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("pickle: ", absl::string_view(what.data(), what.size()), " (opcode at offset ", op_at_, ")"));
  }
  absl::Status TooMany() const { return absl::ResourceExhaustedError("pickle: too many values"); }

  // n bytes of little-endian argument; false if the input ends first.
  bool Le(size_t n, uint64_t* v) {
    if (n > data_.size() - pos_) return false;
    const char* p = data_.data() + pos_;
    pos_ += n;
    if constexpr (std::endian::native == std::endian::little) {
      // One load for the common widths (this runs once per int of a list).
      switch (n) {
        case 1:
          *v = static_cast<uint8_t>(*p);
          return true;
        case 2: {
          uint16_t w;
          std::memcpy(&w, p, 2);
          *v = w;
          return true;
        }
        case 4: {
          uint32_t w;
          std::memcpy(&w, p, 4);
          *v = w;
          return true;
        }
        case 8:
          std::memcpy(v, p, 8);
          return true;
        default:
          break;
      }
    }
    uint64_t out = 0;
    for (size_t k = 0; k < n; ++k) out |= uint64_t{static_cast<uint8_t>(p[k])} << (8 * k);
    *v = out;
    return true;
  }
  absl::StatusOr<std::string_view> Take(uint64_t n) {
    if (n > limits_.max_input) return absl::ResourceExhaustedError(absl::StrCat("pickle: a length of ", n));
    if (n > data_.size() - pos_) return Truncated();
    std::string_view out = data_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return out;
  }
  absl::StatusOr<std::string_view> Line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) return Truncated();
    std::string_view out = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }

  absl::Status Push(Node n) {
    if (nodes_.size() >= limits_.max_values) return TooMany();
    nodes_.push_back(n);
    stack_.push_back(static_cast<uint32_t>(nodes_.size() - 1));
    return absl::OkStatus();
  }
  absl::Status PushInt(int64_t v) {
    Node n;
    n.kind = Kind::kInt;
    n.i = v;
    return Push(n);
  }
  absl::Status PushString(Kind kind, std::string_view s) {
    Node n;
    n.kind = kind;
    n.at = static_cast<uint32_t>(strings_.size());
    strings_.push_back(s);
    return Push(n);
  }
  absl::Status PushContainer(Kind kind, std::vector<uint32_t> kids) {
    Node n;
    n.kind = kind;
    n.at = static_cast<uint32_t>(kids_.size());
    kids_.push_back(std::move(kids));
    return Push(n);
  }
  std::string_view StrOf(const Node& n) const { return strings_[n.at]; }
  std::vector<uint32_t>& KidsOf(const Node& n) { return kids_[n.at]; }

  absl::StatusOr<uint32_t> Pop() {
    if (stack_.size() <= Floor()) return Bad("stack underflow");
    const uint32_t v = stack_.back();
    stack_.pop_back();
    return v;
  }
  size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }
  // The values above the topmost mark, which is removed.
  absl::StatusOr<std::vector<uint32_t>> PopMark() {
    if (marks_.empty()) return Bad("no MARK");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<uint32_t> items(stack_.begin() + static_cast<ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  absl::StatusOr<uint32_t> Top() {
    if (stack_.size() <= Floor()) return Bad("stack underflow");
    return stack_.back();
  }
  absl::Status Memo(uint64_t index, uint32_t id) {
    if (index >= limits_.max_memo) return absl::ResourceExhaustedError(absl::StrCat("pickle: memo index ", index));
    if (memo_.size() <= index) memo_.resize(static_cast<size_t>(index) + 1, kNoNode);
    memo_[static_cast<size_t>(index)] = id;
    return absl::OkStatus();
  }
  absl::Status Get(uint64_t index) {
    if (index >= memo_.size() || memo_[static_cast<size_t>(index)] == kNoNode) {
      return Bad(absl::StrCat("memo ", index, " was never stored"));
    }
    stack_.push_back(memo_[static_cast<size_t>(index)]);
    return absl::OkStatus();
  }
  absl::Status Global(std::string_view module, std::string_view name);
  absl::Status Reduce();
  absl::Status Step(uint8_t op, bool* stop);
  absl::Status ToValue(uint32_t id, size_t depth, PyValue* v);

  static constexpr uint32_t kNoNode = UINT32_MAX;
  std::string_view data_;
  const PickleLimits& limits_;
  size_t pos_ = 0, op_at_ = 0, built_ = 0;
  std::vector<Node> nodes_;
  std::vector<std::string_view> strings_;  // views of data_ or of owned_
  std::deque<std::string> owned_;          // bytes the reader built (a deque: views stay valid)
  std::vector<std::vector<uint32_t>> kids_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::vector<uint32_t> memo_;
  std::vector<bool> on_path_;  // per container
};

absl::Status Reader::Global(std::string_view module, std::string_view name) {
  Node n;
  if (module == "__builtin__" || module == "builtins") {
    if (name == "set") n.builtin = Builtin::kSet;
    if (name == "frozenset") n.builtin = Builtin::kFrozenSet;
    if (name == "bytearray") n.builtin = Builtin::kByteArray;
    if (name == "bytes") n.builtin = Builtin::kBytes;
  } else if (module == "_codecs" && name == "encode") {
    n.builtin = Builtin::kCodecsEncode;
  }
  if (n.builtin == Builtin::kNone) {
    return Bad(absl::StrCat("refused: it would load ", absl::string_view(module.data(), module.size()), ".",
                            absl::string_view(name.data(), name.size()),
                            " (the reader never imports or calls Python code)"));
  }
  return Push(n);
}

// latin-1 text (as UTF-8) back to its bytes: protocol 2's spelling of bytes.
bool Latin1Bytes(std::string_view utf8, std::string* out) {
  for (size_t k = 0; k < utf8.size(); ++k) {
    const unsigned char c = static_cast<unsigned char>(utf8[k]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else if ((c & 0xe0) == 0xc0 && k + 1 < utf8.size()) {
      const unsigned cp = ((c & 0x1fu) << 6) | (static_cast<unsigned char>(utf8[++k]) & 0x3fu);
      if (cp > 0xff) return false;
      out->push_back(static_cast<char>(cp));
    } else {
      return false;
    }
  }
  return true;
}

absl::Status Reader::Reduce() {
  absl::StatusOr<uint32_t> args_id = Pop();
  if (!args_id.ok()) return args_id.status();
  absl::StatusOr<uint32_t> fn_id = Pop();
  if (!fn_id.ok()) return fn_id.status();
  const Node fn = nodes_[*fn_id];
  const Node args = nodes_[*args_id];
  if (fn.builtin == Builtin::kNone) return Bad("refused: REDUCE of anything but set, frozenset, bytearray, bytes");
  if (args.kind != Kind::kTuple) return Bad("REDUCE without an argument tuple");
  const std::vector<uint32_t> argv = KidsOf(args);
  auto arg = [&](size_t k) -> const Node* { return k < argv.size() ? &nodes_[argv[k]] : nullptr; };
  switch (fn.builtin) {
    case Builtin::kSet:
    case Builtin::kFrozenSet: {
      if (argv.size() > 1 || (arg(0) && arg(0)->kind != Kind::kList)) return Bad("set() of something odd");
      std::vector<uint32_t> kids;
      if (arg(0)) kids = KidsOf(*arg(0));
      return PushContainer(fn.builtin == Builtin::kSet ? Kind::kSet : Kind::kFrozenSet, std::move(kids));
    }
    case Builtin::kBytes:
    case Builtin::kByteArray:
    case Builtin::kCodecsEncode: {
      const Kind kind = fn.builtin == Builtin::kByteArray ? Kind::kByteArray : Kind::kBytes;
      const Node* a = arg(0);
      if (a == nullptr) return PushString(kind, {});  // bytes() / bytearray()
      if (a->kind == Kind::kBytes && argv.size() == 1) return PushString(kind, StrOf(*a));
      if (a->kind == Kind::kStr && argv.size() == 2 && arg(1)->kind == Kind::kStr &&
          (StrOf(*arg(1)) == "latin1" || StrOf(*arg(1)) == "latin-1")) {
        std::string& bytes = owned_.emplace_back();
        if (!Latin1Bytes(StrOf(*a), &bytes)) return Bad("latin-1 text with a code point above 255");
        return PushString(kind, bytes);
      }
      return Bad("bytes() of something odd");
    }
    case Builtin::kNone:
      break;
  }
  return Bad("REDUCE of nothing");
}

absl::Status Reader::Step(uint8_t op, bool* stop) {
  uint64_t arg = 0;
  auto push_string = [&](Kind kind, size_t length_bytes) -> absl::Status {
    if (!Le(length_bytes, &arg)) return Truncated();
    absl::StatusOr<std::string_view> s = Take(arg);
    return s.ok() ? PushString(kind, *s) : s.status();
  };
  auto push_empty = [&](Kind kind) { return IsContainer(kind) ? PushContainer(kind, {}) : Push(Node{.kind = kind}); };
  auto add_to = [&](uint32_t target, absl::Span<const uint32_t> items, bool pairs) -> absl::Status {
    const Node& t = nodes_[target];
    const bool ok = pairs ? t.kind == Kind::kDict
                          : (t.kind == Kind::kList || t.kind == Kind::kSet || t.kind == Kind::kFrozenSet);
    if (!ok) return Bad("adding items to something that is not a container");
    if (pairs && items.size() % 2 != 0) return Bad("SETITEMS with an odd number of values");
    std::vector<uint32_t>& kids = KidsOf(t);
    kids.insert(kids.end(), items.begin(), items.end());
    return absl::OkStatus();
  };
  switch (op) {
    case 0x80:  // PROTO
      if (!Le(1, &arg)) return Truncated();
      if (arg < 2 || arg > 5) return Bad(absl::StrCat("protocol ", arg, " (2 to 5 are read)"));
      return absl::OkStatus();
    case 0x95:  // FRAME: advisory; its length must fit what is left
      if (!Le(8, &arg)) return Truncated();
      return arg > data_.size() - pos_ ? Truncated() : absl::OkStatus();
    case '.':
      *stop = true;
      return absl::OkStatus();
    case 'N':
      return push_empty(Kind::kNone);
    case 0x88:
    case 0x89:
      return Push(Node{.kind = Kind::kBool, .b = op == 0x88});
    // BININT, BININT1, BININT2 ('J', 'K', 'M'): read by Run's loop, without this switch.
    case 0x8a:
    case 0x8b: {  // LONG1, LONG4: two's complement, little-endian
      if (!Le(op == 0x8a ? 1 : 4, &arg)) return Truncated();
      absl::StatusOr<std::string_view> bytes = Take(arg);
      if (!bytes.ok()) return bytes.status();
      if (bytes->size() <= 8) {
        uint64_t v = 0;
        for (size_t k = 0; k < bytes->size(); ++k) v |= uint64_t{static_cast<uint8_t>((*bytes)[k])} << (8 * k);
        if (!bytes->empty() && bytes->size() < 8 && (static_cast<uint8_t>(bytes->back()) & 0x80)) {
          v |= ~uint64_t{0} << (8 * bytes->size());  // sign-extend
        }
        return PushInt(static_cast<int64_t>(v));
      }
      return PushString(Kind::kBigInt, *bytes);
    }
    case 'G': {  // BINFLOAT, big-endian
      if (8 > data_.size() - pos_) return Truncated();
      uint64_t bits = 0;
      for (int k = 0; k < 8; ++k) bits = (bits << 8) | static_cast<uint8_t>(data_[pos_ + k]);
      pos_ += 8;
      return Push(Node{.kind = Kind::kFloat, .i = static_cast<int64_t>(bits)});
    }
    case 0x8c:
      return push_string(Kind::kStr, 1);
    case 'X':
      return push_string(Kind::kStr, 4);
    case 0x8d:
      return push_string(Kind::kStr, 8);
    case 'C':
      return push_string(Kind::kBytes, 1);
    case 'B':
      return push_string(Kind::kBytes, 4);
    case 0x8e:
      return push_string(Kind::kBytes, 8);
    case 0x96:
      return push_string(Kind::kByteArray, 8);
    case ']':
      return push_empty(Kind::kList);
    case ')':
      return push_empty(Kind::kTuple);
    case '}':
      return push_empty(Kind::kDict);
    case 0x8f:
      return push_empty(Kind::kSet);
    case '(':
      if (marks_.size() >= limits_.max_depth * 4 + 16) return absl::ResourceExhaustedError("pickle: too many MARKs");
      marks_.push_back(stack_.size());
      return absl::OkStatus();
    case 't':
    case 'l':
    case 0x91: {  // TUPLE, LIST, FROZENSET from the items above the mark
      absl::StatusOr<std::vector<uint32_t>> items = PopMark();
      if (!items.ok()) return items.status();
      return PushContainer(op == 't' ? Kind::kTuple : op == 'l' ? Kind::kList : Kind::kFrozenSet, *std::move(items));
    }
    case 'd': {
      absl::StatusOr<std::vector<uint32_t>> items = PopMark();
      if (!items.ok()) return items.status();
      if (items->size() % 2 != 0) return Bad("DICT with an odd number of values");
      return PushContainer(Kind::kDict, *std::move(items));
    }
    case 0x85:
    case 0x86:
    case 0x87: {  // TUPLE1..3
      const size_t count = op - 0x84u;
      if (stack_.size() < Floor() + count) return Bad("stack underflow");
      std::vector<uint32_t> kids(stack_.end() - static_cast<ptrdiff_t>(count), stack_.end());
      stack_.resize(stack_.size() - count);
      return PushContainer(Kind::kTuple, std::move(kids));
    }
    case 'a': {
      absl::StatusOr<uint32_t> item = Pop();
      if (!item.ok()) return item.status();
      absl::StatusOr<uint32_t> list = Top();
      return list.ok() ? add_to(*list, {*item}, false) : list.status();
    }
    case 'e':
    case 0x90:
    case 'u': {  // APPENDS, ADDITEMS, SETITEMS: the items above the mark, into the container below it
      if (marks_.empty()) return Bad("no MARK");
      const size_t mark = marks_.back();
      marks_.pop_back();
      if (mark <= Floor()) return Bad("stack underflow");
      absl::Status added = add_to(stack_[mark - 1], absl::MakeConstSpan(stack_).subspan(mark), op == 'u');
      stack_.resize(mark);
      return added;
    }
    case 's': {
      absl::StatusOr<uint32_t> value = Pop();
      if (!value.ok()) return value.status();
      absl::StatusOr<uint32_t> key = Pop();
      if (!key.ok()) return key.status();
      absl::StatusOr<uint32_t> dict = Top();
      return dict.ok() ? add_to(*dict, {*key, *value}, true) : dict.status();
    }
    case '0':
      return Pop().status();
    case '1':
      return PopMark().status();
    case '2': {
      absl::StatusOr<uint32_t> top = Top();
      if (!top.ok()) return top.status();
      stack_.push_back(*top);
      return absl::OkStatus();
    }
    case 'q':
    case 'r': {
      if (!Le(op == 'q' ? 1 : 4, &arg)) return Truncated();
      absl::StatusOr<uint32_t> top = Top();
      return top.ok() ? Memo(arg, *top) : top.status();
    }
    case 0x94: {
      absl::StatusOr<uint32_t> top = Top();
      return top.ok() ? Memo(memo_.size(), *top) : top.status();
    }
    case 'h':
    case 'j':
      return Le(op == 'h' ? 1 : 4, &arg) ? Get(arg) : Truncated();
    case 'c': {
      absl::StatusOr<std::string_view> module = Line();
      if (!module.ok()) return module.status();
      absl::StatusOr<std::string_view> name = Line();
      if (!name.ok()) return name.status();
      return Global(*module, *name);
    }
    case 0x93: {
      absl::StatusOr<uint32_t> name = Pop();
      if (!name.ok()) return name.status();
      absl::StatusOr<uint32_t> module = Pop();
      if (!module.ok()) return module.status();
      if (nodes_[*name].kind != Kind::kStr || nodes_[*module].kind != Kind::kStr) {
        return Bad("STACK_GLOBAL of something that is not two strings");
      }
      return Global(StrOf(nodes_[*module]), StrOf(nodes_[*name]));
    }
    case 'R':
      return Reduce();
    default:
      if (const char* name = OpName(op)) {
        return Bad(absl::StrCat("refused: ", name, " (the reader never imports or calls Python code)"));
      }
      return Bad(absl::StrFormat("unknown or unsupported opcode 0x%02x", op));
  }
}

// Builds the value of node `id` in place in `*v` (no StatusOr<PyValue> to
// move through per value: a list of a million ints is a million PyValues).
absl::Status Reader::ToValue(uint32_t id, size_t depth, PyValue* v) {
  if (depth > limits_.max_depth) return absl::ResourceExhaustedError("pickle: nested deeper than max_depth");
  if (++built_ > limits_.max_values) return TooMany();
  const Node& n = nodes_[id];
  if (n.builtin != Builtin::kNone) return Bad("a builtin left uncalled");
  v->kind = n.kind;
  switch (n.kind) {
    case Kind::kNone:
      return absl::OkStatus();
    case Kind::kBool:
      v->b = n.b;
      return absl::OkStatus();
    case Kind::kInt:
      v->i = n.i;
      return absl::OkStatus();
    case Kind::kFloat:
      std::memcpy(&v->f, &n.i, sizeof v->f);
      return absl::OkStatus();
    case Kind::kBigInt:
    case Kind::kStr:
    case Kind::kBytes:
    case Kind::kByteArray: {
      const std::string_view s = StrOf(n);
      if (!s.empty()) v->s().assign(s.data(), s.size());
      return absl::OkStatus();
    }
    default:
      break;
  }
  // A container. A reference to the kids, not to n: nodes_ does not grow now.
  const std::vector<uint32_t>& kids = kids_[n.at];
  if (on_path_[n.at]) return absl::InvalidArgumentError("pickle: a recursive structure (refused: values, not objects)");
  on_path_[n.at] = true;
  if (n.kind == Kind::kDict) {
    PyDict& pairs = v->pairs();
    pairs.resize(kids.size() / 2);
    for (size_t k = 0; k + 1 < kids.size(); k += 2) {
      if (absl::Status s = ToValue(kids[k], depth + 1, &pairs[k / 2].first); !s.ok()) return s;
      if (absl::Status s = ToValue(kids[k + 1], depth + 1, &pairs[k / 2].second); !s.ok()) return s;
    }
  } else {
    PyList& items = v->items();
    items.reserve(kids.size());  // each item is written once, as it is built
    for (const uint32_t kid_id : kids) {
      const Node& kid = nodes_[kid_id];
      PyValue& item = items.emplace_back();
      if (kid.kind == Kind::kInt && kid.builtin == Builtin::kNone && built_ < limits_.max_values) {
        ++built_;  // the common case, without a call
        item.kind = Kind::kInt;
        item.i = kid.i;
        continue;
      }
      if (absl::Status s = ToValue(kid_id, depth + 1, &item); !s.ok()) return s;
    }
  }
  on_path_[n.at] = false;
  return absl::OkStatus();
}

absl::StatusOr<PyValue> Reader::Run() {
  if (data_.size() > limits_.max_input) {
    return absl::ResourceExhaustedError(absl::StrCat("pickle: ", data_.size(), " bytes (max_input ", limits_.max_input, ")"));
  }
  if (data_.empty()) return absl::DataLossError("pickle: empty input");
  if (static_cast<uint8_t>(data_[0]) != 0x80) return Bad("no PROTO opcode first: protocol 0 or 1 (2 to 5 are read)");
  // Every value takes at least 2 bytes of pickle (an opcode and a MEMOIZE or
  // an argument, apart from a few one-byte constants), so this rarely grows:
  // growing a vector of a million nodes copies them and faults in new pages.
  nodes_.reserve(std::min({data_.size() / 2 + 1, limits_.max_values, size_t{1} << 22}));
  bool stop = false;
  while (!stop) {
    if (pos_ >= data_.size()) return Truncated();
    op_at_ = pos_;
    const uint8_t op = static_cast<uint8_t>(data_[pos_++]);
    // BININT, BININT1, BININT2: most of a list of numbers, so here, not in Step,
    // and pushed directly (through Push and its Status, a load takes half as long again).
    if (op == 'J' || op == 'K' || op == 'M') {
      uint64_t v;
      if (!Le(op == 'J' ? 4 : op == 'K' ? 1 : 2, &v)) return Truncated();
      if (nodes_.size() >= limits_.max_values) return TooMany();
      const int64_t i = op == 'J' ? int64_t{static_cast<int32_t>(static_cast<uint32_t>(v))} : static_cast<int64_t>(v);
      nodes_.push_back(Node{.kind = Kind::kInt, .i = i});
      stack_.push_back(static_cast<uint32_t>(nodes_.size() - 1));
      continue;
    }
    if (absl::Status s = Step(op, &stop); !s.ok()) return s;
  }
  if (stack_.size() != 1 || !marks_.empty()) return Bad("STOP with other than one value on the stack");
  on_path_.assign(kids_.size(), false);
  PyValue value;
  if (absl::Status s = ToValue(stack_.back(), 0, &value); !s.ok()) return s;
  return value;
}

// ---- the writer ------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(int protocol) : protocol_(protocol) {}

  absl::Status Write(const PyValue& v, size_t depth);
  std::string Finish() { return std::move(out_); }
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void Le(uint64_t v, int n) {
    for (int k = 0; k < n; ++k) Byte(static_cast<uint8_t>(v >> (8 * k)));
  }

 private:
  void Str(const std::string& s) {
    if (protocol_ >= 4 && s.size() < 256) {
      Byte(0x8c);
      Byte(static_cast<uint8_t>(s.size()));
    } else if (s.size() <= UINT32_MAX) {
      Byte('X');
      Le(s.size(), 4);
    } else {
      Byte(0x8d);
      Le(s.size(), 8);
    }
    out_ += s;
  }
  void BytesOp(const std::string& s) {
    if (s.size() < 256) {
      Byte('C');
      Byte(static_cast<uint8_t>(s.size()));
    } else if (s.size() <= UINT32_MAX) {
      Byte('B');
      Le(s.size(), 4);
    } else {
      Byte(0x8e);
      Le(s.size(), 8);
    }
    out_ += s;
  }
  void Global(const char* module, const char* name) {
    out_ += 'c';
    out_ += module;
    out_ += '\n';
    out_ += name;
    out_ += '\n';
  }
  // Protocol 2's bytes: _codecs.encode(latin-1 text, "latin1").
  void Protocol2Bytes(const std::string& s) {
    Global("_codecs", "encode");
    std::string text;
    for (unsigned char c : s) {
      if (c < 0x80) {
        text.push_back(static_cast<char>(c));
      } else {
        text.push_back(static_cast<char>(0xc0 | (c >> 6)));
        text.push_back(static_cast<char>(0x80 | (c & 0x3f)));
      }
    }
    Str(text);
    Str("latin1");
    Byte(0x86);  // TUPLE2
    Byte('R');
  }
  absl::Status Items(const PyList& items, size_t depth, uint8_t batch_op);

  int protocol_;
  std::string out_;
};

absl::Status Writer::Items(const PyList& items, size_t depth, uint8_t batch_op) {
  // In batches of 1000 between MARK and APPENDS/ADDITEMS, as CPython's pickler.
  for (size_t start = 0; start < items.size(); start += 1000) {
    Byte('(');
    for (size_t k = start; k < items.size() && k < start + 1000; ++k) {
      if (absl::Status s = Write(items[k], depth + 1); !s.ok()) return s;
    }
    Byte(batch_op);
  }
  return absl::OkStatus();
}

bool Hashable(const PyValue& v) {
  switch (v.kind) {
    case Kind::kList:
    case Kind::kDict:
    case Kind::kSet:
    case Kind::kByteArray:
      return false;
    case Kind::kTuple:
    case Kind::kFrozenSet:
      for (const PyValue& item : v.items()) {
        if (!Hashable(item)) return false;
      }
      return true;
    default:
      return true;
  }
}

absl::Status Writer::Write(const PyValue& v, size_t depth) {
  if (depth > 1000) return absl::InvalidArgumentError("pickle: nested deeper than 1000 (Python's recursion limit)");
  switch (v.kind) {
    case Kind::kNone:
      Byte('N');
      return absl::OkStatus();
    case Kind::kBool:
      Byte(v.b ? 0x88 : 0x89);
      return absl::OkStatus();
    case Kind::kInt:
      if (v.i >= 0 && v.i < 256) {
        Byte('K');
        Byte(static_cast<uint8_t>(v.i));
      } else if (v.i >= 0 && v.i < 65536) {
        Byte('M');
        Le(static_cast<uint64_t>(v.i), 2);
      } else if (v.i >= INT32_MIN && v.i <= INT32_MAX) {
        Byte('J');
        Le(static_cast<uint32_t>(static_cast<int32_t>(v.i)), 4);
      } else {
        // LONG1 with the fewest bytes that keep the sign.
        int n = 8;
        while (n > 1) {
          const int64_t shifted = v.i >> (8 * (n - 1) - 1);
          if (shifted != 0 && shifted != -1) break;
          --n;
        }
        Byte(0x8a);
        Byte(static_cast<uint8_t>(n));
        Le(static_cast<uint64_t>(v.i), n);
      }
      return absl::OkStatus();
    case Kind::kBigInt:
      if (v.s().size() < 256) {
        Byte(0x8a);
        Byte(static_cast<uint8_t>(v.s().size()));
      } else {
        Byte(0x8b);
        Le(v.s().size(), 4);
      }
      out_ += v.s();
      return absl::OkStatus();
    case Kind::kFloat: {
      uint64_t bits;
      std::memcpy(&bits, &v.f, sizeof bits);
      Byte('G');
      for (int k = 7; k >= 0; --k) Byte(static_cast<uint8_t>(bits >> (8 * k)));
      return absl::OkStatus();
    }
    case Kind::kStr:
      Str(v.s());
      return absl::OkStatus();
    case Kind::kBytes:
      if (protocol_ == 2) {
        if (v.s().empty()) {
          Global("__builtin__", "bytes");
          Byte(')');
          Byte('R');
        } else {
          Protocol2Bytes(v.s());
        }
      } else {
        BytesOp(v.s());
      }
      return absl::OkStatus();
    case Kind::kByteArray:
      if (protocol_ >= 5) {
        Byte(0x96);
        Le(v.s().size(), 8);
        out_ += v.s();
      } else {
        Global(protocol_ == 2 ? "__builtin__" : "builtins", "bytearray");
        // bytearray(bytes), with protocol 2's spelling of the bytes.
        if (protocol_ == 2) {
          Protocol2Bytes(v.s());
        } else {
          BytesOp(v.s());
        }
        Byte(0x85);  // TUPLE1
        Byte('R');
      }
      return absl::OkStatus();
    case Kind::kTuple:
      if (v.items().empty()) {
        Byte(')');
        return absl::OkStatus();
      }
      if (v.items().size() <= 3) {
        for (const PyValue& item : v.items()) {
          if (absl::Status s = Write(item, depth + 1); !s.ok()) return s;
        }
        Byte(static_cast<uint8_t>(0x84 + v.items().size()));
        return absl::OkStatus();
      }
      Byte('(');
      for (const PyValue& item : v.items()) {
        if (absl::Status s = Write(item, depth + 1); !s.ok()) return s;
      }
      Byte('t');
      return absl::OkStatus();
    case Kind::kList:
      Byte(']');
      return Items(v.items(), depth, 'e');
    case Kind::kDict:
      Byte('}');
      for (size_t start = 0; start < v.pairs().size(); start += 1000) {
        Byte('(');
        for (size_t k = start; k < v.pairs().size() && k < start + 1000; ++k) {
          if (!Hashable(v.pairs()[k].first)) return absl::InvalidArgumentError("pickle: unhashable dict key");
          if (absl::Status s = Write(v.pairs()[k].first, depth + 1); !s.ok()) return s;
          if (absl::Status s = Write(v.pairs()[k].second, depth + 1); !s.ok()) return s;
        }
        Byte('u');
      }
      return absl::OkStatus();
    case Kind::kSet:
    case Kind::kFrozenSet:
      for (const PyValue& item : v.items()) {
        if (!Hashable(item)) return absl::InvalidArgumentError("pickle: unhashable set element");
      }
      if (protocol_ >= 4) {
        if (v.kind == Kind::kSet) {
          Byte(0x8f);
          return Items(v.items(), depth, 0x90);
        }
        Byte('(');
        for (const PyValue& item : v.items()) {
          if (absl::Status s = Write(item, depth + 1); !s.ok()) return s;
        }
        Byte(0x91);
        return absl::OkStatus();
      }
      // Protocols 2-3: set(list) / frozenset(list), as CPython spells them.
      Global(protocol_ == 2 ? "__builtin__" : "builtins", v.kind == Kind::kSet ? "set" : "frozenset");
      Byte(']');
      if (absl::Status s = Items(v.items(), depth, 'e'); !s.ok()) return s;
      Byte(0x85);
      Byte('R');
      return absl::OkStatus();
  }
  return absl::InternalError("pickle: unknown kind");
}

}  // namespace

absl::StatusOr<PyValue> PickleLoads(std::string_view data, const PickleLimits& limits) {
  Reader reader(data, limits);
  return reader.Run();
}

absl::StatusOr<std::string> PickleDumps(const PyValue& value, int protocol) {
  if (protocol < 2 || protocol > 5) {
    return absl::InvalidArgumentError(absl::StrCat("pickle: protocol ", protocol, " (2 to 5 are written)"));
  }
  Writer w(protocol);
  w.Byte(0x80);
  w.Byte(static_cast<uint8_t>(protocol));
  if (absl::Status s = w.Write(value, 0); !s.ok()) return s;
  w.Byte('.');
  return w.Finish();
}

}  // namespace conc
