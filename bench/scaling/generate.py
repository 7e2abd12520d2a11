#!/usr/bin/env python3
"""Writes a copy of fixtures/v15-pass with one scaling shape of size N woven into the flow, for
measuring how the analysis grows with input size.

  generate.py SHAPE N OUT_DIR
  generate.py --list

Flow shapes put N of something where the checks look: consts folded into the startProcess
command, helpers the agent passes `emit` through, nested `if`s in the Worker's router, helpers
called from the DO's flow method, methods calling `this.x()`, guarded `process.env` reads.
Deep shapes nest one construct N levels deep inside a flow function (parentheses, arrays, arrow
functions, templates, objects, calls, `if`s, `switch` cases, `let` reassignments, member chains,
`const` cycles, recursive and mutually recursive helpers)."""
import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures", "v15-pass"))
WORKER = "src/index.ts"
DO = "src/agents/chat-session-agent.ts"
AGENT = "src/sandbox-scripts/claude-agent.js"

# Anchors in the fixture the shapes are woven in at.
DO_METHODS = "  async alarm(): Promise<void> {"
DO_FLOW = "  private async handleChatHttp(request: Request): Promise<Response> {\n"
DO_COMMAND = "await sandbox.startProcess('node /opt/claude-agent/claude-agent.js', {"
AGENT_FUNCTIONS = "async function runAgent(prompt, emit, abortController) {"
AGENT_FLOW = "  const options = buildQueryOptions(abortController);\n"
WORKER_ROUTER = "    const url = new URL(request.url);\n"


def template_chain(n):
    """n consts, each interpolating the one before six times, the last in the command."""
    consts = ["const T0 = `x`;"]
    for i in range(1, n + 1):
        consts.append(f"const T{i} = `" + f"${{T{i - 1}}}" * 6 + "`;")
    return {
        DO: [("prepend", "\n".join(consts) + "\n"),
             ("replace", DO_COMMAND,
              f"await sandbox.startProcess(`node /opt/claude-agent/claude-agent.js ${{T{n}}}`, {{")]
    }


def agent_helpers(n):
    """Three levels of helpers that pass `emit` on, each called n times."""
    def body(callee):
        return "".join(f"  {callee}(out, value + {i});\n" for i in range(n))
    fns = ("function relayC(out, value) {\n  out({ type: 'status', status: String(value) });\n}\n"
           "function relayB(out, value) {\n" + body("relayC") + "}\n"
           "function relayA(out, value) {\n" + body("relayB") + "}\n")
    calls = "".join(f"  if (prompt === 'relay{i}') relayA(emit, {i});\n" for i in range(n))
    return {AGENT: [("before", AGENT_FUNCTIONS, fns), ("after", AGENT_FLOW, calls)]}


def nested_ifs(n):
    """n nested `if`s in the Worker's router, the innermost answering."""
    opens = "".join(f"    if (url.searchParams.get('k{i}') !== null) {{\n" for i in range(n))
    return {WORKER: [("after", WORKER_ROUTER,
                      opens + "    return new Response('deep', { status: 200 });\n" +
                      "    }\n" * n)]}


def flow_helpers(n):
    """n helpers, each called from the DO's flow method."""
    methods = "".join(f"  private noteStep{i}(id: string): string {{\n"
                      f"    return `step{i}:${{id}}`;\n  }}\n" for i in range(n))
    calls = "".join(f"    const note{i} = this.noteStep{i}(String({i}));\n" for i in range(n))
    return {DO: [("before", DO_METHODS, methods), ("after", DO_FLOW, calls)]}


def this_methods(n):
    """n methods that each call the one before through `this`."""
    methods = "  private chain0(): number {\n    return 0;\n  }\n" + "".join(
        f"  private chain{i}(): number {{\n    return this.chain{i - 1}() + 1;\n  }}\n"
        for i in range(1, n))
    return {DO: [("before", DO_METHODS, methods)]}


def env_reads(n):
    """n guarded `process.env` reads in the agent."""
    reads = "".join(f"const extra{i} = process.env.VF_EXTRA_{i} ? process.env.VF_EXTRA_{i} : '';\n"
                    for i in range(n))
    return {AGENT: [("before", AGENT_FUNCTIONS, reads)]}


