package dev.pinagent.log;

import dev.pinagent.json.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Every line the agent prints, in one of two formats chosen by the {@code log.format} option.
 *
 * <p>{@code text} prints the line as the agent always has: {@code [pin-agent] pin violation: host=... port=...}.
 * {@code json} prints one JSON object per line, for pipelines (Loki, Elasticsearch, Cloud Logging) that index
 * fields without a parser: {@code time} (UTC, milliseconds), {@code level}, {@code source} ({@code pin-agent}, to
 * tell the agent's lines from the application's on the same stderr), {@code event} (what happened, e.g.
 * {@code pin.violation}), {@code message} (the text line without its prefix) and the fields of the text line:
 *
 * <pre>
 * {"time":"2026-12-01T19:55:02.113Z","level":"warning","source":"pin-agent","event":"pin.violation",
 *  "message":"pin violation: host=api.example.com ...","host":"api.example.com","port":443,...}
 * </pre>
 *
 * (one line in the log). A call site writes its text line and its fields once; the format decides which is printed.
 */
public final class AgentLog {
  /** The value of the {@code log.format} option. */
  public enum Format {
    TEXT,
    JSON
  }

  /** How much a line matters; its {@link #id()} is the JSON {@code level}. */
  public enum Level {
    INFO,
    WARNING,
    ERROR,
    FATAL;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What every text line starts with. */
  public static final String PREFIX = "[pin-agent] ";

  private final Format format;
  private final Consumer<String> sink;
  private final LongSupplier clock;

  private AgentLog(Format format, Consumer<String> sink, LongSupplier clock) {
    this.format = format;
    this.sink = sink;
    this.clock = clock;
  }

  public static AgentLog of(Format format, Consumer<String> sink, LongSupplier clock) {
    return new AgentLog(format, sink, clock);
  }

  /** Text lines to {@code sink}: what the agent's classes are given in tests and tools. */
  public static AgentLog text(Consumer<String> sink) {
    return new AgentLog(Format.TEXT, sink, System::currentTimeMillis);
  }

  /** Lines on the JVM's standard error as it is when each line is printed. */
  public static AgentLog standardError(Format format) {
    return new AgentLog(format, line -> System.err.println(line), System::currentTimeMillis);
  }

  public Format format() {
    return format;
  }

  /**
   * Prints one line.
   *
   * @param text the text line, starting with {@link #PREFIX}; made printable by the caller (values from outside
   *     the agent go through {@code Printable})
   * @param fields the values of the line, in its order; strings, numbers and booleans
   */
  public void log(Level level, String event, String text, Map<String, ?> fields) {
    try {
      sink.accept(format == Format.TEXT ? text : json(level, event, text, fields));
    } catch (RuntimeException e) {
      // A log that fails (a closed stream) must not fail what is being logged: a handshake, the start-up.
    }
  }

  /** {@link #log} with the fields as pairs: {@code "host", host, "port", port}. */
  public void log(Level level, String event, String text, Object... keysAndValues) {
    Map<String, Object> fields = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      fields.put(String.valueOf(keysAndValues[i]), keysAndValues[i + 1]);
    }
    log(level, event, text, fields);
  }

  private String json(Level level, String event, String text, Map<String, ?> fields) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", Instant.ofEpochMilli(clock.getAsLong()).toString());
    line.put("level", level.id());
    line.put("source", "pin-agent");
    line.put("event", event);
    line.put("message", text.startsWith(PREFIX) ? text.substring(PREFIX.length()) : text);
    for (Map.Entry<String, ?> field : fields.entrySet()) {
      // The line's own keys come first and stay: a field cannot pass itself off as the level or the time.
      line.putIfAbsent(field.getKey(), field.getValue());
    }
    return Json.line(line);
  }
}
