"""lesson() and conc_lessons(): one lesson = one cc_binary + one test that runs it and checks its output.

A chapter lists its lessons once, in modules/<chapter>/lessons/lessons.bzl:

    LESSONS = [
        lesson(
            name = "fib_list_vs_gen",
            deps = ["//modules/generators:generator"],
            args = ["--quick"],              # what the tour and the test pass
            expect = ["0 0", "4181 17480761"],  # must appear in the output, in order
        ),
    ]

Its BUILD file (modules/<chapter>/lessons/BUILD) makes the targets with `conc_lessons(LESSONS)`, and //:tour runs the
same list, in the same order, from its runfiles (see tools/tour/).
"""

load("@rules_cc//cc:defs.bzl", "cc_binary")

def lesson(name, srcs = None, deps = [], data = [], args = [], expect = [], size = "small", tags = []):
    """Describes one lesson; pass a list of these to conc_lessons().

    Args:
      name: the target name, also the name the tour prints; `name + ".cc"` by default.
      srcs: the sources, [name + ".cc"] when omitted.
      deps: libraries the lesson uses (//modules/common:lesson is always added).
      data: files the lesson reads at run time (a Python script it runs, say); the
        lesson finds them with conc::RunfilePath("modules/<chapter>/lessons/<file>").
      args: arguments the tour and the test pass (e.g. ["--quick"]).
      expect: texts the output must contain, in this order.
      size: the test's size.
      tags: extra tags for the test (e.g. "notsan").
    """
    return struct(
        name = name,
        srcs = srcs or [name + ".cc"],
        deps = deps,
        data = data,
        args = args,
        expect = expect,
        size = size,
        tags = tags,
    )

def _shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def conc_lessons(lessons):
    """Declares every lesson of a chapter: `<name>` and `<name>_lesson_test`."""
    for l in lessons:
        cc_binary(
            name = l.name,
            srcs = l.srcs,
            deps = l.deps + ["//modules/common:lesson"],
            data = l.data,
            visibility = ["//:__pkg__"],
        )
        native.sh_test(
            name = l.name + "_lesson_test",
            size = l.size,
            srcs = ["//tools:lesson_test.sh"],
            data = [":" + l.name],
            args = ["$(location :%s)" % l.name] +
                   [_shell_quote("--expect=" + e) for e in l.expect] +
                   ["--"] + [_shell_quote(a) for a in l.args],
            tags = l.tags + ["lesson"],
        )
