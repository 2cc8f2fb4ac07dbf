// Tensor memory and data movement, and the reductions and GEMM the Java side calls directly: the checks and the
// twins (cpu/tensor.cpp, src/main/cuda/tensor.cu). Buffers come from the device's caching allocator (alloc.hpp).
#pragma once

#include "../alloc.hpp"
#include "../core.hpp"
#include "hostdev.hpp"

namespace tdsr {

// [offset, offset + count) inside t, host buffer present, dtype as the call says.
inline void check_transfer(const char* op, const tdsr_tensor* t, int dtype, int64_t offset, int64_t count,
                           const void* host) {
    require_tensor(op, "t", t);
    if (!host && count > 0) fail(Msg() << op << ": host buffer is null");
    if (t->dtype != dtype)
        fail(Msg() << op << ": tensor is " << dtype_name(t->dtype) << ", the call is for " << dtype_name(dtype));
    if (offset < 0 || count < 0 || offset + count > t->numel)
        fail(Msg() << op << ": range [" << offset << ", " << offset + count << ") outside tensor " << shape_str(t));
}

inline void check_copy(const tdsr_tensor* dst, const tdsr_tensor* src) {
    const char* op = "tensor_copy";
    require_tensor(op, "dst", dst);
    require_tensor(op, "src", src);
    if (dst->dtype != src->dtype)
        fail(Msg() << op << ": mixed dtypes " << dtype_name(dst->dtype) << " and " << dtype_name(src->dtype));
    require_numel(op, "dst", dst, src->numel);
}

// C[M,N] = A[M,K] B[K,N], row-major.
struct GemmShape {
    int M, N, K;
};

inline GemmShape check_gemm(const tdsr_tensor* a, const tdsr_tensor* b, const tdsr_tensor* c) {
    const char* op = "gemm";
    require_ndim(op, "a", a, 2);
    require_ndim(op, "b", b, 2);
    require_ndim(op, "c", c, 2);
    require_alike(op, {a, b, c});
    require_float(op, "a", a);
    if (a->dim(1) != b->dim(0) || c->dim(0) != a->dim(0) || c->dim(1) != b->dim(1))
        fail(Msg() << op << ": shapes a " << shape_str(a) << ", b " << shape_str(b) << ", c " << shape_str(c)
                   << " do not form C[M,N] = A[M,K] B[K,N]");
    return GemmShape{int(a->dim(0)), int(b->dim(1)), int(a->dim(1))};
}

// flag [1] (x's dtype and device) keeps its value when every element of x is finite and becomes 0 otherwise: the NaN
// guard of a training step, an AND over the loss and the gradient slab that stays on the device (the optimizer
// steps read it, and the host reads it once after the step).
inline void check_finite_flag(const tdsr_tensor* x, const tdsr_tensor* flag) {
    const char* op = "finite_flag";
    require_tensor(op, "x", x);
    require_float(op, "x", x);
    require_numel(op, "flag", flag, 1);
    require_alike(op, {x, flag});
}

// Twins. allocate returns zeroed memory aligned to 64 bytes (AVX-512 loads, coalesced CUDA access) or throws
// OutOfMemory; release never throws (it runs in destructors). copy moves between any two devices (cudaMemcpy
// knows the direction from the pointers) and tolerates overlap within one device.
#define TDSR_TENSOR_TWINS(ns)                                                                                      \
    namespace ns {                                                                                                 \
    void* allocate(int device, size_t bytes);                                                                      \
    void release(int device, void* ptr, size_t bytes) noexcept;                                                    \
    std::string memory_describe(int device);                                                                       \
    AllocatorStats memory_stats(int device);                                                                       \
    void empty_cache(int device);                                                                                  \
    void upload(tdsr_tensor* t, const void* src, int64_t offset, int64_t count);                                   \
    void download(const tdsr_tensor* t, void* dst, int64_t offset, int64_t count);                                 \
    void fill(tdsr_tensor* t, double value);                                                                       \
    void copy(tdsr_tensor* dst, const tdsr_tensor* src);                                                           \
    double sum(const tdsr_tensor* x);                                                                              \
    bool all_finite(const tdsr_tensor* x);                                                                         \
    void finite_flag(const tdsr_tensor* x, tdsr_tensor* flag);                                                     \
    void gemm(const GemmShape& s, const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* c);                     \
    }
TDSR_TENSOR_TWINS(cpu)
TDSR_TENSOR_TWINS(cuda)

}  // namespace tdsr
