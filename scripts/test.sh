#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run runs exactly this):
# installs moto for the live-collection tests (tests/live.rs), then clippy and cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/moto.sh setup
# The no-panic lints (src/lib.rs) are part of the suite, as are all other warnings.
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
