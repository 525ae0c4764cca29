#!/usr/bin/env python3
"""The configuration the deployment gives each binary is configuration the binary accepts.

  check_env_contract.py <rendered chart dir> <compose.yaml> <Dockerfile> <bin dir>

mgi binaries refuse unknown MGI_<SERVICE>_* variables and invalid values at start. For every mgi
Deployment of every rendered chart scenario (shared ConfigMap + container env) and every compose
service (Dockerfile ENV + compose environment), this runs `mgi-<component> --help` with exactly that
environment (paths under /etc/mgi, /var/lib/mgi and /usr/share/mgi mapped into a temp dir holding
stand-in files) and expects exit 0. A self-test adds MGI_<SERVICE>_BOGUS and expects a refusal.
Binaries not built in <bin dir> are skipped; exit 77 (ctest: skipped) if none is.
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

SUITE = ["catalog", "assessment", "report", "gateway"]


def chart_envs(rendered_dir):
    for f in sorted(Path(rendered_dir).glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(f.read_text()) if d]
        cm = next((d for d in docs if d["kind"] == "ConfigMap"
                   and d["metadata"]["labels"].get("app.kubernetes.io/component") == "config"), None)
        for d in docs:
            comp = d["metadata"].get("labels", {}).get("app.kubernetes.io/component")
            if d["kind"] != "Deployment" or comp not in SUITE:
                continue
            ctr = d["spec"]["template"]["spec"]["containers"][0]
            env = dict((cm or {}).get("data", {}))
            env.update({e["name"]: e.get("value", "") for e in ctr.get("env", []) if "value" in e})
            yield f"{f.stem}/{comp}", comp, env


def compose_envs(compose, dockerfile):
    stage_env, current = {}, None
    text = re.sub(r"\\\n", " ", Path(dockerfile).read_text())
    for line in text.splitlines():
        m = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line.strip(), re.I)
        if m:
            current = m.group(2)
            stage_env[current] = dict(stage_env.get(m.group(1), {}))
        elif current and line.strip().startswith("ENV "):
            for k, v in re.findall(r"(\w+)=(\S+)", line):
                stage_env[current][k] = v
    doc = yaml.safe_load(Path(compose).read_text())
    for name, svc in doc["services"].items():
        if name not in SUITE:
            continue
        env = dict(stage_env.get(svc.get("build", {}).get("target", ""), {}))
        env.update({k: str(v) for k, v in (svc.get("environment") or {}).items()})
        yield f"compose/{name}", name, env


def localize(env, root):
    """Maps container paths into `root` and creates stand-ins for the mounted files."""
    out = {}
    for k, v in env.items():
        if re.match(r"^/(etc/mgi|var/lib/mgi|usr/share/mgi|run/secrets)/", v):
            local = Path(root) / v.lstrip("/")
            local.parent.mkdir(parents=True, exist_ok=True)
            if k.endswith("_FILE") and not local.exists():
                stand_in = {"REDIS": "stand-in-password\n", "HMAC": "stand-in-cache-key-" + "0" * 32 + "\n"}
                local.write_text(next((v for w, v in stand_in.items() if w in k), ""))
            v = str(local)
        out[k] = v
    return out


def run(binary, env):
    r = subprocess.run([str(binary), "--help"], env={"PATH": os.environ.get("PATH", ""), **env},
                       capture_output=True, text=True, timeout=60)
    return r.returncode, (r.stderr or r.stdout).strip().splitlines()[-1:] if r.returncode else []


def main():
    rendered, compose, dockerfile, bindir = sys.argv[1:5]
    passed = failed = 0
    ran = set()
    with tempfile.TemporaryDirectory() as root:
        cases = list(chart_envs(rendered)) + list(compose_envs(compose, dockerfile))
        for name, comp, env in cases:
            binary = Path(bindir) / f"mgi-{comp}"
            if not binary.exists():
                continue
            ran.add(comp)
            rc, msg = run(binary, localize(env, root))
            if rc == 0:
                passed += 1
                print(f"ok   {name}: mgi-{comp} accepts its {len(env)} variables")
            else:
                failed += 1
                print(f"FAIL {name}: mgi-{comp} exit {rc}: {' '.join(msg)}")
        for comp in sorted(ran):
            env = {f"MGI_{comp.upper()}_BOGUS": "1"}
            rc, _ = run(Path(bindir) / f"mgi-{comp}", env)
            if rc != 0:
                passed += 1
                print(f"ok   self-test: mgi-{comp} refuses an unknown MGI_{comp.upper()}_ variable")
            else:
                failed += 1
                print(f"FAIL self-test: mgi-{comp} accepted MGI_{comp.upper()}_BOGUS")
    for comp in SUITE:
        if comp not in ran:
            print(f"skip mgi-{comp}: not built in {bindir}")
    print(f"{passed} passed, {failed} failed")
    if not ran:
        return 77
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
