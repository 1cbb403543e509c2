#!/usr/bin/env bash
# Times `stopguard snapshot` against moto (loopback) at concurrency 1, 4 and 8.
#
#   benches/snapshot.sh [ROLES] [SGS]     default 500 roles, 200 security groups
#
# Seeds a fresh moto server with ROLES roles and SGS security groups across 3
# regions (benches/seed_bulk.py), builds the release binary (or uses
# $STOPGUARD), and takes the
# snapshot three times at each concurrency, printing the best wall time.
# moto answers every call on one Python thread, so these figures measure the
# collector's overhead and request pipelining, not AWS's latency.
set -euo pipefail
cd "$(dirname "$0")/.."
ROLES=${1:-500}
SGS=${2:-200}
REGIONS=(us-east-1 eu-west-1 ap-southeast-2)
bash scripts/moto.sh setup
# STOPGUARD=path uses that binary instead of building the release one.
if [[ -z ${STOPGUARD:-} ]]; then
    cargo build --release --locked --quiet
    STOPGUARD=target/release/stopguard
fi
ENDPOINT=$(bash scripts/moto.sh start)
trap 'bash scripts/moto.sh stop' EXIT
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    AWS_EC2_METADATA_DISABLED=true
.venv-moto/bin/python benches/seed_bulk.py "$ENDPOINT" "$ROLES" "$SGS" "${REGIONS[@]}"
OUT=$(mktemp -d)
regions=$(IFS=,; echo "${REGIONS[*]}")
for c in 1 4 8; do
    best=
    for _ in 1 2 3; do
        start=$(date +%s.%N)
        "$STOPGUARD" snapshot --quiet --endpoint-url "$ENDPOINT" \
            --regions "$regions" --concurrency "$c" --out "$OUT/acct.json" 2>"$OUT/err" \
            || { cat "$OUT/err"; exit 1; }
        t=$(echo "$(date +%s.%N) - $start" | bc)
        if [[ -z $best ]] || (( $(echo "$t < $best" | bc) )); then best=$t; fi
    done
    printf 'concurrency %d: %.2f s (best of 3)  %s\n' "$c" "$best" "$(tail -1 "$OUT/err")"
done
rm -rf "$OUT"
