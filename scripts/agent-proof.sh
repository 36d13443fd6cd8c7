#!/usr/bin/env bash
# The agent's proof on code nobody here wrote (docs/agent-proof.md): Apache Commons Exec 1.5.0,
# used as its documentation shows, runs N short commands (default 1,200) in one JVM, without the
# agent and with it, RUNS times each (default 3, alternating). The outputs must be identical
# (byte for byte); the figures of each run are printed, then the medians.
#   scripts/agent-proof.sh            build the agent jar, fetch commons-exec, run, compare
#   N=5000 RUNS=5 scripts/agent-proof.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
N=${N:-1200}
RUNS=${RUNS:-3}
BACKEND=${BACKEND:-}   # io_uring or fallback; empty: io_uring where allowed
out=target/agent-proof
mkdir -p "$out"

./build -q package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl library,agent
./build -q -N dependency:copy -Dartifact=org.apache.commons:commons-exec:1.5.0 -DoutputDirectory="$out"
jar="$out/commons-exec-1.5.0.jar"
"$JAVA_HOME/bin/javac" -d "$out/classes" -cp "$jar" scripts/agent-proof/CommonsExecWorkload.java

java=("$JAVA_HOME/bin/java" -Xshare:auto -cp "$out/classes:$jar")
agent=(--enable-native-access=ALL-UNNAMED -javaagent:agent/target/spawnring-agent.jar -Dspawnring.agent.verbose=true)
[ -n "$BACKEND" ] && agent+=(-Dspawnring.backend="$BACKEND")

run() { # name, java options...
  local name=$1; shift
  /usr/bin/time -f "external: wall_s=%e user_s=%U sys_s=%S max_rss_kb=%M" -o "$out/$name.time" \
    "${java[@]}" "$@" CommonsExecWorkload "$N" > "$out/$name.out" 2> "$out/$name.err"
  echo "$name: $(grep '^figures:' "$out/$name.err" | cut -d' ' -f2-) $(cut -d' ' -f2- "$out/$name.time")"
}

echo "Apache Commons Exec 1.5.0, $N commands per run, $(nproc) cores, $(uname -sr), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1), $(date -u +%F)"
for i in $(seq 1 "$RUNS"); do
  run "plain-$i"
  run "agent-$i" "${agent[@]}"
done

for i in $(seq 1 "$RUNS"); do
  cmp -s "$out/plain-1.out" "$out/plain-$i.out" || { echo "plain run $i differs from plain run 1" >&2; exit 1; }
  cmp -s "$out/plain-1.out" "$out/agent-$i.out" || { echo "agent run $i differs from the plain run" >&2; diff "$out/plain-1.out" "$out/agent-$i.out" | head >&2; exit 1; }
done
grep -q 'process_class=dev.spawnring' "$out/agent-1.err" || { echo "the agent did not start the processes" >&2; cat "$out/agent-1.err" >&2; exit 1; }
echo "outputs: identical ($(wc -l < "$out/plain-1.out") lines, $(tail -1 "$out/plain-1.out"))"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for kind in plain agent; do
  w=$(grep -ho 'wall_ms=[0-9]*' "$out/$kind"-*.err | cut -d= -f2 | median)
  c=$(grep -ho 'jvm_cpu_ms=[0-9]*' "$out/$kind"-*.err | cut -d= -f2 | median)
  t=$(grep -ho 'peak_threads=[0-9]*' "$out/$kind"-*.err | cut -d= -f2 | median)
  u=$(grep -ho 'user_s=[0-9.]*' "$out/$kind"-*.time | cut -d= -f2 | median)
  s=$(grep -ho 'sys_s=[0-9.]*' "$out/$kind"-*.time | cut -d= -f2 | median)
  echo "median $kind: wall ${w} ms, JVM CPU ${c} ms, peak threads ${t}, user+children ${u} s, sys+children ${s} s"
done
