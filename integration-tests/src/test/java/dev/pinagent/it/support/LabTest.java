package dev.pinagent.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of integration tests that replay the attack: one {@link MitmLab} (PKI and servers) per test class,
 * and the JVMs to run each test on.
 */
public abstract class LabTest {
  protected static MitmLab lab;

  @BeforeAll
  static void startLab() {
    lab = new MitmLab();
  }

  @AfterAll
  static void stopLab() {
    lab.close();
  }

  /** For {@code @MethodSource("jvms")} in subclasses. */
  public static Stream<Path> jvms() {
    return JavaRuntimes.all().stream();
  }

  /**
   * For {@code @MethodSource("modernJvms")}: the JVMs from Java 17 on. The fleet features (reload, signed and
   * served policies, reports, the inventory, the monitoring kit) are asked for on Java 17 and 25, and their forked
   * scenarios are the longest of the suite; running them on 11 as well would take CI past its time budget. The
   * agent's pinning itself is tested on 11 by every other test class.
   */
  public static Stream<Path> modernJvms() {
    return JavaRuntimes.modern().stream();
  }

  /** A text file the test or a forked JVM wrote, as UTF-8. */
  protected static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits between polls of a forked JVM; an interrupt ends the test. */
  protected static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
