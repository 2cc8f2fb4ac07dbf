// Engine internals shared by the op files: the tensor struct, errors that become status codes at the C boundary,
// dtype dispatch (every kernel is a template over float and double), argument checks and the BLAS wrapper.
#pragma once

#include "tdsr.h"

#include <cblas.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tdsr {

// Host buffers come from a cache of freed blocks keyed by their exact size (see host_alloc in api.cpp): a training
// step allocates the same shapes every step, and fresh multi-MB blocks are mmap'ed and page-faulted anew each time.
void* host_alloc(size_t bytes);
void host_free(void* ptr, size_t bytes);

struct Storage {
    void* ptr = nullptr;
    size_t bytes = 0;  // the allocated (rounded) size
    ~Storage() { host_free(ptr, bytes); }
};

inline size_t dtype_size(int dtype) { return dtype == TDSR_F64 ? 8 : 4; }
inline const char* dtype_name(int dtype) {
    switch (dtype) {
        case TDSR_F32: return "f32";
        case TDSR_F64: return "f64";
        case TDSR_I32: return "i32";
        default: return "?";
    }
}

}  // namespace tdsr

struct tdsr_tensor {
    int dtype = TDSR_F32;
    std::vector<int64_t> shape;
    int64_t numel = 0;
    int64_t offset = 0;  // in elements, into storage (views)
    std::shared_ptr<tdsr::Storage> storage;

    template <class T>
    T* data() const { return static_cast<T*>(storage->ptr) + offset; }
    int ndim() const { return static_cast<int>(shape.size()); }
    int64_t dim(int i) const { return shape[i]; }
};

namespace tdsr {

// An error thrown inside the engine; the C boundary turns it into a status and a thread-local message.
struct Error : std::runtime_error {
    int code;
    Error(int c, const std::string& m) : std::runtime_error(m), code(c) {}
};

// Streams a message: fail(Msg() << "conv2d_forward: " << ...).
struct Msg {
    std::ostringstream s;
    template <class V>
    Msg& operator<<(const V& v) { s << v; return *this; }
    std::string str() const { return s.str(); }
};

[[noreturn]] inline void fail(const Msg& m) { throw Error(TDSR_ERR_INVALID_ARGUMENT, m.str()); }
[[noreturn]] inline void fail(const std::string& m) { throw Error(TDSR_ERR_INVALID_ARGUMENT, m); }

std::string shape_str(const tdsr_tensor* t);
void set_last_error(const std::string& m);

// Runs f and maps every exception to a status code; nothing escapes into the JVM.
template <class F>
int guarded(const char* op, F&& f) {
    try {
        f();
        return TDSR_OK;
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

// All non-null tensors share the dtype of the first.
void require_same_dtype(const char* op, std::initializer_list<const tdsr_tensor*> ts);
void require_ndim(const char* op, const char* name, const tdsr_tensor* t, int ndim);
void require_shape(const char* op, const char* name, const tdsr_tensor* t, const std::vector<int64_t>& expected);
void require_numel(const char* op, const char* name, const tdsr_tensor* t, int64_t numel);

// Row-major GEMM: C = alpha * op(A) op(B) + beta * C.
inline void gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                 float beta, float* C, int ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
                B, ldb, beta, C, ldc);
}
inline void gemm(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B,
                 int ldb, double beta, double* C, int ldc) {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
                B, ldb, beta, C, ldc);
}

// A per-thread scratch buffer that only grows: im2col columns and other temporaries, no allocation per call once warm.
template <class T>
T* scratch(size_t count) {
    thread_local std::vector<char> buf;
    size_t bytes = count * sizeof(T);
    if (buf.size() < bytes) {
        buf.clear();
        buf.shrink_to_fit();
        buf.resize(bytes);
    }
    return reinterpret_cast<T*>(buf.data());
}

}  // namespace tdsr
