package dev.pinagent.it.support;

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
}
