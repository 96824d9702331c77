// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// codec_proto.h: makes every protobuf message type Encodable (codec.h).
//
// Including this header is all it takes: a generated message type can then be
// sent through `conc::Encode`/`Decode`, a `FrameWriter::WriteMessage`, a
// `Pipe`, a process queue or a process pool, alone or inside any supported
// container (`std::vector<Point>`, `std::optional<Point>`, a struct field).
//
//   #include "modules/common/codec_proto.h"
//   #include "modules/ipc/point.pb.h"
//
//   Point p;
//   p.set_x(3);
//   std::string bytes = conc::Encode(p);
//   absl::StatusOr<Point> back = conc::Decode<Point>(bytes);
//
// It mirrors what pickle does for objects that define `__reduce__`: the message
// encodes itself. The wire form is a codec length (uint64) followed by the
// message's protobuf serialisation, so a message nests in other values like a
// string does.
//
// Guarantees:
//   * Encoding never fails: it uses `SerializePartialToString`, so a proto2
//     message with unset required fields is still sent.
//   * Decoding checks the length against the input before allocating (as all of
//     codec.h does); bytes protobuf cannot parse, or a proto2 message missing
//     required fields, are `DataLoss` with the message type's name.
//
// Requires: this header is included, wherever a message type is encoded,
// before the first use of `conc::Codec<ThatType>` (a specialisation that is not
// visible at the first use is undefined behaviour, as for any template).
//
// This is a separate target, //modules/common:codec_proto, so that
// //modules/common:codec and everything built on it do not depend on protobuf.

#ifndef MODULES_COMMON_CODEC_PROTO_H_
#define MODULES_COMMON_CODEC_PROTO_H_

#include <concepts>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message_lite.h"
#include "modules/common/codec.h"

namespace conc {

// Any generated message type (full or lite runtime).
template <typename T>
  requires std::derived_from<T, google::protobuf::MessageLite>
struct Codec<T> {
  static constexpr size_t kMinEncodedSize = sizeof(uint64_t);

  static void Encode(Encoder& out, const T& message) {
    std::string bytes;
    message.SerializePartialToString(&bytes);
    out.WriteLength(bytes.size());
    out.WriteBytes(bytes.data(), bytes.size());
  }

  static absl::Status Decode(Decoder& in, T* message) {
    const size_t at = in.offset();
    uint64_t length = 0;
    if (absl::Status s = in.ReadCount("protobuf message length", 1, &length); !s.ok()) {
      return s;
    }
    std::string bytes(length, '\0');
    if (absl::Status s = in.ReadBytes("protobuf message", bytes.data(), length); !s.ok()) {
      return s;
    }
    if (!message->ParsePartialFromString(bytes)) {
      return in.InvalidError(at, message->GetTypeName(), "protobuf could not parse the message");
    }
    if (!message->IsInitialized()) {
      return in.InvalidError(at, message->GetTypeName(),
                             "missing required fields: " + message->InitializationErrorString());
    }
    return absl::OkStatus();
  }
};

}  // namespace conc

#endif  // MODULES_COMMON_CODEC_PROTO_H_
