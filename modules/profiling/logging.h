// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// logging.h: Python's `logging` for conc programs, on spdlog (Debian's
// libspdlog-dev; third_party/README.md says why it and not glog).
//
//   import logging
//   logging.basicConfig(level=logging.INFO, filename="app.log",
//                       format="%(asctime)s %(levelname)s [%(name)s] pid %(process)d: %(message)s")
//   log = logging.getLogger("pool")
//   log.info("started %d workers", 4)
//
//   conc::LoggingOptions options;
//   options.file = "app.log";
//   conc::CheckOk(conc::ConfigureLogging(options), "logging");
//   auto log = conc::GetLogger("pool");
//   log->info("started {} workers", 4);
//
// ConfigureLogging is basicConfig: it sets the level and the handlers (sinks)
// that every logger GetLogger makes afterwards shares; call it first. (A logger
// got before it keeps writing where it did: unlike Python's, spdlog's loggers do
// not propagate to a root logger that basicConfig could change.) Handlers: the console (stderr, as basicConfig's default), a file opened
// for appending, or a rotating file (RotatingFileHandler's maxBytes and
// backupCount); `async` puts a queue and one background thread between the
// callers and the handlers (QueueHandler + QueueListener).
//
// Several processes may append to one plain file (not a rotating one) without
// torn lines: each message is written by one write(2) on a file opened with
// O_APPEND, and the kernel keeps a write to a regular file whole
// (logging_multiprocess_test checks it with four processes). Python's docs say
// the opposite for their FileHandler and point to a socket or queue listener.
//
// Where it differs: the message uses fmt's "{}" placeholders, not "%d"; a format
// error in a message is reported in the log line by spdlog instead of an
// exception; levels are spdlog's (trace, debug, info, warn, error, critical),
// and Python's names ("warning", "DEBUG", ...) are accepted too; the thread is
// shown by its id (%t), not a name.
//
// Thread safety: GetLogger and the loggers it returns may be used from any
// thread. ConfigureLogging and ShutdownLogging are not meant to race with each
// other; call them at start-up and exit.

#ifndef MODULES_PROFILING_LOGGING_H_
#define MODULES_PROFILING_LOGGING_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "spdlog/spdlog.h"

namespace conc {

// Python's default asctime/levelname/name/process/message, in spdlog's pattern
// language: "2026-12-02 21:30:00.123 info [pool] pid 4242 tid 4243: started 4 workers".
inline constexpr char kDefaultLogFormat[] = "%Y-%m-%d %H:%M:%S.%e %l [%n] pid %P tid %t: %v";

struct LoggingOptions {
  std::string level = "info";  // trace|debug|info|warn(ing)|error|critical|off, any case
  bool console = true;         // stderr
  std::string file;            // "" for none; appended to
  size_t rotate_bytes = 0;     // > 0: rotate `file` at this size (one process only)
  int backup_count = 3;        // rotated files kept: file.1 ... file.N
  bool async = false;          // a background thread writes
  size_t async_queue = 8192;   // messages the async queue holds; callers block when full
  std::string format = kDefaultLogFormat;
};

// logging.basicConfig. InvalidArgument for an unknown level, a negative
// backup_count or a zero async queue; the errno's status when the file cannot be
// opened (nothing is changed then).
absl::Status ConfigureLogging(const LoggingOptions& options);

// logging.getLogger(name): the same logger for the same name. Before any
// ConfigureLogging, loggers write to stderr at level info.
std::shared_ptr<spdlog::logger> GetLogger(std::string_view name);

// logging.shutdown(): flushes and drops every logger, and drains and joins the
// async thread. A logger still held afterwards is not for use (spdlog reports
// the attempt on stderr); GetLogger makes fresh ones on stderr.
void ShutdownLogging();

}  // namespace conc

#endif  // MODULES_PROFILING_LOGGING_H_
