#!/usr/bin/env bash
# CloudTrail log throughput: `stopguard check` over a generated log folder of at
# least 2 GiB of uncompressed JSON, gzipped like real deliveries.
#
#   benches/logs.sh [--regen] [--gib N] [--runs N] [--no-build]
#
#   --regen      regenerate bench-data/trail-logs even if it exists (it is also
#                regenerated when benches/gen_trail_logs.py is newer than it)
#   --gib N      size to generate, in GiB of uncompressed JSON (default 2.1)
#   --runs N     timed runs (default 3), after one untimed warm-up run
#   --no-build   skip `cargo build --release`
#
# Environment: STOPGUARD=path overrides the binary (default target/release/stopguard).
#
# Targets: at least 200 MB/s of uncompressed JSON (median wall time, process start
# to exit, so loading policies and writing the report count too) and peak RSS under
# 200 MB (the maximum over the runs, from /usr/bin/time -f %M). Prints a report;
# exits 0 whatever the verdicts, non-zero on errors (stopguard exiting 2 or more).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

regen=0 build=1 runs=3 gib=2.1
while (($#)); do
    case "$1" in
        --regen) regen=1 ;;
        --no-build) build=0 ;;
        --runs) runs="${2:?--runs needs a number}"; shift ;;
        --gib) gib="${2:?--gib needs a number}"; shift ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "logs.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "logs.sh: --runs must be a positive integer" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "logs.sh: needs /usr/bin/time (GNU time) for peak RSS" >&2; exit 1; }

BIN="${STOPGUARD:-target/release/stopguard}"
DATA=bench-data/trail-logs
STAMP=bench-data/trail-logs.json

if ((build)); then
    echo "== cargo build --release" >&2
    cargo build --release
fi
[[ -x "$BIN" ]] || { echo "logs.sh: $BIN is missing or not executable" >&2; exit 1; }

if ((regen)) || [[ ! -s "$STAMP" ]] || [[ benches/gen_trail_logs.py -nt "$STAMP" ]]; then
    echo "== generating $DATA ($gib GiB uncompressed)" >&2
    rm -rf "$DATA"
    python3 benches/gen_trail_logs.py bench --gib "$gib" -o "$DATA" >"$STAMP.tmp"
    mv "$STAMP.tmp" "$STAMP"
fi
read -r bytes files records judged < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["uncompressed_bytes"], d["files"], d["records"], d["judged_records"])' "$STAMP")
on_disk="$(du -sb "$DATA" | awk '{print $1}')"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# run_once -> "WALL_SECONDS MAXRSS_KB EXIT_CODE"
run_once() {
    local rc=0 start end
    start="$(date +%s%N)"
    /usr/bin/time -f '%M' -o "$tmp/time" "$BIN" check "$DATA" --format json \
        >"$tmp/report.json" 2>"$tmp/stderr" || rc=$?
    end="$(date +%s%N)"
    awk -v s="$start" -v e="$end" -v m="$(tail -n 1 "$tmp/time")" -v rc="$rc" \
        'BEGIN { printf "%.6f %s %s\n", (e - s) / 1e9, m, rc }'
}

echo "== stopguard check $DATA: 1 warm-up + $runs timed runs" >&2
walls=() rss_max=0
for ((i = 0; i <= runs; i++)); do
    read -r wall rss rc < <(run_once)
    if [[ "$rc" != 0 && "$rc" != 1 ]]; then
        echo "logs.sh: stopguard exited with status $rc; its stderr:" >&2
        cat "$tmp/stderr" >&2
        exit 1
    fi
    ((i == 0)) && continue
    echo "   run $i: ${wall} s, peak RSS ${rss} KB" >&2
    walls+=("$wall")
    ((rss > rss_max)) && rss_max="$rss"
done
median="$(printf '%s\n' "${walls[@]}" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
best="$(printf '%s\n' "${walls[@]}" | sort -g | head -n 1)"
findings="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$tmp/report.json")"

mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", b / 1e6 / s }'; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; fi; }
rss_mb="$(awk -v k="$rss_max" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

echo
echo "stopguard CloudTrail log benchmark: $DATA"
echo "  machine: ${cpu:-unknown cpu}, $(nproc) cpus, load average $load"
echo
printf '  %-40s %14s   %-10s %s\n' "measure" "value" "target" "result"
printf '  %-40s %14s\n' "uncompressed JSON" "$(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
printf '  %-40s %14s\n' "gzipped on disk" "$(awk -v b="$on_disk" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
printf '  %-40s %14s\n' "files / records / records judged" "$files / $records / $judged"
printf '  %-40s %14s\n' "wall, best of $runs" "$(printf '%.2f' "$best") s"
printf '  %-40s %14s\n' "wall, median of $runs" "$(printf '%.2f' "$median") s"
printf '  %-40s %14s   %-10s %s\n' "throughput (median)" "$(mbs "$median") MB/s" ">= 200" \
    "$(verdict "$(mbs "$median") >= 200")"
printf '  %-40s %14s   %-10s %s\n' "peak RSS (max of $runs)" "$rss_mb MB" "< 200" \
    "$(verdict "$rss_mb < 200")"
printf '  %-40s %14s\n' "findings" "$findings"
