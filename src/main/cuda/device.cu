// Device queries through the (statically linked) CUDA runtime, and the registration of the CUDA twins' ops table
// with libtdsr_cpu.so. They load and answer on machines without a driver.
#include "tdsr_cuda.h"

#include "common.cuh"
#include "device.hpp"

#include <cuda_runtime.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {
thread_local std::string g_error;
thread_local std::string g_info;

void remember(const char* call, cudaError_t e) {
    g_error = std::string(call) + " failed: " + cudaGetErrorString(e) + " (" + std::to_string(int(e)) + ")";
}
}  // namespace

namespace tdsr {
namespace {
// Inside namespace tdsr, `cuda::` names tdsr::cuda (not libcu++'s ::cuda). Initialising the table from the twins
// checks that each has its CPU twin's signature.
const DeviceOps kCudaOps = {TDSR_DEVICE_OPS(TDSR_OPS_ENTRY_CUDA)};
}  // namespace
}  // namespace tdsr

extern "C" {

int tdsr_cuda_compiled(void) { return 1; }

int tdsr_cuda_device_count(void) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        remember("cudaGetDeviceCount", e);
        return -int(e);
    }
    if (n == 0) g_error = "no CUDA device is visible";
    return n;
}

int tdsr_cuda_runtime_version(void) { return CUDART_VERSION; }

int tdsr_cuda_driver_version(void) {
    int v = 0;
    return cudaDriverGetVersion(&v) == cudaSuccess ? v : 0;
}

const char* tdsr_cuda_device_info(int device) {
    cudaDeviceProp p;
    cudaError_t e = cudaGetDeviceProperties(&p, device);
    if (e != cudaSuccess) {
        remember("cudaGetDeviceProperties", e);
        g_info.clear();
        return g_info.c_str();
    }
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s, sm_%d%d, %.1f GiB, %d SMs", p.name, p.major, p.minor,
                  double(p.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), p.multiProcessorCount);
    g_info = buf;
    return g_info.c_str();
}

const char* tdsr_cuda_last_error(void) { return g_error.c_str(); }

int tdsr_cuda_register(void) {
    const int n = tdsr_cuda_device_count();
    if (n <= 0) return n;  // the reason stays in tdsr_cuda_last_error()
    tdsr::register_cuda_ops(&tdsr::kCudaOps, n);
    return n;
}

const char* tdsr_cuda_versions(void) {
    thread_local std::string text;
    const int rt = CUDART_VERSION;
    const int drv = tdsr_cuda_driver_version();
    text = "CUDA runtime " + std::to_string(rt / 1000) + "." + std::to_string(rt % 1000 / 10) + " (static), driver " +
           (drv > 0 ? std::to_string(drv / 1000) + "." + std::to_string(drv % 1000 / 10) : std::string("none"));
    return text.c_str();
}

void* tdsr_cuda_stream(int device) {
    try {
        return tdsr::cuda::On(device).stream;
    } catch (const std::exception& e) {
        g_error = e.what();
        return nullptr;
    }
}

int tdsr_cuda_synchronize(int device) {
    try {
        const cudaError_t e = cudaStreamSynchronize(tdsr::cuda::On(device).stream);
        if (e != cudaSuccess) {
            remember("cudaStreamSynchronize", e);
            return -int(e);
        }
        return 0;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

void* tdsr_cuda_stream_create(int device) {
    try {
        const tdsr::cuda::On on(device);  // checks the ordinal, makes the device current
        cudaStream_t stream = nullptr;
        TDSR_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamDefault));
        return stream;
    } catch (const std::exception& e) {
        g_error = e.what();
        return nullptr;
    }
}

