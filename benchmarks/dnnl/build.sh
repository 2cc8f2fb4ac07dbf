#!/bin/sh
# Builds benchmarks/dnnl/dnnl_bench against the org.bytedeco:dnnl preset in ~/.m2 and the engine in target/.
# Usage: benchmarks/dnnl/build.sh && target/dnnl-bench/dnnl_bench THREADS BATCH [SHAPE...]
set -e
cd "$(dirname "$0")/../.."
jar="${DNNL_JAR:-$HOME/.m2/repository/org/bytedeco/dnnl/3.8.1-1.5.12/dnnl-3.8.1-1.5.12-linux-x86_64.jar}"
out=target/dnnl-bench
mkdir -p "$out"
[ -f "$out/org/bytedeco/dnnl/linux-x86_64/libdnnl.so.3" ] || (cd "$out" && unzip -q -o "$jar" 'org/bytedeco/dnnl/linux-x86_64/*')
dnnl="$out/org/bytedeco/dnnl/linux-x86_64"
eng=target/classes/dev/tdsr/engine/jni/linux-x86_64
blas=$(sed -n "s/^OPENBLAS_ROOT:PATH=//p" target/cmake/CMakeCache.txt)/include/cblas.h
g++ -O2 -std=c++17 -fopenmp -march=x86-64-v3 -I"$dnnl/include" -Isrc/main/cpp -I"$(dirname "$blas")" \
    benchmarks/dnnl/dnnl_bench.cpp -o "$out/dnnl_bench" \
    -L"$dnnl" -l:libdnnl.so.3 -L"$eng" -ltdsr_cpu -l:libopenblas.so.0 \
    -Wl,-rpath,"$(pwd)/$dnnl" -Wl,-rpath,"$(pwd)/$eng"
echo "built $out/dnnl_bench"
