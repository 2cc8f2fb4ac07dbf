// The CUDA library through the C API. Everywhere: libtdsr_cuda.so loads, tdsr_cuda_register() reports its device
// count, and without a device CUDA tensors are refused with a message. With a device: every implemented twin against
// the CPU twin on random inputs (f64, tolerance 1e-9 relative; the reductions add in another order), each CUDA run
// twice and compared bit for bit (determinism), label errors, and the convolutions/gemm failing with TDSR_ERR_DEVICE.
#include "check.hpp"
#include "tdsr.h"
#include "tdsr_cuda.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

using Outputs = std::vector<std::vector<double>>;
using Shape = std::vector<int64_t>;

#define OK(call) CHECK_EQ((call), TDSR_OK)

struct Tensors {  // frees what a case created
    std::vector<tdsr_tensor*> all;
    ~Tensors() {
        for (auto* t : all) tdsr_tensor_free(t);
    }
    tdsr_tensor* make(int dev, const Shape& shape, const std::vector<double>& v, int dtype = TDSR_F64) {
        tdsr_tensor* t = nullptr;
        OK(tdsr_tensor_create(dev, dtype, int(shape.size()), shape.data(), &t));
        all.push_back(t);
        if (v.empty()) return t;
        if (dtype == TDSR_F64) {
            OK(tdsr_tensor_write_f64(t, v.data(), 0, int64_t(v.size())));
        } else if (dtype == TDSR_F32) {
            std::vector<float> f(v.begin(), v.end());
            OK(tdsr_tensor_write_f32(t, f.data(), 0, int64_t(f.size())));
        } else {
            std::vector<int32_t> l(v.begin(), v.end());
            OK(tdsr_tensor_write_i32(t, l.data(), 0, int64_t(l.size())));
        }
        return t;
    }
    tdsr_tensor* zeros(int dev, const Shape& shape) { return make(dev, shape, {}); }
};

int64_t numel(const Shape& s) {
    int64_t n = 1;
    for (auto d : s) n *= d;
    return n;
}

std::vector<double> get(const tdsr_tensor* t, int64_t n) {
    std::vector<double> v(static_cast<size_t>(n));
    OK(tdsr_tensor_read_f64(t, v.data(), 0, n));
    return v;
}

std::vector<double> rnd(int64_t n, unsigned seed, double lo = -2, double hi = 2) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> d(lo, hi);
    std::vector<double> v(static_cast<size_t>(n));
    for (auto& x : v) x = d(g);
    return v;
}

int failures = 0;

// f(device) builds its inputs from fixed seeds, runs the op, returns the outputs.
void compare(const char* name, const std::function<Outputs(int)>& f) {
    try {
        const Outputs cpu = f(TDSR_DEVICE_CPU), gpu = f(0), again = f(0);
        CHECK_EQ(cpu.size(), gpu.size());
        for (size_t k = 0; k < cpu.size(); k++) {
            CHECK_EQ(cpu[k].size(), gpu[k].size());
            CHECK(std::memcmp(gpu[k].data(), again[k].data(), gpu[k].size() * sizeof(double)) == 0);
            for (size_t i = 0; i < cpu[k].size(); i++) {
                const double a = cpu[k][i], b = gpu[k][i];
                if (std::isnan(a) && std::isnan(b)) continue;
                if (!(std::abs(a - b) <= 1e-9 * (1 + std::abs(a)))) {
                    std::printf("  output %zu element %zu: cpu %.17g cuda %.17g\n", k, i, a, b);
                    CHECK(false);
                }
            }
        }
        std::printf("ok %s\n", name);
    } catch (const check::Failure& e) {
        std::printf("FAIL %s: %s (last error: %s)\n", name, e.what(), tdsr_last_error());
        failures++;
    }
}

void run(const char* name, const std::function<void()>& f) {
    try {
        f();
        std::printf("ok %s\n", name);
    } catch (const check::Failure& e) {
        std::printf("FAIL %s: %s (last error: %s)\n", name, e.what(), tdsr_last_error());
        failures++;
    }
}

