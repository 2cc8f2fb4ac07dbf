// oneDNN against the engine's own convolution cores, same process, same shapes as EngineBench's layer families.
// Decides per layer family and pass whether oneDNN is worth integrating (DECISIONS, issue 20). Built by hand:
//   benchmarks/dnnl/build.sh   (extracts org.bytedeco:dnnl from ~/.m2, links libtdsr_cpu.so from target/)
// Run: OMP_NUM_THREADS is ignored; the thread count is the first argument (1 or 2), the rest pick shapes.
// FLOPs = 2 x multiply-adds of the pass; each figure is the best of `reps` timed calls after a warm-up.
#include <oneapi/dnnl/dnnl.hpp>
#include <cblas.h>
#include <omp.h>

#include "tdsr.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

struct Shape {
    const char* name;
    bool deconv;
    int cin, cout, size, k, s, p, d;  // d: dilation (conv only), 1 = none
};

// The EngineBench shapes (benchmarks/src/main/java/dev/tdsr/bench/ConvBenchmark.java), batch n.
static const Shape kShapes[] = {
    {"DBPN4X_DOWN_CONV", false, 64, 64, 300, 8, 4, 2, 1},  {"DBPN4X_UP_DECONV", true, 64, 64, 75, 8, 4, 2, 1},
    {"DBPN8X_DOWN_CONV", false, 64, 64, 304, 12, 8, 2, 1}, {"DBPN8X_UP_DECONV", true, 64, 64, 38, 12, 8, 2, 1},
    {"VGG_CONV1_2_300", false, 64, 64, 300, 3, 1, 1, 1},   {"VGG_CONV2_2_150", false, 128, 128, 150, 3, 1, 1, 1},
    {"VGG_CONV4_3_38", false, 512, 512, 38, 3, 1, 1, 1},   {"VGG_FC6_DILATED_19", false, 512, 1024, 19, 3, 1, 6, 6},
    {"SSD_CONF_HEAD_38", false, 512, 84, 38, 3, 1, 1, 1},  {"DBPN_OUTPUT_CONV_304", false, 448, 3, 304, 3, 1, 1, 1},
};

static double seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static double best_of(int reps, const std::function<void()>& f) {
    f();
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        const double t0 = seconds();
        f();
        best = std::min(best, seconds() - t0);
    }
    return best;
}

static void fill(std::vector<float>& v, unsigned seed) {
    for (auto& x : v) {
        seed = seed * 1664525u + 1013904223u;
        x = float(seed >> 8) / float(1 << 24) - 0.5f;
    }
}

static int check(int rc) {
    if (rc != 0) {
        std::fprintf(stderr, "tdsr error\n");
        std::exit(1);
    }
    return rc;
}

