// Elementwise arithmetic, the per-channel affine and channel concat/split on CUDA (twins of cpu/elementwise.cpp).
// One thread per element over the functors of ops/elementwise.hpp; concat and the overwriting split are strided
// copies (cudaMemcpy2DAsync, one per part), the accumulating split a kernel. Differs from the CPU twin in the order
// of the affine's da/db double sums (common.cuh channel_reduce).
#include "common.cuh"
#include "ops/elementwise.hpp"

namespace tdsr::cuda {
namespace {

template <Binary K, class T>
__global__ void __launch_bounds__(kThreads) binary_kernel(const T* a, const T* b, T s, T* y, int64_t n) {
    TDSR_GRID_STRIDE(i, n) y[i] = binary_op<K>(a[i], b[i], s);
}

// a or b null: 1 / 0.
template <class T>
__global__ void __launch_bounds__(kThreads) affine_kernel(const T* x, const T* a, const T* b, T* y, int64_t n,
                                                          int64_t C, int64_t P) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t c = (i / P) % C;
        y[i] = affine(x[i], a ? a[c] : T(1), b ? b[c] : T(0));
    }
}

// dx = dy * a[c] (a null: 1).
template <class T>
__global__ void __launch_bounds__(kThreads) affine_dx_kernel(const T* dy, const T* a, T* dx, int64_t n, int64_t C,
                                                             int64_t P) {
    TDSR_GRID_STRIDE(i, n) dx[i] = dy[i] * (a ? a[(i / P) % C] : T(1));
}

// dst[b, k] += src[b, c0*P + k] for k < Ci*P: one part of the accumulating split.
template <class T>
__global__ void __launch_bounds__(kThreads) add_part_kernel(const T* src, T* dst, int64_t n, int64_t part,
                                                            int64_t whole, int64_t start) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t b = i / part, k = i % part;
        dst[i] += src[b * whole + start + k];
    }
}

// dL/da: dy*x (as the CPU: double(dy) * x); dL/db: dy.
template <class T>
struct AffineGrad {
    const T *x, *dy;
    int64_t C, P;
    bool of_a;
    __device__ double operator()(int64_t c, int64_t n, int64_t p) const {
        const int64_t i = (n * C + c) * P + p;
        return of_a ? double(dy[i]) * x[i] : double(dy[i]);
    }
};

}  // namespace

void binary(Binary kind, const tdsr_tensor* a, const tdsr_tensor* b, double s, tdsr_tensor* y) {
    const On on(a);
    dispatch_float("binary", a, [&](auto tag) {
        using T = decltype(tag);
        const T* as = a->data<T>();
        const T* bs = b->data<T>();
        T* ys = y->data<T>();
        const int64_t n = a->numel;
        switch (kind) {
            case Binary::add: launch(n, on.stream, &binary_kernel<Binary::add, T>, as, bs, T(s), ys, n); break;
            case Binary::sub: launch(n, on.stream, &binary_kernel<Binary::sub, T>, as, bs, T(s), ys, n); break;
            case Binary::scale: launch(n, on.stream, &binary_kernel<Binary::scale, T>, as, bs, T(s), ys, n); break;
            case Binary::axpy: launch(n, on.stream, &binary_kernel<Binary::axpy, T>, as, bs, T(s), ys, n); break;
        }
    });
}

void channel_affine_forward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* b,
                            tdsr_tensor* y) {
    const On on(x);
    dispatch_float("channel_affine_forward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(x->numel, on.stream, &affine_kernel<T>, x->data<T>(), a ? a->data<T>() : nullptr,
               b ? b->data<T>() : nullptr, y->data<T>(), x->numel, g.C, g.P);
    });
}

void channel_affine_backward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* dy,
                             tdsr_tensor* dx, tdsr_tensor* da, tdsr_tensor* db) {
    const On on(x);
    dispatch_float("channel_affine_backward", x, [&](auto tag) {
        using T = decltype(tag);
        if (dx)
            launch(x->numel, on.stream, &affine_dx_kernel<T>, dy->data<T>(), a ? a->data<T>() : nullptr,
                   dx->data<T>(), x->numel, g.C, g.P);
        if (da)
            channel_reduce(on, AffineGrad<T>{x->data<T>(), dy->data<T>(), g.C, g.P, true}, g.N, g.C, g.P,
                           Finish::accumulate, da->data<T>());
        if (db)
            channel_reduce(on, AffineGrad<T>{x->data<T>(), dy->data<T>(), g.C, g.P, false}, g.N, g.C, g.P,
                           Finish::accumulate, db->data<T>());
    });
}

// Input i fills channels [c0, c0 + Ci) of every image: N rows of Ci*P elements into rows of C*P.
void concat_channels(const NCP& g, int n, const tdsr_tensor* const* inputs, tdsr_tensor* y) {
    const On on(y);
    const size_t es = dtype_size(y->dtype);
    char* out = static_cast<char*>(y->raw());
    int64_t c0 = 0;
    for (int i = 0; i < n; i++) {
        const int64_t Ci = inputs[i]->dim(1);
        const size_t width = size_t(Ci * g.P) * es;
        if (width > 0 && g.N > 0)
            TDSR_CUDA_CHECK(cudaMemcpy2DAsync(out + size_t(c0 * g.P) * es, size_t(g.C * g.P) * es, inputs[i]->raw(),
                                              width, width, size_t(g.N), cudaMemcpyDeviceToDevice, on.stream));
        c0 += Ci;
    }
}

void split_channels(const NCP& g, const tdsr_tensor* y, int n, tdsr_tensor* const* outs, int accumulate) {
    const On on(y);
    dispatch_float("split_channels", y, [&](auto tag) {
        using T = decltype(tag);
        const size_t es = sizeof(T);
        int64_t c0 = 0;
        for (int i = 0; i < n; i++) {
            const int64_t Ci = outs[i]->dim(1), part = Ci * g.P;
            if (part > 0 && g.N > 0) {
                if (accumulate)
                    launch(g.N * part, on.stream, &add_part_kernel<T>, y->data<T>(), outs[i]->data<T>(), g.N * part,
                           part, g.C * g.P, c0 * g.P);
                else
                    TDSR_CUDA_CHECK(cudaMemcpy2DAsync(outs[i]->raw(), size_t(part) * es, y->data<T>() + c0 * g.P,
                                                      size_t(g.C * g.P) * es, size_t(part) * es, size_t(g.N),
                                                      cudaMemcpyDeviceToDevice, on.stream));
            }
            c0 += Ci;
        }
    });
}

}  // namespace tdsr::cuda
