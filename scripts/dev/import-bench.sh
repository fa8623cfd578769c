#!/usr/bin/env bash
# Dev benchmark of `msplit import` on a large state dict (torchvision vgg16, ~553 MB): wall time,
# peak RSS (/usr/bin/time -v "Maximum resident set size") and peak RSS / file size, RUNS times,
# plus tsx's own start-up cost. Needs Debian's PyTorch at /usr/bin/python3 to make the file once.
#
#   scripts/dev/import-bench.sh [RUNS]      (run from anywhere; default 3 runs)
set -euo pipefail

RUNS="${1:-3}"
PTH=/tmp/vgg16.pth
OUT=/tmp/vgg16.onnx
cd "$(dirname "$0")/../.."

if [[ ! -x /usr/bin/time ]]; then
  echo "/usr/bin/time is missing: apt-get install -y time" >&2
  exit 1
fi
if [[ ! -f "$PTH" ]]; then
  echo "making $PTH"
  /usr/bin/python3 -c "import torch, torchvision; torch.save(torchvision.models.vgg16().state_dict(), '$PTH')"
fi
size=$(stat -c %s "$PTH")
echo "file $PTH: $size bytes ($(awk -v s="$size" 'BEGIN{printf "%.1f", s/1048576}') MiB); $(nproc) cores"
echo "load before: $(uptime)"

# measure LABEL CMD...: runs CMD under /usr/bin/time -v, prints wall time, peak RSS, ratio to file.
measure() {
  local label=$1; shift
  local log
  log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
  local wall rss user sys
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  user=$(sed -n 's/.*User time (seconds): //p' "$log")
  sys=$(sed -n 's/.*System time (seconds): //p' "$log")
  awk -v l="$label" -v w="$wall" -v r="$rss" -v s="$size" -v u="$user" -v y="$sys" \
    'BEGIN{printf "%-12s wall %8s  cpu %5.2fs user + %5.2fs sys  peak RSS %7.1f MiB  (%.2fx file)\n", l, w, u, y, r/1024, r*1024/s}'
  rm -f "$log"
}

echo "command: /usr/bin/time -v node --import tsx src/cli/main.ts import $PTH -o $OUT"
for i in $(seq 1 "$RUNS"); do
  rm -f "$OUT"
  measure "import #$i" node --import tsx src/cli/main.ts import "$PTH" -o "$OUT"
  echo "             load: $(uptime | sed 's/.*load average/load average/')"
done
ls -l "$OUT"
echo "command: /usr/bin/time -v node --import tsx -e 0"
for i in $(seq 1 "$RUNS"); do
  measure "tsx -e 0 #$i" node --import tsx -e 0
done
echo "load after: $(uptime)"