int tdsr_cuda_stream_use(int device, void* stream) {
    try {
        TDSR_CUDA_CHECK(cudaSetDevice(device));
        tdsr::cuda::use_stream(device, static_cast<cudaStream_t>(stream));
        return 0;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

int tdsr_cuda_stream_destroy(int device, void* stream) {
    try {
        TDSR_CUDA_CHECK(cudaSetDevice(device));
        auto s = static_cast<cudaStream_t>(stream);
        if (tdsr::cuda::stream_for(device) == s) tdsr::cuda::use_stream(device, nullptr);
        TDSR_CUDA_CHECK(cudaStreamSynchronize(s));  // its blocks may be reused by a stream that gets its address
        TDSR_CUDA_CHECK(cudaStreamDestroy(s));
        return 0;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

namespace {
// The page-locked staging buffers of one device: a ring, so that staging batch k+1 never overwrites the buffer whose
// copy of batch k may still be running (each slot's event says when its copy is done), and `done`, recorded after the
// latest copy, which tdsr_cuda_stage_join makes the caller's stream wait for.
struct Staging {
    struct Slot {
        void* host = nullptr;
        size_t capacity = 0;
        cudaEvent_t copied = nullptr;
    };
    Slot slots[4];
    int next = 0;
    cudaEvent_t done = nullptr;
};
std::mutex g_staging_mutex;
std::vector<Staging> g_staging;

cudaEvent_t new_event() {
    cudaEvent_t e = nullptr;
    TDSR_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    return e;
}
}  // namespace

int tdsr_cuda_stage(int device, void* dst, const void* src, long long bytes) {
    try {
        if (bytes < 0 || (bytes > 0 && (!dst || !src))) throw std::invalid_argument("tdsr_cuda_stage: bad buffer");
        const tdsr::cuda::On on(device);
        const cudaStream_t copy = tdsr::cuda::copy_stream_for(device);
        std::lock_guard<std::mutex> lock(g_staging_mutex);
        if (g_staging.size() <= size_t(device)) g_staging.resize(size_t(device) + 1);
        Staging& st = g_staging[size_t(device)];
        Staging::Slot& slot = st.slots[st.next];
        st.next = (st.next + 1) % 4;
        if (!slot.copied) slot.copied = new_event();
        if (!st.done) st.done = new_event();
        TDSR_CUDA_CHECK(cudaEventSynchronize(slot.copied));  // the slot's last copy (four stages ago) has finished
        if (slot.capacity < size_t(bytes)) {
            if (slot.host) TDSR_CUDA_CHECK(cudaFreeHost(slot.host));
            slot.host = nullptr;
            slot.capacity = 0;
            tdsr::cuda::check(cudaHostAlloc(&slot.host, size_t(bytes), cudaHostAllocDefault), "cudaHostAlloc",
                              size_t(bytes));
            slot.capacity = size_t(bytes);
        }
        std::memcpy(slot.host, src, size_t(bytes));
        TDSR_CUDA_CHECK(cudaMemcpyAsync(dst, slot.host, size_t(bytes), cudaMemcpyHostToDevice, copy));
        TDSR_CUDA_CHECK(cudaEventRecord(slot.copied, copy));
        TDSR_CUDA_CHECK(cudaEventRecord(st.done, copy));
        return 0;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

int tdsr_cuda_stage_join(int device) {
    try {
        const tdsr::cuda::On on(device);
        std::lock_guard<std::mutex> lock(g_staging_mutex);
        if (g_staging.size() > size_t(device) && g_staging[size_t(device)].done) {
            TDSR_CUDA_CHECK(cudaStreamWaitEvent(on.stream, g_staging[size_t(device)].done, 0));
        }
        return 0;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

// ---- CUDA graphs ---------------------------------------------------------------------------------------------------
// A capture records the calling thread's stream only (thread-local mode): other threads' streams and allocations go
// on. The flag set_capturing gives the raw allocator turns a cudaMalloc inside the capture into a clear error.
struct Graph {
    int device;
    cudaGraph_t graph;
    cudaGraphExec_t exec;
};

int tdsr_cuda_graph_begin(int device) {
    try {
        const tdsr::cuda::On on(device);
        TDSR_CUDA_CHECK(cudaStreamBeginCapture(on.stream, cudaStreamCaptureModeThreadLocal));
        tdsr::cuda::set_capturing(device);
        return 0;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

void* tdsr_cuda_graph_end(int device) {
    tdsr::cuda::set_capturing(-1);
    try {
        const tdsr::cuda::On on(device);
        cudaGraph_t graph = nullptr;
        // An op that failed during the capture invalidated it: EndCapture reports that, and the error names the call.
        TDSR_CUDA_CHECK(cudaStreamEndCapture(on.stream, &graph));
        cudaGraphExec_t exec = nullptr;
        const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
        if (e != cudaSuccess) {
            (void)cudaGraphDestroy(graph);
            tdsr::cuda::check(e, "cudaGraphInstantiate");
        }
        return new Graph{device, graph, exec};
    } catch (const std::exception& e) {
        g_error = e.what();
        return nullptr;
    }
}

int tdsr_cuda_graph_launch(int device, void* graph) {
    try {
        auto* g = static_cast<Graph*>(graph);
        if (!g || g->device != device)
            tdsr::fail(tdsr::Msg() << "cuda_graph_launch: graph " << graph << " was not captured on cuda:" << device);
        const tdsr::cuda::On on(device);
        TDSR_CUDA_CHECK(cudaGraphLaunch(g->exec, on.stream));
        return 0;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

int tdsr_cuda_graph_destroy(void* graph) {
    auto* g = static_cast<Graph*>(graph);
    if (!g) return 0;
    const cudaError_t a = cudaGraphExecDestroy(g->exec), b = cudaGraphDestroy(g->graph);
    delete g;
    if (a != cudaSuccess || b != cudaSuccess) {
        remember("cudaGraphDestroy", a != cudaSuccess ? a : b);
        return -int(a != cudaSuccess ? a : b);
    }
    return 0;
}


long long tdsr_cuda_pool_create(int device) {
    static std::atomic<long long> next{1};
    try {
        const tdsr::cuda::On on(device);
        const long long pool = (1LL << 62) | next++;  // never a stream's id (an address)
        tdsr::cuda::device_allocator(device).retain(tdsr::StreamId(pool));
        return pool;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

int tdsr_cuda_pool_use(int device, long long pool) {
    try {
        if (pool < 0) tdsr::fail(tdsr::Msg() << "cuda_pool_use: invalid pool " << pool);
        tdsr::cuda::use_pool(device, tdsr::StreamId(pool));
        return 0;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

int tdsr_cuda_pool_release(int device, long long pool) {
    try {
        if (pool <= 0) tdsr::fail(tdsr::Msg() << "cuda_pool_release: invalid pool " << pool);
        const tdsr::cuda::On on(device);
        tdsr::cuda::device_allocator(device).release_pool(tdsr::StreamId(pool));
        return 0;
    } catch (const std::exception& e) {
        g_error = e.what();
        return -1;
    }
}

}  // extern "C"
