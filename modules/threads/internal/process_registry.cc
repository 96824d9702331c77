// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/threads/internal/process_registry.h"

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace conc::internal {
namespace {

struct Entry {
  ProcessThunk thunk = nullptr;
  bool ambiguous = false;
};

// Filled during static initialisation (single-threaded), read afterwards; never
// destroyed, so a lookup from an atexit hook or a static destructor is safe.
std::map<std::string, Entry, std::less<>>& Registry() {
  static auto* registry = new std::map<std::string, Entry, std::less<>>;
  return *registry;
}

}  // namespace

bool RegisterProcessFunction(std::string_view name, ProcessThunk thunk) {
  auto [it, inserted] = Registry().try_emplace(std::string(name), Entry{thunk, false});
  if (!inserted && it->second.thunk != thunk) it->second.ambiguous = true;
  return true;
}

absl::StatusOr<ProcessThunk> FindProcessFunction(std::string_view name) {
  auto it = Registry().find(name);
  if (it == Registry().end()) {
    return absl::NotFoundError("no process function is registered as '" + std::string(name) +
                               "' (CONC_PROCESS_FUNCTION)");
  }
  if (it->second.ambiguous) {
    return absl::FailedPreconditionError("two process functions are registered as '" +
                                         std::string(name) + "'");
  }
  return it->second.thunk;
}

}  // namespace conc::internal
