/* libtdsr_dnnl.so: the engine's float convolutions through oneDNN (issue 20, DECISIONS "oneDNN for ...").
 * A separate library so that libtdsr_cpu.so never depends on libdnnl.so.3: cpu/dnnl.cpp opens it with dlopen at
 * first use and falls back to the engine's own cores when it (or libdnnl.so.3) is absent.
 * The geometry is the engine's ConvGeom (ops/conv.hpp), field for field; tensors are dense NCHW / [M,C,kh,kw]. */
#ifndef TDSR_DNNL_H
#define TDSR_DNNL_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tdsr_dnnl_geom {
    int N, C, H, W; /* input */
    int M, Ho, Wo;  /* output */
    int kh, kw, sh, sw, ph, pw, dh, dw;
} tdsr_dnnl_geom;

/* pass 0: y = conv(x, w)          a = x [N,C,H,W],   b = w [M,C,kh,kw], out = y [N,M,Ho,Wo] (overwritten)
 * pass 1: dx = conv^T(dy, w)      a = dy [N,M,Ho,Wo], b = w,            out = dx [N,C,H,W]  (overwritten)
 * pass 2: dw += dW(dy, x)         a = dy,             b = x,            out = dw [M,C,kh,kw] (accumulated)
 * threads: the engine's thread count (the OpenMP team oneDNN runs on). Returns 0, or -1 with tdsr_dnnl_error(). */
typedef int (*tdsr_dnnl_conv_fn)(int pass, const tdsr_dnnl_geom* g, const float* a, const float* b, float* out,
                                 int threads);
int tdsr_dnnl_conv(int pass, const tdsr_dnnl_geom* g, const float* a, const float* b, float* out, int threads);
/* The last error of this thread, one line. */
const char* tdsr_dnnl_error(void);
/* oneDNN's version and CPU ISA, one line. */
const char* tdsr_dnnl_info(void);

#ifdef __cplusplus
}
#endif
#endif
