"""conc_benchmark(): a Google Benchmark binary, plus a smoke test that runs it once.

    conc_benchmark(
        name = "generator_benchmark",
        srcs = ["generator_benchmark.cc"],
        deps = [":generator"],
    )

The binary is tagged `benchmark` and is what //tools/bench:ratios runs (with
`bazel run`, so optimised). The smoke test, `<name>_smoke_test`, runs every
benchmark in it for a token time and asserts only that it exits 0: benchmarks are
never timed tests. It is tagged `benchmark` too, so the sanitizer runs of CI skip it.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary")

def conc_benchmark(name, srcs, deps = [], data = [], visibility = None, tags = []):
    cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + ["//third_party:benchmark_main"],
        data = data,
        tags = tags + ["benchmark"],
        visibility = visibility,
    )
    native.sh_test(
        name = name + "_smoke_test",
        size = "medium",
        srcs = ["//tools:benchmark_smoke_test.sh"],
        args = ["$(location :%s)" % name],
        data = [":" + name],
        tags = tags + ["benchmark"],
    )
