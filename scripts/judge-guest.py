#!/usr/bin/env python3
"""Judge one credo guest run on the host.

Reads the three serial logs a guest wrote (console, success marker, test output), counts every
KUnit case (through the kernel's own kunit.py parse) and every kselftest case, scans the console
for splats, and writes result.txt as "passed failed skipped" for check.sh to sum.
Exit status 0 only when every case passed, nothing was skipped silently, the marker is present
and the console is clean.
"""
import argparse
import os
import re
import subprocess
import sys

SPLAT = re.compile(
    r"BUG:|WARNING:|Call Trace:|kernel BUG at|Kernel panic|Oops:|general protection fault|"
    r"possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|"
    r"INFO: task .* blocked|unreferenced object 0x|UBSAN:|KFENCE:|"
    r"hung_task|soft lockup|rcu_.*stall"
)
KSFT_RESULT = re.compile(r"^(not ok|ok) \d+\b(.*)$")
CASE_LINES = 12  # of a failing case's output, in failures.txt


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().replace("\r", "")
    except FileNotFoundError:
        return ""


def kunit_counts(text, kunit_py, workdir):
    """Split the debugfs results into KTAP documents and parse each with kunit.py."""
    docs, cur = [], []
    for line in text.splitlines():
        if line.startswith("KTAP version") and cur:
            docs.append(cur)
            cur = []
        cur.append(line)
    if cur:
        docs.append(cur)
    docs = [d for d in docs if any(l.startswith("KTAP version") for l in d)]
    passed = failed = skipped = 0
    problems = []
    for i, doc in enumerate(docs):
        path = os.path.join(workdir, "kunit-%d.ktap" % i)
        with open(path, "w") as f:
            f.write("\n".join(doc) + "\n")
        proc = subprocess.run(
            [sys.executable, kunit_py, "parse", path],
            capture_output=True, text=True,
        )
        out = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
        with open(path + ".parsed", "w") as f:
            f.write(out)
        m = re.search(r"Ran (\d+) tests?: (.*)", out)
        if not m:
            problems.append("kunit.py could not parse %s" % path)
            failed += 1
            continue
        fields = dict(
            (k.strip(), int(v)) for k, v in re.findall(r"(\w+): (\d+)", m.group(2))
        )
        p = fields.get("passed", 0)
        s = fields.get("skipped", 0)
        fl = int(m.group(1)) - p - s
        passed, skipped, failed = passed + p, skipped + s, failed + fl
        if proc.returncode != 0 and fl == 0:
            failed += 1
            problems.append("kunit.py parse exited %d on %s" % (proc.returncode, path))
        for line in out.splitlines():
            if "FAILED" in line or "CRASHED" in line or "ERROR" in line:
                problems.append("kunit: " + line.strip())
    return passed, failed, skipped, len(docs), problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--kunit-py", required=True)
    ap.add_argument("--kunit", type=int, default=0)
    ap.add_argument("--qemu-rc", type=int, default=0)
    ap.add_argument("--tests", default="", help="the test programs the guest was asked to run")
    ap.add_argument("--demos", default="", help="the demonstrations the guest was asked to run")
    a = ap.parse_args()

    console = read(os.path.join(a.dir, "console.log"))
    results = read(os.path.join(a.dir, "results.log"))
    success = "CREDO-SUCCESS" in read(os.path.join(a.dir, "success.log"))
    problems = []
    failing = []  # one line per failing case, for check.sh's closing summary
    passed = failed = skipped = 0

    if a.kunit:
        m = re.search(r"CREDO-KUNIT-BEGIN\n(.*?)CREDO-KUNIT-END", results, re.S)
        if not m:
            problems.append("no KUnit results in the guest output")
            failed += 1
        else:
            p, f, s, n, probs = kunit_counts(m.group(1), a.kunit_py, a.dir)
            problems += probs
            if n == 0:
                problems.append("no KUnit suite reported results")
                failed += 1
            print("  kunit: %d suites, %d passed, %d failed, %d skipped" % (n, p, f, s))
            passed, failed, skipped = passed + p, failed + f, skipped + s

    blocks = re.findall(
        r"CREDO-TEST-BEGIN (\S+) (\S+)\n(.*?)CREDO-TEST-END \1 \2 rc=(\d+)", results, re.S
    )
    started = re.findall(r"CREDO-TEST-BEGIN (\S+) (\S+)", results)
    if len(started) != len(blocks):
        problems.append("a test program never finished (guest died or hung)")
        failed += 1
    expected = set(a.tests.split())
    ran = set(prog for prog, _, _, _ in blocks)
    if expected - ran:
        problems.append("test programs that never ran: " + " ".join(sorted(expected - ran)))
        failed += 1
    for prog, mode, body, rc in blocks:
        p = f = s = 0
        case = []  # the "#" lines of the case running now: its failed checks and logs
        for line in body.splitlines():
            m = KSFT_RESULT.match(line)
            if not m:
                if line.lstrip().startswith("#"):
                    case.append(line.strip())
                continue
            if m.group(1) == "not ok":
                f += 1
                failing.append("%s as %s: %s" % (prog, mode, line.strip()))
                failing += ["      " + l for l in case[-CASE_LINES:]]
            elif re.search(r"#\s*SKIP", m.group(2)):
                s += 1
            else:
                p += 1
            case = []
        silent = None
        if int(rc) != 0 and f == 0:
            f += 1
            silent = "%s as %s exited %s without a failing case" % (prog, mode, rc)
        elif p + f + s == 0:
            f += 1
            silent = "%s as %s reported no case (exit %s)" % (prog, mode, rc)
        if silent:
            # No case names the cause: CI's tail gets the program's last lines instead.
            tail = [l.rstrip() for l in body.splitlines() if l.strip()][-CASE_LINES:]
            failing.append(silent + ("; its last lines:" if tail else "; it printed nothing"))
            failing += ["      " + l for l in tail]
        if f:
            problems.append("%s as %s: %d failed; its output:\n%s" % (
                prog, mode, f, "\n".join("      " + l for l in body.splitlines()[-80:])))
        print("  kselftest %-28s as %-4s: %d passed, %d failed, %d skipped" % (prog, mode, p, f, s))
        passed, failed, skipped = passed + p, failed + f, skipped + s

    demos = dict(re.findall(r"CREDO-DEMO-BEGIN (\S+)\n(.*?)CREDO-DEMO-END \S+ rc=\d+", results, re.S))
    demo_rc = dict(re.findall(r"CREDO-DEMO-END (\S+) rc=(\d+)", results))
    for d in a.demos.split():
        if d not in demos:
            problems.append("demo %s never finished" % d)
            failed += 1
            continue
        print("  demo %s:\n%s" % (d, "\n".join("    " + l for l in demos[d].splitlines())))
        if demo_rc.get(d) == "0":
            passed += 1
        else:
            failed += 1
            problems.append("demo %s exited %s" % (d, demo_rc.get(d)))

    splats = [l for l in console.splitlines() if SPLAT.search(l)]
    if splats:
        problems.append("kernel splat on the console:\n" + "\n".join("      " + l for l in splats[:40]))
    for line in results.splitlines():
        if line.startswith("# credo-guest: FAIL"):
            problems.append(line[2:])
    if not success:
        problems.append("no success marker on ttyS1")
    if a.qemu_rc not in (0,):
        problems.append("qemu exited %d" % a.qemu_rc)

    ok = not problems and failed == 0
    for p in problems:
        print("  problem: " + p)
    if not ok and splats:
        print("  console tail:")
        print("\n".join("      " + l for l in console.splitlines()[-60:]))
    # The failing cases by name, and every other problem by its first line (a failing
    # program's output is already in the guest's log): what CI's tail shows.
    with open(os.path.join(a.dir, "failures.txt"), "w") as f:
        if not ok:
            other = [p.splitlines()[0] for p in problems if "failed; its output" not in p]
            f.write("".join(l + "\n" for l in failing + other))
            # A splat by its first lines and the trace of the first one: CI keeps only
            # the tail of the log, where a panic's own lines say nothing of its cause.
            if splats:
                lines = console.splitlines()
                first = next(i for i, l in enumerate(lines) if SPLAT.search(l))
                f.write("".join("      " + l + "\n" for l in lines[first:first + 40]))
    with open(os.path.join(a.dir, "result.txt"), "w") as f:
        f.write("%d %d %d %s\n" % (passed, failed if ok or failed else failed + 1, skipped,
                                   "pass" if ok else "fail"))
    print("  guest %s: %s (%d passed, %d failed, %d skipped)" % (
        a.name, "PASS" if ok else "FAIL", passed, failed, skipped))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
