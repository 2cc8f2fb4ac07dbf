#!/usr/bin/env bash
# The prepared GPU check: one run on a GPU machine that has no Java, no Maven and no network, from a work tree with
# the bundle of scripts/gpu-bundle.sh carried in .gpu/. Every step has its own timeout, all of them together stay
# within 8 minutes, and one failing step does not stop the rest; the end is a summary table (also $OUT/summary.md).
#
#   1 gpu           nvidia-smi: the GPU and its driver
#   2 native-build  the engine and CUDA library rebuilt with this machine's nvcc for sm_90 (also gives the native tests)
#   3 native-tests  cuda_twins_test (every CUDA twin against the CPU twin, in C++), reduce_test, mining_test, alloc_test
#   4 memcheck      compute-sanitizer memcheck on cuda_twins_test
#   5 info          java -jar tdsr-native.jar info --device cuda: GPU, driver, CUDA runtime, cuDNN, cuBLAS, TF32
#   6 gpu-suite     the JUnit GPU suite (CudaParityTest, CudaTrainingTest, CudaGraphTest) with TF32 off
#   7 train-graph   train --mode tdsr --device cuda --cuda-graph on a small synthetic set (after a 10-step detector),
#                   and the same run eagerly: both runs' mean seconds per step after the first stage
#   8 train-quick   train --quick --device cuda (the smoke study, end to end)
#   9 step-x4/x8    bench-step: full-size TDSR step at 4x and 8x, batch 6, TF32 on; step-x4-graph: the 4x step
#                   captured and replayed (bench-step --cuda-graph)
#
# Users with a GPU run the same script: scripts/gpu-bundle.sh once, then bash scripts/gpu-check.sh on the GPU machine.
# Usage: bash scripts/gpu-check.sh [--dry-run]
#   --dry-run  on a machine without a GPU: the same steps with the local build (target/), each failing cleanly.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DRY=0
[[ "${1:-}" == "--dry-run" ]] && DRY=1
OUT=${OUT:-/tmp/gpu-check}
mkdir -p "$OUT"
BUDGET=470            # seconds for all steps (8 minutes, less a margin for the summary)
T0=$(date +%s)
ROWS=()

# step NAME LIMIT CMD...: runs CMD under min(LIMIT, what is left of the budget), logs to $OUT/NAME.log.
step() {
    local name=$1 limit=$2
    shift 2
    local left=$((BUDGET - ($(date +%s) - T0)))
    ((limit > left)) && limit=$left
    if ((limit < 5)); then
        ROWS+=("| $name | not run | 0 s | the 8-minute budget is spent |")
        return 1
    fi
    echo "=== $name (limit ${limit}s): $*"
    local s=$(date +%s)
    timeout --kill-after=5 "$limit" "$@" >"$OUT/$name.log" 2>&1
    local rc=$? secs=$(($(date +%s) - s)) status
    case $rc in
        0) status=ok ;;
        124 | 137) status="TIMEOUT" ;;
        *) status="FAIL ($rc)" ;;
    esac
    tail -n 25 "$OUT/$name.log"
    local last
    last=$(grep -v '^\s*$' "$OUT/$name.log" | tail -n 1 | cut -c1-150 | tr '|' '/')
    ROWS+=("| $name | $status | ${secs} s | ${last} |")
    return $rc
}

