"""Checks what report.py wrote: report_check.py OUT_DIR FULL_REPORT_MD MODULES_DIR.

PERFORMANCE.md names every workload of every ratios.json and the limits; the JSON
parses, holds two runs (the second appended), and its first run has every row; every
chart is well-formed SVG. The second run was --only=sync: its PERFORMANCE.md (in
OUT_DIR) still has every chapter, each one but sync carried over from the first run and
saying so. The numbers themselves are not checked: benchmarks are not
timed tests.
"""

import json
import os
import sys
import xml.etree.ElementTree as ET


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main():
    out, full_md, modules = sys.argv[1], sys.argv[2], sys.argv[3]
    specs = {}
    for chapter in sorted(os.listdir(modules)):
        path = os.path.join(modules, chapter, "benchmarks", "ratios.json")
        if os.path.exists(path):
            with open(path) as f:
                specs[chapter] = json.load(f)
    if not specs:
        fail("no ratios.json found under " + modules)
    with open(full_md) as f:
        md = f.read()
    for needle in ("# Performance", "Load average before", "## The machine's limits", "fork + exit + waitpid"):
        if needle not in md:
            fail("PERFORMANCE.md lacks %r" % needle)
    with open(os.path.join(out, "performance.json")) as f:
        history = json.load(f)
    runs = history.get("runs", [])
    if len(runs) != 2:
        fail("performance.json holds %d runs, want 2 (the second appended)" % len(runs))
    first = {c["chapter"]: c for c in runs[0]["chapters"]}
    for chapter, spec in specs.items():
        if "## " + chapter not in md:
            fail("PERFORMANCE.md has no section for " + chapter)
        if chapter not in first:
            fail("performance.json has no chapter " + chapter)
        got = [r["workload"] for r in first[chapter]["rows"]]
        want = [r["workload"] for r in spec["rows"]]
        if got != want:
            fail("%s: rows %s, want %s" % (chapter, got, want))
        for w in want:
            if "| " + w not in md:
                fail("PERFORMANCE.md has no row for %s: %s" % (chapter, w))
        for r in first[chapter]["rows"]:
            if r["cpp"] is None or r["python"] is None:
                fail("%s: row %r was not measured" % (chapter, r["workload"]))
        ET.parse(os.path.join(out, "performance", chapter + ".svg"))
    ET.parse(os.path.join(out, "performance", "headline.svg"))
    if [c["chapter"] for c in runs[1]["chapters"]] != ["sync"]:
        fail("--only=sync ran %s" % [c["chapter"] for c in runs[1]["chapters"]])
    with open(os.path.join(out, "PERFORMANCE.md")) as f:
        partial = f.read().split("\n## ")
    sections = {part.split("\n", 1)[0]: part for part in partial[1:]}
    for chapter, spec in specs.items():
        if chapter not in sections:
            fail("after --only=sync, PERFORMANCE.md lost the section of " + chapter)
        carried = "Not rerun this time: these rows are from the report of %s" % runs[0]["date"]
        if (carried in sections[chapter]) != (chapter != "sync"):
            fail("after --only=sync, the section of %s %s" % (
                chapter, "says it was carried over" if chapter == "sync" else "does not say it was carried over"))
        for r in spec["rows"]:
            if "| " + r["workload"] not in sections[chapter]:
                fail("after --only=sync, PERFORMANCE.md lost a row of %s: %s" % (chapter, r["workload"]))
    for l in runs[0]["limits"]:
        if l["time"] is None:
            fail("limit %r was not measured" % l["name"])
    print("report_check: %d chapters, %d rows, %d limits: well-formed"
          % (len(specs), sum(len(s["rows"]) for s in specs.values()), len(runs[0]["limits"])))


if __name__ == "__main__":
    main()
