#!/usr/bin/env bash
# Runs every example the user is shown, verbatim, the way a new user would:
# each ```sh block of README.md, in order, in one shell, from a copy of the
# repository's tracked files in an empty directory (no ../shared beside it),
# then each example command of every `fairflip ... --help`, with the built
# binary on PATH. A block preceded by the line "<!-- examples.sh: skip -->"
# is not run (the test command, which CI runs itself). Fails on the first
# command that fails, naming it.
#
#   bash tools/examples.sh            # from the repository root
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/fairflip"
(cd "$repo" && git ls-files -z | xargs -0 cp --parents -t "$work/fairflip")
cd "$work/fairflip"

# README.md's ```sh blocks, as one script run from the repository root, as
# a user's shell runs them: a command that fails stops it (-e), but a
# pipeline's status is its last command's, so `zcat F | grep -m 2 X` (zcat
# stopped by SIGPIPE) and `diff A B | head` (diff's status 1: the files
# differ, as shown) pass as they do at a prompt.
awk '
  /^<!-- examples.sh: skip -->$/ { skip = 1; next }
  /^```sh$/ { if (!skip) { inblock = 1; n++; print "echo \"== README block " n "\" >&2" } ; next }
  /^```/ { if (inblock) inblock = 0; skip = 0; next }
  inblock { print }
' README.md > "$work/readme.sh"
echo "== README.md: $(grep -c '^echo "== README block' "$work/readme.sh") blocks"
bash -eu -x "$work/readme.sh" > "$work/readme.out" 2> "$work/readme.err" || {
  echo "a README.md command failed:"; tail -n 30 "$work/readme.err"; exit 1; }
echo "== README.md: every block ran"

# The --help examples: every line after "Example(s)" in a command's help,
# up to the help's next section (OPTIONS:), run in order (an undo example may
# undo what a flip example wrote) from an empty folder holding a copy of
# testdata/, with the built fairflip on PATH.
go build -o "$work/bin/fairflip" ./cmd/fairflip
export PATH="$work/bin:$PATH"
for cmd in "" flip undo eval sweep; do
  # shellcheck disable=SC2086
  fairflip $cmd --help | awk '
    /^[A-Z][A-Z ]*:$/ { on = 0 }
    on { sub(/^     /, ""); print }
    /^   Examples?( \(.*\))?:$/ { on = 1 }
  ' > "$work/help.sh"
  n=$(grep -c 'fairflip ' "$work/help.sh" || true)
  echo "== fairflip $cmd --help: $n example commands"
  test "$n" -gt 0 || { echo "fairflip $cmd --help has no examples"; exit 1; }
  rm -rf "$work/run" && mkdir "$work/run" && cp -r testdata "$work/run/"
  (cd "$work/run" && bash -euo pipefail -x "$work/help.sh" > "$work/help.out" 2> "$work/help.err") || {
    echo "an example of fairflip $cmd --help failed:"; tail -n 30 "$work/help.err"; exit 1; }
done
echo "== every example ran"
