// Convolution and transposed convolution on the CPU: the entry points over the cores of cpu/conv_cores.hpp.
// The geometry, the checks and the conv/deconv duality live in ops/conv.hpp.
#include "conv_cores.hpp"

namespace tdsr::cpu {
using namespace conv_cores;

void conv2d_forward(const ConvGeom& g, const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b, tdsr_tensor* y) {
    dispatch_float("conv2d_forward", x, [&](auto tag) {
        using T = decltype(tag);
        conv_forward_core(x->data<T>(), w->data<T>(), y->data<T>(), g);
        if (b) add_bias(y->data<T>(), b->data<T>(), g.N, g.M, g.P());
    });
}

void conv2d_backward_input(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx) {
    dispatch_float("conv2d_backward_input", dy, [&](auto tag) {
        using T = decltype(tag);
        conv_backward_input_core(dy->data<T>(), w->data<T>(), dx->data<T>(), g);
    });
}

void conv2d_backward_params(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw, tdsr_tensor* db) {
    dispatch_float("conv2d_backward_params", dy, [&](auto tag) {
        using T = decltype(tag);
        if (dw) conv_backward_weight_core(dy->data<T>(), x->data<T>(), dw->data<T>(), g);
        if (db) bias_grad(dy->data<T>(), db->data<T>(), int(dy->dim(0)), int(dy->dim(1)), dy->dim(2) * dy->dim(3));
    });
}

void deconv2d_forward(const ConvGeom& g, const tdsr_tensor* x, const tdsr_tensor* w, const tdsr_tensor* b, tdsr_tensor* y) {
    dispatch_float("deconv2d_forward", x, [&](auto tag) {
        using T = decltype(tag);
        conv_backward_input_core(x->data<T>(), w->data<T>(), y->data<T>(), g);
        if (b) add_bias(y->data<T>(), b->data<T>(), g.N, g.C, g.HW());
    });
}

void deconv2d_backward_input(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* w, tdsr_tensor* dx) {
    dispatch_float("deconv2d_backward_input", dy, [&](auto tag) {
        using T = decltype(tag);
        conv_forward_core(dy->data<T>(), w->data<T>(), dx->data<T>(), g);
    });
}

void deconv2d_backward_params(const ConvGeom& g, const tdsr_tensor* dy, const tdsr_tensor* x, tdsr_tensor* dw, tdsr_tensor* db) {
    dispatch_float("deconv2d_backward_params", dy, [&](auto tag) {
        using T = decltype(tag);
        // The conv's "output gradient" is x and its "input" is dy.
        if (dw) conv_backward_weight_core(x->data<T>(), dy->data<T>(), dw->data<T>(), g);
        if (db) bias_grad(dy->data<T>(), db->data<T>(), int(dy->dim(0)), int(dy->dim(1)), dy->dim(2) * dy->dim(3));
    });
}

}  // namespace tdsr::cpu
