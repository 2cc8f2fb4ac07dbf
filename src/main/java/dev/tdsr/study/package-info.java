/**
 * The study (issue 5): {@link dev.tdsr.study.Study} runs the table rows (HR, LR, Bicubic, SR, SR-FT, SR-FT+, TDSR) at
 * each scale through {@link dev.tdsr.study.StudySteps}, done for real by {@link dev.tdsr.study.TrainingStudySteps}
 * (training through dev.tdsr.train, scoring through dev.tdsr.eval), keeps {@code results.json} up to date and has
 * dev.tdsr.report render it. Configs: {@link dev.tdsr.study.StudyConfig}, read by
 * {@link dev.tdsr.study.ConfigLoader}; {@link dev.tdsr.study.StudyRunner} is {@code train}'s default mode.
 */
package dev.tdsr.study;
