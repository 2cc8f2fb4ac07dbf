package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.data.Bicubic;
import dev.tdsr.data.Image;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.GradCheck;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** D-DBPN with the bicubic global residual (DbpnConfig.residual). */
class DbpnResidualTest {
    private final SplittableRandom rnd = new SplittableRandom(7);

    @Test
    void batchUpscaleEqualsImresizeOnEveryImage() {
        for (int factor : new int[] {2, 4, 8}) {
            int w = 7;
            int h = 5;
            double[] values = new double[2 * 3 * h * w];
            for (int i = 0; i < values.length; i++) {
                values[i] = rnd.nextDouble();
            }
            try (BicubicUpscale upscale = new BicubicUpscale(factor); Scope s = Scope.open()) {
                Tensor x = HostDoubles.of(GradCheck.cpu(), DType.F32, values, 2, 3, h, w);
                float[] up = upscale.forward(x).toFloatArray();
                int plane = 3 * h * w * factor * factor;
                assertEquals(2 * plane, up.length);
                for (int n = 0; n < 2; n++) {
                    float[] image = new float[3 * h * w];
                    for (int i = 0; i < image.length; i++) {
                        image[i] = (float) values[n * image.length + i];
                    }
                    float[] expected = Bicubic.resize(new Image(w, h, image), w * factor, h * factor).data();
                    float[] actual = java.util.Arrays.copyOfRange(up, n * plane, (n + 1) * plane);
                    assertArrayEquals(expected, actual, 1e-5f, "x" + factor + " image " + n);
                }
            }
        }
    }

    @Test
    void matricesAreUploadedOncePerSizeAndGiveTheSameNumbers() {
        double[] small = rnd.doubles(3 * 5 * 7).toArray();
        double[] other = rnd.doubles(3 * 6 * 4).toArray();
        double[] dy = rnd.doubles(3 * 20 * 28).toArray();
        try (BicubicUpscale cached = new BicubicUpscale(4)) {
            float[] first;
            float[] firstBack;
            try (Scope s = Scope.open()) {
                first = cached.forward(HostDoubles.of(GradCheck.cpu(), DType.F32, small, 1, 3, 5, 7)).toFloatArray();
                firstBack = cached.backward(HostDoubles.of(GradCheck.cpu(), DType.F32, dy, 1, 3, 20, 28))
                        .toFloatArray();
            }
            assertEquals(4, cached.cachedMatrices(), "Wy, Wx^T, Wy^T, Wx of a 5x7 input, kept past the step's scope");
            for (int step = 0; step < 2; step++) {
                try (Scope s = Scope.open()) {
                    Tensor x = HostDoubles.of(GradCheck.cpu(), DType.F32, small, 1, 3, 5, 7);
                    assertArrayEquals(first, cached.forward(x).toFloatArray(), 0f);
                    Tensor g = HostDoubles.of(GradCheck.cpu(), DType.F32, dy, 1, 3, 20, 28);
                    assertArrayEquals(firstBack, cached.backward(g).toFloatArray(), 0f);
                }
            }
            assertEquals(4, cached.cachedMatrices(), "the same size again uploads nothing");
            try (BicubicUpscale fresh = new BicubicUpscale(4); Scope s = Scope.open()) {
                Tensor x = HostDoubles.of(GradCheck.cpu(), DType.F32, other, 1, 3, 6, 4);
                assertArrayEquals(fresh.forward(x).toFloatArray(), cached.forward(x).toFloatArray(), 0f);
            }
            assertEquals(6, cached.cachedMatrices(), "a 6x4 input needs its own Wy (6) and Wx^T (4)");
            try (Scope outer = Scope.open()) { // made inside nested scopes: freed with the outer one, then made again
                try (Scope inner = Scope.open()) {
                    cached.forward(HostDoubles.of(GradCheck.cpu(), DType.F64, small, 1, 3, 5, 7));
                }
                assertEquals(8, cached.cachedMatrices());
            }
            assertEquals(6, cached.cachedMatrices());
            try (Scope s = Scope.open()) {
                Tensor x = HostDoubles.of(GradCheck.cpu(), DType.F32, small, 1, 3, 5, 7);
                assertArrayEquals(first, cached.forward(x).toFloatArray(), 0f);
            }
        }
    }

    @Test
    void residualOutputIsThePlainOutputPlusTheBicubicUpscale() {
        Dbpn plain = new Dbpn(new DbpnConfig(4, 3, 4, 2), GradCheck.cpu(), DType.F64, 3);
        Dbpn residual = new Dbpn(new DbpnConfig(4, 3, 4, 2, true), GradCheck.cpu(), DType.F64, 3);
        try (BicubicUpscale upscale = new BicubicUpscale(4); Scope s = Scope.open()) {
            Tensor lr = GradCheck.random(rnd, 0, 1, 1, 3, 4, 5);
            double[] a = HostDoubles.read(plain.forward(lr));
            double[] b = HostDoubles.read(residual.forward(lr));
            double[] bicubic = HostDoubles.read(upscale.forward(lr));
            double maxBicubic = 0;
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i] + bicubic[i], b[i], 1e-12);
                maxBicubic = Math.max(maxBicubic, Math.abs(bicubic[i]));
            }
            assertTrue(maxBicubic > 0.5, "the bicubic term is the image, not zero");
        }
        plain.close();
        residual.close();
    }

    @Test
    void residualNetworkGradientIncludesTheUpscalesAdjoint() {
        Dbpn net = new Dbpn(new DbpnConfig(2, 2, 3, 2, true), GradCheck.cpu(), DType.F64, 5);
        GradCheck.randomize(net.parameters(), rnd, -0.4, 0.4);
        GradCheck.checkLayer("dbpn+bicubic", net, net.parameters(), GradCheck.random(rnd, 0, 1, 1, 3, 4, 3), 12, 9);
        net.close();
    }
}
