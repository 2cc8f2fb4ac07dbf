// Hard-negative mining (ops/loss.hpp): the Thrust code of src/main/cuda/mining.cuh on the host (Thrust's CPP
// device system runs the same algorithm code the CUDA twin runs with thrust::cuda::par_nosync) and the CPU twin
// through the C API, both against a reference written as MultiBoxLoss.mine() was in Java: a stable sort under
// Double.compare, descending. Random cases draw losses from a few values, so ties, NaN, +-Inf and -0 are common.
#include "mining.cuh"
#include "check.hpp"
#include "tdsr.h"

#include <thrust/execution_policy.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace {

// java.lang.Double.compare: numeric order, then the bits of doubleToLongBits (every NaN canonical) as signed longs.
int java_compare(double a, double b) {
    if (a < b) return -1;
    if (a > b) return 1;
    auto bits = [](double d) {
        int64_t v;
        if (std::isnan(d)) return int64_t(0x7ff8000000000000ll);
        std::memcpy(&v, &d, sizeof v);
        return v;
    };
    const int64_t x = bits(a), y = bits(b);
    return x == y ? 0 : (x < y ? -1 : 1);
}

template <class T>
std::vector<T> reference(const std::vector<T>& loss, const std::vector<int32_t>& labels, int64_t N, int64_t P,
                         int neg_pos) {
    std::vector<T> selected(size_t(N * P), T(0));
    for (int64_t i = 0; i < N; i++) {
        const int64_t base = i * P;
        std::vector<double> rank(static_cast<size_t>(P));
        std::vector<int64_t> order(static_cast<size_t>(P));
        int64_t pos = 0;
        for (int64_t q = 0; q < P; q++) {
            const bool positive = labels[size_t(base + q)] > 0;
            pos += positive;
            rank[size_t(q)] = positive ? 0.0 : double(loss[size_t(base + q)]);
            order[size_t(q)] = q;
            if (positive) selected[size_t(base + q)] = T(1);
        }
        const int64_t neg = std::min(int64_t(neg_pos) * pos, P - 1);
        std::stable_sort(order.begin(), order.end(),
                         [&](int64_t a, int64_t c) { return java_compare(rank[size_t(c)], rank[size_t(a)]) < 0; });
        for (int64_t k = 0; k < neg; k++) selected[size_t(base + order[size_t(k)])] = T(1);
    }
    return selected;
}

template <class T>
std::vector<T> thrust_select(const std::vector<T>& loss, const std::vector<int32_t>& labels, int64_t N, int64_t P,
                             int neg_pos) {
    const size_t n = size_t(N * P);
    std::vector<T> selected(n, T(-1));
    std::vector<uint64_t> keys(n);
    std::vector<int64_t> order(n), positives(n);
    std::vector<int32_t> image(n);
    tdsr::mining::select(thrust::device, loss.data(), labels.data(), N, P, neg_pos, selected.data(),
                         tdsr::mining::Buffers{keys.data(), order.data(), image.data(), positives.data()});
    return selected;
}

void ok(int status) {
    if (status != TDSR_OK) check::fail(__FILE__, __LINE__, tdsr_last_error());
}

template <class T>
std::vector<T> cpu_select(const std::vector<T>& loss, const std::vector<int32_t>& labels, int64_t N, int64_t P,
                          int neg_pos) {
    const int dtype = sizeof(T) == 4 ? TDSR_F32 : TDSR_F64;
    const int64_t n = N * P;
    tdsr_tensor *l = nullptr, *lab = nullptr, *sel = nullptr;
    ok(tdsr_tensor_create(TDSR_DEVICE_CPU, dtype, 1, &n, &l));
    ok(tdsr_tensor_create(TDSR_DEVICE_CPU, TDSR_I32, 1, &n, &lab));
    ok(tdsr_tensor_create(TDSR_DEVICE_CPU, dtype, 1, &n, &sel));
    ok(tdsr_tensor_fill(sel, -1));
    if (n > 0) {
        if constexpr (sizeof(T) == 4) ok(tdsr_tensor_write_f32(l, loss.data(), 0, n));
        else ok(tdsr_tensor_write_f64(l, loss.data(), 0, n));
        ok(tdsr_tensor_write_i32(lab, labels.data(), 0, n));
    }
    ok(tdsr_mine_hard_negatives(l, lab, N, neg_pos, sel));
    std::vector<T> out(static_cast<size_t>(n));
    if (n > 0) {
        if constexpr (sizeof(T) == 4) ok(tdsr_tensor_read_f32(sel, out.data(), 0, n));
        else ok(tdsr_tensor_read_f64(sel, out.data(), 0, n));
    }
    tdsr_tensor_free(l);
    tdsr_tensor_free(lab);
    tdsr_tensor_free(sel);
    return out;
}

