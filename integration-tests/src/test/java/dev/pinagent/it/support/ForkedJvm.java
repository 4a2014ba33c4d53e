package dev.pinagent.it.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM started exactly as a user starts one: {@code java [-javaagent:pin-agent.jar=...] -cp ... Main},
 * with the built agent jar. Output is captured; runs are bounded in time and killed when they overrun.
 */
public final class ForkedJvm {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private final Path javaHome;
  private final List<String> jvmOptions = new ArrayList<>();
  private final Map<String, String> environment = new LinkedHashMap<>();
  private String agentArgs;
  private boolean withAgent;
  private String mainClass;
  private String classpath;
  private Path jar;
  private final List<String> programArgs = new ArrayList<>();

  private ForkedJvm(Path javaHome) {
    this.javaHome = javaHome;
  }

  public static ForkedJvm on(Path javaHome) {
    return new ForkedJvm(javaHome);
  }

  /** The agent jar built by this reactor; fails clearly when it has not been built. */
  public static Path agentJar() {
    Path jar = Paths.get(System.getProperty("agent.jar", "../agent/target/pin-agent.jar")).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("agent jar not found at " + jar + "; run mvn -B package at the root first");
    }
    return jar;
  }

  /** Attaches the agent with {@code args} (the text after {@code =}; may be null for none). */
  public ForkedJvm agent(String args) {
    this.withAgent = true;
    this.agentArgs = args;
    return this;
  }

  public ForkedJvm jvmOption(String option) {
    jvmOptions.add(option);
    return this;
  }

  public ForkedJvm trustStore(Path trustStore) {
    jvmOptions.add("-Djavax.net.ssl.trustStore=" + trustStore);
    jvmOptions.add("-Djavax.net.ssl.trustStorePassword=changeit");
    jvmOptions.add("-Djavax.net.ssl.trustStoreType=PKCS12");
    return this;
  }

  public ForkedJvm env(String name, String value) {
    environment.put(name, value);
    return this;
  }

  /**
   * Runs with the test classes and only {@code jars} instead of the whole client class path (which
   * deliberately also holds the unshaded Byte Buddy, Micrometer and SnakeYAML the agent shades, as an
   * application would).
   */
  public ForkedJvm classpathWith(List<Path> jars) {
    StringBuilder path = new StringBuilder(System.getProperty("it.classes", "target/test-classes"));
    for (Path jar : jars) {
      path.append(java.io.File.pathSeparatorChar).append(jar);
    }
    this.classpath = path.toString();
    return this;
  }

  /** The BouncyCastle JSSE jars (bctls, bcprov, bcutil at the version bctls needs). */
  public static List<Path> bcJsseJars() {
    Path directory = Paths.get(System.getProperty("it.bcjsse.dir", "target/bcjsse"));
    try (java.util.stream.Stream<Path> files = Files.list(directory)) {
      return files.filter(file -> file.toString().endsWith(".jar")).sorted()
          .collect(java.util.stream.Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String defaultClasspath() {
    String classes = System.getProperty("it.classes", "target/test-classes");
    Path file = Paths.get(System.getProperty("it.client.classpath", "target/client-classpath.txt"));
    try {
      return classes + java.io.File.pathSeparator + new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("client class path not found at " + file + "; run the build through Maven", e);
    }
  }

  /** Runs {@code java -jar jar args}, as a user runs the agent jar's own tools, instead of a main class. */
  public ForkedJvm jar(Path jar, String... args) {
    this.jar = jar;
    programArgs.addAll(List.of(args));
    return this;
  }

  public ForkedJvm main(Class<?> main, String... args) {
    this.mainClass = main.getName();
    programArgs.addAll(List.of(args));
    return this;
  }

  List<String> command() {
    List<String> command = new ArrayList<>();
    command.add(javaHome.resolve("bin").resolve("java").toString());
    // Before the agent: an option may be another -javaagent that must run first.
    command.addAll(jvmOptions);
    if (withAgent) {
      command.add("-javaagent:" + agentJar() + (agentArgs == null ? "" : "=" + agentArgs));
      // The JVM trusts its own classes unverified; the agent rewrites three of them with hand-written stack
      // map frames, so every forked run holds that bytecode to the verifier.
      command.add("-XX:+UnlockDiagnosticVMOptions");
      command.add("-XX:+BytecodeVerificationLocal");
    }
    command.add("-Xshare:auto");
    if (jar != null) {
      command.add("-jar");
      command.add(jar.toString());
    } else {
      command.add("-cp");
      command.add(classpath != null ? classpath : defaultClasspath());
      command.add(mainClass);
    }
    command.addAll(programArgs);
    return command;
  }

  /** Runs to completion. */
  public Result run() {
    Running running = start();
    running.closeInput();
    return running.await();
  }

  /** Starts without waiting; for programs that hold until their input is closed. */
  public Running start() {
    ProcessBuilder builder = new ProcessBuilder(command());
    builder.environment().keySet().removeIf(name -> name.startsWith("PINAGENT_") || name.equals("JAVA_TOOL_OPTIONS"));
    builder.environment().putAll(environment);
    try {
      return new Running(builder.start(), command());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A started child JVM. */
  public static final class Running {
    private final Process process;
    private final List<String> command;
    private final StringBuffer stdout = new StringBuffer();
    private final CompletableFuture<String> stderr;
    private final CompletableFuture<Void> stdoutDone;

    Running(Process process, List<String> command) {
      this.process = process;
      this.command = command;
      this.stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
      this.stdoutDone = CompletableFuture.runAsync(() -> {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = reader.readLine()) != null) {
            stdout.append(line).append('\n');
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }

    /** Waits until standard output contains {@code marker}. */
    public void awaitOutput(String marker) {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (!stdout.toString().contains(marker)) {
        if (!process.isAlive() && stdoutDone.isDone()) {
          throw new AssertionError("child exited before printing " + marker + "\n" + describe());
        }
        if (System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new AssertionError("timed out waiting for " + marker + "\n" + describe());
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }

    /**
     * For a probe run with {@code --hold}: waits until it has made its requests, scrapes its metrics
     * endpoint, then lets it exit (collect the result with {@link #await()}).
     */
    public Metrics scrapeOnHold(int metricsPort) {
      awaitOutput("HOLD");
      try {
        return Metrics.scrape(metricsPort);
      } finally {
        closeInput();
      }
    }

    public long pid() {
      return process.pid();
    }

    /** Writes {@code line} to the child's standard input, for probes that take commands. */
    public void send(String line) {
      try {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The standard output so far. */
    public String stdout() {
      return stdout.toString();
    }

    public void closeInput() {
      try {
        process.getOutputStream().close();
      } catch (IOException ignored) {
        // Already exited.
      }
    }

    public Result await() {
      try {
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError("child JVM timed out after " + TIMEOUT + "\n" + describe());
        }
        stdoutDone.get(10, TimeUnit.SECONDS);
        return new Result(command, process.exitValue(), stdout.toString(), stderr.get(10, TimeUnit.SECONDS));
      } catch (AssertionError e) {
        throw e;
      } catch (Exception e) {
        throw new AssertionError("child JVM failed: " + e + "\n" + describe(), e);
      }
    }

    private String describe() {
      return "command: " + String.join(" ", command) + "\nstdout:\n" + stdout;
    }
  }

  private static String readAll(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a finished child JVM did. */
  public static final class Result {
    public final List<String> command;
    public final int exitCode;
    public final String stdout;
    public final String stderr;

    Result(List<String> command, int exitCode, String stdout, String stderr) {
      this.command = command;
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    /** The probe's result line for {@code url}: "OK ..." or "FAIL ...". */
    public String resultFor(String url) {
      for (String line : stdout.split("\n")) {
        if (line.startsWith("RESULT " + url + " ")) {
          return line.substring(("RESULT " + url + " ").length());
        }
      }
      throw new AssertionError("no result for " + url + "\n" + this);
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\ncommand: " + String.join(" ", command) + "\nstdout:\n" + stdout
          + "\nstderr:\n" + stderr;
    }
  }
}