void twins() {
    const Shape x4{2, 3, 5, 7};
    const int64_t n4 = numel(x4);
    compare("relu", [&](int d) {
        Tensors ts;
        auto x = ts.make(d, x4, rnd(n4, 1)), g = ts.make(d, x4, rnd(n4, 2)), y = ts.zeros(d, x4), dx = ts.zeros(d, x4);
        OK(tdsr_relu_forward(x, y));
        OK(tdsr_relu_backward(x, g, dx));
        return Outputs{get(y, n4), get(dx, n4)};
    });
    for (int64_t na : {int64_t(1), int64_t(3)})
        compare(na == 1 ? "prelu_shared" : "prelu_per_channel", [&](int d) {
            Tensors ts;
            auto x = ts.make(d, x4, rnd(n4, 3)), a = ts.make(d, {na}, rnd(na, 4, 0, 0.5)), g = ts.make(d, x4, rnd(n4, 5));
            auto y = ts.zeros(d, x4), dx = ts.zeros(d, x4), da = ts.make(d, {na}, rnd(na, 6));
            OK(tdsr_prelu_forward(x, a, y));
            OK(tdsr_prelu_backward(x, a, g, dx, da));
            return Outputs{get(y, n4), get(dx, n4), get(da, na)};
        });
    compare("binary", [&](int d) {
        Tensors ts;
        auto a = ts.make(d, x4, rnd(n4, 7)), b = ts.make(d, x4, rnd(n4, 8));
        auto s = ts.zeros(d, x4), u = ts.zeros(d, x4), k = ts.zeros(d, x4), y = ts.make(d, x4, rnd(n4, 9));
        OK(tdsr_add(a, b, s));
        OK(tdsr_sub(a, b, u));
        OK(tdsr_scale(a, -1.5, k));
        OK(tdsr_axpy(0.25, a, y));
        return Outputs{get(s, n4), get(u, n4), get(k, n4), get(y, n4)};
    });
    compare("channel_affine", [&](int d) {
        Tensors ts;
        auto x = ts.make(d, x4, rnd(n4, 10)), a = ts.make(d, {3}, rnd(3, 11)), b = ts.make(d, {3}, rnd(3, 12));
        auto g = ts.make(d, x4, rnd(n4, 13)), y = ts.zeros(d, x4), dx = ts.zeros(d, x4);
        auto da = ts.make(d, {3}, rnd(3, 14)), db = ts.make(d, {3}, rnd(3, 15)), y2 = ts.zeros(d, x4);
        OK(tdsr_channel_affine_forward(x, a, b, y));
        OK(tdsr_channel_affine_forward(x, nullptr, b, y2));
        OK(tdsr_channel_affine_backward(x, a, g, dx, da, db));
        return Outputs{get(y, n4), get(y2, n4), get(dx, n4), get(da, 3), get(db, 3)};
    });
    compare("concat_split", [&](int d) {
        Tensors ts;
        auto p = ts.make(d, {2, 1, 5, 7}, rnd(70, 16)), q = ts.make(d, {2, 2, 5, 7}, rnd(140, 17)), y = ts.zeros(d, x4);
        tdsr_tensor* parts[2] = {p, q};
        OK(tdsr_concat_channels(2, parts, y));
        auto s1 = ts.zeros(d, {2, 1, 5, 7}), s2 = ts.make(d, {2, 2, 5, 7}, rnd(140, 18));
        tdsr_tensor* outs[2] = {s1, s2};
        CHECK_EQ(tdsr_split_channels(y, 1, outs, 0), TDSR_ERR_INVALID_ARGUMENT);  // 1 channel of 3: refused
        OK(tdsr_split_channels(y, 2, outs, 1));
        return Outputs{get(y, n4), get(s1, 70), get(s2, 140)};
    });
    compare("rows_crop", [&](int d) {
        Tensors ts;
        auto x = ts.make(d, x4, rnd(n4, 19)), rows = ts.make(d, {2, 120}, rnd(240, 20)), back = ts.zeros(d, x4);
        OK(tdsr_nchw_to_rows(x, rows, 10));
        OK(tdsr_rows_to_nchw(rows, back, 10));
        auto c = ts.zeros(d, {2, 3, 3, 4}), dc = ts.make(d, x4, rnd(n4, 21));
        OK(tdsr_crop2d_forward(x, c, 1, 2));
        OK(tdsr_crop2d_backward(c, dc, 2, 1));
        return Outputs{get(rows, 240), get(back, n4), get(c, 72), get(dc, n4)};
    });
    compare("losses", [&](int d) {
        Tensors ts;
        std::vector<double> wv = rnd(n4, 24, 0, 1);
        for (size_t i = 0; i < wv.size(); i += 3) wv[i] = 0;
        auto a = ts.make(d, x4, rnd(n4, 22)), b = ts.make(d, x4, rnd(n4, 23)), w = ts.make(d, x4, wv);
        auto ga = ts.zeros(d, x4), gx = ts.zeros(d, x4);
        double mse = 0, sl1 = 0;
        OK(tdsr_mse_forward(a, b, &mse));
        OK(tdsr_mse_backward(a, b, 0.5, ga));
        OK(tdsr_smooth_l1_forward(a, b, w, &sl1));
        OK(tdsr_smooth_l1_backward(a, b, w, 2.0, gx));
        return Outputs{{mse, sl1}, get(ga, n4), get(gx, n4)};
    });
    compare("softmax_xent", [&](int d) {
        Tensors ts;
        const int64_t R = 37, C = 21;
        std::vector<double> labels(R), rw = rnd(R, 26, 0, 1);
        for (int64_t r = 0; r < R; r++) labels[size_t(r)] = double((r * 7) % C);
        rw[3] = 0;
        auto z = ts.make(d, {R, C}, rnd(R * C, 25, -8, 8)), l = ts.make(d, {R}, labels, TDSR_I32), w = ts.make(d, {R}, rw);
        auto loss = ts.zeros(d, {R}), dz = ts.zeros(d, {R, C}), p = ts.zeros(d, {R, C});
        OK(tdsr_softmax_xent_forward(z, l, loss));
        OK(tdsr_softmax_xent_backward(z, l, w, dz));
        OK(tdsr_softmax_rows(z, p));
        labels[5] = C;
        labels[9] = -1;
        auto bad = ts.make(d, {R}, labels, TDSR_I32);
        CHECK_EQ(tdsr_softmax_xent_forward(z, bad, loss), TDSR_ERR_INVALID_ARGUMENT);
        CHECK(std::string(tdsr_last_error()).find("row 5 ") != std::string::npos);
        CHECK_EQ(tdsr_softmax_xent_backward(z, bad, w, dz), TDSR_ERR_INVALID_ARGUMENT);
        // the flagged twins (a captured step's): the first bad row into the flags, the bad rows skipped
        auto flags = ts.zeros(d, {2}), floss = ts.zeros(d, {R}), fdz = ts.zeros(d, {R, C});
        OK(tdsr_softmax_xent_forward_flagged(z, bad, floss, flags, 0));
        OK(tdsr_softmax_xent_backward_flagged(z, bad, w, fdz, flags, 1));
        const std::vector<double> fv = get(flags, 2);
        CHECK_EQ(fv[0], 5.0);
        CHECK_EQ(fv[1], 5.0);
        return Outputs{get(loss, R), get(dz, R * C), get(p, R * C), get(floss, R), get(fdz, R * C), fv};
    });
    compare("l2norm", [&](int d) {
        Tensors ts;
        std::vector<double> xv = rnd(n4, 27);
        for (int64_t c = 0; c < 3; c++) xv[size_t(c * 35)] = 0;  // a position of norm 0
        auto x = ts.make(d, x4, xv), s = ts.make(d, {3}, rnd(3, 28, 1, 20)), g = ts.make(d, x4, rnd(n4, 29));
        auto y = ts.zeros(d, x4), dx = ts.zeros(d, x4), ds = ts.make(d, {3}, rnd(3, 30));
        OK(tdsr_l2norm_forward(x, s, y, 1e-10));
        OK(tdsr_l2norm_backward(x, s, g, dx, ds, 1e-10));
        return Outputs{get(y, n4), get(dx, n4), get(ds, 3)};
    });
    compare("leaky_relu", [&](int d) {
        Tensors ts;
        auto x = ts.make(d, x4, rnd(n4, 41)), g = ts.make(d, x4, rnd(n4, 42)), y = ts.zeros(d, x4), dx = ts.zeros(d, x4);
        OK(tdsr_leaky_relu_forward(x, y, 0.2));
        OK(tdsr_leaky_relu_backward(x, g, dx, 0.2));
        return Outputs{get(y, n4), get(dx, n4)};
    });
    for (int training : {1, 0})
        compare(training ? "batchnorm_training" : "batchnorm_inference", [&](int d) {
            Tensors ts;
            auto x = ts.make(d, x4, rnd(n4, 43)), g = ts.make(d, x4, rnd(n4, 44));
            auto ga = ts.make(d, {3}, rnd(3, 45, 0.5, 1.5)), be = ts.make(d, {3}, rnd(3, 46));
            auto rm = ts.make(d, {3}, rnd(3, 47)), rv = ts.make(d, {3}, rnd(3, 48, 0.5, 2));
            auto sm = ts.zeros(d, {3}), si = ts.zeros(d, {3}), y = ts.zeros(d, x4), dx = ts.zeros(d, x4);
            auto dg = ts.make(d, {3}, rnd(3, 49)), db = ts.make(d, {3}, rnd(3, 50));
            OK(tdsr_batchnorm_forward(x, ga, be, rm, rv, sm, si, y, training, 0.1, 1e-5));
            OK(tdsr_batchnorm_backward(x, ga, sm, si, g, dx, dg, db, training));
            return Outputs{get(y, n4), get(rm, 3), get(rv, 3), get(sm, 3), get(si, 3), get(dx, n4), get(dg, 3),
                           get(db, 3)};
        });
    compare("pixel_shuffle", [&](int d) {
        Tensors ts;
        const Shape xs{2, 12, 3, 5}, ys{2, 3, 6, 10};
        const int64_t n = numel(xs);
        auto x = ts.make(d, xs, rnd(n, 51)), g = ts.make(d, ys, rnd(n, 52)), y = ts.zeros(d, ys), dx = ts.zeros(d, xs);
        OK(tdsr_pixel_shuffle_forward(x, y, 2));
        OK(tdsr_pixel_shuffle_backward(g, dx, 2));
        return Outputs{get(y, n), get(dx, n)};
    });
    compare("bce_logits", [&](int d) {
        Tensors ts;
        auto x = ts.make(d, x4, rnd(n4, 53, -6, 6)), t = ts.make(d, x4, rnd(n4, 54, 0, 1)), dx = ts.zeros(d, x4);
        double loss = 0;
        OK(tdsr_bce_logits_forward(x, t, &loss));
        OK(tdsr_bce_logits_backward(x, t, 0.5, dx));
        return Outputs{{loss}, get(dx, n4)};
    });
    compare("optimizers", [&](int d) {
        Tensors ts;
        auto p = ts.make(d, {1000}, rnd(1000, 31)), g = ts.make(d, {1000}, rnd(1000, 32)), b = ts.zeros(d, {1000});
        auto q = ts.make(d, {1000}, rnd(1000, 33)), m = ts.zeros(d, {1000}), v = ts.zeros(d, {1000});
        for (int step = 1; step <= 3; step++) {
            OK(tdsr_sgd_step(p, g, b, nullptr, nullptr, 0.1, 0.9, 1e-4));
            OK(tdsr_adam_step(q, g, m, v, nullptr, nullptr, step, 1e-3, 0.9, 0.999, 1e-8, 5e-4));
        }
        return Outputs{get(p, 1000), get(b, 1000), get(q, 1000), get(m, 1000), get(v, 1000)};
    });
    for (int ceil_mode : {0, 1})
        compare(ceil_mode ? "maxpool_ceil_pad" : "maxpool", [&](int d) {
            Tensors ts;
            std::vector<double> xv = rnd(n4, 34);
            for (size_t i = 0; i < xv.size(); i += 4) xv[i] = 1.0;  // ties: the first in scan order wins
            const int64_t Ho = ceil_mode ? 3 : 2, Wo = ceil_mode ? 4 : 3;  // k3 s2 p1 (ceil) / k2 s2 p0
            auto x = ts.make(d, x4, xv), y = ts.zeros(d, {2, 3, Ho, Wo}), g = ts.make(d, {2, 3, Ho, Wo}, rnd(6 * Ho * Wo, 35));
            auto dx = ts.make(d, x4, rnd(n4, 36));
            const int k = ceil_mode ? 3 : 2, p = ceil_mode ? 1 : 0;
            OK(tdsr_maxpool2d_forward(x, y, k, k, 2, 2, p, p, ceil_mode));
            OK(tdsr_maxpool2d_backward(x, g, dx, k, k, 2, 2, p, p, ceil_mode));
            return Outputs{get(y, 6 * Ho * Wo), get(dx, n4)};
        });
    compare("tensor_ops", [&](int d) {
        Tensors ts;
        std::vector<double> xv = rnd(100000, 37);
        auto x = ts.make(d, {100000}, xv), f = ts.zeros(d, {10}), i32 = ts.make(d, {4}, {}, TDSR_I32);
        double s = 0;
        int fin = 0, fin2 = 1;
        OK(tdsr_sum(x, &s));
        OK(tdsr_all_finite(x, &fin));
        OK(tdsr_tensor_fill(f, 2.5));
        OK(tdsr_tensor_fill(i32, 7.9));
        int32_t li[4];
        OK(tdsr_tensor_read_i32(i32, li, 0, 4));
        xv[777] = NAN;
        OK(tdsr_tensor_write_f64(x, xv.data() + 777, 777, 1));
        OK(tdsr_all_finite(x, &fin2));
        // an overlapping copy between views of one buffer (memmove semantics)
        tdsr_tensor *lo = nullptr, *hi = nullptr;
        const int64_t n = 1000;
        OK(tdsr_tensor_view(x, 0, 1, &n, &lo));
        OK(tdsr_tensor_view(x, 10, 1, &n, &hi));
        ts.all.push_back(lo);
        ts.all.push_back(hi);
        OK(tdsr_tensor_copy(hi, lo));
        return Outputs{{s, double(fin), double(fin2), double(li[0])}, get(f, 10), get(x, 2000)};
    });
}

