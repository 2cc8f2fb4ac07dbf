// L2Norm across channels on CUDA (twins of cpu/norm.cpp): one thread per (image, position) runs over the channels
// in the CPU's order (the same T sums, then l2norm_dx of ops/norm.hpp). The backward stores each position's norm r
// in a scratch buffer for dscale, whose double sums run in a fixed block layout and tree (common.cuh
// channel_reduce) instead of the CPU's image-by-image order.
// Batch norm: the per-channel double sums (x, then (x-mean)^2; dy and dy*xh) run through channel_reduce into double
// buffers, one thread per channel finishes the statistics (batchnorm_running of ops/norm.hpp), one thread per element
// writes y or dx. Same formulas as the CPU; only the order of the sums differs.
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

template <class T>
struct BnX {  // x, or (x - mean[c])^2 with mean given
    const T* x;
    const double* mean;
    int64_t C, P;
    __device__ double operator()(int64_t c, int64_t n, int64_t p) const {
        const double v = x[(n * C + c) * P + p];
        if (!mean) return v;
        const double d = v - mean[c];
        return d * d;
    }
};

template <class T>
struct BnDy {  // dy, or dy * xh
    const T *x, *dy, *mean, *invstd;
    bool times_xh;
    int64_t C, P;
    __device__ double operator()(int64_t c, int64_t n, int64_t p) const {
        const int64_t i = (n * C + c) * P + p;
        return times_xh ? double(dy[i]) * double((x[i] - mean[c]) * invstd[c]) : double(dy[i]);
    }
};

// Training: sums[c] = sum x -> means[c]; called twice (first pass: mean only).
__global__ void __launch_bounds__(kThreads) bn_mean_kernel(double* sums, int64_t C, int64_t M) {
    TDSR_GRID_STRIDE(c, C) sums[c] /= double(M);
}

template <class T>
__global__ void __launch_bounds__(kThreads) bn_stats_kernel(const double* mean, const double* sq, T* rm, T* rv, T* sm,
                                                            T* si, int64_t C, int64_t M, bool training,
                                                            double momentum, double eps) {
    TDSR_GRID_STRIDE(c, C) {
        double m, v;
        if (training) {
            m = mean[c];
            v = sq[c] / double(M);
            batchnorm_running(rm + c, rv + c, m, v, M, momentum);
        } else {
            m = double(rm[c]);
            v = double(rv[c]);
        }
        sm[c] = T(m);
        si[c] = batchnorm_invstd<T>(v, eps);
    }
}

template <class T>
__global__ void __launch_bounds__(kThreads) bn_y_kernel(const T* x, const T* m, const T* is, const T* ga, const T* be,
                                                        T* y, int64_t C, int64_t P, int64_t n) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t c = (i / P) % C;
        y[i] = batchnorm_y(x[i], m[c], is[c], ga[c], be[c]);
    }
}

template <class T>
__global__ void __launch_bounds__(kThreads) bn_params_kernel(const double* sdy, const double* sdyxh, T* dgamma,
                                                             T* dbeta, int64_t C) {
    TDSR_GRID_STRIDE(c, C) {
        if (dbeta) dbeta[c] += T(sdy[c]);
        if (dgamma) dgamma[c] += T(sdyxh[c]);
    }
}

template <class T>
__global__ void __launch_bounds__(kThreads) bn_dx_kernel(const T* x, const T* dy, const T* m, const T* is, const T* ga,
                                                         const double* sdy, const double* sdyxh, T* dx, int64_t C,
                                                         int64_t P, int64_t M, bool training, int64_t n) {
    TDSR_GRID_STRIDE(i, n) {
        const int64_t c = (i / P) % C;
        dx[i] = batchnorm_dx(dy[i], (x[i] - m[c]) * is[c], ga[c], is[c], T(sdy[c] / double(M)),
                             T(sdyxh[c] / double(M)), training);
    }
}

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

void batchnorm_forward(const BatchNormArgs& a, const tdsr_tensor* x, const tdsr_tensor* gamma, const tdsr_tensor* beta,
                       tdsr_tensor* running_mean, tdsr_tensor* running_var, tdsr_tensor* save_mean,
                       tdsr_tensor* save_invstd, tdsr_tensor* y, double momentum, double eps) {
    const On on(x);
    dispatch_float("batchnorm_forward", x, [&](auto tag) {
        using T = decltype(tag);
        const NCP& g = a.g;
        const int64_t M = g.N * g.P;
        Scratch stats(on, 2 * sizeof(double) * size_t(g.C));
        double* mean = stats.as<double>();
        double* sq = mean + g.C;
        if (a.training) {
            channel_reduce(on, BnX<T>{x->data<T>(), nullptr, g.C, g.P}, g.N, g.C, g.P, Finish::store, mean);
            launch(g.C, on.stream, &bn_mean_kernel, mean, g.C, M);
            channel_reduce(on, BnX<T>{x->data<T>(), mean, g.C, g.P}, g.N, g.C, g.P, Finish::store, sq);
        }
        launch(g.C, on.stream, &bn_stats_kernel<T>, mean, sq, running_mean->data<T>(), running_var->data<T>(),
               save_mean->data<T>(), save_invstd->data<T>(), g.C, M, a.training, momentum, eps);
        launch(x->numel, on.stream, &bn_y_kernel<T>, x->data<T>(), save_mean->data<T>(), save_invstd->data<T>(),
               gamma->data<T>(), beta->data<T>(), y->data<T>(), g.C, g.P, x->numel);
    });
}

void batchnorm_backward(const BatchNormArgs& a, const tdsr_tensor* x, const tdsr_tensor* gamma,
                        const tdsr_tensor* save_mean, const tdsr_tensor* save_invstd, const tdsr_tensor* dy,
                        tdsr_tensor* dx, tdsr_tensor* dgamma, tdsr_tensor* dbeta) {
    const On on(x);
    dispatch_float("batchnorm_backward", x, [&](auto tag) {
        using T = decltype(tag);
        const NCP& g = a.g;
        const int64_t M = g.N * g.P;
        Scratch sums(on, 2 * sizeof(double) * size_t(g.C));
        double* sdy = sums.as<double>();
        double* sdyxh = sdy + g.C;
        const T *xs = x->data<T>(), *gs = dy->data<T>(), *m = save_mean->data<T>(), *is = save_invstd->data<T>();
        channel_reduce(on, BnDy<T>{xs, gs, m, is, false, g.C, g.P}, g.N, g.C, g.P, Finish::store, sdy);
        channel_reduce(on, BnDy<T>{xs, gs, m, is, true, g.C, g.P}, g.N, g.C, g.P, Finish::store, sdyxh);
        if (dgamma || dbeta)
            launch(g.C, on.stream, &bn_params_kernel<T>, sdy, sdyxh, dgamma ? dgamma->data<T>() : nullptr,
                   dbeta ? dbeta->data<T>() : nullptr, g.C);
        if (dx)
            launch(x->numel, on.stream, &bn_dx_kernel<T>, xs, gs, m, is, gamma->data<T>(), sdy, sdyxh, dx->data<T>(),
                   g.C, g.P, M, a.training, x->numel);
    });
}

}  // namespace tdsr::cuda
