// The CPU twins' thread count, one number for the whole engine.
#pragma once

#include <omp.h>

#include <atomic>

namespace tdsr::cpu {

// The engine's thread count (tdsr_set_num_threads). Kept here rather than read from OpenMP, whose count is per native
// thread: a Java thread that never set it would use all processors and cut its GEMMs differently, giving results that
// depend on the calling thread.
inline std::atomic<int>& engine_threads() {
    static std::atomic<int> n{1};
    return n;
}

// OpenMP's count is an attribute of each native thread, so a Java thread that never called tdsr_set_num_threads would
// open its parallel regions with every processor. The C boundary calls this before each CPU twin.
inline void adopt_engine_threads() {
    thread_local int adopted = 0;
    const int n = engine_threads().load();
    if (adopted != n) {
        omp_set_num_threads(n);
        adopted = n;
    }
}

}  // namespace tdsr::cpu
