#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS each (default 60), one after
# another, and prints one summary line per target: executions, coverage (libFuzzer's
# `cov:` edges and `ft:` features), corpus size and the result.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 300 load_json load_yaml
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# Not run in CI. The corpus (fuzz/corpus/<target>, seeded from the repository's
# fixtures and examples on first use) persists between runs; a crash, timeout or
# out-of-memory input is written to fuzz/artifacts/<target>/. Reproduce one with
# `cargo +nightly fuzz run <target> <file>`, shrink it with `cargo +nightly fuzz
# tmin <target> <file>`, then keep it as a regression test under
# tests/fixtures/fuzz/. Logs go to fuzz/target/fuzz-logs/<target>.log.
#
# Exits 1 if any target crashed, hung or ran out of memory, 2 on a setup error.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz" || exit 2

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: $0 [SECONDS] [TARGET...]" >&2
    exit 2
fi
shift $(($# > 0 ? 1 : 0))

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

# Seeds: real documents for the loaders, policy documents, Rego files for METADATA.
seed() {
    local target=$1
    shift
    local dir="corpus/$target"
    [ -d "$dir" ] && return
    mkdir -p "$dir"
    (cd "$root" && find "$@" -type f -size -16k 2>/dev/null) | while read -r f; do
        cp "$root/$f" "$dir/$(echo "$f" | tr '/' '_')"
    done
}
seed load_json tests/fixtures examples -name '*.json'
seed load_yaml tests/fixtures examples \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \)
seed policy_document examples/scp tests/fixtures/chains tests/fixtures/diff tests/fixtures/fuzz -name '*.json'
seed metadata policies tests/fixtures -name '*.rego'
seed trail_logs examples/cloudtrail-logs -name '*.json'

echo "building ${#targets[@]} fuzz targets..." >&2
mkdir -p target
if ! cargo +nightly fuzz build >/dev/null 2>"target/fuzz-build.log"; then
    cat target/fuzz-build.log >&2
    exit 2
fi

mkdir -p target/fuzz-logs
failed=0
printf '%-16s %8s %12s %8s %8s %8s  %s\n' target seconds runs cov ft corpus result
for t in "${targets[@]}"; do
    log="target/fuzz-logs/$t.log"
    args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
    case $t in
    load_json | load_yaml | policy_document | trail_logs) args+=(-dict=dicts/aws.dict) ;;
    esac
    start=$(date +%s)
    cargo +nightly fuzz run "$t" -- "${args[@]}" >"$log" 2>&1
    code=$?
    took=$(($(date +%s) - start))
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -1)
    [ -z "$runs" ] && runs=$(echo "$last" | grep -oE '^#[0-9]+' | tr -d '#')
    cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+')
    ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+')
    corp=$(echo "$last" | grep -oE 'corp: [0-9]+' | grep -oE '[0-9]+')
    if [ $code -eq 0 ]; then
        result=ok
    else
        failed=1
        kind=$(grep -oE 'ERROR: libFuzzer: [a-z-]+|deadly signal|panicked at [^ ]+' "$log" | head -1)
        artifact=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -1 | sed 's/Test unit written to //')
        result="FAILED (exit $code${kind:+: $kind}${artifact:+; input $artifact}; log fuzz/$log)"
    fi
    printf '%-16s %8s %12s %8s %8s %8s  %s\n' "$t" "$took" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
exit $failed
