#!/bin/sh
# Claude Code PostToolUse hook: after an Edit, Write or MultiEdit, re-checks the V1.5 flow when
# one of its files differs from HEAD, and feeds back to the agent only the FAILs the edits made:
# a FAIL HEAD already has (a deliberate choice, or a finding for another day) is BASELINED by
# --new-since HEAD and is not the agent's to "fix".
#
#   exit 0  no flow file changed, or nothing new fails: silent
#   exit 2  new FAILs: Claude Code shows this hook's stderr to the agent, which sees what to fix
#   exit 1  v15check itself could not run (usage, config or git error): shown to the user only
#
# Install: copy to .claude/hooks/v15check.sh (chmod +x) and merge settings.json beside this file
# into .claude/settings.json. Binary: $V15CHECK if set, else `v15check` from PATH.

# The hook's JSON input (tool name, file path) is not needed: v15check finds the changed files.
[ -t 0 ] || cat >/dev/null
v15check="${V15CHECK:-v15check}"
cd "${CLAUDE_PROJECT_DIR:-.}" || exit 1
if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
  report=$("$v15check" --changed-since HEAD --new-since HEAD --color never 2>&1)
else
  report=$("$v15check" --color never 2>&1)
fi
status=$?
case "$status" in
  0) exit 0 ;;
  1)
    echo "v15check: these edits broke the V1.5 streaming flow (fix them, or suppress one with // v15check-disable-next-line ID -- reason):" >&2
    # From the Result: line on, without the BASELINED blocks: those were there before the edits.
    printf '%s\n' "$report" | awk '
      /^Result:/ { on = 1 }
      !on { next }
      /^BASELINED:/ { skip = 1; next }
      skip && /^$/ { skip = 0; next }
      skip && /^  / { next }
      { skip = 0; print }' >&2
    exit 2
    ;;
  *)
    printf 'v15check could not run (exit %s):\n%s\n' "$status" "$report" >&2
    exit 1
    ;;
esac
