// libtdsr_omp_env.so: Java loads it just before libgomp.so.1 (jni/Tdsr.java's preload list), so that libgomp, which
// reads its environment once when it loads, starts with OMP_WAIT_POLICY=passive unless the user set a policy.
// Why: with active waiting a thread that reaches a barrier first spins on its core; on cores shared with other jobs
// the spinning thread takes the time its partner needs. Full-size 8x step, 2 threads, 2026-12-01 20:25, load 2-2.5:
// 15.0-16.0 s active (1 thread: 11.5-12.0 s), 7.2 s passive (1 thread: 10.5 s). DECISIONS, "Threads".
#include <cstdlib>

__attribute__((constructor)) static void tdsr_passive_omp_wait() { setenv("OMP_WAIT_POLICY", "passive", 0); }