static tdsr_tensor* tensor(std::vector<int64_t> shape, const std::vector<float>* data) {
    tdsr_tensor* t = nullptr;
    check(tdsr_tensor_create(TDSR_DEVICE_CPU, 0, int(shape.size()), shape.data(), &t));
    if (data) check(tdsr_tensor_write_f32(t, data->data(), 0, int64_t(data->size())));
    return t;
}

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const int batch = argc > 2 ? std::atoi(argv[2]) : 1;
    const int reps = 5;
    omp_set_num_threads(threads);
    openblas_set_num_threads(1);
    check(tdsr_set_num_threads(threads));
    engine eng(engine::kind::cpu, 0);
    stream st(eng);

    // Same-run sgemm reference (OpenBLAS on `threads` threads, as PyTorch runs it).
    {
        const int n = 1024;
        std::vector<float> a(size_t(n) * n), b(size_t(n) * n), c(size_t(n) * n);
        fill(a, 1), fill(b, 2);
        openblas_set_num_threads(threads);
        const double t = best_of(reps, [&] {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f,
                        c.data(), n);
        });
        openblas_set_num_threads(1);
        std::printf("sgemm 1024^3 threads=%d %.1f GFLOP/s\n", threads, 2.0 * n * n * n / t / 1e9);
    }
    std::printf("%s\n", tdsr_blas_info());
    std::printf("%-20s %-15s %10s %10s %10s %10s %10s %10s  (GFLOP/s, batch %d, %d threads)\n", "layer", "pass",
                "own-gemm", "dnnl-plain", "dnnl-any", "any+reord", "engine", "phased", batch, threads);

    for (const Shape& s : kShapes) {
        if (argc > 3) {
            bool want = false;
            for (int i = 3; i < argc; i++) want |= std::strstr(s.name, argv[i]) != nullptr;
            if (!want) continue;
        }
        // The convolution view: conv from the big map to the small map (the deconv is its adjoint).
        int H, Ho, C, M;  // conv input H (C channels) -> output Ho (M channels)
        if (!s.deconv) {
            H = s.size, C = s.cin, M = s.cout;
            Ho = (H + 2 * s.p - s.d * (s.k - 1) - 1) / s.s + 1;
        } else {
            Ho = s.size, M = s.cin, C = s.cout;
            H = (Ho - 1) * s.s - 2 * s.p + s.k;
        }
        const double flops = 2.0 * batch * M * C * double(Ho) * Ho * s.k * s.k;
        memory::dims big = {batch, C, H, H}, small = {batch, M, Ho, Ho};
        memory::dims strides = {s.s, s.s}, dil = {s.d - 1, s.d - 1}, pad = {s.p, s.p};
        // The bottom/right padding oneDNN wants so that the sizes match exactly.
        const int pr = (Ho - 1) * s.s + s.d * (s.k - 1) + 1 - H - s.p;
        memory::dims padr = {pr, pr};
        std::vector<float> xbig(size_t(batch) * C * H * H), ysmall(size_t(batch) * M * Ho * Ho),
            w(size_t(M) * C * s.k * s.k);
        fill(xbig, 3), fill(ysmall, 4), fill(w, 5);

        // Passes in the layer's own terms: forward, backwardInput, backwardWeight.
        for (int pass = 0; pass < 3; pass++) {
            const char* pname = pass == 0 ? "forward" : pass == 1 ? "backwardInput" : "backwardWeight";
            double rate[6] = {0, 0, 0, 0, 0, 0};
            // --- the engine through its C API ---
            {
                tdsr_tensor* tb = tensor({batch, C, H, H}, &xbig);
                tdsr_tensor* ts = tensor({batch, M, Ho, Ho}, &ysmall);
                tdsr_tensor* tw = s.deconv ? tensor({M, C, s.k, s.k}, &w) : tensor({M, C, s.k, s.k}, &w);
                std::function<void()> f;
                if (!s.deconv) {
                    if (pass == 0) f = [&] { check(tdsr_conv2d_forward(tb, tw, nullptr, ts, s.s, s.s, s.p, s.p, s.d, s.d)); };
                    if (pass == 1) f = [&] { check(tdsr_conv2d_backward_input(ts, tw, tb, s.s, s.s, s.p, s.p, s.d, s.d)); };
                    if (pass == 2) f = [&] { check(tdsr_conv2d_backward_params(ts, tb, tw, nullptr, s.s, s.s, s.p, s.p, s.d, s.d)); };
                } else {  // deconv x = small map (cin = M), y = big map; w [cin, cout, k, k] = [M, C, k, k]
                    if (pass == 0) f = [&] { check(tdsr_deconv2d_forward(ts, tw, nullptr, tb, s.s, s.s, s.p, s.p)); };
                    if (pass == 1) f = [&] { check(tdsr_deconv2d_backward_input(tb, tw, ts, s.s, s.s, s.p, s.p)); };
                    if (pass == 2) f = [&] { check(tdsr_deconv2d_backward_params(tb, ts, tw, nullptr, s.s, s.s, s.p, s.p)); };
                }
                check(tdsr_set_conv_algorithm(1));  // the engine's own im2col + GEMM cores
                rate[0] = flops / best_of(reps, f) / 1e9;
                if (s.s > 1 && s.d == 1) {
                    check(tdsr_set_conv_algorithm(4));  // the phased GEMM cores (strided layers only)
                    rate[5] = flops / best_of(reps, f) / 1e9;
                }
                check(tdsr_set_conv_algorithm(0));  // what the engine runs by default
                rate[4] = flops / best_of(reps, f) / 1e9;
                tdsr_tensor_free(tb), tdsr_tensor_free(ts), tdsr_tensor_free(tw);
            }
            // --- oneDNN: plain layouts (our own), then its chosen layouts (with and without the activation
            // reorders a call from our layout would pay; weight reorders are cacheable per weight version) ---
            for (int mode = 0; mode < 2; mode++) {
                const bool any = mode == 1;
                // conv view: src = big [C], dst = small [M], weights [M][C] (oihw). A deconv's forward is the conv's
                // backward-data and vice versa; its weight gradient is the conv's. PyTorch's [in,out] deconv
                // storage [M][C] equals the conv's oihw, so no weight reorder either way.
                memory::desc srcd(big, dt::f32, any ? tag::any : tag::nchw);
                memory::desc dstd(small, dt::f32, any ? tag::any : tag::nchw);
                memory::desc wd({M, C, s.k, s.k}, dt::f32, any ? tag::any : tag::oihw);
                memory::desc srcp(big, dt::f32, tag::nchw), dstp(small, dt::f32, tag::nchw),
                    wp({M, C, s.k, s.k}, dt::f32, tag::oihw);
                auto fwd_pd = convolution_forward::primitive_desc(eng, prop_kind::forward_training,
                                                                  algorithm::convolution_direct, srcd, wd, dstd,
                                                                  strides, dil, pad, padr);
                memory xm(srcp, eng, xbig.data()), ym(dstp, eng, ysmall.data()), wm(wp, eng, w.data());
                // conv pass index: 0 = fwd, 1 = bwd data, 2 = bwd weights
                const int cpass = !s.deconv ? pass : pass == 0 ? 1 : pass == 1 ? 0 : 2;
                primitive prim;
                memory::desc a_d, b_d, o_d;  // inputs a, b and the output o in the primitive's layouts
                int a_arg, b_arg, o_arg;
                memory a_plain, b_plain, o_plain;
                std::string impl;
                if (cpass == 0) {
                    prim = convolution_forward(fwd_pd);
                    a_d = fwd_pd.src_desc(), b_d = fwd_pd.weights_desc(), o_d = fwd_pd.dst_desc();
                    a_arg = DNNL_ARG_SRC, b_arg = DNNL_ARG_WEIGHTS, o_arg = DNNL_ARG_DST;
                    a_plain = xm, b_plain = wm, o_plain = ym;
                    impl = fwd_pd.impl_info_str();
                } else if (cpass == 1) {
                    auto pd = convolution_backward_data::primitive_desc(eng, algorithm::convolution_direct, srcd, wd,
                                                                         dstd, strides, dil, pad, padr, fwd_pd);
                    prim = convolution_backward_data(pd);
                    a_d = pd.diff_dst_desc(), b_d = pd.weights_desc(), o_d = pd.diff_src_desc();
                    a_arg = DNNL_ARG_DIFF_DST, b_arg = DNNL_ARG_WEIGHTS, o_arg = DNNL_ARG_DIFF_SRC;
                    a_plain = ym, b_plain = wm, o_plain = xm;
                    impl = pd.impl_info_str();
                } else {
                    auto pd = convolution_backward_weights::primitive_desc(eng, algorithm::convolution_direct, srcd,
                                                                            wd, dstd, strides, dil, pad, padr, fwd_pd);
                    prim = convolution_backward_weights(pd);
                    a_d = pd.diff_dst_desc(), b_d = pd.src_desc(), o_d = pd.diff_weights_desc();
                    a_arg = DNNL_ARG_DIFF_DST, b_arg = DNNL_ARG_SRC, o_arg = DNNL_ARG_DIFF_WEIGHTS;
                    a_plain = ym, b_plain = xm, o_plain = wm;
                    impl = pd.impl_info_str();
                }
                memory am(a_d, eng), bm(b_d, eng), om(o_d, eng);
                reorder(a_plain, am).execute(st, a_plain, am);
                reorder(b_plain, bm).execute(st, b_plain, bm);
                st.wait();
                auto run = [&] {
                    prim.execute(st, {{a_arg, am}, {b_arg, bm}, {o_arg, om}});
                    st.wait();
                };
                const double t = best_of(reps, run);
                if (!any) {
                    rate[1] = flops / t / 1e9;
                    std::printf("  [%s %s plain: %s]\n", s.name, pname, impl.c_str());
                } else {
                    rate[2] = flops / t / 1e9;
                    // The activations' reorders from and to nchw (weights excluded: the weight a frozen or
                    // once-per-step-updated layer reorders once per version; a weight gradient's reorder is counted).
                    const bool a_act = cpass != 2 || true, b_act = cpass == 2, o_act = true;
                    reorder ra(a_plain, am), rb(b_plain, bm), ro(om, o_plain);
                    auto full = [&] {
                        if (a_act) ra.execute(st, a_plain, am);
                        if (b_act) rb.execute(st, b_plain, bm);
                        prim.execute(st, {{a_arg, am}, {b_arg, bm}, {o_arg, om}});
                        if (o_act) ro.execute(st, om, o_plain);
                        st.wait();
                    };
                    rate[3] = flops / best_of(reps, full) / 1e9;
                    std::printf("  [%s %s any: %s]\n", s.name, pname, impl.c_str());
                }
            }
            std::printf("%-20s %-15s %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f\n", s.name, pname, rate[0], rate[1],
                        rate[2], rate[3], rate[4], rate[5]);
            std::fflush(stdout);
        }
    }
    return 0;
}
