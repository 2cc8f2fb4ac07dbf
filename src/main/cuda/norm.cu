// L2Norm across channels on CUDA (twins of cpu/norm.cpp): one thread per (image, position) runs over the channels
// in the CPU's order (the same T sums, then l2norm_dx of ops/norm.hpp). The backward stores each position's norm r
// in a scratch buffer for dscale, whose double sums run in a fixed block layout and tree (common.cuh
// channel_reduce) instead of the CPU's image-by-image order.
#include "common.cuh"
#include "ops/norm.hpp"

namespace tdsr::cuda {
namespace {

template <class T>
__global__ void __launch_bounds__(kThreads) l2norm_forward_kernel(const T* x, const T* s, T* y, int64_t C, int64_t P,
                                                                  int64_t n, T eps) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t b = i / P, p = i % P;
        const T* xn = x + b * C * P + p;
        T* yn = y + b * C * P + p;
        T sq = 0;
        for (int64_t c = 0; c < C; c++) sq += xn[c * P] * xn[c * P];
        const T inv = T(1) / (hd::sqrt(sq) + eps);
        for (int64_t c = 0; c < C; c++) yn[c * P] = xn[c * P] * inv * s[c];
    }
}

// dx (if non-null) and the norm per position r (if non-null).
template <class T>
__global__ void __launch_bounds__(kThreads) l2norm_backward_kernel(const T* x, const T* s, const T* dy, T* dx, T* norms,
                                                                   int64_t C, int64_t P, int64_t n, T eps) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t b = i / P, p = i % P;
        const T* xn = x + b * C * P + p;
        const T* gn = dy + b * C * P + p;
        T sq = 0, dot = 0;
        for (int64_t c = 0; c < C; c++) {
            sq += xn[c * P] * xn[c * P];
            dot += s[c] * gn[c * P] * xn[c * P];
        }
        const T r = hd::sqrt(sq);
        if (norms) norms[i] = r;
        if (dx) {
            T* dn = dx + b * C * P + p;
            for (int64_t c = 0; c < C; c++) dn[c * P] = l2norm_dx(s[c], gn[c * P], xn[c * P], r, dot, eps);
        }
    }
}

// dL/dscale_c's share of element (n, c, p), as the CPU: double(dy) * x / (r + eps) with eps in double.
template <class T>
struct DscaleTerm {
    const T *x, *dy, *norms;
    int64_t C, P;
    double eps;
    __device__ double operator()(int64_t c, int64_t n, int64_t p) const {
        const int64_t i = (n * C + c) * P + p;
        return double(dy[i]) * x[i] / (norms[n * P + p] + eps);
    }
};

}  // namespace

void l2norm_forward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* scale, tdsr_tensor* y, double eps) {
    const On on(x);
    dispatch_float("l2norm_forward", x, [&](auto tag) {
        using T = decltype(tag);
        launch(g.N * g.P, on.stream, &l2norm_forward_kernel<T>, x->data<T>(), scale->data<T>(), y->data<T>(), g.C, g.P,
               g.N * g.P, T(eps));
    });
}

void l2norm_backward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* scale, const tdsr_tensor* dy,
                     tdsr_tensor* dx, tdsr_tensor* dscale, double eps) {
    const On on(x);
    dispatch_float("l2norm_backward", x, [&](auto tag) {
        using T = decltype(tag);
        if (!dx && !dscale) return;
        const int64_t positions = g.N * g.P;
        Scratch norms(on, dscale ? sizeof(T) * size_t(positions) : 0);
        T* r = dscale ? norms.as<T>() : nullptr;
        launch(positions, on.stream, &l2norm_backward_kernel<T>, x->data<T>(), scale->data<T>(), dy->data<T>(),
               dx ? dx->data<T>() : nullptr, r, g.C, g.P, positions, T(eps));
        if (dscale)
            channel_reduce(on, DscaleTerm<T>{x->data<T>(), dy->data<T>(), r, g.C, g.P, eps}, g.N, g.C, g.P,
                           Finish::accumulate, dscale->data<T>());
    });
}

}  // namespace tdsr::cuda
