#!/usr/bin/env bash
# The issue's target benchmark: `stopguard check` on a large synthetic account export,
# against Python's json.load of the same file.
#
#   benches/check.sh [--regen] [--who-can] [--compact] [--runs N] [--interleave N] [--no-build] [-- WHO_CAN_ARGS...]
#
#   --regen      regenerate the export even if it exists (it is also regenerated when
#                benches/gen_account.py is newer than it)
#   --who-can    also time `stopguard who-can FILE --format json [WHO_CAN_ARGS...]`
#   --compact    use bench-data/account.compact.json, the same account written without
#                indentation (26 MB instead of 65 MB)
#   --runs N     timed runs per command (default 5), after one untimed warm-up run: their
#                best and median wall time, and the peak RSS
#   --interleave N  rounds of json.load (in a fresh Python process, timed around json.load
#                only) and check one after the other (default 15; 0 skips them). The
#                speed target is judged on these rounds: the median json.load against
#                the median check. The machine's speed drifts within minutes; rounds
#                taken in turn see the same drift, and a median set against a median
#                compares like with like
#   --no-build   skip `cargo build --release --no-default-features` (check and who-can call no AWS API)
#
# Environment: STOPGUARD=path overrides the binary (default target/release/stopguard);
# METER=python measures with a Python subprocess wrapper even where /usr/bin/time exists.
#
# Targets: check ≥ 5x faster than json.load (process start to exit, median of the
# interleaved rounds, against their median json.load), peak RSS < 3x the file size;
# who-can median wall < 1 s, peak RSS < 3x the file size. The back-to-back runs' ratios
# (against the best of three json.loads in one process) are printed without a verdict:
# a median set against a best, taken seconds apart. Prints a report; exits 0 whether
# targets pass or fail, non-zero only on errors (including stopguard exiting with 2 or
# more).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

regen=0 who_can=0 compact=0 build=1 runs=5 interleave=15
who_can_args=()
while (($#)); do
    case "$1" in
        --regen) regen=1 ;;
        --who-can) who_can=1 ;;
        --compact) compact=1 ;;
        --no-build) build=0 ;;
        --runs) runs="${2:?--runs needs a number}"; shift ;;
        --runs=*) runs="${1#--runs=}" ;;
        --interleave) interleave="${2:?--interleave needs a number}"; shift ;;
        --interleave=*) interleave="${1#--interleave=}" ;;
        --) shift; who_can_args=("$@"); break ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "check.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "check.sh: --runs must be a positive integer" >&2; exit 2; }
[[ "$interleave" =~ ^[0-9]+$ ]] || { echo "check.sh: --interleave must be a number" >&2; exit 2; }

PY="${PYTHON:-python3}"
BIN="${STOPGUARD:-target/release/stopguard}"
if ((compact)); then
    DATA=bench-data/account.compact.json
    GEN_ARGS=(--compact)
else
    DATA=bench-data/account.json
    GEN_ARGS=()
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1. build ------------------------------------------------------------------------------
if ((build)); then
    echo "== cargo build --release --no-default-features" >&2
    cargo build --release --no-default-features
fi
if [[ ! -x "$BIN" ]]; then
    echo "check.sh: $BIN is missing or not executable" >&2
    exit 1
fi

# 2. data -------------------------------------------------------------------------------
if ((regen)) || [[ ! -s "$DATA" ]] || [[ benches/gen_account.py -nt "$DATA" ]]; then
    echo "== generating $DATA" >&2
    "$PY" benches/gen_account.py ${GEN_ARGS[@]+"${GEN_ARGS[@]}"} -o "$DATA"
fi
bytes="$(wc -c <"$DATA" | tr -d ' ')"

# 3. python json.load: best of 3, timed in-process around json.load only ---------------
echo "== python json.load x3" >&2
read -r py_best statements < <("$PY" - "$DATA" <<'EOF'
import json, sys, time

path = sys.argv[1]
best = float("inf")
for _ in range(3):
    with open(path, "rb") as f:
        t = time.perf_counter()
        data = json.load(f)
        best = min(best, time.perf_counter() - t)

def count(doc):
    return len(doc["Statement"]) if isinstance(doc, dict) else 0

n = 0
for u in data.get("UserDetailList", []):
    n += sum(count(p["PolicyDocument"]) for p in u.get("UserPolicyList", []))
for g in data.get("GroupDetailList", []):
    n += sum(count(p["PolicyDocument"]) for p in g.get("GroupPolicyList", []))
for r in data.get("RoleDetailList", []):
    n += count(r.get("AssumeRolePolicyDocument"))
    n += sum(count(p["PolicyDocument"]) for p in r.get("RolePolicyList", []))
for p in data.get("Policies", []):
    n += sum(count(v["Document"]) for v in p.get("PolicyVersionList", []))
print(f"{best:.6f} {n}")
EOF
)
[[ -n "${statements:-}" ]] || { echo "check.sh: timing json.load of $DATA failed" >&2; exit 1; }

