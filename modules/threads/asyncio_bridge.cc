// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/threads/asyncio_bridge.h"

#include <optional>

namespace conc {

ThreadPoolExecutor& DefaultExecutor() {
  // Started on first use; its destructor (at exit) shuts it down and joins
  // the threads, as asyncio.run shuts its default executor down.
  static ThreadPoolExecutor pool(std::nullopt, "asyncio");
  return pool;
}

}  // namespace conc
