// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// status.h: how Python's exceptions become `absl::Status` codes in `conc`.
//
// `conc` throws nothing of its own. Where Python raises `queue.Empty`,
// `EOFError` or `BrokenPipeError`, the C++ call returns an `absl::Status` (or an
// `absl::StatusOr<T>`) with the code from one table, kept here and in
// modules/common/README.md:
//
//   Python                                          absl::StatusCode      constructor
//   ----------------------------------------------  --------------------  -------------------
//   queue.Empty (after a timeout / without blocking) kDeadlineExceeded    EmptyError
//   queue.Full  (after a timeout / without blocking) kDeadlineExceeded    FullError
//   queue.ShutDown                                   kCancelled           ShutDownError
//   EOFError                                         kOutOfRange          EofError
//   IndexError (an index out of range)               kOutOfRange          IndexError
//   a torn or corrupt frame, a writer that died      kDataLoss            DataLossError
//     mid-message
//   BrokenBarrierError, BrokenProcessPool            kAborted             BrokenError
//   a process-shared lock whose owner died           kAborted + payload   OwnerDiedError
//                                                      "conc/owner_died"
//   multiprocessing.BufferTooShort                   kResourceExhausted   BufferTooShortError
//                                                      + payload "conc/message" (the message)
//   BrokenPipeError, ConnectionResetError            kUnavailable         BrokenPipeError
//   misuse: over-release, releasing a lock one does  kFailedPrecondition  MisuseError
//     not own, task_done() too often
//   ValueError (bad arguments)                       kInvalidArgument     ValueError
//
// The constructors below spell the Python name so that code reads like the
// Python it mirrors, and so that the table is applied the same way everywhere:
//
//   if (items_.empty()) return conc::EmptyError("Queue.get: queue is empty");
//
// and callers test the code with Abseil's predicates:
//
//   absl::StatusOr<int> item = q.get(absl::Milliseconds(10));
//   if (absl::IsDeadlineExceeded(item.status())) { /* queue.Empty */ }
//   if (conc::IsOwnerDied(status)) { /* repair the shared state */ }
//
// Where it differs from Python: one code covers both `queue.Empty` and
// `queue.Full` (the call tells which), and an `OwnerDiedError` is an `Aborted`
// that carries a payload, so code that only asks "did it fail?" treats a dead
// owner like a broken barrier. `ResourceExhausted` also comes from
// `ErrnoToStatus` for ENOMEM/EMFILE/ENOSPC: a `BufferTooShort` is recognised by
// its payload (`BufferTooShortMessage`), not by the code alone.

#ifndef MODULES_COMMON_STATUS_H_
#define MODULES_COMMON_STATUS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace conc {

// Payload type URLs (`absl::Status::SetPayload` keys) used by `conc`.
//
// The owner of a process-shared lock died while holding it; the lock is now
// held by the caller, and the data it guards may be inconsistent. Empty value.
inline constexpr std::string_view kOwnerDiedPayload = "conc/owner_died";
// The complete message that did not fit the caller's buffer (BufferTooShort).
inline constexpr std::string_view kMessagePayload = "conc/message";

// queue.Empty: nothing to get after the timeout, or at once without blocking.
[[nodiscard]] absl::Status EmptyError(std::string_view message);

// queue.Full: no room to put after the timeout, or at once without blocking.
[[nodiscard]] absl::Status FullError(std::string_view message);

// queue.ShutDown: the queue (or executor, or loop) was shut down.
[[nodiscard]] absl::Status ShutDownError(std::string_view message);

// EOFError: the other end closed cleanly and nothing is left to read.
[[nodiscard]] absl::Status EofError(std::string_view message);

// A torn or corrupt frame, undecodable bytes, a writer that died mid-message.
[[nodiscard]] absl::Status DataLossError(std::string_view message);

// BrokenBarrierError, BrokenProcessPool: a shared object is broken for good.
[[nodiscard]] absl::Status BrokenError(std::string_view message);

// The owner of a process-shared lock died holding it. `Aborted` with the
// payload `kOwnerDiedPayload`; test with `IsOwnerDied`.
[[nodiscard]] absl::Status OwnerDiedError(std::string_view message);

// multiprocessing.BufferTooShort: the message did not fit the caller's buffer.
// As in Python, the message has been consumed; it travels with the error as the
// payload `kMessagePayload` (read it back with `BufferTooShortMessage`).
[[nodiscard]] absl::Status BufferTooShortError(std::string_view message, std::string message_bytes);

// BrokenPipeError, ConnectionResetError: the peer is gone.
[[nodiscard]] absl::Status BrokenPipeError(std::string_view message);

// Misuse of an object: releasing a lock one does not hold, over-releasing a
// BoundedSemaphore, calling task_done() too often.
[[nodiscard]] absl::Status MisuseError(std::string_view message);

// ValueError: a bad argument, e.g. a negative maxsize.
[[nodiscard]] absl::Status ValueError(std::string_view message);

// IndexError: an index out of range (mp::Array, ShareableList, ListProxy).
// The same code as EofError: the call tells which.
[[nodiscard]] absl::Status IndexError(std::string_view message);

// True if `status` is an `OwnerDiedError` (Aborted with `kOwnerDiedPayload`).
bool IsOwnerDied(const absl::Status& status);

// The message attached by `BufferTooShortError`, or `nullopt` if `status` is
// not a BufferTooShort (whatever its code).
std::optional<std::string> BufferTooShortMessage(const absl::Status& status);

// Converts an `errno` value into a status whose message is
// "<what>: <description> [<ERRNO NAME>]", e.g. "write: Broken pipe [EPIPE]".
// `err` must not be 0. Codes follow the table above where an errno has a
// Python counterpart, and `absl::ErrnoToStatusCode` otherwise:
//
//   EPIPE, ECONNRESET, ECONNABORTED, ENOTCONN,  kUnavailable  (BrokenPipeError,
//     ESHUTDOWN, ECONNREFUSED                                  ConnectionError)
//   EAGAIN/EWOULDBLOCK, ETIMEDOUT                kDeadlineExceeded: the call
//                                                would have blocked, which in
//                                                this project is "timed out at
//                                                zero" (queue.Empty without
//                                                blocking); a caller for whom
//                                                EAGAIN means a resource limit
//                                                (fork, pthread_create) maps it
//                                                itself.
//   EINTR                                        kAborted: interrupted, may be
//                                                retried (conc retries EINTR
//                                                itself, as Python does since
//                                                PEP 475, so it rarely escapes).
//   anything else                                absl::ErrnoToStatusCode (EBADF
//                                                -> kFailedPrecondition, EINVAL
//                                                -> kInvalidArgument, ENOMEM ->
//                                                kResourceExhausted, ...).
[[nodiscard]] absl::Status ErrnoToStatus(int err, std::string_view what);

}  // namespace conc

#endif  // MODULES_COMMON_STATUS_H_
