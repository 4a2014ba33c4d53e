package dev.pinagent.policy.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The loader's limits at their exact edges (the longest line and the largest file accepted), tags wherever a
 * value can carry one, the hints a typo gets, and the flow scalars the tools write back.
 */
class PolicyLoaderEdgesTest {
  private static final String PIN = "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=";
  private static final String SET = "  - name: a\n    hosts: [a.example.com]\n    pins: [" + PIN + "]\n";
  private static final String VALID = "version: 1\npin-sets:\n" + SET;

  @Test
  void acceptsALineOfExactlyTheLongestLengthAllowed() throws Exception {
    String longest = "#" + "x".repeat(PolicyLoader.MAX_LINE_CHARS - 1) + "\n";
    assertThat(PolicyLoader.parse("p.yaml", longest + VALID).pinSets()).hasSize(1);
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", "#" + longest + VALID))
        .hasMessageStartingWith("p.yaml:1: line 1 is " + (PolicyLoader.MAX_LINE_CHARS + 1) + " characters long");
  }

  @Test
  void acceptsAFileOfExactlyTheLargestSizeAllowed(@TempDir Path directory) throws Exception {
    String largest = padded(PolicyLoader.MAX_FILE_BYTES);
    assertThat(PolicyLoader.parse("p.yaml", largest).pinSets()).hasSize(1);
    Path file = Files.write(directory.resolve("p.yaml"), largest.getBytes(StandardCharsets.US_ASCII));
    assertThat(PolicyLoader.load(file).pinSets()).hasSize(1);

    Path tooLarge = Files.write(directory.resolve("large.yaml"), (largest + "\n").getBytes(StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> PolicyLoader.load(tooLarge)).hasMessageContaining("is larger than");
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", largest + "\n")).hasMessageContaining("is larger than");
  }

  /** The valid policy after comment lines, {@code size} characters in all. */
  private static String padded(int size) {
    StringBuilder text = new StringBuilder();
    String comment = "#" + "x".repeat(1000) + "\n";
    while (text.length() + comment.length() + VALID.length() <= size) {
      text.append(comment);
    }
    int rest = size - text.length() - VALID.length();
    text.append("#").append("y".repeat(rest - 2)).append("\n");
    return text.append(VALID).toString();
  }

  static Stream<Arguments> tags() {
    return Stream.of(
        Arguments.of("on the whole document", "!custom\n" + VALID, "p.yaml:1: the tag '!custom'"),
        Arguments.of("on a pin-set", "version: 1\npin-sets:\n  - !custom\n    name: a\n    hosts: [a.example.com]\n"
            + "    pins: [" + PIN + "]\n", "p.yaml:3: /pin-sets/0: the tag '!custom'"),
        Arguments.of("on a host", "version: 1\npin-sets:\n  - name: a\n    hosts: [!custom a.example.com]\n"
            + "    pins: [" + PIN + "]\n", "p.yaml:4: /pin-sets/0/hosts/0: the tag '!custom'"),
        Arguments.of("on the expiry date", VALID + "    expires: !custom 2030-01-01\n",
            "p.yaml:6: /pin-sets/0/expires: the tag '!custom'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tags")
  void refusesATagWhereverAValueCanCarryOne(String where, String yaml, String message) {
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", yaml)).isInstanceOf(PolicyException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void readsAnExpiryDateWrittenAsADateOrAsText() throws Exception {
    Policy asDate = PolicyLoader.parse("p.yaml", VALID + "    expires: 2030-01-01\n");
    Policy asText = PolicyLoader.parse("p.yaml", VALID + "    expires: \"2030-01-01\"\n");
    assertThat(asDate.pinSets().get(0).expires()).contains(LocalDate.of(2030, 1, 1));
    assertThat(asText.pinSets().get(0).expires()).contains(LocalDate.of(2030, 1, 1));
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", VALID + "    expires: 20300101\n"))
        .hasMessageContaining("expected a date YYYY-MM-DD (UTC), got");
  }

  @Test
  void suggestsTheKeyATypoOfUpToTwoEditsMeant() {
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", "version: 1\npinsets: []\n"))
        .hasMessageContaining("unknown key 'pinsets' (did you mean 'pin-sets'?)");
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n" + SET.replace("pins:", "pns_:")))
        .hasMessageContaining("unknown key 'pns_' (did you mean 'pins'?)");
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n" + SET.replace("pins:", "pxx_:")))
        .hasMessageContaining("unknown key 'pxx_'; expected one of");
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n" + SET.replace("name:", "nam:")))
        .hasMessageContaining("unknown key 'nam' (did you mean 'name'?)");
  }

  @Test
  void namesAnUnquotedWildcardOnTheLineYamlStumbledOn() {
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n  - name: a\n"
        + "    hosts: [*.example.com]\n    pins: [" + PIN + "]\n"))
        .hasMessageContaining("quote wildcard patterns: \"*.example.com\"");
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n  - name: a\n    hosts:\n"
        + "      - **.example.com\n    pins: [" + PIN + "]\n"))
        .hasMessageContaining("quote wildcard patterns: \"**.example.com\"");
  }

  static Stream<Arguments> flowScalars() {
    return Stream.of(
        Arguments.of("api.example.com", "api.example.com"),
        Arguments.of("A-1.example.com", "A-1.example.com"),
        Arguments.of("z9", "z9"),
        Arguments.of("*.example.com", "\"*.example.com\""),
        Arguments.of("::1", "\"::1\""),
        Arguments.of("yes", "\"yes\""),
        Arguments.of("10", "\"10\""),
        Arguments.of("-a", "\"-a\""),
        Arguments.of(" a", "\" a\""),
        Arguments.of("~", "\"~\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("flowScalars")
  void writesPlainOnlyWhatYamlReadsAsTextAndQuotesTheRest(String text, String written) {
    assertThat(PolicyLoader.flowScalar(text)).isEqualTo(written);
  }

  @Test
  void refusesToWriteAFlowScalarOfAnythingButPrintableAsciiWithoutQuotes() {
    for (String text : new String[] {"a\u001fb", "a\u007fb", "a\"b", "a\\b", "\u00e9"}) {
      assertThatThrownBy(() -> PolicyLoader.flowScalar(text)).as(text).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(PolicyLoader.flowScalar(" ~")).as("the first and last printable characters").isEqualTo("\" ~\"");
  }
}
