package dev.tdsr.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link SgemmBenchmark} and {@link ConvBenchmark} in one JMH run and prints a table of GFLOP/s and the ratio to
 * the sgemm rate measured in the same run (the target: each conv pass at least 50% of sgemm).
 *
 * <p>{@code java -cp target/benchmarks.jar dev.tdsr.bench.EngineBench [-p shape=VGG_CONV1_2_300,...] [-p threads=1,2]
 * [-wi N] [-i N] [-w SECONDS] [-r SECONDS]}: the sgemm reference is measured at each thread count, and each row is
 * divided by the sgemm rate at its own count.
 */
public final class EngineBench {
    private EngineBench() {}

    public static void main(String[] args) throws RunnerException {
        ChainedOptionsBuilder opts = new OptionsBuilder()
                .include(SgemmBenchmark.class.getSimpleName())
                .include(ConvBenchmark.class.getSimpleName());
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "-p" -> {
                    String[] kv = v.split("=", 2);
                    opts = opts.param(kv[0], kv[1].split(","));
                }
                case "-wi" -> opts = opts.warmupIterations(Integer.parseInt(v));
                case "-i" -> opts = opts.measurementIterations(Integer.parseInt(v));
                case "-w" -> opts = opts.warmupTime(TimeValue.seconds(Long.parseLong(v)));
                case "-r" -> opts = opts.measurementTime(TimeValue.seconds(Long.parseLong(v)));
                default -> throw new IllegalArgumentException("EngineBench: unknown option " + args[i]
                        + " (expected -p NAME=V1,V2, -wi N, -i N, -w SECONDS or -r SECONDS)");
            }
        }
        Collection<RunResult> results = new Runner(opts.build()).run();
        Map<String, Double> sgemm = new HashMap<>(); // threads -> GFLOP/s
        List<String> rows = new ArrayList<>();
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            double ms = r.getPrimaryResult().getScore();
            if (bench.endsWith("sgemm")) {
                int n = Integer.parseInt(r.getParams().getParam("n"));
                sgemm.put(r.getParams().getParam("threads"), 2.0 * n * n * n / (ms * 1e6));
            }
        }
        System.out.printf(Locale.ROOT, "%n| op | pass | threads | ms/op | GFLOP/s | vs sgemm |%n"
                + "|---|---|---:|---:|---:|---:|%n");
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            if (bench.endsWith("sgemm")) {
                continue;
            }
            ConvBenchmark.Shape shape = ConvBenchmark.Shape.valueOf(r.getParams().getParam("shape"));
            String threads = r.getParams().getParam("threads");
            String pass = bench.substring(bench.lastIndexOf('.') + 1);
            double ms = r.getPrimaryResult().getScore();
            double gflops = shape.flops() / (ms * 1e6);
            rows.add(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %.1f | %.0f%% |", shape, pass, threads, ms,
                    gflops, 100 * gflops / sgemm.getOrDefault(threads, Double.NaN)));
        }
        rows.forEach(System.out::println);
        sgemm.forEach((threads, rate) -> System.out.printf(Locale.ROOT,
                "| sgemm 1024^3 (reference) | | %s | %.2f | %.1f | 100%% |%n", threads,
                2.0 * 1024 * 1024 * 1024 / (rate * 1e6), rate));
    }
}
