"""conc_tour(): the //:tour program, which runs every chapter's lessons in order.

The chapters are listed once, in //:BUILD, as (name, title, LESSONS) where LESSONS
comes from modules/<name>/lessons/lessons.bzl, or None for a chapter not yet written:

    conc_tour(
        name = "tour",
        chapters = [
            ("generators", "Generators and coroutines", GENERATORS_LESSONS),
            ("threads", "Threads, processes and pools", None),
        ],
    )

A manifest (one line per lesson: chapter, title, lesson, runfiles path, arguments,
tab-separated) is written at build time; the tour binary reads it from its runfiles.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary")

def _tour_manifest_impl(ctx):
    # Entries are in tour order; each one with a @PATH@ placeholder takes the next
    # lesson binary (chapters not yet written have none).
    lines = []
    lessons = list(ctx.attr.lessons)
    for entry in ctx.attr.entries:
        if "@PATH@" in entry:
            executable = lessons.pop(0)[DefaultInfo].files_to_run.executable
            entry = entry.replace("@PATH@", executable.short_path)
        lines.append(entry)
    out = ctx.actions.declare_file(ctx.label.name + ".tsv")
    ctx.actions.write(out, "\n".join(lines) + "\n")
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

_tour_manifest = rule(
    implementation = _tour_manifest_impl,
    attrs = {
        "entries": attr.string_list(),
        "lessons": attr.label_list(cfg = "target"),
    },
)

def conc_tour(name, chapters):
    entries = []
    lessons = []
    for chapter, title, chapter_lessons in chapters:
        if chapter_lessons == None:
            entries.append("\t".join([chapter, title, "", "", ""]))
            continue
        for l in chapter_lessons:
            entries.append("\t".join([chapter, title, l.name, "@PATH@", " ".join(l.args)]))
            lessons.append("//modules/%s/lessons:%s" % (chapter, l.name))
    _tour_manifest(
        name = name + "_manifest",
        entries = entries,
        lessons = lessons,
    )
    cc_binary(
        name = name,
        srcs = ["//tools/tour:tour.cc"],
        data = [":" + name + "_manifest"] + lessons,
        deps = [
            "//modules/common:lesson",
            "//third_party:absl_flags",
            "//third_party:absl_strings",
            "//third_party:absl_time",
        ],
    )
