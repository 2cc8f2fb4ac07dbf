package dev.tdsr.models;

/**
 * SRResNet / SRGAN generator hyper-parameters (Ledig et al., CVPR 2017, Fig. 4): scale 2, 4 or 8 (one x2 sub-pixel
 * stage per factor of 2); channels of the trunk (64 in the paper); residual blocks (16 in the paper); residual: add
 * the bicubic upscaling of the input to the output (false in the paper; as D-DBPN's {@code residual}, so that a short
 * CPU training starts from bicubic quality instead of from noise).
 */
public record SrResNetConfig(int scale, int channels, int blocks, boolean residual) {
    public SrResNetConfig {
        if (scale != 2 && scale != 4 && scale != 8) {
            throw new IllegalArgumentException("SrResNetConfig.scale: expected 2, 4 or 8, got " + scale);
        }
        if (channels < 1 || blocks < 1) {
            throw new IllegalArgumentException("SrResNetConfig.channels/blocks: expected positive counts, got "
                    + channels + "/" + blocks);
        }
    }

    /** Without the bicubic residual, as the paper. */
    public SrResNetConfig(int scale, int channels, int blocks) {
        this(scale, channels, blocks, false);
    }

    /** The paper's generator: 64 channels, 16 residual blocks. */
    public static SrResNetConfig original(int scale) {
        return new SrResNetConfig(scale, 64, 16);
    }

    /** Number of x2 sub-pixel stages: log2(scale). */
    public int upsamplingStages() {
        return Integer.numberOfTrailingZeros(scale);
    }

    /**
     * Parameter count from the layer table (no allocation): what {@code new SrResNet(...)} declares. Convolutions
     * followed by batch norm have no bias (the norm's beta replaces it); PReLUs have one shared slope.
     */
    public long parameterCount() {
        long c = channels;
        long head = 9 * 9 * 3 * c + c + 1;                 // conv 9x9 + bias, PReLU
        long block = 2 * (9 * c * c + 2 * c) + 1;          // 2 x (conv 3x3, BN), PReLU
        long trunkEnd = 9 * c * c + 2 * c;                 // conv 3x3, BN
        long upsample = 9 * c * 4 * c + 4 * c + 1;         // conv 3x3 c->4c + bias, PReLU
        long tail = 9 * 9 * c * 3 + 3;                     // conv 9x9 + bias
        return head + blocks * block + trunkEnd + upsamplingStages() * upsample + tail;
    }
}