# ---- the bundle and the libraries ----------------------------------------------------------------------------------
if ((DRY)); then
    JAVA=${JAVA:-java}
    JAR=$ROOT/target/tdsr-native.jar
    TESTS=$ROOT/target/test-classes
    JUNIT=$(ls "$ROOT"/.gpu/junit.jar ~/.m2/repository/org/junit/platform/junit-platform-console-standalone/*/*.jar 2>/dev/null | head -n 1)
    NATIVE_TESTS=$ROOT/target/cmake/native-tests
else
    B=$ROOT/.gpu
    for f in tdsr-native.jar tests.jar junit.jar jre.tar.gz openblas/include/cblas.h; do
        [[ -e "$B/$f" ]] || { echo "gpu-check: $B/$f is missing: run scripts/gpu-bundle.sh and carry .gpu"; exit 2; }
    done
    mkdir -p /tmp/tdsr-jre && tar xzf "$B/jre.tar.gz" -C /tmp/tdsr-jre --strip-components=1
    JAVA=/tmp/tdsr-jre/bin/java
    JAR=$B/tdsr-native.jar
    TESTS=$B/tests.jar
    JUNIT=$B/junit.jar
    NATIVE_TESTS=/tmp/tdsr-build/native-tests
fi
# cuDNN, cuBLAS and the CUDA runtime of the presets come from the NVIDIA wheels of the machine's Python.
NV=$(python3 - <<'PY' 2>/dev/null
import glob, os, site
dirs = set()
for sp in site.getsitepackages() + [site.getusersitepackages()]:
    dirs.update(d for d in glob.glob(os.path.join(sp, "nvidia", "**", "lib"), recursive=True) if os.path.isdir(d))
print(":".join(sorted(dirs)))
PY
)
export LD_LIBRARY_PATH=${NV}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "gpu-check: NVIDIA library folders: ${NV:-none found}"
JFLAGS=(--enable-native-access=ALL-UNNAMED -Xss8m -Xmx32g)

# ---- the steps -----------------------------------------------------------------------------------------------------
step gpu 20 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv

if ((DRY)); then
    ROWS+=("| native-build | skipped | 0 s | dry run: the native tests of target/cmake |")
else
    build_native() {
        mkdir -p /tmp/openblas/lib && cp -r "$B/openblas/include" /tmp/openblas/ &&
            (cd /tmp/openblas/lib && python3 -m zipfile -e "$JAR" x >/dev/null &&
                cp x/dev/tdsr/engine/jni/linux-x86_64/lib{openblas.so.0,gfortran.so.5,quadmath.so.0,gcc_s.so.1} . 2>/dev/null;
                rm -rf x; ls libopenblas.so.0) &&
            cmake -S "$ROOT" -B /tmp/tdsr-build -DCMAKE_BUILD_TYPE=Release -DOPENBLAS_ROOT=/tmp/openblas \
                -DNATIVE_OUT_DIR=/tmp/tdsr-build/out -DTDSR_CUDA=ON -DTDSR_CUDA_ARCHS=90-real &&
            cmake --build /tmp/tdsr-build -j 16
    }
    step native-build 240 bash -c "$(declare -f build_native); B='$B' JAR='$JAR' ROOT='$ROOT' build_native"
fi

native_tests() {
    local rc=0
    for t in cuda_twins_test reduce_test mining_test alloc_test; do
        [[ -x "$NATIVE_TESTS/$t" ]] || { echo "$t: not built in $NATIVE_TESTS"; rc=1; continue; }
        "$NATIVE_TESTS/$t" || rc=1
    done
    return $rc
}
step native-tests 60 bash -c "$(declare -f native_tests); NATIVE_TESTS='$NATIVE_TESTS' native_tests"
if command -v compute-sanitizer >/dev/null; then
    step memcheck 90 compute-sanitizer --tool memcheck --error-exitcode 1 "$NATIVE_TESTS/cuda_twins_test"
else
    ROWS+=("| memcheck | not run | 0 s | no compute-sanitizer on this machine |")
fi

# The jar's CUDA library first; where it does not load, the one built here (JavaCPP looks on the path first then).
if ! step info 60 "$JAVA" "${JFLAGS[@]}" -jar "$JAR" info --device cuda && ((!DRY)) && [[ -d /tmp/tdsr-build/out ]]; then
    JFLAGS+=(-Djava.library.path=/tmp/tdsr-build/out -Dorg.bytedeco.javacpp.pathsFirst=true)
    step info-rebuilt 60 "$JAVA" "${JFLAGS[@]}" -jar "$JAR" info --device cuda
fi

# The suite ends with one line of counts; a test skipped for want of a GPU counts as a failure on a GPU machine.
gpu_suite() {
    # shellcheck disable=SC2086 # JF: the JVM flags, none with a space
    "$JAVA" $JF -Dtdsr.cuda.tf32=false -jar "$JUNIT" execute --class-path "$JAR:$TESTS" \
        --select-class dev.tdsr.engine.CudaParityTest --select-class dev.tdsr.train.CudaTrainingTest \
        --select-class dev.tdsr.engine.CudaGraphTest --select-class dev.tdsr.train.CudaGraphTrainingTest \
        --details=tree --disable-banner --fail-if-no-tests | tee /tmp/gpu-suite.out
    local rc=${PIPESTATUS[0]} n
    count() { sed -n "s/.*\[ *\([0-9]*\) tests $1 .*/\1/p" /tmp/gpu-suite.out | head -n 1; }
    echo "suite: $(count successful) passed, $(count failed) failed, $(count aborted) skipped (no GPU)"
    n=$(count aborted)
    ((rc == 0 && !DRY && ${n:-0} > 0)) && rc=1
    return $rc
}
if [[ -n "$JUNIT" ]]; then
    step gpu-suite 200 bash -c "$(declare -f gpu_suite); JAVA='$JAVA' JAR='$JAR' TESTS='$TESTS' JUNIT='$JUNIT' DRY=$DRY JF='${JFLAGS[*]}' gpu_suite"
