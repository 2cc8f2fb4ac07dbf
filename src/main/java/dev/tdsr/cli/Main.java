package dev.tdsr.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar tdsr-native.jar <command>}: one class per subcommand, each a thin shell over the library. */
@Command(
        name = "tdsr-native",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Task-Driven Super Resolution: D-DBPN trained through a frozen SSD300, on a native C++/CUDA engine.",
        subcommands = {
            InfoCommand.class,
            TrainCommand.class,
            GenerateDatasetCommand.class,
            BenchLoaderCommand.class,
            BenchStepCommand.class,
            EvalDetectionsCommand.class,
            EvalStudyCommand.class,
            ImportWeightsCommand.class,
            SrCommand.class,
            DetectCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Read before parsing by {@link Logging#configure}; declared here so every command accepts and lists it. */
    @CommandLine.Option(names = Logging.VERBOSE, scope = CommandLine.ScopeType.INHERIT,
            description = "debug log lines, logger names, and the stack trace of an error")
    void verbose(boolean v) {
        Logging.verbose(v);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this). */
    public static int run(String... args) {
        Logging.configure(args);
        return commandLine().execute(args);
    }

    /** The configured command line (error handling included), for callers that set their own writers. */
    public static CommandLine commandLine() {
        if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
            Logging.configure();
        }
        Logging.verbose(false); // this command line's --verbose sets it again
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
