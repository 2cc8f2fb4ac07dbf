// Convolution and transposed convolution: the geometry both twins share (output sizes, the conv/deconv index maps)
// and the checks of every entry point. The CPU twin (cpu/conv.cpp) runs im2col/col2im + BLAS GEMM; the CUDA twin
// (src/main/cuda/conv.cu) runs cuDNN.
//
// One geometry, three cores. A transposed convolution is the adjoint of a convolution, so
//   deconv forward         = conv backward-input  (deconv weight [Cin,Cout,k,k] read as conv weight [M=Cin, C=Cout])
//   deconv backward-input  = conv forward
//   deconv backward-params = conv backward-weight with the roles of x and dy swapped
// (Caffe's deconv_layer.cpp does the same; cuDNN's backward-data is the transposed convolution too).
//
// Gradient contract: dx is overwritten; dw and db accumulate (+=).
#pragma once

#include "../core.hpp"
#include "hostdev.hpp"

#include <algorithm>

namespace tdsr {

// A convolution from an input plane set [C,H,W] to an output [M,Ho,Wo] with kernel [M,C,kh,kw], over N images.
// For a transposed convolution it is the convolution whose adjoint it is (see deconv_geom).
struct ConvGeom {
    int N, C, H, W;  // input
    int M, Ho, Wo;   // output
    int kh, kw, sh, sw, ph, pw, dh, dw;
    TDSR_HD int64_t K() const { return int64_t(C) * kh * kw; }
    TDSR_HD int64_t P() const { return int64_t(Ho) * Wo; }
    TDSR_HD int64_t HW() const { return int64_t(H) * W; }
    TDSR_HD bool pointwise() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
    // Input row of output row ho under kernel row i (may fall in the padding: outside [0, H)).
    TDSR_HD int input_row(int ho, int i) const { return ho * sh - ph + i * dh; }
    TDSR_HD int input_col(int wo, int j) const { return wo * sw - pw + j * dw; }
};

// Ho = floor((H + 2p - d(k-1) - 1)/s) + 1.
inline int64_t conv_out(int64_t in, int k, int s, int p, int d) { return (in + 2 * p - int64_t(d) * (k - 1) - 1) / s + 1; }

inline void check_conv_hyper(const char* op, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0 || dh < 1 || dw < 1)
        fail(Msg() << op << ": invalid kernel " << kh << "x" << kw << ", stride " << sh << "x" << sw << ", padding "
                   << ph << "x" << pw << ", dilation " << dh << "x" << dw
                   << " (kernel, stride, dilation >= 1; padding >= 0)");
}

// Geometry of a convolution with input x [N,C,H,W] and weight [M,C,kh,kw]; checks y (or dy) has the output shape.
inline ConvGeom conv_geom(const char* op, const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* y,
                          const char* yname, int sh, int sw, int ph, int pw, int dh, int dw) {
    require_ndim(op, "input", x, 4);
    require_ndim(op, "weight", w, 4);
    ConvGeom g{};
    g.N = int(x->dim(0)); g.C = int(x->dim(1)); g.H = int(x->dim(2)); g.W = int(x->dim(3));
    g.M = int(w->dim(0)); g.kh = int(w->dim(2)); g.kw = int(w->dim(3));
    g.sh = sh; g.sw = sw; g.ph = ph; g.pw = pw; g.dh = dh; g.dw = dw;
    check_conv_hyper(op, g.kh, g.kw, sh, sw, ph, pw, dh, dw);
    if (w->dim(1) != g.C)
        fail(Msg() << op << ": input " << shape_str(x) << " has " << g.C << " channels but weight " << shape_str(w)
                   << " expects " << w->dim(1));
    const int64_t Ho = conv_out(g.H, g.kh, sh, ph, dh), Wo = conv_out(g.W, g.kw, sw, pw, dw);
    if (Ho < 1 || Wo < 1)
        fail(Msg() << op << ": input " << shape_str(x) << " is smaller than the dilated kernel of weight "
                   << shape_str(w) << " with padding " << ph << "x" << pw);
    g.Ho = int(Ho); g.Wo = int(Wo);
    require_shape(op, yname, y, {g.N, g.M, Ho, Wo});
    return g;
}

// Geometry of the convolution whose adjoint is the transposed convolution x [N,Cin,H,W] -> y [N,Cout,Ho,Wo] with
// weight [Cin,Cout,kh,kw]: the conv goes from y-space (C = Cout) to x-space (M = Cin). PyTorch's output-size rule:
// Ho = (H-1)*s - 2p + k + output_padding, 0 <= output_padding < s.
inline ConvGeom deconv_geom(const char* op, const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* y,
                            const char* yname, int sh, int sw, int ph, int pw) {
    require_ndim(op, "input", x, 4);
    require_ndim(op, "weight", w, 4);
    require_ndim(op, yname, y, 4);
    const int kh = int(w->dim(2)), kw = int(w->dim(3));
    check_conv_hyper(op, kh, kw, sh, sw, ph, pw, 1, 1);
    if (w->dim(0) != x->dim(1))
        fail(Msg() << op << ": input " << shape_str(x) << " has " << x->dim(1) << " channels but weight "
                   << shape_str(w) << " (stored [in,out,kh,kw]) expects " << w->dim(0));
    const int64_t Hmin = (x->dim(2) - 1) * sh - 2 * ph + kh, Wmin = (x->dim(3) - 1) * sw - 2 * pw + kw;
    const int64_t oph = y->dim(2) - Hmin, opw = y->dim(3) - Wmin;
    if (Hmin < 1 || Wmin < 1 || y->dim(0) != x->dim(0) || y->dim(1) != w->dim(1) || oph < 0 || oph >= sh || opw < 0 ||
        opw >= sw)
        fail(Msg() << op << ": " << yname << " " << shape_str(y) << " does not match input " << shape_str(x)
                   << " and weight " << shape_str(w) << " with stride " << sh << "x" << sw << ", padding " << ph << "x"
                   << pw << " (expected [" << x->dim(0) << "," << w->dim(1) << "," << Hmin << "+op," << Wmin
                   << "+op] with 0 <= output_padding < stride)");
    ConvGeom g{};
    g.N = int(x->dim(0));
    g.C = int(w->dim(1)); g.H = int(y->dim(2)); g.W = int(y->dim(3));
    g.M = int(w->dim(0)); g.Ho = int(x->dim(2)); g.Wo = int(x->dim(3));
    g.kh = kh; g.kw = kw; g.sh = sh; g.sw = sw; g.ph = ph; g.pw = pw; g.dh = 1; g.dw = 1;
    return g;
}