void device_only() {
    run("host_device_copies", [] {
        Tensors ts;
        std::vector<double> v = rnd(5000, 40);
        auto h = ts.make(TDSR_DEVICE_CPU, {5000}, v), g = ts.zeros(0, {5000}), g2 = ts.zeros(0, {5000}), h2 = ts.zeros(TDSR_DEVICE_CPU, {5000});
        OK(tdsr_tensor_copy(g, h));
        OK(tdsr_tensor_copy(g2, g));
        OK(tdsr_tensor_copy(h2, g2));
        CHECK(get(h2, 5000) == v);
    });
    run("not_yet_on_cuda", [] {
        Tensors ts;
        auto x = ts.zeros(0, {1, 2, 5, 5}), w = ts.zeros(0, {3, 2, 3, 3}), y = ts.zeros(0, {1, 3, 3, 3});
        CHECK_EQ(tdsr_conv2d_forward(x, w, nullptr, y, 1, 1, 0, 0, 1, 1), TDSR_ERR_DEVICE);
        CHECK(std::string(tdsr_last_error()).find("cuDNN") != std::string::npos);
        auto a = ts.zeros(0, {2, 3}), b = ts.zeros(0, {3, 4}), c = ts.zeros(0, {2, 4});
        CHECK_EQ(tdsr_gemm(a, b, c), TDSR_ERR_DEVICE);
    });
    run("memory_stats", [] {
        int64_t s[6];
        OK(tdsr_memory_stats(0, s));
        CHECK(s[1] > 0 && s[4] > 0);
        CHECK(std::string(tdsr_memory_describe(0)).find("cuda:0") == 0);
        OK(tdsr_memory_empty_cache(0));
    });
    run("out_of_memory", [] {
        const int64_t shape[1] = {int64_t(1) << 42};  // 16 TiB of f32
        tdsr_tensor* t = nullptr;
        CHECK_EQ(tdsr_tensor_create(0, TDSR_F32, 1, shape, &t), TDSR_ERR_OUT_OF_MEMORY);
        int64_t req = 0, free = 0;
        tdsr_last_oom(&req, &free);
        CHECK(req >= (int64_t(1) << 44) && free > 0);
    });
}

}  // namespace

int main() {
    std::printf("%s, compiled %d\n", tdsr_cuda_versions(), tdsr_cuda_compiled());
    const int n = tdsr_cuda_register();
    if (n <= 0) {
        run("load_without_device", [n] {
            CHECK(std::strlen(tdsr_cuda_last_error()) > 0);
            const int64_t shape[1] = {4};
            tdsr_tensor* t = nullptr;
            CHECK_EQ(tdsr_tensor_create(0, TDSR_F32, 1, shape, &t), TDSR_ERR_INVALID_ARGUMENT);
            CHECK(std::string(tdsr_last_error()).find("not loaded") != std::string::npos);
        });
        std::printf("skip cuda twins: %d devices (%s)\n", n, tdsr_cuda_last_error());
        return failures == 0 ? 0 : 1;
    }
    std::printf("%d devices; device 0: %s\n", n, tdsr_cuda_device_info(0));
    twins();
    device_only();
    return failures == 0 ? 0 : 1;
}
