package dev.pinagent.verify;

import dev.pinagent.policy.PinSet;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One pin violation (no pinned key on a valid path) or check error (the check itself failed) of a pinned host:
 * what the log prints and a violation report carries. Certificates are kept as objects; turning them into text
 * (PEM) is left to whoever needs it, off the handshake's thread.
 */
public final class PinViolation {
  /** What happened to the connection, as a violation report's {@code action}. */
  public enum Action {
    /** A mismatch in enforce mode: the handshake failed. */
    BLOCKED,
    /** A mismatch in report mode: the connection went on. */
    REPORTED,
    /** The check itself failed: blocked in enforce mode, allowed in report mode (see {@link #blocked()}). */
    ERROR;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The log event of a mismatch. */
  public static final String VIOLATION_EVENT = "pin.violation";

  /** The log event of a check error. */
  public static final String CHECK_ERROR_EVENT = "pin.check_error";

  private final long epochMillis;
  private final String host;
  private final int port;
  private final PinSet set;
  private final Action action;
  private final boolean blocked;
  private final String reason;
  private final List<X509Certificate> served;
  private final List<X509Certificate> validated;
  private final String text;
  private final Map<String, Object> fields;

  PinViolation(long epochMillis, String host, int port, PinSet set, Action action, boolean blocked, String reason,
      X509Certificate[] served, List<X509Certificate> validated, String text, Map<String, Object> fields) {
    this.epochMillis = epochMillis;
    this.host = host;
    this.port = port;
    this.set = set;
    this.action = action;
    this.blocked = blocked;
    this.reason = reason;
    List<X509Certificate> sent = new ArrayList<>(served == null ? 0 : served.length);
    if (served != null) {
      for (X509Certificate certificate : served) {
        if (certificate != null) {
          sent.add(certificate);
        }
      }
    }
    this.served = Collections.unmodifiableList(sent);
    this.validated = List.copyOf(validated);
    this.text = text;
    this.fields = Collections.unmodifiableMap(fields);
  }

  public long epochMillis() {
    return epochMillis;
  }

  /** The normalized host name the pin-set was found for. */
  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public PinSet set() {
    return set;
  }

  public Action action() {
    return action;
  }

  /** Whether the handshake was failed. */
  public boolean blocked() {
    return blocked;
  }

  /** The log's {@code action}: {@code blocked} or {@code reported} for a mismatch, {@code blocked} or {@code allowed} for an error. */
  public String logAction() {
    return blocked ? "blocked" : action == Action.ERROR ? "allowed" : "reported";
  }

  /** Why the chain does not match, or what failed. */
  public String reason() {
    return reason;
  }

  /** The certificates the server sent, in the order sent. */
  public List<X509Certificate> served() {
    return served;
  }

  /** The certification path the agent built, leaf first, with its anchor; empty when the check failed before. */
  public List<X509Certificate> validated() {
    return validated;
  }

  /** {@link #VIOLATION_EVENT} or {@link #CHECK_ERROR_EVENT}. */
  public String event() {
    return action == Action.ERROR ? CHECK_ERROR_EVENT : VIOLATION_EVENT;
  }

  /** The text log line, {@code [pin-agent] pin violation: host=...}. */
  public String text() {
    return text;
  }

  /** The fields of the text line, in its order, for a structured log. */
  public Map<String, Object> fields() {
    return fields;
  }
}
