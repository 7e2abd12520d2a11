#!/usr/bin/env python3
"""Builds a synthetic git history of the bundled V1.5 fixture, for the history tests and benchmarks.

    bench/history/make_history.py [--commits N] [--seed S] OUT_DIR

writes OUT_DIR/repo (a git repository, branch main, checked out) and OUT_DIR/planted.json (what
every commit was expected to do to every check). Same arguments, same commit ids: names, e-mails
and dates are fixed and every choice comes from the seed.

The history evolves fixtures/v15-pass the way a code base grows:
  - docs, the README and unrelated source modules change often; some are renamed; docs
    branches are merged (their commits are off the first-parent line);
  - the flow's role files are absent in the first commits and arrive together;
  - role files grow: helpers, comments, routes, class methods (none of which touches the flow);
  - mutants from fixtures/mutants/*.json are applied and later reverted, sometimes two at a time;
  - a config entry disables a failing check for a while;
  - the Dockerfile switches from the heredoc copy of the agent to a COPY of the file;
  - the agent script and the jwt module move, with `.v15check.json` (and the imports) updated.

A mutant's expected FAILs are its `fail` list in the catalogue. Two mutants are active at once
only when they edit different files and fail disjoint checks; the expectation is then the union.
Mutants that delete a role file are not planted (a missing role file is "not yet present" in a
history, not a FAIL), and mutants written against the heredoc Dockerfile (those editing the agent
or the Dockerfile) only while the Dockerfile still has its heredoc and the agent its first path.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent.parent
FIXTURES = SOURCE / "fixtures"
PASS = FIXTURES / "v15-pass"

WORKER, DO, JWT, AGENT, DOCKERFILE = "worker", "do", "jwt", "agent", "dockerfile"
DEFAULT_PATHS = {
    WORKER: "src/index.ts",
    DO: "src/agents/chat-session-agent.ts",
    JWT: "src/utils/jwt.ts",
    AGENT: "src/sandbox-scripts/claude-agent.js",
    DOCKERFILE: "Dockerfile",
}
ROLE_OF_DEFAULT = {path: role for role, path in DEFAULT_PATHS.items()}
MOVED_AGENT = "sandbox/agent/claude-agent.js"
MOVED_JWT = "src/auth/jwt.ts"

AUTHORS = [
    ("Ada Brennan", "ada@vaporforge.dev"),
    ("Jonas Okafor", "jonas@vaporforge.dev"),
    ("Mei Lindqvist", "mei@vaporforge.dev"),
    ("Ravi Castellanos", "ravi@vaporforge.dev"),
    ("Tess Marchetti", "tess@vaporforge.dev"),
]
START_EPOCH = 1740992400  # 2025-03-03T09:00:00Z

# Where growth goes in each role file: inserted before this text (present once in the fixture).
WORKER_ROUTE_ANCHOR = "    if (url.pathname.startsWith('/api/')) {\n"
DO_METHOD_ANCHOR = "  /** Daily housekeeping: forget the SDK conversation of idle sessions. */\n"
AGENT_ANCHOR = "main().catch((err) => {\n"


class GenerationError(Exception):
    pass


def load_mutants():
    """Every mutant of fixtures/mutants/<id>.json, files sorted by name, with `fail` reduced to
    the list of failing IDs (the catalogue also pins where and what each one reports)."""
    mutants = []
    for path in sorted((FIXTURES / "mutants").glob("*.json")):
        if path.name == "classes.json":  # the class matrix, not a mutant file
            continue
        for m in json.loads(load_text(path))["mutants"]:
            mutants.append(m)
    return mutants


def load_text(path):
    return path.read_text(encoding="utf-8")


def load_tree(directory):
    files = {}
    for p in sorted(directory.rglob("*")):
        if p.is_file():
            files[p.relative_to(directory).as_posix()] = load_text(p)
    return files


def count(text, needle):
    return text.count(needle) if needle else 0


class Growth:
    """Unrelated code for the role files and the other modules: helpers, routes, methods."""

    def __init__(self, rng):
        self.rng = rng
        self.serial = 0

    def next_id(self):
        self.serial += 1
        return self.serial

    def ts_helper(self):
        n = self.next_id()
        kind = self.rng.randrange(4)
        if kind == 0:
            digits = self.rng.randrange(0, 3)
            return (f"formatSize{n}", f"""
