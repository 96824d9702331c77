// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// pickle.h: Python's pickle, both ways, for the values that map cleanly onto
// C++, and safe by design.
//
//   import pickle
//   data = pickle.dumps({"name": "sensor-7", "readings": [1.5, 2.25], "ok": True}, protocol=4)
//   pickle.loads(data)
//
//   absl::StatusOr<conc::PyValue> v = conc::PickleLoads(data);   // bytes from Python
//   absl::StatusOr<std::string> out = conc::PickleDumps(*v, 4);   // bytes for Python
//
// A PyValue is None, bool, int (an int64, or a big int as its two's-complement
// bytes), float, str (UTF-8 bytes), bytes, bytearray, list, tuple, dict (pairs in
// insertion order), set or frozenset, nested.
//
// Safe by design, unlike Python's pickle.load on untrusted data: the reader
// executes nothing. The opcodes that name or call Python code (GLOBAL,
// STACK_GLOBAL, REDUCE, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT*, PERSID,
// BINPERSID) are refused with InvalidArgument naming the opcode and its offset,
// with one exception, recognised by name and built here, never looked up: the
// handful of builtins that protocols 2-4 spell as a call (`set`, `frozenset`,
// `bytearray`, and `_codecs.encode(s, "latin1")`, protocol 2's spelling of
// bytes). Everything else is bounded before it is allocated (PickleLimits): the
// input size, every length field, the stack, the memo, the nesting depth and
// the number of values; a truncated input is DataLoss ("truncated pickle at
// offset N"), never a read past the end.
//
// Where it differs from Python: values, not objects. Two references to one
// list in the pickle become two equal lists here (the memo's sharing is not
// kept), and a recursive structure (a list that contains itself) is refused
// with InvalidArgument. str is not checked for valid UTF-8 (Python writes it
// with surrogatepass). Protocols 0 and 1 (the text and early binary ones) are
// not read.

