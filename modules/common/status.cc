// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/status.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace conc {
namespace {

// Debian's Abseil is built with its own absl::string_view (not an alias of
// std::string_view, ABSL_OPTION_USE_STD_STRING_VIEW is 0): convert explicitly.
absl::string_view Absl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

}  // namespace

absl::Status EmptyError(std::string_view message) {
  return absl::DeadlineExceededError(Absl(message));
}

absl::Status FullError(std::string_view message) {
  return absl::DeadlineExceededError(Absl(message));
}

absl::Status ShutDownError(std::string_view message) { return absl::CancelledError(Absl(message)); }

absl::Status EofError(std::string_view message) { return absl::OutOfRangeError(Absl(message)); }

absl::Status IndexError(std::string_view message) {
  return absl::OutOfRangeError(Absl(message));
}

absl::Status DataLossError(std::string_view message) { return absl::DataLossError(Absl(message)); }

absl::Status BrokenError(std::string_view message) { return absl::AbortedError(Absl(message)); }

absl::Status OwnerDiedError(std::string_view message) {
  absl::Status status = absl::AbortedError(Absl(message));
  status.SetPayload(Absl(kOwnerDiedPayload), absl::Cord());
  return status;
}

absl::Status BufferTooShortError(std::string_view message, std::string message_bytes) {
  absl::Status status = absl::ResourceExhaustedError(Absl(message));
  status.SetPayload(Absl(kMessagePayload), absl::Cord(std::move(message_bytes)));
  return status;
}

absl::Status BrokenPipeError(std::string_view message) {
  return absl::UnavailableError(Absl(message));
}

absl::Status MisuseError(std::string_view message) {
  return absl::FailedPreconditionError(Absl(message));
}

absl::Status ValueError(std::string_view message) {
  return absl::InvalidArgumentError(Absl(message));
}

bool IsOwnerDied(const absl::Status& status) {
  return absl::IsAborted(status) && status.GetPayload(Absl(kOwnerDiedPayload)).has_value();
}

std::optional<std::string> BufferTooShortMessage(const absl::Status& status) {
  if (!absl::IsResourceExhausted(status)) return std::nullopt;
  absl::optional<absl::Cord> payload = status.GetPayload(Absl(kMessagePayload));
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

absl::Status ErrnoToStatus(int err, std::string_view what) {
  absl::StatusCode code;
  switch (err) {
    case EPIPE:
    case ECONNRESET:
    case ECONNABORTED:
    case ECONNREFUSED:
    case ENOTCONN:
    case ESHUTDOWN:
      code = absl::StatusCode::kUnavailable;
      break;
    case EAGAIN:  // == EWOULDBLOCK on Linux.
    case ETIMEDOUT:
      code = absl::StatusCode::kDeadlineExceeded;
      break;
    case EINTR:
      code = absl::StatusCode::kAborted;
      break;
    default:
      code = absl::ErrnoToStatusCode(err);
      break;
  }
  // glibc's strerrordesc_np/strerrorname_np return static strings (thread-safe,
  // unlike strerror for unknown values), or null for an unknown errno.
  const char* description = strerrordesc_np(err);
  const char* name = strerrorname_np(err);
  return absl::Status(
      code, absl::StrCat(Absl(what), ": ", description != nullptr ? description : "Unknown error",
                         " [", name != nullptr ? name : absl::StrCat("errno ", err), "]"));
}

}  // namespace conc
