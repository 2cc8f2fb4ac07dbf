// libtdsr_dnnl.so: float convolutions through oneDNN for the CPU twin (see tdsr_dnnl.h and cpu/dnnl.cpp).
//
// Each call takes the engine's dense NCHW tensors, reorders them into the blocked layouts oneDNN picks for the shape
// (format_tag::any: brgemm/jit kernels; with plain NCHW oneDNN falls back to its own im2col + GEMM, measured slower,
// DECISIONS), runs the primitive and reorders the result back. Weights are reordered on every call: they change at
// every optimiser step, and the reorder is under 2% of the convolution at the engine's shapes.
//
// Primitives are created once per (pass, geometry, threads) and shared; everything a call writes (the blocked copies,
// oneDNN's scratchpad, the stream) is per calling thread, so Java threads can run convolutions at the same time.
#include "tdsr_dnnl.h"

#include "../cpu/transpose.hpp"
#include "../host_pages.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

namespace {

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

thread_local std::string g_error;

engine& cpu_engine() {
    static engine eng(engine::kind::cpu, 0);
    return eng;
}

// A pass's primitive with its operands' layouts: inputs a and b, output o, each as oneDNN wants it and as the
// engine stores it (plain).
struct Plan {
    primitive prim;
    memory::desc a, b, o, a_plain, b_plain, o_plain, scratch;
    int a_arg, b_arg, o_arg;
    reorder to_a, to_b, from_o;  // empty where the layouts already agree or a transposition moves the data
    // Activations oneDNN takes channels-last: moved by cpu/transpose.hpp (twice oneDNN's reorder rate, see there).
    bool a_channels_last = false, o_channels_last = false;
};

// An activation's NCHW <-> NHWC move: one transposition per image.
void move_channels(bool to_last, const memory::desc& d, const float* from, float* to, int threads) {
    const memory::dims dims = d.get_dims();
    const int64_t C = dims[1], HW = dims[2] * dims[3];
    if (to_last) tdsr::cpu::images_to_channels_last(from, dims[0], C, HW, to, C * HW, threads);
    else tdsr::cpu::channels_last_to_images(from, C * HW, dims[0], C, HW, to, threads);
}

using Key = std::tuple<int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int>;

Key key_of(int pass, const tdsr_dnnl_geom& g, int threads) {
    return Key{pass, g.N, g.C, g.H, g.W, g.M, g.Ho, g.Wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, threads};
}

std::shared_ptr<const Plan> make_plan(int pass, const tdsr_dnnl_geom& g) {
    engine& eng = cpu_engine();
    const memory::dims src{g.N, g.C, g.H, g.W}, dst{g.N, g.M, g.Ho, g.Wo}, wei{g.M, g.C, g.kh, g.kw};
    const memory::dims strides{g.sh, g.sw}, dil{g.dh - 1, g.dw - 1}, pad_l{g.ph, g.pw};
    // oneDNN wants the far padding that makes the sizes agree exactly (the engine's rule floors instead).
    const memory::dims pad_r{(g.Ho - 1) * g.sh + g.dh * (g.kh - 1) + 1 - g.H - g.ph,
                             (g.Wo - 1) * g.sw + g.dw * (g.kw - 1) + 1 - g.W - g.pw};
    const memory::desc src_any(src, dt::f32, tag::any), dst_any(dst, dt::f32, tag::any),
        wei_any(wei, dt::f32, tag::any);
    const memory::desc src_plain(src, dt::f32, tag::nchw), dst_plain(dst, dt::f32, tag::nchw),
        wei_plain(wei, dt::f32, tag::oihw);
    primitive_attr attr;
    attr.set_scratchpad_mode(scratchpad_mode::user);
    auto fwd = convolution_forward::primitive_desc(eng, prop_kind::forward_training, algorithm::convolution_direct,
                                                   src_any, wei_any, dst_any, strides, dil, pad_l, pad_r, attr);
    auto plan = std::make_shared<Plan>();
    if (pass == 0) {
        // With format any, the strided wide-kernel forwards (D-DBPN's 8x8/s4 and 12x12/s8 from the HR map) land on
        // oneDNN's im2col + GEMM; with channels-last activations its brgemm kernel takes them, 1.6-2.6x faster with
        // the reorders counted (DECISIONS, "Issue 20, fourth session"). A fixed rule, not a timing: the same machine
        // always runs the same kernel, so the losses stay the same run to run.
        auto channels_last = fwd;
        if (std::string(fwd.impl_info_str()).find("gemm") != std::string::npos) {
            const memory::desc src_nhwc(src, dt::f32, tag::nhwc), dst_nhwc(dst, dt::f32, tag::nhwc);
            channels_last = convolution_forward::primitive_desc(eng, prop_kind::forward_training,
                                                                algorithm::convolution_direct, src_nhwc, wei_any,
                                                                dst_nhwc, strides, dil, pad_l, pad_r, attr);
            if (std::string(channels_last.impl_info_str()).rfind("brg", 0) != 0) channels_last = fwd;
        }
        plan->prim = convolution_forward(channels_last);
        plan->a = channels_last.src_desc(), plan->b = channels_last.weights_desc(), plan->o = channels_last.dst_desc();
        plan->a_plain = src_plain, plan->b_plain = wei_plain, plan->o_plain = dst_plain;
        plan->a_arg = DNNL_ARG_SRC, plan->b_arg = DNNL_ARG_WEIGHTS, plan->o_arg = DNNL_ARG_DST;
        plan->scratch = channels_last.scratchpad_desc();
    } else if (pass == 1) {
        auto pd = convolution_backward_data::primitive_desc(eng, algorithm::convolution_direct, src_any, wei_any,
                                                             dst_any, strides, dil, pad_l, pad_r, fwd, attr);
        plan->prim = convolution_backward_data(pd);
        plan->a = pd.diff_dst_desc(), plan->b = pd.weights_desc(), plan->o = pd.diff_src_desc();
        plan->a_plain = dst_plain, plan->b_plain = wei_plain, plan->o_plain = src_plain;
        plan->a_arg = DNNL_ARG_DIFF_DST, plan->b_arg = DNNL_ARG_WEIGHTS, plan->o_arg = DNNL_ARG_DIFF_SRC;
        plan->scratch = pd.scratchpad_desc();
    } else {
        auto pd = convolution_backward_weights::primitive_desc(eng, algorithm::convolution_direct, src_any, wei_any,
                                                                dst_any, strides, dil, pad_l, pad_r, fwd, attr);
        plan->prim = convolution_backward_weights(pd);
        plan->a = pd.diff_dst_desc(), plan->b = pd.src_desc(), plan->o = pd.diff_weights_desc();
        plan->a_plain = dst_plain, plan->b_plain = src_plain, plan->o_plain = wei_plain;
        plan->a_arg = DNNL_ARG_DIFF_DST, plan->b_arg = DNNL_ARG_SRC, plan->o_arg = DNNL_ARG_DIFF_WEIGHTS;
        plan->scratch = pd.scratchpad_desc();
    }
    auto channels_last_of = [](const memory::desc& plain) {
        return memory::desc(plain.get_dims(), dt::f32, tag::nhwc);
    };
    plan->a_channels_last = pass != 2 && plan->a == channels_last_of(plan->a_plain);  // a: x, or dy
    plan->o_channels_last = pass != 2 && plan->o == channels_last_of(plan->o_plain);  // o: y, or dx
    if (plan->a != plan->a_plain && !plan->a_channels_last)
        plan->to_a = reorder(reorder::primitive_desc(eng, plan->a_plain, eng, plan->a));
    if (plan->b != plan->b_plain) plan->to_b = reorder(reorder::primitive_desc(eng, plan->b_plain, eng, plan->b));
    // The weight gradient always lands in a temporary (the engine's dw accumulates), so its reorder always exists.
    if ((plan->o != plan->o_plain && !plan->o_channels_last) || pass == 2)
        plan->from_o = reorder(reorder::primitive_desc(eng, plan->o, eng, plan->o_plain));
    return plan;
}

std::shared_ptr<const Plan> plan_for(int pass, const tdsr_dnnl_geom& g, int threads) {
    static std::mutex mu;
    static std::map<Key, std::shared_ptr<const Plan>> plans;
    const Key k = key_of(pass, g, threads);
    {
        std::lock_guard<std::mutex> lock(mu);
        auto it = plans.find(k);
        if (it != plans.end()) return it->second;
    }
    auto plan = make_plan(pass, g);  // outside the lock: creation takes milliseconds
    std::lock_guard<std::mutex> lock(mu);
    return plans.emplace(k, plan).first->second;
}

// Per-thread buffers that only grow (slot: blocked a, blocked b, blocked o, scratchpad, plain weight gradient), on
// huge pages from 4 MiB (host_pages.hpp).
void* buffer(int slot, size_t bytes) {
    thread_local tdsr::GrowingBuffer bufs[5];
    return bufs[slot].get(bytes);
}

}  // namespace

