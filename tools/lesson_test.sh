#!/usr/bin/env bash
# Runs one lesson and checks what it prints.
#
# usage: lesson_test.sh LESSON_BINARY [--expect=TEXT]... [-- LESSON_ARGS...]
#
# Every --expect text must appear in the lesson's standard output, in the order
# given (each is searched for after the end of the previous match). The lesson
# must exit 0, and so must `LESSON_BINARY --help`. Made by conc_lesson() in
# tools/lesson.bzl; not meant to be run by hand.
set -uo pipefail

binary=$1
shift
expects=()
while [ $# -gt 0 ]; do
  case $1 in
    --expect=*) expects+=("${1#--expect=}") ;;
    --) shift; break ;;
    *) echo "lesson_test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT

if ! "$binary" --help >"$out" 2>&1; then
  echo "FAIL: '$binary --help' exited non-zero:" >&2
  cat "$out" >&2
  exit 1
fi
if ! grep -q "^usage:" "$out"; then
  echo "FAIL: '$binary --help' printed no usage line" >&2
  exit 1
fi

"$binary" "$@" >"$out" 2>&1
rc=$?
cat "$out"
if [ $rc -ne 0 ]; then
  echo "FAIL: lesson exited with status $rc" >&2
  exit 1
fi

# Ordered matching: each expectation must occur after the previous one.
python_free_search() {
  local rest
  rest=$(cat "$out")
  for want in "${expects[@]}"; do
    case $rest in
      *"$want"*) rest=${rest#*"$want"} ;;
      *) echo "FAIL: expected output not found (in order): $want" >&2; return 1 ;;
    esac
  done
}
python_free_search || exit 1
echo "PASS: ${#expects[@]} expectations met"
