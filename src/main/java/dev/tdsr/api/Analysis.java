package dev.tdsr.api;

import java.util.List;

/**
 * A detector's full answer for one image: the decoded detections and the head outputs they were decoded from, in
 * prior order: {@code loc} [priors,4] (dx,dy,dw,dh encoded against the priors) and {@code conf} [priors,classes] raw
 * logits (before softmax), both row-major.
 */
public record Analysis(List<DetectedObject> detections, int priors, int classes, float[] loc, float[] conf) {}
