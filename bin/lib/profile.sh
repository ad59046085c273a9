# bin/bench profile: io.slotring.bench.ClusterBench under JFR, then io.slotring.bench.report.JfrSummary. Sourced by
# bin/bench, which has already built the bench jar (bench/target/slotring-bench.jar); not executed on its own.
#
# Defaults (each applies only when the option is not given): --clients slotring,lettuce,jedis --op get
# --warmup 10 --duration 10 --rounds 1; with --quick its own window defaults win. Priming stays ClusterBench's
# default, so every client's code is compiled before its window (what JIT warmup would otherwise put in the tables).
#
# The .jfr, ClusterBench's own report (its numbers carry the profiler's overhead) and the JSON lines go to a
# temporary directory; only the profile, YYYY-MM-DD-profile[-N].md, goes to perf-results/ (or --out).
# JVM flags beyond bin/bench's:
#   -XX:+DebugNonSafepoints     debug info at every pc, not only at safepoints, so samples in inlined code name
#                               the method they are in rather than the nearest safepoint's
#   stackdepth=128              Netty's and the harness's stacks run past JFR's default of 64 frames
#   -Xlog:jfr+startup=off       JFR's "Started recording" banner would otherwise land on stdout among the JSON lines
#                               (sending it to stderr instead does not work on JDK 17: it is logged to stdout anyway)

bench_profile_has_option() {
  local name="$1"; shift
  local arg
  for arg in "$@"; do
    case "$arg" in
      "$name"|"$name"=*) return 0 ;;
    esac
  done
  return 1
}

bench_profile() {
  local root="$1" jar="$2"; shift 2
  local tmp
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/slotring-profile.XXXXXX")"
  local out="$root/perf-results"
  local args=() defaults=()
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --out) out="${2:?--out needs a directory}"; shift 2 ;;
      --out=*) out="${1#--out=}"; shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  if bench_profile_has_option --help "${args[@]}" || bench_profile_has_option -h "${args[@]}"; then
    echo "bin/bench profile [ClusterBench options]: ClusterBench under JFR, summarized per client into" \
      "perf-results/YYYY-MM-DD-profile.md (or --out). Defaults: --clients slotring,lettuce,jedis --op get" \
      "--warmup 10 --duration 10 --rounds 1. ClusterBench's options:" >&2
    # shellcheck disable=SC2046
    java $(slotring_jvm_args) -cp "$jar" io.slotring.bench.ClusterBench --help
    return
  fi
  local command_line="bin/bench profile"
  if [ "${#args[@]}" -gt 0 ]; then
    command_line="bin/bench profile $(printf '%q ' "${args[@]}")"
    command_line="${command_line% }"
  fi
  if [ "$out" != "$root/perf-results" ]; then
    command_line="$command_line --out $(printf '%q' "$out")"
  fi
  bench_profile_has_option --clients "${args[@]}" || defaults+=(--clients slotring,lettuce,jedis)
  bench_profile_has_option --op "${args[@]}" || defaults+=(--op get)
  if ! bench_profile_has_option --quick "${args[@]}"; then
    bench_profile_has_option --warmup "${args[@]}" || defaults+=(--warmup 10)
    bench_profile_has_option --duration "${args[@]}" || defaults+=(--duration 10)
    bench_profile_has_option --rounds "${args[@]}" || defaults+=(--rounds 1)
  fi

  local jfr="$tmp/bench.jfr"
  echo "[profile] recording to $jfr (ClusterBench ${defaults[*]} ${args[*]})" >&2
  local status=0
  # shellcheck disable=SC2046  # the JVM args are several words on purpose
  java $(slotring_bench_jvm_args) \
    -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
    -XX:FlightRecorderOptions=stackdepth=128 \
    "-XX:StartFlightRecording=settings=$root/bin/lib/slotring-profile.jfc,filename=$jfr,dumponexit=true" \
    -Xlog:jfr+startup=off \
    -Dslotring.bench.command="$command_line" \
    -cp "$jar" io.slotring.bench.ClusterBench "${defaults[@]}" "${args[@]}" --out "$tmp" \
    | tee "$tmp/results.jsonl" || status=$?
  if [ ! -s "$jfr" ]; then
    echo "[profile] no recording was written (ClusterBench exit status $status)" >&2
    return "$(( status == 0 ? 1 : status ))"
  fi
  java -cp "$jar" io.slotring.bench.report.JfrSummary --jfr "$jfr" --results "$tmp/results.jsonl" --out "$out" \
    --command "$command_line" >&2 || { local summary=$?; [ "$status" -ne 0 ] || status=$summary; }
  echo "[profile] recording kept at $jfr (temporary; open it in JDK Mission Control or with 'jfr print')" >&2
  return "$status"
}
