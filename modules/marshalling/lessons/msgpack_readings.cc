// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// msgpack_readings: Module 4's msgpack cell, then a file of readings that Python
// wrote with msgpack, read object by object as msgpack.Unpacker does.
//
//   msgpack.dumps([10, 20, 30, 40])           # b'\x94\n\x14\x1e('
//   for reading in msgpack.Unpacker(open("readings.msgpack", "rb")): ...
//
// The bytes are python3-msgpack's, byte for byte (a fixarray of four fixints: five
// bytes, where JSON needs sixteen). data/readings.msgpack was written by
// /usr/bin/python3 with msgpack.packb, one dict per reading, appended:
//   f.write(msgpack.packb({"seq": i, "sensor": s, "celsius": c, "raw": bytes([i, 255 - i])}))

#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "modules/common/lesson.h"
#include "modules/marshalling/msgpack.h"

namespace {

constexpr char kReadings[] = "modules/marshalling/lessons/data/readings.msgpack";

// Python's repr of bytes: printable ASCII as is, \n \r \t by name, the rest \xNN.
std::string BytesRepr(const std::string& bytes) {
  std::string out = "b'";
  for (unsigned char c : bytes) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      default:
        out += c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c))
                                     : absl::StrFormat("\\x%02x", c);
    }
  }
  return out + "'";
}

}  // namespace

int main(int argc, char** argv) {
  conc::InitLesson(argc, argv,
                   "msgpack.dumps, and a stream of readings written by Python (Module 4).");

  conc::Heading("m = msgpack.dumps(a)");
  conc::PyValue a = conc::PyValue::List({conc::PyValue::Int(10), conc::PyValue::Int(20),
                                         conc::PyValue::Int(30), conc::PyValue::Int(40)});
  std::string m = conc::ValueOrDie(conc::MsgpackDumps(a), "MsgpackDumps(a)");
  std::printf("m = %s  (%zu bytes)\n", BytesRepr(m).c_str(), m.size());
  std::printf("msgpack.loads(m) -> %s\n",
              conc::ValueOrDie(conc::MsgpackLoads(m), "MsgpackLoads").Repr().c_str());

  conc::Heading("for reading in msgpack.Unpacker(open('readings.msgpack', 'rb'))");
  std::optional<std::string> path = conc::RunfilePath(kReadings);
  if (!path) conc::CheckOk(absl::NotFoundError(kReadings), "finding readings.msgpack");
  conc::MsgpackStreamReader readings =
      conc::ValueOrDie(conc::MsgpackStreamReader::Open(*path), "Open");
  while (true) {
    absl::StatusOr<conc::PyValue> reading = readings.next();
    if (reading.status().code() == absl::StatusCode::kOutOfRange) break;  // the end: EOFError
    conc::CheckOk(reading.status(), "readings.next()");
    std::printf("%s\n", reading->Repr().c_str());
  }
  std::printf("%zu bytes read\n", readings.offset());

  conc::Heading("a cut stream says where");
  std::string cut = m.substr(0, 3);
  std::printf("%s\n", std::string(conc::MsgpackLoads(cut).status().message()).c_str());
  return 0;
}
