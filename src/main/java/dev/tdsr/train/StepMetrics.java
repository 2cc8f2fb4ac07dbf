package dev.tdsr.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One line of {@code metrics.jsonl}: the loss parts of step {@code step} (1-based, = updates done), already divided
 * by N for loc/conf; {@code loss} = alpha*mse + beta*(loc+conf) (detector: loc+conf; parts a mode does not compute
 * are 0); {@code stage} 1-based; {@code seconds} of training since the run began (resumes included). SRGAN's
 * adversarial stages add {@code content} (the VGG feature loss), {@code adv} (the generator's adversarial loss) and
 * {@code disc} (the discriminator's loss, real + fake); then {@code loss} = alpha*content + beta*adv. Absent (null)
 * otherwise. A task network without loc/conf parts (segmentation) adds {@code task}, its unweighted loss (pixel CE);
 * then {@code loss} = alpha*mse + beta*task (+ the perceptual part).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepMetrics(long step, double mse, double loc, double conf, double loss, double lr, int stage,
                          double seconds, Double content, Double adv, Double disc, Double task) {
    public StepMetrics(long step, double mse, double loc, double conf, double loss, double lr, int stage,
            double seconds) {
        this(step, mse, loc, conf, loss, lr, stage, seconds, null, null, null, null);
    }

    public StepMetrics(long step, double mse, double loc, double conf, double loss, double lr, int stage,
            double seconds, Double content, Double adv, Double disc) {
        this(step, mse, loc, conf, loss, lr, stage, seconds, content, adv, disc, null);
    }
}
