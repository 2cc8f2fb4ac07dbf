// Losses: MSE (mean), smooth-L1 (summed, weighted), softmax cross-entropy per row (numerically stable).
#include "../core.hpp"

#include <cmath>

using namespace tdsr;

namespace {

template <class T>
T smooth_l1(T d) {
    const T a = std::abs(d);
    return a < T(1) ? T(0.5) * d * d : a - T(0.5);
}

template <class T>
T smooth_l1_grad(T d) {
    return std::abs(d) < T(1) ? d : (d > 0 ? T(1) : T(-1));
}

void check_pair(const char* op, const tdsr_tensor* x, const tdsr_tensor* t, const tdsr_tensor* w) {
    require_tensor(op, "input", x);
    require_numel(op, "target", t, x->numel);
    if (w) require_numel(op, "weight", w, x->numel);
    require_same_dtype(op, {x, t, w});
}

void check_rows(const char* op, const tdsr_tensor* logits, const tdsr_tensor* labels, int64_t& R, int64_t& C) {
    require_ndim(op, "logits", logits, 2);
    R = logits->dim(0);
    C = logits->dim(1);
    require_tensor(op, "labels", labels);
    if (labels->dtype != TDSR_I32 || labels->numel != R)
        fail(Msg() << op << ": labels " << shape_str(labels) << " must be i32 [" << R << "] for logits " << shape_str(logits));
    const int32_t* l = labels->data<int32_t>();
    for (int64_t r = 0; r < R; r++)
        if (l[r] < 0 || l[r] >= C) fail(Msg() << op << ": label " << l[r] << " of row " << r << " is outside [0," << C << ")");
}

}  // namespace

extern "C" {

int tdsr_mse_forward(const tdsr_tensor* a, const tdsr_tensor* b, double* loss) {
    const char* op = "mse_forward";
    return guarded(op, [&] {
        check_pair(op, a, b, nullptr);
        if (a->numel == 0) fail(Msg() << op << ": empty input");
        dispatch_float(op, a, [&](auto tag) {
            using T = decltype(tag);
            const T* x = a->data<T>();
            const T* y = b->data<T>();
            double s = 0;
            for (int64_t i = 0; i < a->numel; i++) {
                const double d = double(x[i]) - y[i];
                s += d * d;
            }
            *loss = s / double(a->numel);
        });
    });
}

int tdsr_mse_backward(const tdsr_tensor* a, const tdsr_tensor* b, double scale, tdsr_tensor* da) {
    const char* op = "mse_backward";
    return guarded(op, [&] {
        check_pair(op, a, b, nullptr);
        require_numel(op, "gradient", da, a->numel);
        require_same_dtype(op, {a, da});
        dispatch_float(op, a, [&](auto tag) {
            using T = decltype(tag);
            const T k = T(2.0 * scale / double(a->numel));
            const T* x = a->data<T>();
            const T* y = b->data<T>();
            T* g = da->data<T>();
            for (int64_t i = 0; i < a->numel; i++) g[i] = k * (x[i] - y[i]);
        });
    });
}

int tdsr_smooth_l1_forward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, double* loss) {
    const char* op = "smooth_l1_forward";
    return guarded(op, [&] {
        check_pair(op, x, target, weight);
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            const T* xs = x->data<T>();
            const T* ts = target->data<T>();
            const T* ws = weight ? weight->data<T>() : nullptr;
            double s = 0;
            for (int64_t i = 0; i < x->numel; i++) {
                if (ws && ws[i] == T(0)) continue;
                s += double(ws ? ws[i] : T(1)) * smooth_l1(xs[i] - ts[i]);
            }
            *loss = s;
        });
    });
}

