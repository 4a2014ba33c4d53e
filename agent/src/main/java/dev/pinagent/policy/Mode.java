package dev.pinagent.policy;

import java.util.Locale;

/** What a pin mismatch does: fail the handshake, or let it through and report it. */
public enum Mode {
  ENFORCE,
  REPORT;

  /** The spelling used in policy files and in the {@code mode} metric tag. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code enforce} or {@code report}; anything else is an error naming both. */
  public static Mode parse(String value) {
    for (Mode mode : values()) {
      if (mode.id().equals(value)) {
        return mode;
      }
    }
    throw new IllegalArgumentException("expected 'enforce' or 'report', got '" + value + "'");
  }
}
