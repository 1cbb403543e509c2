#!/usr/bin/env bash
# moto, the AWS API emulator the live-collection tests run against.
#
#   scripts/moto.sh setup        create .venv-moto/ with the pinned moto and boto3
#   scripts/moto.sh start [PORT] start moto_server on 127.0.0.1 (a free port by
#                                default) in the background; prints the endpoint
#   scripts/moto.sh stop         stop the server `start` started
#
# Loopback only. The versions are pinned: the tests are written against this
# moto's behaviour (its quirks are documented in tests/live.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION=5.2.5
BOTO3_VERSION=1.44.8
# The services the live tests seed and read (pip extras of moto).
MOTO_EXTRAS=server,ec2,iam,cloudtrail,organizations,s3,sts,logs,cloudwatch,events,config
VENV=.venv-moto
PIDFILE=$VENV/moto.pid

setup() {
    # The extras are part of the stamp: a venv made for fewer services is updated.
    local stamp=$VENV/.installed-$MOTO_VERSION-$BOTO3_VERSION-${MOTO_EXTRAS//,/-}
    if [[ -x $VENV/bin/moto_server && -f $stamp ]]; then
        return 0
    fi
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "moto[$MOTO_EXTRAS]==$MOTO_VERSION" \
        "boto3==$BOTO3_VERSION"
    touch "$stamp"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
    setup
    local port=${1:-$(free_port)}
    MOTO_IAM_LOAD_MANAGED_POLICIES=${MOTO_IAM_LOAD_MANAGED_POLICIES:-false} \
        nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$VENV/moto.log" 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then
            echo "http://127.0.0.1:$port"
            return 0
        fi
        sleep 0.1
    done
    echo "moto_server did not answer on 127.0.0.1:$port; see $VENV/moto.log" >&2
    return 1
}

stop() {
    if [[ -f $PIDFILE ]]; then
        kill "$(cat "$PIDFILE")" 2>/dev/null || true
        rm -f "$PIDFILE"
    fi
}

case "${1:-}" in
    setup) setup ;;
    start) shift; start "$@" ;;
    stop) stop ;;
    *) echo "usage: $0 setup|start [PORT]|stop" >&2; exit 2 ;;
esac
