package dev.pinagent.verify;

import java.util.Locale;

/** The outcome of one pin check; its {@link #id()} is the {@code result} metric tag. */
public enum CheckResult {
  /** A key on the certification path is one of the set's pins. */
  MATCH,
  /** No key on the path is pinned: blocked in enforce mode, reported in report mode. */
  MISMATCH,
  /** No pin-set covers the host. */
  UNPINNED,
  /** The covering pin-set is past its expiry date, so it is not enforced. */
  EXPIRED,
  /** The connection carried no host name to look up (the trust manager was called without a socket). */
  UNKNOWN_HOST,
  /** The check itself failed (a certificate it could not read): blocked for an enforced pinned host. */
  ERROR;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
