// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// generator.h: conc::Generator<Ref, V>, a C++20 coroutine generator.
//
// A function whose body contains `co_yield` and that returns a Generator is a
// *generator function*, the C++ spelling of a Python function that contains
// `yield`. Calling it runs none of the body: it returns a Generator that owns a
// suspended coroutine frame (Python: a generator object). Iterating it runs the
// body up to the next `co_yield`, hands that value to the consumer and suspends
// again, until the body returns.
//
// The interface is the one of C++23 `std::generator` (P2502), as far as g++ 12 can
// have it: `Generator<T>` yields values, `Generator<const T&>` yields references
// (no copies), `Generator<T&&>` hands out rvalues, `Generator<Ref, V>` names the
// value type explicitly. It is an input range (`std::ranges::input_range`) and a
// view, so range-for and `std::views::take/filter/transform` work on it.
//
// Python -> C++:
//
//   def gen(): yield x          conc::Generator<T> gen() { co_yield x; }
//   g = gen()                   auto g = gen();             // runs nothing yet
//   it = iter(g)                auto it = g.begin();        // runs to 1st yield
//   v = next(it)                v = *it; ++it;              // ++ resumes the body
//   except StopIteration        if (it == g.end()) ...      // body returned
//   for v in g: ...             for (auto&& v : g) { ... }
//
// Where it differs from Python:
//   - `begin()` already runs the body up to the first `co_yield` (Python's
//     `iter(g)` returns g and runs nothing; the first `next` does). `*it` then
//     reads the current value and `++it` resumes; together they are `next`.
//   - Every `co_yield` in one body yields the same type (Python mixes types
//     freely; use `std::variant` or a common type). A bare `yield` (None) has
//     no spelling: yield a value and ignore it.
//   - There is no `send`, `throw` or `close`, no `yield from`/`elements_of`
//     (loop over the inner generator and `co_yield` each element), and no
//     `co_await` inside the body (it is a compile error, as in std::generator).
//   - Exhaustion is `it == g.end()`, not an exception. An exception thrown by
//     the body propagates to the consumer out of the `begin()` or `++it` that
//     resumed it (Python: out of `next`); the generator is then finished.
//   - A named Generator is a move-only view, so `g | std::views::take(3)` does
//     not compile (as with std::generator): pipe `std::move(g)`, or
//     `std::ranges::ref_view(g)` to keep iterating g afterwards.
//   - Destroying the Generator before the body finishes destroys the frame:
//     the destructors of the body's locals run (Python: `close()` at garbage
//     collection raises GeneratorExit at the paused `yield`; here no code after
//     the `co_yield` runs, only destructors).
//
// Lifetime rules:
//   - The Generator owns the frame; an iterator borrows it. The Generator must
//     outlive its iterators, and whatever the body refers to (reference
//     parameters, captured objects) must outlive the Generator.
//   - A value yielded as a reference (`Generator<const T&>`, and the value
//     behind `*it` for every Generator) is valid until the next `++it`.
//
// Thread-safety: none. A Generator and its iterator are used by one thread at a
// time (it may move between threads with external synchronisation; the body
// then runs on whichever thread resumes it). There is nothing to say about
// memory ordering: resuming a coroutine is an ordinary function call.
//
// Example:
//
//   conc::Generator<int> count_to(int n) {
//     for (int i = 0; i < n; ++i) co_yield i;
//   }
//
//   for (int v : count_to(3)) std::printf("%d\n", v);  // 0 1 2
//   auto evens = count_to(10) | std::views::filter([](int v) { return v % 2 == 0; });

#ifndef MODULES_GENERATORS_GENERATOR_H_
#define MODULES_GENERATORS_GENERATOR_H_

#include <coroutine>
#include <cstddef>
#include <exception>
#include <iterator>
#include <memory>
#include <ranges>
#include <type_traits>
#include <utility>

namespace conc {

// Generator<Ref, V = void>: with the default V, `Generator<T>` yields T (as
// T&&), `Generator<T&>` / `Generator<const T&>` yield references. The type
// aliases below follow [coro.generator.class] of C++23.
template <class Ref, class V = void>
class Generator : public std::ranges::view_interface<Generator<Ref, V>> {
 public:
  // What the range holds: `std::ranges::range_value_t<Generator>`.
  using value = std::conditional_t<std::is_void_v<V>, std::remove_cvref_t<Ref>, V>;
  // What `*it` returns: `std::ranges::range_reference_t<Generator>`.
  using reference = std::conditional_t<std::is_void_v<V>, Ref&&, Ref>;
  // What `co_yield` binds to in the body.
  using yielded = std::conditional_t<std::is_reference_v<reference>, reference,
                                     const reference&>;

  static_assert(std::is_same_v<std::remove_cvref_t<value>, value> &&
                    std::is_object_v<value>,
                "Generator's value type must be a cv-unqualified object type");
  static_assert(std::is_reference_v<reference> ||
                    (std::is_object_v<reference> &&
                     std::is_same_v<std::remove_cv_t<reference>, reference> &&
                     std::copy_constructible<reference>),
                "Generator's reference type must be a reference or a copyable object");

  class promise_type;
  class iterator;

  // A default-constructed Generator owns no frame: it is an empty range.
  Generator() noexcept = default;

