package dev.pinagent.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a program in a fresh JVM, with or without the agent, and reads back what it printed. */
final class ForkedRuns {
  private ForkedRuns() {}

  /** The built agent jar; {@code -Dagent.jar} overrides. */
  static Path agentJar() {
    return Paths.get(System.getProperty("agent.jar", "agent/target/pin-agent.jar")).toAbsolutePath();
  }

  /** Only the benchmark module's own classes: the forked programs use the JDK alone, as an application would. */
  static String programClasspath() {
    return Paths.get(System.getProperty("bench.classes", "benchmarks/target/classes")).toAbsolutePath().toString();
  }

  /** Runs {@code main} with {@code args}; returns its stdout. */
  static String run(String agentArgs, List<String> jvmOptions, Class<?> main, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    if (agentArgs != null) {
      command.add("-javaagent:" + agentJar() + "=" + agentArgs);
    }
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(programClasspath());
    command.add(main.getName());
    command.addAll(Arrays.asList(args));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("forked run failed (" + String.join(" ", command) + "):\n" + out);
    }
    return out;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }
}
