// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/sockets/http.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace conc {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

constexpr std::string_view kIndex =
    "<!doctype html>\n<html><head><title>conc</title></head>\n"
    "<body><h1>Hello from conc</h1><p>The sockets chapter's HTTP page.</p></body></html>\n";

bool IsTokenChar(unsigned char c) {
  return absl::ascii_isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

bool HasBadFieldByte(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Error";
  }
}

void Respond(std::string& out, int status, std::string_view body, bool keep_alive, bool head = false) {
  absl::StrAppend(&out, "HTTP/1.1 ", status, " ", Absl(Reason(status)), "\r\n",
                  "Content-Type: ", status == 200 ? "text/html; charset=utf-8" : "text/plain; charset=utf-8", "\r\n",
                  "Content-Length: ", body.size(), "\r\n", "Connection: ", keep_alive ? "keep-alive" : "close",
                  "\r\n\r\n");
  if (!head) out.append(body.data(), body.size());
}

class HttpSession : public Session {
 public:
  explicit HttpSession(HttpLimits limits) : limits_(limits) {}

  Result feed(std::string_view input, std::string& output) override {
    Result r;
    while (!r.close) {
      const std::string_view rest = input.substr(r.consumed);
      const size_t end = rest.find("\r\n\r\n");
      if (end == std::string_view::npos || end + 4 > limits_.max_header_bytes) {
        // Not complete yet; refuse as soon as it cannot fit (431), without
        // waiting for the blank line.
        if (rest.size() >= limits_.max_header_bytes || end != std::string_view::npos) {
          Refuse(r, output, 431);
        }
        break;
      }
      const std::string_view head = rest.substr(0, end);
      std::optional<Request> req = Parse(head);
      if (!req.has_value()) {
        Refuse(r, output, 400);
        break;
      }
      if (req->content_length > limits_.max_body) {
        Refuse(r, output, 413);
        break;
      }
      const size_t total = end + 4 + static_cast<size_t>(req->content_length);
      if (rest.size() < total) break;  // The body is still coming.
      r.consumed += total;
      ++r.requests;
      if (req->method != "GET" && req->method != "HEAD") {
        Respond(output, 405, "405 Method Not Allowed\n", false);
        r.close = true;
        break;
      }
      const bool is_head = req->method == "HEAD";
      if (req->target == "/" || req->target == "/index.html") {
        Respond(output, 200, kIndex, req->keep_alive, is_head);
      } else {
        Respond(output, 404, "404 Not Found\n", req->keep_alive, is_head);
      }
      if (!req->keep_alive) r.close = true;
    }
    return r;
  }

 private:
  struct Request {
    std::string_view method;
    std::string_view target;
    bool keep_alive = true;
    uint64_t content_length = 0;
  };

  // Parses the request line and headers (no trailing blank line); nullopt for
  // anything malformed.
  static std::optional<Request> Parse(std::string_view head) {
    Request req;
    size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return std::nullopt;
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!IsToken(req.method) || req.target.empty() || HasBadFieldByte(req.target)) return std::nullopt;
    if (version == "HTTP/1.1") {
      req.keep_alive = true;
    } else if (version == "HTTP/1.0") {
      req.keep_alive = false;
    } else {
      return std::nullopt;
    }
    std::optional<uint64_t> length;
    while (!head.empty()) {
      eol = head.find("\r\n");
      const std::string_view field = head.substr(0, eol);
      head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
      const size_t colon = field.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      const std::string_view name = field.substr(0, colon);
      const std::string_view value = Trim(field.substr(colon + 1));
      if (!IsToken(name) || HasBadFieldByte(value)) return std::nullopt;  // Also no obs-fold.
      if (absl::EqualsIgnoreCase(Absl(name), "content-length")) {
        uint64_t n;
        if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos ||
            !absl::SimpleAtoi(Absl(value), &n)) {
          return std::nullopt;
        }
        if (length.has_value() && *length != n) return std::nullopt;  // Conflicting lengths: smuggling.
        length = n;
      } else if (absl::EqualsIgnoreCase(Absl(name), "transfer-encoding")) {
        return std::nullopt;  // Chunked bodies are not supported: refuse rather than misframe.
      } else if (absl::EqualsIgnoreCase(Absl(name), "connection")) {
        const std::string lower = absl::AsciiStrToLower(Absl(value));
        if (absl::StrContains(lower, "close")) req.keep_alive = false;
        if (absl::StrContains(lower, "keep-alive")) req.keep_alive = true;
      }
    }
    req.content_length = length.value_or(0);
    return req;
  }

  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }

  static void Refuse(Result& r, std::string& output, int status) {
    Respond(output, status, absl::StrCat(status, " ", Absl(Reason(status)), "\n"), false);
    ++r.requests;
    r.error = true;
    r.close = true;
  }

  HttpLimits limits_;
};

}  // namespace

std::string_view HttpProtocol::IndexPage() { return kIndex; }

std::unique_ptr<Session> HttpProtocol::NewSession() const { return std::make_unique<HttpSession>(limits_); }

}  // namespace conc
