// Elementwise arithmetic, the per-channel affine (the detector's input transform) and channel concat/split: the
// checks and the per-element math of both twins (cpu/elementwise.cpp, src/main/cuda/elementwise.cu).
//
// Gradient contract: dx is overwritten; da and db of the affine accumulate (+=); split overwrites its outputs, or
// adds into them with `accumulate` (the dense-connection gradients of D-DBPN).
#pragma once

#include "../core.hpp"
#include "hostdev.hpp"

namespace tdsr {

// a, b, y of one element count (shapes may differ), one dtype and device.
inline void check_binary(const char* op, const tdsr_tensor* a, const tdsr_tensor* b, const tdsr_tensor* y) {
    require_tensor(op, "a", a);
    require_numel(op, "b", b, a->numel);
    require_numel(op, "output", y, a->numel);
    require_alike(op, {a, b, y});
    require_float(op, "a", a);
}

inline NCP check_channel_affine_forward(const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* b,
                                        const tdsr_tensor* y) {
    const char* op = "channel_affine_forward";
    NCP g = require_ncp(op, "input", x);
    if (a) require_shape(op, "a", a, {g.C});
    if (b) require_shape(op, "b", b, {g.C});
    require_shape(op, "output", y, x->shape);
    require_alike(op, {x, a, b, y});
    require_float(op, "input", x);
    return g;
}

inline NCP check_channel_affine_backward(const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* dy,
                                         const tdsr_tensor* dx, const tdsr_tensor* da, const tdsr_tensor* db) {
    const char* op = "channel_affine_backward";
    NCP g = require_ncp(op, "input", x);
    if (a) require_shape(op, "a", a, {g.C});
    require_shape(op, "output gradient", dy, x->shape);
    if (dx) require_shape(op, "input gradient", dx, x->shape);
    if (da) require_shape(op, "a gradient", da, {g.C});
    if (db) require_shape(op, "b gradient", db, {g.C});
    require_alike(op, {x, a, dy, dx, da, db});
    require_float(op, "input", x);
    return g;
}

// The parts share y's batch and plane size and their channels add up to y's; returns y's [N,C,P].
inline NCP check_channel_parts(const char* op, const char* whole_name, const tdsr_tensor* y, const char* part_name,
                               int n, const tdsr_tensor* const* parts) {
    NCP g = require_ncp(op, whole_name, y);
    if (n < 0 || (n > 0 && !parts)) fail(Msg() << op << ": " << n << " " << part_name << "s given as a null list");
    int64_t csum = 0;
    for (int i = 0; i < n; i++) {
        NCP gi = require_ncp(op, part_name, parts[i]);
        require_alike(op, {y, parts[i]});
        if (gi.N != g.N || gi.P != g.P)
            fail(Msg() << op << ": " << part_name << " " << i << " " << shape_str(parts[i]) << " does not match "
                       << whole_name << " " << shape_str(y) << " outside the channel axis");
        csum += gi.C;
    }
    if (csum != g.C)
        fail(Msg() << op << ": " << part_name << "s have " << csum << " channels in all, " << whole_name << " "
                   << shape_str(y) << " has " << g.C);
    return g;
}

inline NCP check_concat_channels(int n, const tdsr_tensor* const* inputs, const tdsr_tensor* y) {
    return check_channel_parts("concat_channels", "output", y, "input", n, inputs);
}

inline NCP check_split_channels(const tdsr_tensor* y, int n, const tdsr_tensor* const* outs) {
    NCP g = check_channel_parts("split_channels", "input", y, "output", n, outs);
    require_float("split_channels", "input", y);
    return g;
}

// The per-element operations (s: the scale of scale, the alpha of axpy).
enum class Binary { add, sub, scale, axpy };
template <Binary K, class T>
TDSR_HD T binary_op(T a, T b, T s) {
    if constexpr (K == Binary::add) return a + b;
    else if constexpr (K == Binary::sub) return a - b;
    else if constexpr (K == Binary::scale) return s * a;
    else return b + s * a;  // axpy: y += s * x, with a = x and b = y
}

template <class T> TDSR_HD T affine(T x, T a, T b) { return x * a + b; }

#define TDSR_ELEMENTWISE_TWINS(ns)                                                                                \
    namespace ns {                                                                                                \
    /* y = op(a, b); for scale and axpy b is y and s is the factor */                                             \
    void binary(Binary kind, const tdsr_tensor* a, const tdsr_tensor* b, double s, tdsr_tensor* y);               \
    void channel_affine_forward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* b,   \
                                tdsr_tensor* y);                                                                  \
    void channel_affine_backward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* a, const tdsr_tensor* dy, \
                                 tdsr_tensor* dx, tdsr_tensor* da, tdsr_tensor* db);                              \
    void concat_channels(const NCP& g, int n, const tdsr_tensor* const* inputs, tdsr_tensor* y);                  \
    void split_channels(const NCP& g, const tdsr_tensor* y, int n, tdsr_tensor* const* outs, int accumulate);     \
    }
TDSR_ELEMENTWISE_TWINS(cpu)
TDSR_ELEMENTWISE_TWINS(cuda)

}  // namespace tdsr
