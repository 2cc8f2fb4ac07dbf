// Max pooling with padding and ceil_mode (PyTorch's output-size rule): the geometry, the checks and the window
// argmax both twins run (cpu/pool.cpp, src/main/cuda/pool.cu). The backward recomputes the argmax instead of
// storing indices; the first max in scan order wins ties, and a NaN wins (as PyTorch), in forward and backward alike.
//
// Gradient contract: dx is overwritten.
#pragma once

#include "../core.hpp"
#include "hostdev.hpp"

namespace tdsr {

inline int64_t pool_out(int64_t in, int k, int s, int p, bool ceil_mode) {
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

struct PoolHyper {
    int kh, kw, sh, sw, ph, pw, ceil_mode;
};

inline PoolGeom pool_geom(const char* op, const tdsr_tensor* x, const tdsr_tensor* y, const char* yname,
                          const PoolHyper& h) {
    require_ndim(op, "input", x, 4);
    if (h.kh < 1 || h.kw < 1 || h.sh < 1 || h.sw < 1 || h.ph < 0 || h.pw < 0 || 2 * h.ph > h.kh || 2 * h.pw > h.kw)
        fail(Msg() << op << ": invalid kernel " << h.kh << "x" << h.kw << ", stride " << h.sh << "x" << h.sw
                   << ", padding " << h.ph << "x" << h.pw << " (padding must be at most half the kernel)");
    PoolGeom g{x->dim(0) * x->dim(1), x->dim(2), x->dim(3), 0, 0, h.kh, h.kw, h.sh, h.sw, h.ph, h.pw};
    g.Ho = pool_out(g.H, h.kh, h.sh, h.ph, h.ceil_mode != 0);
    g.Wo = pool_out(g.W, h.kw, h.sw, h.pw, h.ceil_mode != 0);
    if (g.Ho < 1 || g.Wo < 1) fail(Msg() << op << ": input " << shape_str(x) << " is smaller than the kernel");
    require_shape(op, yname, y, {x->dim(0), x->dim(1), g.Ho, g.Wo});
    return g;
}

inline PoolGeom check_maxpool2d_forward(const tdsr_tensor* x, const tdsr_tensor* y, const PoolHyper& h) {
    const char* op = "maxpool2d_forward";
    PoolGeom g = pool_geom(op, x, y, "output", h);
    require_alike(op, {x, y});
    require_float(op, "input", x);
    return g;
}

inline PoolGeom check_maxpool2d_backward(const tdsr_tensor* x, const tdsr_tensor* dy, const tdsr_tensor* dx,
                                         const PoolHyper& h) {
    const char* op = "maxpool2d_backward";
    PoolGeom g = pool_geom(op, x, dy, "output gradient", h);
    require_shape(op, "input gradient", dx, x->shape);
    require_alike(op, {x, dy, dx});
    require_float(op, "input", x);
    return g;
}

// Index (in the plane) of the max of the window at (oh, ow). The checks above guarantee every window holds at least
// one input element (padding is at most half the kernel, the last ceil-mode window starts inside).
template <class T>
TDSR_HD int64_t window_argmax(const T* plane, const PoolGeom& g, int64_t oh, int64_t ow) {
    const int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    int64_t best = -1;
    T bv = T(0);
    for (int64_t h = hd::max<int64_t>(h0, 0); h < hd::min<int64_t>(h0 + g.kh, g.H); h++)
        for (int64_t w = hd::max<int64_t>(w0, 0); w < hd::min<int64_t>(w0 + g.kw, g.W); w++) {
            const T v = plane[h * g.W + w];
            if (best < 0 || v > bv || hd::isnan(v)) {
                bv = v;
                best = h * g.W + w;
                if (hd::isnan(v)) return best;
            }
        }
    return best;
}

#define TDSR_POOL_TWINS(ns)                                                                                        \
    namespace ns {                                                                                                 \
    void maxpool2d_forward(const PoolGeom& g, const tdsr_tensor* x, tdsr_tensor* y);                               \
    void maxpool2d_backward(const PoolGeom& g, const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx);      \
    }
TDSR_POOL_TWINS(cpu)
TDSR_POOL_TWINS(cuda)

}  // namespace tdsr
