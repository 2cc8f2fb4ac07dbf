// The CPU twins' thread count, one number for the whole engine.
#pragma once

#include <omp.h>

#include <atomic>
#include <cstdint>

namespace tdsr::cpu {

// The engine's thread count (tdsr_set_num_threads). Kept here rather than read from OpenMP, whose count is per native
// thread: a Java thread that never set it would use all processors and cut its GEMMs differently, giving results that
// depend on the calling thread.
inline std::atomic<int>& engine_threads() {
    static std::atomic<int> n{1};
    return n;
}

// The team a pass may open here: the engine's thread count, or 1 inside a parallel region (a caller's team already
// holds the threads).
inline int free_threads() { return omp_in_parallel() ? 1 : engine_threads().load(); }

// Sums term(i) for i in [0, n) in double, in four running sums added in a fixed order: the same result on every run,
// without the latency of one chain of dependent double adds (the PReLU and bias gradients of a full-size D-DBPN map).
template <class Term>
double fixed_order_sum(int64_t n, Term term) {
    double s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) s[k] += term(i + k);
    for (; i < n; i++) s[0] += term(i);
    return (s[0] + s[1]) + (s[2] + s[3]);
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
