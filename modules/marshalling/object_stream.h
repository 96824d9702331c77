// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// object_stream.h: many values in one file, one after another: pickle's
// `dump`/`load` loop.
//
//   Python                                       C++
//   with open("data.pkl", "wb") as outs:         auto outs = conc::ObjectWriter::Create("data.bin");
//       for item in [a, b, c]:                   for (const Item& item : items)
//           pickle.dump(item, outs)                absl::Status s = outs->dump(item);
//                                                absl::Status s = outs->close();  // the end marker
//   with open("data.pkl", "rb") as ins:          auto ins = conc::ObjectReader::Open("data.bin");
//       while True:                              while (true) {
//           try: item = pickle.load(ins)           absl::StatusOr<Item> item = ins->load<Item>();
//           except EOFError: break                 if (conc::IsEndOfStream(item.status())) break;
//                                                  if (!item.ok()) return item.status();  // corrupt
//                                                }
//
// Each value is encoded with THE codec of `conc` (modules/common/codec.h), so
// anything that goes through a Pipe or a process queue goes through an object
// stream too: numbers, strings, containers, optionals, variants, and user
// structs that list their fields once with CONC_CODEC_FIELDS:
//
//   struct Reading {
//     std::string sensor;
//     double celsius = 0;
//     CONC_CODEC_FIELDS(sensor, celsius);
//   };
//   absl::Status s = writer->dump(Reading{"lab", 21.5});
//   absl::StatusOr<Reading> r = reader->load<Reading>();
//
// Like the codec, the bytes carry no type: the reader asks for the type the
// writer wrote. To keep values of several types in one stream (the notebook's
// list, dict, tuple, set, int and None), dump a `std::variant` of them and
// `std::visit` what comes back.
//
// THE FORMAT (all integers little-endian):
//
//   header   16 bytes: the magic "conc-obj", a uint32 format version
//            (kObjectStreamVersion, 1) and a uint32 of flags (0)
//   records  frames of framed.h (a uint64 length, then that many bytes),
//            each: a kind byte, a CRC-32C (Castagnoli) of the kind byte and the
//            body, then the body:
//              kind 1  one value, codec-encoded
//              kind 2  the end marker: a uint64, the number of values before it
//
// WHAT THE READER REPORTS (the statuses are the contract):
//
//   all values read, the end marker next     OutOfRange "end of stream" (Python's
//                                            EOFError); test with IsEndOfStream();
//                                            every later load() says it again
//   the file is not an object stream         InvalidArgument "not a conc object
//                                            stream" (the magic is wrong)
//   a format version this code does not      FailedPrecondition naming both versions
//     know
//   the bytes stop before the end marker     DataLoss "truncated ... at offset N":
//     (the writer died, or the file was cut)   N is the byte offset of the header or
//                                            the record that is incomplete
//   a checksum, kind, length or end count    DataLoss "corrupt record at offset N"
//     that does not match
//   a value that does not decode as the T    DataLoss "record at offset N: codec: ..."
//     asked for
//   read(2) fails                            its errno through ErrnoToStatus
//
// A DataLoss or a read error breaks the reader: every later call returns the
// same status. A hostile stream cannot make the reader allocate more than the
// bytes that actually arrive (framed.h), nor more than `max_record_size` per
// record, nor the codec's memory budget per value (codec.h).
//
// The writer writes the header when it is created and the end marker in
// close() (the destructor calls close() if you did not, ignoring its status):
// a stream whose writer was killed has no end marker, and its reader says
// DataLoss, never a clean end of stream. Python's pickle has no such marker:
// a file cut between two pickles looks complete to `pickle.load`.
//
// Where it differs from Python: the type is fixed at compile time (no class
// names in the bytes, nothing imported, safe on untrusted input); values are
// values (two references to one object are written twice); appending to a
// closed stream is not supported (write a new one).
//
// Thread-safety: a writer or reader is used by one thread at a time.

#ifndef MODULES_MARSHALLING_OBJECT_STREAM_H_
#define MODULES_MARSHALLING_OBJECT_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "modules/common/codec.h"
#include "modules/common/fd.h"
#include "modules/common/framed.h"

namespace conc {

// The format version this code writes and reads.
inline constexpr uint32_t kObjectStreamVersion = 1;
// Bytes before the first record.
inline constexpr size_t kObjectStreamHeaderSize = 16;

// True for the status that ends a stream cleanly (Python's EOFError):
// OutOfRange "end of stream".
bool IsEndOfStream(const absl::Status& status);

class ObjectWriter {
 public:
  // Creates (or truncates) the file at `path` with mode 0644 and writes the
  // header. Errors: open(2)'s or write(2)'s errno.
  static absl::StatusOr<ObjectWriter> Create(std::string_view path);

