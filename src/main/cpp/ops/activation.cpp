// PReLU (one shared parameter or one per channel) and ReLU.
#include "../core.hpp"

namespace tdsr {
namespace {

// Channels and plane size of an [N,C,...] tensor (a 1-D or 2-D tensor counts as one plane per channel).
void nc_plane(const tdsr_tensor* x, int64_t& N, int64_t& C, int64_t& P) {
    N = x->ndim() >= 1 ? x->dim(0) : 1;
    C = x->ndim() >= 2 ? x->dim(1) : 1;
    P = (N * C) > 0 ? x->numel / (N * C) : 0;
}

void check_prelu(const char* op, const tdsr_tensor* x, const tdsr_tensor* alpha, int64_t C) {
    require_tensor(op, "alpha", alpha);
    if (alpha->numel != 1 && alpha->numel != C)
        fail(Msg() << op << ": alpha " << shape_str(alpha) << " must have 1 element (shared) or " << C
                   << " (one per channel of input " << shape_str(x) << ")");
}

}  // namespace
}  // namespace tdsr

using namespace tdsr;

extern "C" {

int tdsr_prelu_forward(const tdsr_tensor* x, const tdsr_tensor* alpha, tdsr_tensor* y) {
    const char* op = "prelu_forward";
    return guarded(op, [&] {
        require_tensor(op, "input", x);
        int64_t N, C, P;
        nc_plane(x, N, C, P);
        check_prelu(op, x, alpha, C);
        require_shape(op, "output", y, x->shape);
        require_same_dtype(op, {x, alpha, y});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            const T* xs = x->data<T>();
            const T* a = alpha->data<T>();
            T* ys = y->data<T>();
            const bool shared = alpha->numel == 1;
#pragma omp parallel for schedule(static) if (x->numel > 65536)
            for (int64_t nc = 0; nc < N * C; nc++) {
                const T an = shared ? a[0] : a[nc % C];
                const T* xp = xs + nc * P;
                T* yp = ys + nc * P;
                for (int64_t p = 0; p < P; p++) yp[p] = xp[p] > 0 ? xp[p] : an * xp[p];
            }
        });
    });
}

int tdsr_prelu_backward(const tdsr_tensor* x, const tdsr_tensor* alpha, const tdsr_tensor* dy, tdsr_tensor* dx,
                        tdsr_tensor* dalpha) {
    const char* op = "prelu_backward";
    return guarded(op, [&] {
        require_tensor(op, "input", x);
        int64_t N, C, P;
        nc_plane(x, N, C, P);
        check_prelu(op, x, alpha, C);
        require_shape(op, "output gradient", dy, x->shape);
        if (dx) require_shape(op, "input gradient", dx, x->shape);
        if (dalpha) require_shape(op, "alpha gradient", dalpha, alpha->shape);
        require_same_dtype(op, {x, alpha, dy, dx, dalpha});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            const T* xs = x->data<T>();
            const T* a = alpha->data<T>();
            const T* g = dy->data<T>();
            const bool shared = alpha->numel == 1;
            if (dx) {
                T* d = dx->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
                for (int64_t nc = 0; nc < N * C; nc++) {
                    const T an = shared ? a[0] : a[nc % C];
                    for (int64_t p = nc * P; p < (nc + 1) * P; p++) d[p] = xs[p] > 0 ? g[p] : an * g[p];
                }
            }
            if (dalpha) {
                // Per-channel sums in double, reduced in a fixed order: deterministic for any thread count.
                std::vector<double> acc(C, 0.0);
                for (int64_t nc = 0; nc < N * C; nc++) {
                    double s = 0;
                    for (int64_t p = nc * P; p < (nc + 1) * P; p++)
                        if (!(xs[p] > 0)) s += double(xs[p]) * g[p];
                    acc[nc % C] += s;
                }
                T* da = dalpha->data<T>();
                if (shared) {
                    double s = 0;
                    for (double v : acc) s += v;
                    da[0] += T(s);
                } else {
                    for (int64_t c = 0; c < C; c++) da[c] += T(acc[c]);
                }
            }
        });
    });
}

int tdsr_relu_forward(const tdsr_tensor* x, tdsr_tensor* y) {
    const char* op = "relu_forward";
    return guarded(op, [&] {
        require_tensor(op, "input", x);
        require_numel(op, "output", y, x->numel);
        require_same_dtype(op, {x, y});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            const T* xs = x->data<T>();
            T* ys = y->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
            for (int64_t i = 0; i < x->numel; i++) ys[i] = xs[i] > 0 ? xs[i] : T(0);
        });
    });
}

int tdsr_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx) {
    const char* op = "relu_backward";
    return guarded(op, [&] {
        require_tensor(op, "input", x);
        require_numel(op, "output gradient", dy, x->numel);
        require_numel(op, "input gradient", dx, x->numel);
        require_same_dtype(op, {x, dy, dx});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            const T* xs = x->data<T>();
            const T* g = dy->data<T>();
            T* d = dx->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
            for (int64_t i = 0; i < x->numel; i++) d[i] = xs[i] > 0 ? g[i] : T(0);
        });
    });
}

}  // extern "C"
