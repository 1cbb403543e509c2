#!/usr/bin/env bash
# `stopguard check` over a repository of 5,000 IAM policy files, CloudFormation
# templates and Terraform plans (benches/gen_iac.py), the CI-gate case of issue 5.
#
#   benches/iac.sh [--files N] [--runs N] [--no-build] [--regen]
#
# Builds the release binary, generates bench-data/iac/ if missing (or with --regen),
# then times `stopguard check bench-data/iac --format sarif --output FILE`: one
# warm-up run, then --runs timed runs (default 5); prints best and median wall time
# and peak RSS. Target: median under 2 s on the project's machine. Exits non-zero
# only on errors (stopguard exiting 2 or more).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

files=5000 runs=5 build=1 regen=0
while (($#)); do
    case "$1" in
        --files) files="${2:?}"; shift ;;
        --runs) runs="${2:?}"; shift ;;
        --no-build) build=0 ;;
        --regen) regen=1 ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "iac.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

BIN="${STOPGUARD:-target/release/stopguard}"
DATA=bench-data/iac
# check calls no AWS API: the offline build (no SDK) is the binary measured.
((build)) && cargo build --release --locked --no-default-features >&2
if ((regen)) || [ ! -d "$DATA" ] || [ "$(find "$DATA" -type f | wc -l)" -ne "$files" ]; then
    python3 benches/gen_iac.py --files "$files" -o "$DATA"
fi
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

run() {
    local start end status
    start=$(date +%s.%N)
    set +e
    /usr/bin/time -f '%M %U %S' -o "$OUT/rss" "$BIN" check "$DATA" --format sarif --output "$OUT/report.sarif" 2>"$OUT/stderr"
    status=$?
    set -e
    end=$(date +%s.%N)
    if ((status >= 2)); then
        cat "$OUT/stderr" >&2
        exit "$status"
    fi
    # wall seconds, peak RSS KiB, user + system CPU seconds
    read -r m u sy < <(tail -1 "$OUT/rss")
    echo "$(echo "$end - $start" | bc) $m $(echo "$u + $sy" | bc)"
}

run >/dev/null
times=() cpus=() rss=0
for ((i = 0; i < runs; i++)); do
    read -r t m c < <(run)
    times+=("$t")
    cpus+=("$c")
    ((m > rss)) && rss=$m
done
cpu_sorted=($(printf '%s\n' "${cpus[@]}" | sort -n))
cpu_median=${cpu_sorted[$((runs / 2))]}
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
best=${sorted[0]}
median=${sorted[$((runs / 2))]}
findings=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['runs'][0]['results']))" "$OUT/report.sarif")
verdict=FAIL
(($(echo "$median < 2" | bc))) && verdict=PASS
printf 'inputs: %s files under %s (%s MB); %s findings\n' "$(find "$DATA" -type f | wc -l)" "$DATA" \
    "$(du -sm "$DATA" | cut -f1)" "$findings"
printf 'check --format sarif: best %.2f s, median %.2f s wall over %d runs (median CPU, user+sys: %.2f s), peak RSS %d MB; target median < 2 s: %s\n' \
    "$best" "$median" "$runs" "$cpu_median" "$((rss / 1024))" "$verdict"
# The machine is shared: wall time above CPU time is time spent waiting for a core.
printf 'load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
