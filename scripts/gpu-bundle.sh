#!/usr/bin/env bash
# Prepares .gpu/ (git-ignored) on a build machine: everything scripts/gpu-check.sh needs on a GPU machine that has
# no Java, no Maven and no network. About 55 MB (built without oneDNN, see below), inside the 64 MiB a device call carries:
#   tdsr-native.jar    the fat jar (engine + CUDA library for sm_75..sm_90, JNI glue of the cuDNN/cuBLAS presets)
#   tests.jar          the compiled test classes (the GPU suite: CudaParityTest, CudaTrainingTest, CudaGraphTest, CudaGraphTrainingTest)
#   junit.jar          JUnit's console launcher (runs the suite without Maven)
#   jre.tar.gz         a jlinked Temurin 25 runtime (docs: shared design build.md section 8)
#   openblas/include   cblas.h and openblas_config.h, so the native build can be redone there with its nvcc (the
#                      OpenBLAS runtime itself is taken out of the jar there: 37 MB uncompressed)
# Usage: scripts/gpu-bundle.sh   (then: device run with carry [".gpu"] and command "bash scripts/gpu-check.sh")
set -euo pipefail
cd "$(dirname "$0")/.."
JUNIT_VERSION=1.14.4
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}

grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu && mkdir -p .gpu/openblas/include
# clean: no stale native files in the jar. No oneDNN (libdnnl.so.3 is 94 MB uncompressed, 27 MB in the jar, and
# would not fit the 64 MiB a device call carries): the GPU suite's CPU side runs the engine's own cores there.
mvn -B -q clean package -DskipTests -Dtdsr.onednn.skip=true
cp target/tdsr-native.jar .gpu/
"$JDK25/bin/jar" cf .gpu/tests.jar -C target/test-classes .
mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_VERSION \
    -DoutputDirectory=.gpu
mv .gpu/junit-platform-console-standalone-$JUNIT_VERSION.jar .gpu/junit.jar
blas=$(sed -n 's/^OPENBLAS_ROOT:PATH=//p' target/cmake/CMakeCache.txt)
cp "$blas"/include/cblas.h "$blas"/include/openblas_config.h .gpu/openblas/include/
rm -rf /tmp/tdsr-jre && "$JDK25/bin/jlink" --add-modules java.base,java.desktop,java.logging,java.management,java.sql,jdk.unsupported \
    --strip-debug --no-header-files --no-man-pages --output /tmp/tdsr-jre
tar czf .gpu/jre.tar.gz -C /tmp tdsr-jre
du -sh .gpu .gpu/*
echo "carried + tracked: $(( ( $(du -sb .gpu | cut -f1) + $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) ) / 1048576 )) MiB (limit 64)"
