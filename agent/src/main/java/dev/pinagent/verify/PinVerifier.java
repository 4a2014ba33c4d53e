package dev.pinagent.verify;

import dev.pinagent.metrics.PinCounters;
import dev.pinagent.policy.HostName;
import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.X509TrustManager;

/**
 * Checks one server chain (already accepted by the original trust manager) against the policy, counts the
 * outcome and, for a mismatch, logs it and, in enforce mode, fails the handshake.
 *
 * <p>A connection has up to two names: the SNI name it sent and the host it was opened with. The JDK's
 * identity check accepts a certificate for either, so a pin-set matching either applies (both, when they
 * match different sets).
 *
 * <p>Whether a chain satisfies a set is {@link PinMatcher}'s decision; this class adds what the agent does
 * with it.
 *
 * <p>An exception inside the check itself (a certificate it cannot read) fails closed for a pinned host in
 * enforce mode and lets the original decision stand otherwise; either way it is counted as {@code error}.
 */
public final class PinVerifier {
  private final Policy policy;
  private final PinCounters counters;
  private final SpkiPins spkiPins;
  private final PinMatcher matcher;
  private final ViolationListener listener;
  private final LongSupplier clock;
  private final CheckObserver observer;

  /** Bounds of the verifier's caches: distinct hosts, verified signatures, matched chains. */
  public static final int HOST_CACHE_SIZE = 4096;
  public static final int SIGNATURE_CACHE_SIZE = 4096;
  public static final int MATCH_CACHE_SIZE = 2048;

  /** The pin-set a host gets, remembered; {@code NO_SET} stands for "none" (a map cannot hold null). */
  private final ConcurrentHashMap<String, Object> setOfHost = new ConcurrentHashMap<>();
  private static final Object NO_SET = new Object();
  private final MatchCache matches = new MatchCache(MATCH_CACHE_SIZE);

  /** A verifier that prints each violation's text line to {@code log}. */
  public PinVerifier(Policy policy, PinCounters counters, SpkiPins spkiPins, Consumer<String> log, LongSupplier clock) {
    this(policy, counters, spkiPins, clock, ViolationListener.logging(log), CheckObserver.NONE);
  }

  /**
   * A verifier that tells {@code listener} of each violation and check error (which it logs, reports), and {@code
   * observer} of every chain it checks for a named host (the inventory).
   */
  public PinVerifier(Policy policy, PinCounters counters, SpkiPins spkiPins, LongSupplier clock,
      ViolationListener listener, CheckObserver observer) {
    this.observer = observer;
    this.policy = policy;
    this.counters = counters;
    this.spkiPins = spkiPins;
    this.matcher = new PinMatcher(spkiPins, new SignatureCache(SIGNATURE_CACHE_SIZE));
    this.listener = listener;
    this.clock = clock;
  }

  /**
   * A verifier for {@code next}, a policy replacing this one: its own caches, its counters in the same store, and
   * the same listener and observer, so reports, the log's rate limit and the inventory carry on across a reload.
   */
  public PinVerifier forPolicy(Policy next) {
    return new PinVerifier(next, counters.forPolicy(next), spkiPins, clock, listener, observer);
  }

  /** A verifier with its own counters, for tools and benchmarks that check chains outside an agent. */
  public static PinVerifier standalone(Policy policy, Consumer<String> log) {
    return new PinVerifier(policy, new PinCounters(policy, 100), new SpkiPins(4096), log, System::currentTimeMillis);
  }

  /**
   * The pin-set that applies to {@code host} now: the most specific one, unless it has expired, in which case the
   * next most specific live one takes over. An expired set stops overriding; it never unpins a host a broader set
   * covers. When every matching set has expired, the most specific is returned (and the check is {@code expired}).
   */
  private PinSet setOf(String host) {
    PinSet mostSpecific = mostSpecificSetOf(host);
    if (mostSpecific == null || !mostSpecific.isExpiredAt(clock.getAsLong())) {
      return mostSpecific;
    }
    for (PinSet broader : policy.allMatches(host)) {
      if (!broader.isExpiredAt(clock.getAsLong())) {
        return broader;
      }
    }
    return mostSpecific;
  }

