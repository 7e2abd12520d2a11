#!/usr/bin/env python3
"""Writes a copy of fixtures/v15-pass whose Durable Object file (or agent file) ends in one big
generated shape, for measuring peak memory against file size and nesting depth.

  generate.py SHAPE MIB OUT_DIR [--role do|agent]

SHAPE is one of the deep shapes (parens, arrays, objects, calls, arrows, templates, members, ifs,
binary, patterns, unary, ternaries, assignments, sequence, elseifs) or the flat ones (code,
statements, string, numbers); the role file grows to just under MIB
MiB (the size cap is 8 MiB, so 8 stays under it)."""
import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures", "v15-pass"))
ROLE_PATHS = {
    "do": "src/agents/chat-session-agent.ts",
    "agent": "src/sandbox-scripts/claude-agent.js",
}


def nested(open_, leaf, close, budget):
    n = max(1, (budget - len(leaf)) // (len(open_) + len(close)))
    return open_ * n + leaf + close * n


def repeated(head, unit, tail, budget):
    n = max(1, (budget - len(head) - len(tail)) // len(unit))
    return head + unit * n + tail


HELPER = """
export async function generatedHelper{i}(request: any, env: any) {{
  const url = new URL(request.url);
  if (url.pathname === '/generated/{i}' && request.method === 'GET') {{
    const value = await env.SESSIONS_KV.get(`generated:${{url.searchParams.get('id')}}`);
    const parsed = value ? JSON.parse(value) : {{ items: [] }};
    for (const item of parsed.items) {{ if (item.ttl > 5 * 60 * 1000) item.stale = true; }}
    return new Response(JSON.stringify(parsed), {{ status: 200 }});
  }}
  return null;
}}
"""


def code(budget):
    """Ordinary code: many small exported functions, as a code base that grew around the flow."""
    out, size, i = [], 0, 0
    while True:
        h = HELPER.format(i=i)
        if size + len(h) > budget:
            return "".join(out)
        out.append(h)
        size += len(h)
        i += 1


# Each shape: budget in bytes → one statement (or a few) of about that size.
SHAPES = {
    "parens": lambda b: "export const deepParens = " + nested("(", "x", ")", b - 40) + ";\n",
    "arrays": lambda b: "export const deepArrays = " + nested("[", "", "]", b - 40) + ";\n",
    "objects": lambda b: "export const deepObjects = " + nested("{a:", "1", "}", b - 40) + ";\n",
    "calls": lambda b: "export const deepCalls = " + nested("f(", "x", ")", b - 40) + ";\n",
    "arrows": lambda b: "export const deepArrows = " + nested("() => ", "0", "", b - 40) + ";\n",
    "templates": lambda b: "export const deepTemplates = " + nested("`${", "x", "}`", b - 40) + ";\n",
    "members": lambda b: "export const deepMembers = a" + repeated("", ".a", "", b - 40) + ";\n",
    "ifs": lambda b: "export function deepIfs(x: any) {\n"
    + nested("if (x) {", "x();", "}", b - 60)
    + "\n}\n",
    "patterns": lambda b: "export const " + nested("{a:", "z", "}", b - 40) + " = x;\n",
    "unary": lambda b: "export const deepUnary = " + repeated("", "!", "x", b - 40) + ";\n",
    "ternaries": lambda b: "export const deepTernaries = " + repeated("", "x?x:", "x", b - 40) + ";\n",
    "assignments": lambda b: "export let deepAssignments = " + repeated("", "a=", "x", b - 40) + ";\n",
    "sequence": lambda b: "export const deepSequence = (" + repeated("", "x,", "x", b - 40) + ");\n",
    "elseifs": lambda b: "export function deepElseIfs(x: any) {\n"
    + repeated("if (x) {} else ", "if (x) {} else ", "{}", b - 60)
    + "\n}\n",
    "binary": lambda b: "export const deepBinary = 1" + repeated("", "+1", "", b - 40) + ";\n",
    "statements": lambda b: "export function flatStatements(x: any) {\n"
    + repeated("", "  x = x + 1;\n", "", b - 60)
    + "}\n",
    "code": lambda b: code(b),
    "string": lambda b: 'export const hugeString = "' + repeated("", "a", "", b - 40) + '";\n',
    "numbers": lambda b: "export const hugeNumbers = [" + repeated("", "1,", "", b - 40) + "];\n",
}
DEEP = ["parens", "arrays", "objects", "calls", "arrows", "templates", "members", "ifs", "binary",
        "patterns", "unary", "ternaries", "assignments", "sequence", "elseifs"]
FLAT = ["code", "statements", "string", "numbers"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("shape", choices=sorted(SHAPES))
    p.add_argument("mib", type=float)
    p.add_argument("out")
    p.add_argument("--role", choices=sorted(ROLE_PATHS), default="do")
    a = p.parse_args()
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    shutil.copytree(FIXTURE, a.out)
    path = os.path.join(a.out, ROLE_PATHS[a.role])
    with open(path, "r", encoding="utf-8") as f:
        original = f.read()
    # just under the size: the cap refuses a file over 8 MiB
    target = int(a.mib * (1 << 20)) - 4096
    budget = target - len(original.encode("utf-8")) - 1
    text = original + "\n" + SHAPES[a.shape](budget)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(path, len(text.encode("utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
