// Host memory (the caching allocator over aligned_alloc), transfers, fill/copy, the reductions and the GEMM.
#include "../ops/tensor.hpp"
#include "../alloc.hpp"
#include "blas.hpp"

#include <algorithm>
#include <cstring>

namespace tdsr::cpu {

void* allocate(int, size_t bytes) {
    void* p = host_allocator().allocate(bytes);
    // Zero-filled (tdsr.h); a full-size activation is tens of MB, so the engine's threads share the clearing.
    const int threads = free_threads();
    if (threads > 1 && bytes >= (size_t(4) << 20)) {
        const size_t chunk = (bytes / threads + 63) & ~size_t(63);
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int t = 0; t < threads; t++) {
            const size_t begin = std::min(bytes, size_t(t) * chunk), end = std::min(bytes, begin + chunk);
            std::memset(static_cast<char*>(p) + begin, 0, end - begin);
        }
    } else {
        std::memset(p, 0, bytes);
    }
    return p;
}

void release(int, void* ptr, size_t) noexcept { host_allocator().free(ptr); }

std::string memory_describe(int) { return host_allocator().describe(); }

AllocatorStats memory_stats(int) { return host_allocator().stats(); }

void empty_cache(int) { host_allocator().empty_cache(); }

void upload(tdsr_tensor* t, const void* src, int64_t offset, int64_t count) {
    std::memcpy(static_cast<char*>(t->raw()) + offset * dtype_size(t->dtype), src, count * dtype_size(t->dtype));
}

void download(const tdsr_tensor* t, void* dst, int64_t offset, int64_t count) {
    std::memcpy(dst, static_cast<const char*>(t->raw()) + offset * dtype_size(t->dtype), count * dtype_size(t->dtype));
}

void fill(tdsr_tensor* t, double value) {
    if (t->dtype == TDSR_I32) {
        int32_t* d = t->data<int32_t>();
        for (int64_t i = 0; i < t->numel; i++) d[i] = static_cast<int32_t>(value);
        return;
    }
    dispatch_float("tensor_fill", t, [&](auto tag) {
        using T = decltype(tag);
        T* d = t->data<T>();
        const T v = static_cast<T>(value);
        for (int64_t i = 0; i < t->numel; i++) d[i] = v;
    });
}

void copy(tdsr_tensor* dst, const tdsr_tensor* src) {
    std::memmove(dst->raw(), src->raw(), src->numel * dtype_size(src->dtype));
}

double sum(const tdsr_tensor* x) {
    double s = 0;
    dispatch_float("sum", x, [&](auto tag) {
        using T = decltype(tag);
        const T* d = x->data<T>();
        for (int64_t i = 0; i < x->numel; i++) s += d[i];
    });
    return s;
}

void finite_flag(const tdsr_tensor* x, tdsr_tensor* flag) {
    if (!all_finite(x)) fill(flag, 0.0);
}

bool all_finite(const tdsr_tensor* x) {
    bool ok = true;
    dispatch_float("all_finite", x, [&](auto tag) {
        using T = decltype(tag);
        const T* d = x->data<T>();
        for (int64_t i = 0; i < x->numel; i++)
            if (!hd::isfinite(d[i])) {
                ok = false;
                break;
            }
    });
    return ok;
}

void gemm(const GemmShape& s, const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* c) {
    dispatch_float("gemm", a, [&](auto tag) {
        using T = decltype(tag);
        gemm_parallel(false, false, s.M, s.N, s.K, T(1), a->data<T>(), s.K, b->data<T>(), s.N, T(0), c->data<T>(), s.N);
    });
}

}  // namespace tdsr::cpu
