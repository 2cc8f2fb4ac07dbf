// What every CUDA twin shares: error checking (CUDA errors become tdsr::Error with TDSR_ERR_DEVICE, or OutOfMemory),
// the per-device stream, the per-device caching allocator, scratch buffers from it, a grid-stride launch helper and
// the deterministic per-channel reduction the parameter gradients and the losses use.
//
// Numerics: kernels run the TDSR_HD functors of src/main/cpp/ops/*.hpp, so per-element math is the CPU's; nvcc
// contracts a*b+c into FMA (as g++ may on x86-64-v3), so the last bit can differ. Reductions have their own, fixed
// order (see channel_reduce): results are identical run to run, but not bit-identical to the CPU's sequential sums.
#pragma once

#include "core.hpp"

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

namespace tdsr::cuda {

// Throws for a failed CUDA call: OutOfMemory for cudaErrorMemoryAllocation (requested bytes when the caller knows
// them, else 0; free bytes from cudaMemGetInfo), else fail_device("<call>: <message> (<code>)").
void check(cudaError_t e, const char* call, size_t requested = 0);

#define TDSR_CUDA_CHECK(call) ::tdsr::cuda::check((call), #call)

// The stream the calling thread's ops on `device` run on: the one use_stream gave the thread (a trainer's or a
// predictor's), else the device's own (created on first use, never destroyed). Every twin runs on it, so one thread's
// ops on a device are ordered among themselves. Streams block with the legacy default stream, so synchronous copies
// stay ordered with them.
cudaStream_t stream_for(int device);
// Sets the calling thread's stream for `device` (nullptr: the device's own again).
void use_stream(int device, cudaStream_t stream);
// Marks the calling thread as capturing `device`'s stream into a CUDA graph (-1: not capturing): its cudaMalloc then
// fails with a message instead of breaking the capture (tdsr_cuda_graph_begin / _end).
void set_capturing(int device);
// The device's copy stream, for pinned staging (created on first use, never destroyed).
cudaStream_t copy_stream_for(int device);
inline StreamId stream_id(cudaStream_t s) { return StreamId(reinterpret_cast<uintptr_t>(s)); }

// The device's caching allocator over cudaMalloc/cudaFree (created on first use, never destroyed: Java's Cleaner may
// free tensors while the process exits).
CachingAllocator& device_allocator(int device);

// Makes `device` current for the calling thread and gives its stream: the first line of every twin.
struct On {
    int device;
    cudaStream_t stream;
    explicit On(int d);
    explicit On(const tdsr_tensor* t) : On(t->device()) {}
};

// Graph pools (alloc.hpp): while the calling thread uses pool id `pool` on `device` (0: none), its allocations there
// are made under that id instead of its stream's, so a captured step's blocks serve nothing else (tdsr_cuda_pool_*).
void use_pool(int device, StreamId pool);
// The allocator id of the calling thread's next block on on.device: its graph pool if it uses one, else the stream's.
StreamId alloc_id(const On& on);

// Device scratch from the caching allocator, on the device's stream. Freed at scope exit while kernels that use it
// may still be queued: safe, because the block is reused only by later work on the same stream.
class Scratch {
public:
    Scratch(const On& on, size_t bytes);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    template <class T> T* as() const { return static_cast<T*>(ptr_); }

private:
    int device_;
    void* ptr_;
};

// Thrust's temporary storage from the caching allocator, ordered on the stream like every other scratch.
struct ThrustScratch {
    using value_type = char;
    const On* on;
    char* allocate(std::ptrdiff_t bytes) {
        return static_cast<char*>(device_allocator(on->device).allocate(size_t(bytes), alloc_id(*on)));
    }
    void deallocate(char* p, size_t) { device_allocator(on->device).free(p); }
};

// Thrust reports CUDA failures as thrust::system_error; turn them into device errors naming the op.
template <class F>
auto thrust_call(const char* op, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const OutOfMemory&) {
        throw;
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        fail_device(std::string(op) + ": " + e.what());
    }
}

// Grid-stride launches: 256 threads a block, blocks from n, capped (the loops cover the rest).
constexpr int kThreads = 256;
constexpr int64_t kMaxBlocks = 4096;

inline unsigned blocks_for(int64_t n) {
    const int64_t b = (n + kThreads - 1) / kThreads;
    return unsigned(b < 1 ? 1 : (b > kMaxBlocks ? kMaxBlocks : b));
}

// Names the kernel (cudaFuncGetName) when its launch failed.
void check_launch(const void* kernel);

