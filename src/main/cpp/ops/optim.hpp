// Optimizer steps over whole parameter slabs (one call updates every parameter of a model): the checks and the
// per-element updates both twins run (cpu/optim.cpp, src/main/cuda/optim.cu).
//
// SGD as PyTorch: g' = g + wd*p; buf = momentum*buf + g'; p -= lr*buf (buf starts at 0, which equals PyTorch's first
// step). Adam as PyTorch (L2 weight decay added to the gradient): m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
// p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), bc_i = 1 - beta_i^t, t >= 1 the step number.
// proceed (optional, [1], the param's dtype and device; tdsr_finite_flag fills it): 0 leaves params and state as they
// are, so the NaN guard needs no host read before the update. hyper (optional, f64 [2] on the param's device) =
// (lr, t): read on the device in place of the lr and t arguments, so a captured CUDA graph replays with the values the
// tensor holds at each replay (a kernel argument would be frozen into the graph).
#pragma once

#include "../core.hpp"
#include "hostdev.hpp"

#include <cmath>

namespace tdsr {

inline void check_slabs(const char* op, const tdsr_tensor* p,
                        std::initializer_list<std::pair<const char*, const tdsr_tensor*>> others) {
    require_tensor(op, "param", p);
    require_float(op, "param", p);
    for (auto& [name, t] : others) {
        require_numel(op, name, t, p->numel);
        require_alike(op, {p, t});
    }
}

template <class T>
struct SgdUpdate {
    T lr, momentum, weight_decay;
    TDSR_HD void operator()(T& p, T g, T& buf) const {
        const T d = g + weight_decay * p;
        buf = momentum * buf + d;
        p -= lr * buf;
    }
};

template <class T>
struct AdamUpdate {
    T step, rsqrt_bc2, b1, b2, eps, weight_decay;  // step = lr / bc1, rsqrt_bc2 = 1 / sqrt(bc2)
    TDSR_HD void operator()(T& p, T g, T& m, T& v) const {
        const T gi = g + weight_decay * p;
        m = b1 * m + (T(1) - b1) * gi;
        v = b2 * v + (T(1) - b2) * gi * gi;
        p -= step * m / (hd::sqrt(v) * rsqrt_bc2 + eps);
    }
};

struct AdamHyper {
    int64_t t;
    double lr, beta1, beta2, eps, weight_decay;
};

inline void check_flags(const char* op, const tdsr_tensor* param, const tdsr_tensor* proceed,
                        const tdsr_tensor* hyper) {
    if (proceed) {
        require_numel(op, "proceed flag", proceed, 1);
        require_alike(op, {param, proceed});
    }
    if (hyper && (hyper->dtype != TDSR_F64 || hyper->numel != 2 || hyper->device() != param->device()))
        fail(Msg() << op << ": hyper " << shape_str(hyper) << " on " << device_name(hyper->device())
                   << " must be f64 [2] (lr, step) on " << device_name(param->device()));
}

inline void check_sgd_step(const tdsr_tensor* param, const tdsr_tensor* grad, const tdsr_tensor* buf,
                           const tdsr_tensor* proceed, const tdsr_tensor* hyper) {
    check_slabs("sgd_step", param, {{"grad", grad}, {"momentum buffer", buf}});
    check_flags("sgd_step", param, proceed, hyper);
}

inline void check_adam_step(const tdsr_tensor* param, const tdsr_tensor* grad, const tdsr_tensor* m,
                            const tdsr_tensor* v, const tdsr_tensor* proceed, const tdsr_tensor* hyper,
                            const AdamHyper& h) {
    const char* op = "adam_step";
    check_slabs(op, param, {{"grad", grad}, {"m", m}, {"v", v}});
    check_flags(op, param, proceed, hyper);
    if (!hyper && h.t < 1) fail(Msg() << op << ": step number must be >= 1, got " << h.t);
    if (!(h.beta1 >= 0 && h.beta1 < 1 && h.beta2 >= 0 && h.beta2 < 1))
        fail(Msg() << op << ": betas must be in [0,1), got " << h.beta1 << ", " << h.beta2);
}

// The update of step t at rate lr (both twins build it; the CUDA kernels build it on the device from hyper).
template <class T>
TDSR_HD AdamUpdate<T> adam_update(const AdamHyper& h) {
    const double bc1 = 1.0 - hd::pow(h.beta1, double(h.t)), bc2 = 1.0 - hd::pow(h.beta2, double(h.t));
    return AdamUpdate<T>{T(h.lr / bc1), T(1.0 / hd::sqrt(bc2)), T(h.beta1), T(h.beta2), T(h.eps), T(h.weight_decay)};
}

// h with lr and t from hyper (f64 {lr, t}) where it is given.
TDSR_HD AdamHyper with_hyper(AdamHyper h, const double* hyper) {
    if (hyper) {
        h.lr = hyper[0];
        h.t = int64_t(hyper[1]);
    }
    return h;
}

#define TDSR_OPTIM_TWINS(ns)                                                                                       \
    namespace ns {                                                                                                 \
    void sgd_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* buf, const tdsr_tensor* proceed,       \
                  const tdsr_tensor* hyper, double lr, double momentum, double weight_decay);                      \
    void adam_step(tdsr_tensor* param, const tdsr_tensor* grad, tdsr_tensor* m, tdsr_tensor* v,                    \
                   const tdsr_tensor* proceed, const tdsr_tensor* hyper, const AdamHyper& h);                      \
    }
TDSR_OPTIM_TWINS(cpu)
TDSR_OPTIM_TWINS(cuda)

}  // namespace tdsr
