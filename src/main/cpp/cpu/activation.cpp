// PReLU, ReLU and LeakyReLU on the CPU: OpenMP loops over the functors of ops/activation.hpp.
#include "../ops/activation.hpp"
#include "threads.hpp"

#include <vector>

namespace tdsr::cpu {

void prelu_forward(const PreluGeom& g, const tdsr_tensor* x, const tdsr_tensor* alpha, tdsr_tensor* y) {
    dispatch_float("prelu_forward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        const T* a = alpha->data<T>();
        T* ys = y->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
        for (int64_t nc = 0; nc < g.N * g.C; nc++) {
            const T an = g.shared ? a[0] : a[nc % g.C];
            for (int64_t p = nc * g.P; p < (nc + 1) * g.P; p++) ys[p] = prelu(xs[p], an);
        }
    });
}

void prelu_backward(const PreluGeom& g, const tdsr_tensor* x, const tdsr_tensor* alpha, const tdsr_tensor* dy,
                    tdsr_tensor* dx, tdsr_tensor* dalpha) {
    dispatch_float("prelu_backward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        const T* a = alpha->data<T>();
        const T* gs = dy->data<T>();
        // One pass over x and dy for both gradients, split over (n, c) rows. Each row's alpha share is summed by one
        // thread (fixed_order_sum: one chain of dependent double adds took a third of a full-size D-DBPN PReLU
        // backward); the rows are then reduced in row order, so the result is the same for any thread count.
        T* d = dx ? dx->data<T>() : nullptr;
        std::vector<double> rows(dalpha ? size_t(g.N * g.C) : 0);
#pragma omp parallel for schedule(static) if (x->numel > 65536)
        for (int64_t nc = 0; nc < g.N * g.C; nc++) {
            const T an = g.shared ? a[0] : a[nc % g.C];
            const T* xr = xs + nc * g.P;
            const T* gr = gs + nc * g.P;
            if (d) {
                T* dr = d + nc * g.P;
                for (int64_t p = 0; p < g.P; p++) dr[p] = prelu_dx(xr[p], an, gr[p]);
            }
            if (dalpha) rows[nc] = fixed_order_sum(g.P, [&](int64_t p) { return prelu_dalpha(xr[p], gr[p]); });
        }
        if (dalpha) {
            std::vector<double> acc(g.C, 0.0);
            for (int64_t nc = 0; nc < g.N * g.C; nc++) acc[nc % g.C] += rows[nc];
            T* da = dalpha->data<T>();
            if (g.shared) {
                double s = 0;
                for (double v : acc) s += v;
                da[0] += T(s);
            } else {
                for (int64_t c = 0; c < g.C; c++) da[c] += T(acc[c]);
            }
        }
    });
}

void relu_forward(const tdsr_tensor* x, tdsr_tensor* y) {
    dispatch_float("relu_forward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        T* ys = y->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
        for (int64_t i = 0; i < x->numel; i++) ys[i] = relu(xs[i]);
    });
}

void relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx) {
    dispatch_float("relu_backward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        const T* gs = dy->data<T>();
        T* d = dx->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
        for (int64_t i = 0; i < x->numel; i++) d[i] = relu_dx(xs[i], gs[i]);
    });
}

void leaky_relu_forward(const tdsr_tensor* x, tdsr_tensor* y, double slope) {
    dispatch_float("leaky_relu_forward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        T* ys = y->data<T>();
        const T s = T(slope);
#pragma omp parallel for schedule(static) if (x->numel > 65536)
        for (int64_t i = 0; i < x->numel; i++) ys[i] = leaky_relu(xs[i], s);
    });
}

void leaky_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx, double slope) {
    dispatch_float("leaky_relu_backward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        const T* gs = dy->data<T>();
        T* d = dx->data<T>();
        const T s = T(slope);
#pragma omp parallel for schedule(static) if (x->numel > 65536)
        for (int64_t i = 0; i < x->numel; i++) d[i] = leaky_relu_dx(xs[i], s, gs[i]);
    });
}

}  // namespace tdsr::cpu
