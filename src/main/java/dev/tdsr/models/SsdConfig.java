package dev.tdsr.models;

import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.PoolSpec;

/**
 * SSD300-VGG16 hyper-parameters. {@code width} multiplies every channel count (1 = the original; small values give
 * toy networks for gradient checks); {@code inputSize} is the square input side (300 originally; the extras' unpadded
 * 3x3 convs need about 270 or more); {@code priors} chooses the VOC or COCO prior sizes; {@code bgr} says the network
 * expects BGR channels (means 104,117,123 in that order) instead of RGB (123,117,104) — ssd.pytorch since a62fb84
 * feeds RGB (spec ssd300.md section 1).
 */
public record SsdConfig(int inputSize, double width, int numClasses, PriorBoxes.Sizes priors, boolean bgr) {
    public SsdConfig {
        if (width <= 0 || width > 1) {
            throw new IllegalArgumentException("SsdConfig.width: expected a multiplier in (0, 1], got " + width);
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("SsdConfig.numClasses: expected at least 2 (background + 1), got "
                    + numClasses);
        }
        int[] maps = featureMaps(inputSize);
        for (int m : maps) {
            if (m < 1) {
                throw new IllegalArgumentException("SsdConfig.inputSize: " + inputSize
                        + " leaves an empty feature map (sizes " + java.util.Arrays.toString(maps)
                        + "); use about 270 or more");
            }
        }
    }

    /** ssd.pytorch's VOC model: 300x300 RGB, 21 classes. */
    public static SsdConfig voc() {
        return new SsdConfig(300, 1.0, 21, PriorBoxes.Sizes.VOC, false);
    }

    /** The channel multiplier of the built-in study's detector (train --size small). */
    public static final double SMALL_WIDTH = 0.125;

    /** The built-in study's detector: width 1/8, VOC priors, {@code numClasses} including the background. */
    public static SsdConfig small(int numClasses) {
        return new SsdConfig(300, SMALL_WIDTH, numClasses, PriorBoxes.Sizes.VOC, false);
    }

    /** COCO: 81 classes (ssd.pytorch's config says 201, a bug), COCO prior sizes. */
    public static SsdConfig coco() {
        return new SsdConfig(300, 1.0, 81, PriorBoxes.Sizes.COCO, false);
    }

    /** Channels of an original layer with {@code c} channels. */
    public int ch(int c) {
        return Math.max(1, (int) Math.round(c * width));
    }

    /** Boxes per location of the six sources. */
    public static final int[] BOXES = {4, 6, 6, 6, 4, 4};

    /** Side of the six source maps (38, 19, 10, 5, 3, 1 at 300), from the layers' size arithmetic. */
    public int[] featureMaps() {
        return featureMaps(inputSize);
    }

    static int[] featureMaps(int input) {
        long s = input;
        s = PoolSpec.output(s, 2, 2, 0, false);        // pool1
        s = PoolSpec.output(s, 2, 2, 0, false);        // pool2
        long m0 = PoolSpec.output(s, 2, 2, 0, true);   // pool3 (ceil) -> conv4_3
        long m1 = PoolSpec.output(m0, 2, 2, 0, false); // pool4; pool5, conv6, conv7 keep the size
        long m2 = ConvSpec.convOutput(m1, 3, 2, 1, 1);
        long m3 = ConvSpec.convOutput(m2, 3, 2, 1, 1);
        long m4 = ConvSpec.convOutput(m3, 3, 1, 0, 1);
        long m5 = ConvSpec.convOutput(m4, 3, 1, 0, 1);
        return new int[] {(int) m0, (int) m1, (int) m2, (int) m3, (int) m4, (int) m5};
    }

    public PriorBoxes.Spec priorSpec() {
        return PriorBoxes.Spec.of(priors, inputSize, featureMaps());
    }
}
