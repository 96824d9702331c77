// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/profiling/logging.h"

#include <errno.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "modules/common/internal/mutex.h"
#include "modules/common/status.h"
#include "spdlog/async.h"
#include "spdlog/async_logger.h"
#include "spdlog/sinks/basic_file_sink.h"
#include "spdlog/sinks/null_sink.h"
#include "spdlog/sinks/rotating_file_sink.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace conc {
namespace {

// What ConfigureLogging chose, for loggers made after it. Guarded by g_mu.
struct Config {
  spdlog::level::level_enum level = spdlog::level::info;
  std::vector<spdlog::sink_ptr> sinks;
  std::shared_ptr<spdlog::details::thread_pool> pool;  // async only
  std::string format = kDefaultLogFormat;
};

internal::Mutex g_mu;
Config& TheConfig() ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_mu) {
  static Config* config = new Config;  // never destroyed: loggers may log during exit
  return *config;
}

// Async threads of earlier configurations: an async logger holds only a weak
// pointer to its thread, so a logger got before a re-configuration needs it kept.
// Guarded by g_mu.
std::vector<std::shared_ptr<spdlog::details::thread_pool>>& RetiredPools()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_mu) {
  static auto* pools = new std::vector<std::shared_ptr<spdlog::details::thread_pool>>;
  return *pools;
}

bool ParseLevel(std::string name, spdlog::level::level_enum* level) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name == "warning") name = "warn";
  if (name == "fatal") name = "critical";
  static constexpr std::pair<const char*, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},   {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  for (const auto& [n, l] : kLevels) {
    if (name == n) {
      *level = l;
      return true;
    }
  }
  return false;
}

std::shared_ptr<spdlog::logger> MakeLogger(const std::string& name, const Config& c) {
  std::shared_ptr<spdlog::logger> logger;
  if (c.pool) {
    logger = std::make_shared<spdlog::async_logger>(name, c.sinks.begin(), c.sinks.end(), c.pool,
                                                    spdlog::async_overflow_policy::block);
  } else {
    logger = std::make_shared<spdlog::logger>(name, c.sinks.begin(), c.sinks.end());
  }
  logger->set_level(c.level);
  logger->set_pattern(c.format);
  // One write(2) per message: what keeps lines whole across processes, and
  // what a log read after a crash needs.
  logger->flush_on(spdlog::level::trace);
  return logger;
}

void EnsureDefaults(Config& c) {
  if (c.sinks.empty()) c.sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

}  // namespace

absl::Status ConfigureLogging(const LoggingOptions& options) {
  Config next;
  if (!ParseLevel(options.level, &next.level)) {
    return ValueError(absl::StrCat("ConfigureLogging: unknown level \"", options.level,
                                   "\" (trace, debug, info, warning, error, critical, off)"));
  }
  if (options.backup_count < 0) return ValueError("ConfigureLogging: backup_count must be >= 0");
  if (options.async && options.async_queue == 0) return ValueError("ConfigureLogging: async_queue must be > 0");
  next.format = options.format;
  try {
    if (options.console) next.sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    if (!options.file.empty()) {
      if (options.rotate_bytes > 0) {
        next.sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
            options.file, options.rotate_bytes, static_cast<size_t>(options.backup_count)));
      } else {
        next.sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file));
      }
    }
    if (options.async) next.pool = std::make_shared<spdlog::details::thread_pool>(options.async_queue, 1);
  } catch (const spdlog::spdlog_ex& e) {
    // spdlog reports an unopenable file as an exception carrying errno's text.
    return absl::InvalidArgumentError(absl::StrCat("ConfigureLogging: ", e.what()));
  }
  if (next.sinks.empty()) {
    next.sinks.push_back(std::make_shared<spdlog::sinks::null_sink_mt>());
  }

  internal::MutexLock lock(g_mu);
  // GetLogger makes new loggers from now on; a logger got before stays usable
  // where it was (its async thread, if any, is kept alive for it).
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  spdlog::drop_all();
  if (TheConfig().pool) RetiredPools().push_back(TheConfig().pool);
  TheConfig() = std::move(next);
  return absl::OkStatus();
}

std::shared_ptr<spdlog::logger> GetLogger(std::string_view name) {
  const std::string key(name);
  internal::MutexLock lock(g_mu);
  if (auto existing = spdlog::get(key)) return existing;
  Config& c = TheConfig();
  EnsureDefaults(c);
  auto logger = MakeLogger(key, c);
  spdlog::register_logger(logger);
  return logger;
}

void ShutdownLogging() {
  internal::MutexLock lock(g_mu);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  spdlog::drop_all();
  // Destroying the async thread's pool drains its queue and joins the thread.
  TheConfig() = Config{};
  RetiredPools().clear();
}

}  // namespace conc
