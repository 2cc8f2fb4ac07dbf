#!/bin/sh
# Compiler launcher of libtdsr_cuda.so (CMake CUDA_COMPILER_LAUNCHER): runs the nvcc command line given after the
# log folder, keeping its stderr -- ptxas's per-kernel resource report (-Xptxas -v) -- in <log folder>/<object>.log.
# The output is shown only when the compile fails; CMake concatenates the logs into ptxas-report.txt after linking.
# Usage: ptxas-log.sh LOGDIR nvcc ARGS...
logdir=$1
shift
obj=unknown
prev=
for a in "$@"; do
  if [ "$prev" = "-o" ]; then obj=$a; fi
  prev=$a
done
mkdir -p "$logdir"
log="$logdir/$(basename "$obj").log"
"$@" 2>"$log"
rc=$?
if [ $rc -ne 0 ]; then cat "$log" >&2; fi
exit $rc
