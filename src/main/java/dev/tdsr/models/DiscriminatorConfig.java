package dev.tdsr.models;

/**
 * SRGAN discriminator hyper-parameters (Ledig et al., Fig. 4): channels of the first block (64 in the paper; the
 * eight convolutions have c, c, 2c, 2c, 4c, 4c, 8c, 8c), units of the hidden dense layer (1024) and the side of the
 * square crops it judges (96 in the paper; a multiple of 16, since four convolutions have stride 2).
 */
public record DiscriminatorConfig(int channels, int dense, int crop) {
    public DiscriminatorConfig {
        if (channels < 1 || dense < 1) {
            throw new IllegalArgumentException("DiscriminatorConfig.channels/dense: expected positive counts, got "
                    + channels + "/" + dense);
        }
        if (crop < 16 || crop % 16 != 0) {
            throw new IllegalArgumentException("DiscriminatorConfig.crop: expected a multiple of 16 (>= 16), got "
                    + crop);
        }
    }

    /** The paper's discriminator: 64 channels, dense 1024, 96x96 crops. */
    public static DiscriminatorConfig original() {
        return new DiscriminatorConfig(64, 1024, 96);
    }

    /** Output channels of the eight convolutions. */
    public int[] convChannels() {
        int c = channels;
        return new int[] {c, c, 2 * c, 2 * c, 4 * c, 4 * c, 8 * c, 8 * c};
    }

    /** Strides of the eight convolutions. */
    public static int stride(int conv) {
        return conv % 2 == 1 ? 2 : 1;
    }

    /** Inputs of the first dense layer: 8c maps of crop/16 x crop/16. */
    public long flattened() {
        long side = crop / 16;
        return 8L * channels * side * side;
    }

    /**
     * Parameter count from the layer table: the first convolution with bias (no batch norm), the other seven without
     * bias and with batch norm (gamma, beta), then dense(flattened -> dense) and dense(dense -> 1) with biases.
     */
    public long parameterCount() {
        int[] ch = convChannels();
        long n = 9L * 3 * ch[0] + ch[0];
        for (int i = 1; i < 8; i++) {
            n += 9L * ch[i - 1] * ch[i] + 2L * ch[i];
        }
        return n + flattened() * dense + dense + dense + 1;
    }
}