# 4. stopguard: wall time and peak RSS per run ------------------------------------------
if [[ "${METER:-}" != python ]] && [[ -x /usr/bin/time ]] && /usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null; then
    meter="/usr/bin/time"
else
    meter="python"
fi

# median/best NUMBER... -> the median (the mean of the middle two for an even count)
# and the smallest of the numbers
median() { printf '%s\n' "$@" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
best() { printf '%s\n' "$@" | sort -g | head -n 1; }

# run_once ERRFILE CMD... -> prints "WALL_SECONDS MAXRSS_KB EXIT_CODE"
run_once() {
    local errf="$1"; shift
    if [[ "$meter" == /usr/bin/time ]]; then
        local tf="$tmp/time.out" rc=0 start end
        start="$(date +%s%N)"
        /usr/bin/time -f '%e %M' -o "$tf" "$@" >/dev/null 2>"$errf" || rc=$?
        end="$(date +%s%N)"
        # time(1) writes "Command exited with non-zero status N" first when N != 0.
        local rss
        rss="$(tail -n 1 "$tf" | awk '{print $2}')"
        awk -v s="$start" -v e="$end" -v m="$rss" -v rc="$rc" \
            'BEGIN { printf "%.6f %s %s\n", (e - s) / 1e9, m, rc }'
    else
        # A fresh interpreter per run, so RUSAGE_CHILDREN's maximum is this run's.
        "$PY" - "$errf" "$@" <<'EOF'
import resource, subprocess, sys, time
with open(sys.argv[1], "wb") as err:
    t = time.perf_counter()
    p = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    wall = time.perf_counter() - t
print(f"{wall:.6f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {p.returncode}")
EOF
    fi
}

# measure NAME CMD... -> sets M_BEST M_MEDIAN M_RSS_KB M_EXIT
measure() {
    local name="$1"; shift
    local errf="$tmp/$name.stderr" walls=() rss_max=0 i wall rss rc
    echo "== $name: 1 warm-up + $runs timed runs ($meter)" >&2
    for ((i = 0; i <= runs; i++)); do
        read -r wall rss rc < <(run_once "$errf" "$@")
        if [[ "$rc" != 0 && "$rc" != 1 ]]; then
            echo "check.sh: \`$*\` exited with status $rc; its stderr:" >&2
            cat "$errf" >&2
            exit 1
        fi
        ((i == 0)) && continue
        walls+=("$wall")
        ((rss > rss_max)) && rss_max="$rss"
        M_EXIT="$rc"
    done
    M_BEST="$(best "${walls[@]}")"
    M_MEDIAN="$(median "${walls[@]}")"
    M_RSS_KB="$rss_max"
}

measure check "$BIN" check "$DATA" --format json
c_best="$M_BEST" c_median="$M_MEDIAN" c_rss="$M_RSS_KB" c_exit="$M_EXIT"
if ((who_can)); then
    measure who-can "$BIN" who-can "$DATA" --format json ${who_can_args[@]+"${who_can_args[@]}"}
    w_best="$M_BEST" w_median="$M_MEDIAN" w_rss="$M_RSS_KB" w_exit="$M_EXIT"
fi

# 5. report -----------------------------------------------------------------------------
verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo FAIL; fi; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

rss_b=$((c_rss * 1024))
ratio_best="$(awk -v p="$py_best" -v s="$c_best" 'BEGIN { printf "%.2f", p / s }')"
ratio_med="$(awk -v p="$py_best" -v s="$c_median" 'BEGIN { printf "%.2f", p / s }')"
rss_ratio="$(awk -v r="$rss_b" -v b="$bytes" 'BEGIN { printf "%.2f", r / b }')"

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
echo
echo "stopguard benchmark: $DATA"
echo "  machine: ${cpu:-unknown cpu}, $(nproc 2>/dev/null || echo '?') cpus, $("$PY" -c 'import platform; print("python", platform.python_version())'), timer: $meter"
echo
printf '  %-38s %14s   %-12s %s\n' "measure" "value" "target" "result"
printf '  %-38s %14s\n' "file size" "$(mb "$bytes") MB"
printf '  %-38s %14s\n' "statements" "$statements"
printf '  %-38s %14s\n' "python json.load (best of 3)" "$(printf '%.3f' "$py_best") s"
printf '  %-38s %14s\n' "stopguard check wall, best of $runs" "$(printf '%.3f' "$c_best") s"
printf '  %-38s %14s\n' "stopguard check wall, median of $runs" "$(printf '%.3f' "$c_median") s"
printf '  %-38s %14s\n' "json.load / check (best / best)" "${ratio_best}x"
printf '  %-38s %14s   %s\n' "json.load / check (best / median)" "${ratio_med}x" \
    "(no verdict: see the interleaved rounds)"
printf '  %-38s %14s\n' "check peak RSS (max of $runs)" "$(mb "$rss_b") MB"
printf '  %-38s %14s   %-12s %s\n' "check peak RSS / file size" "${rss_ratio}x" "< 3x" \
    "$(verdict "$rss_ratio < 3")"
printf '  %-38s %14s\n' "check exit status" "$c_exit"
if ((who_can)); then
    w_rss_b=$((w_rss * 1024))
    w_rss_ratio="$(awk -v r="$w_rss_b" -v b="$bytes" 'BEGIN { printf "%.2f", r / b }')"
    printf '  %-38s %14s\n' "stopguard who-can wall, best of $runs" "$(printf '%.3f' "$w_best") s"
    printf '  %-38s %14s   %-12s %s\n' "stopguard who-can wall, median of $runs" \
        "$(printf '%.3f' "$w_median") s" "< 1 s" "$(verdict "$w_median < 1")"
    printf '  %-38s %14s\n' "who-can peak RSS (max of $runs)" "$(mb "$w_rss_b") MB"
    printf '  %-38s %14s   %-12s %s\n' "who-can peak RSS / file size" "${w_rss_ratio}x" "< 3x" \
        "$(verdict "$w_rss_ratio < 3")"
    printf '  %-38s %14s\n' "who-can exit status" "$w_exit"
fi

# 6. interleaved: json.load and check one after the other -------------------------------
if ((interleave)); then
    echo "== interleaved: $interleave rounds of json.load, then check" >&2
    py_walls=() c_walls=()
    for ((i = 0; i < interleave; i++)); do
        py_walls+=("$("$PY" -c '
import json, sys, time
with open(sys.argv[1], "rb") as f:
    t = time.perf_counter()
    json.load(f)
    print(f"{time.perf_counter() - t:.6f}")
' "$DATA")")
        read -r wall _ rc < <(run_once "$tmp/interleave.stderr" "$BIN" check "$DATA" --format json)
        if [[ "$rc" != 0 && "$rc" != 1 ]]; then
            echo "check.sh: check exited with status $rc; its stderr:" >&2
            cat "$tmp/interleave.stderr" >&2
            exit 1
        fi
        c_walls+=("$wall")
    done
    i_py_med="$(median "${py_walls[@]}")" i_c_med="$(median "${c_walls[@]}")"
    i_py_best="$(best "${py_walls[@]}")" i_c_best="$(best "${c_walls[@]}")"
    echo
    echo "  interleaved, $interleave rounds (json.load in a fresh process, then check):"
    printf '  %-38s %14s\n' "python json.load, median / best" \
        "$(printf '%.3f / %.3f' "$i_py_med" "$i_py_best") s"
    printf '  %-38s %14s\n' "stopguard check, median / best" \
        "$(printf '%.3f / %.3f' "$i_c_med" "$i_c_best") s"
    printf '  %-38s %14s\n' "json.load / check (best / best)" \
        "$(awk -v p="$i_py_best" -v s="$i_c_best" 'BEGIN { printf "%.2f", p / s }')x"
    printf '  %-38s %14s   %-12s %s\n' "json.load / check (median / median)" \
        "$(awk -v p="$i_py_med" -v s="$i_c_med" 'BEGIN { printf "%.2f", p / s }')x" ">= 5x" \
        "$(verdict "$i_py_med / $i_c_med >= 5")"
else
    echo
    echo "  speed not judged: --interleave 0 skips the rounds the 5x target is judged on"
fi
