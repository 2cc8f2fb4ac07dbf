// Tensor memory and data movement on CUDA devices, the whole-tensor reductions and GEMM (twins of cpu/tensor.cpp).
//
// Differs from the CPU twin: buffers come from the device's caching allocator on the device's stream and are zeroed
// there (cudaMemsetAsync); download, copies that touch the host or a second device, sum and all_finite wait for the
// stream (the caller needs the bytes or the value). Upload does not wait: from pageable memory (what JavaCPP hands
// us) cudaMemcpyAsync returns only once the host buffer has been staged, so the caller may reuse it at once. sum
// adds in CUB's tree order (reduce.cuh). gemm is NOT done yet: it needs cuBLAS, whose headers this build does not
// have, so it fails with TDSR_ERR_DEVICE (see conv.cu for the same state of the convolutions).
#include "common.cuh"
#include "ops/tensor.hpp"
#include "reduce.cuh"

#include <thrust/execution_policy.h>
#include <thrust/system/cuda/execution_policy.h>

namespace tdsr::cuda {
namespace {

template <class T>
__global__ void __launch_bounds__(kThreads) fill_kernel(T* d, int64_t n, T v) {
    TDSR_GRID_STRIDE(i, n) d[i] = v;
}

// Every thread that sees a non-finite element writes the same 0: the race is benign and the result exact.
template <class T>
__global__ void __launch_bounds__(kThreads) finite_flag_kernel(const T* x, int64_t n, T* flag) {
    TDSR_GRID_STRIDE(i, n) if (!hd::isfinite(x[i])) *flag = T(0);
}

}  // namespace

void* allocate(int device, size_t bytes) {
    const On on(device);
    void* p = device_allocator(device).allocate(bytes, alloc_id(on));
    const cudaError_t e = cudaMemsetAsync(p, 0, bytes, on.stream);
    if (e != cudaSuccess) {
        device_allocator(device).free(p);
        check(e, "cudaMemsetAsync(p, 0, bytes, stream)");
    }
    return p;
}

// Back to the cache; work still queued on the stream may read the block, and only later work on that stream reuses it.
void release(int device, void* ptr, size_t) noexcept {
    try {
        device_allocator(device).free(ptr);
    } catch (...) {
        // free() throws only for a pointer it never gave out; nothing sensible is left to do in a destructor
    }
}

std::string memory_describe(int device) { return device_allocator(device).describe(); }

AllocatorStats memory_stats(int device) { return device_allocator(device).stats(); }

void empty_cache(int device) {
    const On on(device);
    TDSR_CUDA_CHECK(cudaStreamSynchronize(on.stream));
    device_allocator(device).empty_cache();
}

void upload(tdsr_tensor* t, const void* src, int64_t offset, int64_t count) {
    const On on(t);
    const size_t es = dtype_size(t->dtype);
    TDSR_CUDA_CHECK(cudaMemcpyAsync(static_cast<char*>(t->raw()) + size_t(offset) * es, src, size_t(count) * es,
                                    cudaMemcpyHostToDevice, on.stream));
}

void download(const tdsr_tensor* t, void* dst, int64_t offset, int64_t count) {
    const On on(t);
    const size_t es = dtype_size(t->dtype);
    TDSR_CUDA_CHECK(cudaMemcpyAsync(dst, static_cast<const char*>(t->raw()) + size_t(offset) * es, size_t(count) * es,
                                    cudaMemcpyDeviceToHost, on.stream));
    TDSR_CUDA_CHECK(cudaStreamSynchronize(on.stream));
}

void fill(tdsr_tensor* t, double value) {
    const On on(t);
    if (t->dtype == TDSR_I32) {
        launch(t->numel, on.stream, &fill_kernel<int32_t>, t->data<int32_t>(), t->numel, static_cast<int32_t>(value));
        return;
    }
    dispatch_float("tensor_fill", t, [&](auto tag) {
        using T = decltype(tag);
        launch(t->numel, on.stream, &fill_kernel<T>, t->data<T>(), t->numel, static_cast<T>(value));
    });
}

// Called for every copy with a CUDA side (the C boundary picks this twin). cudaMemcpyDefault finds the direction
// from the pointers (unified addressing). Within one device an overlapping pair (views of one buffer) goes through
// a scratch copy, since cudaMemcpy does not promise memmove semantics.
void copy(tdsr_tensor* dst, const tdsr_tensor* src) {
    const size_t bytes = size_t(src->numel) * dtype_size(src->dtype);
    if (bytes == 0) return;
    const int dd = dst->device(), sd = src->device();
    const char* s = static_cast<const char*>(src->raw());
    char* d = static_cast<char*>(dst->raw());
    if (dd == sd) {
        const On on(dd);
        if (d == s) return;
        if (d < s + bytes && s < d + bytes) {
            Scratch tmp(on, bytes);
            TDSR_CUDA_CHECK(cudaMemcpyAsync(tmp.as<char>(), s, bytes, cudaMemcpyDeviceToDevice, on.stream));
            TDSR_CUDA_CHECK(cudaMemcpyAsync(d, tmp.as<char>(), bytes, cudaMemcpyDeviceToDevice, on.stream));
        } else {
            TDSR_CUDA_CHECK(cudaMemcpyAsync(d, s, bytes, cudaMemcpyDeviceToDevice, on.stream));
        }
        return;
    }
    if (sd == TDSR_DEVICE_CPU) {  // host -> device: staged from pageable memory before the call returns
        const On on(dd);
        TDSR_CUDA_CHECK(cudaMemcpyAsync(d, s, bytes, cudaMemcpyDefault, on.stream));
        return;
    }
    if (dd == TDSR_DEVICE_CPU) {  // device -> host: the host side is usable after the call
        const On on(sd);
        TDSR_CUDA_CHECK(cudaMemcpyAsync(d, s, bytes, cudaMemcpyDefault, on.stream));
        TDSR_CUDA_CHECK(cudaStreamSynchronize(on.stream));
        return;
    }
    // Device to device: src's pending writes first, then the copy on dst's stream, finished before src's stream may
    // reuse the source block.
    const On src_on(sd);
    TDSR_CUDA_CHECK(cudaStreamSynchronize(src_on.stream));
    const On dst_on(dd);
    TDSR_CUDA_CHECK(cudaMemcpyAsync(d, s, bytes, cudaMemcpyDefault, dst_on.stream));
    TDSR_CUDA_CHECK(cudaStreamSynchronize(dst_on.stream));
}

double sum(const tdsr_tensor* x) {
    const On on(x);
    double s = 0;
    dispatch_float("sum", x, [&](auto tag) {
        using T = decltype(tag);
        ThrustScratch alloc{&on};
        s = thrust_call("sum", [&] { return reduce::sum_double(thrust::cuda::par(alloc).on(on.stream), x->data<T>(), x->numel); });
    });
    return s;
}

bool all_finite(const tdsr_tensor* x) {
    const On on(x);
    bool ok = true;
    dispatch_float("all_finite", x, [&](auto tag) {
        using T = decltype(tag);
        ThrustScratch alloc{&on};
        ok = thrust_call("all_finite",
                         [&] { return reduce::all_finite(thrust::cuda::par(alloc).on(on.stream), x->data<T>(), x->numel); });
    });
    return ok;
}

void finite_flag(const tdsr_tensor* x, tdsr_tensor* flag) {
    const On on(x);
    dispatch_float("finite_flag", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &finite_flag_kernel<T>, x->data<T>(), x->numel, flag->data<T>());
    });
}

void gemm(const GemmShape& s, const tdsr_tensor*, const tdsr_tensor*, tdsr_tensor*) {
    fail_device((Msg() << "gemm [" << s.M << "x" << s.K << "]x[" << s.K << "x" << s.N
                       << "] on CUDA needs the cuDNN/cuBLAS engine, which this build does not have yet")
                    .str());
}

}  // namespace tdsr::cuda
