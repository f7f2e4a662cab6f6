#!/usr/bin/env bash
# Runs the built CLI (dist/cli.js) on every bundled example and checks that each manifest
# gets its expected exit code: 1 for the broken variants, 0 for the fixed ones.
set -uo pipefail
cd "$(dirname "$0")/.."

failures=0
runs=0
for manifest in examples/*/*.yml; do
  # examples/workflows contains GitHub workflow files, not manifests.
  case "$manifest" in examples/workflows/*) continue ;; esac
  case "$(basename "$manifest")" in
    fixed.yml) expected=0 ;;
    *) expected=1 ;;
  esac

  echo "=== $manifest (expected exit code $expected)"
  node dist/cli.js check --manifest "$manifest"
  actual=$?
  runs=$((runs + 1))
  if [ "$actual" -ne "$expected" ]; then
    echo "!!! $manifest: exit code $actual, expected $expected" >&2
    failures=$((failures + 1))
  fi
  echo
done

echo "examples: $((runs - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
