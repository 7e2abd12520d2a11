#!/usr/bin/env python3
"""Runs v15check on every scaling shape (generate.py) at two sizes and reports how its CPU time
grows: the exponent k of time ~ size^k between the two sizes, and the time against the
parse-only baseline at the larger size.

  run.py BUILD_DIR [--shapes S ...] [--factor F] [--repeat R] [--max-exponent E] [--check]
         [--retries N]

CPU time is user + system of the child process, the best of R runs. The base sizes make the
smaller run several times the fixture's own time, so start-up does not hide the growth. With
--check it exits 1 when a shape's exponent is above --max-exponent (default 1.3), or a run ends
in a tool error, a crash or the timeout. A shape above the limit is measured again up to
--retries times and fails only if every measurement is above it: a machine busy with other work
can slow one run down, but a superlinear shape is above the limit every time."""
import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402

# The smaller size of each shape: large enough that its added work is well above start-up.
BASE = {
    "template-chain": 8000,
    "agent-helpers": 1500,
    "nested-ifs": 4000,
    "flow-helpers": 400,
    "this-methods": 10000,
    "env-reads": 5000,
    "deep-parens": 40000,
    "deep-arrays": 40000,
    "deep-arrows": 20000,
    "deep-templates": 20000,
    "deep-objects": 20000,
    "deep-calls": 20000,
    "deep-ifs": 5000,
    "deep-switch": 40000,
    "deep-lets": 20000,
    "deep-members": 80000,
    "deep-const-cycles": 20000,
    "deep-recursive": 4000,
    "deep-mutual": 4000,
}
ROLE_FILES = [generate.WORKER, generate.DO, "src/utils/jwt.ts", generate.AGENT]


def cpu_of(argv, timeout):
    """CPU seconds (user + system) of one run of argv, and its exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=timeout, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, proc.returncode


def best_cpu(argv, repeat, timeout):
    runs = [cpu_of(argv, timeout) for _ in range(repeat)]
    statuses = {status for _, status in runs}
    return min(cpu for cpu, _ in runs), statuses


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("build")
    p.add_argument("--shapes", nargs="*", default=list(BASE))
    p.add_argument("--factor", type=int, default=4, help="the larger size is FACTOR x the smaller")
    p.add_argument("--scale", type=float, default=1.0, help="multiplies every base size")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--max-exponent", type=float, default=1.3)
    p.add_argument("--check", action="store_true")
    p.add_argument("--retries", type=int, default=0)
    a = p.parse_args()
    v15check = os.path.join(a.build, "v15check")
    parse_only = os.path.join(a.build, "bench", "v15check_parse")
    have_parse = os.access(parse_only, os.X_OK)
    unknown = [s for s in a.shapes if s not in BASE]
    if unknown:
        p.error(f"unknown shapes: {' '.join(unknown)} (see generate.py --list)")

    failed = []
    with tempfile.TemporaryDirectory() as work:
        floor, _ = best_cpu([v15check, generate.FIXTURE], a.repeat, a.timeout)
        print(f"fixture: {floor * 1000:.1f} ms CPU")
        print(f"{'shape':<18} {'bytes':>9} {'small ms':>9} {'large ms':>9} {'exponent':>8}"
              f" {'parse ms':>9} {'x parse':>7}")
        for shape in a.shapes:
            n = max(1, int(BASE[shape] * a.scale))
            for attempt in range(a.retries + 1):
                sizes, times, statuses = [], [], set()
                for size in (n, n * a.factor):
                    out = os.path.join(work, f"{shape}-{size}")
                    total = generate.write(shape, size, out)
                    try:
                        cpu, status = best_cpu([v15check, out], a.repeat, a.timeout)
                    except subprocess.TimeoutExpired:
                        cpu, status = float("inf"), {"timeout"}
                    sizes.append(total)
                    times.append(cpu)
                    statuses |= status
                exponent = (math.log(times[1] / max(times[0], 1e-4)) /
                            math.log(sizes[1] / sizes[0]))
                if exponent <= a.max_exponent or statuses - {0, 1}:
                    break
            parse_ms, ratio = "-", "-"
            if have_parse:
                files = [os.path.join(out, f) for f in ROLE_FILES]
                pcpu, _ = best_cpu([parse_only, *files], a.repeat, a.timeout)
                parse_ms, ratio = f"{pcpu * 1000:.1f}", f"{times[1] / max(pcpu, 1e-4):.2f}"
            bad = exponent > a.max_exponent or statuses - {0, 1}
            if bad:
                failed.append(shape)
            print(f"{shape:<18} {sizes[1]:>9} {times[0] * 1000:>9.1f} {times[1] * 1000:>9.1f}"
                  f" {exponent:>8.2f} {parse_ms:>9} {ratio:>7}"
                  + ("  <- exit " + ",".join(map(str, sorted(statuses, key=str)))
                     if statuses - {0, 1} else "")
                  + ("  <- above the limit" if exponent > a.max_exponent else ""))
    if failed:
        print(f"run.py: {len(failed)} shape(s) above an exponent of {a.max_exponent} or not"
              f" checked: {' '.join(failed)}")
        return 1 if a.check else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
