// Losses on the CPU: loops over the per-element and per-row functors of ops/loss.hpp.
#include "../ops/loss.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace tdsr::cpu {
namespace {

// Without flags a bad label fails the op before anything is written. With flags (the flagged entry points) the
// first bad row goes into flags[at] (-1: none) and rows with a bad label are skipped, as the CUDA twin does.
void check_labels(const char* op, const tdsr_tensor* labels, int64_t C, tdsr_tensor* flags, int64_t at) {
    const int32_t* l = labels->data<int32_t>();
    int64_t first_bad = -1;
    for (int64_t r = 0; r < labels->numel && first_bad < 0; r++)
        if (!label_in_range(l[r], C)) first_bad = r;
    if (flags) {
        flags->data<double>()[at] = double(first_bad);
    } else if (first_bad >= 0) {
        fail_label(op, first_bad, l[first_bad], C);
    }
}

}  // namespace

void mse_forward(const tdsr_tensor* a, const tdsr_tensor* b, tdsr_tensor* out, int64_t at, double divisor) {
    double loss = 0;
    dispatch_float("mse_forward", a, [&](auto tag) {
        using T = decltype(tag);
        const T* x = a->data<T>();
        const T* y = b->data<T>();
        double s = 0;
        for (int64_t i = 0; i < a->numel; i++) s += squared_diff(x[i], y[i]);
        loss = s / double(a->numel);
    });
    out->data<double>()[at] = loss / divisor;
}

void mse_backward(const tdsr_tensor* a, const tdsr_tensor* b, double scale, tdsr_tensor* da) {
    dispatch_float("mse_backward", a, [&](auto tag) {
        using T = decltype(tag);
        const T k = T(2.0 * scale / double(a->numel));
        const T* x = a->data<T>();
        const T* y = b->data<T>();
        T* g = da->data<T>();
        for (int64_t i = 0; i < a->numel; i++) g[i] = k * (x[i] - y[i]);
    });
}

void smooth_l1_forward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, tdsr_tensor* out,
                       int64_t at, double divisor) {
    double loss = 0;
    dispatch_float("smooth_l1_forward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        const T* ts = target->data<T>();
        const T* ws = weight ? weight->data<T>() : nullptr;
        double s = 0;
        for (int64_t i = 0; i < x->numel; i++) s += smooth_l1_term(xs[i], ts[i], ws, i);
        loss = s;
    });
    out->data<double>()[at] = loss / divisor;
}

void weighted_sum(const tdsr_tensor* x, const tdsr_tensor* w, tdsr_tensor* out, int64_t at, double divisor) {
    double s = 0;
    dispatch_float("weighted_sum", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        const T* ws = w->data<T>();
        for (int64_t i = 0; i < x->numel; i++) s += double(ws[i]) * double(xs[i]);
    });
    out->data<double>()[at] = s / divisor;
}

void smooth_l1_backward(const tdsr_tensor* x, const tdsr_tensor* target, const tdsr_tensor* weight, double scale,
                        tdsr_tensor* dx) {
    dispatch_float("smooth_l1_backward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        const T* ts = target->data<T>();
        const T* ws = weight ? weight->data<T>() : nullptr;
        T* g = dx->data<T>();
        for (int64_t i = 0; i < x->numel; i++) g[i] = T(scale) * (ws ? ws[i] : T(1)) * smooth_l1_grad(xs[i] - ts[i]);
    });
}

void softmax_xent_forward(const RowsShape& s, const tdsr_tensor* logits, const tdsr_tensor* labels,
                          tdsr_tensor* row_loss, tdsr_tensor* flags, int64_t at) {
    check_labels("softmax_xent_forward", labels, s.C, flags, at);
    dispatch_float("softmax_xent_forward", logits, [&](auto tag) {
        using T = decltype(tag);
        const int32_t* l = labels->data<int32_t>();
        T* out = row_loss->data<T>();
#pragma omp parallel for schedule(static) if (s.R * s.C > 65536)
        for (int64_t r = 0; r < s.R; r++)
            if (label_in_range(l[r], s.C)) out[r] = xent_row_loss(logits->data<T>() + r * s.C, s.C, l[r]);
    });
}

