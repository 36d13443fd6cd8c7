#!/usr/bin/env bash
# Times `spawnring run` against `xargs -P` and GNU parallel on tiny jobs, wall time
# including JVM start, then shows spawnring's max RSS over 10,000 and 100,000 jobs.
#
#   scripts/bench-run.sh                 5,000 jobs, -j 4, 3 rounds; then 10k and 100k jobs
#   JOBS=2000 ROUNDS=1 BIG=20000 scripts/bench-run.sh
#
# Needs GNU parallel (Debian package parallel) and GNU time (package time); installs them
# with apt-get when missing and allowed to. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-5000}
ROUNDS=${ROUNDS:-3}
BIG=${BIG:-100000}
P=${P:-4}

need() {
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$2" ]; then
    echo "bench-run: $1 missing, installing the Debian package $3" >&2
    (apt-get update -qq && apt-get install -y -qq "$3") >/dev/null
  fi
}
need parallel /usr/bin/parallel parallel
need time /usr/bin/time time

./spawnring run true ::: warm-up-and-build >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seq "$JOBS" > "$tmp/in"

# measure NAME COMMAND...: wall seconds and max RSS (KiB) of COMMAND reading $tmp/in, output dropped
measure() {
  local name=$1; shift
  /usr/bin/time -o "$tmp/t" -f '%e %M' "$@" < "$tmp/in" > /dev/null 2> "$tmp/err" || {
    echo "bench-run: $name failed:" >&2; cat "$tmp/err" >&2; exit 1; }
  cat "$tmp/t"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A wall
echo "bench-run: $JOBS jobs of 'true', -j $P, $ROUNDS rounds ($(nproc) CPUs, $(uname -r))" >&2
for round in $(seq "$ROUNDS"); do
  for tool in spawnring xargs parallel; do
    case $tool in
      spawnring) r=$(measure "$tool" ./spawnring run -j "$P" true) ;;
      xargs)     r=$(measure "$tool" xargs -P "$P" -n 1 true) ;;
      parallel)  r=$(measure "$tool" parallel --will-cite -j "$P" true) ;;
    esac
    wall[$tool]+="${r%% *} "
    echo "  round $round $tool: ${r%% *} s" >&2
  done
done

echo "bench-run: $JOBS jobs of 'echo {}' (output captured and printed), -j $P, 1 round" >&2
declare -A echo_wall
echo_wall[spawnring]=$(measure spawnring ./spawnring run -j "$P" echo)
echo_wall[xargs]=$(measure xargs xargs -P "$P" -n 1 echo)
echo_wall[parallel]=$(measure parallel parallel --will-cite -j "$P" echo)

echo "bench-run: spawnring max RSS over 10,000 and $BIG jobs, default heap and -Xmx64m" >&2
seq 10000 > "$tmp/in"
small=$(measure spawnring ./spawnring run -j "$P" true)
small_capped=$(JAVA_TOOL_OPTIONS=-Xmx64m measure spawnring ./spawnring run -j "$P" true)
seq "$BIG" > "$tmp/in"
big=$(measure spawnring ./spawnring run -j "$P" true)
big_capped=$(JAVA_TOOL_OPTIONS=-Xmx64m measure spawnring ./spawnring run -j "$P" true)

echo
echo "$(nproc) CPUs, $(uname -r); load average before: $load_start, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| $JOBS jobs, \`-j $P\` | \`true\`: wall s, median of $ROUNDS (all) | \`echo {}\`: wall s |"
echo "| --- | --- | --- |"
for tool in spawnring xargs parallel; do
  label=$tool
  case $tool in
    spawnring) label='`spawnring run`' ;;
    xargs) label='`xargs -P '"$P"' -n 1`' ;;
    parallel) label='GNU `parallel`' ;;
  esac
  m=$(echo "${wall[$tool]}" | tr ' ' '\n' | grep -v '^$' | median)
  echo "| $label | $m (${wall[$tool]% }) | ${echo_wall[$tool]%% *} |"
done
echo
echo "| \`spawnring run -j $P true\` | wall s | max RSS | wall s, \`-Xmx64m\` | max RSS, \`-Xmx64m\` |"
echo "| --- | --- | --- | --- | --- |"
mib() { echo "$(( ${1##* } / 1024 )) MiB"; }
echo "| 10,000 jobs | ${small%% *} | $(mib "$small") | ${small_capped%% *} | $(mib "$small_capped") |"
echo "| $(printf "%'d" "$BIG") jobs | ${big%% *} | $(mib "$big") | ${big_capped%% *} | $(mib "$big_capped") |"
