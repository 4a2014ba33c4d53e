package dev.pinagent.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonTest {
  @Test
  void readsBackWhatItWritesEscapesIncluded() throws Exception {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("subject", "CN=\"Quoted\\, Inc.\",O=Line\nBreak\u2028\u202e\t");
    value.put("count", 3_000_000_000L);
    value.put("port", 443);
    value.put("yes", "yes");
    value.put("empty", List.of());
    value.put("none", null);
    value.put("flag", true);
    value.put("when", "2026-12-01T20:00:00Z");

    assertThat(Json.read(Json.write(value), 1 << 20)).isEqualTo(value);
  }

  static Stream<Arguments> notJson() {
    return Stream.of(
        Arguments.of("a bare scalar", "hello", "line 1: expected a JSON object or array"),
        Arguments.of("empty", "  ", "an empty document"),
        Arguments.of("a key twice", "{\"a\": 1,\n \"a\": 2}", "line 2"),
        Arguments.of("cut short", "{\"a\": [1, 2", "line 1"),
        Arguments.of("an alias of a collection", "{a: &x [1], b: *x}", "aliases"),
        Arguments.of("deeper than any inventory", "[".repeat(40) + "]".repeat(40), "nested deeper than 16 levels"),
        Arguments.of("a type tag", "{\"a\": !!java.io.File \"/\"}", "line 1"),
        Arguments.of("larger than allowed", "{\"a\": \"" + "x".repeat(2000) + "\"}", "code points"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notJson")
  void refusesWhatIsNotJsonItCanReadSafely(String what, String text, String message) {
    assertThatThrownBy(() -> Json.read(text, 1000)).isInstanceOf(Json.ParseException.class)
        .hasMessageContaining(message);
  }
}
