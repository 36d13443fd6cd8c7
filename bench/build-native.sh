#!/usr/bin/env bash
# Compiles the benchmark's C programs (its tiny children and the C floor) into
# BINDIR, which the Maven build packs in the bench jar (native/linux-x86_64/bin).
# A program that defines _start is built without libc, so that its first
# instruction is its own.
#   build-native.sh BINDIR
set -euo pipefail
bindir=$1
src="$(cd "$(dirname "$0")" && pwd)/src/main/c"
cc=${CC:-cc}
harden=(-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fcf-protection)
mkdir -p "$bindir"
for prog in "$src"/*.c; do
  name=$(basename "$prog" .c)
  if grep -q '_start(' "$prog"; then
    "$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -static -nostdlib -fno-stack-protector -fcf-protection=none \
      -Wl,-z,noexecstack -o "$bindir/$name" "$prog"
  else
    "$cc" -std=gnu11 -O2 -Wall -Wextra -Werror "${harden[@]}" -static -o "$bindir/$name" "$prog"
  fi
done