  /** {@link Policy#match}, remembered per host so that wildcard lookups allocate nothing after the first. */
  private PinSet mostSpecificSetOf(String host) {
    Object known = setOfHost.get(host);
    if (known == null) {
      PinSet set = policy.match(host);
      known = set == null ? NO_SET : set;
      if (setOfHost.size() >= HOST_CACHE_SIZE) {
        setOfHost.clear();
      }
      setOfHost.put(host, known);
    }
    return known == NO_SET ? null : (PinSet) known;
  }

  /** Where this verifier counts. */
  public PinCounters counters() {
    return counters;
  }

  /** The policy this verifier enforces. */
  public Policy policy() {
    return policy;
  }

  /** Whether a pin-set covers any of {@code hosts} (raw connection hosts; {@code null}s are skipped). */
  public boolean pinsAnyOf(String... hosts) {
    for (String raw : hosts) {
      String host = HostName.normalizeConnectionHost(raw);
      if (host != null && setOf(host) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code chain} satisfies the pin-set of {@code host}, if any, recording nothing: for a decision about
   * reusing a connection that was checked for another host. Anchors not sent come from the JVM's trust store.
   * Anything unexpected answers no, which only costs a new, fully checked connection.
   */
  public boolean wouldAccept(X509Certificate[] chain, String host) {
    String normalized = HostName.normalizeConnectionHost(host);
    if (normalized == null) {
      return false;
    }
    PinSet set = setOf(normalized);
    if (set == null || set.isExpiredAt(clock.getAsLong())) {
      return true;
    }
    try {
      return matcher.match(chain, set, List.of(normalized), null).matched();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** {@link #check(X509Certificate[], String, String, int, X509TrustManager)} for a connection with one name. */
  public CheckResult check(X509Certificate[] chain, String host, int port, X509TrustManager trustManager)
      throws CertificateException {
    return check(chain, null, host, port, trustManager);
  }

  /**
   * Checks {@code chain}; returns the outcome, or throws when the connection must fail.
   *
   * @param serverName the SNI name the client sent, or {@code null}
   * @param peerHost the host the connection was opened with, or {@code null}
   * @param trustManager the manager that accepted the chain, asked for trust anchors when needed
   */
  public CheckResult check(X509Certificate[] chain, String serverName, String peerHost, int port,
      X509TrustManager trustManager) throws CertificateException {
    String sni = HostName.normalizeConnectionHost(serverName);
    String peer = HostName.normalizeConnectionHost(peerHost);
    if (sni == null && peer == null) {
      return record(null, CheckResult.UNKNOWN_HOST);
    }
    PinSet bySni = sni == null ? null : setOf(sni);
    PinSet byPeer = peer == null ? null : setOf(peer);
    CheckResult result = null;
    try {
      result = checkSets(chain, sni, peer, bySni, byPeer, port, trustManager);
      return result;
    } finally {
      observe(chain, sni, peer, port, trustManager, bySni != null ? bySni : byPeer, result);
    }
  }

  /** Tells the observer; whatever it throws is dropped, as the check's own outcome must stand. */
  private void observe(X509Certificate[] chain, String sni, String peer, int port, X509TrustManager trustManager,
      PinSet set, CheckResult result) {
    try {
      observer.checked(chain, sni, peer, port, trustManager, set, result);
    } catch (Throwable e) {
      // The inventory is a record; it must never decide or break a handshake. Counted, so a bug is seen.
      try {
        counters.recordAgentError("inventory");
      } catch (Throwable ignored) {
        // Nothing more to do without risking the handshake.
      }
    }
  }

  private CheckResult checkSets(X509Certificate[] chain, String sni, String peer, PinSet bySni, PinSet byPeer,
      int port, X509TrustManager trustManager) throws CertificateException {
    if (bySni == null && byPeer == null) {
      return record(null, CheckResult.UNPINNED);
    }
    CheckResult result = null;
    if (bySni != null) {
      result = checkSet(chain, bySni, sni, sni, peer, port, trustManager);
    }
    if (byPeer != null && byPeer != bySni) {
      CheckResult peerResult = checkSet(chain, byPeer, peer, sni, peer, port, trustManager);
      result = result == null || result == CheckResult.MATCH || result == CheckResult.EXPIRED ? peerResult : result;
    }
    return result;
  }

  private CheckResult checkSet(X509Certificate[] chain, PinSet set, String host, String sni, String peer, int port,
      X509TrustManager trustManager) throws CertificateException {
    if (set.isExpiredAt(clock.getAsLong())) {
      return record(set, CheckResult.EXPIRED);
    }
    Pin remembered = matches.matchedPin(chain, set, sni, peer, trustManager);
    if (remembered != null) {
      counters.recordMatch(set, remembered);
      return CheckResult.MATCH;
    }
    try {
      List<String> names = new ArrayList<>(2);
      if (sni != null) {
        names.add(sni);
      }
      if (peer != null && !peer.equals(sni)) {
        names.add(peer);
      }
      PinMatcher.Match match = matcher.match(chain, set, names, trustManager);
      if (match.matched()) {
        matches.remember(chain, set, sni, peer, trustManager, match.pin());
        counters.recordMatch(set, match.pin());
        return CheckResult.MATCH;
      }
      return violation(chain, match, host, port, set);
    } catch (RuntimeException e) {
      record(set, CheckResult.ERROR);
      boolean blocked = set.mode() == Mode.ENFORCE;
      String error = Printable.of(e);
      Map<String, Object> fields = fields(host, port, set, blocked ? "blocked" : "allowed");
      fields.put("error", error);
      tell(new PinViolation(clock.getAsLong(), host, port, set, PinViolation.Action.ERROR, blocked, error, chain,
          List.of(), "[pin-agent] pin check error: host=" + host + " port=" + port + " pin_set=" + set.name()
          + " action=" + (blocked ? "blocked" : "allowed") + " error=" + error, fields));
      if (blocked) {
        throw new CertificateException("Certificate pinning check failed for " + host + " (pin-set '"
            + set.name() + "'): " + Printable.of(e), e);
      }
      return CheckResult.ERROR;
    }
  }

  private CheckResult violation(X509Certificate[] sent, PinMatcher.Match evaluation, String host, int port, PinSet set)
      throws CertificateException {
    record(set, CheckResult.MISMATCH);
    boolean blocked = set.mode() == Mode.ENFORCE;
    counters.recordViolation(set, host, blocked);
    StringBuilder presented = new StringBuilder();
    StringBuilder subjects = new StringBuilder();
    for (X509Certificate certificate : evaluation.path()) {
      presented.append(presented.length() == 0 ? "" : ",").append(spkiPins.of(certificate));
      subjects.append(subjects.length() == 0 ? "" : ",").append(quoted(certificate.getSubjectX500Principal()
          .getName()));
    }
    String advice = advice(evaluation, host, set);
    Map<String, Object> fields = fields(host, port, set, blocked ? "blocked" : "reported");
    fields.put("presented", presented.toString());
    fields.put("subjects", subjects.toString());
    if (advice != null) {
      fields.put("advice", Printable.of(advice));
    }
    tell(new PinViolation(clock.getAsLong(), host, port, set,
        blocked ? PinViolation.Action.BLOCKED : PinViolation.Action.REPORTED, blocked, evaluation.reason(), sent,
        evaluation.path(), "[pin-agent] pin violation: host=" + host + " port=" + port + " pin_set=" + set.name()
        + " action=" + (blocked ? "blocked" : "reported") + " presented=" + presented + " subjects=" + subjects
        + (advice == null ? "" : " advice=" + quoted(advice)), fields));
    if (blocked) {
      throw new CertificateException(failureMessage(sent, evaluation, host, set));
    }
    return CheckResult.MISMATCH;
  }

  private static Map<String, Object> fields(String host, int port, PinSet set, String action) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("host", host);
    fields.put("port", port);
    fields.put("pin_set", set.name());
    fields.put("action", action);
    return fields;
  }

  /**
   * Hands {@code violation} to the listener, which must not decide anything: what it throws is counted and
   * dropped, so that a failing log or report can neither block a reported violation nor let a blocked one through.
   */
  private void tell(PinViolation violation) {
    try {
      listener.violated(violation);
    } catch (RuntimeException e) {
      counters.recordAgentError("violation_listener");
    }
  }

  /** Lists what was presented and what was expected, so an operator can paste the right pin. */
  private String failureMessage(X509Certificate[] sent, PinMatcher.Match evaluation, String host, PinSet set) {
    StringBuilder message = new StringBuilder("Certificate pinning failure for host ").append(host)
        .append(" (pin-set '").append(set.name()).append("'): ").append(evaluation.reason()).append('.')
        .append("\n  Certification path (leaf first):");
    for (X509Certificate certificate : evaluation.path()) {
      message.append("\n    ").append(spkiPins.of(certificate)).append(": ").append(subject(certificate));
    }
    boolean headed = false;
    for (X509Certificate certificate : sent) {
      if (certificate != null && !evaluation.path().contains(certificate)) {
        if (!headed) {
          message.append("\n  Sent but not on the path from the leaf (never counted):");
          headed = true;
        }
        message.append("\n    ").append(spkiPins.of(certificate)).append(": ").append(subject(certificate));
      }
    }
    message.append("\n  Pinned keys for pin-set '").append(set.name()).append("':");
    for (Pin pin : set.pinList()) {
      message.append("\n    ").append(pin);
    }
    String advice = advice(evaluation, host, set);
    if (advice != null) {
      message.append("\n  What to do: ").append(advice).append("; confirm the move with the host's owner first, "
          + "as an interception looks the same");
    }
    return message.toString();
  }

  /**
   * When no pinned key is on the path, the likeliest legitimate cause is a planned move to another CA: the pin
   * that would admit it is the first CA's on the path (the issuing CA: tighter than the root, and what a partner's
   * new chain goes through), or the leaf's own when the path has no CA. {@code null} when a pinned key is on the
   * path, where the failure is something else (a name the leaf lacks, an invalid path) and a new pin fixes nothing.
   */
  private String advice(PinMatcher.Match evaluation, String host, PinSet set) {
    List<X509Certificate> path = evaluation.path();
    if (path.isEmpty()) {
      return null;
    }
    for (X509Certificate certificate : path) {
      if (set.pins().contains(spkiPins.of(certificate))) {
        return null;
      }
    }
    X509Certificate suggested = path.size() > 1 ? path.get(1) : path.get(0);
    return "if " + host + " has moved to a new CA on purpose, add " + spkiPins.of(suggested) + " ("
        + subject(suggested) + ") to pin-set '" + set.name() + "'";
  }

  /**
   * {@code text} in double quotes, on one line whatever it holds ({@link Printable}). The quotes cannot be ended
   * early: the texts are RFC 2253 names, which put a backslash before any quote or backslash in a value, and host
   * and pin-set names, which host normalization and the policy keep to plain characters.
   */
  private static String quoted(String text) {
    return "\"" + Printable.of(text) + "\"";
  }

  private static String subject(X509Certificate certificate) {
    return Printable.subject(certificate);
  }

  private CheckResult record(PinSet set, CheckResult result) {
    counters.recordCheck(set, result);
    return result;
  }
}