  // Writes the header to `fd` (a pipe, a socket, a file positioned where the
  // stream starts), which the writer does not own and which must outlive it.
  static absl::StatusOr<ObjectWriter> Attach(int fd);

  ObjectWriter(ObjectWriter&&) noexcept;
  ObjectWriter& operator=(ObjectWriter&&) noexcept;
  ~ObjectWriter();

  // pickle.dump(value, f): appends one value. Errors: write(2)'s errno
  // (`Unavailable` for a vanished reader); FailedPrecondition after close().
  // After a failed write the writer is broken: every later call fails.
  template <Encodable T>
  [[nodiscard]] absl::Status dump(const T& value) {
    std::string& record = BeginRecord();
    EncodeTo(value, &record);
    return FinishRecord();
  }

  // Writes the end marker, then closes the file if the writer owns it. Calling
  // it again returns OK and does nothing.
  [[nodiscard]] absl::Status close();

  // Values written so far.
  uint64_t count() const { return count_; }
  // Bytes written so far (header included).
  uint64_t offset() const { return offset_; }

 private:
  ObjectWriter(FileDescriptor owned, int fd);
  absl::Status WriteHeader();
  std::string& BeginRecord();
  absl::Status FinishRecord();
  absl::Status WriteRecord();

  FileDescriptor owned_;
  int fd_ = -1;
  std::unique_ptr<FrameWriter> frames_;
  std::string record_;  // kind + crc + body of the record being written.
  uint64_t count_ = 0;
  uint64_t offset_ = 0;
  bool closed_ = false;
  absl::Status broken_;
};

// Limits of a reader.
struct ObjectReaderOptions {
  // The largest record accepted; a bigger length field is DataLoss.
  uint64_t max_record_size = kDefaultMaxFrameSize;
  // The codec's memory budget for each value (codec.h).
  DecodeOptions decode = {};
};

class ObjectReader {
 public:
  // Opens the file at `path` and checks its header. Errors: open(2)'s errno;
  // the header's, as in the table above.
  static absl::StatusOr<ObjectReader> Open(std::string_view path,
                                           const ObjectReaderOptions& options = {});

  // Reads the header from `fd`, which the reader does not own and which must
  // outlive it. Blocks until the header has arrived.
  static absl::StatusOr<ObjectReader> Attach(int fd, const ObjectReaderOptions& options = {});

  ObjectReader(ObjectReader&&) noexcept;
  ObjectReader& operator=(ObjectReader&&) noexcept;
  ~ObjectReader();

  // pickle.load(f): the next value, as a T. Blocks until a whole record has
  // arrived. Errors: see the table at the top.
  template <Encodable T>
  [[nodiscard]] absl::StatusOr<T> load() {
    absl::StatusOr<std::string_view> body = NextValue();
    if (!body.ok()) return body.status();
    Decoder decoder(*body, options_.decode);
    T value{};
    absl::Status status = decoder.Read(&value);
    if (status.ok()) status = decoder.Finish();
    if (!status.ok()) return Break(DecodeError(status));
    return value;
  }

  // The body of the next value, undecoded (valid until the next call).
  [[nodiscard]] absl::StatusOr<std::string_view> NextValue();

  // Values read so far.
  uint64_t count() const { return count_; }
  // The offset of the next record.
  uint64_t offset() const { return offset_; }
  // The format version of the stream's header.
  uint32_t version() const { return version_; }

 private:
  ObjectReader(FileDescriptor owned, int fd, const ObjectReaderOptions& options);
  absl::Status ReadHeader();
  absl::Status Break(absl::Status status);
  absl::Status DecodeError(const absl::Status& codec_status) const;

  FileDescriptor owned_;
  int fd_ = -1;
  ObjectReaderOptions options_;
  std::unique_ptr<FrameReader> frames_;
  std::string record_;
  uint64_t count_ = 0;
  uint64_t offset_ = 0;         // Of the next record.
  uint64_t record_offset_ = 0;  // Of the record last returned.
  uint32_t version_ = 0;
  absl::Status done_;  // Sticky: end of stream, or the error that broke it.
};

namespace internal {
// CRC-32C (Castagnoli, the polynomial of iSCSI and ext4), software tables.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);
}  // namespace internal

}  // namespace conc

#endif  // MODULES_MARSHALLING_OBJECT_STREAM_H_
