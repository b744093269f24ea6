#!/bin/bash
# Runs bench:engine from .devkit (see bench/device-kit.sh) on a bare benchmark host. The bench runs detached
# (setsid) and this script polls for up to POLL_S seconds, so a run longer than one command's time limit survives
# between calls: call again with RESUME=1 to keep polling the same run. Log: /tmp/bench-engine.log (and $OUT/).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /tmp/node ]; then
  xz -dc .devkit/node.xz > /tmp/node && chmod +x /tmp/node
  mkdir -p /tmp/k && tar -C /tmp/k -xJf .devkit/bin.tar.xz
fi
cp .devkit/bench-engine.mjs /tmp/k/ || exit 3
export ROTORSCRIBE_ROOT=/tmp/k ROTORSCRIBE_NATIVE_ADDON=/tmp/k/rotorscribe.node
/tmp/k/native/build/bin/llama-bench --help > /dev/null 2>&1 || export LD_LIBRARY_PATH=/tmp/k/lib:${LD_LIBRARY_PATH:-}
LOG=/tmp/bench-engine.log
if [ -n "${RESUME:-}" ] && [ ! -f $LOG ]; then
  echo "no run to resume: this is a fresh host (the previous one was released between calls), start again without RESUME"
  exit 4
fi
if [ -z "${RESUME:-}" ]; then
  rm -f $LOG /tmp/bench-engine.done
  (cd /tmp/k && setsid nohup bash -c "/tmp/node /tmp/k/bench-engine.mjs --dir /tmp/models $* > $LOG 2>&1; echo \$? > /tmp/bench-engine.done" \
    > /dev/null 2>&1 < /dev/null &)
fi
for _ in $(seq 1 $(( ${POLL_S:-540} / 5 ))); do
  sleep 5
  [ -f /tmp/bench-engine.done ] && break
  grep -q 'Error\|Cannot find' $LOG 2> /dev/null && break
done
cat $LOG; [ -n "${OUT:-}" ] && cp $LOG "$OUT/"
[ -f /tmp/bench-engine.done ] && echo "bench exit $(cat /tmp/bench-engine.done)" || echo "still running: call again with RESUME=1"
