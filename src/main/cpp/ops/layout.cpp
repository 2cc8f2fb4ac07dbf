// Layout ops of the SSD heads: ssd.pytorch permutes every head output NCHW -> NHWC, flattens it per image and
// concatenates the sources; here each head writes straight into its slice of the [N, rows...] output, and the backward
// gathers its gradient back out of that slice.
#include "../core.hpp"

#include <algorithm>
#include <cstring>

using namespace tdsr;

namespace {

// Checks x [N,C,H,W] against rows tensor r (dim 0 = N, T = numel/N elements per image) and the slice at `offset`.
void check_rows_slice(const char* op, const tdsr_tensor* x, const tdsr_tensor* r, int64_t offset) {
    require_ndim(op, "NCHW tensor", x, 4);
    require_tensor(op, "rows tensor", r);
    require_same_dtype(op, {x, r});
    if (r->ndim() < 1 || r->dim(0) != x->dim(0))
        fail(Msg() << op << ": rows tensor " << shape_str(r) << " must have the batch size " << x->dim(0)
                   << " of " << shape_str(x) << " as its first dimension");
    const int64_t N = x->dim(0);
    const int64_t T = N > 0 ? r->numel / N : 0;
    const int64_t chw = x->dim(1) * x->dim(2) * x->dim(3);
    if (offset < 0 || offset + chw > T)
        fail(Msg() << op << ": slice [" << offset << ", " << offset + chw << ") of " << shape_str(x)
                   << " does not fit the " << T << " elements per image of " << shape_str(r));
}

template <class T, bool ToRows>
void permute(tdsr_tensor* x, tdsr_tensor* r, int64_t offset) {
    const int64_t N = x->dim(0), C = x->dim(1), HW = x->dim(2) * x->dim(3);
    const int64_t Trow = r->numel / N;
    for (int64_t n = 0; n < N; n++) {
        T* xp = x->data<T>() + n * C * HW;
        T* rp = r->data<T>() + n * Trow + offset;
        for (int64_t p = 0; p < HW; p++)
            for (int64_t c = 0; c < C; c++) {
                if (ToRows) rp[p * C + c] = xp[c * HW + p];
                else xp[c * HW + p] = rp[p * C + c];
            }
    }
}

}  // namespace

extern "C" {

int tdsr_nchw_to_rows(const tdsr_tensor* x, tdsr_tensor* rows, int64_t offset) {
    const char* op = "nchw_to_rows";
    return guarded(op, [&] {
        check_rows_slice(op, x, rows, offset);
        dispatch_float(op, x, [&](auto tag) {
            permute<decltype(tag), true>(const_cast<tdsr_tensor*>(x), rows, offset);
        });
    });
}

int tdsr_rows_to_nchw(const tdsr_tensor* rows, tdsr_tensor* x, int64_t offset) {
    const char* op = "rows_to_nchw";
    return guarded(op, [&] {
        check_rows_slice(op, x, rows, offset);
        dispatch_float(op, x, [&](auto tag) {
            permute<decltype(tag), false>(x, const_cast<tdsr_tensor*>(rows), offset);
        });
    });
}

}  // extern "C"

namespace {
void check_crop(const char* op, const tdsr_tensor* big, const tdsr_tensor* small, int64_t top, int64_t left) {
    require_ndim(op, "input", big, 4);
    require_ndim(op, "window", small, 4);
    require_same_dtype(op, {big, small});
    if (big->dim(0) != small->dim(0) || big->dim(1) != small->dim(1) || top < 0 || left < 0 ||
        top + small->dim(2) > big->dim(2) || left + small->dim(3) > big->dim(3))
        fail(Msg() << op << ": window " << shape_str(small) << " at (" << top << "," << left
                   << ") does not fit in " << shape_str(big));
}
}  // namespace

extern "C" {

int tdsr_crop2d_forward(const tdsr_tensor* x, tdsr_tensor* y, int64_t top, int64_t left) {
    const char* op = "crop2d_forward";
    return guarded(op, [&] {
        check_crop(op, x, y, top, left);
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            const int64_t NC = x->dim(0) * x->dim(1), H = x->dim(2), W = x->dim(3), h = y->dim(2), w = y->dim(3);
            for (int64_t nc = 0; nc < NC; nc++)
                for (int64_t r = 0; r < h; r++)
                    std::memcpy(y->data<T>() + (nc * h + r) * w, x->data<T>() + (nc * H + top + r) * W + left,
                                sizeof(T) * w);
        });
    });
}

int tdsr_crop2d_backward(const tdsr_tensor* dy, tdsr_tensor* dx, int64_t top, int64_t left) {
    const char* op = "crop2d_backward";
    return guarded(op, [&] {
        check_crop(op, dx, dy, top, left);
        dispatch_float(op, dx, [&](auto tag) {
            using T = decltype(tag);
            const int64_t NC = dx->dim(0) * dx->dim(1), H = dx->dim(2), W = dx->dim(3), h = dy->dim(2), w = dy->dim(3);
            std::fill(dx->data<T>(), dx->data<T>() + dx->numel, T(0));
            for (int64_t nc = 0; nc < NC; nc++)
                for (int64_t r = 0; r < h; r++)
                    std::memcpy(dx->data<T>() + (nc * H + top + r) * W + left, dy->data<T>() + (nc * h + r) * w,
                                sizeof(T) * w);
        });
    });
}

}  // extern "C"
