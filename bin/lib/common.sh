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

# Agrona 2.x needs an export at run time (defined once, as slotring.agrona.exports in the root pom.xml);
# JDK 24+ additionally wants Unsafe memory access allowed.
slotring_jvm_args() {
  local exports
  exports=$(sed -n 's:.*<slotring.agrona.exports>\(.*\)</slotring.agrona.exports>.*:\1:p' "$(slotring_root)/pom.xml")
  [ -n "$exports" ] || { echo "slotring: slotring.agrona.exports missing from pom.xml" >&2; return 1; }
  local args="--add-exports $exports=ALL-UNNAMED"
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  if [ "${major%%.*}" -ge 24 ] 2>/dev/null; then
    args="$args --sun-misc-unsafe-memory-access=allow"
  fi
  echo "$args"
}

# The benchmark JVM's flags, the same for every client (bin/bench and bin/lib/profile.sh):
#   -Xms1g -Xmx1g -XX:+AlwaysPreTouch  a fixed, pre-faulted heap, so no run pays for heap growth or page faults.
#   -XX:+UseParallelGC                 the throughput collector: on 2 cores it takes the least CPU from the
#                                      clients and redis-servers (no concurrent marking threads, cheapest barriers);
#                                      the live set is ~100 MB of keys and values, so young pauses stay short. It
#                                      serves every client alike; allocation-heavy clients pay for their garbage in
#                                      CPU/op, which is part of what is measured.
slotring_bench_jvm_args() {
  echo "$(slotring_jvm_args) -Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseParallelGC"
}
