package dev.tdsr.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed cases, float-vs-double agreement, optimizer formulas and error behaviour of the CPU engine.
 */
class KernelBehaviourTest {
    private static final Backend B = CpuBackend.get();

    @Test
    void outputSizesByHand() {
        // SSD300's VGG: 300 -> pool1 150 -> pool2 75 -> pool3 (ceil) 38 -> pool4 19 -> pool5 (3/1/1) 19.
        assertEquals(150, PoolSpec.output(300, 2, 2, 0, false));
        assertEquals(38, PoolSpec.output(75, 2, 2, 0, true));
        assertEquals(37, PoolSpec.output(75, 2, 2, 0, false));
        assertEquals(19, PoolSpec.output(38, 2, 2, 0, false));
        assertEquals(19, PoolSpec.output(19, 3, 1, 1, false));
        // ceil_mode's last window must start inside input + left padding: 5 + 2*1 - 2 = 5, ceil(5/2)+1 = 4,
        // but window 3 would start at 3*2 = 6 >= 5 + 1, so 3.
        assertEquals(3, PoolSpec.output(5, 2, 2, 1, true));
        // conv6: 3x3, pad 6, dilation 6 keeps 19.
        assertEquals(19, ConvSpec.convOutput(19, 3, 1, 6, 6));
        // D-DBPN 4x: down 8/4/2 takes 300 to 75, up takes 75 back to 300.
        assertEquals(75, ConvSpec.convOutput(300, 8, 4, 2, 1));
        assertEquals(300, ConvSpec.deconvOutput(75, 8, 4, 2, 0));
        // 8x (12/8/2): 37 -> 296, 296 -> 37; 2x (6/2/2): 150 -> 300.
        assertEquals(296, ConvSpec.deconvOutput(37, 12, 8, 2, 0));
        assertEquals(37, ConvSpec.convOutput(296, 12, 8, 2, 1));
        assertEquals(300, ConvSpec.deconvOutput(150, 6, 2, 2, 0));
    }

    @Test
    void constantDeconvolutionCountsOverlaps() {
        // All-ones 3x3 input and 3x3 kernel, stride 2, no padding -> 7x7. Along one axis output o receives input i
        // when 0 <= o - 2i <= 2: o = 0..6 gets 1,1,2,1,2,1,1 contributions; the 2-D count is the product.
        try (Scope s = Scope.open()) {
            Tensor x = B.allocate(1, 1, 3, 3).fill(1);
            Tensor w = B.allocate(1, 1, 3, 3).fill(1);
            Tensor y = B.allocate(1, 1, 7, 7);
            B.deconv2dForward(x, w, null, y, ConvSpec.of(2, 0));
            int[] axis = {1, 1, 2, 1, 2, 1, 1};
            float[] expected = new float[49];
            for (int i = 0; i < 7; i++) {
                for (int j = 0; j < 7; j++) {
                    expected[i * 7 + j] = axis[i] * axis[j];
                }
            }
            assertArrayEquals(expected, y.toFloatArray());
        }
    }

