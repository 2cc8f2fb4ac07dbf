/**
 * The study and its report (issue 5): {@link dev.tdsr.report.Study} runs the table rows (HR, LR, Bicubic, SR, SR-FT,
 * SR-FT+, TDSR) at each scale through {@link dev.tdsr.report.StudySteps} (where dev.tdsr.train and dev.tdsr.eval are
 * wired in) and writes {@code results.json} ({@link dev.tdsr.report.StudyResults}), {@code report.md},
 * {@code report.html} (self-contained), {@code charts/*.png} (XChart) and {@code figures/*.png}
 * ({@link dev.tdsr.report.FigureGrid}). {@link dev.tdsr.report.ShapeCheck} computes whether the paper's orderings
 * hold. Configs: {@link dev.tdsr.report.StudyConfig}, read by {@link dev.tdsr.report.ConfigLoader}.
 */
package dev.tdsr.report;
