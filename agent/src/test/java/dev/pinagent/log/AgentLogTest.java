package dev.pinagent.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class AgentLogTest {
  private final List<String> lines = new ArrayList<>();

  @Test
  void textFormatPrintsTheTextLineAsItIs() {
    AgentLog.text(lines::add).log(AgentLog.Level.INFO, "agent.started", "[pin-agent] pinning 1 pin-set(s)",
        "pin_sets", 1);

    assertThat(lines).containsExactly("[pin-agent] pinning 1 pin-set(s)");
  }

  @Test
  void jsonFormatPrintsOneObjectPerLineWithTimeLevelEventMessageAndFields() {
    AgentLog.of(AgentLog.Format.JSON, lines::add, () -> 1_764_619_200_123L).log(AgentLog.Level.WARNING,
        "pin.violation", "[pin-agent] pin violation: host=a.example port=443", "host", "a.example", "port", 443);

    assertThat(lines).singleElement().asString().doesNotContain("\n");
    Map<String, Object> line = new Yaml().load(lines.get(0));
    assertThat(line).containsExactly(
        Map.entry("time", "2025-12-01T20:00:00.123Z"),
        Map.entry("level", "warning"),
        Map.entry("source", "pin-agent"),
        Map.entry("event", "pin.violation"),
        Map.entry("message", "pin violation: host=a.example port=443"),
        Map.entry("host", "a.example"),
        Map.entry("port", 443));
  }

  @Test
  void aFieldCannotPassItselfOffAsTheLevelOrTheEvent() {
    AgentLog.of(AgentLog.Format.JSON, lines::add, () -> 0L).log(AgentLog.Level.ERROR, "agent.error",
        "[pin-agent] ERROR: x", "level", "info", "event", "forged", "stage", "check");

    Map<String, Object> line = new Yaml().load(lines.get(0));
    assertThat(line).containsEntry("level", "error").containsEntry("event", "agent.error")
        .containsEntry("stage", "check");
  }

  @Test
  void jsonEscapesLineBreaksSoAValueCannotForgeASecondLine() {
    AgentLog.of(AgentLog.Format.JSON, lines::add, () -> 0L).log(AgentLog.Level.WARNING, "policy.warning",
        "[pin-agent] WARNING: x", "warning", "a\n{\"level\":\"info\"}\u2028b");

    assertThat(lines).singleElement().asString().doesNotContain("\n").doesNotContain("\u2028");
    Map<String, Object> line = new Yaml().load(lines.get(0));
    assertThat(line).containsEntry("warning", "a\n{\"level\":\"info\"}\u2028b");
  }

  @Test
  void aFailingSinkDoesNotThrowIntoWhatIsLogged() {
    AgentLog log = AgentLog.text(line -> {
      throw new IllegalStateException("stream closed");
    });

    log.log(AgentLog.Level.INFO, "agent.started", "[pin-agent] x");
  }
}
