// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// marshal_raw_bytes: the raw bytes of a value, and why they are not a file
// format.
//
//   import marshal
//   marshal.dumps([10, 20, 30, 40])
//   b'\xdb\x04\x00\x00\x00\xe9\n\x00\x00\x00\xe9\x14\x00\x00\x00...'
//
// marshal is how CPython writes its .pyc files: a type byte, then the value's
// bytes as the machine holds them (little-endian int32s here), and a format
// that may change with every Python version ("not intended to be secure",
// "not a general persistence module", says its documentation). C++'s closest
// thing is copying a trivially copyable struct's bytes (memcpy, std::bit_cast),
// which is just as fast and just as fragile: the bytes depend on the
// machine's endianness, on the compiler's padding, and on the struct's
// version. The codec (modules/common/codec.h) is the portable alternative:
// fields in a declared order, fixed little-endian widths, no padding, and a
// clear error for bytes of another shape.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/common/codec.h"
#include "modules/common/lesson.h"

namespace {

// Python's repr of a bytes object: printable ASCII as itself, \n and \t named, the rest \xNN.
std::string BytesRepr(const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out = "b'";
  char buf[8];
  for (size_t i = 0; i < size; ++i) {
    const unsigned char c = p[i];
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "'";
}

// What marshal.dumps writes for a list of small ints (Python 3.11): TYPE_LIST
// with FLAG_REF ('[' | 0x80), a little-endian int32 count, then TYPE_INT with
// FLAG_REF ('i' | 0x80) and the int32 for each item. The raw bytes of int32s.
// Even the flag is an accident of the interpreter: FLAG_REF is set when the
// object's reference count is above one (the notebook's `a`), so
// marshal.dumps([10, 20, 30, 40]) of a temporary list starts with b'[' instead.
std::string MarshalIntList(const std::vector<int32_t>& items) {
  std::string out(1, static_cast<char>('[' | 0x80));
  const int32_t n = static_cast<int32_t>(items.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);  // Little-endian on this machine.
  for (int32_t v : items) {
    out += static_cast<char>('i' | 0x80);
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  return out;
}

// A reading as a C programmer would write it to a file: fwrite(&r, sizeof r, 1, f).
struct Reading {
  char kind;       // 1 byte, then 3 bytes of padding so that `sensor` is aligned
  int32_t sensor;  // 4 bytes
  double celsius;  // 8 bytes
};
static_assert(std::is_trivially_copyable_v<Reading>);

// Version 2 of the same struct: one field more.
struct ReadingV2 {
  char kind;
  int32_t sensor;
  double celsius;
  int64_t timestamp;
};

// The portable version: fields declared once, encoded by the codec.
struct Record {
  char kind = 0;
  int32_t sensor = 0;
  double celsius = 0;
  CONC_CODEC_FIELDS(kind, sensor, celsius);
};
struct RecordV2 {
  char kind = 0;
  int32_t sensor = 0;
  double celsius = 0;
  int64_t timestamp = 0;
  CONC_CODEC_FIELDS(kind, sensor, celsius, timestamp);
};

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv, "The raw bytes of a value (marshal), and why they are not a file format.");

  conc::Heading("marshal.dumps([10, 20, 30, 40])");
  const std::string m = MarshalIntList({10, 20, 30, 40});
  std::printf("%s\n", BytesRepr(m.data(), m.size()).c_str());
  std::printf("(%zu bytes: a type byte and a count, then a type byte and 4 raw bytes per int)\n", m.size());

  conc::Heading("endianness: the bytes of int32_t 0x01020304 in this machine's memory");
  const int32_t word = 0x01020304;
  std::printf("%s  (%s-endian)\n", BytesRepr(&word, sizeof word).c_str(),
              std::endian::native == std::endian::little ? "little" : "big");
  int32_t swapped = 0;
  const auto* w = reinterpret_cast<const unsigned char*>(&word);
  for (int i = 0; i < 4; ++i) swapped = (swapped << 8) | w[i];
  std::printf("a big-endian machine reading the same 4 bytes sees %d, not %d\n", swapped, word);

  conc::Heading("padding: struct Reading { char kind; int32_t sensor; double celsius; }");
  std::printf("sizeof(Reading) = %zu, but its fields hold %zu bytes\n", sizeof(Reading),
              sizeof(char) + sizeof(int32_t) + sizeof(double));
  std::printf("offsets: kind %zu, sensor %zu, celsius %zu: bytes 1..3 are padding, whatever the\n"
              "compiler left there, written to the file too (and another ABI pads differently)\n",
              offsetof(Reading, kind), offsetof(Reading, sensor), offsetof(Reading, celsius));

  conc::Heading("versions: yesterday's bytes read by today's struct");
  Reading old{};
  old.kind = 'T';
  old.sensor = 7;
  old.celsius = 21.5;
  unsigned char file[sizeof(Reading)];
  std::memcpy(file, &old, sizeof old);  // fwrite(&old, sizeof old, 1, f)
  std::printf("the file holds %zu bytes; sizeof(ReadingV2) = %zu: memcpy would read %zu bytes\n"
              "past the end of what was written, and nothing says so\n",
              sizeof file, sizeof(ReadingV2), sizeof(ReadingV2) - sizeof file);

  conc::Heading("the codec instead: declared fields, fixed widths, no padding, checked");
  const std::string encoded = conc::Encode(Record{'T', 7, 21.5});
  std::printf("conc::Encode(Record{'T', 7, 21.5}) = %zu bytes (1 + 4 + 8, no padding)\n", encoded.size());
  const absl::StatusOr<RecordV2> wrong = conc::Decode<RecordV2>(encoded);
  std::printf("conc::Decode<RecordV2>(those bytes) -> %s\n", wrong.status().ToString().c_str());
  const absl::StatusOr<Record> right = conc::Decode<Record>(encoded);
  std::printf("conc::Decode<Record>(those bytes) -> kind %c, sensor %d, celsius %.1f\n", right->kind,
              right->sensor, right->celsius);
  return 0;
}
