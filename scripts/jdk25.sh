# Sourced by ./build and ./spawnring: finds a JDK 25 and exports JAVA_HOME.
# Order: SPAWNRING_JAVA_HOME, JAVA_HOME (if it is 25+), then the usual
# install folders (/usr/lib/jvm, /opt, ~/.jdks). Fails saying where it looked.

spawnring_java_feature() {
  # prints the feature version (17, 25, ...) of the JDK at $1, or nothing
  [ -x "$1/bin/javac" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null
}

spawnring_find_jdk() {
  local candidate v
  for candidate in "${SPAWNRING_JAVA_HOME:-}" "${JAVA_HOME:-}" \
      /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.jdks/*; do
    [ -n "$candidate" ] && [ -d "$candidate" ] || continue
    v=$(spawnring_java_feature "$candidate")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(spawnring_find_jdk); then
  echo "spawnring: no JDK 25 or newer found (looked at \$SPAWNRING_JAVA_HOME, \$JAVA_HOME, /usr/lib/jvm/*, /opt/java/*, /opt/jdk*, ~/.jdks/*)." >&2
  echo "spawnring: install one, or point SPAWNRING_JAVA_HOME at it." >&2
  exit 1
fi
export JAVA_HOME
# Maven needs the JDK first on PATH; the user's PATH is kept for what spawnring starts.
spawnring_user_path="$PATH"
export PATH="$JAVA_HOME/bin:$PATH"
