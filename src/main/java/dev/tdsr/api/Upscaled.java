package dev.tdsr.api;

import java.awt.image.BufferedImage;

/**
 * An upscaled image: the 8-bit {@code image} and the network's output {@code raw} it was made from, planar RGB
 * [3,height,width], NOT clamped to [0,1].
 */
public record Upscaled(BufferedImage image, int width, int height, float[] raw) {}
