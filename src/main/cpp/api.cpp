// The engine-level part of the C API: errors, threads, BLAS info and tensor lifetime/transfer.
#include "core.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace tdsr {

namespace {
thread_local std::string g_last_error;

// The cache of freed host blocks: exact-size reuse, bounded by kHostCacheBytes (blocks beyond it are freed). Never
// destroyed: tensors may still be released by Java's Cleaner while the process exits.
constexpr size_t kHostCacheBytes = size_t(4) << 30;
struct HostCache {
    std::mutex mutex;
    std::unordered_multimap<size_t, void*> blocks;
    size_t cached = 0;
};
HostCache& host_cache() {
    static HostCache* cache = new HostCache();
    return *cache;
}

// Frees every cached block (when a fresh allocation fails).
void host_cache_trim() {
    HostCache& c = host_cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    for (auto& [size, p] : c.blocks) std::free(p);
    c.blocks.clear();
    c.cached = 0;
}
}  // namespace

void* host_alloc(size_t bytes) {
    HostCache& c = host_cache();
    {
        std::lock_guard<std::mutex> lock(c.mutex);
        auto it = c.blocks.find(bytes);
        if (it != c.blocks.end()) {
            void* p = it->second;
            c.blocks.erase(it);
            c.cached -= bytes;
            return p;
        }
    }
    void* p = std::aligned_alloc(64, bytes);
    if (!p) {
        host_cache_trim();
        p = std::aligned_alloc(64, bytes);
    }
    return p;
}

void host_free(void* ptr, size_t bytes) {
    if (!ptr) return;
    HostCache& c = host_cache();
    {
        std::lock_guard<std::mutex> lock(c.mutex);
        if (c.cached + bytes <= kHostCacheBytes) {
            c.blocks.emplace(bytes, ptr);
            c.cached += bytes;
            return;
        }
    }
    std::free(ptr);
}

void set_last_error(const std::string& m) { g_last_error = m; }

std::string shape_str(const tdsr_tensor* t) {
    if (!t) return "null";
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < t->shape.size(); i++) s << (i ? "," : "") << t->shape[i];
    s << "]";
    if (t->dtype != TDSR_F32) s << ":" << dtype_name(t->dtype);
    return s.str();
}

void require_same_dtype(const char* op, std::initializer_list<const tdsr_tensor*> ts) {
    const tdsr_tensor* first = nullptr;
    for (auto* t : ts) {
        if (!t) continue;
        if (!first) first = t;
        else if (t->dtype != first->dtype)
            fail(Msg() << op << ": mixed dtypes " << dtype_name(first->dtype) << " and " << dtype_name(t->dtype));
    }
}

void require_ndim(const char* op, const char* name, const tdsr_tensor* t, int ndim) {
    require_tensor(op, name, t);
    if (t->ndim() != ndim) fail(Msg() << op << ": " << name << " " << shape_str(t) << " must have " << ndim << " dimensions");
}

void require_shape(const char* op, const char* name, const tdsr_tensor* t, const std::vector<int64_t>& expected) {
    require_tensor(op, name, t);
    if (t->shape != expected) {
        tdsr_tensor e;
        e.shape = expected;
        e.dtype = t->dtype;
        fail(Msg() << op << ": " << name << " has shape " << shape_str(t) << ", expected " << shape_str(&e));
    }
}

void require_numel(const char* op, const char* name, const tdsr_tensor* t, int64_t numel) {
    require_tensor(op, name, t);
    if (t->numel != numel)
        fail(Msg() << op << ": " << name << " " << shape_str(t) << " has " << t->numel << " elements, expected " << numel);
}

}  // namespace tdsr

using namespace tdsr;

