#!/usr/bin/env bash
# Wall and CPU time of `v15check history` over the synthetic history, against (a) the loop of
# one `v15check --rev C` per commit and (b) the floor: parsing each distinct version of the four
# TS/JS role files once (`v15check_parse --history`).
#
#   bench/history/measure.sh BUILD_DIR [COMMITS]       (default 1000 commits; env SEED)
#
# The history is generated into BUILD_DIR/bench/history-COMMITS once and reused (regenerated
# when the script or the mutant catalogue is newer). The runs are one after the other, never in
# parallel; CPU is user + system of the process and its threads.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: measure.sh BUILD_DIR [COMMITS]}" && pwd)
commits=${2:-1000}
seed=${SEED:-15}
out=$build/bench/history-$commits
[ "$seed" = 15 ] || out=$out-seed$seed
if [ ! -f "$out/planted.json" ] || [ "$here/make_history.py" -nt "$out/planted.json" ] ||
  [ -n "$(find "$here/../../fixtures/mutants" -name '*.json' -newer "$out/planted.json")" ]; then
  python3 "$here/make_history.py" --force --commits "$commits" --seed "$seed" "$out" >/dev/null
fi
repo=$out/repo
v15check=$build/v15check
parse=$build/bench/v15check_parse
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# wall_s cpu_s for one command run in the repository ("n/a n/a" when it fails); output dropped
timed() {
  if ! (cd "$repo" && /usr/bin/time -o "$work/time.txt" -f '%e %U %S' "$@" >/dev/null 2>"$work/err.txt"); then
    echo "measure.sh: $* failed:" >&2
    head -5 "$work/err.txt" >&2
    echo "n/a n/a"
    return
  fi
  tail -1 "$work/time.txt" | awk '{printf "%.3f %.3f\n", $1, $2 + $3}'
}

git -C "$repo" rev-list --first-parent --reverse HEAD >"$work/commits.txt"
n=$(wc -l <"$work/commits.txt")

# One process per revision, as a shell loop would run them; 1 (a FAIL) and 2 (no flow yet at an
# early commit) are answers, not failures of the loop.
cat >"$work/loop.sh" <<'EOF'
while read -r sha; do
  "$1" --rev "$sha" . >/dev/null 2>&1 || { s=$?; [ "$s" -le 2 ] || exit "$s"; }
done <"$2"
EOF

read -r hist_wall hist_cpu < <(timed "$v15check" history --format json)
read -r floor_wall floor_cpu < <(timed "$parse" --history .)
read -r loop_wall loop_cpu < <(timed bash "$work/loop.sh" "$v15check" "$work/commits.txt")
floor_counts=$(cd "$repo" && "$parse" --history .)

echo "synthetic history: $repo ($n first-parent commits)"
echo "floor: $floor_counts"
printf '%-34s %8s %8s\n' run wall_s cpu_s
printf '%-34s %8s %8s\n' "v15check history" "$hist_wall" "$hist_cpu"
printf '%-34s %8s %8s\n' "v15check --rev, once per commit" "$loop_wall" "$loop_cpu"
printf '%-34s %8s %8s\n' "v15check_parse --history (floor)" "$floor_wall" "$floor_cpu"
awk -v hw="$hist_wall" -v hc="$hist_cpu" -v lw="$loop_wall" -v lc="$loop_cpu" \
  -v fw="$floor_wall" -v fc="$floor_cpu" '
  function ratio(a, b) { return (a == "n/a" || b == "n/a" || b <= 0) ? "  n/a" : sprintf("%5.2f", a / b) }
  BEGIN {
    printf "history / floor:           %sx wall  %sx cpu   (budget 2.5x)\n", ratio(hw, fw), ratio(hc, fc)
    printf "per-commit loop / history: %sx wall  %sx cpu\n", ratio(lw, hw), ratio(lc, hc)
  }'
