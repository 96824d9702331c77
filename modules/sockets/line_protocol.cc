// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sockets/line_protocol.h"

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace conc {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool HasControlByte(std::string_view line) {
  for (unsigned char c : line) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

// "SUM a b ...": the sum, or an error line.
std::string Sum(std::string_view args) {
  int64_t total = 0;
  while (!args.empty()) {
    const size_t start = args.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    args.remove_prefix(start);
    const size_t end = args.find(' ');
    const std::string_view word = args.substr(0, end);
    args.remove_prefix(end == std::string_view::npos ? args.size() : end);
    int64_t value;
    if (!absl::SimpleAtoi(Absl(word), &value)) return "ERR bad number";
    if (__builtin_add_overflow(total, value, &total)) return "ERR overflow";
  }
  return absl::StrCat(total);
}

class LineSession : public Session {
 public:
  explicit LineSession(size_t max_line) : max_line_(max_line) {}

  Result feed(std::string_view input, std::string& output) override {
    Result r;
    while (!r.close) {
      const std::string_view rest = input.substr(r.consumed);
      const size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) {
        if (rest.size() >= max_line_) Refuse(r, output, "ERR line too long\n");
        break;
      }
      if (nl + 1 > max_line_) {
        Refuse(r, output, "ERR line too long\n");
        break;
      }
      std::string_view line = rest.substr(0, nl);
      r.consumed += nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (HasControlByte(line)) {
        Refuse(r, output, "ERR bad bytes\n");
        break;
      }
      ++r.requests;
      if (line == "TIME") {
        absl::StrAppend(&output, absl::ToUnixNanos(absl::Now()), "\n");
      } else if (line == "QUIT") {
        output += "BYE\n";
        r.close = true;
      } else if (line.substr(0, 4) == "SUM " || line == "SUM") {
        absl::StrAppend(&output, Sum(line.substr(3)), "\n");
      } else {
        output.append(line.data(), line.size());
        output += '\n';
      }
    }
    return r;
  }

 private:
  static void Refuse(Result& r, std::string& output, std::string_view answer) {
    output.append(answer.data(), answer.size());
    ++r.requests;
    r.error = true;
    r.close = true;
  }

  size_t max_line_;
};

}  // namespace

std::unique_ptr<Session> LineProtocol::NewSession() const { return std::make_unique<LineSession>(max_line_); }

}  // namespace conc
