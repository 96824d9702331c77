// Copyright 2026 The conc Authors. Licensed under the Apache License, Version 2.0.
//
// python_peer.h: /usr/bin/python3 running beside a test, talked to while it runs.
//
//   absl::StatusOr<conc::testing::PythonPeer> py = conc::testing::PythonPeer::Start(
//       {"modules/marshalling/testing/mp_peer.py", "listener", key});
//   absl::StatusOr<std::string> port = py->ReadLine(absl::Seconds(30));  // what it printed first
//   ...
//   absl::StatusOr<conc::testing::PythonPeer::Exit> done = py->Finish(absl::Seconds(30));
//   // done->code, done->output (everything printed after the lines read)
//
// The script path is a runfile (workspace-relative). stdout and stderr both come
// back, interleaved; stdin is /dev/null. Every wait is bounded: past its
// timeout a call is DeadlineExceeded, and the destructor kills (SIGKILL) and
// reaps a peer that was not finished. Testonly; one thread at a time.

#ifndef MODULES_MARSHALLING_TESTING_PYTHON_PEER_H_
#define MODULES_MARSHALLING_TESTING_PYTHON_PEER_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/common/fd.h"
#include "modules/common/timeout.h"

namespace conc::testing {

class PythonPeer {
 public:
  struct Exit {
    int code = 0;        // the exit status, or 128 + signal
    std::string output;  // what it printed after the lines already read
  };

  // Runs /usr/bin/python3 with `args` (the first one a runfile path of the script).
  static absl::StatusOr<PythonPeer> Start(const std::vector<std::string>& args);

  PythonPeer(PythonPeer&& other) noexcept;
  PythonPeer& operator=(PythonPeer&&) = delete;
  ~PythonPeer();

  // The next line it prints, without the newline. OutOfRange at its end of output.
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);
  // Waits for it to exit and returns the rest of its output.
  absl::StatusOr<Exit> Finish(absl::Duration timeout);

 private:
  PythonPeer(pid_t pid, FileDescriptor out) : pid_(pid), out_(std::move(out)) {}
  // Reads what is there into buffer_; false at EOF. DeadlineExceeded past `deadline`.
  absl::StatusOr<bool> Fill(const Deadline& deadline);

  pid_t pid_ = -1;
  FileDescriptor out_;
  std::string buffer_;
};

}  // namespace conc::testing

#endif  // MODULES_MARSHALLING_TESTING_PYTHON_PEER_H_
