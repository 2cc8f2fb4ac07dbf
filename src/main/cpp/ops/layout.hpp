// Layout ops: the NCHW <-> rows permutation of the SSD heads and the spatial crop. The checks and the index maps both
// twins use (cpu/layout.cpp, src/main/cuda/layout.cu).
//
// rows: any tensor with dim 0 = N, read as [N, T]. nchw_to_rows writes x [N,C,H,W] into rows[n, offset + (h*W+w)*C + c]
// (ssd.pytorch's permute(0,2,3,1) + view + cat over sources); rows_to_nchw is its adjoint (x overwritten).
// crop2d: y [N,C,h,w] = x[:, :, top:top+h, left:left+w]; its backward writes dy into that window of dx, zeros
// elsewhere (dx overwritten).
// pixel_shuffle (PyTorch's PixelShuffle, sub-pixel upsampling of SRResNet): x [N, C*r*r, H, W] -> y [N, C, H*r, W*r],
// y[n, c, h*r + i, w*r + j] = x[n, c*r*r + i*r + j, h, w]; a permutation, so its backward is the inverse permutation
// (dx overwritten).
#pragma once

#include "../core.hpp"
#include "hostdev.hpp"

namespace tdsr {

struct RowsGeom {
    int64_t N, C, HW, T, offset;  // T: elements per image of the rows tensor
};

inline RowsGeom check_rows_slice(const char* op, const tdsr_tensor* x, const tdsr_tensor* r, int64_t offset) {
    require_ndim(op, "NCHW tensor", x, 4);
    require_tensor(op, "rows tensor", r);
    require_alike(op, {x, r});
    require_float(op, "NCHW tensor", x);
    if (r->ndim() < 1 || r->dim(0) != x->dim(0))
        fail(Msg() << op << ": rows tensor " << shape_str(r) << " must have the batch size " << x->dim(0)
                   << " of " << shape_str(x) << " as its first dimension");
    const int64_t N = x->dim(0);
    const int64_t T = N > 0 ? r->numel / N : 0;
    const int64_t chw = x->dim(1) * x->dim(2) * x->dim(3);
    if (offset < 0 || offset + chw > T)
        fail(Msg() << op << ": slice [" << offset << ", " << offset + chw << ") of " << shape_str(x)
                   << " does not fit the " << T << " elements per image of " << shape_str(r));
    return RowsGeom{N, x->dim(1), x->dim(2) * x->dim(3), T, offset};
}

// Element (n, c, p) of the NCHW tensor and its place in the rows tensor.
TDSR_HD int64_t nchw_index(const RowsGeom& g, int64_t n, int64_t c, int64_t p) { return (n * g.C + c) * g.HW + p; }
TDSR_HD int64_t rows_index(const RowsGeom& g, int64_t n, int64_t c, int64_t p) { return n * g.T + g.offset + p * g.C + c; }

struct CropGeom {
    int64_t NC, H, W, h, w, top, left;  // big [.., H, W], window [.., h, w]
};

inline CropGeom check_crop(const char* op, const tdsr_tensor* big, const tdsr_tensor* small, int64_t top, int64_t left) {
    require_ndim(op, "input", big, 4);
    require_ndim(op, "window", small, 4);
    require_alike(op, {big, small});
    require_float(op, "input", big);
    if (big->dim(0) != small->dim(0) || big->dim(1) != small->dim(1) || top < 0 || left < 0 ||
        top + small->dim(2) > big->dim(2) || left + small->dim(3) > big->dim(3))
        fail(Msg() << op << ": window " << shape_str(small) << " at (" << top << "," << left
                   << ") does not fit in " << shape_str(big));
    return CropGeom{big->dim(0) * big->dim(1), big->dim(2), big->dim(3), small->dim(2), small->dim(3), top, left};
}

struct ShuffleGeom {
    int64_t C, H, W, r;  // of the output: [N, C, H*r, W*r] from [N, C*r*r, H, W]
};

inline ShuffleGeom check_pixel_shuffle(const char* op, const tdsr_tensor* x, const tdsr_tensor* y, int r) {
    require_ndim(op, "input", x, 4);
    require_ndim(op, "output", y, 4);
    require_alike(op, {x, y});
    require_float(op, "input", x);
    if (r < 1) fail(Msg() << op << ": upscale factor must be >= 1, got " << r);
    const int64_t rr = int64_t(r) * r;
    if (x->dim(1) % rr != 0)
        fail(Msg() << op << ": input " << shape_str(x) << " must have a multiple of " << rr << " channels (factor "
                   << r << ")");
    const std::vector<int64_t> expected{x->dim(0), x->dim(1) / rr, x->dim(2) * r, x->dim(3) * r};
    require_shape(op, "output", y, expected);
    return ShuffleGeom{x->dim(1) / rr, x->dim(2), x->dim(3), r};
}

// The input index of output element i (NCHW order of y).
TDSR_HD int64_t pixel_shuffle_source(const ShuffleGeom& g, int64_t i) {
    const int64_t Wo = g.W * g.r, Ho = g.H * g.r;
    const int64_t wo = i % Wo, ho = (i / Wo) % Ho, c = (i / (Wo * Ho)) % g.C, n = i / (Wo * Ho * g.C);
    const int64_t ci = c * g.r * g.r + (ho % g.r) * g.r + (wo % g.r);
    return ((n * g.C * g.r * g.r + ci) * g.H + ho / g.r) * g.W + wo / g.r;
}

#define TDSR_LAYOUT_TWINS(ns)                                                                                      \
    namespace ns {                                                                                                 \
    void nchw_to_rows(const RowsGeom& g, const tdsr_tensor* x, tdsr_tensor* rows);                                 \
    void rows_to_nchw(const RowsGeom& g, const tdsr_tensor* rows, tdsr_tensor* x);                                 \
    void crop2d_forward(const CropGeom& g, const tdsr_tensor* x, tdsr_tensor* y);                                  \
    void crop2d_backward(const CropGeom& g, const tdsr_tensor* dy, tdsr_tensor* dx);                               \
    void pixel_shuffle_forward(const ShuffleGeom& g, const tdsr_tensor* x, tdsr_tensor* y);                        \
    void pixel_shuffle_backward(const ShuffleGeom& g, const tdsr_tensor* dy, tdsr_tensor* dx);                     \
    }
TDSR_LAYOUT_TWINS(cpu)
TDSR_LAYOUT_TWINS(cuda)

}  // namespace tdsr
