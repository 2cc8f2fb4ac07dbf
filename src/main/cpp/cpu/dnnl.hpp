// oneDNN as the CPU twin's float convolution engine for the layer families where it measured faster (DECISIONS,
// issue 20). libtdsr_dnnl.so is opened with dlopen at first use, from the folder of libtdsr_cpu.so; where it or
// libdnnl.so.3 cannot be loaded the engine says so once on stderr and keeps its own cores.
#pragma once

#include "../ops/conv.hpp"

namespace tdsr::cpu {

// Whether oneDNN runs this float pass (0 forward, 1 backward-input, 2 backward-weight) of geometry g under the
// current conv algorithm: CONV_DNNL forces it wherever the library loaded and the geometry fits; CONV_AUTO takes it
// for the families in dnnl.cpp's rule.
bool use_dnnl_conv(int pass, const ConvGeom& g);

// Runs the pass through oneDNN (same contracts as conv.cpp's cores: y and dx overwritten, dw accumulated).
// Throws tdsr::Error with oneDNN's message on failure.
void dnnl_conv(int pass, const ConvGeom& g, const float* a, const float* b, float* out);

// Whether libtdsr_dnnl.so loaded (loads it if not tried yet).
bool dnnl_loaded();

// "oneDNN 3.8.1 ..." when loaded, else why not (one line); loads it if not tried yet.
const char* dnnl_status();

}  // namespace tdsr::cpu
