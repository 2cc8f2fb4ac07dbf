/*
 * tdsr_cuda.h — the C API of the CUDA library, read by JavaCPP (dev.tdsr.engine.jni.TdsrCuda). It holds no CUDA types,
 * so the JNI glue compiles with g++ alone. Built from device.cu when nvcc is present, else from tdsr_cuda_stub.cpp,
 * which implements the same functions and reports "built without CUDA".
 *
 * Besides the device queries, the library registers its kernels (the tdsr::cuda twins) with libtdsr_cpu.so: after
 * tdsr_cuda_register() returns > 0, tdsr.h's functions accept tensors created on CUDA ordinals.
 */
#ifndef TDSR_CUDA_H
#define TDSR_CUDA_H

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when this library was compiled by nvcc, 0 for the stub. */
int tdsr_cuda_compiled(void);
/* Number of usable devices (> 0), 0 when none, or -(cudaError) when the runtime cannot even ask (e.g. -35: driver
 * missing or too old); tdsr_cuda_last_error() then says why. */
int tdsr_cuda_device_count(void);
/* CUDA runtime version this library was built with (e.g. 13000), and the driver's (0 when no driver). */
int tdsr_cuda_runtime_version(void);
int tdsr_cuda_driver_version(void);
/* Name, compute capability and memory of device i, as one line; "" when unavailable. */
const char* tdsr_cuda_device_info(int device);
const char* tdsr_cuda_last_error(void);
/* Registers the CUDA ops table with libtdsr_cpu.so so tensors can live on CUDA devices. Returns the device count
 * (> 0: registered), or 0 / -(cudaError) without registering; tdsr_cuda_last_error() then says why. Idempotent. */
int tdsr_cuda_register(void);
/* The CUDA runtime this library carries and the driver's version, one line ("CUDA runtime 13.0 (static), driver
 * none"). cuDNN/cuBLAS versions join it when the library loads them. */
const char* tdsr_cuda_versions(void);
/* The stream (a cudaStream_t) the calling thread's ops on `device` run on: the one tdsr_cuda_stream_use gave it, else
 * the device's own; for the cuDNN and cuBLAS calls the Java CUDA backend makes through the JavaCPP presets. NULL with
 * tdsr_cuda_last_error() set when it cannot be created. */
void* tdsr_cuda_stream(int device);
/* Waits until every operation queued on that stream has finished: 0, or -(cudaError). */
int tdsr_cuda_synchronize(int device);

/* One stream per trainer or predictor. tdsr_cuda_stream_create: a new stream of `device` (NULL with
 * tdsr_cuda_last_error() set). tdsr_cuda_stream_use: from now on every op of the calling thread on `device` runs on
 * `stream` (NULL: the device's own again); 0 or -(cudaError). tdsr_cuda_stream_destroy waits for the stream's work and
 * destroys it; the calling thread, if it used it, goes back to the device's own stream. Memory a tensor took on one
 * stream is reused by later work on that stream only (alloc.hpp), so threads on different streams never share a block
 * still in use. */
void* tdsr_cuda_stream_create(int device);
int tdsr_cuda_stream_use(int device, void* stream);
int tdsr_cuda_stream_destroy(int device, void* stream);

/* Pinned staging: starts copying `bytes` from host `src` to device address `dst` of `device` (a tensor's data, from
 * tdsr_tensor_data) on the device's copy stream, through page-locked staging memory, and returns once `src` has been
 * read (a CPU memcpy; the DMA runs on). tdsr_cuda_stage_join makes the calling thread's stream wait (on the GPU, not the
 * host) for every copy staged on `device` so far. So a trainer stages batch k+1 and then runs step k: the copy runs
 * while step k computes. 0 or -(cudaError). */
int tdsr_cuda_stage(int device, void* dst, const void* src, long long bytes);
int tdsr_cuda_stage_join(int device);

/* CUDA graphs of a fixed sequence of ops (static shapes and addresses). tdsr_cuda_graph_begin starts capturing the
 * calling thread's stream of `device` (cudaStreamCaptureModeThreadLocal): every op the thread queues there is recorded,
 * not run, until tdsr_cuda_graph_end, which instantiates the graph and returns it (NULL with tdsr_cuda_last_error()).
 * During a capture the caching allocator serves blocks from its cache only: a request it cannot serve fails with a
 * message (run the work once eagerly first) instead of calling cudaMalloc. Host reads (a loss, a flag) cannot be
 * captured; scalars passed as kernel arguments are frozen into the graph, so whatever changes between replays must live
 * in device memory. Blocks that tensors freed during the capture return to the cache: the caller keeps every tensor
 * the graph touches alive, and uses the graph only on that stream, while it replays it. tdsr_cuda_graph_launch replays
 * it on the calling thread's stream; tdsr_cuda_graph_destroy frees it. 0 or -(cudaError). */
int tdsr_cuda_graph_begin(int device);
void* tdsr_cuda_graph_end(int device);
int tdsr_cuda_graph_launch(int device, void* graph);
int tdsr_cuda_graph_destroy(void* graph);

/* Graph pools (alloc.hpp, PyTorch's private pools): the memory of a captured step. tdsr_cuda_pool_create returns a new
 * pool id (> 0) of `device`, retained by its caching allocator (empty_cache and the OOM flush keep its free segments);
 * tdsr_cuda_pool_use(device, pool) makes the calling thread's allocations on `device` draw from that pool (0: from
 * its stream again): use it around the eager warm-up step and the capture, so the graph's temporaries, freed inside
 * the capture, serve no other work between replays. tdsr_cuda_pool_release (after the graph is destroyed) stops
 * retaining it and gives its fully free segments back. create: the id or -1; the others 0 or -1; then
 * tdsr_cuda_last_error(). */
long long tdsr_cuda_pool_create(int device);
int tdsr_cuda_pool_use(int device, long long pool);
int tdsr_cuda_pool_release(int device, long long pool);

#ifdef __cplusplus
}
#endif

#endif /* TDSR_CUDA_H */
