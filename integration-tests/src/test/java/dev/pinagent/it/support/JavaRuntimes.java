package dev.pinagent.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * The JVMs the agent is tested on: the one running the build, plus each home listed in the system property
 * {@code it.java.homes} (comma-separated; OpenJDK 11 from {@code .ci/fetch-java11} and Temurin 25 by default). A
 * listed home that does not exist fails the tests rather than being skipped, so CI cannot silently test fewer
 * JVMs.
 */
public final class JavaRuntimes {
  private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)(?:\\.(\\d+))?");

  private JavaRuntimes() {}

  public static List<Path> all() {
    List<Path> homes = new ArrayList<>();
    homes.add(Paths.get(System.getProperty("java.home")));
    for (String entry : System.getProperty("it.java.homes", "").split(",")) {
      if (!entry.isBlank()) {
        Path home = Paths.get(entry.trim());
        if (!Files.isExecutable(home.resolve("bin").resolve("java"))) {
          throw new IllegalStateException("it.java.homes lists " + home + ", which has no bin/java; run "
              + ".ci/fetch-java11 for Java 11, install that JDK, or pass -Dit.java.homes= with the JDKs to test on");
        }
        if (!homes.contains(home)) {
          homes.add(home);
        }
      }
    }
    return homes;
  }

  /** The feature version (11, 17, 25, ...) of the JVM at {@code home}, read from its {@code release} file. */
  /** {@link #all()} from Java 17 on. */
  public static List<Path> modern() {
    List<Path> modern = new ArrayList<>();
    for (Path home : all()) {
      if (featureVersion(home) >= 17) {
        modern.add(home);
      }
    }
    return modern;
  }

  public static int featureVersion(Path home) {
    try {
      String release = new String(Files.readAllBytes(home.resolve("release")), StandardCharsets.UTF_8);
      Matcher version = JAVA_VERSION.matcher(release);
      if (!version.find()) {
        throw new IllegalStateException(home.resolve("release") + " has no JAVA_VERSION line");
      }
      int first = Integer.parseInt(version.group(1));
      // Java 8 and older write 1.8.0_x.
      return first == 1 && version.group(2) != null ? Integer.parseInt(version.group(2)) : first;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the version of the JVM at " + home, e);
    }
  }

  /**
   * Skips the current test, with the reason printed to the build log and recorded in the test report, when
   * the JVM at {@code home} is older than what {@code what} needs; a library's own minimum is not the agent's.
   */
  public static void assumeAtLeast(Path home, int minimumVersion, String what) {
    int version = featureVersion(home);
    if (version < minimumVersion) {
      String reason = "skipped on Java " + version + ": " + what + " needs Java " + minimumVersion + " or later";
      System.out.println("[it] " + reason + " (" + home + ")");
      Assumptions.assumeTrue(false, reason);
    }
  }
}
