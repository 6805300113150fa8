#!/usr/bin/env bash
# The code jsii-pacmak generates for the other languages must at least parse: the README and every doc comment
# are copied into it (the README into a raw Python docstring, where a run of three single quotes ends it early).
# The packages themselves need registries this machine cannot reach, so only the code is generated
# (--code-only) and checked with each language's own parser: Python's compileall, and Go's gofmt -e.
# Java and .NET need their libraries (jsii's runtime, aws-cdk-lib) to compile; they are left to the release.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf -- "$out"' EXIT

jsii-pacmak --code-only --targets python,go --outdir "$out" > "$out/pacmak.log" 2>&1 || {
  cat "$out/pacmak.log" >&2
  echo "check-jsii-targets: jsii-pacmak could not generate the Python and Go code" >&2
  exit 1
}

python3 -m compileall -q "$out/python" > "$out/python.log" 2>&1 || {
  cat "$out/python.log" >&2
  echo "check-jsii-targets: the generated Python does not compile (a README or doc comment text breaks it)" >&2
  exit 1
}

gofmt -e -l "$out/go" > /dev/null 2> "$out/go.log" || {
  cat "$out/go.log" >&2
  echo "check-jsii-targets: the generated Go does not parse (a README or doc comment text breaks it)" >&2
  exit 1
}

echo "check-jsii-targets: the generated Python compiles and the generated Go parses"
