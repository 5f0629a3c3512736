#!/usr/bin/env bash
# A single-node KRaft Kafka broker (broker+controller) on 127.0.0.1, run from Maven Central jars:
# no Docker engine and no release tarball are needed. Used by `npm start`, the tests and .ci/run
# whenever KAFKA_BROKERS is unset.
#
# Usage: scripts/kafka/kafka.sh start|stop|status
# Env:   KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_RUN_DIR (./.data/kafka),
#        KAFKA_JARS_DIR (./.cache/kafka-jars/<version>), KAFKA_HEAP (384m), KAFKA_START_TIMEOUT (90),
#        KAFKA_VERSION (4.1.1), LOG4J_VERSION (must equal the log4j Kafka was built with), JAVA_HOME
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
LOG4J_VERSION="${LOG4J_VERSION:-2.24.3}" # Kafka 4.1.x was built with log4j 2.24.3
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
JARS="${KAFKA_JARS_DIR:-$ROOT/.cache/kafka-jars/$KAFKA_VERSION}"
RUN="${KAFKA_RUN_DIR:-$ROOT/.data/kafka}"
HEAP="${KAFKA_HEAP:-384m}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running_pid() {
  [ -f "$RUN/kafka.pid" ] || return 1
  local pid; pid="$(cat "$RUN/kafka.pid")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true # the JVM's shutdown hook stops broker and controller in order
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$pid" 2>/dev/null || true
    echo "Kafka on 127.0.0.1:$PORT stopped"
  fi
  rm -rf "$RUN"
}

status() {
  local pid
  if pid="$(running_pid)" && port_open "$PORT"; then
    echo "Kafka running on 127.0.0.1:$PORT (pid $pid)"
  else
    echo "Kafka not running (run dir $RUN)"; return 3
  fi
}

resolve_jars() {
  [ -f "$JARS/.complete" ] && return 0
  command -v mvn >/dev/null || { echo "kafka.sh: Maven (mvn) is required to fetch the Kafka jars" >&2; exit 1; }
  echo "Resolving Kafka $KAFKA_VERSION jars from Maven Central into $JARS (once)..."
  mkdir -p "$JARS"
  # includeScope=runtime: every broker module is runtime-scoped in Kafka's POMs.
  mvn -q -B -f "$HERE/pom.xml" -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$JARS"
  touch "$JARS/.complete"
}

start() {
  if status >/dev/null 2>&1; then status; return 0; fi
  stop >/dev/null
  command -v "$JAVA" >/dev/null || { echo "kafka.sh: Java 17+ is required (java not found)" >&2; exit 1; }
  if port_open "$PORT"; then echo "kafka.sh: 127.0.0.1:$PORT is already in use by another process" >&2; exit 1; fi
  resolve_jars

  mkdir -p "$RUN/data"
  {
    sed -e "s/127.0.0.1:9092/127.0.0.1:$PORT/g" -e "s/127.0.0.1:9093/127.0.0.1:$CONTROLLER_PORT/g" "$HERE/server.properties"
    echo "log.dirs=$RUN/data"
  } > "$RUN/server.properties"
  local opts=(-Xms128m "-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$HERE/log4j2.properties" -cp "$JARS/*")

  # KRaft storage must be formatted before the first start; --standalone goes with
  # controller.quorum.bootstrap.servers (a static voters list would forbid it).
  "$JAVA" "${opts[@]}" kafka.tools.StorageTool format --standalone \
    -t "${KAFKA_CLUSTER_ID:-4L6g3nShT-eMCtK--X86sw}" -c "$RUN/server.properties" \
    > "$RUN/format.log" 2>&1 || { echo "kafka.sh: formatting the log dir failed:" >&2; cat "$RUN/format.log" >&2; exit 1; }

  # Its own session (setsid): a Ctrl-C or a signal to the service's process group must not stop the
  # broker under the service; the service stops it, after its own graceful shutdown.
  setsid nohup "$JAVA" "${opts[@]}" kafka.Kafka "$RUN/server.properties" > "$RUN/kafka.log" 2>&1 < /dev/null &
  echo $! > "$RUN/kafka.pid"
  local waited=0
  while [ "$waited" -lt "$TIMEOUT" ]; do
    # The port opens only once the broker is unfenced and ready to serve.
    if port_open "$PORT"; then echo "Kafka $KAFKA_VERSION ready on 127.0.0.1:$PORT after ${waited}s"; return 0; fi
    kill -0 "$(cat "$RUN/kafka.pid")" 2>/dev/null || break
    sleep 1; waited=$((waited + 1))
  done
  echo "kafka.sh: Kafka did not open 127.0.0.1:$PORT within ${TIMEOUT}s; last log lines:" >&2
  tail -n 40 "$RUN/kafka.log" >&2
  stop >/dev/null; exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
