"""The Python grpcio stubs of modules/sockets/work_queue.proto.

Bazel generates work_queue_pb2.py and work_queue_pb2_grpc.py at build time, next
to this file in the runfiles tree (the genrule :work_queue_py, with Debian's
/usr/bin/protoc and /usr/bin/grpc_python_plugin). Run from a source checkout,
where they are absent, load() generates them once into a temporary directory
with the same two programs.
"""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOC = "/usr/bin/protoc"
PLUGIN = "/usr/bin/grpc_python_plugin"

# The keepalive pair of modules/sockets/grpc_call.h, in grpcio's spelling: the
# client pings every 20 s (10 s to answer), also without calls; the server
# accepts pings that often and pings its clients on the same schedule.
KEEPALIVE_TIME_MS = 20000
KEEPALIVE_TIMEOUT_MS = 10000
CLIENT_OPTIONS = [
    ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
    ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
]
SERVER_OPTIONS = [
    ("grpc.http2.min_ping_interval_without_data_ms", KEEPALIVE_TIME_MS),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
    ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
]


def load():
    """Returns the modules (work_queue_pb2, work_queue_pb2_grpc)."""
    if os.path.exists(os.path.join(HERE, "work_queue_pb2_grpc.py")):
        sys.path.insert(0, HERE)
    else:
        proto_dir = os.path.dirname(HERE)
        out = tempfile.mkdtemp(prefix="work_queue_py.")
        atexit.register(shutil.rmtree, out, True)
        subprocess.run([PROTOC, "-I" + proto_dir, "--python_out=" + out,
                        "--plugin=protoc-gen-grpc_python=" + PLUGIN, "--grpc_python_out=" + out,
                        os.path.join(proto_dir, "work_queue.proto")], check=True)
        sys.path.insert(0, out)
    import work_queue_pb2  # pylint: disable=import-outside-toplevel
    import work_queue_pb2_grpc  # pylint: disable=import-outside-toplevel
    return work_queue_pb2, work_queue_pb2_grpc