int tdsr_smooth_l1_backward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, double scale,
                            tdsr_tensor* dx) {
    const char* op = "smooth_l1_backward";
    return guarded(op, [&] {
        check_pair(op, x, target, weight);
        require_numel(op, "gradient", dx, x->numel);
        require_same_dtype(op, {x, dx});
        dispatch_float(op, x, [&](auto tag) {
            using T = decltype(tag);
            const T* xs = x->data<T>();
            const T* ts = target->data<T>();
            const T* ws = weight ? weight->data<T>() : nullptr;
            T* g = dx->data<T>();
            for (int64_t i = 0; i < x->numel; i++)
                g[i] = T(scale) * (ws ? ws[i] : T(1)) * smooth_l1_grad(xs[i] - ts[i]);
        });
    });
}

int tdsr_softmax_xent_forward(const tdsr_tensor* logits, const tdsr_tensor* labels, tdsr_tensor* row_loss) {
    const char* op = "softmax_xent_forward";
    return guarded(op, [&] {
        int64_t R, C;
        check_rows(op, logits, labels, R, C);
        require_numel(op, "row loss", row_loss, R);
        require_same_dtype(op, {logits, row_loss});
        dispatch_float(op, logits, [&](auto tag) {
            using T = decltype(tag);
            const int32_t* l = labels->data<int32_t>();
            T* out = row_loss->data<T>();
#pragma omp parallel for schedule(static) if (R * C > 65536)
            for (int64_t r = 0; r < R; r++) {
                const T* row = logits->data<T>() + r * C;
                T mx = row[0];
                for (int64_t c = 1; c < C; c++) mx = std::max(mx, row[c]);
                double s = 0;
                for (int64_t c = 0; c < C; c++) s += std::exp(double(row[c] - mx));
                out[r] = T(std::log(s) + double(mx) - double(row[l[r]]));
            }
        });
    });
}

int tdsr_softmax_xent_backward(const tdsr_tensor* logits, const tdsr_tensor* labels, const tdsr_tensor* row_weight,
                               tdsr_tensor* dlogits) {
    const char* op = "softmax_xent_backward";
    return guarded(op, [&] {
        int64_t R, C;
        check_rows(op, logits, labels, R, C);
        if (row_weight) require_numel(op, "row weight", row_weight, R);
        require_shape(op, "logits gradient", dlogits, logits->shape);
        require_same_dtype(op, {logits, row_weight, dlogits});
        dispatch_float(op, logits, [&](auto tag) {
            using T = decltype(tag);
            const int32_t* l = labels->data<int32_t>();
#pragma omp parallel for schedule(static) if (R * C > 65536)
            for (int64_t r = 0; r < R; r++) {
                const T* row = logits->data<T>() + r * C;
                T* g = dlogits->data<T>() + r * C;
                const T w = row_weight ? row_weight->data<T>()[r] : T(1);
                if (w == T(0)) {
                    std::fill(g, g + C, T(0));
                    continue;
                }
                T mx = row[0];
                for (int64_t c = 1; c < C; c++) mx = std::max(mx, row[c]);
                T s = 0;
                for (int64_t c = 0; c < C; c++) s += (g[c] = std::exp(row[c] - mx));
                for (int64_t c = 0; c < C; c++) g[c] = w * (g[c] / s - (c == l[r] ? T(1) : T(0)));
            }
        });
    });
}

int tdsr_softmax_rows(const tdsr_tensor* logits, tdsr_tensor* probs) {
    const char* op = "softmax_rows";
    return guarded(op, [&] {
        require_ndim(op, "logits", logits, 2);
        require_shape(op, "probabilities", probs, logits->shape);
        require_same_dtype(op, {logits, probs});
        const int64_t R = logits->dim(0), C = logits->dim(1);
        dispatch_float(op, logits, [&](auto tag) {
            using T = decltype(tag);
#pragma omp parallel for schedule(static) if (R * C > 65536)
            for (int64_t r = 0; r < R; r++) {
                const T* row = logits->data<T>() + r * C;
                T* p = probs->data<T>() + r * C;
                T mx = row[0];
                for (int64_t c = 1; c < C; c++) mx = std::max(mx, row[c]);
                T s = 0;
                for (int64_t c = 0; c < C; c++) s += (p[c] = std::exp(row[c] - mx));
                for (int64_t c = 0; c < C; c++) p[c] /= s;
            }
        });
    });
}

}  // extern "C"
