// Elementwise arithmetic, the per-channel affine (detector input transform) and channel concat/split.
#include "../core.hpp"

#include <cstring>

namespace tdsr {
namespace {

template <class F>
int binary(const char* op, const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y, F f) {
    return guarded(op, [&] {
        require_tensor(op, "a", a);
        require_numel(op, "b", b, a->numel);
        require_numel(op, "output", y, a->numel);
        require_same_dtype(op, {a, b, y});
        dispatch_float(op, a, [&](auto tag) {
            using T = decltype(tag);
            const T* as = a->data<T>();
            const T* bs = b->data<T>();
            T* ys = y->data<T>();
#pragma omp parallel for schedule(static) if (a->numel > 65536)
            for (int64_t i = 0; i < a->numel; i++) ys[i] = f(as[i], bs[i]);
        });
    });
}

// [N, C, P] view of an NCHW (or [N,C]) tensor for channel-wise ops.
void ncp(const char* op, const char* name, const tdsr_tensor* t, int64_t& N, int64_t& C, int64_t& P) {
    require_tensor(op, name, t);
    if (t->ndim() < 2) fail(Msg() << op << ": " << name << " " << shape_str(t) << " must be [N,C,...]");
    N = t->dim(0);
    C = t->dim(1);
    P = N * C > 0 ? t->numel / (N * C) : 0;
}

}  // namespace
}  // namespace tdsr

using namespace tdsr;

extern "C" {

int tdsr_add(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y) {
    return binary("add", a, b, y, [](auto u, auto v) { return u + v; });
}

int tdsr_sub(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y) {
    return binary("sub", a, b, y, [](auto u, auto v) { return u - v; });
}

int tdsr_scale(const tdsr_tensor* x, double s, tdsr_tensor* y) {
    return binary("scale", x, x, y, [s](auto u, auto) { return decltype(u)(s) * u; });
}

int tdsr_axpy(double alpha, const tdsr_tensor* x, tdsr_tensor* y) {
    return binary("axpy", x, y, y, [alpha](auto u, auto v) { return v + decltype(u)(alpha) * u; });
}

int tdsr_channel_affine_forward(const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* y) {
    const char* op = "channel_affine_forward";
    return guarded(op, [&] {
        int64_t N, C, P;
        ncp(op, "input", x, N, C, P);
        if (a) require_shape(op, "a", a, {C});
        if (b) require_shape(op, "b", b, {C});
        require_shape(op, "output", y, x->shape);
        require_same_dtype(op, {x, a, b, y});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            for (int64_t nc = 0; nc < N * C; nc++) {
                const int64_t c = nc % C;
                const T av = a ? a->data<T>()[c] : T(1), bv = b ? b->data<T>()[c] : T(0);
                const T* xp = x->data<T>() + nc * P;
                T* yp = y->data<T>() + nc * P;
                for (int64_t p = 0; p < P; p++) yp[p] = xp[p] * av + bv;
            }
        });
    });
}

int tdsr_channel_affine_backward(const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* dy, tdsr_tensor* dx,
                                 tdsr_tensor* da, tdsr_tensor* db) {
    const char* op = "channel_affine_backward";
    return guarded(op, [&] {
        int64_t N, C, P;
        ncp(op, "input", x, N, C, P);
        if (a) require_shape(op, "a", a, {C});
        require_shape(op, "output gradient", dy, x->shape);
        if (dx) require_shape(op, "input gradient", dx, x->shape);
        if (da) require_shape(op, "a gradient", da, {C});
        if (db) require_shape(op, "b gradient", db, {C});
        require_same_dtype(op, {x, a, dy, dx, da, db});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            std::vector<double> sa(C, 0.0), sb(C, 0.0);
            for (int64_t nc = 0; nc < N * C; nc++) {
                const int64_t c = nc % C;
                const T av = a ? a->data<T>()[c] : T(1);
                const T* xp = x->data<T>() + nc * P;
                const T* gp = dy->data<T>() + nc * P;
                if (dx) {
                    T* dp = dx->data<T>() + nc * P;
                    for (int64_t p = 0; p < P; p++) dp[p] = gp[p] * av;
                }
                for (int64_t p = 0; p < P; p++) {
                    sa[c] += double(gp[p]) * xp[p];
                    sb[c] += gp[p];
                }
            }
            for (int64_t c = 0; c < C; c++) {
                if (da) da->data<T>()[c] += T(sa[c]);
                if (db) db->data<T>()[c] += T(sb[c]);
            }
        });
    });
}

int tdsr_concat_channels(int n, tdsr_tensor* const* inputs, tdsr_tensor* y) {
    const char* op = "concat_channels";
    return guarded(op, [&] {
        int64_t N, C, P;
        ncp(op, "output", y, N, C, P);
        int64_t csum = 0;
        for (int i = 0; i < n; i++) {
            int64_t Ni, Ci, Pi;
            ncp(op, "input", inputs[i], Ni, Ci, Pi);
            require_same_dtype(op, {y, inputs[i]});
            if (Ni != N || Pi != P)
                fail(Msg() << op << ": input " << i << " " << shape_str(inputs[i]) << " does not match output "
                           << shape_str(y) << " outside the channel axis");
            csum += Ci;
        }
        if (csum != C) fail(Msg() << op << ": inputs have " << csum << " channels in all, output " << shape_str(y) << " has " << C);
        const size_t es = dtype_size(y->dtype);
        char* out = static_cast<char*>(tdsr_tensor_data(y));
        for (int64_t b = 0; b < N; b++) {
            int64_t c0 = 0;
            for (int i = 0; i < n; i++) {
                const int64_t Ci = inputs[i]->dim(1);
                const char* src = static_cast<const char*>(tdsr_tensor_data(inputs[i])) + b * Ci * P * es;
                std::memcpy(out + (b * C + c0) * P * es, src, Ci * P * es);
                c0 += Ci;
            }
        }
    });
}

int tdsr_split_channels(const tdsr_tensor* y, int n, tdsr_tensor* const* outs, int accumulate) {
    const char* op = "split_channels";
    return guarded(op, [&] {
        int64_t N, C, P;
        ncp(op, "input", y, N, C, P);
        int64_t csum = 0;
        for (int i = 0; i < n; i++) {
            int64_t Ni, Ci, Pi;
            ncp(op, "output", outs[i], Ni, Ci, Pi);
            require_same_dtype(op, {y, outs[i]});
            if (Ni != N || Pi != P)
                fail(Msg() << op << ": output " << i << " " << shape_str(outs[i]) << " does not match input "
                           << shape_str(y) << " outside the channel axis");
            csum += Ci;
        }
        if (csum != C) fail(Msg() << op << ": outputs have " << csum << " channels in all, input " << shape_str(y) << " has " << C);
        dispatch_float(op, y, [&](auto tag) {
            using T = decltype(tag);
            for (int64_t b = 0; b < N; b++) {
                int64_t c0 = 0;
                for (int i = 0; i < n; i++) {
                    const int64_t Ci = outs[i]->dim(1);
                    const T* src = y->data<T>() + (b * C + c0) * P;
                    T* dst = outs[i]->data<T>() + b * Ci * P;
                    if (accumulate)
                        for (int64_t k = 0; k < Ci * P; k++) dst[k] += src[k];
                    else
                        std::memcpy(dst, src, sizeof(T) * Ci * P);
                    c0 += Ci;
                }
            }
        });
    });
}

}  // extern "C"
