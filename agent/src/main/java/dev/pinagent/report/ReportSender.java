package dev.pinagent.report;

import dev.pinagent.json.Json;
import dev.pinagent.log.AgentLog;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.verify.PinViolation;
import dev.pinagent.verify.Printable;
import dev.pinagent.verify.ViolationListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Sends a violation report ({@link ViolationReport}) for every violation and check error of a pinned host to the
 * collector at {@code report.uri}, as an HTTP POST of one JSON object.
 *
 * <p>The handshake's thread only deduplicates and offers the report to a bounded queue ({@code report.queue}); one
 * daemon thread, {@value #THREAD_NAME}, does the HTTP. So a slow, dead or hostile collector never delays a handshake
 * and never grows memory: a full queue drops the report and counts it. Each attempt has a connect and a read
 * timeout and an overall deadline (a collector that trickles its answer byte by byte is cut off); a 5xx answer or
 * a failed connection is tried again, {@value #MAX_ATTEMPTS} attempts in all with a doubling pause; any other
 * answer but 2xx fails at once. Outcomes are counted in {@code tls.pin.reports}: {@code sent}, {@code deduplicated},
 * {@code dropped}, {@code failed}.
 *
 * <p><b>Deduplication.</b> A man in the middle makes every handshake of every client a violation; browsers sent
 * one HPKP report per pin failure and learnt to deduplicate, or each client becomes a flood. Reports of the same
 * host, port, pin-set, action and served chain are sent once per window ({@code report.dedupe}, default an hour);
 * those held back are sent as one report with their {@code count} when the window ends (by the sender's thread, so
 * the count of a burst that stops is not lost).
 *
 * <p><b>No loops.</b> The report to an {@code https} collector goes through the JVM's TLS, which the agent pins
 * like any other: if the collector's own chain violates a pin, that violation happens on the sender's thread, and
 * is logged and counted but never reported, or each report would produce the next one.
 */
public final class ReportSender implements ViolationListener {
  public static final String THREAD_NAME = "pin-agent-reports";
  static final int MAX_ATTEMPTS = 3;
  static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  static final int READ_TIMEOUT_MILLIS = 5_000;
  /** The most one attempt may take, however the collector trickles its answer. */
  static final long ATTEMPT_DEADLINE_MILLIS = 15_000;
  static final long FIRST_RETRY_PAUSE_MILLIS = 500;
  /** Distinct chains remembered for deduplication; each holds its certificates, so the number is bounded. */
  static final int MAX_DEDUPE_ENTRIES = 1000;
  /** How much of a collector's answer is read (and thrown away) so that the connection can be reused. */
  static final int MAX_RESPONSE_BYTES = 64 * 1024;
  /** How long a JVM that exits waits for reports still queued; only when there are some. */
  static final long EXIT_WAIT_MILLIS = 2_000;
  /** How often a failure of the same kind is logged; each is counted. */
  static final long FAILURE_LOG_INTERVAL_MILLIS = 3_600_000;

  /** The outcomes, as {@link PinCounters#REPORT_OUTCOMES} names them. */
  static final String SENT = PinCounters.REPORT_OUTCOMES.get(0);
  static final String DEDUPLICATED = PinCounters.REPORT_OUTCOMES.get(1);
  static final String DROPPED = PinCounters.REPORT_OUTCOMES.get(2);
  static final String FAILED = PinCounters.REPORT_OUTCOMES.get(3);

  /** Answers every request for credentials with none. */
  private static final Authenticator NO_CREDENTIALS = new Authenticator() {};

  private final URI uri;
  private final long dedupeMillis;
  private final PinCounters counters;
  private final AgentLog log;
  private final LongSupplier clock;
  private final String agentVersion;
  private final String service;
  private final BlockingQueue<Pending> queue;
  private final ConcurrentHashMap<DedupeKey, Window> windows = new ConcurrentHashMap<>();
  /** Reports queued or being sent: what a JVM that exits waits for. */
  private final AtomicInteger unfinished = new AtomicInteger();
  private final AtomicLong lastFailureLogged = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong lastDropLogged = new AtomicLong(Long.MIN_VALUE);
  private final ScheduledThreadPoolExecutor deadlines;
  private volatile Thread thread;
  private volatile ViolationReport.Origin origin;

  private ReportSender(URI uri, int queueSize, Duration dedupe, String service, String agentVersion,
      PinCounters counters, AgentLog log, LongSupplier clock) {
    this.uri = uri;
    this.dedupeMillis = dedupe.toMillis();
    this.service = service;
    this.agentVersion = agentVersion;
    this.counters = counters;
    this.log = log;
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(queueSize);
    this.deadlines = new ScheduledThreadPoolExecutor(1, runnable -> daemon(runnable, THREAD_NAME + "-deadline"));
    this.deadlines.setRemoveOnCancelPolicy(true);
  }

  /**
   * A sender whose thread is not started yet: reports offered before {@link #start()} wait in the queue.
   *
   * @param service the {@code service} field of every report
   */
  public static ReportSender create(URI uri, int queueSize, Duration dedupe, String service, String agentVersion,
      PinCounters counters, AgentLog log) {
    return new ReportSender(uri, queueSize, dedupe, service, agentVersion, counters, log, System::currentTimeMillis);
  }

  /** Starts the sender's thread, once the agent is sure to run (not on an attach that is refused). */
  public synchronized ReportSender start() {
    if (thread == null) {
      Thread started = daemon(this::run, THREAD_NAME);
      thread = started;
      started.start();
      Runtime.getRuntime().addShutdownHook(new Thread(this::awaitQueued, THREAD_NAME + "-exit"));
    }
    return this;
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }

  /** The collector, for the log: scheme, host and port only (a path or query may carry a token). */
  public String collector() {
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  /** A violation to report; {@code count} is how many violations it stands for. */
  private static final class Pending {
    final PinViolation violation;
    final long count;

    Pending(PinViolation violation, long count) {
      this.violation = violation;
      this.count = count;
    }
  }

  /** What makes two reports identical. */
  private static final class DedupeKey {
    final String host;
    final int port;
    final String set;
    final PinViolation.Action action;
    final List<X509Certificate> served;

    DedupeKey(PinViolation violation) {
      this.host = violation.host();
      this.port = violation.port();
      this.set = violation.set().name();
      this.action = violation.action();
      this.served = violation.served();
    }

    @Override
    public boolean equals(Object other) {
      if (!(other instanceof DedupeKey)) {
        return false;
      }
      DedupeKey key = (DedupeKey) other;
      // Certificates compare by their encoding, so the same chain from two handshakes is the same chain.
      return port == key.port && host.equals(key.host) && set.equals(key.set) && action == key.action
          && served.equals(key.served);
    }

    @Override
    public int hashCode() {
      return Objects.hash(host, port, set, action, served);
    }
  }

  /** One chain's deduplication window. */
  private static final class Window {
    final long start;
    final long heldBack;
    final PinViolation latest;

    Window(long start, long heldBack, PinViolation latest) {
      this.start = start;
      this.heldBack = heldBack;
      this.latest = latest;
    }
  }

  /** On the handshake's thread: deduplicate, queue, never block. */
  @Override
  public void violated(PinViolation violation) {
    if (Thread.currentThread() == thread) {
      // The collector's own connection: logged and counted by the verifier, never reported (no loops).
      return;
    }
    if (dedupeMillis <= 0) {
      enqueue(new Pending(violation, 1));
      return;
    }
    long now = clock.getAsLong();
    DedupeKey key = new DedupeKey(violation);
    if (windows.size() >= MAX_DEDUPE_ENTRIES && !windows.containsKey(key)) {
      forgetEndedWindows(now);
      if (windows.size() >= MAX_DEDUPE_ENTRIES) {
        // Remembering no more chains bounds memory; the queue still bounds what is sent.
        enqueue(new Pending(violation, 1));
        return;
      }
    }
    Pending[] toSend = new Pending[1];
    windows.compute(key, (k, window) -> {
      if (window == null || now - window.start >= dedupeMillis) {
        toSend[0] = new Pending(violation, (window == null ? 0 : window.heldBack) + 1);
        return new Window(now, 0, violation);
      }
      return new Window(window.start, window.heldBack + 1, violation);
    });
    if (toSend[0] != null) {
      enqueue(toSend[0]);
    } else {
      counters.recordReport(DEDUPLICATED);
    }
  }

  private void enqueue(Pending pending) {
    unfinished.incrementAndGet();
    if (!queue.offer(pending)) {
      unfinished.decrementAndGet();
      counters.recordReport(DROPPED);
      if (due(lastDropLogged)) {
        log.log(AgentLog.Level.WARNING, "report.dropped", AgentLog.PREFIX + "WARNING: the queue of violation "
            + "reports to " + collector() + " is full (" + (queue.size() + queue.remainingCapacity()) + "): reports "
            + "are dropped while the collector is slow or down; see tls_pin_reports_total{outcome=\"dropped\"} "
            + "(logged at most once an hour)", "collector", collector());
      }
    }
  }

  private boolean due(AtomicLong lastLogged) {
    long now = clock.getAsLong();
    long last = lastLogged.get();
    return (last == Long.MIN_VALUE || now - last >= FAILURE_LOG_INTERVAL_MILLIS) && lastLogged.compareAndSet(last, now);
  }

  /** Drops windows that have ended with nothing held back; their chain's next violation is sent at once anyway. */
  private void forgetEndedWindows(long now) {
    for (Iterator<Map.Entry<DedupeKey, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
      Window window = it.next().getValue();
      if (window.heldBack == 0 && now - window.start >= dedupeMillis) {
        it.remove();
      }
    }
  }

  /** The sender's thread: sends what is queued; about once a second, sends the counts of windows that ended. */
  private void run() {
    while (true) {
      try {
        Pending pending = queue.poll(Math.max(1, Math.min(dedupeMillis, 1000)), TimeUnit.MILLISECONDS);
        if (pending != null) {
          try {
            send(pending);
          } finally {
            unfinished.decrementAndGet();
          }
        }
        if (dedupeMillis > 0) {
          sendEndedWindows(clock.getAsLong());
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | Error e) {
        // Whatever goes wrong with one report must not end the reports.
        counters.recordReport(FAILED);
      }
    }
  }

  /** The violations held back in each window that has ended, as one report per chain. */
  private void sendEndedWindows(long now) {
    for (DedupeKey key : windows.keySet()) {
      Pending[] toSend = new Pending[1];
      windows.computeIfPresent(key, (k, window) -> {
        if (now - window.start < dedupeMillis) {
          return window;
        }
        if (window.heldBack == 0) {
          return null;
        }
        toSend[0] = new Pending(window.latest, window.heldBack);
        return new Window(now, 0, window.latest);
      });
      if (toSend[0] != null) {
        enqueue(toSend[0]);
      }
    }
  }

  private void send(Pending pending) throws InterruptedException {
    byte[] body = Json.line(ViolationReport.json(pending.violation, pending.count, origin()))
        .getBytes(StandardCharsets.UTF_8);
    String failure = null;
    long pause = FIRST_RETRY_PAUSE_MILLIS;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      Attempt result = post(body);
      if (result.sent) {
        counters.recordReport(SENT);
        return;
      }
      failure = result.failure;
      if (!result.retry || attempt == MAX_ATTEMPTS) {
        break;
      }
      Thread.sleep(pause);
      pause *= 2;
    }
    counters.recordReport(FAILED);
    if (due(lastFailureLogged)) {
      log.log(AgentLog.Level.WARNING, "report.failed", AgentLog.PREFIX + "WARNING: a violation report to "
          + collector() + " failed: " + failure + "; see tls_pin_reports_total{outcome=\"failed\"} (logged at most "
          + "once an hour)", "collector", collector(), "error", failure);
    }
  }

  private static final class Attempt {
    final boolean sent;
    final boolean retry;
    final String failure;

    Attempt(boolean sent, boolean retry, String failure) {
      this.sent = sent;
      this.retry = retry;
      this.failure = failure;
    }
  }

  private Attempt post(byte[] body) {
    HttpURLConnection connection = null;
    ScheduledFuture<?> deadline = null;
    try {
      connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
      connection.setReadTimeout(READ_TIMEOUT_MILLIS);
      connection.setInstanceFollowRedirects(false);
      // Not the application's default Authenticator: a collector (or whoever answers in its place) that asks for
      // credentials would be handed whatever the application answers for that host.
      connection.setAuthenticator(NO_CREDENTIALS);
      connection.setUseCaches(false);
      connection.setDoOutput(true);
      connection.setRequestMethod("POST");
      connection.setFixedLengthStreamingMode(body.length);
      connection.setRequestProperty("Content-Type", "application/json");
      connection.setRequestProperty("User-Agent", "PinAgent/" + agentVersion);
      HttpURLConnection cut = connection;
      deadline = deadlines.schedule(cut::disconnect, ATTEMPT_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
      try (OutputStream out = connection.getOutputStream()) {
        out.write(body);
      }
      int status = connection.getResponseCode();
      drain(connection, status);
      if (status >= 200 && status < 300) {
        return new Attempt(true, false, null);
      }
      return new Attempt(false, status >= 500, "HTTP " + status);
    } catch (IOException | RuntimeException e) {
      if (connection != null) {
        connection.disconnect();
      }
      return new Attempt(false, true, Printable.of(e));
    } finally {
      if (deadline != null) {
        deadline.cancel(false);
      }
    }
  }

  /** Reads the answer's body (up to a bound) so the connection can be kept alive; cuts it off beyond. */
  private static void drain(HttpURLConnection connection, int status) throws IOException {
    InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
    if (in == null) {
      return;
    }
    try (InputStream body = in) {
      byte[] buffer = new byte[4096];
      int total = 0;
      int read;
      while ((read = body.read(buffer)) >= 0) {
        total += read;
        if (total > MAX_RESPONSE_BYTES) {
          connection.disconnect();
          return;
        }
      }
    }
  }

  /** Who sends, found on the sender's thread: the machine's name may need a DNS lookup, never on a handshake. */
  private ViolationReport.Origin origin() {
    ViolationReport.Origin known = origin;
    if (known == null) {
      known = new ViolationReport.Origin(agentVersion, service, machineName());
      origin = known;
    }
    return known;
  }

  private static String machineName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      String fromEnvironment = System.getenv("HOSTNAME");
      return fromEnvironment == null ? "unknown" : fromEnvironment;
    }
  }

  /** Waits, briefly, for reports still queued when the JVM exits; returns at once when there are none. */
  private void awaitQueued() {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXIT_WAIT_MILLIS);
    while (unfinished.get() > 0 && System.nanoTime() < end) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * The default {@code service}: from the {@code sun.java.command} property, the jar's file name for
   * {@code java -jar}, else the main class; {@code unknown} when the launcher did not set it.
   */
  public static String serviceOf(String javaCommand) {
    if (javaCommand == null || javaCommand.isBlank()) {
      return "unknown";
    }
    String first = javaCommand.strip().split("\\s+", 2)[0];
    if (first.endsWith(".jar")) {
      try {
        return Printable.of(Paths.get(first).getFileName().toString());
      } catch (RuntimeException e) {
        return Printable.of(first);
      }
    }
    return Printable.of(first);
  }
}
