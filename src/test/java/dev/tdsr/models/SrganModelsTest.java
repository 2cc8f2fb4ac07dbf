package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.GradCheck;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** SRResNet and the SRGAN discriminator: published sizes, shapes, modes, and gradients of small variants. */
class SrganModelsTest {
    private final SplittableRandom rnd = new SplittableRandom(5);

    /**
     * Ledig et al. (CVPR 2017) Fig. 4, 16 residual blocks of 64 channels. Convolutions followed by batch norm carry no
     * bias (the norm's beta replaces it), PReLUs one shared slope:
     * <pre>
     *   conv1 9x9 3->64 + bias, PReLU          9*9*3*64 + 64 + 1                 =    15,617
     *   16 residual blocks, each               2 * (3*3*64*64 + 2*64) + 1 = 73,985 -> 1,183,760
     *   conv2 3x3 64->64, BN                   3*3*64*64 + 2*64                  =    36,992
     *   per x2 stage: conv 3x3 64->256 + bias, PReLU   3*3*64*256 + 256 + 1      =   147,713
     *   conv3 9x9 64->3 + bias                 9*9*64*3 + 3                      =    15,555
     *   x4 (2 stages): 15,617 + 1,183,760 + 36,992 + 2 * 147,713 + 15,555        = 1,547,350
     *   x8 (3 stages): 1,547,350 + 147,713                                       = 1,695,063
     * </pre>
     */
    @Test
    void generatorOfThePaper() {
        assertEquals(1_547_350, SrResNetConfig.original(4).parameterCount());
        assertEquals(1_695_063, SrResNetConfig.original(8).parameterCount());
        try (SrResNet g = new SrResNet(SrResNetConfig.original(4), GradCheck.cpu(), DType.F32, 1)) {
            assertEquals(1_547_350, g.parameters().count());
            assertEquals(16 * 2 * 2 * 64 + 2 * 64, g.buffers().count()); // running mean + var of 33 norms
            assertArrayEquals(new long[] {64, 64, 3, 3}, g.parameters().get("blocks.15.conv2.weight").shape());
            assertArrayEquals(new long[] {256, 64, 3, 3}, g.parameters().get("upsample.1.conv.weight").shape());
            assertArrayEquals(new long[] {64}, g.buffers().get("bn2.running_var").shape());
            assertThrows(IllegalArgumentException.class, () -> g.parameters().get("blocks.0.conv1.bias"));
        }
        try (SrResNet g = new SrResNet(SrResNetConfig.original(8), GradCheck.cpu(), DType.F32, 1)) {
            assertEquals(1_695_063, g.parameters().count());
        }
    }

    /**
     * The discriminator of Fig. 4 on 96x96 crops: the first conv with bias and no norm, the other seven without bias
     * and with batch norm (gamma + beta); 96 / 2^4 = 6, so dense1 sees 512*6*6 = 18,432 inputs:
     * <pre>
     *   conv 3->64 s1 + bias          3*3*3*64 + 64         =     1,792
     *   64->64 s2, BN                 36,864 + 128          =    36,992
     *   64->128 s1, BN                73,728 + 256          =    73,984
     *   128->128 s2, BN               147,456 + 256         =   147,712
     *   128->256 s1, BN               294,912 + 512         =   295,424
     *   256->256 s2, BN               589,824 + 512         =   590,336
     *   256->512 s1, BN               1,179,648 + 1,024     = 1,180,672
     *   512->512 s2, BN               2,359,296 + 1,024     = 2,360,320
     *   dense1 18,432->1,024 + bias   18,874,368 + 1,024    = 18,875,392
     *   dense2 1,024->1 + bias        1,024 + 1             =      1,025
     *   total                                               = 23,563,649
     * </pre>
     */
    @Test
    void discriminatorOfThePaper() {
        DiscriminatorConfig c = DiscriminatorConfig.original();
        assertEquals(18_432, c.flattened());
        assertEquals(23_563_649, c.parameterCount());
        try (SrganDiscriminator d = new SrganDiscriminator(c, GradCheck.cpu(), DType.F32, 1)) {
            assertEquals(23_563_649, d.parameters().count());
            assertArrayEquals(new long[] {1024, 18_432}, d.parameters().get("dense1.weight").shape());
            assertArrayEquals(new long[] {1}, d.parameters().get("dense2.bias").shape());
            assertThrows(IllegalArgumentException.class, () -> d.parameters().get("features.1.conv.bias"));
        }
        assertThrows(IllegalArgumentException.class, () -> new DiscriminatorConfig(64, 1024, 90));
    }

    @Test
    void shapesAndModes() {
        try (SrResNet g = new SrResNet(new SrResNetConfig(8, 4, 1), GradCheck.cpu(), DType.F32, 2);
             Scope s = Scope.open()) {
            Tensor lr = GradCheck.random(GradCheck.cpu(), DType.F32, rnd, 0, 1, 2, 3, 5, 4);
            assertArrayEquals(new long[] {2, 3, 40, 32}, g.forward(lr).shape());
            // training mode moves the running statistics, inference mode reads them and leaves them
            double[] before = HostDoubles.read(g.buffers().slab());
            g.forward(lr);
            double[] trained = HostDoubles.read(g.buffers().slab());
            assertNotEquals(before[0], trained[0]);
            g.setTraining(false);
            float[] a = g.forward(lr).toFloatArray();
            float[] b = g.forward(lr).toFloatArray();
            assertArrayEquals(a, b);
            assertArrayEquals(trained, HostDoubles.read(g.buffers().slab()));
        }
        try (SrganDiscriminator d = new SrganDiscriminator(new DiscriminatorConfig(2, 4, 32), GradCheck.cpu(),
                DType.F32, 3); Scope s = Scope.open()) {
            Tensor crop = GradCheck.random(GradCheck.cpu(), DType.F32, rnd, 0, 1, 3, 3, 32, 32);
            assertArrayEquals(new long[] {3, 1}, d.forward(crop).shape());
            Tensor wrong = GradCheck.random(GradCheck.cpu(), DType.F32, rnd, 0, 1, 3, 3, 48, 48);
            assertThrows(IllegalArgumentException.class, () -> d.forward(wrong));
        }
    }

    @Test
    void generatorGradients() {
        for (boolean residual : new boolean[] {false, true}) {
            try (SrResNet g = new SrResNet(new SrResNetConfig(4, 3, 2, residual), GradCheck.cpu(), DType.F64, 4)) {
                GradCheck.randomize(g.parameters(), rnd, -0.5, 0.5);
                GradCheck.checkLayer("srresnet x4 (training mode" + (residual ? ", bicubic residual)" : ")"), g,
                        g.parameters(), GradCheck.random(rnd, 0, 1, 2, 3, 3, 3), 60, 31);
            }
        }
    }

    @Test
    void discriminatorGradients() {
        try (SrganDiscriminator d = new SrganDiscriminator(new DiscriminatorConfig(2, 3, 16), GradCheck.cpu(),
                DType.F64, 5)) {
            GradCheck.randomize(d.parameters(), rnd, -0.5, 0.5);
            GradCheck.checkLayer("srgan discriminator (training mode)", d, d.parameters(),
                    GradCheck.random(rnd, 0, 1, 3, 3, 16, 16), 60, 32);
        }
    }
}
