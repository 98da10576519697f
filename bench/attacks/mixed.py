#!/usr/bin/env python3
"""Several of Lesson 14's attacks at once against one lesson server, default flags.

    cargo build --release --examples --features tokio
    python3 bench/attacks/mixed.py 11-mtls-server   # or 14-async-server, 15-mtls-server

For SECONDS (default 6) five attacker threads run together (or those named in
ATTACKS, e.g. ATTACKS=reset,reset,stalled) on 127.0.0.1:
silent connections (one every 2 ms, all held), connections stalled after
32 random bytes (message 1), connections reset (SO_LINGER 0) right after
message 1, connections half-closed after message 1 and held, and
connections trickling one byte every 50 ms. Meanwhile the real client
(`11-mtls-client` as bob, or `15-mtls-client` as alice) runs back to back
and must get its echo within 5 s. Prints the honest success count, the
server's RSS, threads and open descriptors during the attack and 3 s
after it, and whether the server is still up. Exit 0 when every honest
client succeeded and the server is up. Loopback only; every flood is
bounded by SECONDS.
"""
import os, socket, struct, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
B = os.path.join(ROOT, "target", "release", "examples")
server = sys.argv[1] if len(sys.argv) > 1 else "11-mtls-server"
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
work = tempfile.mkdtemp(prefix="mixed-attack-")

def run(*args):
    subprocess.run([os.path.join(B, args[0]), *args[1:]], cwd=work, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

run("11-mtls-genkeys", "server", "alice", "bob")
if server.startswith("15"):
    run("15-ca", "init", "--dir", "root", "--name", "root-ca")
    for role, name, key in [("server", "api.internal", "server"), ("client", "alice", "alice")]:
        run("15-ca", "issue", "--dir", "root", "--role", role, "--name", name,
            "--pub", f"{key}.pub", "--days", "30", "--out", f"{key}.crt")
    run("15-ca", "crl", "--dir", "root", "--days", "30", "--out", "root.crl")
    server_args = ["--cert", "server.crt", "--ca", "root/ca.crt", "--crl", "root.crl"]
    client = ["15-mtls-client", "--key", "alice.key", "--cert", "alice.crt",
              "--ca", "root/ca.crt", "--server-name", "api.internal"]
else:
    with open(os.path.join(work, "authorized"), "w") as f:
        for who in ("alice", "bob"):
            f.write(open(os.path.join(work, f"{who}.pub")).read().split()[0] + f" {who}\n")
    server_args = ["--authorized", "authorized"]
    client = ["11-mtls-client", "--key", "bob.key", "--server-pub", "server.pub"]

srv = subprocess.Popen([os.path.join(B, server), "--listen", "127.0.0.1:0", "--key", "server.key",
                        *server_args], cwd=work, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
first = srv.stdout.readline().strip()
host, port = first.removeprefix("listening on ").rsplit(":", 1)
addr = (host, int(port))
log = {"accepted": 0, "evicted": 0, "refused": 0}

def read_log():
    for line in srv.stdout:
        if line.startswith("accepted"):
            log["accepted"] += 1
        elif "evicted" in line:
            log["evicted"] += 1
        elif line.startswith("rejected") and " more connection(s)" in line:
            log["refused"] += int(line.split()[1])
        elif line.startswith("rejected"):
            log["refused"] += 1

threading.Thread(target=read_log, daemon=True).start()

stop = time.time() + seconds
held, counts = [], {"silent": 0, "stalled": 0, "reset": 0, "half-closed": 0, "trickle": 0}

def connect():
    s = socket.socket()
    s.settimeout(1)
    s.connect(addr)
    return s

def loop(kind, pause, action):
    while time.time() < stop:
        try:
            action()
            counts[kind] += 1
        except OSError:
            pass
        time.sleep(pause)

def silent():
    held.append(connect())

def stalled():
    s = connect(); s.send(os.urandom(32)); held.append(s)

def reset():
    s = connect(); s.send(os.urandom(32))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()

def half_closed():
    s = connect(); s.send(os.urandom(32)); s.shutdown(socket.SHUT_WR); held.append(s)

trickling = []
def trickle():
    trickling.append(connect())
    for s in list(trickling):
        try:
            s.send(os.urandom(1))
        except OSError:
            trickling.remove(s)

attacks = [("silent", 0.002, silent), ("stalled", 0.004, stalled), ("reset", 0.0, reset),
           ("half-closed", 0.004, half_closed), ("trickle", 0.05, trickle)]
# ATTACKS=reset,reset,silent: only these (a name twice: two threads of it).
only = os.environ.get("ATTACKS")
if only:
    attacks = [a for name in only.split(",") for a in attacks if a[0] == name]
threads = [threading.Thread(target=loop, args=a, daemon=True) for a in attacks]
for t in threads:
    t.start()

def status():
    fields = dict(l.split(":", 1) for l in open(f"/proc/{srv.pid}/status"))
    return (f"RSS {fields['VmRSS'].strip()}, {fields['Threads'].strip()} threads, "
            f"{len(os.listdir(f'/proc/{srv.pid}/fd'))} descriptors")

time.sleep(0.5)
good = tried = 0
slowest = 0.0
cmd = [os.path.join(B, client[0]), "--connect", f"{host}:{port}", *client[1:]]
while time.time() < stop:
    t = time.time()
    try:
        r = subprocess.run(cmd, cwd=work, input="ping\n", capture_output=True, text=True, timeout=5)
        ok = r.returncode == 0 and r.stdout == "ping\n"
    except subprocess.TimeoutExpired:
        ok = False
    if not ok:
        print("  honest client failed:", r.stderr.strip()[-200:] if "r" in dir() else "timeout")
    tried += 1; good += ok; slowest = max(slowest, time.time() - t)
    time.sleep(0.15)
print(f"{server}: during the attack: {status()}; attackers: {counts}")
print(f"honest clients: {good}/{tried} within 5 s, slowest {slowest:.3f} s")
print(f"server log: {log} (rate-limited: evictions past 50 a second are counted as refused)")
for t in threads:
    t.join()
for s in held + trickling:
    s.close()
time.sleep(3)
up = srv.poll() is None
print(f"3 s after: {status() if up else 'server exited ' + str(srv.returncode)}")
srv.kill()
sys.exit(0 if up and good == tried else 1)
