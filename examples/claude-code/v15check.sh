#!/bin/sh
# Claude Code PostToolUse hook: after an Edit, Write or MultiEdit, re-checks the V1.5 flow when
# one of its files differs from HEAD, and feeds the FAIL lines back to the agent.
#
#   exit 0  no flow file changed, or every check passes: silent
#   exit 2  FAILs: Claude Code shows this hook's stderr to the agent, which sees what to fix
#   exit 1  v15check itself could not run (usage, config or git error): shown to the user only
#
# Install: copy to .claude/hooks/v15check.sh (chmod +x) and merge settings.json beside this file
# into .claude/settings.json. Binary: $V15CHECK if set, else `v15check` from PATH.

# The hook's JSON input (tool name, file path) is not needed: v15check finds the changed files.
[ -t 0 ] || cat >/dev/null
v15check="${V15CHECK:-v15check}"
cd "${CLAUDE_PROJECT_DIR:-.}" || exit 1
report=$("$v15check" --changed-since HEAD --color never 2>&1)
status=$?
case "$status" in
  0) exit 0 ;;
  1)
    echo "v15check: the V1.5 streaming flow has FAILs after this edit (fix them, or suppress one with // v15check-disable-next-line ID -- reason):" >&2
    printf '%s\n' "$report" | sed -n '/^Result:/,$p' >&2
    exit 2
    ;;
  *)
    printf 'v15check could not run (exit %s):\n%s\n' "$status" "$report" >&2
    exit 1
    ;;
esac
