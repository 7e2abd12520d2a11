#!/usr/bin/env bash
# Peak RSS against file size and shape: for each shape and size, a copy of fixtures/v15-pass whose
# Durable Object file ends in that shape (generate.py), checked by the full pipeline and parsed by
# the parse-only baseline, one after the other (never in parallel: the figures are peaks).
#
#   bench/rss/measure.sh BUILD_DIR [SHAPES...]      (env SIZES="1 2 4 8", ROLE=do|agent)
#
# Prints one row per shape and size: peak RSS in MiB and wall seconds of each binary, and the
# exit status of v15check (0/1 are verdicts; 2 is a tool error; a signal is a crash).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: measure.sh BUILD_DIR [SHAPES...]}
shift
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(parens arrays objects calls arrows templates members ifs binary patterns
  unary ternaries assignments sequence elseifs code statements string numbers)
sizes=${SIZES:-1 2 4 8}
role=${ROLE:-do}
timeout=${TIMEOUT:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# peak_kib exit_or_signal wall_seconds, for one command
run() {
  local out=$work/time.txt
  if /usr/bin/time -o "$out" -f '%M %x %e' timeout "$timeout" "$@" >/dev/null 2>"$work/stderr.txt"; then :; fi
  if grep -q 'terminated by signal' "$out"; then
    sed -n 's/.*signal \([0-9]*\).*/sig\1/p' "$out" | head -1 | tr '\n' ' '
    tail -1 "$out" | awk '{printf "%s %s\n", $1, $3}'
  else
    tail -1 "$out" | awk '{printf "%s %s %s\n", $2, $1, $3}'
  fi
}

printf '%-11s %4s %12s %8s %6s %12s %8s\n' shape MiB v15check_MiB wall_s exit parse_MiB wall_s
for shape in "${shapes[@]}"; do
  for mib in $sizes; do
    root=$work/root
    python3 "$here/generate.py" "$shape" "$mib" "$root" --role "$role" >/dev/null
    read -r status full_kib full_s < <(run "$build/v15check" "$root")
    read -r _ parse_kib parse_s < <(run "$build/bench/v15check_parse" "$root/src/index.ts" \
      "$root/src/agents/chat-session-agent.ts" "$root/src/utils/jwt.ts" \
      "$root/src/sandbox-scripts/claude-agent.js")
    printf '%-11s %4s %12d %8s %6s %12d %8s\n' "$shape" "$mib" $((full_kib / 1024)) "$full_s" \
      "$status" $((parse_kib / 1024)) "$parse_s"
    rm -rf "$root"
  done
done
