"""C++ code generation from .proto files with Debian's protoc and grpc_cpp_plugin.

    load("//tools:proto.bzl", "cc_proto", "cc_grpc_library")

    cc_proto(name = "point_proto", src = "point.proto")        # messages only
    cc_grpc_library(name = "echo_grpc", src = "echo.proto")    # messages + service stubs

Each makes a cc_library of the generated code that other targets depend on. The
generated headers are included by their workspace path, e.g.
`#include "modules/sockets/echo.grpc.pb.h"`. Imports between the project's own
.proto files are resolved from the workspace root: list the imported files in
`proto_deps` and depend on their cc_proto target in `deps`.

No -Werror applies to generated sources (.bazelrc limits it to modules/ and tools/,
and generated files live under bazel-out/).
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def _generate(name, src, grpc, proto_deps, deps, visibility, testonly):
    base = src[:-len(".proto")]
    outs = [base + ".pb.h", base + ".pb.cc"]
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    flags = "--cpp_out=$(GENDIR)"
    if grpc:
        flags += " --grpc_out=$(GENDIR)"
    native.genrule(
        name = name + "_gen",
        srcs = [src] + proto_deps,
        outs = outs,
        # protoc runs from the execution root, so the .proto is named by its workspace
        # path and the outputs land under $(GENDIR) at the same path.
        cmd = "$(location //tools:protoc) -I. %s $(location %s)" % (flags, src),
        tools = ["//tools:protoc"],
        testonly = testonly,
        visibility = ["//visibility:private"],
    )
    cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["//third_party:protobuf"] + (["//third_party:grpcpp"] if grpc else []),
        visibility = visibility,
        testonly = testonly,
    )

def cc_proto(name, src, proto_deps = [], deps = [], visibility = None, testonly = False):
    """A cc_library with the protobuf messages of one .proto file."""
    _generate(name, src, False, proto_deps, deps, visibility, testonly)

def cc_grpc_library(name, src, proto_deps = [], deps = [], visibility = None, testonly = False):
    """A cc_library with the messages and the gRPC service stubs of one .proto file."""
    _generate(name, src, True, proto_deps, deps, visibility, testonly)
