// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.

#include "modules/marshalling/object_stream.h"

#include <fcntl.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <span>
#include <utility>

#include "absl/strings/str_cat.h"
#include "modules/common/status.h"

namespace conc {
namespace {

constexpr char kMagic[8] = {'c', 'o', 'n', 'c', '-', 'o', 'b', 'j'};
constexpr uint8_t kValueRecord = 1;
constexpr uint8_t kEndRecord = 2;
// A record is a kind byte and a CRC before its body.
constexpr size_t kRecordPrefix = 1 + sizeof(uint32_t);

absl::Status ToStatus(absl::StatusCode code, const std::string& message) {
  return absl::Status(code, absl::string_view(message.data(), message.size()));
}

absl::Status DataLoss(const std::string& message) {
  return ToStatus(absl::StatusCode::kDataLoss, "object stream: " + message);
}

std::string PathString(std::string_view path) { return std::string(path); }

}  // namespace

namespace internal {

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      table[i] = c;
    }
    return table;
  }();
  crc = ~crc;
  for (unsigned char byte : data) crc = kTable[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

}  // namespace internal

bool IsEndOfStream(const absl::Status& status) {
  return absl::IsOutOfRange(status) && status.message() == "end of stream";
}

// ---------------------------------------------------------------------------
// ObjectWriter

ObjectWriter::ObjectWriter(FileDescriptor owned, int fd)
    : owned_(std::move(owned)), fd_(fd), frames_(std::make_unique<FrameWriter>(fd)) {}

ObjectWriter::ObjectWriter(ObjectWriter&& other) noexcept { *this = std::move(other); }

ObjectWriter& ObjectWriter::operator=(ObjectWriter&& other) noexcept {
  if (this != &other) {
    (void)close();
    owned_ = std::move(other.owned_);
    fd_ = std::exchange(other.fd_, -1);
    frames_ = std::move(other.frames_);
    record_ = std::move(other.record_);
    count_ = other.count_;
    offset_ = other.offset_;
    closed_ = std::exchange(other.closed_, true);
    broken_ = other.broken_;
  }
  return *this;
}

ObjectWriter::~ObjectWriter() { (void)close(); }

absl::StatusOr<ObjectWriter> ObjectWriter::Create(std::string_view path) {
  const std::string p = PathString(path);
  FileDescriptor fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoToStatus(errno, "open " + p);
  const int raw = fd.get();
  ObjectWriter writer(std::move(fd), raw);
  if (absl::Status s = writer.WriteHeader(); !s.ok()) return s;
  return writer;
}

absl::StatusOr<ObjectWriter> ObjectWriter::Attach(int fd) {
  ObjectWriter writer(FileDescriptor(), fd);
  if (absl::Status s = writer.WriteHeader(); !s.ok()) return s;
  return writer;
}

absl::Status ObjectWriter::WriteHeader() {
  std::string header(kMagic, sizeof kMagic);
  const uint32_t version = kObjectStreamVersion, flags = 0;
  header.append(reinterpret_cast<const char*>(&version), sizeof version);
  header.append(reinterpret_cast<const char*>(&flags), sizeof flags);
  if (absl::Status s = WriteFull(fd_, std::as_bytes(std::span(header))); !s.ok()) {
    closed_ = true;  // Nothing to end: the destructor writes no end marker.
    return s;
  }
  offset_ = header.size();
  return absl::OkStatus();
}

std::string& ObjectWriter::BeginRecord() {
  record_.assign(kRecordPrefix, '\0');
  record_[0] = static_cast<char>(kValueRecord);
  return record_;
}

absl::Status ObjectWriter::WriteRecord() {
  if (!broken_.ok()) return broken_;
  if (closed_ || frames_ == nullptr) {
    return absl::FailedPreconditionError("object stream: write after close()");
  }
  const uint32_t crc = internal::Crc32c(std::string_view(record_).substr(kRecordPrefix),
                                        internal::Crc32c(std::string_view(record_).substr(0, 1)));
  std::memcpy(record_.data() + 1, &crc, sizeof crc);
  if (absl::Status s = frames_->Write(record_); !s.ok()) {
    broken_ = s;
    return s;
  }
  offset_ += kFrameHeaderSize + record_.size();
  return absl::OkStatus();
}

absl::Status ObjectWriter::FinishRecord() {
  absl::Status s = WriteRecord();
  if (s.ok()) ++count_;
  return s;
}

absl::Status ObjectWriter::close() {
  if (closed_ || frames_ == nullptr) return absl::OkStatus();
  absl::Status status = broken_;
  if (status.ok()) {
    record_.assign(kRecordPrefix, '\0');
    record_[0] = static_cast<char>(kEndRecord);
    record_.append(reinterpret_cast<const char*>(&count_), sizeof count_);
    status = WriteRecord();
  }
  closed_ = true;
  frames_.reset();
  if (owned_.get() >= 0) {
    const int fd = owned_.release();
    if (::close(fd) != 0 && status.ok()) status = ErrnoToStatus(errno, "close");
  }
  return status;
}

// ---------------------------------------------------------------------------
// ObjectReader

ObjectReader::ObjectReader(FileDescriptor owned, int fd, const ObjectReaderOptions& options)
    : owned_(std::move(owned)),
      fd_(fd),
      options_(options),
      frames_(std::make_unique<FrameReader>(fd, options.max_record_size)) {}

