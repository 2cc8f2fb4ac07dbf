// Layout ops of the SSD heads: ssd.pytorch permutes every head output NCHW -> NHWC, flattens it per image and
// concatenates the sources; here each head writes straight into its slice of the [N, rows...] output, and the backward
// gathers its gradient back out of that slice.
#include "../core.hpp"

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
