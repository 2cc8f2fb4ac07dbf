// Losses: MSE (mean), smooth-L1 (summed, weighted), softmax cross-entropy per row (numerically stable) and the
// row softmax of the detection output. The checks and the per-element / per-row math both twins run
// (cpu/loss.cpp, src/main/cuda/loss.cu).
//
// MSE: loss = mean((a-b)^2); da = scale * 2(a-b)/numel (overwritten).
// Smooth-L1 (beta 1), summed: loss = sum_i w_i * sl1(x_i - t_i), weight may be null (= 1); dx = scale * w * sl1'.
// Softmax cross-entropy: row_loss[r] = logsumexp(row) - row[label] (the row max subtracted first);
// dlogits[r] = row_weight[r] * (softmax(row) - onehot(label)), rows of weight 0 get zero gradient.
// Sigmoid binary cross-entropy with logits (the SRGAN discriminator and adversarial losses), mean over elements:
// loss = mean(max(x,0) - x*t + log(1 + exp(-|x|))) (stable for any x); dx = scale * (sigmoid(x) - t)/numel.
// Hard-negative mining (MultiBoxLoss): per image, positives (label > 0) rank 0 and the others rank by their row loss;
// the min(neg_pos * positives, P - 1) highest ranks are selected, plus every positive. The order is Java's stable
// Arrays.sort under Double.compare, descending (what MultiBoxLoss selected before this op): NaN above +Inf, -0 below
// +0, equal ranks keep the lower prior first. mining_key encodes a rank so that ascending unsigned order is that
// order, which both twins sort by (a stable sort, ties by index).
// Loss slots: the forwards of MSE, smooth-L1 and the weighted row sum (the confidence loss over the selected priors)
// store loss / divisor into element `at` of an f64 tensor on the inputs' device, so a training step's loss parts stay
// there until the host reads them all at once; the host-value entry points (tdsr_mse_forward, ...) are a slot read.
// Losses are accumulated in double; gradients are overwritten.
#pragma once

#include "../core.hpp"
#include "hostdev.hpp"

#include <cstring>