ObjectReader::ObjectReader(ObjectReader&&) noexcept = default;
ObjectReader& ObjectReader::operator=(ObjectReader&&) noexcept = default;
ObjectReader::~ObjectReader() = default;

absl::StatusOr<ObjectReader> ObjectReader::Open(std::string_view path,
                                                const ObjectReaderOptions& options) {
  const std::string p = PathString(path);
  FileDescriptor fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoToStatus(errno, "open " + p);
  const int raw = fd.get();
  ObjectReader reader(std::move(fd), raw, options);
  if (absl::Status s = reader.ReadHeader(); !s.ok()) {
    return ToStatus(s.code(), p + ": " + std::string(s.message()));
  }
  return reader;
}

absl::StatusOr<ObjectReader> ObjectReader::Attach(int fd, const ObjectReaderOptions& options) {
  ObjectReader reader(FileDescriptor(), fd, options);
  if (absl::Status s = reader.ReadHeader(); !s.ok()) return s;
  return reader;
}

absl::Status ObjectReader::ReadHeader() {
  std::array<char, kObjectStreamHeaderSize> header{};
  absl::StatusOr<size_t> got = ReadFull(fd_, std::as_writable_bytes(std::span(header)));
  if (!got.ok()) return got.status();
  // A prefix of the magic is a cut stream; anything else is somebody else's file.
  const size_t magic_seen = std::min(*got, sizeof kMagic);
  if (std::memcmp(header.data(), kMagic, magic_seen) != 0 || *got == 0) {
    if (*got == 0) return DataLoss("truncated header at offset 0: the file is empty");
    return absl::InvalidArgumentError(
        "not a conc object stream: the file does not start with the magic \"conc-obj\"");
  }
  if (*got < header.size()) {
    return DataLoss(absl::StrCat("truncated header at offset 0: ", *got, " of ", header.size(),
                                 " bytes"));
  }
  uint32_t flags = 0;
  std::memcpy(&version_, header.data() + 8, sizeof version_);
  std::memcpy(&flags, header.data() + 12, sizeof flags);
  if (version_ != kObjectStreamVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("object stream: format version ", version_, ", this code reads version ",
                     kObjectStreamVersion));
  }
  if (flags != 0) {
    return DataLoss(absl::StrCat("corrupt header at offset 0: unknown flags ", flags));
  }
  offset_ = header.size();
  return absl::OkStatus();
}

absl::Status ObjectReader::Break(absl::Status status) {
  done_ = status;
  return status;
}

absl::Status ObjectReader::DecodeError(const absl::Status& codec_status) const {
  return ToStatus(codec_status.code(),
                  absl::StrCat("object stream: record at offset ", record_offset_, ": ",
                               std::string(codec_status.message())));
}

absl::StatusOr<std::string_view> ObjectReader::NextValue() {
  if (!done_.ok()) return done_;
  record_offset_ = offset_;
  absl::StatusOr<uint64_t> length = frames_->ReadHeader();
  if (!length.ok()) {
    const absl::Status& s = length.status();
    if (absl::IsOutOfRange(s)) {
      return Break(DataLoss(absl::StrCat("truncated stream at offset ", offset_,
                                         ": it ends without its end marker (the writer did not "
                                         "close it, or the file was cut)")));
    }
    if (absl::IsDataLoss(s)) {
      return Break(DataLoss(absl::StrCat("truncated record header at offset ", offset_)));
    }
    if (absl::IsInvalidArgument(s)) {
      return Break(DataLoss(absl::StrCat("corrupt record at offset ", offset_, ": ",
                                         std::string(s.message()))));
    }
    return Break(s);
  }
  if (*length < kRecordPrefix) {
    return Break(DataLoss(absl::StrCat("corrupt record at offset ", offset_, ": length ", *length,
                                       " is shorter than a record's kind and checksum")));
  }
  absl::StatusOr<std::string> payload = frames_->ReadPayload();
  if (!payload.ok()) {
    if (absl::IsDataLoss(payload.status())) {
      return Break(DataLoss(absl::StrCat("truncated record at offset ", offset_, ": ",
                                         std::string(payload.status().message()))));
    }
    return Break(payload.status());
  }
  record_ = *std::move(payload);
  const std::string_view record(record_);
  uint32_t crc = 0;
  std::memcpy(&crc, record.data() + 1, sizeof crc);
  const std::string_view body = record.substr(kRecordPrefix);
  if (crc != internal::Crc32c(body, internal::Crc32c(record.substr(0, 1)))) {
    return Break(DataLoss(absl::StrCat("corrupt record at offset ", offset_,
                                       ": the checksum does not match its ", record.size(),
                                       " bytes")));
  }
  const uint8_t kind = static_cast<uint8_t>(record[0]);
  offset_ += kFrameHeaderSize + record.size();
  if (kind == kEndRecord) {
    uint64_t count = 0;
    if (body.size() != sizeof count) {
      return Break(DataLoss(absl::StrCat("corrupt end marker at offset ", record_offset_)));
    }
    std::memcpy(&count, body.data(), sizeof count);
    if (count != count_) {
      return Break(DataLoss(absl::StrCat("corrupt end marker at offset ", record_offset_,
                                         ": it counts ", count, " values, ", count_, " were read")));
    }
    return Break(absl::OutOfRangeError("end of stream"));
  }
  if (kind != kValueRecord) {
    return Break(DataLoss(absl::StrCat("corrupt record at offset ", record_offset_,
                                       ": unknown kind ", kind)));
  }
  ++count_;
  return body;
}

}  // namespace conc
