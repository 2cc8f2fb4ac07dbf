// Loads libtdsr_dnnl.so (src/main/cpp/dnnl) on first use and routes the float convolutions of dnnl.hpp's rule to it.
#include "dnnl.hpp"

#include "../dnnl/tdsr_dnnl.h"
#include "conv_direct.hpp"
#include "threads.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace tdsr::cpu {
namespace {

struct Library {
    tdsr_dnnl_conv_fn conv = nullptr;
    const char* (*error)() = nullptr;
    std::string status;
};

// The folder of this library (libtdsr_cpu.so), where the build and Java's loader put libtdsr_dnnl.so too.
std::string own_folder() {
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(&own_folder), &info) || !info.dli_fname) return ".";
    std::string path = info.dli_fname;
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

const Library& library() {
    static Library lib;
    static std::once_flag once;
    std::call_once(once, [] {
        // TDSR_DNNL=0 keeps the engine's own cores (for comparisons; the tests use tdsr_set_conv_algorithm).
        const char* off = std::getenv("TDSR_DNNL");
        if (off && std::string(off) == "0") {
            lib.status = "oneDNN off (TDSR_DNNL=0)";
            return;
        }
        const std::string path = own_folder() + "/libtdsr_dnnl.so";
        void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char* why = dlerror();
            lib.status = std::string("oneDNN not loaded (") + (why ? why : path) + "): the engine's own convolution cores run";
            std::fprintf(stderr, "tdsr: %s\n", lib.status.c_str());
            return;
        }
        lib.conv = reinterpret_cast<tdsr_dnnl_conv_fn>(dlsym(h, "tdsr_dnnl_conv"));
        lib.error = reinterpret_cast<const char* (*)()>(dlsym(h, "tdsr_dnnl_error"));
        auto info = reinterpret_cast<const char* (*)()>(dlsym(h, "tdsr_dnnl_info"));
        if (!lib.conv || !lib.error || !info) {
            lib.conv = nullptr;
            lib.status = "oneDNN not loaded (" + path + " lacks tdsr_dnnl_conv): the engine's own convolution cores run";
            std::fprintf(stderr, "tdsr: %s\n", lib.status.c_str());
            return;
        }
        lib.status = info();
    });
    return lib;
}

// Under AUTO the weight gradient goes to oneDNN up to this many input x output channels.
constexpr int64_t kDnnlWeightGradMaxChannels = 64 * 64;

// oneDNN wants exact sizes: the far padding (Ho-1)s + d(k-1) + 1 - H - p must not be negative.
bool fits(const ConvGeom& g) {
    return (g.Ho - 1) * g.sh + g.dh * (g.kh - 1) + 1 - g.H - g.ph >= 0 &&
           (g.Wo - 1) * g.sw + g.dw * (g.kw - 1) + 1 - g.W - g.pw >= 0;
}

}  // namespace

bool use_dnnl_conv(int pass, const ConvGeom& g) {
    const int algorithm = conv_algorithm().load();
    if (algorithm != CONV_AUTO && algorithm != CONV_DNNL) return false;
    if (g.pointwise() || !fits(g)) return false;
    if (algorithm == CONV_AUTO) {
        // AUTO: the layers the GEMM cores take (the direct cores keep the study's narrow layers); every pass except
        // the weight gradient of wide layers, where our GEMM cores measured faster (VGG conv2_2 to fc6: 67-85 against
        // 56-76 GFLOP/s; up to 64 x 64 channels oneDNN wins: D-DBPN, conv1_2; README "Performance").
        if (use_direct_conv(g)) return false;
        if (pass == 2 && int64_t(g.C) * g.M > kDnnlWeightGradMaxChannels) return false;
    }
    return library().conv != nullptr;
}

void dnnl_conv(int pass, const ConvGeom& g, const float* a, const float* b, float* out) {
    const Library& lib = library();
    const tdsr_dnnl_geom d{g.N, g.C, g.H, g.W, g.M, g.Ho, g.Wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw};
    // Inside a parallel region (a caller's team) oneDNN runs on the calling thread alone.
    const int threads = free_threads();
    if (lib.conv(pass, &d, a, b, out, threads) != 0) fail(Msg() << "conv (oneDNN): " << lib.error());
}

bool dnnl_loaded() { return library().conv != nullptr; }

const char* dnnl_status() { return library().status.c_str(); }

}  // namespace tdsr::cpu
