#!/usr/bin/env bash
# Times `stopguard snapshot` against moto (loopback) at concurrency 1, 4 and 8.
#
#   benches/snapshot.sh [--debug] [--no-build] [--runs N] [ROLES] [SGS]
#
# Seeds a fresh moto server with ROLES roles (default 500) and SGS security
# groups (default 200) across 3 regions (benches/seed_bulk.py), then takes the
# snapshot N times (default 3) at each concurrency and prints the median, the
# best and the worst wall time. The binary is the release build
# (`cargo build --release`) unless --debug is given; --no-build uses the one
# already built; STOPGUARD=path uses any other binary.
# moto answers every call on one Python thread, so these figures measure the
# collector's overhead and request pipelining, not AWS's latency.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=release
BUILD=1
RUNS=3
ARGS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --debug) PROFILE=debug ;;
        --release) PROFILE=release ;;
        --no-build) BUILD= ;;
        --runs) RUNS=$2; shift ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) ARGS+=("$1") ;;
    esac
    shift
done
ROLES=${ARGS[0]:-500}
SGS=${ARGS[1]:-200}
REGIONS=(us-east-1 eu-west-1 ap-southeast-2)
bash scripts/moto.sh setup
if [[ -z ${STOPGUARD:-} ]]; then
    if [[ -n $BUILD ]]; then
        if [[ $PROFILE == release ]]; then
            cargo build --release --locked --quiet
        else
            cargo build --locked --quiet
        fi
    fi
    STOPGUARD=target/$PROFILE/stopguard
fi
echo "binary: $STOPGUARD ($PROFILE); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
ENDPOINT=$(bash scripts/moto.sh start)
trap 'bash scripts/moto.sh stop' EXIT
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    AWS_EC2_METADATA_DISABLED=true
.venv-moto/bin/python benches/seed_bulk.py "$ENDPOINT" "$ROLES" "$SGS" "${REGIONS[@]}"
OUT=$(mktemp -d)
regions=$(IFS=,; echo "${REGIONS[*]}")
for c in 1 4 8; do
    times=()
    for _ in $(seq 1 "$RUNS"); do
        start=$(date +%s.%N)
        "$STOPGUARD" snapshot --quiet --endpoint-url "$ENDPOINT" \
            --regions "$regions" --concurrency "$c" --out "$OUT/acct.json" 2>"$OUT/err" \
            || { cat "$OUT/err"; exit 1; }
        times+=("$(echo "$(date +%s.%N) - $start" | bc)")
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    median=$(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
    printf 'concurrency %d: median %.2f s (best %.2f, worst %.2f, %d runs)\n' \
        "$c" "$median" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)" "$RUNS"
done
echo "last run: $(tail -1 "$OUT/err")"
rm -rf "$OUT"
