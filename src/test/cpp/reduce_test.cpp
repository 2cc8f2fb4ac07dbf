// Tests of the Thrust reductions of src/main/cuda/reduce.cuh on the host: compiled by g++ with Thrust's CPP device
// system (-DTHRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_CPP), so thrust::device runs the same algorithm code the CUDA
// twins run with thrust::cuda::par. Checked against naive loops on random and edge inputs.
#include "reduce.cuh"
#include "check.hpp"

#include <thrust/execution_policy.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <vector>

using tdsr::reduce::all_finite;
using tdsr::reduce::sum_double;

namespace {

template <class T>
double naive_sum(const std::vector<T>& v) {
    double s = 0;
    for (T x : v) s += double(x);
    return s;
}

template <class T>
bool naive_finite(const std::vector<T>& v) {
    for (T x : v)
        if (!std::isfinite(x)) return false;
    return true;
}

// Equal, or both NaN, or within a relative 1e-12 of the sum of magnitudes (the order of a tree may differ).
void check_close(double got, double want, double magnitude) {
    if (std::isnan(want)) {
        CHECK(std::isnan(got));
        return;
    }
    if (std::isinf(want)) {
        CHECK_EQ(got, want);
        return;
    }
    if (!(std::abs(got - want) <= 1e-12 * magnitude)) CHECK_EQ(got, want);
}

template <class T>
void check_both(const std::vector<T>& v) {
    double mag = 0;
    for (T x : v) mag += std::abs(double(x));
    check_close(sum_double(thrust::device, v.data(), int64_t(v.size())), naive_sum(v), mag);
    CHECK_EQ(all_finite(thrust::device, v.data(), int64_t(v.size())), naive_finite(v));
}

template <class T>
std::vector<T> random_vector(size_t n, unsigned seed, double lo, double hi) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> d(lo, hi);
    std::vector<T> v(n);
    for (auto& x : v) x = T(d(rng));
    return v;
}

template <class T>
void test_empty() {
    std::vector<T> v;
    CHECK_EQ(sum_double(thrust::device, v.data(), 0), 0.0);
    CHECK(all_finite(thrust::device, v.data(), 0));
    CHECK(all_finite(thrust::device, static_cast<const T*>(nullptr), 0));
}

template <class T>
void test_one() {
    for (T x : {T(0), T(-2.5), T(1e30), std::numeric_limits<T>::denorm_min()}) {
        std::vector<T> v{x};
        CHECK_EQ(sum_double(thrust::device, v.data(), 1), double(x));
        CHECK(all_finite(thrust::device, v.data(), 1));
    }
}

template <class T>
void test_random() {
    for (size_t n : {size_t(2), size_t(3), size_t(255), size_t(256), size_t(257), size_t(100000)})
        check_both(random_vector<T>(n, unsigned(n), -1.0, 1.0));
    // f32 sums past 2^24 lose integers in float, not in double: the double accumulation must show.
    std::vector<T> ones(size_t(1) << 25, T(1));
    CHECK_EQ(sum_double(thrust::device, ones.data(), int64_t(ones.size())), double(size_t(1) << 25));
}

template <class T>
void test_non_finite() {
    const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
    for (size_t at : {size_t(0), size_t(500), size_t(999)}) {
        for (T bad : {nan, inf, -inf}) {
            std::vector<T> v = random_vector<T>(1000, 7, -3, 3);
            v[at] = bad;
            check_both(v);
            CHECK(!all_finite(thrust::device, v.data(), int64_t(v.size())));
        }
    }
    std::vector<T> both{T(1), inf, -inf};
    CHECK(std::isnan(sum_double(thrust::device, both.data(), 3)));
    // The largest finite values are finite, even though their sum overflows float (not double).
    std::vector<T> big(4, std::numeric_limits<T>::max());
    check_both(big);
    CHECK(all_finite(thrust::device, big.data(), 4));
}

template <class T>
void test_large() {
    std::vector<T> v = random_vector<T>(10000000, 42, -1.0, 2.0);
    check_both(v);
    v[9999999] = std::numeric_limits<T>::quiet_NaN();
    CHECK(!all_finite(thrust::device, v.data(), int64_t(v.size())));
}

}  // namespace

int main() {
    int failures = 0;
    failures += check::run("empty_f32", test_empty<float>);
    failures += check::run("empty_f64", test_empty<double>);
    failures += check::run("one_element_f32", test_one<float>);
    failures += check::run("one_element_f64", test_one<double>);
    failures += check::run("random_f32", test_random<float>);
    failures += check::run("random_f64", test_random<double>);
    failures += check::run("nan_inf_f32", test_non_finite<float>);
    failures += check::run("nan_inf_f64", test_non_finite<double>);
    failures += check::run("ten_million_f32", test_large<float>);
    failures += check::run("ten_million_f64", test_large<double>);
    return failures == 0 ? 0 : 1;
}
