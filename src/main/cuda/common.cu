// The shared machinery of common.cuh: error mapping, the per-device streams and caching allocators.
#include "common.cuh"

#include <memory>
#include <mutex>
#include <vector>

namespace tdsr::cuda {

namespace {

// The device whose stream the calling thread is capturing into a CUDA graph (-1: none). Capture uses
// cudaStreamCaptureModeThreadLocal, so only this thread's cudaMalloc would break it; other threads allocate freely.
thread_local int t_capturing = -1;

size_t free_device_bytes() {
    size_t free = 0, total = 0;
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
        (void)cudaGetLastError();  // do not leave the query's error behind for the next check
        return SIZE_MAX;
    }
    return free;
}

// cudaMalloc / cudaFree on one device. allocate returns nullptr when the device is out of memory (the caching
// allocator then empties its cache and retries, or throws OutOfMemory); any other error is a device failure.
struct CudaRawAllocator final : RawAllocator {
    explicit CudaRawAllocator(int d) : device(d), label("cuda:" + std::to_string(d)) {}

    void* allocate(size_t bytes) override {
        if (t_capturing == device)
            fail_device((Msg() << "cudaMalloc of " << bytes << " bytes on cuda:" << device
                               << " inside a CUDA graph capture: the caching allocator had no free block for it; run "
                                  "the captured work once eagerly first, so every block it needs is cached")
                            .str());
        TDSR_CUDA_CHECK(cudaSetDevice(device));
        void* p = nullptr;
        const cudaError_t e = cudaMalloc(&p, bytes);
        if (e == cudaErrorMemoryAllocation) {
            (void)cudaGetLastError();  // clear the (non-sticky) error
            return nullptr;
        }
        check(e, "cudaMalloc", bytes);
        return p;  // 256-byte aligned
    }

    // Called from empty_cache and the allocator's OOM path only. cudaFree waits for the device anyway; the explicit
    // synchronize says so: queued kernels may still use blocks of this segment that their tensors already released.
    // It runs inside noexcept paths, so errors are dropped (a failing device fails the next checked call instead).
    void release(void* ptr, size_t) override {
        if (cudaSetDevice(device) != cudaSuccess || cudaDeviceSynchronize() != cudaSuccess || cudaFree(ptr) != cudaSuccess)
            (void)cudaGetLastError();
    }

    size_t free_bytes() const override {
        if (cudaSetDevice(device) != cudaSuccess) {
            (void)cudaGetLastError();
            return SIZE_MAX;
        }
        return free_device_bytes();
    }

    const char* name() const override { return label.c_str(); }

    int device;
    std::string label;
};

struct DeviceState {
    cudaStream_t stream = nullptr;
    cudaStream_t copy_stream = nullptr;
    CachingAllocator* allocator = nullptr;  // leaked on purpose, with its raw allocator
};

std::mutex g_mutex;
std::vector<DeviceState> g_devices;

DeviceState& state(int device) {
    if (device < 0) fail(Msg() << "cuda: invalid device ordinal " << device);
    if (size_t(device) >= g_devices.size()) g_devices.resize(size_t(device) + 1);
    return g_devices[size_t(device)];
}

}  // namespace

void check(cudaError_t e, const char* call, size_t requested) {
    if (e == cudaSuccess) return;
    if (e == cudaErrorMemoryAllocation) {
        (void)cudaGetLastError();
        const size_t free = free_device_bytes();
        throw OutOfMemory(requested, free,
                          std::string(call) + ": " + cudaGetErrorString(e) + " (" + std::to_string(int(e)) + "), " +
                              (free == SIZE_MAX ? std::string("unknown") : std::to_string(free)) + " bytes free");
    }
    (void)cudaGetLastError();  // clears a non-sticky error; a sticky one keeps failing every later call
    fail_device(std::string(call) + ": " + cudaGetErrorString(e) + " (" + std::to_string(int(e)) + ")");
}

void check_launch(const void* kernel) {
    const cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) return;
    const char* name = nullptr;
    const std::string what = std::string("launch of ") +
                             (cudaFuncGetName(&name, kernel) == cudaSuccess && name ? name : "a kernel");
    (void)cudaGetLastError();
    check(e, what.c_str());
}

namespace {
// The calling thread's stream (use_stream) and the device it belongs to; -1: none, the device's own is used.
thread_local cudaStream_t t_stream = nullptr;
thread_local int t_stream_device = -1;

cudaStream_t created(cudaStream_t& slot, int device) {
    if (!slot) {
        TDSR_CUDA_CHECK(cudaSetDevice(device));
        cudaStream_t stream = nullptr;
        TDSR_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamDefault));
        slot = stream;
    }
    return slot;
}
}  // namespace

cudaStream_t stream_for(int device) {
    if (t_stream && t_stream_device == device) return t_stream;
    std::lock_guard<std::mutex> lock(g_mutex);
    return created(state(device).stream, device);
}

void set_capturing(int device) { t_capturing = device; }

namespace {
thread_local StreamId t_pool = 0;
thread_local int t_pool_device = -1;
}  // namespace

void use_pool(int device, StreamId pool) {
    t_pool = pool;
    t_pool_device = pool ? device : -1;
}

StreamId alloc_id(const On& on) { return t_pool && t_pool_device == on.device ? t_pool : stream_id(on.stream); }

void use_stream(int device, cudaStream_t stream) {
    t_stream = stream;
    t_stream_device = stream ? device : -1;
}

cudaStream_t copy_stream_for(int device) {
    std::lock_guard<std::mutex> lock(g_mutex);
    return created(state(device).copy_stream, device);
}

CachingAllocator& device_allocator(int device) {
    std::lock_guard<std::mutex> lock(g_mutex);
    DeviceState& s = state(device);
    if (!s.allocator) s.allocator = new CachingAllocator(*new CudaRawAllocator(device));
    return *s.allocator;
}

On::On(int d) : device(d), stream(nullptr) {
    TDSR_CUDA_CHECK(cudaSetDevice(d));
    stream = stream_for(d);
}

Scratch::Scratch(const On& on, size_t bytes)
    : device_(on.device), ptr_(device_allocator(on.device).allocate(bytes, alloc_id(on))) {}

Scratch::~Scratch() { device_allocator(device_).free(ptr_); }

}  // namespace tdsr::cuda