#ifndef MODULES_MARSHALLING_PICKLE_H_
#define MODULES_MARSHALLING_PICKLE_H_

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace conc {

struct PyValue;
using PyList = std::vector<PyValue>;
using PyDict = std::vector<std::pair<PyValue, PyValue>>;

// A value is 48 bytes, all inline: its kind, its scalar, and one of a string
// (a short one allocates nothing), a list or a dict. A list of a million ints
// is a million of these and nothing more.
//
// s(), items() and pairs() are accessors to that one slot. The mutable ones
// make the slot hold what they return (an empty one the first time; what it
// held before is dropped), so `v.kind = Kind::kList; v.items().push_back(x)`
// works on any value; the const ones of a value that holds something else read
// an empty one. `i` and `f` share their storage: read the one `kind` names.
// Copies are deep.
struct PyValue {
  enum class Kind : uint8_t { kNone, kBool, kInt, kBigInt, kFloat, kStr, kBytes, kByteArray, kList, kTuple, kDict,
                              kSet, kFrozenSet };

  Kind kind = Kind::kNone;
  bool b = false;

 private:
  enum class Held : uint8_t { kNothing, kString, kList, kDict };
  Held held_ = Held::kNothing;

 public:
  union {
    int64_t i = 0;
    double f;
  };

  // str (UTF-8), bytes, bytearray; a big int's two's-complement bytes, little-endian.
  std::string& s();
  const std::string& s() const;
  // list, tuple, set, frozenset.
  PyList& items();
  const PyList& items() const;
  // dict: pairs in insertion order.
  PyDict& pairs();
  const PyDict& pairs() const;

  // Declared here, defined below the struct: clang (16, with libstdc++ 12)
  // must not instantiate std::pair<PyValue, PyValue>'s constructors, for
  // `pairs`, while PyValue is still incomplete.
  PyValue();
  PyValue(const PyValue&);
  PyValue(PyValue&&) noexcept;
  PyValue& operator=(const PyValue&);
  PyValue& operator=(PyValue&&) noexcept;
  ~PyValue();

  static PyValue None() { return PyValue(); }
  static PyValue Bool(bool v);
  static PyValue Int(int64_t v);
  static PyValue Float(double v);
  static PyValue Str(std::string v);
  static PyValue Bytes(std::string v);
  static PyValue ByteArray(std::string v);
  static PyValue List(PyList v);
  static PyValue Tuple(PyList v);
  static PyValue Dict(PyDict v);
  static PyValue Set(PyList v);
  static PyValue FrozenSet(PyList v);
  // A big int from its two's-complement bytes, little-endian (pickle's LONG1 form).
  static PyValue BigInt(std::string le_twos_complement);

  friend bool operator==(const PyValue& a, const PyValue& b);
  // Python's repr, for messages and lessons: None, True, 1, 1.5, 'a', b'a', [1, 2], ...
  std::string Repr() const;

 private:
  union Slot {
    Slot() {}
    ~Slot() {}
    std::string s;
    PyList items;
    PyDict pairs;
  };
  void Drop();                       // ends what the slot holds
  void Take(PyValue&& o) noexcept;   // the slot of o (dropped here), o left holding nothing
  template <typename T>
  T& Hold(Held what, T* member);     // the slot, made to hold `what` (empty if it held another)
  template <typename T>
  static const T& EmptyOf();
  Slot slot_;
};

inline PyValue::PyValue() {}
inline PyValue::~PyValue() {
  if (held_ != Held::kNothing) Drop();  // a scalar: nothing to call
}
inline void PyValue::Drop() {
  switch (held_) {
    case Held::kNothing:
      return;
    case Held::kString:
      slot_.s.~basic_string();
      break;
    case Held::kList:
      slot_.items.~PyList();
      break;
    case Held::kDict:
      slot_.pairs.~PyDict();
      break;
  }
  held_ = Held::kNothing;
}
inline void PyValue::Take(PyValue&& o) noexcept {
  kind = o.kind;
  b = o.b;
  i = o.i;  // or f's bits: the union is copied as one
  switch (o.held_) {
    case Held::kNothing:
      break;
    case Held::kString:
      new (&slot_.s) std::string(std::move(o.slot_.s));
      break;
    case Held::kList:
      new (&slot_.items) PyList(std::move(o.slot_.items));
      break;
    case Held::kDict:
      new (&slot_.pairs) PyDict(std::move(o.slot_.pairs));
      break;
  }
  held_ = o.held_;
  o.Drop();
}
inline PyValue::PyValue(PyValue&& o) noexcept { Take(std::move(o)); }
inline PyValue& PyValue::operator=(PyValue&& o) noexcept {
  if (this != &o) {
    Drop();
    Take(std::move(o));
  }
  return *this;
}
inline PyValue::PyValue(const PyValue& o) : kind(o.kind), b(o.b), i(o.i) {
  switch (o.held_) {
    case Held::kNothing:
      break;
    case Held::kString:
      new (&slot_.s) std::string(o.slot_.s);
      break;
    case Held::kList:
      new (&slot_.items) PyList(o.slot_.items);
      break;
    case Held::kDict:
      new (&slot_.pairs) PyDict(o.slot_.pairs);
      break;
  }
  held_ = o.held_;
}
inline PyValue& PyValue::operator=(const PyValue& o) {
  if (this != &o) *this = PyValue(o);
  return *this;
}
template <typename T>
T& PyValue::Hold(Held what, T* member) {
  if (held_ != what) {
    Drop();
    new (member) T();
    held_ = what;
  }
  return *member;
}
template <typename T>
const T& PyValue::EmptyOf() {
  static const T* empty = new T;  // never destroyed: readable during static destruction too
  return *empty;
}
inline std::string& PyValue::s() { return Hold(Held::kString, &slot_.s); }
inline const std::string& PyValue::s() const {
  return held_ == Held::kString ? slot_.s : EmptyOf<std::string>();
}
inline PyList& PyValue::items() { return Hold(Held::kList, &slot_.items); }
inline const PyList& PyValue::items() const { return held_ == Held::kList ? slot_.items : EmptyOf<PyList>(); }
inline PyDict& PyValue::pairs() { return Hold(Held::kDict, &slot_.pairs); }
inline const PyDict& PyValue::pairs() const { return held_ == Held::kDict ? slot_.pairs : EmptyOf<PyDict>(); }

struct PickleLimits {
  size_t max_input = size_t{1} << 30;     // bytes of pickle accepted
  size_t max_values = size_t{1} << 26;    // values built, in all
  size_t max_depth = 1000;                // containers inside containers (Python's recursion limit)
  size_t max_memo = size_t{1} << 20;      // memo entries
};

// pickle.loads. Errors: InvalidArgument for a refused opcode (named, with its
// offset), an unknown opcode, a protocol outside 2-5, a malformed structure;
// DataLoss for a truncated pickle; ResourceExhausted for a limit.
absl::StatusOr<PyValue> PickleLoads(std::string_view data, const PickleLimits& limits = {});

// pickle.dumps(value, protocol). InvalidArgument for a protocol outside 2-5, or a
// set holding a list (unhashable in Python: refused, as Python's TypeError).
absl::StatusOr<std::string> PickleDumps(const PyValue& value, int protocol = 4);

}  // namespace conc

#endif  // MODULES_MARSHALLING_PICKLE_H_
