// PReLU, ReLU and LeakyReLU on the CPU: OpenMP loops over the functors of ops/activation.hpp.
#include "../ops/activation.hpp"

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
        if (dx) {
            T* d = dx->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
            for (int64_t nc = 0; nc < g.N * g.C; nc++) {
                const T an = g.shared ? a[0] : a[nc % g.C];
                for (int64_t p = nc * g.P; p < (nc + 1) * g.P; p++) d[p] = prelu_dx(xs[p], an, gs[p]);
            }
        }
        if (dalpha) {
            // Per-(n,c) sums in double, reduced in a fixed order: deterministic for any thread count.
            std::vector<double> acc(g.C, 0.0);
            for (int64_t nc = 0; nc < g.N * g.C; nc++) {
                double s = 0;
                for (int64_t p = nc * g.P; p < (nc + 1) * g.P; p++) s += prelu_dalpha(xs[p], gs[p]);
                acc[nc % g.C] += s;
            }
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
