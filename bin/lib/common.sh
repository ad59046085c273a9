# Shared by bin/test and bin/bench: installs what a fresh Debian machine lacks.
# Sourced, not executed.

slotring_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

# redis-server (and redis-cli/redis-benchmark from redis-tools) are needed by the
# integration tests and the embedded benchmark cluster. The local cluster launcher
# starts its own processes on loopback ports; the Debian service is never used.
ensure_redis() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-benchmark >/dev/null 2>&1; then
    return 0
  fi
  echo "slotring: redis-server not found; installing it with apt-get" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq redis-server redis-tools >/dev/null
  # A package install may start the distribution's own service; we never use it.
  $sudo service redis-server stop >/dev/null 2>&1 || true
  command -v redis-server >/dev/null 2>&1 || { echo "slotring: could not install redis-server" >&2; return 1; }
}

ensure_build_tools() {
  command -v java >/dev/null 2>&1 || { echo "slotring: java (JDK 17+) is required" >&2; return 1; }
  command -v mvn >/dev/null 2>&1 || { echo "slotring: maven is required (apt-get install -y maven)" >&2; return 1; }
}

# Agrona 2.x needs this at run time; JDK 24+ additionally wants Unsafe memory access allowed.
slotring_jvm_args() {
  local args="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  if [ "${major%%.*}" -ge 24 ] 2>/dev/null; then
    args="$args --sun-misc-unsafe-memory-access=allow"
  fi
  echo "$args"
}