template <class T>
void check_case(const std::vector<T>& loss, const std::vector<int32_t>& labels, int64_t N, int64_t P, int neg_pos) {
    const std::vector<T> want = reference(loss, labels, N, P, neg_pos);
    const std::vector<T> got = thrust_select(loss, labels, N, P, neg_pos);
    const std::vector<T> cpu = cpu_select(loss, labels, N, P, neg_pos);
    for (size_t r = 0; r < want.size(); r++) {
        CHECK_EQ(got[r], want[r]);
        CHECK_EQ(cpu[r], want[r]);
    }
}

template <class T>
void test_random() {
    const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
    const T values[] = {T(0), T(-0.0), T(0.5), T(1), T(2), T(1e-30), T(-1e-7), nan, inf, -inf, T(0.5), T(2)};
    std::mt19937_64 rng(7);
    for (int c = 0; c < 400; c++) {
        const int64_t N = 1 + int64_t(rng() % 5), P = 1 + int64_t(rng() % 300);
        const double positive_rate = (rng() % 4) * 0.15;
        const int neg_pos = c % 7 == 0 ? int(rng() % 5) : 3;
        std::uniform_real_distribution<double> u(0, 1);
        std::vector<T> loss(size_t(N * P));
        std::vector<int32_t> labels(size_t(N * P));
        for (size_t r = 0; r < loss.size(); r++) {
            loss[r] = u(rng) < 0.3 ? T(u(rng) * 4) : values[rng() % (sizeof values / sizeof values[0])];
            labels[r] = u(rng) < positive_rate ? int32_t(1 + rng() % 20) : 0;
        }
        check_case(loss, labels, N, P, neg_pos);
    }
}

// Every loss equal: the lowest-index negatives win, as Java's stable sort keeps them first.
template <class T>
void test_all_ties() {
    const int64_t N = 3, P = 50;
    std::vector<T> loss(size_t(N * P), T(0.25));
    std::vector<int32_t> labels(size_t(N * P), 0);
    labels[7] = 1;
    labels[60] = 2;
    labels[61] = 3;
    check_case(loss, labels, N, P, 3);
    const std::vector<T> got = thrust_select(loss, labels, N, P, 3);
    for (int64_t q = 0; q < P; q++) CHECK_EQ(got[size_t(q)], T(q < 3 || q == 7 ? 1 : 0));  // 0,1,2 then the positive
    for (int64_t q = 0; q < P; q++) CHECK_EQ(got[size_t(2 * P + q)], T(0));                 // no positives, none mined
}

// All positives: min(3P, P-1) of the P positives, all selected anyway; one prior: nothing to mine.
template <class T>
void test_edges() {
    check_case(std::vector<T>(20, T(1)), std::vector<int32_t>(20, 1), 2, 10, 3);
    check_case(std::vector<T>{T(3)}, std::vector<int32_t>{0}, 1, 1, 3);
    check_case(std::vector<T>{T(3)}, std::vector<int32_t>{4}, 1, 1, 3);
    check_case(std::vector<T>{}, std::vector<int32_t>{}, 1, 0, 3);
}

// SSD300's size at batch 6 with ssd.pytorch's typical positive count.
template <class T>
void test_ssd300() {
    const int64_t N = 6, P = 8732;
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(0, 5);
    std::vector<T> loss(size_t(N * P));
    std::vector<int32_t> labels(size_t(N * P), 0);
    for (size_t r = 0; r < loss.size(); r++) {
        loss[r] = T(std::round(u(rng) * 8) / 8);  // 41 values: heavy ties at full size
        if (rng() % 300 == 0) labels[r] = 1 + int32_t(rng() % 20);
    }
    check_case(loss, labels, N, P, 3);
}

}  // namespace

int main() {
    int failures = 0;
    failures += check::run("random_ties_f32", test_random<float>);
    failures += check::run("random_ties_f64", test_random<double>);
    failures += check::run("all_ties_f32", test_all_ties<float>);
    failures += check::run("all_ties_f64", test_all_ties<double>);
    failures += check::run("edges_f32", test_edges<float>);
    failures += check::run("edges_f64", test_edges<double>);
    failures += check::run("ssd300_batch6_f32", test_ssd300<float>);
    return failures == 0 ? 0 : 1;
}
