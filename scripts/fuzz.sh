#!/usr/bin/env bash
# Runs the reader fuzzer (tests/it/fuzz.rs) for SECONDS (default 1800) over
# testdata/ and ../shared/corpus. Failing cases land in target/fuzz-failures/.
#   scripts/fuzz.sh 3600
#   FUZZ_SEED=42 scripts/fuzz.sh 60      # reproduce a run
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS="${1:-1800}" cargo test --test it fuzz::fuzz_long -- --ignored --nocapture
