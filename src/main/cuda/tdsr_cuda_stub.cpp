// The CUDA library's stand-in when nvcc is absent: same API, reports that no GPU backend was built.
#include "tdsr_cuda.h"

extern "C" {
int tdsr_cuda_compiled(void) { return 0; }
int tdsr_cuda_device_count(void) { return 0; }
int tdsr_cuda_runtime_version(void) { return 0; }
int tdsr_cuda_driver_version(void) { return 0; }
const char* tdsr_cuda_device_info(int) { return ""; }
const char* tdsr_cuda_last_error(void) { return "tdsr-native was built without CUDA (no nvcc at build time)"; }
int tdsr_cuda_register(void) { return 0; }  // nothing to register; the reason is tdsr_cuda_last_error()
const char* tdsr_cuda_versions(void) { return "built without CUDA"; }
void* tdsr_cuda_stream(int) { return nullptr; }
int tdsr_cuda_synchronize(int) { return -35; }
void* tdsr_cuda_stream_create(int) { return nullptr; }
int tdsr_cuda_stream_use(int, void*) { return -35; }
int tdsr_cuda_stream_destroy(int, void*) { return -35; }
int tdsr_cuda_stage(int, void*, const void*, long long) { return -35; }
int tdsr_cuda_stage_join(int) { return -35; }
int tdsr_cuda_graph_begin(int) { return -35; }
void* tdsr_cuda_graph_end(int) { return nullptr; }
int tdsr_cuda_graph_launch(int, void*) { return -35; }
int tdsr_cuda_graph_destroy(void*) { return -35; }
long long tdsr_cuda_pool_create(int) { return -1; }
int tdsr_cuda_pool_use(int, long long) { return -1; }
int tdsr_cuda_pool_release(int, long long) { return -1; }
}
