// Max pooling with padding and ceil_mode (PyTorch's output-size rule), and L2Norm across channels (SSD conv4_3).
#include "../core.hpp"

#include <cmath>
#include <limits>

namespace tdsr {
namespace {

int64_t pool_out(int64_t in, int k, int s, int p, bool ceil_mode) {
    const int64_t span = in + 2 * p - k;
    int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    // With ceil_mode the last window must start inside the input or the left padding.
    if (ceil_mode && (out - 1) * s >= in + p) out--;
    return out;
}

struct PoolGeom {
    int64_t NC, H, W, Ho, Wo;
    int kh, kw, sh, sw, ph, pw;
};

PoolGeom pool_geom(const char* op, const tdsr_tensor* x, const tdsr_tensor* y, const char* yname, int kh, int kw,
                   int sh, int sw, int ph, int pw, int ceil_mode) {
    require_ndim(op, "input", x, 4);
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0 || 2 * ph > kh || 2 * pw > kw)
        fail(Msg() << op << ": invalid kernel " << kh << "x" << kw << ", stride " << sh << "x" << sw << ", padding "
                   << ph << "x" << pw << " (padding must be at most half the kernel)");
    PoolGeom g{x->dim(0) * x->dim(1), x->dim(2), x->dim(3), 0, 0, kh, kw, sh, sw, ph, pw};
    g.Ho = pool_out(g.H, kh, sh, ph, ceil_mode != 0);
    g.Wo = pool_out(g.W, kw, sw, pw, ceil_mode != 0);
    if (g.Ho < 1 || g.Wo < 1) fail(Msg() << op << ": input " << shape_str(x) << " is smaller than the kernel");
    require_shape(op, yname, y, {x->dim(0), x->dim(1), g.Ho, g.Wo});
    return g;
}

// Index (in the plane) of the max of the window at (oh, ow); -1 if the window is all padding (cannot happen with
// the checks above). The first max in scan order wins ties, in forward and backward alike.
template <class T>
int64_t window_argmax(const T* plane, const PoolGeom& g, int64_t oh, int64_t ow) {
    const int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    int64_t best = -1;
    T bv = -std::numeric_limits<T>::infinity();
    for (int64_t h = std::max<int64_t>(h0, 0); h < std::min<int64_t>(h0 + g.kh, g.H); h++)
        for (int64_t w = std::max<int64_t>(w0, 0); w < std::min<int64_t>(w0 + g.kw, g.W); w++) {
            const T v = plane[h * g.W + w];
            if (best < 0 || v > bv || std::isnan(v)) {
                bv = v;
                best = h * g.W + w;
                if (std::isnan(v)) return best;
            }
        }
    return best;
}

void nchw(const char* op, const tdsr_tensor* x, int64_t& N, int64_t& C, int64_t& P) {
    require_ndim(op, "input", x, 4);
    N = x->dim(0);
    C = x->dim(1);
    P = x->dim(2) * x->dim(3);
}

}  // namespace
}  // namespace tdsr

using namespace tdsr;

extern "C" {

int tdsr_maxpool2d_forward(const tdsr_tensor* x, tdsr_tensor* y, int kh, int kw, int sh, int sw, int ph, int pw,
                           int ceil_mode) {
    const char* op = "maxpool2d_forward";
    return guarded(op, [&] {
        PoolGeom g = pool_geom(op, x, y, "output", kh, kw, sh, sw, ph, pw, ceil_mode);
        require_same_dtype(op, {x, y});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
#pragma omp parallel for schedule(static) if (y->numel > 16384)
            for (int64_t nc = 0; nc < g.NC; nc++) {
                const T* plane = x->data<T>() + nc * g.H * g.W;
                T* out = y->data<T>() + nc * g.Ho * g.Wo;
                for (int64_t oh = 0; oh < g.Ho; oh++)
                    for (int64_t ow = 0; ow < g.Wo; ow++) out[oh * g.Wo + ow] = plane[window_argmax(plane, g, oh, ow)];
            }
        });
    });
}

