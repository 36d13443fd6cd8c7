#!/usr/bin/env bash
# Compiles the library's C: the child-side interpreter (a shared library packed in
# the jar under native/linux-x86_64) and the small programs the tests run as
# children. Called by the Maven build (exec-maven-plugin).
#   build-native.sh LIBDIR BINDIR
set -euo pipefail
libdir=$1 bindir=$2
src="$(cd "$(dirname "$0")" && pwd)/src"
cc=${CC:-cc}
harden=(-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fcf-protection)
mkdir -p "$libdir" "$bindir"

# The interpreter: no libc beyond raw syscalls in the child; see spawnring.c.
"$cc" -std=gnu11 -O2 -fPIC -Wall -Wextra -Werror "${harden[@]}" -shared \
  -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--no-undefined \
  -o "$libdir/libspawnring.so" "$src"/main/c/*.c "$src"/main/c/*.S

# Helper programs run as children by tests.
for prog in "$src"/test/c/*.c; do
  [ -e "$prog" ] || continue
  name=$(basename "$prog" .c)
  "$cc" -std=gnu11 -O2 -Wall -Wextra -Werror "${harden[@]}" -static \
    -o "$bindir/$name" "$prog"
done