namespace tdsr {

inline void check_pair(const char* op, const tdsr_tensor* x, const tdsr_tensor* t, const tdsr_tensor* w) {
    require_tensor(op, "input", x);
    require_numel(op, "target", t, x->numel);
    if (w) require_numel(op, "weight", w, x->numel);
    require_alike(op, {x, t, w});
    require_float(op, "input", x);
}

inline void check_slot(const char* op, const tdsr_tensor* like, const tdsr_tensor* out, int64_t at, double divisor) {
    require_tensor(op, "loss slots", out);
    if (out->dtype != TDSR_F64 || out->device() != like->device() || at < 0 || at >= out->numel)
        fail(Msg() << op << ": loss slots " << shape_str(out) << " on " << device_name(out->device())
                   << " must be f64 on " << device_name(like->device()) << " with an element " << at);
    if (!(divisor != 0) || !std::isfinite(divisor))
        fail(Msg() << op << ": divisor must be finite and non-zero, got " << divisor);
}

inline void check_mse_forward_to(const tdsr_tensor* a, const tdsr_tensor* b, const tdsr_tensor* out, int64_t at,
                                 double divisor) {
    const char* op = "mse_forward_to";
    check_pair(op, a, b, nullptr);
    if (a->numel == 0) fail(Msg() << op << ": empty input");
    check_slot(op, a, out, at, divisor);
}

inline void check_smooth_l1_forward_to(const tdsr_tensor* x, const tdsr_tensor* t, const tdsr_tensor* w,
                                       const tdsr_tensor* out, int64_t at, double divisor) {
    check_pair("smooth_l1_forward_to", x, t, w);
    check_slot("smooth_l1_forward_to", x, out, at, divisor);
}

inline void check_weighted_sum_to(const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* out, int64_t at,
                                  double divisor) {
    const char* op = "weighted_sum_to";
    require_tensor(op, "x", x);
    require_numel(op, "weight", w, x->numel);
    require_alike(op, {x, w});
    require_float(op, "x", x);
    check_slot(op, x, out, at, divisor);
}

inline void check_mse_forward(const tdsr_tensor* a, const tdsr_tensor* b, const double* loss) {
    const char* op = "mse_forward";
    check_pair(op, a, b, nullptr);
    if (!loss) fail(Msg() << op << ": loss is null");
    if (a->numel == 0) fail(Msg() << op << ": empty input");
}

inline void check_mse_backward(const tdsr_tensor* a, const tdsr_tensor* b, const tdsr_tensor* da) {
    const char* op = "mse_backward";
    check_pair(op, a, b, nullptr);
    require_numel(op, "gradient", da, a->numel);
    require_alike(op, {a, da});
}

inline void check_smooth_l1_forward(const tdsr_tensor* x, const tdsr_tensor* t, const tdsr_tensor* w, const double* loss) {
    check_pair("smooth_l1_forward", x, t, w);
    if (!loss) fail("smooth_l1_forward: loss is null");
}

inline void check_smooth_l1_backward(const tdsr_tensor* x, const tdsr_tensor* t, const tdsr_tensor* w,
                                     const tdsr_tensor* dx) {
    const char* op = "smooth_l1_backward";
    check_pair(op, x, t, w);
    require_numel(op, "gradient", dx, x->numel);
    require_alike(op, {x, dx});
}

inline void check_bce_logits_forward(const tdsr_tensor* x, const tdsr_tensor* t, const double* loss) {
    const char* op = "bce_logits_forward";
    check_pair(op, x, t, nullptr);
    if (!loss) fail(Msg() << op << ": loss is null");
    if (x->numel == 0) fail(Msg() << op << ": empty input");
}

inline void check_bce_logits_backward(const tdsr_tensor* x, const tdsr_tensor* t, const tdsr_tensor* dx) {
    const char* op = "bce_logits_backward";
    check_pair(op, x, t, nullptr);
    require_numel(op, "gradient", dx, x->numel);
    require_alike(op, {x, dx});
}

struct RowsShape {
    int64_t R, C;
};

// The label values are checked by the twin (they live on the tensor's device): see label_in_range.
inline RowsShape check_xent_rows(const char* op, const tdsr_tensor* logits, const tdsr_tensor* labels) {
    require_ndim(op, "logits", logits, 2);
    require_float(op, "logits", logits);
    const int64_t R = logits->dim(0), C = logits->dim(1);
    require_tensor(op, "labels", labels);
    if (labels->dtype != TDSR_I32 || labels->numel != R || labels->device() != logits->device())
        fail(Msg() << op << ": labels " << shape_str(labels) << " on " << device_name(labels->device())
                   << " must be i32 [" << R << "] on " << device_name(logits->device()) << " for logits "
                   << shape_str(logits));
    if (C < 1) fail(Msg() << op << ": logits " << shape_str(logits) << " have no classes");
    return RowsShape{R, C};
}

inline RowsShape check_softmax_xent_forward(const tdsr_tensor* logits, const tdsr_tensor* labels,
                                            const tdsr_tensor* row_loss) {
    const char* op = "softmax_xent_forward";
    RowsShape s = check_xent_rows(op, logits, labels);
    require_numel(op, "row loss", row_loss, s.R);
    require_alike(op, {logits, row_loss});
    return s;
}

inline RowsShape check_softmax_xent_backward(const tdsr_tensor* logits, const tdsr_tensor* labels,
                                             const tdsr_tensor* row_weight, const tdsr_tensor* dlogits) {
    const char* op = "softmax_xent_backward";
    RowsShape s = check_xent_rows(op, logits, labels);
    if (row_weight) require_numel(op, "row weight", row_weight, s.R);
    require_shape(op, "logits gradient", dlogits, logits->shape);
    require_alike(op, {logits, row_weight, dlogits});
    return s;
}

// The flagged cross-entropies (a captured step has no host read): flags is an f64 tensor on the logits' device and
// element `at` receives the first row whose label is outside [0,C), or -1 (every label in range).
inline void check_label_flag(const char* op, const tdsr_tensor* logits, const tdsr_tensor* flags, int64_t at) {
    require_tensor(op, "label flags", flags);
    if (flags->dtype != TDSR_F64 || flags->device() != logits->device() || at < 0 || at >= flags->numel)
        fail(Msg() << op << ": label flags " << shape_str(flags) << " on " << device_name(flags->device())
                   << " must be f64 on " << device_name(logits->device()) << " with an element " << at);
}

inline RowsShape check_softmax_rows(const tdsr_tensor* logits, const tdsr_tensor* probs) {
    const char* op = "softmax_rows";
    require_ndim(op, "logits", logits, 2);
    require_shape(op, "probabilities", probs, logits->shape);
    require_alike(op, {logits, probs});
    require_float(op, "logits", logits);
    if (logits->dim(1) < 1) fail(Msg() << op << ": logits " << shape_str(logits) << " have no classes");
    return RowsShape{logits->dim(0), logits->dim(1)};
}

struct MiningShape {
    int64_t N, P;  // images, priors per image
    int neg_pos;   // negatives per positive (SSD: 3)
};

inline MiningShape check_mine_hard_negatives(const tdsr_tensor* row_loss, const tdsr_tensor* labels, int64_t images,
                                             int neg_pos, const tdsr_tensor* selected) {
    const char* op = "mine_hard_negatives";
    require_tensor(op, "row loss", row_loss);
    require_float(op, "row loss", row_loss);
    if (images < 1 || row_loss->numel % images != 0)
        fail(Msg() << op << ": images " << images << " must be >= 1 and divide the row loss's " << row_loss->numel
                   << " elements (one row per prior of every image)");
    if (neg_pos < 0) fail(Msg() << op << ": neg_pos " << neg_pos << " must be >= 0");
    require_tensor(op, "labels", labels);
    if (labels->dtype != TDSR_I32 || labels->numel != row_loss->numel || labels->device() != row_loss->device())
        fail(Msg() << op << ": labels " << shape_str(labels) << " on " << device_name(labels->device())
                   << " must be i32 with " << row_loss->numel << " elements on " << device_name(row_loss->device()));
    require_numel(op, "selected", selected, row_loss->numel);
    require_alike(op, {row_loss, selected});
    return MiningShape{images, row_loss->numel / images, neg_pos};
}

[[noreturn]] inline void fail_label(const char* op, int64_t row, int32_t label, int64_t C) {
    fail(Msg() << op << ": label " << label << " of row " << row << " is outside [0," << C << ")");
}

// ---- per element -------------------------------------------------------------------------------------------------
TDSR_HD bool label_in_range(int32_t label, int64_t C) { return label >= 0 && label < C; }

template <class T> TDSR_HD double squared_diff(T a, T b) {
    const double d = double(a) - double(b);
    return d * d;
}

template <class T> TDSR_HD T smooth_l1(T d) {
    const T a = hd::abs(d);
    return a < T(1) ? T(0.5) * d * d : a - T(0.5);
}

template <class T> TDSR_HD T smooth_l1_grad(T d) { return hd::abs(d) < T(1) ? d : (d > T(0) ? T(1) : T(-1)); }

// One weighted smooth-L1 term; weight 0 skips the element (so a NaN prediction of an unmatched prior adds nothing).
template <class T> TDSR_HD double smooth_l1_term(T x, T t, const T* w, int64_t i) {
    if (w && w[i] == T(0)) return 0.0;
    return double(w ? w[i] : T(1)) * smooth_l1(x - t);
}

template <class T> TDSR_HD double bce_logits_term(T x, T t) {
    const double xd = x, td = t;
    return (xd > 0 ? xd : 0.0) - xd * td + hd::log(1.0 + hd::exp(-hd::abs(xd)));
}

template <class T> TDSR_HD T sigmoid(T x) {
    return x >= T(0) ? T(1) / (T(1) + hd::exp(-x)) : hd::exp(x) / (T(1) + hd::exp(x));
}

// ---- per row -----------------------------------------------------------------------------------------------------
template <class T> TDSR_HD T row_max(const T* row, int64_t C) {
    T mx = row[0];
    for (int64_t c = 1; c < C; c++) mx = hd::max(mx, row[c]);
    return mx;
}

template <class T> TDSR_HD T xent_row_loss(const T* row, int64_t C, int32_t label) {
    const T mx = row_max(row, C);
    double s = 0;
    for (int64_t c = 0; c < C; c++) s += hd::exp(double(row[c] - mx));
    return T(hd::log(s) + double(mx) - double(row[label]));
}

// g = softmax(row), in T as the forward of the detection output.
template <class T> TDSR_HD void softmax_row(const T* row, int64_t C, T* g) {
    const T mx = row_max(row, C);
    T s = 0;
    for (int64_t c = 0; c < C; c++) s += (g[c] = hd::exp(row[c] - mx));
    for (int64_t c = 0; c < C; c++) g[c] /= s;
}

template <class T> TDSR_HD void xent_row_grad(const T* row, int64_t C, int32_t label, T w, T* g) {
    if (w == T(0)) {
        for (int64_t c = 0; c < C; c++) g[c] = T(0);
        return;
    }
    const T mx = row_max(row, C);
    T s = 0;
    for (int64_t c = 0; c < C; c++) s += (g[c] = hd::exp(row[c] - mx));
    for (int64_t c = 0; c < C; c++) g[c] = w * (g[c] / s - (c == label ? T(1) : T(0)));
}

// ---- hard-negative mining ------------------------------------------------------------------------------------------
// Java's Double.compare order of the rank as an unsigned key, inverted (ascending key = descending rank). Like
// Double.doubleToLongBits, every NaN counts as the one canonical NaN.
template <class T> TDSR_HD uint64_t mining_key(T loss, int32_t label) {
    const double r = label > 0 ? 0.0 : double(loss);
    uint64_t bits = 0x7ff8000000000000ull;
    if (!hd::isnan(r)) memcpy(&bits, &r, sizeof bits);
    const uint64_t ordered = (bits >> 63) ? ~bits : bits | 0x8000000000000000ull;
    return ~ordered;
}

// Negatives of an image with `positives` positives and P priors.
TDSR_HD int64_t mining_negatives(int64_t positives, int64_t P, int neg_pos) {
    return hd::min(int64_t(neg_pos) * positives, P - 1);
}

#define TDSR_LOSS_TWINS(ns)                                                                                        \
    namespace ns {                                                                                                 \
    void mse_forward(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* out, int64_t at, double divisor);    \
    void mse_backward(const tdsr_tensor* a, const tdsr_tensor* b, double scale, tdsr_tensor* da);                  \
    void smooth_l1_forward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight,             \
                           tdsr_tensor* out, int64_t at, double divisor);                                          \
    void weighted_sum(const tdsr_tensor* x, const tdsr_tensor* w, tdsr_tensor* out, int64_t at, double divisor);   \
    void smooth_l1_backward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight,            \
                            double scale, tdsr_tensor* dx);                                                        \
    void softmax_xent_forward(const RowsShape& s, const tdsr_tensor* logits, const tdsr_tensor* labels,            \
                              tdsr_tensor* row_loss, tdsr_tensor* flags, int64_t at);                              \
    void softmax_xent_backward(const RowsShape& s, const tdsr_tensor* logits, const tdsr_tensor* labels,           \
                               const tdsr_tensor* row_weight, tdsr_tensor* dlogits, tdsr_tensor* flags,            \
                               int64_t at);                                                                        \
    void softmax_rows(const RowsShape& s, const tdsr_tensor* logits, tdsr_tensor* probs);                          \
    double bce_logits_forward(const tdsr_tensor* x, const tdsr_tensor* target);                                    \
    void bce_logits_backward(const tdsr_tensor* x, const tdsr_tensor* target, double scale, tdsr_tensor* dx);      \
    void mine_hard_negatives(const MiningShape& s, const tdsr_tensor* row_loss, const tdsr_tensor* labels,         \
                             tdsr_tensor* selected);                                                               \
    }
TDSR_LOSS_TWINS(cpu)
TDSR_LOSS_TWINS(cuda)

}  // namespace tdsr
