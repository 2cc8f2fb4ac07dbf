/**
 * Training: one loop ({@link dev.tdsr.train.Trainer}) over a run assembled from a config
 * ({@link dev.tdsr.train.TrainingRun}) for the three kinds of run — the detector on HR images, S with
 * MSE ("sr"), and S through the frozen detector ("tdsr", also SR-FT/SR-FT+ with beta = 0) — driven by a
 * {@link dev.tdsr.train.TrainConfig}, the paper's stage notation ({@link dev.tdsr.train.Schedule}), step lr decay
 * ({@link dev.tdsr.train.LrSchedule}) and Adam/SGD over a parameter slab ({@link dev.tdsr.train.Optimizer}).
 *
 * <p>A run folder holds config.json, metrics.jsonl (one JSON object per step, plus {"step", "eval"} lines from an
 * {@link dev.tdsr.train.Evaluation} hook; format owned by {@link dev.tdsr.train.MetricsLog}), atomic checkpoints (model,
 * optimizer state, step, loader position, config) from which {@link dev.tdsr.train.Trainer#resume} continues with
 * bit-identical CPU losses, and final/. The study (dev.tdsr.study) drives runs through Trainer.
 */
package dev.tdsr.train;
