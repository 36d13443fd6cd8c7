#!/usr/bin/env bash
# Compiles the library's C: the child-side interpreter and sr_call (a shared library
# packed in the jar under native/linux-x86_64, with its SHA-256) and the small
# programs the tests run as children. Called by the Maven build (exec-maven-plugin).
#   build-native.sh LIBDIR BINDIR
set -euo pipefail
libdir=$1 bindir=$2
src="$(cd "$(dirname "$0")" && pwd)/src"
cc=${CC:-cc}
harden=(-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fcf-protection)
mkdir -p "$libdir" "$bindir"

# The interpreter (no libc beyond raw syscalls in the child; see spawnring.c) and
# sr_call, the one function the Java side links (call.c).
"$cc" -std=gnu11 -O2 -fPIC -Wall -Wextra -Werror "${harden[@]}" -shared \
  -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--no-undefined \
  -o "$libdir/libspawnring.so" "$src"/main/c/*.c "$src"/main/c/*.S
# Its SHA-256, beside it in the jar: the name of its copy in the per-user cache
# (NativeLibrary), so that a JVM need not hash it to find that copy.
sha256sum "$libdir/libspawnring.so" | cut -d' ' -f1 > "$libdir/libspawnring.so.sha256"

# Helper programs run as children by tests.
for prog in "$src"/test/c/*.c; do
  [ -e "$prog" ] || continue
  name=$(basename "$prog" .c)
  "$cc" -std=gnu11 -O2 -Wall -Wextra -Werror "${harden[@]}" -static \
    -o "$bindir/$name" "$prog"
done
