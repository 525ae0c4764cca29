#!/usr/bin/env python3
"""Checks that docker/Dockerfile's runtime stages install every shared library the binaries need.

  check_runtime_libs.py <Dockerfile> <bin dir>

For each image target (catalog, assessment, report, gateway) the packages of its `apt-get install`
lines (runtime stage + target stage) are expanded with their Depends (apt-cache, offline) plus what
debian:bookworm-slim already has for C++ programs (libc6, libgcc-s1, libstdc++6). Each library `ldd`
reports for mgi-<target> must come (dpkg -S) from that set; mgi-healthcheck, which lives in the shared
runtime stage, from the runtime stage's packages alone. Binaries not built yet are
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


_graph = {}


def _load_depends(pkgs):
    """Fills _graph with the Depends/PreDepends of pkgs and of everything they pull in, one batched
    apt-cache call per level (the machine may be busy; per-package calls are slow)."""
    todo = sorted(set(pkgs) - set(_graph))
    while todo:
        res = subprocess.run(["apt-cache", "depends", "--no-recommends", "--no-suggests",
                              "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
                              *todo], capture_output=True, text=True, check=True)
        current = None
        for line in res.stdout.splitlines():
            if not line.startswith(" "):
                current = line.strip().split(":")[0]
                _graph.setdefault(current, set())
            elif current and re.match(r"\s*\|?(Pre)?Depends:", line):
                dep = line.split(":", 1)[1].strip().split(":")[0]
                if not dep.startswith("<"):
                    _graph[current].add(dep)
        for p in todo:
            _graph.setdefault(p, set())
        todo = sorted({d for p in todo for d in _graph[p]} - set(_graph))


@lru_cache(maxsize=None)
def closure(pkgs):
    _load_depends(pkgs)
    seen, stack = set(), list(pkgs)
    while stack:
        p = stack.pop()
        if p not in seen:
            seen.add(p)
            stack.extend(_graph.get(p, ()))
    return frozenset(seen)


@lru_cache(maxsize=None)
def needed_packages(binary):
    """({(package, library)}, [problems]) for one binary: one ldd, one batched dpkg -S."""
    res = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True)
    libs, problems = [], []
    for line in res.stdout.splitlines():
        if "not found" in line:
            problems.append(f"{binary.name}: {line.strip()}")
            continue
        m = re.search(r"=> (/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m:
            libs.append(m.group(1))
    # dpkg knows a file under the path it shipped it (/lib or /usr/lib with merged /usr): ask both.
    candidates = {}
    for lib in libs:
        for c in {lib, str(Path(lib).resolve()), lib.replace("/usr/lib/", "/lib/", 1),
                  lib.replace("/lib/", "/usr/lib/", 1) if lib.startswith("/lib") else lib}:
            candidates.setdefault(c, lib)
    r = subprocess.run(["dpkg-query", "-S", *sorted(candidates)], capture_output=True, text=True)
    owner = {}
    for line in r.stdout.splitlines():
        pkgs, _, path = line.partition(": ")
        if path in candidates:
            owner.setdefault(candidates[path], pkgs.split(",")[0].split(":")[0].strip())
    out = set()
    for lib in libs:
        if lib in owner:
            out.add((owner[lib], lib))
        else:
            problems.append(f"{binary.name}: {lib} belongs to no Debian package")
    return frozenset(out), tuple(problems)


def check(st, bindir, base):
    """mgi-healthcheck against the shared runtime stage; mgi-<target> against runtime + target."""
    problems, checked = [], []
    jobs = [("runtime", bindir / "mgi-healthcheck")] + [(t, bindir / f"mgi-{t}") for t in TARGETS]
    for stage, binary in jobs:
        if not binary.exists():
            continue
        have = closure(tuple(sorted(packages_for(st, stage)))) | base
        checked.append(f"{stage}:{binary.name}")
        need, p = needed_packages(binary)
        problems += list(p)
        for pkg, lib in sorted(need):
            if pkg not in have:
                problems.append(f"image stage {stage}: {binary.name} needs {lib} from {pkg}, "
                                "which the runtime stages do not install")
    return problems, checked


def main():
    dockerfile, bindir = sys.argv[1], Path(sys.argv[2])
    st = stages(dockerfile)
    # What debian:bookworm-slim already has that C++ binaries link (libc, libgcc, libstdc++: apt needs them).
    base = frozenset({"libc6", "libgcc-s1", "libstdc++6", "gcc-12-base"})
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