inline void check_bias(const char* op, const char* name, const tdsr_tensor* b, int channels) {
    if (b && (b->ndim() != 1 || b->dim(0) != channels))
        fail(Msg() << op << ": " << name << " " << shape_str(b) << " must be [" << channels << "]");
}

// ---- the checks of the entry points ------------------------------------------------------------------------------
struct ConvHyper {
    int sh, sw, ph, pw, dh, dw;
};

inline ConvGeom check_conv2d_forward(const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b,
                                     const tdsr_tensor* y, const ConvHyper& h) {
    const char* op = "conv2d_forward";
    ConvGeom g = conv_geom(op, x, w, y, "output", h.sh, h.sw, h.ph, h.pw, h.dh, h.dw);
    check_bias(op, "bias", b, g.M);
    require_alike(op, {x, w, b, y});
    require_float(op, "input", x);
    return g;
}

inline ConvGeom check_conv2d_backward_input(const tdsr_tensor* dy, const tdsr_tensor* w, const tdsr_tensor* dx,
                                            const ConvHyper& h) {
    const char* op = "conv2d_backward_input";
    ConvGeom g = conv_geom(op, dx, w, dy, "output gradient", h.sh, h.sw, h.ph, h.pw, h.dh, h.dw);
    require_alike(op, {dy, w, dx});
    require_float(op, "output gradient", dy);
    return g;
}

// The parameter-gradient checks of both layer kinds: `geom` is conv_geom or deconv_geom. x may be null when only db
// is asked for.
template <class Geom>
ConvGeom check_backward_params(const char* op, const tdsr_tensor* dy, const tdsr_tensor* x, const tdsr_tensor* dw,
                               const tdsr_tensor* db, Geom geom) {
    require_ndim(op, "output gradient", dy, 4);
    ConvGeom g{};
    if (dw) g = geom(op, x, dw, dy, "output gradient");
    check_bias(op, "bias gradient", db, int(dy->dim(1)));
    require_alike(op, {dy, x, dw, db});
    require_float(op, "output gradient", dy);
    return g;
}

inline ConvGeom check_conv2d_backward_params(const tdsr_tensor* dy, const tdsr_tensor* x, const tdsr_tensor* dw,
                                             const tdsr_tensor* db, const ConvHyper& h) {
    return check_backward_params("conv2d_backward_params", dy, x, dw, db,
                                 [&](const char* op, auto... t) { return conv_geom(op, t..., h.sh, h.sw, h.ph, h.pw, h.dh, h.dw); });
}

inline ConvGeom check_deconv2d_forward(const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b,
                                       const tdsr_tensor* y, const ConvHyper& h) {
    const char* op = "deconv2d_forward";
    ConvGeom g = deconv_geom(op, x, w, y, "output", h.sh, h.sw, h.ph, h.pw);
    check_bias(op, "bias", b, g.C);
    require_alike(op, {x, w, b, y});
    require_float(op, "input", x);
    return g;
}

inline ConvGeom check_deconv2d_backward_input(const tdsr_tensor* dy, const tdsr_tensor* w, const tdsr_tensor* dx,
                                              const ConvHyper& h) {
    const char* op = "deconv2d_backward_input";
    ConvGeom g = deconv_geom(op, dx, w, dy, "output gradient", h.sh, h.sw, h.ph, h.pw);
    require_alike(op, {dy, w, dx});
    require_float(op, "output gradient", dy);
    return g;
}

inline ConvGeom check_deconv2d_backward_params(const tdsr_tensor* dy, const tdsr_tensor* x, const tdsr_tensor* dw,
                                               const tdsr_tensor* db, const ConvHyper& h) {
    return check_backward_params("deconv2d_backward_params", dy, x, dw, db,
                                 [&](const char* op, auto... t) { return deconv_geom(op, t..., h.sh, h.sw, h.ph, h.pw); });
}

// Twins. The geometry is the checked one; backward_params computes dw only when dw is non-null and db only when db
// is non-null.
#define TDSR_CONV_TWINS(ns)                                                                                       \
    namespace ns {                                                                                                \
    void conv2d_forward(const ConvGeom& g, const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b,      \
                        tdsr_tensor* y);                                                                          \
    void conv2d_backward_input(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx);  \
    void conv2d_backward_params(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw,  \
                                tdsr_tensor* db);                                                                 \
    void deconv2d_forward(const ConvGeom& g, const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b,    \
                          tdsr_tensor* y);                                                                        \
    void deconv2d_backward_input(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx);\
    void deconv2d_backward_params(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw,\
                                  tdsr_tensor* db);                                                               \
    }
TDSR_CONV_TWINS(cpu)
TDSR_CONV_TWINS(cuda)

}  // namespace tdsr
