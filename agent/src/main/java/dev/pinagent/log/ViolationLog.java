package dev.pinagent.log;

import dev.pinagent.verify.PinViolation;
import dev.pinagent.verify.ViolationListener;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The violation lines, rate-limited. A man in the middle, or a partner's unannounced change of CA, makes every
 * handshake a violation: thousands a minute, and as many lines in the service's log if each were printed. So per
 * pin-set, host and action, the first violation is logged in full, then at most one summary line per window (a
 * minute) while they go on:
 *
 * <pre>
 * [pin-agent] 9999 more pin violations for host=api.example.com port=443 pin_set=payments action=blocked since
 *   2026-12-01T19:55:02.113Z (logged at most once a minute; each is counted in tls_pin_violations_total)
 * </pre>
 *
 * A host quiet for a whole window is logged in full again at its next violation. Only the log is limited: counters
 * and reports see every violation. Summaries are printed by one daemon thread, {@code pin-agent-log}, started at the
 * first line held back, so that the count of a burst that stops is still printed. Hosts are an unbounded value (a
 * wildcard set covers any number), so at most {@link #MAX_KEYS} are tracked at once; beyond that, hosts share one
 * entry per set and action, named {@code other} in the summary.
 */
public final class ViolationLog implements ViolationListener {
  public static final long WINDOW_MILLIS = 60_000;

  /** Pin-set, host and action combinations whose lines are tracked at once. */
  static final int MAX_KEYS = 1000;

  /** Runs {@code task} after {@code delayMillis}; the production one is a daemon thread. */
  @FunctionalInterface
  interface Scheduler {
    void schedule(Runnable task, long delayMillis);
  }

  private final AgentLog log;
  private final LongSupplier clock;
  private final long windowMillis;
  private final Scheduler scheduler;
  private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();

  private ViolationLog(AgentLog log, LongSupplier clock, long windowMillis, Scheduler scheduler) {
    this.log = log;
    this.clock = clock;
    this.windowMillis = windowMillis;
    this.scheduler = scheduler;
  }

  /** A minute's window, summaries printed by a daemon thread started when first needed. */
  public static ViolationLog of(AgentLog log) {
    return new ViolationLog(log, System::currentTimeMillis, WINDOW_MILLIS, new DaemonScheduler());
  }

  static ViolationLog of(AgentLog log, LongSupplier clock, long windowMillis, Scheduler scheduler) {
    return new ViolationLog(log, clock, windowMillis, scheduler);
  }

  private static final class Key {
    final String set;
    final String host;
    final String action;

    Key(String set, String host, String action) {
      this.set = set;
      this.host = host;
      this.action = action;
    }

    @Override
    public boolean equals(Object other) {
      if (!(other instanceof Key)) {
        return false;
      }
      Key key = (Key) other;
      return set.equals(key.set) && host.equals(key.host) && action.equals(key.action);
    }

    @Override
    public int hashCode() {
      return Objects.hash(set, host, action);
    }
  }

  /** Guarded by itself. */
  private static final class Entry {
    boolean printed;
    long lastLineAt;
    long heldBack;
    long heldBackSince;
    int port;
    String event;
  }

  @Override
  public void violated(PinViolation violation) {
    long now = clock.getAsLong();
    Key key = keyOf(violation);
    Entry entry = entries.computeIfAbsent(key, k -> new Entry());
    boolean print;
    boolean scheduleSummary = false;
    synchronized (entry) {
      print = !entry.printed || (now - entry.lastLineAt >= windowMillis && entry.heldBack == 0);
      if (print) {
        entry.printed = true;
        entry.lastLineAt = now;
      } else {
        if (entry.heldBack++ == 0) {
          entry.heldBackSince = now;
          scheduleSummary = true;
        }
        entry.port = violation.port();
        entry.event = violation.event();
      }
    }
    if (print) {
      log.log(AgentLog.Level.WARNING, violation.event(), violation.text(), violation.fields());
    } else if (scheduleSummary) {
      long due;
      synchronized (entry) {
        due = entry.lastLineAt + windowMillis - now;
      }
      scheduler.schedule(() -> summarize(key, entry), Math.max(0, due));
    }
  }

  /** Prints the summary of what {@code entry} held back since its last line. */
  private void summarize(Key key, Entry entry) {
    long count;
    long since;
    int port;
    String event;
    synchronized (entry) {
      count = entry.heldBack;
      since = entry.heldBackSince;
      port = entry.port;
      event = entry.event;
      entry.heldBack = 0;
      entry.lastLineAt = clock.getAsLong();
    }
    if (count == 0) {
      return;
    }
    boolean error = PinViolation.CHECK_ERROR_EVENT.equals(event);
    String what = error ? (count == 1 ? "pin check error" : "pin check errors")
        : (count == 1 ? "pin violation" : "pin violations");
    String sinceText = Instant.ofEpochMilli(since).toString();
    log.log(AgentLog.Level.WARNING, event + ".summary", AgentLog.PREFIX + count + " more " + what + " for host="
        + key.host + " port=" + port + " pin_set=" + key.set + " action=" + key.action + " since " + sinceText
        + " (logged at most once a minute; each is counted in tls_pin_" + (error ? "checks_total" : "violations_total")
        + ")", "count", count, "host", key.host, "port", port, "pin_set", key.set, "action", key.action, "since",
        sinceText);
  }

  private Key keyOf(PinViolation violation) {
    Key key = new Key(violation.set().name(), violation.host(), violation.logAction());
    if (entries.size() < MAX_KEYS || entries.containsKey(key)) {
      return key;
    }
    forgetQuietEntries();
    return entries.size() < MAX_KEYS ? key : new Key(violation.set().name(), "other", violation.logAction());
  }

  /** Drops entries with nothing held back whose window has passed: their next violation is logged in full anyway. */
  private void forgetQuietEntries() {
    long now = clock.getAsLong();
    for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Entry entry = it.next().getValue();
      synchronized (entry) {
        if (entry.heldBack == 0 && now - entry.lastLineAt >= windowMillis) {
          it.remove();
        }
      }
    }
  }

  /** One daemon thread, created at the first summary due, so that a quiet service never starts it. */
  private static final class DaemonScheduler implements Scheduler {
    private ScheduledThreadPoolExecutor executor;

    @Override
    public synchronized void schedule(Runnable task, long delayMillis) {
      if (executor == null) {
        executor = new ScheduledThreadPoolExecutor(1, runnable -> {
          Thread thread = new Thread(runnable, "pin-agent-log");
          thread.setDaemon(true);
          return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
      }
      executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }
  }
}
