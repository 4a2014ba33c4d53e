package dev.pinagent;

import dev.pinagent.bridge.TrustManagerWrapping;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyLint;
import dev.pinagent.reload.PolicyReloader;
import dev.pinagent.verify.CheckObserver;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.Printable;
import dev.pinagent.verify.SpkiPins;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Puts a reloaded policy in force: builds its snapshot (verifier, caches, a counters view over the same store),
 * swaps it in with one write, and then empties the client session caches, so that no session checked under the
 * old policy is resumed under the new one (a resumed session skips the trust manager). Caches are emptied again
 * at the next look at the source, for the sessions of handshakes that were checked under the old policy while
 * the swap happened.
 */
final class PolicySwitch implements PolicyReloader.Target {
  private final AgentEnforcement enforcement;
  private final SpkiPins spkiPins;
  private final CheckObserver observer;
  private final String source;
  private final Consumer<String> log;
  private final LongSupplier clock;
  private volatile boolean sessionsToForgetAgain;

  /** @param observer told of every check under every policy (the inventory), as under the first */
  PolicySwitch(AgentEnforcement enforcement, SpkiPins spkiPins, CheckObserver observer, String source,
      Consumer<String> log, LongSupplier clock) {
    this.enforcement = enforcement;
    this.spkiPins = spkiPins;
    this.observer = observer;
    this.source = source;
    this.log = log;
    this.clock = clock;
  }

  @Override
  public void install(Policy policy, String sha256) {
    PinVerifier old = enforcement.verifier();
    PinCounters counters = old.counters().forPolicy(policy);
    PinVerifier next = new PinVerifier(policy, counters, spkiPins, log, clock, observer);
    String previous = old.counters().store().policyStatus().sha256();
    counters.policyLoaded(PolicyReloader.shortFingerprint(sha256), source, clock.getAsLong());
    enforcement.replace(next);
    int forgotten = forgetSessions();
    sessionsToForgetAgain = true;
    log.accept("[pin-agent] policy reloaded: pinning " + policy.pinSets().size() + " pin-set(s) from "
        + Printable.of(source) + " (default mode " + policy.defaultMode().id() + ", sha256 "
        + PolicyReloader.shortFingerprint(sha256) + (previous == null ? ", was unpinned" : ", was " + previous)
        + "); " + forgotten + " cached TLS session(s) forgotten");
    for (String warning : PolicyLint.summarized(PolicyLint.lint(policy, clock.getAsLong()),
        AgentStartup.WARNINGS_PER_KIND, "run java -jar pin-agent.jar check " + source + " --all to see them all")) {
      log.accept("[pin-agent] WARNING: " + Printable.of(source) + ": " + Printable.of(warning));
    }
  }

  /** Called at each look at the source: finishes the emptying of session caches after a swap. */
  void beforeEachLook() {
    if (sessionsToForgetAgain) {
      sessionsToForgetAgain = false;
      forgetSessions();
    }
  }

  private int forgetSessions() {
    try {
      return TrustManagerWrapping.forgetResumableSessions();
    } catch (RuntimeException e) {
      enforcement.failed("resumption", e);
      return 0;
    }
  }
}
