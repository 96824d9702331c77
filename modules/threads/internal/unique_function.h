// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// internal/unique_function.h: a move-only `void()` callable (what C++23's
// `std::move_only_function<void()>` is, which g++ 12 offers only in C++23 mode).
// `conc::Thread` and `conc::ThreadPoolExecutor` store their targets in it, so a
// target may own move-only state (a std::unique_ptr argument, a promise).
// Not thread-safe; one owner at a time.

#ifndef MODULES_THREADS_INTERNAL_UNIQUE_FUNCTION_H_
#define MODULES_THREADS_INTERNAL_UNIQUE_FUNCTION_H_

#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

namespace conc::internal {

class UniqueFunction {
 public:
  UniqueFunction() = default;

  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, UniqueFunction> && std::is_invocable_v<std::decay_t<F>&>)
  explicit UniqueFunction(F&& f) : impl_(std::make_unique<Impl<std::decay_t<F>>>(std::forward<F>(f))) {}

  UniqueFunction(UniqueFunction&&) noexcept = default;
  UniqueFunction& operator=(UniqueFunction&&) noexcept = default;

  explicit operator bool() const { return impl_ != nullptr; }

  // Calls the stored callable (which must exist).
  void operator()() { impl_->Call(); }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void Call() = 0;
  };
  template <class F>
  struct Impl final : Base {
    template <class G>
    explicit Impl(G&& g) : f(std::forward<G>(g)) {}
    void Call() override { f(); }
    F f;
  };

  std::unique_ptr<Base> impl_;
};

// Binds a callable and its arguments the way std::thread does: both decay-copied
// (moved when rvalues), then invoked as rvalues, once.
template <class F, class... Args>
auto BindOnce(F&& f, Args&&... args) {
  return [f = std::decay_t<F>(std::forward<F>(f)),
          args = std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)]() mutable {
    return std::apply(
        [&f](auto&&... a) { return std::invoke(std::move(f), std::move(a)...); }, std::move(args));
  };
}

}  // namespace conc::internal

#endif  // MODULES_THREADS_INTERNAL_UNIQUE_FUNCTION_H_
