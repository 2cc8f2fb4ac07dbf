package dev.tdsr.models;

/**
 * D-DBPN hyper-parameters: scale 2, 4 or 8; base channels (64 in the original) carried between projection units;
 * feat channels (256) of the first 3x3 feature layer; stages T (7 for the released DBPN_x*.pth); residual: the output
 * is added to the bicubic upscaling of the input (DBPN-PyTorch 2019's {@code --residual}; false for the released
 * DBPN_x*.pth, dbpn.md section 1), so a short training starts from bicubic quality instead of from noise.
 */
public record DbpnConfig(int scale, int base, int feat, int stages, boolean residual) {
    public DbpnConfig {
        if (scale != 2 && scale != 4 && scale != 8) {
            throw new IllegalArgumentException("DbpnConfig.scale: expected 2, 4 or 8, got " + scale);
        }
        if (base < 1 || feat < 1) {
            throw new IllegalArgumentException("DbpnConfig.base/feat: expected positive channel counts, got " + base
                    + "/" + feat);
        }
        if (stages < 2) {
            throw new IllegalArgumentException("DbpnConfig.stages: expected at least 2, got " + stages);
        }
    }

    /** Without the bicubic residual, as the released checkpoints. */
    public DbpnConfig(int scale, int base, int feat, int stages) {
        this(scale, base, feat, stages, false);
    }

    /** The released D-DBPN: base 64, feat 256, T = 7. */
    public static DbpnConfig original(int scale) {
        return new DbpnConfig(scale, 64, 256, 7);
    }

    /** The built-in study's (train --size small): base 8, feat 32, T = 2, with the bicubic residual. */
    public static DbpnConfig small(int scale) {
        return new DbpnConfig(scale, 8, 32, 2, true);
    }

    /** Projection kernel: 6, 8, 12 for scale 2, 4, 8. */
    public int kernel() {
        return switch (scale) {
            case 2 -> 6;
            case 4 -> 8;
            default -> 12;
        };
    }

    /** Projection stride = scale. */
    public int stride() {
        return scale;
    }

    /** Projection padding: 2 at every scale. */
    public int padding() {
        return 2;
    }

    /** Parameter count from the layer table (no allocation): what {@code new Dbpn(...)} declares. */
    public long parameterCount() {
        long b = base;
        long k = kernel();
        long projections = (2L * stages - 1) * 3 * (b * b * k * k + b + 1);
        long bottlenecks = 0;
        for (int n = 2; n < stages; n++) {
            bottlenecks += 2 * (n * b * b + b + 1); // D_Down(n) and D_Up(n)
        }
        long feat0 = 3L * feat * 9 + feat + 1;
        long feat1 = (long) feat * b + b + 1;
        long output = stages * b * 3 * 9 + 3;
        return feat0 + feat1 + projections + bottlenecks + output;
    }
}