    @Test
    void convolutionByHand() {
        // 1x1x3x3 input 1..9, 2x2 kernel [[1,0],[0,-1]], stride 1, no padding, bias 0.5:
        // y[0][0] = 1 - 5 + .5 = -3.5, every output is x[i][j] - x[i+1][j+1] + .5 = -4 + .5.
        try (Scope s = Scope.open()) {
            Tensor x = B.allocate(1, 1, 3, 3).write(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
            Tensor w = B.allocate(1, 1, 2, 2).write(new float[] {1, 0, 0, -1});
            Tensor b = B.allocate(1).write(new float[] {0.5f});
            Tensor y = B.allocate(1, 1, 2, 2);
            B.conv2dForward(x, w, b, y, ConvSpec.of(1, 0));
            assertArrayEquals(new float[] {-3.5f, -3.5f, -3.5f, -3.5f}, y.toFloatArray());
            // padding 1 -> 4x4; the corner sees only x[0][0] under the kernel's -1: -1 + .5.
            Tensor yp = B.allocate(1, 1, 4, 4);
            B.conv2dForward(x, w, b, yp, ConvSpec.of(1, 1));
            assertEquals(-0.5f, yp.toFloatArray()[0]);
            assertEquals(9.5f, yp.toFloatArray()[15]);
        }
    }

    @Test
    void floatAgreesWithDouble() {
        // The float instantiation of the same templates (the production path) matches the checked double one.
        SplittableRandom rng = new SplittableRandom(7);
        try (Scope s = Scope.open()) {
            ConvSpec spec = ConvSpec.of(4, 2);
            double[] xv = dev.tdsr.testing.GradCheck.values(rng, 2 * 8 * 5 * 5, -1, 1);
            double[] wv = dev.tdsr.testing.GradCheck.values(rng, 8 * 4 * 8 * 8, -0.1, 0.1);
            Tensor xd = B.allocate(DType.F64, 2, 8, 5, 5).write(xv);
            Tensor wd = B.allocate(DType.F64, 8, 4, 8, 8).write(wv);
            Tensor yd = B.allocate(DType.F64, 2, 4, 20, 20);
            B.deconv2dForward(xd, wd, null, yd, spec);
            Tensor xf = B.allocate(2, 8, 5, 5).write(toFloat(xv));
            Tensor wf = B.allocate(8, 4, 8, 8).write(toFloat(wv));
            Tensor yf = B.allocate(2, 4, 20, 20);
            B.deconv2dForward(xf, wf, null, yf, spec);
            double[] a = yd.toDoubleArray();
            float[] b = yf.toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-5 * Math.max(1, Math.abs(a[i])), "element " + i);
            }
        }
    }

    /**
     * Wide stride-1 convolutions (C x 3x3 > 2048 rows) take their input gradient as a convolution of dy with the
     * flipped kernel instead of col2im; held against the definition, in double, plain and dilated (VGG's fc6 shape).
     */
    @Test
    void wideStrideOneInputGradientMatchesTheDefinition() {
        SplittableRandom rng = new SplittableRandom(11);
        int c = 240, m = 3, h = 7, w = 6;
        for (int[] pd : new int[][] {{1, 1}, {2, 2}, {0, 1}}) {
            int p = pd[0], d = pd[1], ho = h + 2 * p - 2 * d, wo = w + 2 * p - 2 * d;
            try (Scope s = Scope.open()) {
                double[] dyv = dev.tdsr.testing.GradCheck.values(rng, m * ho * wo, -1, 1);
                double[] wv = dev.tdsr.testing.GradCheck.values(rng, m * c * 9, -1, 1);
                Tensor dy = B.allocate(DType.F64, 1, m, ho, wo).write(dyv);
                Tensor wt = B.allocate(DType.F64, m, c, 3, 3).write(wv);
                Tensor dx = B.allocate(DType.F64, 1, c, h, w).fill(5);
                B.conv2dBackwardInput(dy, wt, dx, ConvSpec.of(1, p, d));
                double[] want = new double[c * h * w];
                for (int o = 0; o < m; o++) {
                    for (int y = 0; y < ho; y++) {
                        for (int x = 0; x < wo; x++) {
                            for (int ch = 0; ch < c; ch++) {
                                for (int i = 0; i < 3; i++) {
                                    for (int j = 0; j < 3; j++) {
                                        int ih = y - p + i * d, iw = x - p + j * d;
                                        if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                            want[(ch * h + ih) * w + iw] += wv[((o * c + ch) * 3 + i) * 3 + j]
                                                    * dyv[(o * ho + y) * wo + x];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                double[] got = dx.toDoubleArray();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-12 * Math.max(1, Math.abs(want[i])),
                            "padding " + p + ", dilation " + d + ", element " + i);
                }
            }
        }
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @Test
    void adamMatchesPyTorchFormula() {
        double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        double[] p = {0.5, -1.0, 2.0};
        double[] m = new double[3];
        double[] v = new double[3];
        double[][] grads = {{0.1, -0.2, 0.3}, {-0.05, 0.4, 0.0}, {0.2, 0.2, -0.1}};
        try (Scope s = Scope.open()) {
            Tensor param = B.allocate(DType.F64, 3).write(p.clone());
            Tensor mt = B.allocate(DType.F64, 3);
            Tensor vt = B.allocate(DType.F64, 3);
            Tensor g = B.allocate(DType.F64, 3);
            for (int t = 1; t <= grads.length; t++) {
                g.write(grads[t - 1]);
                B.adamStep(param, g, mt, vt, null, null, t, lr, b1, b2, eps, wd);
                // torch.optim.Adam (L2 weight decay added to the gradient), written out here independently.
                for (int i = 0; i < 3; i++) {
                    double gi = grads[t - 1][i] + wd * p[i];
                    m[i] = b1 * m[i] + (1 - b1) * gi;
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                    double bc1 = 1 - Math.pow(b1, t);
                    double bc2 = 1 - Math.pow(b2, t);
                    p[i] -= (lr / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
                }
            }
            assertArrayEquals(p, param.toDoubleArray(), 1e-12);
        }
    }

    /** The device-side NaN guard: finiteFlag ANDs finiteness into a flag; a 0 flag leaves params and moments as they are. */
    @Test
    void finiteFlagStopsTheOptimizerStepsWithoutAHostRead() {
        try (Scope s = Scope.open()) {
            Tensor flag = B.allocate(DType.F64, 1).fill(1);
            B.finiteFlag(B.allocate(DType.F64, 4).write(new double[] {1, -2, 0, 3e300}), flag);
            assertEquals(1.0, flag.toDoubleArray()[0]);
            Tensor param = B.allocate(DType.F64, 3).write(new double[] {0.5, -1, 2});
            Tensor m = B.allocate(DType.F64, 3).write(new double[] {0.1, 0.2, 0.3});
            Tensor v = B.allocate(DType.F64, 3).write(new double[] {0.4, 0.5, 0.6});
            Tensor g = B.allocate(DType.F64, 3).write(new double[] {0.1, Double.NaN, 0.3});
            B.adamStep(param, g, m, v, flag, null, 1, 1e-3, 0.9, 0.999, 1e-8, 0); // flag 1: the update runs (NaN and all)
            assertTrue(Double.isNaN(param.toDoubleArray()[1]));
            param.write(new double[] {0.5, -1, 2});
            m.write(new double[] {0.1, 0.2, 0.3});
            v.write(new double[] {0.4, 0.5, 0.6});
            B.finiteFlag(g, flag);
            assertEquals(0.0, flag.toDoubleArray()[0]);
            B.finiteFlag(B.allocate(DType.F64, 2), flag); // a later finite tensor does not set it back
            assertEquals(0.0, flag.toDoubleArray()[0]);
            B.adamStep(param, g, m, v, flag, null, 2, 1e-3, 0.9, 0.999, 1e-8, 0);
            B.sgdStep(param, g, m, flag, null, 0.1, 0.9, 0);
            assertArrayEquals(new double[] {0.5, -1, 2}, param.toDoubleArray());
            assertArrayEquals(new double[] {0.1, 0.2, 0.3}, m.toDoubleArray());
            assertArrayEquals(new double[] {0.4, 0.5, 0.6}, v.toDoubleArray());
            // lr and t from a device tensor give the update the arguments give
            Tensor p1 = B.allocate(DType.F64, 3).write(new double[] {0.5, -1, 2});
            Tensor p2 = B.allocate(DType.F64, 3).write(new double[] {0.5, -1, 2});
            Tensor m1 = B.allocate(DType.F64, 3), v1 = B.allocate(DType.F64, 3);
            Tensor m2 = B.allocate(DType.F64, 3), v2 = B.allocate(DType.F64, 3);
            Tensor g2 = B.allocate(DType.F64, 3).write(new double[] {0.1, -0.2, 0.3});
            Tensor hyper = B.allocate(DType.F64, 2).write(new double[] {1e-2, 4});
            B.adamStep(p1, g2, m1, v1, null, null, 4, 1e-2, 0.9, 0.999, 1e-8, 0.01);
            B.adamStep(p2, g2, m2, v2, null, hyper, -1, Double.NaN, 0.9, 0.999, 1e-8, 0.01); // args ignored
            assertArrayEquals(p1.toDoubleArray(), p2.toDoubleArray());
            assertTrue(p1.toDoubleArray()[0] != 0.5);
            B.sgdStep(p1, g2, m1, null, null, 1e-2, 0.9, 0);
            B.sgdStep(p2, g2, m2, null, hyper, Double.NaN, 0.9, 0);
            assertArrayEquals(p1.toDoubleArray(), p2.toDoubleArray());
            InvalidTensorArgumentException e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.sgdStep(param, g, m, null, B.allocate(DType.F64, 1), 0.1, 0.9, 0));
            assertTrue(e.getMessage().contains("sgd_step: hyper [1]:f64 on cpu must be f64 [2] (lr, step) on cpu"),
                    e.getMessage());
            Tensor f32 = B.allocate(DType.F32, 1);
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.sgdStep(param, g, m, f32, null, 0.1, 0.9, 0));
            assertTrue(e.getMessage().contains("sgd_step: mixed dtypes"), e.getMessage());
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.finiteFlag(g, B.allocate(DType.F64, 2)));
            assertTrue(e.getMessage().contains("finite_flag"), e.getMessage());
        }
    }

    /** The loss slots hold exactly the host-value forwards divided by the divisor; the weighted sum is sum w*x. */
    @Test
    void lossSlotsEqualTheHostValueForwards() {
        SplittableRandom r = new SplittableRandom(3);
        try (Scope s = Scope.open()) {
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                Tensor a = B.allocate(dt, 3, 5, 7);
                Tensor t = B.allocate(dt, 3, 5, 7);
                Tensor w = B.allocate(dt, 3, 5, 7);
                double[] av = r.doubles(105, -2, 2).toArray();
                double[] tv = r.doubles(105, -2, 2).toArray();
                double[] wv = r.doubles(105, 0, 1).toArray();
                write(a, av);
                write(t, tv);
                write(w, wv);
                Tensor slots = B.allocate(DType.F64, 4).fill(-7);
                B.mseForwardTo(a, t, slots, 0, 1);
                B.smoothL1ForwardTo(a, t, w, slots, 2, 3.5);
                B.weightedSumTo(a, w, slots, 3, 2);
                double[] got = slots.toDoubleArray();
                assertEquals(B.mseForward(a, t), got[0], 0.0, dt.name());
                assertEquals(-7, got[1], 0.0); // untouched
                assertEquals(B.smoothL1Forward(a, t, w) / 3.5, got[2], 0.0, dt.name());
                double[] ar = B.readDoubles(cast(a)), wr = B.readDoubles(cast(w));
                double dot = 0;
                for (int i = 0; i < ar.length; i++) {
                    dot += wr[i] * ar[i];
                }
                assertEquals(dot / 2, got[3], 1e-15 * Math.abs(dot), dt.name());
            }
            Tensor x = B.allocate(DType.F32, 4);
            InvalidTensorArgumentException e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.mseForwardTo(x, x, B.allocate(DType.F32, 2), 0, 1));
            assertTrue(e.getMessage().contains("mse_forward_to: loss slots [2] on cpu must be f64 on cpu with an element 0"),
                    e.getMessage());
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.weightedSumTo(x, x, B.allocate(DType.F64, 2), 2, 1));
            assertTrue(e.getMessage().contains("weighted_sum_to: loss slots [2]:f64 on cpu must be f64 on cpu with an element 2"), e.getMessage());
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.smoothL1ForwardTo(x, x, null, B.allocate(DType.F64, 2), 0, 0));
            assertTrue(e.getMessage().contains("divisor must be finite and non-zero"), e.getMessage());
        }
    }

    private static void write(Tensor t, double[] v) {
        if (t.dtype() == DType.F64) {
            t.write(v);
        } else {
            t.write(toFloat(v));
        }
    }

    /** An F64 copy (reads the values the op saw). */
    private static Tensor cast(Tensor t) {
        if (t.dtype() == DType.F64) {
            return t;
        }
        float[] f = B.readFloats(t);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return B.allocate(DType.F64, f.length).write(d);
    }

    @Test
    void sgdMomentumMatchesPyTorchFormula() {
        double lr = 0.1, mom = 0.9, wd = 5e-4;
        double[] p = {1.0, -2.0};
        double[] buf = new double[2];
        double[][] grads = {{0.5, 0.25}, {-1.0, 0.5}};
        try (Scope s = Scope.open()) {
            Tensor param = B.allocate(DType.F64, 2).write(p.clone());
            Tensor b = B.allocate(DType.F64, 2);
            Tensor g = B.allocate(DType.F64, 2);
            for (double[] gv : grads) {
                g.write(gv);
                B.sgdStep(param, g, b, null, null, lr, mom, wd);
                for (int i = 0; i < 2; i++) {
                    double d = gv[i] + wd * p[i];
                    buf[i] = mom * buf[i] + d; // first step: buf = d, as torch.optim.SGD
                    p[i] -= lr * buf[i];
                }
            }
            assertArrayEquals(p, param.toDoubleArray(), 1e-12);
        }
    }

    @Test
    void srganOpsRefuseBadInputInOneLine() {
        try (Scope s = Scope.open()) {
            InvalidTensorArgumentException e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.pixelShuffleForward(B.allocate(1, 6, 2, 2), B.allocate(1, 1, 4, 4), 2));
            assertTrue(e.getMessage().startsWith("pixel_shuffle_forward: input [1,6,2,2] must have a multiple of 4 "
                    + "channels"), e.getMessage());
            Tensor x = B.allocate(2, 3, 4, 4);
            Tensor c3 = B.allocate(3);
            Tensor c2 = B.allocate(2);
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.batchNormForward(x, c3, c3, c2, c3, c3, c3, B.allocate(2, 3, 4, 4), true, 0.1, 1e-5));
            assertTrue(e.getMessage().contains("batchnorm_forward") && e.getMessage().contains("running mean"),
                    e.getMessage());
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.batchNormForward(B.allocate(1, 3), c3, c3, c3, c3, c3, c3, B.allocate(1, 3), true, 0.1,
                            1e-5));
            assertTrue(e.getMessage().contains("more than one value per channel"), e.getMessage());
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.leakyReluForward(x, B.allocate(2, 3, 4, 4), 1.5));
            assertTrue(e.getMessage().equals("leaky_relu_forward: slope must be in [0,1), got 1.5"), e.getMessage());
            e = assertThrows(InvalidTensorArgumentException.class, () -> B.bceLogitsForward(x, c3));
            assertTrue(e.getMessage().startsWith("bce_logits_forward"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void badShapesNameTheOpAndTheShapes() {
        try (Scope s = Scope.open()) {
            Tensor x = B.allocate(2, 3, 5, 5);
            Tensor w = B.allocate(4, 2, 3, 3);
            Tensor y = B.allocate(2, 4, 5, 5);
            InvalidTensorArgumentException e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.conv2dForward(x, w, null, y, ConvSpec.of(1, 1)));
            assertTrue(e.getMessage().contains("conv2d_forward"), e.getMessage());
            assertTrue(e.getMessage().contains("[2,3,5,5]") && e.getMessage().contains("[4,2,3,3]"), e.getMessage());

            Tensor wOk = B.allocate(4, 3, 3, 3);
            Tensor yBad = B.allocate(2, 4, 4, 4);
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.conv2dForward(x, wOk, null, yBad, ConvSpec.of(1, 1)));
            assertTrue(e.getMessage().contains("expected [2,4,5,5]"), e.getMessage());

            Tensor dw = B.allocate(3, 2, 8, 8);
            Tensor dyBad = B.allocate(2, 2, 17, 17);
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.deconv2dForward(B.allocate(2, 3, 3, 3), dw, null, dyBad, ConvSpec.of(4, 2)));
            assertTrue(e.getMessage().contains("deconv2d_forward") && e.getMessage().contains("[2,2,17,17]"),
                    e.getMessage());

            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.maxPool2dForward(x, B.allocate(2, 3, 2, 2), PoolSpec.of(2, 2, 0, true)));
            assertTrue(e.getMessage().contains("maxpool2d_forward") && e.getMessage().contains("expected [2,3,3,3]"),
                    e.getMessage());

            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.add(x, B.allocate(2, 3, 5), B.allocate(2, 3, 5, 5)));
            assertTrue(e.getMessage().startsWith("add:"), e.getMessage());

            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.conv2dForward(x, B.allocate(DType.F64, 4, 3, 3, 3), null, y, ConvSpec.of(1, 1)));
            assertTrue(e.getMessage().contains("mixed dtypes"), e.getMessage());

            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.crop2dForward(B.allocate(1, 3, 4, 4), B.allocate(1, 3, 3, 3), 2, 0));
            assertTrue(e.getMessage().contains("crop2d_forward: window [1,3,3,3] at (2,0) does not fit in [1,3,4,4]"),
                    e.getMessage());

            Tensor labels = B.allocate(DType.I32, 2).write(new int[] {0, 9});
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.softmaxCrossEntropyForward(B.allocate(2, 5), labels, B.allocate(2)));
            assertTrue(e.getMessage().contains("label 9 of row 1"), e.getMessage());
        }
    }

    /**
     * The flagged cross-entropies (a captured step's): no exception on a bad label, the first bad row in the flag
     * slot (-1 when none), the other rows as the unflagged op computes them, the bad rows untouched.
     */
    @Test
    void flaggedCrossEntropyRecordsTheFirstBadRowInsteadOfFailing() {
        try (Scope s = Scope.open()) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(4);
            Tensor logits = dev.tdsr.testing.GradCheck.random(B, DType.F32, r, -2, 2, 5, 4);
            Tensor good = B.allocate(DType.I32, 5).write(new int[] {0, 3, 1, 2, 0});
            Tensor weight = dev.tdsr.testing.GradCheck.random(B, DType.F32, r, 0, 1, 5);
            Tensor flags = B.allocate(DType.F64, 3).fill(7);
            Tensor loss = B.allocate(5), ref = B.allocate(5), d = B.allocate(5, 4), dRef = B.allocate(5, 4);
            B.softmaxCrossEntropyForward(logits, good, loss, flags, 0);
            B.softmaxCrossEntropyBackward(logits, good, weight, d, flags, 2);
            B.softmaxCrossEntropyForward(logits, good, ref);
            B.softmaxCrossEntropyBackward(logits, good, weight, dRef);
            assertArrayEquals(new double[] {-1, 7, -1}, flags.toDoubleArray());
            assertArrayEquals(ref.toFloatArray(), loss.toFloatArray());
            assertArrayEquals(dRef.toFloatArray(), d.toFloatArray());

            Tensor bad = B.allocate(DType.I32, 5).write(new int[] {0, 3, 4, 2, -1}); // rows 2 and 4 are outside [0,4)
            loss.fill(-5);
            d.fill(-5);
            B.softmaxCrossEntropyForward(logits, bad, loss, flags, 1);
            B.softmaxCrossEntropyBackward(logits, bad, weight, d, flags, 2);
            assertArrayEquals(new double[] {-1, 2, 2}, flags.toDoubleArray());
            float[] lv = loss.toFloatArray(), rv = ref.toFloatArray();
            float[] dv = d.toFloatArray(), drv = dRef.toFloatArray();
            for (int row = 0; row < 5; row++) {
                boolean skipped = row == 2 || row == 4;
                assertEquals(skipped ? -5f : rv[row], lv[row], "row " + row);
                for (int c = 0; c < 4; c++) {
                    assertEquals(skipped ? -5f : drv[row * 4 + c], dv[row * 4 + c], "row " + row + " class " + c);
                }
            }
            InvalidTensorArgumentException e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.softmaxCrossEntropyForward(logits, good, loss, B.allocate(DType.F32, 1), 0));
            assertTrue(e.getMessage().startsWith("softmax_xent_forward_flagged: label flags"), e.getMessage());
        }
    }

    /** scaleBy: y = factor[0] * x with the factor read from a tensor, in place too (the affine's + 0 makes -0 +0). */
    @Test
    void scaleByReadsItsFactorFromATensor() {
        try (Scope s = Scope.open()) {
            Tensor x = B.allocate(2, 3).write(new float[] {1, -2, 3, 0.5f, 0, -7});
            Tensor f = B.allocate(1).write(new float[] {-1.5f});
            Tensor y = B.allocate(2, 3);
            B.scaleBy(x, f, y);
            assertArrayEquals(new float[] {-1.5f, 3, -4.5f, -0.75f, 0f, 10.5f}, y.toFloatArray());
            B.scaleBy(x, f, x);
            assertArrayEquals(y.toFloatArray(), x.toFloatArray());
        }
    }

    @Test
    void finiteCheckAndSum() {
        try (Scope s = Scope.open()) {
            Tensor t = B.allocate(4).write(new float[] {1, 2, 3, 4});
            assertEquals(10.0, B.sum(t));
            assertTrue(B.allFinite(t));
            t.write(new float[] {1, Float.NaN, 3, 4});
            assertFalse(B.allFinite(t));
        }
    }

    /**
     * The D-DBPN 4x projection layers on a team of threads (the GEMM cores' slices) against one thread. The GEMM cores
     * are forced: AUTO runs these float layers through oneDNN, whose kernels block differently per thread count (its
     * team is held against our cores in OneDnnConvTest).
     */
    @Test
    void aThreadTeamGivesTheOneThreadResult() {
        int before = Engine.threads();
        try {
            Engine.setConvAlgorithm(Engine.ConvAlgorithm.GEMM);
            float[][] one = convPasses(1), team = convPasses(2);
            assertCloseToOneThread(one, team);
        } finally {
            Engine.setConvAlgorithm(Engine.ConvAlgorithm.AUTO);
            Engine.setThreads(before);
        }
    }

    /**
     * A batch of 4 gives every conv core (forward, input gradient by col2im, weight gradient) enough (image, tile)
     * jobs for a 2-thread team to run whole tiles per thread (one parallel region per pass); held against the
     * one-thread result, and two team runs against each other bit for bit.
     */
    @Test
    void aTeamOverImagesAndTilesGivesTheOneThreadResult() {
        int before = Engine.threads();
        try {
            Engine.setConvAlgorithm(Engine.ConvAlgorithm.GEMM); // the GEMM cores' teams (see above)
            float[][] one = batchPasses(1), team = batchPasses(2), again = batchPasses(2);
            for (int k = 0; k < one.length; k++) {
                assertArrayEquals(team[k], again[k], "pass " + k + ": two runs on 2 threads differ");
            }
            assertCloseToOneThread(one, team);
        } finally {
            Engine.setConvAlgorithm(Engine.ConvAlgorithm.AUTO);
            Engine.setThreads(before);
        }
    }

    /** Each pass of a 2-thread team within float rounding of the one-thread result (the sums group differently). */
    private static void assertCloseToOneThread(float[][] one, float[][] team) {
        for (int k = 0; k < one.length; k++) {
            for (int i = 0; i < one[k].length; i++) {
                float e = one[k][i], a = team[k][i];
                final int pass = k, at = i;
                assertTrue(Math.abs(e - a) <= 1e-5f * Math.max(1f, Math.abs(e)),
                        () -> "pass " + pass + " [" + at + "]: 1 thread " + e + ", 2 threads " + a);
            }
        }
    }

    private static float[][] batchPasses(int threads) {
        Engine.setThreads(threads);
        SplittableRandom r = new SplittableRandom(9);
        try (Scope s = Scope.open()) {
            ConvSpec spec = ConvSpec.of(1, 1);
            Tensor x = B.allocate(4, 8, 24, 24).write(floats(r, 4 * 8 * 576));
            Tensor w = B.allocate(6, 8, 3, 3).write(floats(r, 6 * 8 * 9));
            Tensor dy = B.allocate(4, 6, 24, 24).write(floats(r, 4 * 6 * 576));
            Tensor y = B.allocate(4, 6, 24, 24), dw = B.allocate(6, 8, 3, 3).fill(0.25), dx = B.allocate(4, 8, 24, 24);
            B.conv2dForward(x, w, null, y, spec);
            B.conv2dBackwardParams(dy, x, dw, null, spec);   // accumulates onto the 0.25 already there
            B.deconv2dBackwardInput(y, w.reshape(8, 6, 3, 3), dx, spec);
            Tensor dxc = B.allocate(4, 8, 24, 24).fill(7), up = B.allocate(4, 8, 24, 24);
            B.conv2dBackwardInput(dy, w, dxc, spec);        // overwrites the 7s
            B.deconv2dForward(dy, w, null, up, spec);
            return new float[][] {B.readFloats(y), B.readFloats(dw), B.readFloats(dx), B.readFloats(dxc),
                B.readFloats(up)};
        }
    }

    private static float[][] convPasses(int threads) {
        Engine.setThreads(threads);
        SplittableRandom r = new SplittableRandom(5);
        try (Scope s = Scope.open()) {
            ConvSpec spec = ConvSpec.of(4, 2);
            Tensor x = B.allocate(1, 32, 40, 40).write(floats(r, 32 * 40 * 40));
            Tensor w = B.allocate(32, 32, 8, 8).write(floats(r, 32 * 32 * 64));
            Tensor y = B.allocate(1, 32, 10, 10), dx = B.allocate(1, 32, 40, 40), dw = B.allocate(32, 32, 8, 8);
            Tensor up = B.allocate(1, 32, 40, 40), dy = B.allocate(1, 32, 10, 10).write(floats(r, 32 * 100));
            B.conv2dForward(x, w, null, y, spec);
            B.conv2dBackwardInput(dy, w, dx, spec);
            B.conv2dBackwardParams(dy, x, dw, null, spec);
            B.deconv2dForward(dy, w, null, up, spec);
            return new float[][] {B.readFloats(y), B.readFloats(dx), B.readFloats(dw), B.readFloats(up)};
        }
    }

    private static float[] floats(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        return v;
    }
}