int tdsr_maxpool2d_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx, int kh, int kw, int sh,
                            int sw, int ph, int pw, int ceil_mode) {
    const char* op = "maxpool2d_backward";
    return guarded(op, [&] {
        PoolGeom g = pool_geom(op, x, dy, "output gradient", kh, kw, sh, sw, ph, pw, ceil_mode);
        require_shape(op, "input gradient", dx, x->shape);
        require_same_dtype(op, {x, dy, dx});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
#pragma omp parallel for schedule(static) if (dy->numel > 16384)
            for (int64_t nc = 0; nc < g.NC; nc++) {
                const T* plane = x->data<T>() + nc * g.H * g.W;
                const T* gout = dy->data<T>() + nc * g.Ho * g.Wo;
                T* gin = dx->data<T>() + nc * g.H * g.W;
                std::fill(gin, gin + g.H * g.W, T(0));
                for (int64_t oh = 0; oh < g.Ho; oh++)
                    for (int64_t ow = 0; ow < g.Wo; ow++) gin[window_argmax(plane, g, oh, ow)] += gout[oh * g.Wo + ow];
            }
        });
    });
}

int tdsr_l2norm_forward(const tdsr_tensor* x, const tdsr_tensor* scale, tdsr_tensor* y, double eps) {
    const char* op = "l2norm_forward";
    return guarded(op, [&] {
        int64_t N, C, P;
        nchw(op, x, N, C, P);
        require_shape(op, "scale", scale, {C});
        require_shape(op, "output", y, x->shape);
        require_same_dtype(op, {x, scale, y});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            const T* s = scale->data<T>();
#pragma omp parallel for schedule(static) if (x->numel > 65536)
            for (int64_t n = 0; n < N; n++) {
                const T* xn = x->data<T>() + n * C * P;
                T* yn = y->data<T>() + n * C * P;
                std::vector<T> inv(P, T(0));
                for (int64_t c = 0; c < C; c++)
                    for (int64_t p = 0; p < P; p++) inv[p] += xn[c * P + p] * xn[c * P + p];
                for (int64_t p = 0; p < P; p++) inv[p] = T(1) / (std::sqrt(inv[p]) + T(eps));
                for (int64_t c = 0; c < C; c++)
                    for (int64_t p = 0; p < P; p++) yn[c * P + p] = xn[c * P + p] * inv[p] * s[c];
            }
        });
    });
}

// With r = sqrt(sum_c x_c^2) and d = r + eps: y_j = s_j x_j / d, so
// dL/dx_j = s_j dy_j / d - x_j (sum_c s_c dy_c x_c) / (d^2 r)   (the second term is dropped where r = 0),
// dL/ds_c += sum_{n,p} dy_c x_c / d.
int tdsr_l2norm_backward(const tdsr_tensor* x, const tdsr_tensor* scale, const tdsr_tensor* dy, tdsr_tensor* dx,
                         tdsr_tensor* dscale, double eps) {
    const char* op = "l2norm_backward";
    return guarded(op, [&] {
        int64_t N, C, P;
        nchw(op, x, N, C, P);
        require_shape(op, "scale", scale, {C});
        require_shape(op, "output gradient", dy, x->shape);
        if (dx) require_shape(op, "input gradient", dx, x->shape);
        if (dscale) require_shape(op, "scale gradient", dscale, {C});
        require_same_dtype(op, {x, scale, dy, dx, dscale});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            const T* s = scale->data<T>();
            std::vector<double> ds(C, 0.0);
            std::vector<T> r(P), dot(P);
            for (int64_t n = 0; n < N; n++) {
                const T* xn = x->data<T>() + n * C * P;
                const T* gn = dy->data<T>() + n * C * P;
                std::fill(r.begin(), r.end(), T(0));
                std::fill(dot.begin(), dot.end(), T(0));
                for (int64_t c = 0; c < C; c++)
                    for (int64_t p = 0; p < P; p++) {
                        r[p] += xn[c * P + p] * xn[c * P + p];
                        dot[p] += s[c] * gn[c * P + p] * xn[c * P + p];
                    }
                for (int64_t p = 0; p < P; p++) r[p] = std::sqrt(r[p]);
                if (dx) {
                    T* dn = dx->data<T>() + n * C * P;
                    for (int64_t c = 0; c < C; c++)
                        for (int64_t p = 0; p < P; p++) {
                            const T d = r[p] + T(eps);
                            T v = s[c] * gn[c * P + p] / d;
                            if (r[p] > 0) v -= xn[c * P + p] * dot[p] / (d * d * r[p]);
                            dn[c * P + p] = v;
                        }
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
    });
}

}  // extern "C"
