package dev.tdsr.train;

/**
 * One line of {@code metrics.jsonl}: the loss parts of step {@code step} (1-based, = updates done), already divided
 * by N for loc/conf; {@code loss} = alpha*mse + beta*(loc+conf) (detector: loc+conf; parts a mode does not compute
 * are 0); {@code stage} 1-based; {@code seconds} of training since the run began (resumes included).
 */
public record StepMetrics(long step, double mse, double loc, double conf, double loss, double lr, int stage,
                          double seconds) {}