extern "C" {

const char* tdsr_last_error(void) { return g_last_error.c_str(); }

const char* tdsr_version(void) { return "0.1.0"; }

const char* tdsr_blas_info(void) {
    thread_local std::string info;
    info = std::string("OpenBLAS ") + openblas_get_config() + " core=" + openblas_get_corename();
    return info.c_str();
}

int tdsr_set_num_threads(int n) {
    return guarded("set_num_threads", [&] {
        if (n < 1) fail(Msg() << "set_num_threads: thread count must be >= 1, got " << n);
        omp_set_num_threads(n);
        openblas_set_num_threads(n);
    });
}

int tdsr_get_num_threads(void) { return omp_get_max_threads(); }

int tdsr_tensor_create(int dtype, int ndim, const int64_t* shape, tdsr_tensor** out) {
    return guarded("tensor_create", [&] {
        if (!out) fail("tensor_create: out is null");
        *out = nullptr;
        if (dtype != TDSR_F32 && dtype != TDSR_F64 && dtype != TDSR_I32) fail(Msg() << "tensor_create: unknown dtype " << dtype);
        if (ndim < 0 || ndim > 8) fail(Msg() << "tensor_create: ndim must be in 0..8, got " << ndim);
        auto t = std::make_unique<tdsr_tensor>();
        t->dtype = dtype;
        t->numel = 1;
        for (int i = 0; i < ndim; i++) {
            if (shape[i] < 0) fail(Msg() << "tensor_create: negative dimension " << shape[i]);
            t->shape.push_back(shape[i]);
            t->numel *= shape[i];
        }
        auto s = std::make_shared<Storage>();
        // 64-byte alignment for AVX-512 loads; zero-initialised so a fresh tensor is a valid gradient buffer.
        const size_t bytes = static_cast<size_t>(t->numel) * dtype_size(dtype);
        s->bytes = std::max<size_t>((bytes + 63) / 64 * 64, 64);
        s->ptr = host_alloc(s->bytes);
        if (!s->ptr) {
            Msg m;
            m << "tensor_create: cannot allocate " << bytes << " bytes for " << shape_str(t.get());
            throw Error(TDSR_ERR_OUT_OF_MEMORY, m.str());
        }
        std::memset(s->ptr, 0, s->bytes);
        t->storage = std::move(s);
        *out = t.release();
    });
}

int tdsr_tensor_view(tdsr_tensor* base, int64_t offset, int ndim, const int64_t* shape, tdsr_tensor** out) {
    return guarded("tensor_view", [&] {
        require_tensor("tensor_view", "base", base);
        if (!out) fail("tensor_view: out is null");
        auto t = std::make_unique<tdsr_tensor>();
        t->dtype = base->dtype;
        t->numel = 1;
        for (int i = 0; i < ndim; i++) {
            t->shape.push_back(shape[i]);
            t->numel *= shape[i];
        }
        if (offset < 0 || offset + t->numel > base->numel)
            fail(Msg() << "tensor_view: view of " << t->numel << " elements at offset " << offset
                       << " does not fit in base " << shape_str(base));
        t->offset = base->offset + offset;
        t->storage = base->storage;
        *out = t.release();
    });
}

void tdsr_tensor_free(tdsr_tensor* t) { delete t; }

int64_t tdsr_tensor_numel(const tdsr_tensor* t) { return t ? t->numel : 0; }

void* tdsr_tensor_data(tdsr_tensor* t) { return t ? static_cast<char*>(t->storage->ptr) + t->offset * dtype_size(t->dtype) : nullptr; }

}  // extern "C"

namespace {
template <class T>
int transfer(const char* op, const tdsr_tensor* t, int dtype, int64_t offset, int64_t count, T* host, bool write) {
    return guarded(op, [&] {
        require_tensor(op, "t", t);
        if (!host && count > 0) fail(Msg() << op << ": host buffer is null");
        if (t->dtype != dtype)
            fail(Msg() << op << ": tensor is " << dtype_name(t->dtype) << ", the call is for " << dtype_name(dtype));
        if (offset < 0 || count < 0 || offset + count > t->numel)
            fail(Msg() << op << ": range [" << offset << ", " << offset + count << ") outside tensor " << shape_str(t));
        T* d = t->data<T>() + offset;
        if (write) std::memcpy(d, host, count * sizeof(T));
        else std::memcpy(host, d, count * sizeof(T));
    });
}
}  // namespace

