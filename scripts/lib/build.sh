# Sourced by the scripts that build: `swift build` with its output in a log and
# a line of progress every 15 s (the first build takes several minutes and would
# otherwise print nothing), the log's tail when it fails.
#   build_showing_progress LOG [swift build arguments...]
build_showing_progress() {
  local log=$1
  shift
  echo "build: swift build $* (the first build takes several minutes; log $log)" >&2
  swift build "$@" >"$log" 2>&1 &
  local pid=$! waited=0 status=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
    if [ $((waited % 15)) = 0 ]; then
      local step
      step=$(grep -o '^\[[0-9]*/[0-9]*\]' "$log" 2>/dev/null | tail -n 1 || true)
      echo "build: ${step:-resolving and planning} after ${waited} s" >&2
    fi
  done
  wait "$pid" || status=$?
  if [ "$status" != 0 ]; then
    tail -n 60 "$log" >&2
    echo "build: failed (exit $status); the whole log is $log" >&2
    return "$status"
  fi
  echo "build: done in ${waited} s" >&2
}
