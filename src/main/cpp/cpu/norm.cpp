// L2Norm and batch norm on the CPU: per image, the channel sums per position (L2Norm) or per channel the sums over
// the batch in double (batch norm), then the functors of ops/norm.hpp.
#include "../ops/norm.hpp"

#include <algorithm>
#include <vector>

namespace tdsr::cpu {

void l2norm_forward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* scale, tdsr_tensor* y, double eps) {
    dispatch_float("l2norm_forward", x, [&](auto tag) {
        using T = decltype(tag);
        const int64_t C = g.C, P = g.P;
        const T* s = scale->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
        for (int64_t n = 0; n < g.N; n++) {
            const T* xn = x->data<T>() + n * C * P;
            T* yn = y->data<T>() + n * C * P;
            std::vector<T> inv(P, T(0));
            for (int64_t c = 0; c < C; c++)
                for (int64_t p = 0; p < P; p++) inv[p] += xn[c * P + p] * xn[c * P + p];
            for (int64_t p = 0; p < P; p++) inv[p] = T(1) / (hd::sqrt(inv[p]) + T(eps));
            for (int64_t c = 0; c < C; c++)
                for (int64_t p = 0; p < P; p++) yn[c * P + p] = xn[c * P + p] * inv[p] * s[c];
        }
    });
}

void l2norm_backward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* scale, const tdsr_tensor* dy,
                     tdsr_tensor* dx, tdsr_tensor* dscale, double eps) {
    dispatch_float("l2norm_backward", x, [&](auto tag) {
        using T = decltype(tag);
        const int64_t C = g.C, P = g.P;
        const T* s = scale->data<T>();
        std::vector<double> ds(C, 0.0);
        std::vector<T> r(P), dot(P);
        for (int64_t n = 0; n < g.N; n++) {
            const T* xn = x->data<T>() + n * C * P;
            const T* gn = dy->data<T>() + n * C * P;
            std::fill(r.begin(), r.end(), T(0));
            std::fill(dot.begin(), dot.end(), T(0));
            for (int64_t c = 0; c < C; c++)
                for (int64_t p = 0; p < P; p++) {
                    r[p] += xn[c * P + p] * xn[c * P + p];
                    dot[p] += s[c] * gn[c * P + p] * xn[c * P + p];
                }
            for (int64_t p = 0; p < P; p++) r[p] = hd::sqrt(r[p]);
            if (dx) {
                T* dn = dx->data<T>() + n * C * P;
                for (int64_t c = 0; c < C; c++)
                    for (int64_t p = 0; p < P; p++)
                        dn[c * P + p] = l2norm_dx(s[c], gn[c * P + p], xn[c * P + p], r[p], dot[p], T(eps));
            }
            if (dscale)
                for (int64_t c = 0; c < C; c++) {
                    double acc = 0;
                    for (int64_t p = 0; p < P; p++) acc += double(gn[c * P + p]) * xn[c * P + p] / (r[p] + eps);
                    ds[c] += acc;
                }
        }
        if (dscale)
            for (int64_t c = 0; c < C; c++) dscale->data<T>()[c] += T(ds[c]);
    });
}

void batchnorm_forward(const BatchNormArgs& a, const tdsr_tensor* x, const tdsr_tensor* gamma, const tdsr_tensor* beta,
                       tdsr_tensor* running_mean, tdsr_tensor* running_var, tdsr_tensor* save_mean,
                       tdsr_tensor* save_invstd, tdsr_tensor* y, double momentum, double eps) {
    dispatch_float("batchnorm_forward", x, [&](auto tag) {
        using T = decltype(tag);
        const NCP& g = a.g;
        const int64_t M = g.N * g.P;
        const T* xs = x->data<T>();
        T* ys = y->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
        for (int64_t c = 0; c < g.C; c++) {
            T* rm = running_mean->data<T>() + c;
            T* rv = running_var->data<T>() + c;
            double mean, var;
            if (a.training) {
                double s = 0;
                for (int64_t n = 0; n < g.N; n++)
                    for (int64_t p = 0; p < g.P; p++) s += xs[(n * g.C + c) * g.P + p];
                mean = s / double(M);
                double q = 0;
                for (int64_t n = 0; n < g.N; n++)
                    for (int64_t p = 0; p < g.P; p++) {
                        const double d = double(xs[(n * g.C + c) * g.P + p]) - mean;
                        q += d * d;
                    }
                var = q / double(M);
                batchnorm_running(rm, rv, mean, var, M, momentum);
            } else {
                mean = double(*rm);
                var = double(*rv);
            }
            const T m = T(mean), is = batchnorm_invstd<T>(var, eps);
            save_mean->data<T>()[c] = m;
            save_invstd->data<T>()[c] = is;
            const T ga = gamma->data<T>()[c], be = beta->data<T>()[c];
            for (int64_t n = 0; n < g.N; n++)
                for (int64_t p = 0; p < g.P; p++) {
                    const int64_t i = (n * g.C + c) * g.P + p;
                    ys[i] = batchnorm_y(xs[i], m, is, ga, be);
                }
        }
    });
}

void batchnorm_backward(const BatchNormArgs& a, const tdsr_tensor* x, const tdsr_tensor* gamma,
                        const tdsr_tensor* save_mean, const tdsr_tensor* save_invstd, const tdsr_tensor* dy,
                        tdsr_tensor* dx, tdsr_tensor* dgamma, tdsr_tensor* dbeta) {
    dispatch_float("batchnorm_backward", x, [&](auto tag) {
        using T = decltype(tag);
        const NCP& g = a.g;
        const int64_t M = g.N * g.P;
        const T* xs = x->data<T>();
        const T* gs = dy->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
        for (int64_t c = 0; c < g.C; c++) {
            const T m = save_mean->data<T>()[c], is = save_invstd->data<T>()[c], ga = gamma->data<T>()[c];
            double sdy = 0, sdyxh = 0;
            for (int64_t n = 0; n < g.N; n++)
                for (int64_t p = 0; p < g.P; p++) {
                    const int64_t i = (n * g.C + c) * g.P + p;
                    sdy += gs[i];
                    sdyxh += double(gs[i]) * double((xs[i] - m) * is);
                }
            if (dbeta) dbeta->data<T>()[c] += T(sdy);
            if (dgamma) dgamma->data<T>()[c] += T(sdyxh);
            if (dx) {
                T* d = dx->data<T>();
                const T mdy = T(sdy / double(M)), mdyxh = T(sdyxh / double(M));
                for (int64_t n = 0; n < g.N; n++)
                    for (int64_t p = 0; p < g.P; p++) {
                        const int64_t i = (n * g.C + c) * g.P + p;
                        d[i] = batchnorm_dx(gs[i], (xs[i] - m) * is, ga, is, mdy, mdyxh, a.training);
                    }
            }
        }
    });
}

}  // namespace tdsr::cpu
