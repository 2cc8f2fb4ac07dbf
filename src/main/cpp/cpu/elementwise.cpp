// Elementwise arithmetic, the per-channel affine and channel concat/split on the CPU.
#include "../ops/elementwise.hpp"

#include <cstring>
#include <vector>

namespace tdsr::cpu {
namespace {

template <Binary K, class T>
void binary_loop(const T* a, const T* b, T s, T* y, int64_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; i++) y[i] = binary_op<K>(a[i], b[i], s);
}

}  // namespace

void binary(Binary kind, const tdsr_tensor* a, const tdsr_tensor* b, double s, tdsr_tensor* y) {
    dispatch_float("binary", a, [&](auto tag) {
        using T = decltype(tag);
        const T* as = a->data<T>();
        const T* bs = b->data<T>();
        T* ys = y->data<T>();
        switch (kind) {
            case Binary::add: binary_loop<Binary::add>(as, bs, T(s), ys, a->numel); break;
            case Binary::sub: binary_loop<Binary::sub>(as, bs, T(s), ys, a->numel); break;
            case Binary::scale: binary_loop<Binary::scale>(as, bs, T(s), ys, a->numel); break;
            case Binary::axpy: binary_loop<Binary::axpy>(as, bs, T(s), ys, a->numel); break;
        }
    });
}

void channel_affine_forward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* b,
                            tdsr_tensor* y) {
    dispatch_float("channel_affine_forward", x, [&](auto tag) {
        using T = decltype(tag);
        for (int64_t nc = 0; nc < g.N * g.C; nc++) {
            const int64_t c = nc % g.C;
            const T av = a ? a->data<T>()[c] : T(1), bv = b ? b->data<T>()[c] : T(0);
            const T* xp = x->data<T>() + nc * g.P;
            T* yp = y->data<T>() + nc * g.P;
            for (int64_t p = 0; p < g.P; p++) yp[p] = affine(xp[p], av, bv);
        }
    });
}

void channel_affine_backward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* dy,
                             tdsr_tensor* dx, tdsr_tensor* da, tdsr_tensor* db) {
    dispatch_float("channel_affine_backward", x, [&](auto tag) {
        using T = decltype(tag);
        std::vector<double> sa(g.C, 0.0), sb(g.C, 0.0);
        for (int64_t nc = 0; nc < g.N * g.C; nc++) {
            const int64_t c = nc % g.C;
            const T av = a ? a->data<T>()[c] : T(1);
            const T* xp = x->data<T>() + nc * g.P;
            const T* gp = dy->data<T>() + nc * g.P;
            if (dx) {
                T* dp = dx->data<T>() + nc * g.P;
                for (int64_t p = 0; p < g.P; p++) dp[p] = gp[p] * av;
            }
            for (int64_t p = 0; p < g.P; p++) {
                sa[c] += double(gp[p]) * xp[p];
                sb[c] += gp[p];
            }
        }
        for (int64_t c = 0; c < g.C; c++) {
            if (da) da->data<T>()[c] += T(sa[c]);
            if (db) db->data<T>()[c] += T(sb[c]);
        }
    });
}

void concat_channels(const NCP& g, int n, const tdsr_tensor* const* inputs, tdsr_tensor* y) {
    const size_t es = dtype_size(y->dtype);
    char* out = static_cast<char*>(y->raw());
    for (int64_t b = 0; b < g.N; b++) {
        int64_t c0 = 0;
        for (int i = 0; i < n; i++) {
            const int64_t Ci = inputs[i]->dim(1);
            const char* src = static_cast<const char*>(inputs[i]->raw()) + b * Ci * g.P * es;
            std::memcpy(out + (b * g.C + c0) * g.P * es, src, Ci * g.P * es);
            c0 += Ci;
        }
    }
}

void split_channels(const NCP& g, const tdsr_tensor* y, int n, tdsr_tensor* const* outs, int accumulate) {
    dispatch_float("split_channels", y, [&](auto tag) {
        using T = decltype(tag);
        for (int64_t b = 0; b < g.N; b++) {
            int64_t c0 = 0;
            for (int i = 0; i < n; i++) {
                const int64_t Ci = outs[i]->dim(1);
                const T* src = y->data<T>() + (b * g.C + c0) * g.P;
                T* dst = outs[i]->data<T>() + b * Ci * g.P;
                if (accumulate)
                    for (int64_t k = 0; k < Ci * g.P; k++) dst[k] += src[k];
                else
                    std::memcpy(dst, src, sizeof(T) * Ci * g.P);
                c0 += Ci;
            }
        }
    });
}

}  // namespace tdsr::cpu
