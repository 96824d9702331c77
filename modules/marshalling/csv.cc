// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// libcsv is a push parser: bytes in, callbacks out (a field, the end of a row). It
// is fed here one line at a time (up to and including each '\n', or the end of a
// chunk), so every row and every error is tied to a line and a byte offset, and
// at most one row is pending between two next() calls.

#include "modules/marshalling/csv.h"

#include <csv.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"
#include "modules/marshalling/internal/text_io.h"

namespace conc {

namespace {

int NoSpace(unsigned char) { return 0; }  // keep spaces around fields, as Python

constexpr size_t kChunk = size_t{1} << 16;

}  // namespace

struct CsvReader::State {
  CsvOptions options;
  std::optional<internal::ChunkedFile> file;  // or the text in `buffer`, all of it
  csv_parser parser{};
  bool parser_ready = false;
  std::string buffer;
  size_t pos = 0;          // next byte of `buffer` to feed
  size_t buffer_base = 0;  // file offset of buffer[0]
  bool eof = false;
  bool finished = false;  // csv_fini called
  size_t line = 1;        // the line `pos` is on
  size_t line_start = 0;  // file offset where that line starts
  size_t line_num = 0;    // Python's line_num
  std::vector<std::string> row;
  size_t row_bytes = 0;
  bool too_big = false;  // a row past max_field was seen
  std::deque<std::vector<std::string>> rows;
  std::deque<size_t> row_lines;
  absl::Status error;

  State() = default;
  State(const State&) = delete;
  ~State() {
    if (parser_ready) csv_free(&parser);
  }

  absl::Status Init() {
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
      return absl::ResourceExhaustedError("csv: csv_init");
    parser_ready = true;
    csv_set_delim(&parser, static_cast<unsigned char>(options.delimiter));
    csv_set_quote(&parser, static_cast<unsigned char>(options.quotechar));
    csv_set_space_func(&parser, NoSpace);
    return absl::OkStatus();
  }

  static void OnField(void* data, size_t len, void* self) {
    State* s = static_cast<State*>(self);
    s->row_bytes += len + 1;  // a field costs at least its delimiter
    if (s->row_bytes > s->options.max_field) s->too_big = true;
    s->row.emplace_back(static_cast<const char*>(data), len);
  }
  static void OnRow(int, void* self) {
    State* s = static_cast<State*>(self);
    s->rows.push_back(std::move(s->row));
    s->row_lines.push_back(s->line);
    s->row.clear();
    s->row_bytes = 0;
  }

  absl::Status Where(std::string_view what, size_t offset) const {
    return absl::InvalidArgumentError(
        absl::StrCat("csv: ", absl::string_view(what.data(), what.size()), " at line ", line,
                     " column ", offset - line_start + 1, " (byte ", offset, ")"));
  }

