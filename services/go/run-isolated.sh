#!/bin/sh
# Runs the reference text's Go server as written (it reads /etc/certs/...
# and listens on :8443) chrooted into ROOT, inside the network namespace
# this script is started in (`unshare --net sh run-isolated.sh ...`), so
# its fixed paths and port touch nothing on the host; then runs each
# client command given against it, and stops the server by its PID.
#
# Usage: run-isolated.sh ROOT OUT COMMAND...
# Writes OUT/server.log, and OUT/N.out, OUT/N.err, OUT/N.rc for command N.
set -u
root=$1
out=$2
shift 2
ip link set lo up || exit 1
chroot "$root" /mtls-server 2>"$out/server.log" &
server=$!
# Wait (at most 20 s) until something answers on 8443: curl's exit 7 is
# "connection refused"; any other means the server is up.
tries=0
while :; do
  curl --silent --max-time 1 --insecure https://127.0.0.1:8443/ >/dev/null 2>&1
  [ $? -ne 7 ] && break
  tries=$((tries + 1))
  if [ $tries -ge 200 ]; then
    echo "the Go server did not listen on 8443 within 20 s" >&2
    kill "$server"
    exit 1
  fi
  sleep 0.1
done
n=0
for command in "$@"; do
  n=$((n + 1))
  sh -c "$command" >"$out/$n.out" 2>"$out/$n.err"
  echo $? >"$out/$n.rc"
done
kill "$server"
wait "$server" 2>/dev/null
exit 0
