package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.policy.HostPattern;
import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import dev.pinagent.testing.TestPki;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A remembered match is reused only for exactly what was matched: the same certificates (by identity, each of
 * them, in order), pin-set, SNI name, peer host and trust manager. Anything else is worked out in full, since a
 * match for one of them says nothing about another (another pin-set's pins, another name the leaf may not carry,
 * another manager's anchors).
 */
class MatchCacheTest {
  private static final TestPki.Issued ROOT = TestPki.ca("CN=Root").build();
  private static final TestPki.Issued CA = TestPki.ca("CN=Issuing CA").issuedBy(ROOT).build();
  private static final X509Certificate LEAF = TestPki.leaf("api.example.com").issuedBy(CA).build().certificate;
  private static final X509Certificate OTHER_CA = TestPki.ca("CN=Issuing CA").issuedBy(ROOT).build().certificate;
  private static final PinSet SET = set("api");
  private static final PinSet OTHER_SET = set("api-too");
  private static final X509TrustManager MANAGER = TestPki.trustManager(ROOT.certificate);
  private static final X509TrustManager OTHER_MANAGER = TestPki.trustManager(ROOT.certificate);
  private static final Pin PIN = Pin.parse(CA.pin());

  /** What is asked after a match of LEAF, CA for SET, "api.example.com", "origin.internal", MANAGER. */
  private static final class Lookup {
    X509Certificate[] chain = {LEAF, CA.certificate};
    PinSet set = SET;
    String serverName = "api.example.com";
    String peerHost = "origin.internal";
    X509TrustManager manager = MANAGER;
  }

  static Stream<Arguments> differences() {
    return Stream.<Arguments>of(
        row("another pin-set", lookup -> lookup.set = OTHER_SET),
        row("another trust manager", lookup -> lookup.manager = OTHER_MANAGER),
        row("a shorter chain", lookup -> lookup.chain = new X509Certificate[] {LEAF}),
        row("a longer chain", lookup -> lookup.chain = new X509Certificate[] {LEAF, CA.certificate,
            ROOT.certificate}),
        row("another certificate above the same leaf", lookup -> lookup.chain = new X509Certificate[] {LEAF,
            OTHER_CA}),
        row("another SNI name", lookup -> lookup.serverName = "www.example.com"),
        row("no SNI name", lookup -> lookup.serverName = null),
        row("another peer host", lookup -> lookup.peerHost = "other.internal"),
        row("no peer host", lookup -> lookup.peerHost = null),
        row("another leaf", lookup -> lookup.chain = new X509Certificate[] {OTHER_CA, CA.certificate}),
        row("no certificates", lookup -> lookup.chain = new X509Certificate[0]),
        row("a chain without its leaf", lookup -> lookup.chain = new X509Certificate[] {null, CA.certificate}),
        row("no chain", lookup -> lookup.chain = null));
  }

  private static Arguments row(String difference, java.util.function.Consumer<Lookup> change) {
    Function<Lookup, Lookup> changed = lookup -> {
      change.accept(lookup);
      return lookup;
    };
    return Arguments.of(difference, changed);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("differences")
  void reusesNoMatchForAnythingElse(String difference, Function<Lookup, Lookup> change) {
    MatchCache cache = new MatchCache(16);
    cache.remember(new X509Certificate[] {LEAF, CA.certificate}, SET, "api.example.com", "origin.internal", MANAGER,
        PIN);

    Lookup lookup = change.apply(new Lookup());

    assertThat(cache.matchedPin(lookup.chain, lookup.set, lookup.serverName, lookup.peerHost, lookup.manager))
        .isNull();
  }

  @Test
  void reusesAMatchForTheSameCertificatesNamesAndTrustManager() {
    MatchCache cache = new MatchCache(16);
    X509Certificate[] chain = {LEAF, CA.certificate};
    cache.remember(chain, SET, "api.example.com", "origin.internal", MANAGER, PIN);
    chain[1] = OTHER_CA;

    Lookup same = new Lookup();
    assertThat(cache.matchedPin(same.chain, same.set, same.serverName, same.peerHost, same.manager))
        .as("in a new array, and unchanged by the caller changing its own").isEqualTo(PIN);
  }

  @Test
  void remembersAMatchWithoutNames() {
    MatchCache cache = new MatchCache(16);
    cache.remember(new X509Certificate[] {LEAF}, SET, null, null, MANAGER, PIN);

    assertThat(cache.matchedPin(new X509Certificate[] {LEAF}, SET, null, null, MANAGER)).isEqualTo(PIN);
  }

  @Test
  void startsOverWhenFullSoThatItHoldsAtMostItsCapacity() {
    MatchCache cache = new MatchCache(2);
    X509Certificate second = TestPki.leaf("b.example.com").issuedBy(CA).build().certificate;
    X509Certificate third = TestPki.leaf("c.example.com").issuedBy(CA).build().certificate;
    cache.remember(new X509Certificate[] {LEAF}, SET, null, null, MANAGER, PIN);
    cache.remember(new X509Certificate[] {second}, SET, null, null, MANAGER, PIN);
    assertThat(cache.matchedPin(new X509Certificate[] {LEAF}, SET, null, null, MANAGER)).as("two fit").isEqualTo(PIN);

    cache.remember(new X509Certificate[] {third}, SET, null, null, MANAGER, PIN);

    assertThat(cache.matchedPin(new X509Certificate[] {LEAF}, SET, null, null, MANAGER)).isNull();
    assertThat(cache.matchedPin(new X509Certificate[] {third}, SET, null, null, MANAGER)).isEqualTo(PIN);
  }

  private static PinSet set(String name) {
    return PinSet.of(name, List.of(HostPattern.parse("api.example.com")), List.of(Pin.parse(CA.pin()),
        Pin.parse(TestPki.randomPin())), Mode.ENFORCE, null);
  }
}
