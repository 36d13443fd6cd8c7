#!/usr/bin/env bash
# Times `spawnring run` against `xargs -P` and GNU parallel on tiny jobs, JVM start included:
# JOBS jobs of /bin/true and of sr-true (a static program without libc, from the library's
# build), -j P, ROUNDS rounds in which the tools take turns (the order turned every round);
# wall time and CPU (user + system, of the whole process tree) from GNU time. Then one round
# of `echo {}` jobs, and spawnring's max RSS over 10,000 and BIG jobs (BIG=0 skips that).
#
#   scripts/bench-run.sh                       5,000 jobs, -j 4, 5 rounds, then 10k and 100k jobs
#   JOBS=2000 ROUNDS=1 BIG=0 scripts/bench-run.sh
#   TOOLS="spawnring xargs" BIG=0 scripts/bench-run.sh    without GNU parallel (3-10 ms a job)
#
# Needs GNU parallel (Debian package parallel) and GNU time (package time); installs them
# with apt-get when missing and allowed to. Prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-5000}
ROUNDS=${ROUNDS:-5}
BIG=${BIG:-100000}
P=${P:-4}
TOOLS=${TOOLS:-spawnring xargs parallel}

need() {
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$2" ]; then
    echo "bench-run: $1 missing, installing the Debian package $3" >&2
    (apt-get update -qq && apt-get install -y -qq "$3") >/dev/null
  fi
}
need parallel /usr/bin/parallel parallel
need time /usr/bin/time time

./spawnring run true ::: warm-up-and-build >/dev/null
static=$PWD/library/target/native-bin/sr-true
[ -x "$static" ] || ./build -q -pl library -am package -DskipTests
[ -x "$static" ] || { echo "bench-run: no $static" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seq "$JOBS" > "$tmp/in"

# measure NAME COMMAND...: "wall_s cpu_s max_rss_kib" of COMMAND reading $tmp/in, output dropped
measure() {
  local name=$1; shift
  /usr/bin/time -o "$tmp/t" -f '%e %U %S %M' "$@" < "$tmp/in" > /dev/null 2> "$tmp/err" || {
    echo "bench-run: $name failed:" >&2; cat "$tmp/err" >&2; exit 1; }
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$tmp/t"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_tool() { # TOOL PROGRAM
  case $1 in
    spawnring) measure "$1" ./spawnring run -j "$P" "$2" ;;
    xargs)     measure "$1" xargs -P "$P" -n 1 "$2" ;;
    parallel)  measure "$1" parallel --will-cite -j "$P" "$2" ;;
  esac
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A wall cpu
for kind in true static; do
  program=/bin/true
  [ "$kind" = static ] && program=$static
  echo "bench-run: $JOBS jobs of $program, -j $P, $ROUNDS rounds ($(nproc) CPUs, $(uname -r))" >&2
  for round in $(seq "$ROUNDS"); do
    order=$TOOLS
    [ $((round % 2)) = 0 ] && order=$(echo "$TOOLS" | tr ' ' '\n' | tac | tr '\n' ' ')
    for tool in $order; do
      r=$(run_tool "$tool" "$program")
      read -r w c _ <<< "$r"
      wall[$kind.$tool]+="$w "
      cpu[$kind.$tool]+="$c "
      echo "  round $round $tool: $w s wall, $c s CPU" >&2
    done
  done
done

echo "bench-run: $JOBS jobs of 'echo {}' (output captured and printed), -j $P, 1 round" >&2
declare -A echo_wall
for tool in $TOOLS; do
  r=$(run_tool "$tool" echo)
  echo_wall[$tool]=${r%% *}
done

echo
echo "$(nproc) CPUs, $(uname -r); load average before: $load_start, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| $JOBS jobs, \`-j $P\` | \`/bin/true\`: wall s, median (all) | CPU s, median | \`sr-true\` (static): wall s, median (all) | CPU s, median | \`echo {}\`: wall s |"
echo "| --- | --- | --- | --- | --- | --- |"
for tool in $TOOLS; do
  case $tool in
    spawnring) label='`spawnring run`' ;;
    xargs) label='`xargs -P '"$P"' -n 1`' ;;
    parallel) label='GNU `parallel`' ;;
  esac
  line="| $label"
  for kind in true static; do
    line+=" | $(echo "${wall[$kind.$tool]}" | median) (${wall[$kind.$tool]% }) | $(echo "${cpu[$kind.$tool]}" | median)"
  done
  echo "$line | ${echo_wall[$tool]} |"
done

[ "$BIG" -gt 0 ] || exit 0
echo "bench-run: spawnring max RSS over 10,000 and $BIG jobs, default heap and -Xmx64m" >&2
seq 10000 > "$tmp/in"
small=$(measure spawnring ./spawnring run -j "$P" true)
small_capped=$(JAVA_TOOL_OPTIONS=-Xmx64m measure spawnring ./spawnring run -j "$P" true)
seq "$BIG" > "$tmp/in"
big=$(measure spawnring ./spawnring run -j "$P" true)
big_capped=$(JAVA_TOOL_OPTIONS=-Xmx64m measure spawnring ./spawnring run -j "$P" true)
echo
echo "| \`spawnring run -j $P true\` | wall s | max RSS | wall s, \`-Xmx64m\` | max RSS, \`-Xmx64m\` |"
echo "| --- | --- | --- | --- | --- |"
mib() { echo "$(( ${1##* } / 1024 )) MiB"; }
echo "| 10,000 jobs | ${small%% *} | $(mib "$small") | ${small_capped%% *} | $(mib "$small_capped") |"
echo "| $(printf "%'d" "$BIG") jobs | ${big%% *} | $(mib "$big") | ${big_capped%% *} | $(mib "$big_capped") |"
