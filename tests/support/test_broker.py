#!/usr/bin/env python3
"""The Linux side of the Windows test leg: starts and stops Linux programs for the Pester suites
that run in PowerShell for Windows under Wine, which cannot start a Linux program itself.

tests/support/EcrTestStack.psm1 talks to it when ECRAUTH_TEST_BROKER names it (only on the
Windows leg; build.ps1 starts it and stops it by PID). Binds 127.0.0.1 only. JSON in and out:

  POST /which  {"name"}                              -> {"path": str|null}
  POST /run    {"argv", "stdin_b64", "cwd"}          -> {"exit", "stdout_b64", "stderr_b64"}
  POST /spawn  {"argv", "stdout", "stderr"}          -> {"pid"}
  POST /alive  {"pid"}                               -> {"alive", "exit"}
  POST /kill   {"pid"}                               -> {}
  POST /watch/start {}                               -> {"id"}   (records every /proc cmdline)
  POST /watch/stop  {"id"}                           -> {"lines"}

and POST /relay from tests/windows/fake_client.c in relay mode (lines "key<TAB>base64"): runs a
Linux program (the real docker CLI) with the Windows program's arguments and standard input,
its folders (cwd, DOCKER_CONFIG, USERPROFILE as HOME, PATH entries) mapped from Windows paths:
Z:\\x -> /x, C:\\x -> <wine prefix>/drive_c/x. Answers "exit", "stdout", "stderr" lines.
Paths given to /run and /spawn are Linux paths already (the caller maps them). Test-only: the
relayed standard input (a registry password) stays in memory and reaches the program's stdin.

usage: test_broker.py --wine-prefix DIR [--port N]; prints "listening on PORT"; stops on SIGTERM.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def windows_to_linux(path, prefix):
    """Z:\\tmp\\a -> /tmp/a; C:\\users\\x -> <prefix>/drive_c/users/x; other values unchanged."""
    if len(path) >= 3 and path[1] == ":" and path[2] in "\\/":
        rest = path[3:].replace("\\", "/")
        drive = path[0].upper()
        if drive == "Z":
            return "/" + rest
        if drive == "C" and prefix:
            return os.path.join(prefix, "drive_c", rest)
    return path


class State:
    def __init__(self, prefix):
        self.prefix = prefix
        self.children = {}
        self.watches = {}
        self.lock = threading.Lock()

    def stop_all(self):
        for child in list(self.children.values()):
            stop(child)
        for watch in list(self.watches.values()):
            watch["stop"].set()


def stop(child):
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def watch_proc(seen, stop_event):
    while not stop_event.is_set():
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    raw = f.read()
            except OSError:
                continue
            if raw:
                seen.add(raw.replace(b"\0", b" ").decode("utf-8", "replace").strip())


def relay(body, state):
    fields = {"arg": [], "env": []}
    for line in body.decode("ascii").splitlines():
        if not line:
            continue
        key, _, value = line.partition("\t")
        raw = base64.b64decode(value)
        if key in ("arg", "env"):
            fields[key].append(raw.decode("utf-8"))
        else:
            fields[key] = raw
    windows_env = {}
    for entry in fields["env"]:
        name, _, value = entry.partition("=")
        windows_env[name.upper()] = value
    env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")}
    # Windows PATH entries on Z: first (a test's helper folder), then the broker's own.
    mapped = [windows_to_linux(p, state.prefix) for p in windows_env.get("PATH", "").split(";") if p[:2].upper() == "Z:"]
    env["PATH"] = os.pathsep.join(mapped + [env["PATH"]])
    if "USERPROFILE" in windows_env:
        env["HOME"] = windows_to_linux(windows_env["USERPROFILE"], state.prefix)
    for name in ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE"):
        if windows_env.get(name):
            env[name] = windows_to_linux(windows_env[name], state.prefix)
    program = fields["program"].decode("utf-8")
    cwd = windows_to_linux(fields.get("cwd", b"/").decode("utf-8"), state.prefix)
    if not os.path.isdir(cwd):
        cwd = "/"
    done = subprocess.run([program] + fields["arg"], input=fields.get("stdin", b""), capture_output=True,
                          env=env, cwd=cwd, timeout=120)
    return ("exit\t%d\nstdout\t%s\nstderr\t%s\n" % (
        done.returncode, base64.b64encode(done.stdout).decode(), base64.b64encode(done.stderr).decode())).encode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--wine-prefix", default="")
    args = p.parse_args()
    state = State(args.wine_prefix)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *a):
            pass

        def answer(self, payload, content_type="application/json"):
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                if self.path == "/relay":
                    return self.answer(relay(body, state), "text/plain")
                request = json.loads(body or b"{}")
                self.answer(self.route(request))
            except Exception as error:  # the caller shows it; the broker keeps serving
                data = f"{type(error).__name__}: {error}".encode()
                self.send_response(500)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def route(self, r):
            if self.path == "/which":
                return {"path": shutil.which(r["name"])}
            if self.path == "/run":
                done = subprocess.run(r["argv"], input=base64.b64decode(r.get("stdin_b64", "")),
                                      capture_output=True, cwd=r.get("cwd") or None, timeout=300)
                return {"exit": done.returncode, "stdout_b64": base64.b64encode(done.stdout).decode(),
                        "stderr_b64": base64.b64encode(done.stderr).decode()}
            if self.path == "/spawn":
                with open(r["stdout"], "ab") as out, open(r["stderr"], "ab") as err:
                    child = subprocess.Popen(r["argv"], stdin=subprocess.DEVNULL, stdout=out, stderr=err)
                with state.lock:
                    state.children[child.pid] = child
                return {"pid": child.pid}
            if self.path == "/alive":
                child = state.children.get(int(r["pid"]))
                code = child.poll() if child else -1
                return {"alive": code is None, "exit": code}
            if self.path == "/kill":
                with state.lock:
                    child = state.children.pop(int(r["pid"]), None)
                if child:
                    stop(child)
                return {}
            if self.path == "/watch/start":
                watch = {"seen": set(), "stop": threading.Event()}
                watch["thread"] = threading.Thread(target=watch_proc, args=(watch["seen"], watch["stop"]), daemon=True)
                watch["thread"].start()
                key = uuid.uuid4().hex
                state.watches[key] = watch
                return {"id": key}
            if self.path == "/watch/stop":
                watch = state.watches.pop(r["id"])
                watch["stop"].set()
                watch["thread"].join()
                return {"lines": sorted(watch["seen"])}
            raise ValueError(f"unknown path {self.path}")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def shutdown(*_):
        state.stop_all()
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, shutdown)
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        state.stop_all()


if __name__ == "__main__":
    sys.exit(main())