def in_flow(statements):
    return {DO: [("after", DO_FLOW, statements)]}


def nested(open_, leaf, close, n):
    return open_ * n + leaf + close * n


DEEP = {
    "parens": lambda n: in_flow("    const deepParens = " + nested("(", "1", ")", n) + ";\n"),
    "arrays": lambda n: in_flow("    const deepArrays = " + nested("[", "1", "]", n) + ";\n"),
    "arrows": lambda n: in_flow("    const deepArrows = " + nested("() => ", "1", "", n) + ";\n"),
    "templates": lambda n: in_flow("    const deepTemplates = " + nested("`${", "1", "}`", n) + ";\n"),
    "objects": lambda n: in_flow("    const deepObjects = " + nested("{ a: ", "1", " }", n) + ";\n"),
    "calls": lambda n: in_flow("    const deepCalls = " + nested("String(", "1", ")", n) + ";\n"),
    "ifs": lambda n: in_flow(nested("    if (request.headers.has('x')) {\n", "", "    }\n", n)),
    "switch": lambda n: in_flow("    switch (request.method) {\n" + "".join(
        f"      case 'M{i}':\n" for i in range(n)) + "        break;\n    }\n"),
    "lets": lambda n: in_flow("    let reassigned = 'a';\n" + "".join(
        f"    reassigned = reassigned + '{i}';\n" for i in range(n))),
    "members": lambda n: in_flow("    const deepMembers = request" + ".headers" * n + ";\n"),
    "const-cycles": lambda n: {DO: [("prepend", "".join(
        f"const CYCLE{i} = CYCLE{(i + 1) % n};\n" for i in range(n)))]},
    "recursive": lambda n: {DO: [("before", DO_METHODS, "".join(
        f"  private recurse{i}(k: number): number {{\n"
        f"    return k > 0 ? this.recurse{i}(k - 1) : {i};\n  }}\n" for i in range(n)))]},
    "mutual": lambda n: {DO: [("before", DO_METHODS, "".join(
        f"  private mutual{i}(k: number): number {{\n"
        f"    return k > 0 ? this.mutual{(i + 1) % n}(k - 1) : {i};\n  }}\n" for i in range(n)))]},
}

SHAPES = {
    "template-chain": template_chain,
    "agent-helpers": agent_helpers,
    "nested-ifs": nested_ifs,
    "flow-helpers": flow_helpers,
    "this-methods": this_methods,
    "env-reads": env_reads,
    **{f"deep-{k}": v for k, v in DEEP.items()},
}


def apply(text, edit):
    how = edit[0]
    if how == "prepend":
        return edit[1] + text
    anchor = edit[1]
    if anchor not in text:
        raise SystemExit(f"generate.py: the fixture no longer has the anchor {anchor!r}")
    if how == "before":
        return text.replace(anchor, edit[2] + anchor, 1)
    if how == "after":
        return text.replace(anchor, anchor + edit[2], 1)
    return text.replace(anchor, edit[2], 1)  # replace


def write(shape, n, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(FIXTURE, out)
    total = 0
    for role, edits in SHAPES[shape](n).items():
        # The image carries the agent in a heredoc that must stay equal to the agent file.
        for target in (role, "Dockerfile") if role == AGENT else (role,):
            path = os.path.join(out, target)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for edit in edits:
                text = apply(text, edit)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    for role in (WORKER, DO, AGENT, "src/utils/jwt.ts"):
        total += os.path.getsize(os.path.join(out, role))
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--list", action="store_true", help="print the shapes and exit")
    p.add_argument("shape", nargs="?", choices=sorted(SHAPES))
    p.add_argument("n", nargs="?", type=int)
    p.add_argument("out", nargs="?")
    a = p.parse_args()
    if a.list:
        print("\n".join(SHAPES))
        return 0
    if a.shape is None or a.n is None or a.out is None:
        p.error("SHAPE N OUT_DIR are needed")
    print(a.out, write(a.shape, a.n, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
