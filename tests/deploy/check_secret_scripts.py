#!/usr/bin/env python3
"""The shell snippets that handle secrets in the chart and in compose, run for real (issue 21).

  check_secret_scripts.py <rendered chart dir> <compose.yaml>

Chart: the bundled Redis's init container turns a password (here one with quotes, backslashes, `$`
and spaces) into redis.conf; a real redis-server started with that file (on a free loopback port)
refuses clients without it and accepts AUTH with it, and its command line never holds it; the
readiness probe's command answers with the password from the file.
Compose: the `secrets` service generates the admin token, the token file (holding the token's
SHA-256), the Redis password and the cache HMAC key at first start, keeps them at the next start,
and the compose Redis command starts a redis-server that requires that password, not in argv.
Container paths are mapped into a temp dir; `$$` (compose's escape) becomes `$`.
"""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

passed = failed = 0


def check(name, problems):
    global passed, failed
    if problems:
        failed += 1
        print(f"FAIL {name}")
        for p in problems:
            print(f"     - {p}")
    else:
        passed += 1
        print(f"ok   {name}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp(port, *commands):
    """Sends commands (lists of strings) on one connection; returns the first line of each reply."""
    out = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        f = s.makefile("rb")
        for cmd in commands:
            data = f"*{len(cmd)}\r\n".encode()
            for a in cmd:
                b = a.encode()
                data += b"$%d\r\n%s\r\n" % (len(b), b)
            s.sendall(data)
            out.append(f.readline().decode().strip())
    return out


def start_redis(argv):
    """Starts redis (sh -c string or argv list); returns (process, port-wait ok)."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         shell=isinstance(argv, str), start_new_session=True)
    return p


def wait_port(port, proc, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def cmdlines(root_pid):
    """Command lines of a process and its children."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if int(d.name) == root_pid or ppid == root_pid:
                out.append((d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except (OSError, ValueError, IndexError):
            continue
    return out


def stop(proc):
    try:
        os.killpg(proc.pid, 9)
    except ProcessLookupError:
        pass
    proc.wait()


def redis_requires(port, password, proc):
    p = []
    if not wait_port(port, proc):
        return ["redis-server did not start"]
    r = resp(port, ["PING"], ["AUTH", password], ["PING"])
    if not r[0].startswith("-NOAUTH"):
        p.append(f"PING without a password answered {r[0]!r}")
    if r[1] != "+OK" or r[2] != "+PONG":
        p.append(f"AUTH with the password: {r[1]!r}, then PING {r[2]!r}")
    for line in cmdlines(proc.pid):
        if password in line:
            p.append(f"the password is in a command line: {line}")
    return p


def chart(rendered, tmp):
    docs = [d for d in yaml.safe_load_all(Path(rendered, "default.yaml").read_text()) if d]
    dep = next(d for d in docs if d["kind"] == "Deployment"
               and d["metadata"]["labels"]["app.kubernetes.io/component"] == "redis")
    spec = dep["spec"]["template"]["spec"]
    init = next(c for c in spec["initContainers"] if c["name"] == "redis-config")
    main = next(c for c in spec["containers"] if c["name"] == "redis")
    password = 'pa"ss\\wo rd $HOME `x` \'q\''
    auth = tmp / "etc-redis-auth"
    conf = tmp / "run-redis"
    auth.mkdir()
    conf.mkdir()
    (auth / "password").write_text(password + "\n")
    script = init["command"][-1].replace("/etc/redis-auth", str(auth)).replace("/run/redis", str(conf))
    r = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
    check("chart: the init container writes redis.conf", [r.stderr] if r.returncode else [])
    mode = oct((conf / "redis.conf").stat().st_mode & 0o777) if (conf / "redis.conf").exists() else "missing"
    check("chart: redis.conf is readable by its owner only", [] if mode == "0o600" else [f"mode {mode}"])
    port = free_port()
    args = [a.replace("/run/redis", str(conf)) for a in main["args"]]
    proc = start_redis(["redis-server", *args, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp)])
    try:
        check("chart: Redis requires the password from the file, never in argv", redis_requires(port, password, proc))
        probe = main["readinessProbe"]["exec"]["command"][-1]
        probe = probe.replace("/etc/redis-auth", str(auth)).replace("redis-cli ping", f"redis-cli -p {port} ping")
        r = subprocess.run(["sh", "-c", probe], capture_output=True, text=True)
        check("chart: the readiness probe authenticates", [r.stderr or "exit %d" % r.returncode] if r.returncode else [])
    finally:
        stop(proc)


def compose(compose_file, tmp):
    doc = yaml.safe_load(Path(compose_file).read_text())
    root = tmp / "compose"
    secrets = root / "run-secrets"
    for d in ("admin", "auth", "redis", "cache"):
        (secrets / d).mkdir(parents=True)
    own = root / "own-tokens"
    own.write_text("")

    def localize(text):
        text = text.replace("$$", "$").replace("/run/secrets", str(secrets)).replace("/run/own-tokens", str(own))
        if os.geteuid() != 0:
            text = re.sub(r"^chown .*$", ":", text, flags=re.M)
        return text.replace("/run/redis", str(root))

    script = localize(doc["services"]["secrets"]["command"][0])
    first = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
    check("compose: the secrets service runs", [first.stderr] if first.returncode else [])
    files = {n: secrets / n for n in ("admin/admin-token", "auth/tokens", "redis/redis-password", "cache/cache-hmac-key")}
    p = [f"{n} missing or empty" for n, f in files.items() if not f.exists() or f.stat().st_size == 0]
    if not p:
        token = files["admin/admin-token"].read_text().strip()
        line = files["auth/tokens"].read_text().split()
        if line[:2] != [hashlib.sha256(token.encode()).hexdigest(), "admin"]:
            p.append(f"token file {line} does not hold the admin token's SHA-256")
        if token not in first.stdout:
            p.append("the admin token is not shown at first start")
        if len(files["cache/cache-hmac-key"].read_text().strip()) < 32:
            p.append("cache HMAC key shorter than 32 bytes")
        for n in ("auth/tokens", "redis/redis-password", "cache/cache-hmac-key"):
            if files[n].stat().st_mode & 0o007:
                p.append(f"{n} is readable by others")
    check("compose: first start generates the admin token, token file, Redis password, cache key", p)
    before = {n: f.read_bytes() for n, f in files.items()}
    second = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
    changed = [n for n, f in files.items() if f.read_bytes() != before[n]]
    check("compose: the next start keeps them and shows no token",
          changed + ([second.stderr] if second.returncode else [])
          + (["token shown again"] if before["admin/admin-token"].decode().strip() in second.stdout else []))
    password = files["redis/redis-password"].read_text().strip()
    port = free_port()
    cmd = localize(doc["services"]["redis"]["command"][0])
    cmd = cmd.replace("--appendonly no", f"--appendonly no --port {port} --bind 127.0.0.1 --dir {root}")
    proc = start_redis(cmd)
    try:
        check("compose: Redis requires the generated password, never in argv", redis_requires(port, password, proc))
        health = localize(doc["services"]["redis"]["healthcheck"]["test"][1]).replace(
            "redis-cli ping", f"redis-cli -p {port} ping")
        r = subprocess.run(["sh", "-c", health], capture_output=True, text=True)
        check("compose: the Redis healthcheck authenticates", [r.stderr or "exit %d" % r.returncode] if r.returncode else [])
    finally:
        stop(proc)


def main():
    rendered, compose_file = sys.argv[1:3]
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        print("skip: redis-server and redis-cli are needed")
        return 77
    with tempfile.TemporaryDirectory() as t:
        chart(rendered, Path(t))
        compose(compose_file, Path(t))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
