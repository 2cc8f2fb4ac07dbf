// Engine internals shared by both devices: the tensor struct (which knows its device), errors that become status
// codes at the C boundary, dtype dispatch and the argument checks every op family's header builds on. Nothing here
// knows about BLAS, OpenMP or CUDA: the CPU twins add cpu/blas.hpp, the CUDA twins src/main/cuda/cuda_common.cuh.
#pragma once

#include "alloc.hpp"
#include "tdsr.h"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tdsr {

struct DeviceOps;

// A buffer on one device; the device's ops table allocated it and releases it.
struct Storage {
    void* ptr = nullptr;
    size_t bytes = 0;  // the allocated size
    int device = TDSR_DEVICE_CPU;
    const DeviceOps* ops = nullptr;
    Storage() = default;
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    ~Storage();
};

inline size_t dtype_size(int dtype) { return dtype == TDSR_F64 ? 8 : 4; }
const char* dtype_name(int dtype);
// "cpu" or "cuda:N".
std::string device_name(int device);

}  // namespace tdsr

struct tdsr_tensor {
    int dtype = TDSR_F32;
    std::vector<int64_t> shape;
    int64_t numel = 0;
    int64_t offset = 0;  // in elements, into storage (views)
    std::shared_ptr<tdsr::Storage> storage;

    // The address of the first element on the tensor's device (a device pointer for CUDA tensors).
    template <class T>
    T* data() const { return static_cast<T*>(storage->ptr) + offset; }
    void* raw() const { return static_cast<char*>(storage->ptr) + offset * tdsr::dtype_size(dtype); }
    int device() const { return storage->device; }
    int ndim() const { return static_cast<int>(shape.size()); }
    int64_t dim(int i) const { return shape[i]; }
};

namespace tdsr {

// An error thrown inside the engine; the C boundary turns it into a status and a thread-local message. The key
// function (the destructor, in core.cpp) puts its type information in libtdsr_cpu.so alone, so an Error thrown in
// the CUDA library is caught as an Error by the C boundary of the CPU library.
struct Error : std::runtime_error {
    int code;
    Error(int c, const std::string& m) : std::runtime_error(m), code(c) {}
    ~Error() override;
};

// Streams a message: fail(Msg() << "conv2d_forward: " << ...).
struct Msg {
    std::ostringstream s;
    template <class V>
    Msg& operator<<(const V& v) { s << v; return *this; }
    std::string str() const { return s.str(); }
};

[[noreturn]] void fail(const Msg& m);
[[noreturn]] void fail(const std::string& m);
// An error of the device runtime (CUDA, cuDNN, cuBLAS): TDSR_ERR_DEVICE.
[[noreturn]] void fail_device(const std::string& m);

std::string shape_str(const tdsr_tensor* t);
void set_last_error(const std::string& m);
void set_last_oom(int64_t requested, int64_t free);

// Runs f and maps every exception to a status code; nothing escapes into the JVM.
template <class F>
int guarded(const char* op, F&& f) {
    try {
        set_last_oom(-1, -1);
        f();
        return TDSR_OK;
    } catch (const OutOfMemory& e) {
        set_last_error(std::string(op) + ": " + e.what());
        set_last_oom(int64_t(e.requested), e.free == SIZE_MAX ? -1 : int64_t(e.free));
        return TDSR_ERR_OUT_OF_MEMORY;
    } catch (const Error& e) {
        set_last_error(e.what());
        return e.code;
    } catch (const std::bad_alloc&) {
        set_last_error(std::string(op) + ": out of host memory");
        return TDSR_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_last_error(std::string(op) + ": " + e.what());
        return TDSR_ERR_INTERNAL;
    } catch (...) {
        set_last_error(std::string(op) + ": unknown native error");
        return TDSR_ERR_INTERNAL;
    }
}

inline void require_tensor(const char* op, const char* name, const tdsr_tensor* t) {
    if (!t) fail(Msg() << op << ": tensor '" << name << "' is null");
}

// Calls f(float{}) or f(double{}) by the dtype of `t`; the kernels are templates over T = decltype(tag).
template <class F>
void dispatch_float(const char* op, const tdsr_tensor* t, F&& f) {
    require_tensor(op, "x", t);
    if (t->dtype == TDSR_F32) f(float{});
    else if (t->dtype == TDSR_F64) f(double{});
    else fail(Msg() << op << ": dtype " << dtype_name(t->dtype) << " is not supported (expected f32 or f64)");
}

// All non-null tensors share the dtype and the device of the first (an op never mixes devices: the caller copies).
void require_alike(const char* op, std::initializer_list<const tdsr_tensor*> ts);
void require_float(const char* op, const char* name, const tdsr_tensor* t);
void require_ndim(const char* op, const char* name, const tdsr_tensor* t, int ndim);
void require_shape(const char* op, const char* name, const tdsr_tensor* t, const std::vector<int64_t>& expected);
void require_numel(const char* op, const char* name, const tdsr_tensor* t, int64_t numel);

// [N, C, P] view of an [N,C,...] tensor (P = product of the remaining dimensions) for channel-wise ops.
struct NCP {
    int64_t N, C, P;
};
NCP require_ncp(const char* op, const char* name, const tdsr_tensor* t);

}  // namespace tdsr
