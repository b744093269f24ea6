# Stage runner shared by the device scripts (gpu-device.sh, rq-device-model.sh), sourced after they set T0 (start, epoch
# seconds), BUDGET_S, LOG and OUT: each stage runs under what is left of the budget, and a stage the budget cuts is
# reported, not fatal, so one run always brings back what it measured.
say() { echo "## $(( $(date +%s) - T0 ))s $*" | tee -a "$LOG"; }
left() { echo $(( BUDGET_S - ($(date +%s) - T0) )); }
stage() {
  local name=$1; shift
  local l; l=$(left)
  if [ "$l" -le 10 ]; then say "SKIPPED $name (budget spent)"; return 0; fi
  say "stage $name (budget left ${l}s)"
  set +e
  timeout "$l" "$@" 2>>"$OUT/stderr.txt" | tee -a "$LOG"
  local rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" = 0 ] || say "stage $name exit $rc$([ "$rc" = 124 ] && echo ' (cut by the budget)')"
}
