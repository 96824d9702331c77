#!/usr/bin/env python3
"""Checks that every Bazel label a README names is a real target.

    ./tools/checks/readme_targets.py          # from the top of the repository

Reads README.md, docs/*.md and modules/**/*.md, collects every label of the form
//path:name (and //path/... patterns) in them, and asks `bazel query` whether each
one exists. Prints the file and line of every label that does not, and exits 1 if
there is one. .ci/run calls it, so a README's `bazel run` line cannot go stale.
"""

import glob
import os
import re
import subprocess
import sys

LABEL = re.compile(r"(?<![\w@])//[\w./-]*(?::[\w.+-]+|/\.\.\.)")


def main():
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.chdir(top)
    docs = ["README.md"] + sorted(glob.glob("docs/**/*.md", recursive=True)) + sorted(
        glob.glob("modules/**/*.md", recursive=True)) + sorted(glob.glob("tools/**/*.md", recursive=True))
    where = {}
    for path in docs:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                for label in LABEL.findall(line):
                    # Visibility specs are labels but not targets.
                    if label.startswith("//visibility:") or label.endswith(("__pkg__", "__subpackages__")):
                        continue
                    if not label.endswith("/..."):
                        label = label.rstrip(".,;")
                    where.setdefault(label, []).append("%s:%d" % (path, number))
    missing = []
    for label in sorted(where):
        # One query per label: a set() query fails whole on the first bad one.
        result = subprocess.run(["bazel", "query", "--noshow_progress", label],
                                capture_output=True, text=True)
        if result.returncode != 0 or not result.stdout.strip():
            missing.append(label)
    for label in missing:
        print("readme_targets: %s is not a target (%s)" % (label, ", ".join(where[label])))
    print("readme_targets: %d labels in %d files, %d missing" % (len(where), len(docs), len(missing)))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
