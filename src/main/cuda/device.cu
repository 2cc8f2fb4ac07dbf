// Device queries through the (statically linked) CUDA runtime, and the registration of the CUDA twins' ops table
// with libtdsr_cpu.so. They load and answer on machines without a driver.
#include "tdsr_cuda.h"

#include "common.cuh"
#include "device.hpp"

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

}  // extern "C"