extern "C" {

int tdsr_tensor_write_f32(tdsr_tensor* t, const float* src, int64_t offset, int64_t count) {
    return transfer("tensor_write_f32", t, TDSR_F32, offset, count, const_cast<float*>(src), true);
}
int tdsr_tensor_read_f32(const tdsr_tensor* t, float* dst, int64_t offset, int64_t count) {
    return transfer("tensor_read_f32", t, TDSR_F32, offset, count, dst, false);
}
int tdsr_tensor_write_f64(tdsr_tensor* t, const double* src, int64_t offset, int64_t count) {
    return transfer("tensor_write_f64", t, TDSR_F64, offset, count, const_cast<double*>(src), true);
}
int tdsr_tensor_read_f64(const tdsr_tensor* t, double* dst, int64_t offset, int64_t count) {
    return transfer("tensor_read_f64", t, TDSR_F64, offset, count, dst, false);
}
int tdsr_tensor_write_i32(tdsr_tensor* t, const int32_t* src, int64_t offset, int64_t count) {
    return transfer("tensor_write_i32", t, TDSR_I32, offset, count, const_cast<int32_t*>(src), true);
}
int tdsr_tensor_read_i32(const tdsr_tensor* t, int32_t* dst, int64_t offset, int64_t count) {
    return transfer("tensor_read_i32", t, TDSR_I32, offset, count, dst, false);
}

int tdsr_tensor_fill(tdsr_tensor* t, double value) {
    return guarded("tensor_fill", [&] {
        require_tensor("tensor_fill", "t", t);
        if (t->dtype == TDSR_I32) {
            int32_t* d = t->data<int32_t>();
            for (int64_t i = 0; i < t->numel; i++) d[i] = static_cast<int32_t>(value);
            return;
        }
        dispatch_float("tensor_fill", t, [&](auto tag) {
            using T = decltype(tag);
            T* d = t->data<T>();
            T v = static_cast<T>(value);
            for (int64_t i = 0; i < t->numel; i++) d[i] = v;
        });
    });
}

int tdsr_tensor_copy(tdsr_tensor* dst, const tdsr_tensor* src) {
    return guarded("tensor_copy", [&] {
        require_tensor("tensor_copy", "dst", dst);
        require_tensor("tensor_copy", "src", src);
        require_same_dtype("tensor_copy", {dst, src});
        require_numel("tensor_copy", "dst", dst, src->numel);
        std::memmove(tdsr_tensor_data(dst), tdsr_tensor_data(const_cast<tdsr_tensor*>(src)), src->numel * dtype_size(src->dtype));
    });
}

int tdsr_sum(const tdsr_tensor* x, double* out) {
    return guarded("sum", [&] {
        dispatch_float("sum", x, [&](auto tag) {
            using T = decltype(tag);
            const T* d = x->data<T>();
            double s = 0;
            for (int64_t i = 0; i < x->numel; i++) s += d[i];
            *out = s;
        });
    });
}

int tdsr_all_finite(const tdsr_tensor* x, int* out) {
    return guarded("all_finite", [&] {
        dispatch_float("all_finite", x, [&](auto tag) {
            using T = decltype(tag);
            const T* d = x->data<T>();
            int ok = 1;
            for (int64_t i = 0; i < x->numel; i++)
                if (!std::isfinite(d[i])) { ok = 0; break; }
            *out = ok;
        });
    });
}

int tdsr_gemm(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* c) {
    return guarded("gemm", [&] {
        require_ndim("gemm", "a", a, 2);
        require_ndim("gemm", "b", b, 2);
        require_ndim("gemm", "c", c, 2);
        require_same_dtype("gemm", {a, b, c});
        if (a->dim(1) != b->dim(0) || c->dim(0) != a->dim(0) || c->dim(1) != b->dim(1))
            fail(Msg() << "gemm: shapes a " << shape_str(a) << ", b " << shape_str(b) << ", c " << shape_str(c)
                       << " do not form C[M,N] = A[M,K] B[K,N]");
        int M = (int)a->dim(0), K = (int)a->dim(1), N = (int)b->dim(1);
        dispatch_float("gemm", a, [&](auto tag) {
            using T = decltype(tag);
            gemm(false, false, M, N, K, T(1), a->data<T>(), K, b->data<T>(), N, T(0), c->data<T>(), N);
        });
    });
}

}  // extern "C"