  // Feeds one line (or what is left of the chunk); false when the buffer is empty.
  absl::Status FeedOne() {
    const char* begin = buffer.data() + pos;
    size_t left = buffer.size() - pos;
    const void* nl = std::memchr(begin, '\n', left);
    size_t n = nl ? static_cast<size_t>(static_cast<const char*>(nl) - begin) + 1 : left;
    size_t done = csv_parse(&parser, begin, n, OnField, OnRow, this);
    if (done != n) {
      return Where(
          csv_error(&parser) == CSV_EPARSE ? "malformed quoting" : csv_strerror(csv_error(&parser)),
          buffer_base + pos + done);
    }
    pos += n;
    if (nl) {
      ++line;
      line_start = buffer_base + pos;
    }
    if (too_big || row_bytes > options.max_field ||
        csv_get_buffer_size(&parser) > options.max_field + kChunk) {
      return absl::ResourceExhaustedError(absl::StrCat("csv: a field or row longer than ",
                                                       options.max_field, " bytes at line ", line));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> Next() {
    if (!error.ok()) return error;
    while (rows.empty()) {
      if (pos < buffer.size()) {
        if (absl::Status s = FeedOne(); !s.ok()) return error = s;
        continue;
      }
      if (!eof && file) {
        buffer_base += buffer.size();
        buffer.clear();
        pos = 0;
        absl::StatusOr<size_t> n = file->Read(&buffer, kChunk);
        if (!n.ok()) return error = n.status();
        eof = *n == 0;
        continue;
      }
      if (!finished) {
        finished = true;
        if (csv_fini(&parser, OnField, OnRow, this) != 0) {
          return error = Where("a quoted field is never closed", buffer_base + buffer.size());
        }
        continue;
      }
      return absl::OutOfRangeError("csv: end of file");
    }
    std::vector<std::string> out = std::move(rows.front());
    rows.pop_front();
    line_num = row_lines.front();
    row_lines.pop_front();
    return out;
  }
};

CsvReader::CsvReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;
CsvReader::~CsvReader() = default;

absl::StatusOr<CsvReader> CsvReader::Open(const std::string& path, const CsvOptions& options) {
  absl::StatusOr<internal::ChunkedFile> file = internal::ChunkedFile::Open(path);
  if (!file.ok()) return file.status();
  auto state = std::make_unique<State>();
  state->options = options;
  state->file.emplace(*std::move(file));
  if (absl::Status s = state->Init(); !s.ok()) return s;
  return CsvReader(std::move(state));
}

CsvReader CsvReader::FromString(std::string text, const CsvOptions& options) {
  auto state = std::make_unique<State>();
  state->options = options;
  state->buffer = std::move(text);
  state->eof = true;
  if (absl::Status s = state->Init(); !s.ok()) state->error = s;
  return CsvReader(std::move(state));
}

absl::StatusOr<std::vector<std::string>> CsvReader::next() { return state_->Next(); }
size_t CsvReader::line_num() const { return state_->line_num; }

std::optional<std::string_view> CsvRow::get(std::string_view name) const {
  if (!fieldnames) return std::nullopt;
  for (size_t k = 0; k < fieldnames->size() && k < values.size(); ++k) {
    if ((*fieldnames)[k] == name) return std::string_view(values[k]);
  }
  return std::nullopt;
}

absl::StatusOr<CsvDictReader> CsvDictReader::Start(CsvReader reader) {
  CsvDictReader dict(std::move(reader));
  absl::StatusOr<std::vector<std::string>> header = dict.reader_.next();
  if (header.ok()) {
    dict.fieldnames_ = std::make_shared<const std::vector<std::string>>(*std::move(header));
  } else if (header.status().code() == absl::StatusCode::kOutOfRange) {
    dict.fieldnames_ = std::make_shared<const std::vector<std::string>>();
  } else {
    return header.status();
  }
  return dict;
}

absl::StatusOr<CsvDictReader> CsvDictReader::Open(const std::string& path,
                                                  const CsvOptions& options) {
  absl::StatusOr<CsvReader> reader = CsvReader::Open(path, options);
  if (!reader.ok()) return reader.status();
  return Start(*std::move(reader));
}

absl::StatusOr<CsvDictReader> CsvDictReader::FromString(std::string text,
                                                        const CsvOptions& options) {
  return Start(CsvReader::FromString(std::move(text), options));
}

absl::StatusOr<CsvRow> CsvDictReader::next() {
  absl::StatusOr<std::vector<std::string>> values = reader_.next();
  if (!values.ok()) return values.status();
  if (values->size() != fieldnames_->size()) {
    return absl::InvalidArgumentError(absl::StrCat("csv: the row ending on line ",
                                                   reader_.line_num(), " has ", values->size(),
                                                   " fields, the header ", fieldnames_->size()));
  }
  CsvRow row;
  row.fieldnames = fieldnames_;
  row.values = *std::move(values);
  row.line = reader_.line_num();
  return row;
}

std::string CsvFormatRow(const std::vector<std::string>& fields, const CsvOptions& options) {
  std::string out;
  for (size_t k = 0; k < fields.size(); ++k) {
    if (k) out.push_back(options.delimiter);
    const std::string& f = fields[k];
    bool quote = (fields.size() == 1 && f.empty()) ||
                 f.find_first_of(std::string{options.delimiter, options.quotechar, '\r', '\n'}) !=
                     std::string::npos;
    if (!quote) {
      out += f;
      continue;
    }
    // libcsv's csv_write2 quotes and doubles the quotes; it needs at most 2n + 2 bytes.
    size_t at = out.size();
    out.resize(at + 2 * f.size() + 2);
    size_t n = csv_write2(out.data() + at, out.size() - at, f.data(), f.size(),
                          static_cast<unsigned char>(options.quotechar));
    out.resize(at + n);
  }
  out += "\r\n";
  return out;
}

absl::StatusOr<CsvWriter> CsvWriter::Open(const std::string& path, const CsvOptions& options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open ", path));
  return CsvWriter(fd, options);
}

CsvWriter::CsvWriter(CsvWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      options_(other.options_),
      buffer_(std::move(other.buffer_)) {}

CsvWriter& CsvWriter::operator=(CsvWriter&& other) noexcept {
  if (this != &other) {
    (void)close();
    fd_ = std::exchange(other.fd_, -1);
    options_ = other.options_;
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

CsvWriter::~CsvWriter() { (void)close(); }

absl::Status CsvWriter::writerow(const std::vector<std::string>& fields) {
  if (fd_ < 0) return absl::FailedPreconditionError("csv: write to a closed writer");
  buffer_ += CsvFormatRow(fields, options_);
  if (buffer_.size() >= kChunk) return Flush();
  return absl::OkStatus();
}

absl::Status CsvWriter::Flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, "csv: write");
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status CsvWriter::close() {
  if (fd_ < 0) return absl::OkStatus();
  absl::Status s = Flush();
  if (::close(fd_) != 0 && s.ok()) s = ErrnoToStatus(errno, "csv: close");
  fd_ = -1;
  return s;
}

}  // namespace conc
