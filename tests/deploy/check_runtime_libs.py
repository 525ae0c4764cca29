#!/usr/bin/env python3
"""Checks that docker/Dockerfile's runtime stages install every shared library the binaries need.

  check_runtime_libs.py <Dockerfile> <bin dir>

For each image target (catalog, assessment, report, gateway) the packages of its `apt-get install`
lines (runtime stage + target stage) are expanded with their Depends (apt-cache, offline) plus what
debian:bookworm-slim already has (apt's dependency closure). Each library `ldd` reports for
mgi-<target> and mgi-healthcheck must come (dpkg -S) from that set. Binaries not built yet are
reported as skipped; mgi-healthcheck must exist. A self-test removes libgrpc++1.51 from the list and
expects a complaint.
"""
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

TARGETS = ["catalog", "assessment", "report", "gateway"]


def stages(dockerfile):
    """{stage: (parent, [packages])} from FROM ... AS and apt-get install lines."""
    text = re.sub(r"\\\n", " ", Path(dockerfile).read_text())
    out, current = {}, None
    for line in text.splitlines():
        m = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line.strip(), re.I)
        if m:
            current = m.group(2)
            out[current] = (m.group(1), [])
            continue
        if current and line.strip().startswith("RUN") and "apt-get install" in line:
            cmd = line.split("apt-get install", 1)[1].split("&&")[0]
            out[current][1].extend(w for w in cmd.split() if not w.startswith("-"))
    return out


def packages_for(st, target):
    pkgs, name = [], target
    while name in st:
        parent, p = st[name]
        pkgs += p
        name = parent
    return pkgs


@lru_cache(maxsize=None)
def closure(pkgs):
    if not pkgs:
        return frozenset()
    res = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
         "--no-breaks", "--no-replaces", "--no-enhances", *pkgs],
        capture_output=True, text=True, check=True)
    names = {l.strip() for l in res.stdout.splitlines() if l and not l.startswith(" ")}
    return frozenset(n.split(":")[0] for n in names if not n.startswith("<"))


def needed_packages(binary):
    res = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True)
    out, problems = set(), []
    for line in res.stdout.splitlines():
        if "not found" in line:
            problems.append(f"{binary.name}: {line.strip()}")
            continue
        m = re.search(r"=> (/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if not m:
            continue
        path = Path(m.group(1)).resolve()
        owner = None
        for candidate in (str(path), m.group(1)):
            r = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if r.returncode == 0:
                owner = r.stdout.split(":")[0].split(",")[0].strip()
                break
        if owner is None:
            problems.append(f"{binary.name}: {m.group(1)} belongs to no Debian package")
        else:
            out.add((owner, m.group(1)))
    return out, problems


def check(st, bindir, base):
    problems, checked = [], []
    for target in TARGETS:
        have = closure(tuple(sorted(packages_for(st, target)))) | base
        for binary in (bindir / f"mgi-{target}", bindir / "mgi-healthcheck"):
            if not binary.exists():
                continue
            checked.append(f"{target}:{binary.name}")
            need, p = needed_packages(binary)
            problems += p
            for pkg, lib in sorted(need):
                if pkg not in have:
                    problems.append(f"image {target}: {binary.name} needs {lib} from {pkg}, "
                                    "which the runtime stage does not install")
    return problems, checked


def main():
    dockerfile, bindir = sys.argv[1], Path(sys.argv[2])
    st = stages(dockerfile)
    base = closure(("apt",))  # what debian:bookworm-slim already contains
    passed = failed = 0

    def report(name, problems):
        nonlocal passed, failed
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     - {p}")
        else:
            passed += 1
            print(f"ok   {name}")

    if not (bindir / "mgi-healthcheck").exists():
        report("mgi-healthcheck is built", [f"{bindir}/mgi-healthcheck missing"])
    problems, checked = check(st, bindir, base)
    for target in TARGETS:
        if not (bindir / f"mgi-{target}").exists():
            print(f"skip mgi-{target}: not built in {bindir}")
    report(f"runtime packages cover {', '.join(checked)}", problems)

    broken = {k: (v[0], [p for p in v[1] if p != "libgrpc++1.51"]) for k, v in st.items()}
    p, _ = check(broken, bindir, base)
    report("self-test: a runtime list without libgrpc++1.51 is refused",
           [] if p else ["was accepted"])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
