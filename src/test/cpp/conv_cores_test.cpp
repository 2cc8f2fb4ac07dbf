// The CPU convolution cores (cpu/conv_cores.hpp) against a direct loop over the definition, in double and float:
// the phase decomposition of the strided backward-input (also the transposed convolution's forward) and its col2im
// reference, over geometries with every stride 1-8, kernels smaller than the stride (phases no tap reaches),
// dilation, asymmetric strides and paddings, and batch 2, at 1 and 2 engine threads.
#include "cpu/conv_cores.hpp"

#include "check.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

using tdsr::ConvGeom;
namespace cores = tdsr::cpu::conv_cores;

namespace {

ConvGeom geom(int N, int C, int H, int W, int M, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
    ConvGeom g{};
    g.N = N; g.C = C; g.H = H; g.W = W; g.M = M;
    g.kh = kh; g.kw = kw; g.sh = sh; g.sw = sw; g.ph = ph; g.pw = pw; g.dh = dh; g.dw = dw;
    g.Ho = int(tdsr::conv_out(H, kh, sh, ph, dh));
    g.Wo = int(tdsr::conv_out(W, kw, sw, pw, dw));
    return g;
}

// dx = the adjoint of the convolution at dy, straight from the definition (accumulated in double).
std::vector<double> direct_backward_input(const std::vector<double>& dy, const std::vector<double>& w, const ConvGeom& g) {
    std::vector<double> dx(size_t(g.N) * g.C * g.HW(), 0.0);
    for (int n = 0; n < g.N; n++)
        for (int m = 0; m < g.M; m++)
            for (int ho = 0; ho < g.Ho; ho++)
                for (int wo = 0; wo < g.Wo; wo++) {
                    const double v = dy[((size_t(n) * g.M + m) * g.Ho + ho) * g.Wo + wo];
                    for (int c = 0; c < g.C; c++)
                        for (int i = 0; i < g.kh; i++)
                            for (int j = 0; j < g.kw; j++) {
                                const int ih = g.input_row(ho, i), iw = g.input_col(wo, j);
                                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                                dx[((size_t(n) * g.C + c) * g.H + ih) * g.W + iw] +=
                                    w[((size_t(m) * g.C + c) * g.kh + i) * g.kw + j] * v;
                            }
                }
    return dx;
}

template <class T>
double max_rel_error(const std::vector<T>& got, const std::vector<double>& want) {
    double scale = 1e-30, err = 0;
    for (double v : want) scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < want.size(); i++) {
        if (!std::isfinite(double(got[i]))) return std::numeric_limits<double>::infinity();
        err = std::max(err, std::abs(double(got[i]) - want[i]));
    }
    return err / scale;
}

template <class T>
void check_paths(const ConvGeom& g, const std::vector<double>& dy, const std::vector<double>& w,
                 const std::vector<double>& want, double tol, const char* what) {
    std::vector<T> dyT(dy.begin(), dy.end()), wT(w.begin(), w.end());
    // dx is overwritten: start it at NaN so a position no path writes shows up.
    std::vector<T> phases(want.size(), std::numeric_limits<T>::quiet_NaN()), col2im(phases);
    cores::conv_backward_input_phases(dyT.data(), wT.data(), phases.data(), g);
    cores::conv_backward_input_col2im(dyT.data(), wT.data(), col2im.data(), g);
    const double ep = max_rel_error(phases, want), ec = max_rel_error(col2im, want);
    if (!(ep <= tol) || !(ec <= tol)) {
        std::printf("conv_cores_test: %s C%d H%dx%d M%d k%dx%d s%dx%d p%dx%d d%dx%d: phases %.3g, col2im %.3g (tol %.3g)\n",
                    what, g.C, g.H, g.W, g.M, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, ep, ec, tol);
    }
    CHECK(ep <= tol);
    CHECK(ec <= tol);
}

}  // namespace

int main() {
    try {
        const std::vector<ConvGeom> shapes = {
            geom(2, 3, 12, 12, 4, 8, 8, 4, 4, 2, 2, 1, 1),     // D-DBPN 4x projection (8x8/s4/p2), small
            geom(1, 5, 16, 16, 3, 12, 12, 8, 8, 2, 2, 1, 1),   // D-DBPN 8x (12x12/s8/p2): 1 or 2 taps per phase
            geom(2, 4, 10, 10, 2, 6, 6, 2, 2, 2, 2, 1, 1),     // D-DBPN 2x (6x6/s2/p2)
            geom(1, 3, 11, 13, 5, 3, 3, 2, 2, 1, 1, 1, 1),     // VGG-style 3x3/s2 on odd sizes (SSD extras)
            geom(2, 2, 9, 14, 3, 2, 2, 4, 4, 0, 1, 1, 1),      // kernel smaller than the stride: untouched phases
            geom(1, 3, 15, 12, 2, 3, 5, 3, 2, 2, 1, 2, 1),     // asymmetric stride/kernel/padding, dilation 2
            geom(1, 2, 9, 9, 3, 3, 3, 5, 7, 3, 0, 1, 3),       // strides 5 and 7, dilation 3 across
            geom(1, 4, 10, 10, 3, 3, 3, 1, 1, 1, 1, 1, 1),     // stride 1 (the col2im path's own case)
            geom(1, 3, 14, 14, 2, 1, 1, 2, 2, 0, 0, 1, 1),     // 1x1 stride 2: three of four phases are zero
        };
        std::mt19937_64 rng(7);
        std::uniform_real_distribution<double> u(-1, 1);
        for (int threads : {1, 2}) {
            tdsr::cpu::engine_threads() = threads;
            omp_set_num_threads(threads);
            for (const ConvGeom& g : shapes) {
                CHECK(g.Ho >= 1 && g.Wo >= 1);
                std::vector<double> dy(size_t(g.N) * g.M * g.P()), w(size_t(g.M) * g.K());
                for (double& v : dy) v = u(rng);
                for (double& v : w) v = u(rng);
                const std::vector<double> want = direct_backward_input(dy, w, g);
                check_paths<double>(g, dy, w, want, 1e-12, "double");
                check_paths<float>(g, dy, w, want, 2e-5, "float");
            }
            // Same inputs, same thread count: the same bits (the phase path has no order that depends on timing).
            const ConvGeom& g = shapes[0];
            std::vector<float> dy(size_t(g.N) * g.M * g.P()), w(size_t(g.M) * g.K());
            for (float& v : dy) v = float(u(rng));
            for (float& v : w) v = float(u(rng));
            std::vector<float> a(size_t(g.N) * g.C * g.HW()), b(a.size());
            cores::conv_backward_input_phases(dy.data(), w.data(), a.data(), g);
            cores::conv_backward_input_phases(dy.data(), w.data(), b.data(), g);
            CHECK(a == b);
        }
        std::printf("conv_cores_test: all passed\n");
        return 0;
    } catch (const std::exception& e) {
        std::printf("conv_cores_test FAILED: %s\n", e.what());
        return 1;
    }
}
