package dev.pinagent.it.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVMs the agent is tested on: the one running the build, plus each home listed in the system property
 * {@code it.java.homes} (comma-separated; Temurin 25 by default). A listed home that does not exist fails the
 * tests rather than being skipped, so CI cannot silently test one JVM only.
 */
public final class JavaRuntimes {
  private JavaRuntimes() {}

  public static List<Path> all() {
    List<Path> homes = new ArrayList<>();
    homes.add(Paths.get(System.getProperty("java.home")));
    for (String entry : System.getProperty("it.java.homes", "").split(",")) {
      if (!entry.isBlank()) {
        Path home = Paths.get(entry.trim());
        if (!Files.isExecutable(home.resolve("bin").resolve("java"))) {
          throw new IllegalStateException("it.java.homes lists " + home + ", which has no bin/java; install that "
              + "JDK or pass -Dit.java.homes= with the JDKs to test on");
        }
        if (!homes.contains(home)) {
          homes.add(home);
        }
      }
    }
    return homes;
  }
}
