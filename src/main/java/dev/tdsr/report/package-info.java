/**
 * A study's results and their rendering (issue 5): {@code results.json} ({@link dev.tdsr.report.StudyResults}: rows
 * of {@link dev.tdsr.report.MethodResult} per scale and {@link dev.tdsr.report.RunMetadata}), whether the paper's
 * orderings hold ({@link dev.tdsr.report.ShapeCheck}), {@code report.md} and {@code report.html} (self-contained),
 * {@code charts/*.png} (XChart, from the results and the runs' metrics.jsonl) and {@code figures/*.png}
 * ({@link dev.tdsr.report.FigureGrid}). It reads results and never trains: the study (dev.tdsr.study) drives it.
 */
package dev.tdsr.report;