  // Move-only: the frame has one owner. A moved-from Generator is empty.
  Generator(Generator&& other) noexcept
      : coro_(std::exchange(other.coro_, nullptr)),
        started_(std::exchange(other.started_, false)) {}
  Generator& operator=(Generator other) noexcept {
    std::swap(coro_, other.coro_);
    std::swap(started_, other.started_);
    return *this;
  }
  Generator(const Generator&) = delete;

  // Destroys the frame if there is one: the body's locals are destroyed, code
  // after the `co_yield` where it is paused does not run.
  ~Generator() {
    if (coro_) coro_.destroy();
  }

  // Runs the body up to its first `co_yield` (or to its end) and returns an
  // iterator at that value. Rethrows an exception the body threw on the way.
  //
  // Requires: called once per Generator (as for std::generator, where a second
  // call is undefined). Here a second call resumes nothing and returns an
  // iterator at the current position.
  iterator begin() {
    if (coro_ && !started_) {
      started_ = true;
      iterator it(coro_);
      it.resume();
      return it;
    }
    return iterator(coro_);
  }

  // The end of the range: `it == g.end()` once the body has returned or thrown.
  std::default_sentinel_t end() const noexcept { return std::default_sentinel; }

 private:
  explicit Generator(std::coroutine_handle<promise_type> coro) noexcept : coro_(coro) {}

  std::coroutine_handle<promise_type> coro_ = nullptr;
  bool started_ = false;  // begin() has run the body once.
};

// The coroutine machinery. Users never name it; the compiler does.
template <class Ref, class V>
class Generator<Ref, V>::promise_type {
 public:
  Generator get_return_object() noexcept {
    return Generator(std::coroutine_handle<promise_type>::from_promise(*this));
  }

  // Lazy start: calling a generator function runs nothing (as in Python).
  std::suspend_always initial_suspend() const noexcept { return {}; }
  // Stay suspended at the end so that the Generator can observe done() and
  // destroy the frame itself.
  std::suspend_always final_suspend() const noexcept { return {}; }

  // `co_yield expr` where expr binds to `yielded`: remember its address (the
  // object lives until the end of the co_yield expression, which includes the
  // suspension) and suspend. No copy is made.
  std::suspend_always yield_value(yielded value) noexcept {
    value_ = std::addressof(value);
    return {};
  }

  // `co_yield lvalue` in a `Generator<T>` (yielded is T&&): copy the lvalue
  // into the awaiter, which lives in the frame while the body is suspended.
  auto yield_value(const std::remove_reference_t<yielded>& lvalue)
    requires std::is_rvalue_reference_v<yielded> &&
             std::constructible_from<std::remove_cvref_t<yielded>,
                                     const std::remove_reference_t<yielded>&>
  {
    struct CopyAwaiter {
      std::remove_cvref_t<yielded> copy;
      promise_type* promise;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<>) noexcept {
        promise->value_ = std::addressof(copy);
      }
      void await_resume() const noexcept {}
    };
    return CopyAwaiter{lvalue, this};
  }

  // A generator body cannot `co_await` (same rule as std::generator).
  template <class U>
  void await_transform(U&&) = delete;

  void return_void() const noexcept {}

  // The body threw: keep the exception for the iterator, which rethrows it to
  // the consumer. The frame then goes to final_suspend (done).
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

 private:
  friend class iterator;

  std::add_pointer_t<yielded> value_ = nullptr;  // The current value, set by yield_value.
  std::exception_ptr exception_;                 // Set by unhandled_exception.
};

// An input iterator over the values of a Generator. Move-only (as
// std::generator's); compare it with `g.end()` (std::default_sentinel).
template <class Ref, class V>
class Generator<Ref, V>::iterator {
 public:
  using value_type = Generator::value;
  using difference_type = std::ptrdiff_t;

  iterator(iterator&& other) noexcept : coro_(std::exchange(other.coro_, nullptr)) {}
  iterator& operator=(iterator&& other) noexcept {
    coro_ = std::exchange(other.coro_, nullptr);
    return *this;
  }

  // The current value (Python: what `next` returned). Requires: not at end.
  // A reference into the suspended body, valid until the next `++`.
  reference operator*() const noexcept(std::is_nothrow_copy_constructible_v<reference>) {
    return static_cast<reference>(*coro_.promise().value_);
  }

  // Resumes the body to its next `co_yield` or its end. Rethrows an exception
  // the body threw; the iterator is then at end. Requires: not at end.
  iterator& operator++() {
    resume();
    return *this;
  }
  void operator++(int) { ++*this; }

  // True when the body has finished (returned or thrown): Python's
  // StopIteration. Also true for an empty (default-constructed or moved-from)
  // Generator.
  friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
    return !it.coro_ || it.coro_.done();
  }

 private:
  friend class Generator;

  explicit iterator(std::coroutine_handle<promise_type> coro) noexcept : coro_(coro) {}

  void resume() {
    coro_.resume();
    if (coro_.promise().exception_) {
      std::rethrow_exception(std::exchange(coro_.promise().exception_, nullptr));
    }
  }

  std::coroutine_handle<promise_type> coro_;
};

}  // namespace conc

#endif  // MODULES_GENERATORS_GENERATOR_H_