/** Formats a byte count for log lines. */
export function formatSize{n}(bytes: number): string {{
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {{
    value /= 1024;
    unit += 1;
  }}
  return `${{value.toFixed({digits})}} ${{units[unit]}}`;
}}
""")
        if kind == 1:
            limit = self.rng.choice([16, 32, 48, 64, 80, 120])
            return (f"truncateLabel{n}", f"""
/** Shortens a label for the session list ({limit} characters at most). */
export function truncateLabel{n}(label: string): string {{
  const trimmed = label.replace(/\\s+/g, ' ').trim();
  return trimmed.length <= {limit} ? trimmed : `${{trimmed.slice(0, {limit - 1})}}…`;
}}
""")
        if kind == 2:
            base = self.rng.choice([250, 500, 1000, 2000])
            return (f"backoffDelay{n}", f"""
/** Exponential backoff with a cap, for retried background work. */
export function backoffDelay{n}(attempt: number): number {{
  const capped = Math.min(Math.max(attempt, 0), 6);
  return {base} * 2 ** capped;
}}
""")
        fields = self.rng.sample(["name", "projectId", "model", "mode", "createdAt", "title"], 3)
        body = "\n".join(f"    {f}: String(input.{f} ?? '')," for f in fields)
        return (f"pickFields{n}", f"""
/** Copies the listed display fields of a record, as strings. */
export function pickFields{n}(input: Record<string, unknown>): Record<string, string> {{
  return {{
{body}
  }};
}}
""")

    def worker_route(self):
        n = self.next_id()
        path = self.rng.choice(["status", "version", "limits", "features", "regions"])
        return (f"GET /api/{path}/{n}", f"""    if (request.method === 'GET' && url.pathname === '/api/{path}/{n}') {{
      return json({{ ok: true, item: '{path}-{n}' }});
    }}

""")

    def do_method(self):
        n = self.next_id()
        kind = self.rng.randrange(2)
        if kind == 0:
            low, high = self.rng.choice([(1, 10), (0, 100), (5, 50)])
            return (f"clampLimit{n}", f"""  /** Keeps a client-provided page size within bounds. */
  private clampLimit{n}(value: number): number {{
    if (!Number.isFinite(value)) return {low};
    return Math.min(Math.max(Math.trunc(value), {low}), {high});
  }}

""")
        return (f"describeAge{n}", f"""  /** Human-readable age of a timestamp, for diagnostics. */
  private describeAge{n}(then: number, now: number): string {{
    const minutes = Math.floor((now - then) / 60000);
    return minutes < 60 ? `${{minutes}} min` : `${{Math.floor(minutes / 60)}} h`;
  }}

""")

    def js_helper(self):
        n = self.next_id()
        width = self.rng.choice([40, 60, 72, 100])
        return (f"summarize{n}", f"""function summarize{n}(text) {{
  const flat = String(text).replace(/\\s+/g, ' ').trim();
  return flat.length > {width} ? flat.slice(0, {width}) + '...' : flat;
}}