void softmax_xent_backward(const RowsShape& s, const tdsr_tensor* logits, const tdsr_tensor* labels,
                           const tdsr_tensor* row_weight, tdsr_tensor* dlogits, tdsr_tensor* flags, int64_t at) {
    check_labels("softmax_xent_backward", labels, s.C, flags, at);
    dispatch_float("softmax_xent_backward", logits, [&](auto tag) {
        using T = decltype(tag);
        const int32_t* l = labels->data<int32_t>();
#pragma omp parallel for schedule(static) if (s.R * s.C > 65536)
        for (int64_t r = 0; r < s.R; r++) {
            if (!label_in_range(l[r], s.C)) continue;
            const T w = row_weight ? row_weight->data<T>()[r] : T(1);
            xent_row_grad(logits->data<T>() + r * s.C, s.C, l[r], w, dlogits->data<T>() + r * s.C);
        }
    });
}

void softmax_rows(const RowsShape& s, const tdsr_tensor* logits, tdsr_tensor* probs) {
    dispatch_float("softmax_rows", logits, [&](auto tag) {
        using T = decltype(tag);
#pragma omp parallel for schedule(static) if (s.R * s.C > 65536)
        for (int64_t r = 0; r < s.R; r++) softmax_row(logits->data<T>() + r * s.C, s.C, probs->data<T>() + r * s.C);
    });
}

double bce_logits_forward(const tdsr_tensor* x, const tdsr_tensor* target) {
    double loss = 0;
    dispatch_float("bce_logits_forward", x, [&](auto tag) {
        using T = decltype(tag);
        const T* xs = x->data<T>();
        const T* ts = target->data<T>();
        double s = 0;
        for (int64_t i = 0; i < x->numel; i++) s += bce_logits_term(xs[i], ts[i]);
        loss = s / double(x->numel);
    });
    return loss;
}

void bce_logits_backward(const tdsr_tensor* x, const tdsr_tensor* target, double scale, tdsr_tensor* dx) {
    dispatch_float("bce_logits_backward", x, [&](auto tag) {
        using T = decltype(tag);
        const T k = T(scale / double(x->numel));
        const T* xs = x->data<T>();
        const T* ts = target->data<T>();
        T* g = dx->data<T>();
        for (int64_t i = 0; i < x->numel; i++) g[i] = k * (sigmoid(xs[i]) - ts[i]);
    });
}

void mine_hard_negatives(const MiningShape& s, const tdsr_tensor* row_loss, const tdsr_tensor* labels,
                         tdsr_tensor* selected) {
    dispatch_float("mine_hard_negatives", row_loss, [&](auto tag) {
        using T = decltype(tag);
        const T* loss = row_loss->data<T>();
        const int32_t* l = labels->data<int32_t>();
        T* out = selected->data<T>();
#pragma omp parallel for schedule(static) if (s.N > 1)
        for (int64_t i = 0; i < s.N; i++) {
            const int64_t base = i * s.P;
            std::vector<std::pair<uint64_t, int64_t>> order(size_t(s.P));  // (key, prior): unique, so sort is stable
            int64_t positives = 0;
            for (int64_t q = 0; q < s.P; q++) {
                positives += l[base + q] > 0;
                order[size_t(q)] = {mining_key(loss[base + q], l[base + q]), q};
                out[base + q] = l[base + q] > 0 ? T(1) : T(0);
            }
            const int64_t neg = mining_negatives(positives, s.P, s.neg_pos);
            std::partial_sort(order.begin(), order.begin() + neg, order.end());
            for (int64_t k = 0; k < neg; k++) out[base + order[size_t(k)].second] = T(1);
        }
    });
}

}  // namespace tdsr::cpu