else
    ROWS+=("| gpu-suite | not run | 0 s | no JUnit console launcher (run scripts/gpu-bundle.sh) |")
fi
# --cuda-graph end to end: data, a small detector, then TDSR with the captured step and the same run eagerly.
train_graph() {
    local d=$OUT/graph
    rm -rf "$d"
    # shellcheck disable=SC2086 # JF: the JVM flags, none with a space
    "$JAVA" $JF -jar "$JAR" generate-dataset --out "$d/data" --images 24 --size 300 --classes 3 >/dev/null &&
        "$JAVA" $JF -jar "$JAR" train --mode detector --device cuda --data "$d/data" --size small --steps 10 \
            --out "$d/det" >/dev/null || return 1
    local rc=0 m
    for m in graph eager; do
        "$JAVA" $JF -jar "$JAR" train --mode tdsr --device cuda $([[ $m == graph ]] && echo --cuda-graph) \
            --data "$d/data" --detector "$d/det/final" --size small --schedule 5:1:0+25:1:0.01 --steps 30 \
            --checkpoint-every 1000 --out "$d/$m" >"$d/$m.log" 2>&1 || { tail -n 5 "$d/$m.log"; rc=1; continue; }
        # seconds per step over steps 6..30 (the task stage: replays for the graph run), from metrics.jsonl
        sed -n 's/.*"step":\([0-9]*\).*"seconds":\([0-9.eE+-]*\).*/\1 \2/p' "$d/$m/metrics.jsonl" |
            awk -v m=$m '$1==5{a=$2} $1==30{b=$2} END{printf "%s: %.4f s/step (steps 6-30), ", m, (b-a)/25}'
    done
    echo
    return $rc
}
step train-graph 120 bash -c "$(declare -f train_graph); JAVA='$JAVA' JAR='$JAR' OUT='$OUT' JF='${JFLAGS[*]}' train_graph"
step train-quick 240 "$JAVA" "${JFLAGS[@]}" -jar "$JAR" train --quick --device cuda --out "$OUT/quick"
for s in 4 8; do
    step step-x$s 90 "$JAVA" "${JFLAGS[@]}" -jar "$JAR" bench-step --device cuda --scale $s --batch 6 --steps 5 --warmup 2
done
# the same 4x step as the trainer's --cuda-graph replays it (with its guarded Adam update), beside the eager step
step step-x4-graph 90 "$JAVA" "${JFLAGS[@]}" -jar "$JAR" bench-step --device cuda --scale 4 --batch 6 --steps 5 \
    --warmup 2 --cuda-graph

# ---- the summary ---------------------------------------------------------------------------------------------------
{
    echo "gpu-check $( ((DRY)) && echo '(dry run) ')on $(hostname), $(date -u +%FT%TZ), $(($(date +%s) - T0)) s in all"
    echo
    echo "| step | result | time | last line |"
    echo "|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/summary.md"
