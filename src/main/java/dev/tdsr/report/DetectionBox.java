package dev.tdsr.report;

/** A detection to draw: class name, score, and corners in the pixels of the image it is drawn on. */
public record DetectionBox(String className, double score, double x1, double y1, double x2, double y2) {}
