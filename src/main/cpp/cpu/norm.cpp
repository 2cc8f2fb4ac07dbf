// L2Norm on the CPU: per image, the channel sums per position, then the functors of ops/norm.hpp.
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

}  // namespace tdsr::cpu
