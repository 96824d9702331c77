// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/process_registry.h: the table of functions a spawned process (or a
// process-pool worker) may run, keyed by name.
//
// A spawned child is a fresh copy of the program (the binary re-executed), so a
// closure's captures cannot reach it; what can is a *name*. Python's spawn
// start method pickles the target by its qualified name and the child imports
// it; here `CONC_PROCESS_FUNCTION(fn)` (process.h) registers `fn` at static
// initialisation under the name "fn", and the child looks the name up.
//
// A registered function is stored as a thunk: it decodes the arguments (the
// codec's encoding of a std::tuple of the parameters, decayed), calls the
// function, and encodes its result ("" for void). Exceptions from the function
// propagate out of the thunk; the caller reports them.

#ifndef MODULES_THREADS_INTERNAL_PROCESS_REGISTRY_H_
#define MODULES_THREADS_INTERNAL_PROCESS_REGISTRY_H_

#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/codec.h"

namespace conc::internal {

// Decodes the arguments, calls the function, encodes the result. DataLoss if
// the arguments do not decode.
using ProcessThunk = absl::StatusOr<std::string> (*)(std::string_view encoded_args);

// Registers `thunk` under `name`; returns true (for the static initialiser the
// macro declares). A name registered twice is remembered as ambiguous and
// `FindProcessFunction` refuses it (nothing aborts at static-init time).
bool RegisterProcessFunction(std::string_view name, ProcessThunk thunk);

// The thunk registered under `name`: NotFound if none, FailedPrecondition if
// the name was registered twice.
absl::StatusOr<ProcessThunk> FindProcessFunction(std::string_view name);

// What travels back for a result type R: a function may report failure by
// returning absl::Status (nothing travels when it is OK) or absl::StatusOr<T>
// (T travels); a non-OK status is the call's outcome, its code kept (a pool
// task's future fails with it, an initializer breaks its pool with it, a
// Process exits with code 1 after printing it).
template <class R>
struct TravelOf {
  using type = R;
  static constexpr bool kStatus = false;
};
template <>
struct TravelOf<absl::Status> {
  using type = void;
  static constexpr bool kStatus = true;
};
template <class T>
struct TravelOf<absl::StatusOr<T>> {
  using type = T;
  static constexpr bool kStatus = true;
};

// What a function pointer takes and returns.
template <class F>
struct FunctionTraits;
template <class R, class... P>
struct FunctionTraits<R (*)(P...)> {
  using Result = R;
  // What a caller in another process gets: Result without its Status wrapper.
  using Value = typename TravelOf<std::decay_t<R>>::type;
  // What travels: the parameters by value.
  using ArgsTuple = std::tuple<std::decay_t<P>...>;
  static constexpr bool kNoMutableRefs =
      (!(std::is_lvalue_reference_v<P> && !std::is_const_v<std::remove_reference_t<P>>) && ...);
};
template <class R, class... P>
struct FunctionTraits<R (*)(P...) noexcept> : FunctionTraits<R (*)(P...)> {};

// True if F is a function pointer whose arguments and result can cross a
// process boundary in the codec.
template <auto F>
concept CodecFunction =
    requires { typename FunctionTraits<decltype(F)>::ArgsTuple; } &&
    Encodable<typename FunctionTraits<decltype(F)>::ArgsTuple> &&
    FunctionTraits<decltype(F)>::kNoMutableRefs &&
    (std::is_void_v<typename FunctionTraits<decltype(F)>::Value> ||
     Encodable<std::decay_t<typename FunctionTraits<decltype(F)>::Value>>);

template <auto F>
absl::StatusOr<std::string> Thunk(std::string_view encoded_args) {
  using Traits = FunctionTraits<decltype(F)>;
  absl::StatusOr<typename Traits::ArgsTuple> args =
      Decode<typename Traits::ArgsTuple>(encoded_args);
  if (!args.ok()) return args.status();
  using Result = std::decay_t<typename Traits::Result>;
  if constexpr (std::is_void_v<Result>) {
    std::apply(F, std::move(*args));
    return std::string();
  } else if constexpr (std::is_same_v<Result, absl::Status>) {
    absl::Status status = std::apply(F, std::move(*args));
    if (!status.ok()) return status;
    return std::string();
  } else if constexpr (TravelOf<Result>::kStatus) {
    Result value = std::apply(F, std::move(*args));
    if (!value.ok()) return value.status();
    return Encode(*std::move(value));
  } else {
    return Encode(std::apply(F, std::move(*args)));
  }
}

}  // namespace conc::internal

#endif  // MODULES_THREADS_INTERNAL_PROCESS_REGISTRY_H_
