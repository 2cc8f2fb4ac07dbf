package dev.tdsr.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link SgemmBenchmark} and {@link ConvBenchmark} in one JMH run and prints a table of GFLOP/s and the ratio to
 * the sgemm rate measured in the same run (the target: each conv pass at least 50% of sgemm).
 *
 * <p>{@code java -cp target/benchmarks.jar dev.tdsr.bench.EngineBench [extra JMH args, e.g. -p shape=VGG_CONV1_2_300]}
 */
public final class EngineBench {
    private EngineBench() {}

    public static void main(String[] args) throws RunnerException {
        ChainedOptionsBuilder opts = new OptionsBuilder()
                .include(SgemmBenchmark.class.getSimpleName())
                .include(ConvBenchmark.class.getSimpleName());
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("-p")) {
                String[] kv = args[i + 1].split("=", 2);
                opts = opts.param(kv[0], kv[1].split(","));
            }
        }
        Collection<RunResult> results = new Runner(opts.build()).run();
        double sgemm = Double.NaN;
        List<String> rows = new ArrayList<>();
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            double ms = r.getPrimaryResult().getScore();
            if (bench.endsWith("sgemm")) {
                int n = Integer.parseInt(r.getParams().getParam("n"));
                sgemm = 2.0 * n * n * n / (ms * 1e6);
            }
        }
        System.out.printf(Locale.ROOT, "%n| op | pass | ms/op | GFLOP/s | vs sgemm |%n|---|---|---:|---:|---:|%n");
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            if (bench.endsWith("sgemm")) {
                continue;
            }
            ConvBenchmark.Shape shape = ConvBenchmark.Shape.valueOf(r.getParams().getParam("shape"));
            String pass = bench.substring(bench.lastIndexOf('.') + 1);
            double ms = r.getPrimaryResult().getScore();
            double gflops = shape.flops() / (ms * 1e6);
            rows.add(String.format(Locale.ROOT, "| %s | %s | %.2f | %.1f | %.0f%% |", shape, pass, ms, gflops,
                    100 * gflops / sgemm));
        }
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "| sgemm 1024^3 (reference) | | %.2f | %.1f | 100%% |%n",
                2.0 * 1024 * 1024 * 1024 / (sgemm * 1e6), sgemm);
    }
}