// kernel<<<blocks_for(n), kThreads, 0, stream>>>(args...), checked; nothing when n <= 0. Kernels loop with
// for (i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x).
template <class... KArgs, class... Args>
void launch(int64_t n, cudaStream_t stream, void (*kernel)(KArgs...), Args... args) {
    if (n <= 0) return;
    kernel<<<blocks_for(n), kThreads, 0, stream>>>(static_cast<KArgs>(args)...);
    check_launch(reinterpret_cast<const void*>(kernel));
}

#define TDSR_GRID_STRIDE(i, n) \
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(blockDim.x) * gridDim.x)

// Copies one value back to the host (waits for the stream: the caller needs the value now).
template <class T>
T read_back(const On& on, const T* device_value) {
    T v{};
    TDSR_CUDA_CHECK(cudaMemcpyAsync(&v, device_value, sizeof(T), cudaMemcpyDeviceToHost, on.stream));
    TDSR_CUDA_CHECK(cudaStreamSynchronize(on.stream));
    return v;
}

// ---- deterministic per-channel reduction ---------------------------------------------------------------------------
// sums[c] = sum over n in [0,N), p in [0,P) of f(c, n, p) (a double), for an [N,C,P] layout. Two kernels, no atomics:
// block b of channel c sums the elements i = b*256 + t, stepping by B*256 (i = n*P + p), first per thread then by a
// fixed tree in shared memory, and writes partials[c*B + b]; then one thread per channel adds its B partials in
// order b = 0..B-1. B depends on N*P alone, so the order is fixed for a shape on every GPU.
constexpr int kReduceBlocksMax = 128;

inline int reduce_blocks(int64_t per_channel) {
    const int64_t b = (per_channel + int64_t(kThreads) * 16 - 1) / (int64_t(kThreads) * 16);
    return int(b < 1 ? 1 : (b > kReduceBlocksMax ? kReduceBlocksMax : b));
}

template <class F>
__global__ void __launch_bounds__(kThreads) channel_partials(F f, int64_t N, int64_t C, int64_t P, double* partials) {
    __shared__ double tree[kThreads];
    const int64_t B = gridDim.x, per_channel = N * P;
    for (int64_t c = blockIdx.y; c < C; c += gridDim.y) {
        double s = 0;
        for (int64_t i = int64_t(blockIdx.x) * kThreads + threadIdx.x; i < per_channel; i += B * kThreads)
            s += f(c, i / P, i % P);
        tree[threadIdx.x] = s;
        __syncthreads();
        for (int half = kThreads / 2; half > 0; half /= 2) {
            if (int(threadIdx.x) < half) tree[threadIdx.x] += tree[threadIdx.x + half];
            __syncthreads();
        }
        if (threadIdx.x == 0) partials[c * B + blockIdx.x] = tree[0];
        __syncthreads();  // tree is reused by the next channel
    }
}

// mode 0: out[c] += T(sum_c); mode 1 (shared): out[0] += T(sum over c in order of sum_c), one thread; the sums of
// the channels are formed first, as the CPU twin does. mode 2: out is a double*, out[c] = sum_c (losses).
template <class T>
__global__ void __launch_bounds__(kThreads) channel_finish(const double* partials, int64_t C, int B, int mode, T* out) {
    if (mode == 1) {
        if (blockIdx.x != 0 || threadIdx.x != 0) return;
        double total = 0;
        for (int64_t c = 0; c < C; c++) {
            double s = 0;
            for (int b = 0; b < B; b++) s += partials[c * B + b];
            total += s;
        }
        out[0] += T(total);
        return;
    }
    TDSR_GRID_STRIDE(c, C) {
        double s = 0;
        for (int b = 0; b < B; b++) s += partials[c * B + b];
        if (mode == 0) out[c] += T(s);
        else out[c] = T(s);
    }
}

enum class Finish { accumulate = 0, shared = 1, store = 2 };

// Runs both kernels of the reduction; out is T* (accumulate, shared) or double* (store), on the device.
template <class T, class F>
void channel_reduce(const On& on, F f, int64_t N, int64_t C, int64_t P, Finish mode, T* out) {
    if (C <= 0) return;
    const int B = reduce_blocks(N * P);
    Scratch partials(on, sizeof(double) * size_t(C) * size_t(B));
    const dim3 grid(unsigned(B), unsigned(C < 65535 ? C : 65535));
    channel_partials<F><<<grid, kThreads, 0, on.stream>>>(f, N, C, P, partials.as<double>());
    check_launch(reinterpret_cast<const void*>(&channel_partials<F>));
    const int64_t finish_threads = mode == Finish::shared ? 1 : C;
    launch(finish_threads, on.stream, &channel_finish<T>, partials.as<double>(), C, B, int(mode), out);
}

}  // namespace tdsr::cuda
