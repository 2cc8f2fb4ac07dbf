// L2Norm across channels (SSD conv4_3) and batch normalisation (SRResNet, the SRGAN discriminator). The checks and
// the per-position / per-element math both twins run (cpu/norm.cpp, src/main/cuda/norm.cu).
//
// L2Norm: y = x / (sqrt(sum_c x^2) + eps) * scale[c].
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

// ---- batch normalisation (PyTorch's BatchNorm2d / BatchNorm1d on [N,C,...]) ---------------------------------------
// Training: mean and biased variance per channel over the M = N*P elements (two passes, in double), y = (x - mean) *
// invstd * gamma + beta with invstd = 1/sqrt(var + eps); running_mean/var move by `momentum` towards the batch mean
// and the UNBIASED variance (var * M/(M-1)), as PyTorch. Inference: mean/invstd from the running statistics.
// save_mean/save_invstd (required) receive the statistics used, in either mode, for the backward.
// Backward with xh = (x - mean) * invstd: dbeta += sum dy, dgamma += sum dy*xh; dx (overwritten) is
//   training:  gamma * invstd * (dy - mean(dy) - xh * mean(dy*xh))   (the batch statistics depend on x)
//   inference: gamma * invstd * dy.
struct BatchNormArgs {
    NCP g;
    bool training;
};

inline NCP check_batchnorm_common(const char* op, const tdsr_tensor* x, const tdsr_tensor* gamma) {
    require_tensor(op, "input", x);
    if (x->ndim() < 2)
        fail(Msg() << op << ": input " << shape_str(x) << " must be [N,C] or [N,C,...] (at least 2 dimensions)");
    NCP g = require_ncp(op, "input", x);
    require_shape(op, "gamma", gamma, {g.C});
    require_float(op, "input", x);
    return g;
}

inline NCP check_batchnorm_forward(const tdsr_tensor* x, const tdsr_tensor* gamma, const tdsr_tensor* beta,
                                   const tdsr_tensor* running_mean, const tdsr_tensor* running_var,
                                   const tdsr_tensor* save_mean, const tdsr_tensor* save_invstd, const tdsr_tensor* y,
                                   bool training, double momentum, double eps) {
    const char* op = "batchnorm_forward";
    NCP g = check_batchnorm_common(op, x, gamma);
    require_shape(op, "beta", beta, {g.C});
    require_shape(op, "running mean", running_mean, {g.C});
    require_shape(op, "running variance", running_var, {g.C});
    require_shape(op, "saved mean", save_mean, {g.C});
    require_shape(op, "saved inverse std", save_invstd, {g.C});
    require_shape(op, "output", y, x->shape);
    require_alike(op, {x, gamma, beta, running_mean, running_var, save_mean, save_invstd, y});
    if (!(eps > 0)) fail(Msg() << op << ": eps must be > 0, got " << eps);
    if (!(momentum >= 0 && momentum <= 1)) fail(Msg() << op << ": momentum must be in [0,1], got " << momentum);
    if (training && g.N * g.P < 2)
        fail(Msg() << op << ": training mode needs more than one value per channel, got input " << shape_str(x));
    return g;
}

inline NCP check_batchnorm_backward(const tdsr_tensor* x, const tdsr_tensor* gamma, const tdsr_tensor* save_mean,
                                    const tdsr_tensor* save_invstd, const tdsr_tensor* dy, const tdsr_tensor* dx,
                                    const tdsr_tensor* dgamma, const tdsr_tensor* dbeta) {
    const char* op = "batchnorm_backward";
    NCP g = check_batchnorm_common(op, x, gamma);
    require_shape(op, "saved mean", save_mean, {g.C});
    require_shape(op, "saved inverse std", save_invstd, {g.C});
    require_shape(op, "output gradient", dy, x->shape);
    if (dx) require_shape(op, "input gradient", dx, x->shape);
    if (dgamma) require_shape(op, "gamma gradient", dgamma, {g.C});
    if (dbeta) require_shape(op, "beta gradient", dbeta, {g.C});
    require_alike(op, {x, gamma, save_mean, save_invstd, dy, dx, dgamma, dbeta});
    return g;
}

template <class T> TDSR_HD T batchnorm_y(T x, T mean, T invstd, T gamma, T beta) {
    return (x - mean) * invstd * gamma + beta;
}

template <class T> TDSR_HD T batchnorm_invstd(double var, double eps) { return T(1.0 / hd::sqrt(var + eps)); }

// The running statistics after one training batch of M values per channel (PyTorch: unbiased variance).
template <class T> TDSR_HD void batchnorm_running(T* rm, T* rv, double mean, double var, int64_t M, double momentum) {
    *rm = T((1 - momentum) * double(*rm) + momentum * mean);
    *rv = T((1 - momentum) * double(*rv) + momentum * var * double(M) / double(M - 1));
}

// dL/dx of one element; mean_dy = mean(dy), mean_dyxh = mean(dy*xh) over the channel (training only).
template <class T> TDSR_HD T batchnorm_dx(T dy, T xh, T gamma, T invstd, T mean_dy, T mean_dyxh, bool training) {
    return training ? gamma * invstd * (dy - mean_dy - xh * mean_dyxh) : gamma * invstd * dy;
}

#define TDSR_NORM_TWINS(ns)                                                                                        \
    namespace ns {                                                                                                 \
    void l2norm_forward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* scale, tdsr_tensor* y, double eps); \
    void l2norm_backward(const NCP& g, const tdsr_tensor* x, const tdsr_tensor* scale, const tdsr_tensor* dy,      \
                         tdsr_tensor* dx, tdsr_tensor* dscale, double eps);                                        \
    void batchnorm_forward(const BatchNormArgs& a, const tdsr_tensor* x, const tdsr_tensor* gamma,                 \
                           const tdsr_tensor* beta, tdsr_tensor* running_mean, tdsr_tensor* running_var,           \
                           tdsr_tensor* save_mean, tdsr_tensor* save_invstd, tdsr_tensor* y, double momentum,      \
                           double eps);                                                                            \
    void batchnorm_backward(const BatchNormArgs& a, const tdsr_tensor* x, const tdsr_tensor* gamma,                \
                            const tdsr_tensor* save_mean, const tdsr_tensor* save_invstd, const tdsr_tensor* dy,   \
                            tdsr_tensor* dx, tdsr_tensor* dgamma, tdsr_tensor* dbeta);                             \
    }
TDSR_NORM_TWINS(cpu)
TDSR_NORM_TWINS(cuda)

}  // namespace tdsr
