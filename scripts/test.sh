#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run runs exactly this):
# installs moto for the live-collection tests (tests/live.rs), then cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/moto.sh setup
cargo test --locked
