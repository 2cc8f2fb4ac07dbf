package dev.tdsr.api;

/**
 * Rows {@code [firstRow, firstRow + rows)} of an upscaled image of {@code width x height} pixels, as
 * {@link SuperResolver#upscale(java.awt.image.BufferedImage, SuperResolver.BandSink)} streams it: {@code rgb} is the
 * network's output, planar [3][rows][width], NOT clamped; {@code alpha} is [rows][width] in [0,1], or null when the
 * input is opaque.
 */
public record UpscaledBand(int firstRow, int rows, int width, int height, float[] rgb, float[] alpha) {
    /** Row {@code y} of the band (0-based within it) as packed 8-bit sRGB, each value clipped and rounded. */
    public int[] argbRow(int y) {
        int[] row = new int[width];
        int plane = rows * width;
        for (int x = 0; x < width; x++) {
            int i = y * width + x;
            int a = alpha != null ? RgbPlanes.level(alpha[i]) : 255;
            row[x] = a << 24 | RgbPlanes.level(rgb[i]) << 16 | RgbPlanes.level(rgb[plane + i]) << 8
                    | RgbPlanes.level(rgb[2 * plane + i]);
        }
        return row;
    }
}
