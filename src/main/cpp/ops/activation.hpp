// PReLU (one shared parameter or one per channel), ReLU and LeakyReLU (a fixed slope: the SRGAN discriminator): the checks and the per-element math of both twins
// (cpu/activation.cpp, src/main/cuda/activation.cu).
//
// Gradient contract: dx is overwritten; dalpha accumulates (+=), summed in double in a fixed order (deterministic).
#pragma once

#include "../core.hpp"
#include "hostdev.hpp"

namespace tdsr {

// Channels and plane size of an [N,C,...] input (a 1-D tensor counts as one channel); alpha_per_channel when alpha
// has C elements rather than 1.
struct PreluGeom {
    int64_t N, C, P;
    bool shared;
};

inline PreluGeom prelu_geom(const char* op, const tdsr_tensor* x, const tdsr_tensor* alpha) {
    require_tensor(op, "input", x);
    require_tensor(op, "alpha", alpha);
    PreluGeom g{x->ndim() >= 1 ? x->dim(0) : 1, x->ndim() >= 2 ? x->dim(1) : 1, 0, alpha->numel == 1};
    g.P = g.N * g.C > 0 ? x->numel / (g.N * g.C) : 0;
    if (alpha->numel != 1 && alpha->numel != g.C)
        fail(Msg() << op << ": alpha " << shape_str(alpha) << " must have 1 element (shared) or " << g.C
                   << " (one per channel of input " << shape_str(x) << ")");
    return g;
}

// The whole check of each entry point (tensors present, shapes, one dtype and one device); returns the geometry.
inline PreluGeom check_prelu_forward(const tdsr_tensor* x, const tdsr_tensor* alpha, const tdsr_tensor* y) {
    const char* op = "prelu_forward";
    PreluGeom g = prelu_geom(op, x, alpha);
    require_shape(op, "output", y, x->shape);
    require_alike(op, {x, alpha, y});
    require_float(op, "input", x);
    return g;
}

inline PreluGeom check_prelu_backward(const tdsr_tensor* x, const tdsr_tensor* alpha, const tdsr_tensor* dy,
                                      const tdsr_tensor* dx, const tdsr_tensor* dalpha) {
    const char* op = "prelu_backward";
    PreluGeom g = prelu_geom(op, x, alpha);
    require_shape(op, "output gradient", dy, x->shape);
    if (dx) require_shape(op, "input gradient", dx, x->shape);
    if (dalpha) require_shape(op, "alpha gradient", dalpha, alpha->shape);
    require_alike(op, {x, alpha, dy, dx, dalpha});
    require_float(op, "input", x);
    return g;
}

inline void check_relu_forward(const tdsr_tensor* x, const tdsr_tensor* y) {
    const char* op = "relu_forward";
    require_tensor(op, "input", x);
    require_numel(op, "output", y, x->numel);
    require_alike(op, {x, y});
    require_float(op, "input", x);
}

inline void check_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, const tdsr_tensor* dx) {
    const char* op = "relu_backward";
    require_tensor(op, "input", x);
    require_numel(op, "output gradient", dy, x->numel);
    require_numel(op, "input gradient", dx, x->numel);
    require_alike(op, {x, dy, dx});
    require_float(op, "input", x);
}

inline void check_slope(const char* op, double slope) {
    if (!(slope >= 0 && slope < 1)) fail(Msg() << op << ": slope must be in [0,1), got " << slope);
}

inline void check_leaky_relu_forward(const tdsr_tensor* x, const tdsr_tensor* y, double slope) {
    const char* op = "leaky_relu_forward";
    require_tensor(op, "input", x);
    require_numel(op, "output", y, x->numel);
    require_alike(op, {x, y});
    require_float(op, "input", x);
    check_slope(op, slope);
}

inline void check_leaky_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, const tdsr_tensor* dx,
                                      double slope) {
    const char* op = "leaky_relu_backward";
    require_tensor(op, "input", x);
    require_numel(op, "output gradient", dy, x->numel);
    require_numel(op, "input gradient", dx, x->numel);
    require_alike(op, {x, dy, dx});
    require_float(op, "input", x);
    check_slope(op, slope);
}

template <class T> TDSR_HD T relu(T x) { return x > T(0) ? x : T(0); }
// x may be the forward output: relu(x) > 0 iff x > 0.
template <class T> TDSR_HD T relu_dx(T x, T dy) { return x > T(0) ? dy : T(0); }
template <class T> TDSR_HD T prelu(T x, T a) { return x > T(0) ? x : a * x; }
template <class T> TDSR_HD T prelu_dx(T x, T a, T dy) { return x > T(0) ? dy : a * dy; }
template <class T> TDSR_HD T leaky_relu(T x, T s) { return x > T(0) ? x : s * x; }
// x may be the forward output: with slope >= 0, leaky_relu(x) > 0 iff x > 0.
template <class T> TDSR_HD T leaky_relu_dx(T x, T s, T dy) { return x > T(0) ? dy : s * dy; }
// The element's share of dL/dalpha.
template <class T> TDSR_HD double prelu_dalpha(T x, T dy) { return x > T(0) ? 0.0 : double(x) * double(dy); }

#define TDSR_ACTIVATION_TWINS(ns)                                                                                  \
    namespace ns {                                                                                                 \
    void prelu_forward(const PreluGeom& g, const tdsr_tensor* x, const tdsr_tensor* alpha, tdsr_tensor* y);        \
    void prelu_backward(const PreluGeom& g, const tdsr_tensor* x, const tdsr_tensor* alpha, const tdsr_tensor* dy, \
                        tdsr_tensor* dx, tdsr_tensor* dalpha);                                                     \
    void relu_forward(const tdsr_tensor* x, tdsr_tensor* y);                                                       \
    void relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx);                              \
    void leaky_relu_forward(const tdsr_tensor* x, tdsr_tensor* y, double slope);                                   \
    void leaky_relu_backward(const tdsr_tensor* x, const tdsr_tensor* dy, tdsr_tensor* dx, double slope);          \
    }
TDSR_ACTIVATION_TWINS(cpu)
TDSR_ACTIVATION_TWINS(cuda)

}  // namespace tdsr
