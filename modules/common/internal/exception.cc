// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/common/internal/exception.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

namespace conc::internal {
namespace {

std::string Demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                              std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(mangled);
}

}  // namespace

std::string DescribeException(const std::exception_ptr& e) {
  if (!e) return "";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return Demangle(typeid(ex).name()) + ": " + ex.what();
  } catch (...) {
    // libstdc++ can name the type of whatever is in flight.
    if (const std::type_info* type = abi::__cxa_current_exception_type()) {
      return Demangle(type->name());
    }
    return "unknown exception";
  }
}

}  // namespace conc::internal
