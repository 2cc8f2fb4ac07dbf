// L2Norm across channels (SSD conv4_3): y = x / (sqrt(sum_c x^2) + eps) * scale[c]. The checks and the per-position
// math both twins run (cpu/norm.cpp, src/main/cuda/norm.cu).
//
// With r = sqrt(sum_c x_c^2) and d = r + eps: y_j = s_j x_j / d, so
//   dL/dx_j = s_j dy_j / d - x_j (sum_c s_c dy_c x_c) / (d^2 r)   (the second term is dropped where r = 0),
//   dL/ds_c += sum_{n,p} dy_c x_c / d.
// Gradient contract: dx is overwritten; dscale accumulates (+=).
#pragma once

#include "../core.hpp"
#include "hostdev.hpp"

namespace tdsr {

inline NCP check_l2norm_forward(const tdsr_tensor* x, const tdsr_tensor* scale, const tdsr_tensor* y) {
    const char* op = "l2norm_forward";
    require_ndim(op, "input", x, 4);
    NCP g = require_ncp(op, "input", x);
    require_shape(op, "scale", scale, {g.C});
    require_shape(op, "output", y, x->shape);
    require_alike(op, {x, scale, y});
    require_float(op, "input", x);
    return g;
}

inline NCP check_l2norm_backward(const tdsr_tensor* x, const tdsr_tensor* scale, const tdsr_tensor* dy,
                                 const tdsr_tensor* dx, const tdsr_tensor* dscale) {
    const char* op = "l2norm_backward";
    require_ndim(op, "input", x, 4);
    NCP g = require_ncp(op, "input", x);
    require_shape(op, "scale", scale, {g.C});
    require_shape(op, "output gradient", dy, x->shape);
    if (dx) require_shape(op, "input gradient", dx, x->shape);
    if (dscale) require_shape(op, "scale gradient", dscale, {g.C});
    require_alike(op, {x, scale, dy, dx, dscale});
    require_float(op, "input", x);
    return g;
}

// dL/dx_j at one position: s = scale[j], dy, x = x_j, r = the position's norm, dot = sum_c s_c dy_c x_c.
template <class T>
TDSR_HD T l2norm_dx(T s, T dy, T x, T r, T dot, T eps) {
    const T d = r + eps;
    T v = s * dy / d;
    if (r > T(0)) v -= x * dot / (d * d * r);
    return v;
}

#define TDSR_NORM_TWINS(ns)                                                                                        \
    namespace ns {                                                                                                 \
    void l2norm_forward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* scale, tdsr_tensor* y, double eps); \
    void l2norm_backward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* scale, const tdsr_tensor* dy,      \
                         tdsr_tensor* dx, tdsr_tensor* dscale, double eps);                                        \
    }
TDSR_NORM_TWINS(cpu)
TDSR_NORM_TWINS(cuda)

}  // namespace tdsr
