package dev.pinagent.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
    List<String> command = command(agentArgs, jvmOptions, main, args);
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("forked run failed (" + String.join(" ", command) + "):\n" + out);
    }
    return out;
  }

  /**
   * Runs {@code main}, which prints one line when it has done its work; returns the milliseconds from launch
   * to that line and to the process's exit. The two differ by what the JVM does at exit, which for a JVM with
   * a thread blocked in native code (any listening socket) includes waiting up to 300 ms for that thread.
   */
  static double[] timeToLineAndExit(String agentArgs, List<String> jvmOptions, Class<?> main, String... args)
      throws Exception {
    List<String> command = command(agentArgs, jvmOptions, main, args);
    long launched = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    long printed = System.nanoTime();
    while (out.readLine() != null) {
      // drain
    }
    if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0 || line == null) {
      throw new IOException("forked run failed (" + String.join(" ", command) + ")");
    }
    long exited = System.nanoTime();
    return new double[] {(printed - launched) / 1e6, (exited - launched) / 1e6};
  }

  private static List<String> command(String agentArgs, List<String> jvmOptions, Class<?> main, String... args) {
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
    return command;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }
}
