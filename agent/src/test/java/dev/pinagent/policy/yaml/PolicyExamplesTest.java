package dev.pinagent.policy.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example shipped in policy-examples/ loads, so none can rot. */
class PolicyExamplesTest {
  static List<Path> examples() throws Exception {
    Path folder = Paths.get("..", "policy-examples");
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> yaml = files.filter(file -> file.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
      assertThat(yaml).as("examples in " + folder.toAbsolutePath()).isNotEmpty();
      return yaml;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void loads(Path example) throws Exception {
    assertThat(PolicyLoader.load(example).pinSets()).isNotEmpty();
  }
}
