package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrintableTest {
  static Stream<Arguments> texts() {
    return Stream.of(
        Arguments.of("an ordinary name is kept as it is", "CN=Good Root CA,O=Partner", "CN=Good Root CA,O=Partner"),
        Arguments.of("RFC 2253 escapes are kept", "CN=a\\,b", "CN=a\\,b"),
        Arguments.of("non-ASCII letters are kept", "CN=Bücher 日本", "CN=Bücher 日本"),
        Arguments.of("line feed", "CN=Evil\n  TRUSTED", "CN=Evil\\n  TRUSTED"),
        Arguments.of("carriage return (overwrites a terminal line)", "CN=Evil\rTRUSTED", "CN=Evil\\rTRUSTED"),
        Arguments.of("tab", "a\tb", "a\\tb"),
        Arguments.of("NUL and BEL", "a\u0000b\u0007", "a\\u0000b\\u0007"),
        Arguments.of("escape (terminal colours)", "\u001b[32mOK", "\\u001b[32mOK"),
        Arguments.of("DEL", "a\u007fb", "a\\u007fb"),
        Arguments.of("C1 next line (a YAML line break)", "a\u0085b", "a\\u0085b"),
        Arguments.of("C1 control sequence introducer", "a\u009bb", "a\\u009bb"),
        Arguments.of("line separator", "a\u2028b", "a\\u2028b"),
        Arguments.of("paragraph separator", "a\u2029b", "a\\u2029b"),
        Arguments.of("right-to-left override", "a\u202eb", "a\\u202eb"),
        Arguments.of("bidirectional isolate", "a\u2066b\u2069", "a\\u2066b\\u2069"),
        Arguments.of("null", null, "null"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("texts")
  void escapesWhatCouldBreakOrReorderALineAndKeepsTheRest(String guards, String text, String printed) {
    assertThat(Printable.of(text)).isEqualTo(printed);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("texts")
  void printsEveryTextOnOneLineOfVisibleCharacters(String guards, String text, String printed) {
    assertThat(Printable.of(text).chars()).noneMatch(c -> Printable.needsEscape(c));
  }
}