""")

    def comment(self):
        n = self.next_id()
        note = self.rng.choice([
            "keep the order of these blocks stable; the dashboard relies on it",
            "see docs/operations.md for the rollout notes",
            "measured in production: this path is rarely hot",
            "review together with the session list pagination",
            "the limits below match the plan tiers",
        ])
        return f"// Note {n}: {note}.\n"


class History:
    def __init__(self, commits, seed):
        if commits < 20:
            raise GenerationError("--commits must be at least 20")
        self.total = commits
        self.rng = random.Random(seed)
        self.seed = seed
        self.growth = Growth(self.rng)
        catalogue = load_mutants()
        self.mutants = [m for m in catalogue if self.plantable(m)]
        self.check_ids = sorted({i for m in catalogue for i in m["fail"]})
        self.pass_tree = load_tree(PASS)
        self.copy_dockerfile = load_text(FIXTURES / "variants" / "dockerfile-copy" / "Dockerfile")
        self.files = {}  # path -> text, the tree at the current commit
        self.paths = dict(DEFAULT_PATHS)  # role -> path now
        self.config = {}  # the .v15check.json document ({} = no file)
        self.heredoc = True
        self.flow_present = False
        self.active = []  # {"mutant", "saved": {path: text or None}, "sha_index"}
        self.disabled = None  # the check ID disabled in the config, or None
        self.commits = []  # per commit: {"author", "epoch", "subject", "changes", "events"}
        self.states = []  # per commit: {id: state}
        self.docs = {}
        self.modules = {}
        self.role_blobs = set()  # git blob ids of every version of the four TS/JS role files

    @staticmethod
    def plantable(m):
        for e in m["edits"]:
            if e.get("delete") and e["file"] in ROLE_OF_DEFAULT:
                return False
        return True

    # -- the tree -----------------------------------------------------------------------------

    def write(self, changes, path, text):
        if self.files.get(path) != text:
            self.files[path] = text
            changes[path] = text

    def remove(self, changes, path):
        if path in self.files:
            del self.files[path]
            changes[path] = None

    def write_config(self, changes):
        text = json.dumps(self.config, indent=2) + "\n" if self.config else None
        if text is None:
            self.remove(changes, ".v15check.json")
        else:
            self.write(changes, ".v15check.json", text)

    def role_locked(self, *roles):
        """Whether an active mutant holds one of these roles' files (edits would not revert)."""
        held = {p for a in self.active for p in a["saved"]}
        return any(self.paths[r] in held for r in roles)

    # -- states -------------------------------------------------------------------------------

    def expected(self):
        if not self.flow_present:
            return {i: "ABSENT" for i in self.check_ids}
        failing = set()
        for a in self.active:
            failing |= set(a["mutant"]["fail"])
        if self.disabled:
            failing.discard(self.disabled)
        return {i: ("FAIL" if i in failing else "PASS") for i in self.check_ids}

    # -- commits ------------------------------------------------------------------------------

    def next_epoch(self, previous=None):
        if previous is None:
            previous = self.commits[-1]["epoch"] if self.commits else START_EPOCH
        return previous + self.rng.randrange(20 * 60, 20 * 3600)

    def commit(self, subject, changes, events=(), side=(), epoch=None):
        """A first-parent commit; `side` lists the commits of a branch it merges."""
        if not changes:
            raise GenerationError(f"empty commit: {subject}")
        epoch = epoch or self.next_epoch()
        author = self.rng.choice(AUTHORS)
        self.commits.append({"author": author, "epoch": epoch, "subject": subject,
                             "changes": dict(changes), "events": list(events),
                             "side": list(side)})
        self.states.append(self.expected())
        for role in (WORKER, DO, JWT, AGENT):
            text = changes.get(self.paths[role])
            if text is not None:
                data = text.encode()
                self.role_blobs.add(hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest())

    # -- unrelated files ----------------------------------------------------------------------

    def start(self):
        changes = {}
        for path, text in self.pass_tree.items():
            if path not in ROLE_OF_DEFAULT:
                self.write(changes, path, text)
        self.write(changes, "README.md", "# VaporForge\n\nBrowser IDE sessions backed by Claude.\n")
        self.commit("Start the VaporForge worker project", changes)
        self.docs = {"docs/operations.md": 0, "docs/sessions.md": 0, "docs/api.md": 0}
        self.modules = {"src/lib/format.ts": 0, "src/lib/ids.ts": 0}
        changes = {}
        for path in list(self.docs) + list(self.modules):
            self.write(changes, path, self.unrelated_text(path, ""))
        self.commit("Add operations, session and API notes, and the shared helpers", changes)

    def unrelated_text(self, path, old):
        if path.endswith(".md"):
            n = self.growth.next_id()
            topic = self.rng.choice(["deploys", "rate limits", "sessions", "billing", "backups",
                                     "incident review", "onboarding"])
            paragraphs = [p for p in old.split("\n\n") if p.strip()]
            if not paragraphs:
                paragraphs = [f"# {Path(path).stem.capitalize()}"]
            paragraphs.append(f"## {topic.capitalize()} ({n})\n\nNotes on {topic}, revision {n}: "
                              f"check the dashboard before and after, and record the outcome.")
            if len(paragraphs) > 30:
                del paragraphs[1]
            return "\n\n".join(paragraphs) + "\n"
        _, code = self.growth.ts_helper()
        blocks = [b for b in old.split("\n\n/** ") if b.strip()]
        text = old + code
        if len(blocks) > 25:  # drop the oldest helper: modules are edited, not only grown
            cut = old.find("\n/** ", 1)
            text = old[cut:] + code if cut > 0 else text
        return text

    def unrelated_edit(self):
        changes = {}
        pool = list(self.docs) + list(self.modules) + ["README.md"]
        picks = self.rng.sample(pool, self.rng.choice([1, 1, 1, 2]))
        for path in sorted(picks):
            if path == "README.md":
                n = self.growth.next_id()
                self.write(changes, path, self.files[path] + f"\n- Release note {n}.\n")
            else:
                self.write(changes, path, self.unrelated_text(path, self.files[path]))
        names = ", ".join(Path(p).name for p in sorted(picks))
        self.commit(f"Update {names}", changes)

    def topic_branch(self):
        """A branch of a few docs commits merged with a merge commit: off the first-parent line."""
        n = self.growth.next_id()
        side, merged = [], {}
        epoch = self.next_epoch()
        for _ in range(self.rng.choice([2, 3])):
            path = self.rng.choice(sorted(self.docs))
            changes = {}
            self.write(changes, path, self.unrelated_text(path, self.files[path]))
            side.append({"author": self.rng.choice(AUTHORS), "epoch": epoch,
                         "subject": f"Docs: revise {Path(path).name}", "changes": changes})
            merged.update(changes)
            epoch = self.next_epoch(epoch)
        self.commit(f"Merge branch 'docs-{n}'", merged, [{"kind": "merge", "branch": f"docs-{n}"}],
                    side=side, epoch=epoch)
        return True

    def unrelated_rename(self):
        changes = {}
        table = self.docs if self.rng.random() < 0.5 else self.modules
        old = self.rng.choice(sorted(table))
        stem = Path(old).stem.split("-")[0]
        folder = "docs/guide" if old.endswith(".md") else "src/shared"
        new = f"{folder}/{stem}-{self.growth.next_id()}{Path(old).suffix}"
        self.write(changes, new, self.files[old])
        self.remove(changes, old)
        del table[old]
        table[new] = 0
        self.commit(f"Move {old} to {new}", changes)

    # -- the flow -----------------------------------------------------------------------------

    def flow_arrives(self):
        changes = {}
        for role, path in DEFAULT_PATHS.items():
            self.write(changes, path, self.pass_tree[path])
        self.flow_present = True
        self.commit("Add the V1.5 HTTP streaming flow", changes, [{"kind": "flow"}])

    def insert_before(self, changes, path, anchor, text):
        body = self.files[path]
        if count(body, anchor) != 1:
            raise GenerationError(f"growth anchor not unique in {path}: {anchor!r}")
        self.write(changes, path, body.replace(anchor, text + anchor))

    def grow(self):
        choices = [r for r in (WORKER, DO, JWT, AGENT) if not self.role_locked(r)]
        if AGENT in choices and self.heredoc and self.role_locked(DOCKERFILE):
            choices.remove(AGENT)
        if not choices:
            return False
        role = self.rng.choice(choices)
        path = self.paths[role]
        changes = {}
        what = self.rng.randrange(3)
        if role == WORKER and what == 0:
            name, code = self.growth.worker_route()
            self.insert_before(changes, path, WORKER_ROUTE_ANCHOR, code)
            subject = f"Worker: add the {name} route"
        elif role == DO and what == 0:
            name, code = self.growth.do_method()
            self.insert_before(changes, path, DO_METHOD_ANCHOR, code)
            subject = f"ChatSessionAgent: add {name}"
        elif role == AGENT:
            if what == 0:
                code = self.growth.comment()
                subject = "Agent: note on the main loop"
            else:
                name, code = self.growth.js_helper()
                subject = f"Agent: add {name}"
            self.insert_before(changes, path, AGENT_ANCHOR, code)
            if self.heredoc:  # the image embeds the agent: a real change keeps it in sync
                self.insert_before(changes, self.paths[DOCKERFILE], AGENT_ANCHOR, code)
        elif what == 1:
            code = self.growth.comment()
            self.write(changes, path, self.files[path] + "\n" + code)
            subject = f"{Path(path).name}: add a maintenance note"
        else:
            name, code = self.growth.ts_helper()
            self.write(changes, path, self.files[path] + code)
            subject = f"{Path(path).name}: add {name}"
        self.commit(subject, changes)
        return True

    # -- mutants ------------------------------------------------------------------------------

    def mutant_paths(self, m):
        """The repository paths a mutant's edits touch now, or None when it cannot be planted."""
        out = []
        for e in m["edits"]:
            role = ROLE_OF_DEFAULT.get(e["file"])
            first_image = self.heredoc and self.paths[AGENT] == DEFAULT_PATHS[AGENT]
            if role in (AGENT, DOCKERFILE) and not first_image:
                return None
            if "from" in e and (self.paths != DEFAULT_PATHS or not self.heredoc):
                return None  # a whole file written against the first layout
            out.append(self.paths[role] if role else e["file"])
        return out

    def try_apply(self, m, paths):
        trial = {p: self.files.get(p) for p in set(paths)}
        for e, path in zip(m["edits"], paths):
            if e.get("delete"):
                if trial[path] is None:
                    return None
                trial[path] = None
            elif "from" in e:
                trial[path] = load_text(FIXTURES / e["from"])
            else:
                if trial[path] is None or count(trial[path], e["find"]) != 1:
                    return None
                trial[path] = trial[path].replace(e["find"], e["replace"])
        return trial

    def apply_mutant(self):
        held = {p for a in self.active for p in a["saved"]}
        failing = {i for a in self.active for i in a["mutant"]["fail"]}
        names = {a["mutant"]["name"] for a in self.active}
        candidates = list(range(len(self.mutants)))
        self.rng.shuffle(candidates)
        for k in candidates:
            m = self.mutants[k]
            if m["name"] in names or failing & set(m["fail"]) or self.disabled in m["fail"]:
                continue
            paths = self.mutant_paths(m)
            if paths is None or held & set(paths):
                continue
            touched = set(paths)
            trial = self.try_apply(m, paths)
            if trial is None:
                continue
            saved = {p: self.files.get(p) for p in touched}
            changes = {}
            for p, text in trial.items():
                if text is None:
                    self.remove(changes, p)
                else:
                    self.write(changes, p, text)
            if not changes:
                continue
            self.active.append({"mutant": m, "saved": saved})
            self.commit(m["description"][0].upper() + m["description"][1:], changes,
                        [{"kind": "apply", "mutant": m["name"], "fail": sorted(m["fail"])}])
            return True
        return False

    def revert_mutant(self):
        if not self.active:
            return False
        a = self.active.pop(self.rng.randrange(len(self.active)))
        changes = {}
        for p, text in a["saved"].items():
            if text is None:
                self.remove(changes, p)
            else:
                self.write(changes, p, text)
        m = a["mutant"]
        events = [{"kind": "revert", "mutant": m["name"], "fail": sorted(m["fail"])}]
        if self.disabled in a["mutant"]["fail"]:  # the reason for the entry goes with the fix
            self.config.pop("disable", None)
            self.disabled = None
            self.write_config(changes)
            events.append({"kind": "enable"})
        self.commit(f"Revert \"{a['mutant']['description']}\"", changes, events)
        return True

    def disable_check(self):
        if self.disabled or not self.active:
            return False
        a = self.rng.choice(self.active)
        check = self.rng.choice(sorted(a["mutant"]["fail"]))
        self.config["disable"] = [{"id": check, "reason": "known issue, fix scheduled"}]
        self.disabled = check
        changes = {}
        self.write_config(changes)
        self.commit(f"Disable {check} until the fix lands", changes,
                    [{"kind": "disable", "id": check}])
        return True

    # -- layout changes -----------------------------------------------------------------------

    def switch_to_copy(self):
        if self.role_locked(AGENT, DOCKERFILE):
            return False
        changes = {}
        self.write(changes, self.paths[DOCKERFILE], self.copy_dockerfile)
        self.heredoc = False
        self.commit("Dockerfile: COPY the agent script instead of embedding it", changes,
                    [{"kind": "dockerfile-copy"}])
        return True

    def move_agent(self):
        if self.heredoc or self.role_locked(AGENT, DOCKERFILE):
            return False
        old = self.paths[AGENT]
        changes = {}
        self.write(changes, MOVED_AGENT, self.files[old])
        self.remove(changes, old)
        docker = self.files[self.paths[DOCKERFILE]]
        if count(docker, f"COPY {old} ") != 1:
            raise GenerationError("the COPY of the agent is not found in the Dockerfile")
        docker = docker.replace(f"COPY {old} ", f"COPY {MOVED_AGENT} ")
        self.write(changes, self.paths[DOCKERFILE], docker)
        self.paths[AGENT] = MOVED_AGENT
        self.config.setdefault("roles", {})["agent"] = MOVED_AGENT
        self.write_config(changes)
        self.commit(f"Move the agent script to {MOVED_AGENT}", changes,
                    [{"kind": "move", "role": AGENT, "from": old, "to": MOVED_AGENT}])
        return True

    def move_jwt(self):
        if self.role_locked(WORKER, DO, JWT):
            return False
        old = self.paths[JWT]
        imports = {WORKER: ("'./utils/jwt'", "'./auth/jwt'"),
                   DO: ("'../utils/jwt'", "'../auth/jwt'")}
        changes = {}
        for role, (before, after) in imports.items():
            text = self.files[self.paths[role]]
            if count(text, before) != 1:
                raise GenerationError(f"the jwt import is not found in {self.paths[role]}")
            self.write(changes, self.paths[role], text.replace(before, after))
        self.write(changes, MOVED_JWT, self.files[old])
        self.remove(changes, old)
        self.paths[JWT] = MOVED_JWT
        self.config.setdefault("roles", {})["jwt"] = MOVED_JWT
        self.write_config(changes)
        self.commit(f"Move the JWT helpers to {MOVED_JWT}", changes,
                    [{"kind": "move", "role": JWT, "from": old, "to": MOVED_JWT}])
        return True

    # -- the timeline -------------------------------------------------------------------------

    def build(self):
        n = self.total
        self.start()
        arrive = max(4, n * 3 // 100)
        # (due at commit, the change, what unblocks it): a layout change waits for the mutants
        # holding its files to be reverted; disabling a check needs a failing one
        milestones = [(n * 15 // 100, self.topic_branch, None),
                      (n * 25 // 100, self.disable_check, self.apply_mutant),
                      (n * 40 // 100, self.switch_to_copy, self.revert_mutant),
                      (n * 55 // 100, self.move_agent, self.revert_mutant),
                      (n * 70 // 100, self.move_jwt, self.revert_mutant)]
        # the last stretch keeps what it plants, so HEAD has FAILs to blame
        keep_from = n - max(10, n * 5 // 100)
        while len(self.commits) < n:
            i = len(self.commits)
            if not self.flow_present:
                if i >= arrive:
                    self.flow_arrives()
                else:
                    self.unrelated_edit()
                continue
            if milestones and i >= milestones[0][0]:
                _, change, unblock = milestones[0]
                if change():
                    milestones.pop(0)
                    continue
                if unblock and unblock():
                    continue
            r = self.rng.random()
            done = False
            if i >= keep_from:
                if r < 0.15 and len(self.active) < 2:
                    done = self.apply_mutant()
            elif r < 0.09:
                done = len(self.active) < 2 and self.apply_mutant()
            elif r < 0.18:
                done = self.revert_mutant() if self.active else False
            elif r < 0.19:
                done = self.disable_check()
            elif r < 0.36:
                done = self.grow()
            elif r < 0.38:
                self.unrelated_rename()
                done = True
            elif r < 0.39:
                done = self.topic_branch()
            if not done:
                self.unrelated_edit()
        if milestones:
            raise GenerationError("too few commits for the layout changes; use more --commits")

    # -- output -------------------------------------------------------------------------------

    def fast_import_stream(self):
        out = bytearray()

        def data(b):
            out.extend(b"data %d\n" % len(b))
            out.extend(b)
            out.extend(b"\n")

        def emit(ref, mark, c, parents):
            name, email = c["author"]
            who = f"{name} <{email}> {c['epoch']} +0000".encode()
            out.extend(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
            out.extend(b"author " + who + b"\ncommitter " + who + b"\n")
            data((c["subject"] + "\n").encode())
            for keyword, parent in parents:
                out.extend(b"%s :%d\n" % (keyword, parent))
            for path in sorted(c["changes"]):
                text = c["changes"][path]
                if text is None:
                    out.extend(b"D " + path.encode() + b"\n")
                else:
                    out.extend(b"M 100644 inline " + path.encode() + b"\n")
                    data(text.encode())
            out.extend(b"\n")

        side_mark = len(self.commits)  # side commits are marked after the first-parent ones
        for mark, c in enumerate(self.commits, start=1):
            parents = []
            for j, s in enumerate(c["side"]):
                side_mark += 1
                s["mark"] = side_mark
                ref = f"refs/heads/{c['events'][0]['branch']}"
                emit(ref, side_mark, s, [(b"from", side_mark - 1 if j else mark - 1)])
            if c["side"]:
                parents = [(b"from", mark - 1), (b"merge", side_mark)]
            emit("refs/heads/main", mark, c, parents)
        out.extend(b"done\n")
        return bytes(out)



def git(args, cwd, **kw):
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    return subprocess.run(["git"] + args, cwd=cwd, env=env, check=True, **kw)


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat()


def manifest(h, shas, by_mark):
    flips = []
    for k in range(1, len(h.commits)):
        before, after = h.states[k - 1], h.states[k]
        for i in h.check_ids:
            if before[i] != after[i]:
                flips.append({"sha": shas[k], "index": k, "id": i,
                              "from": before[i], "to": after[i]})
    final = h.states[-1]
    blame = []
    for i in h.check_ids:
        if final[i] != "FAIL":
            continue
        k = len(h.states) - 1
        while k > 0 and h.states[k - 1][i] == "FAIL":
            k -= 1
        blame.append({"id": i, "sha": shas[k], "index": k,
                      "from": h.states[k - 1][i] if k > 0 else None})
    commits = []
    for k, c in enumerate(h.commits):
        entry = {"sha": shas[k], "date": iso(c["epoch"]), "author": c["author"][0],
                 "subject": c["subject"], "events": c["events"]}
        if c["side"]:
            entry["merged"] = [by_mark[s["mark"]] for s in c["side"]]
        if c["events"]:  # the combined expectation when planted edits overlap
            entry["failing"] = sorted(i for i, s in h.states[k].items() if s == "FAIL")
        commits.append(entry)
    return {
        "version": 1,
        "seed": h.seed,
        "check_ids": h.check_ids,
        "role_versions": len(h.role_blobs),
        "commits": commits,
        "initial": h.states[0],
        "flips": flips,
        "final": final,
        "blame": blame,
        "role_paths": {r: h.paths[r] for r in DEFAULT_PATHS},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output directory (repo/ and planted.json are written there)")
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--force", action="store_true", help="replace an existing OUT/repo")
    args = ap.parse_args()

    out = Path(args.out)
    repo = out / "repo"
    if repo.exists():
        if not args.force:
            print(f"make_history.py: {repo} exists (use --force to replace it)", file=sys.stderr)
            return 2
        shutil.rmtree(repo)
    try:
        h = History(args.commits, args.seed)
        h.build()
    except GenerationError as e:
        print(f"make_history.py: {e}", file=sys.stderr)
        return 2
    repo.mkdir(parents=True)
    git(["init", "-q", "-b", "main"], repo)
    marks = out / "marks.txt"
    git(["fast-import", "--quiet", "--done", f"--export-marks={marks}"], repo,
        input=h.fast_import_stream())
    by_mark = {}
    for line in load_text(marks).splitlines():
        mark, sha = line.split()
        by_mark[int(mark[1:])] = sha
    marks.unlink()
    shas = [by_mark[k] for k in range(1, len(h.commits) + 1)]
    git(["reset", "-q", "--hard", "main"], repo)
    text = json.dumps(manifest(h, shas, by_mark), indent=1) + "\n"
    (out / "planted.json").write_text(text, encoding="utf-8")
    print(f"{len(shas)} commits, HEAD {shas[-1]}, {repo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
