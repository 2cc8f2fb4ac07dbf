// Device queries through the (statically linked) CUDA runtime. They load and answer on machines without a driver.
#include "tdsr_cuda.h"

#include <cuda_runtime.h>

#include <cstdio>
#include <string>

namespace {
thread_local std::string g_error;
thread_local std::string g_info;

void remember(const char* call, cudaError_t e) {
    g_error = std::string(call) + " failed: " + cudaGetErrorString(e) + " (" + std::to_string(int(e)) + ")";
}
}  // namespace

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

}  // extern "C"
