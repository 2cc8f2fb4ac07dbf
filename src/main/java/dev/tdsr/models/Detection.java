package dev.tdsr.models;

/** One detected box: image index in the batch, class index (1..C-1, 0 = background never appears), score, corners in pixels. */
public record Detection(int image, int classIndex, double score, double x1, double y1, double x2, double y2) {}
