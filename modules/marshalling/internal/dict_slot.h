// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// dict_slot.h (internal): building a dict as Python does when a key repeats (the
// first place, the last value), for the parsers that may meet one (JSON, YAML).
//
//   internal::DictKeys keys;                    // one per dict being built
//   size_t at = internal::DictSlot(dict.pairs(), keys, key);
//   dict.pairs()[at].second = value;
//
// The keys are views: what they view must outlive the DictKeys (the parser's own
// buffer or tree).

#ifndef MODULES_MARSHALLING_INTERNAL_DICT_SLOT_H_
#define MODULES_MARSHALLING_INTERNAL_DICT_SLOT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/container/inlined_vector.h"
#include "modules/marshalling/pickle.h"

namespace conc::internal {

// The pair for `key`: a new one, or the one that already has it (Python keeps the
// first place and the last value). `keys` view the parser's string buffer (stable
// for the document); small objects are searched, large ones indexed.
struct DictKeys {
  absl::InlinedVector<std::string_view, 16> list;
  std::unordered_map<std::string_view, size_t> index;
};
inline size_t DictSlot(PyDict& pairs, DictKeys& keys, std::string_view key) {
  constexpr size_t kSearch = 16;
  size_t found = pairs.size();
  if (keys.list.size() < kSearch) {
    for (size_t k = 0; k < keys.list.size(); ++k) {
      if (keys.list[k] == key) found = k;
    }
  } else {
    if (keys.index.empty()) {
      for (size_t k = 0; k < keys.list.size(); ++k) keys.index.emplace(keys.list[k], k);
    }
    auto [it, fresh] = keys.index.emplace(key, pairs.size());
    if (!fresh) found = it->second;
  }
  if (found < pairs.size()) {
    pairs[found].second = PyValue();
    return found;
  }
  keys.list.push_back(key);
  PyValue& k = pairs.emplace_back().first;
  k.kind = PyValue::Kind::kStr;
  k.s().assign(key.data(), key.size());
  return pairs.size() - 1;
}

}  // namespace conc::internal

#endif  // MODULES_MARSHALLING_INTERNAL_DICT_SLOT_H_
