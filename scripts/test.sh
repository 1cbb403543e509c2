#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run runs exactly this):
# installs moto for the live-collection tests (tests/live.rs), then clippy and cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/moto.sh setup
# The official SARIF Multitool, which tests/report_formats.rs runs on real SARIF
# output, into the git-ignored .tools/ folder. npm may refuse install scripts, so the
# binary is made executable here. With CI=true the test fails if it is missing.
MULTITOOL=.tools/node_modules/@microsoft/sarif-multitool-linux
if [ ! -x "$MULTITOOL/Sarif.Multitool" ]; then
  if npm install --no-audit --no-fund --prefix .tools @microsoft/sarif-multitool-linux@5.7.0 >&2 \
      && chmod u+x "$MULTITOOL/Sarif.Multitool"; then
    :
  elif [ "${CI:-}" = true ]; then
    echo "cannot install the SARIF Multitool (npm install @microsoft/sarif-multitool-linux)" >&2
    exit 1
  else
    echo "warning: SARIF Multitool not installed; its validation test will be skipped" >&2
  fi
fi
# The no-panic lints (src/lib.rs) are part of the suite, as are all other warnings.
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
