package dev.tdsr.models;

/** torchvision's VGG19 feature trunk; {@code width} multiplies every channel count (1 = the original, as SsdConfig). */
public record Vgg19Config(double width) {
    public Vgg19Config {
        if (!(width > 0 && width <= 1)) {
            throw new IllegalArgumentException("Vgg19Config.width: expected a multiplier in (0, 1], got " + width);
        }
    }

    /** The ImageNet network (20,024,384 parameters up to conv5_4). */
    public static Vgg19Config original() {
        return new Vgg19Config(1);
    }

    /** Channels of an original layer with {@code c} channels. */
    public int ch(int c) {
        return Math.max(1, (int) Math.round(c * width));
    }
}
