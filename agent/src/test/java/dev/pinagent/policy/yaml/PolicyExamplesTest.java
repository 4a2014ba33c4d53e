package dev.pinagent.policy.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example shipped in policy-examples/ passes {@code java -jar pin-agent.jar check} without errors, so
 * none can rot; the only warnings allowed are the overlaps the overlapping-patterns example exists to show.
 */
class PolicyExamplesTest {
  static List<Path> examples() throws Exception {
    Path folder = Paths.get("..", "policy-examples");
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> yaml = files.filter(file -> file.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
      assertThat(yaml).as("examples in " + folder.toAbsolutePath()).hasSizeGreaterThanOrEqualTo(6);
      return yaml;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void passesCheck(Path example) {
    CliRunner.Result run = CliRunner.run("check", example.toString());

    assertThat(run.out).as(run.toString()).contains(": valid: ").contains("0 error(s)");
    if (example.getFileName().toString().equals("overlapping-patterns.yaml")) {
      assertThat(run.status).isEqualTo(1);
      assertThat(run.out.lines().filter(line -> line.startsWith("warning: "))).allMatch(line -> line.contains("overlap"));
    } else {
      assertThat(run.status).as(run.toString()).isZero();
    }
  }

  @org.junit.jupiter.api.Test
  void theSignedExampleVerifiesWithItsPublicKeyAsTheAgentWouldCheckIt() {
    Path example = Paths.get("..", "policy-examples", "signed.yaml");
    CliRunner.Result run = CliRunner.run("verify", example.toString(), "--public-key",
        Paths.get("..", "policy-examples", "signed.pub").toString());
    assertThat(run.status).as(run.toString()).isZero();
    assertThat(run.out).contains("is signed by key 8d2032043bbc5bd4 (serial 202612011030, 1 pin-set(s))");
  }
}