extern "C" int tdsr_dnnl_conv(int pass, const tdsr_dnnl_geom* g, const float* a, const float* b, float* out,
                              int threads) {
    try {
        if (pass < 0 || pass > 2) {
            g_error = "tdsr_dnnl_conv: pass must be 0, 1 or 2";
            return -1;
        }
        auto plan = plan_for(pass, *g, threads);
        engine& eng = cpu_engine();
        thread_local stream st(eng);
        memory a_user(plan->a_plain, eng, const_cast<float*>(a)), b_user(plan->b_plain, eng, const_cast<float*>(b));
        memory a_mem = a_user, b_mem = b_user;
        if (plan->to_a || plan->a_channels_last) {
            a_mem = memory(plan->a, eng, buffer(0, plan->a.get_size()));
            if (plan->to_a) plan->to_a.execute(st, a_user, a_mem);
            else move_channels(true, plan->a, a, static_cast<float*>(a_mem.get_data_handle()), threads);
        }
        if (plan->to_b) {
            b_mem = memory(plan->b, eng, buffer(1, plan->b.get_size()));
            plan->to_b.execute(st, b_user, b_mem);
        }
        const size_t out_count = plan->o_plain.get_size() / sizeof(float);
        float* plain_out = pass == 2 ? static_cast<float*>(buffer(4, plan->o_plain.get_size())) : out;
        memory o_user(plan->o_plain, eng, plain_out);
        memory o_mem = plan->from_o || plan->o_channels_last ? memory(plan->o, eng, buffer(2, plan->o.get_size()))
                                                             : o_user;
        memory scratch(plan->scratch, eng, buffer(3, plan->scratch.get_size()));
        plan->prim.execute(st, {{plan->a_arg, a_mem}, {plan->b_arg, b_mem}, {plan->o_arg, o_mem},
                                {DNNL_ARG_SCRATCHPAD, scratch}});
        if (plan->from_o) plan->from_o.execute(st, o_mem, o_user);
        st.wait();
        if (plan->o_channels_last)
            move_channels(false, plan->o, static_cast<const float*>(o_mem.get_data_handle()), plain_out, threads);
        if (pass == 2)
            for (size_t i = 0; i < out_count; i++) out[i] += plain_out[i];
        return 0;
    } catch (const dnnl::error& e) {
        g_error = std::string("oneDNN: ") + e.what();
    } catch (const std::exception& e) {
        g_error = std::string("tdsr_dnnl_conv: ") + e.what();
    }
    return -1;
}

extern "C" const char* tdsr_dnnl_error(void) { return g_error.c_str(); }

extern "C" const char* tdsr_dnnl_info(void) {
    thread_local std::string info;
    const dnnl_version_t* v = dnnl_version();
    const int isa = int(dnnl::get_effective_cpu_isa());
    const char* name = isa == dnnl_cpu_isa_avx2 ? "avx2" : isa == dnnl_cpu_isa_avx2_vnni ? "avx2_vnni"
                     : isa == dnnl_cpu_isa_avx512_core ? "avx512_core" : isa == dnnl_cpu_isa_avx512_core_vnni ? "avx512_core_vnni"
                     : isa == dnnl_cpu_isa_avx512_core_bf16 ? "avx512_core_bf16" : nullptr;
    info = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
           " isa=" + (name ? std::string(name) : std::to_string(isa));
    return info.c_str();
}
