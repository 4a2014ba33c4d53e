package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.policy.yaml.PolicyLoader;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The edges of the policy's values: the exact instant a pin-set stops being enforced, which values are equal,
 * and the accessors that error messages and metrics read.
 */
class PolicyValuesEdgesTest {
  private static final String PIN_A = "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=";
  private static final String PIN_B = "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=";
  private static final LocalDate EXPIRES = LocalDate.of(2030, 6, 1);
  private static final long EXPIRY_MILLIS = EXPIRES.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();

  private static PinSet set(String name, LocalDate expires) {
    return PinSet.of(name, List.of(HostPattern.parse("api.example.com")), List.of(Pin.parse(PIN_A),
        Pin.parse(PIN_B)), Mode.ENFORCE, expires);
  }

  @Test
  void stopsEnforcingAtTheFirstMillisecondOfItsExpiryDayUtc() {
    PinSet set = set("api", EXPIRES);
    assertThat(set.isExpiredAt(EXPIRY_MILLIS - 1)).isFalse();
    assertThat(set.isExpiredAt(EXPIRY_MILLIS)).isTrue();
    assertThat(set.secondsUntilExpiry(EXPIRY_MILLIS - 1500)).isEqualTo(1.5);
    assertThat(set.secondsUntilExpiry(EXPIRY_MILLIS + 2000)).isEqualTo(-2.0);
  }

  @Test
  void listsItsPinsInPolicyOrderAndIsNamedByItsName() {
    PinSet set = set("api-v2", null);
    assertThat(set.pinList()).containsExactly(Pin.parse(PIN_A), Pin.parse(PIN_B));
    assertThat(set).hasToString("api-v2");
  }

  @Test
  void acceptsOnlyNamesOfLettersDigitsAndSeparators() {
    assertThat(PinSet.isValidName("api-v2.internal_1")).isTrue();
    assertThat(PinSet.isValidName(null)).isFalse();
    assertThat(PinSet.isValidName("-api")).isFalse();
    assertThat(PinSet.isValidName("api v2")).isFalse();
  }

  @Test
  void pinsAreEqualOnlyForTheSameKeyHash() {
    assertThat(Pin.parse(PIN_A)).isEqualTo(Pin.parse(PIN_A)).hasSameHashCodeAs(Pin.parse(PIN_A));
    assertThat(Pin.parse(PIN_A)).isNotEqualTo(Pin.parse(PIN_B)).isNotEqualTo(PIN_A);
    byte[] digest = java.util.Base64.getDecoder().decode(PIN_A.substring("sha256/".length()));
    assertThat(Pin.ofSha256(digest)).isEqualTo(Pin.parse(PIN_A));
    assertThatThrownBy(() -> Pin.ofSha256(new byte[31])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hostPatternsAreEqualOnlyForTheSameKindAndDomain() {
    assertThat(HostPattern.parse("API.example.com")).isEqualTo(HostPattern.parse("api.example.com"))
        .hasSameHashCodeAs(HostPattern.parse("api.example.com"));
    assertThat(HostPattern.parse("*.example.com")).isNotEqualTo(HostPattern.parse("**.example.com"))
        .isNotEqualTo(HostPattern.parse("example.com")).isNotEqualTo("*.example.com");
  }

  @Test
  void aWildcardCoversOnlyHostsWithAtLeastOneMoreLabel() {
    HostPattern oneLabel = HostPattern.parse("*.example.com");
    HostPattern anyDepth = HostPattern.parse("**.example.com");
    assertThat(oneLabel.matches("a.example.com")).isTrue();
    assertThat(oneLabel.matches(".example.com")).isFalse();
    assertThat(oneLabel.matches("aexample.com")).isFalse();
    assertThat(anyDepth.matches("a.example.com")).isTrue();
    assertThat(anyDepth.matches("example.com")).isTrue();
    assertThat(anyDepth.matches(".example.com")).isFalse();
    assertThat(anyDepth.matches("aexample.com")).isFalse();
  }

  @Test
  void findsTheSetsOfEveryPatternCoveringAHost() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n"
        + "  - name: exact\n    hosts: [a.b.example.com]\n    pins: [" + PIN_A + "]\n"
        + "  - name: one\n    hosts: [\"*.b.example.com\"]\n    pins: [" + PIN_A + "]\n"
        + "  - name: deep\n    hosts: [\"**.example.com\"]\n    pins: [" + PIN_A + "]\n"
        + "  - name: top\n    hosts: [\"**.com\"]\n    pins: [" + PIN_A + "]\n");
    assertThat(policy.allMatches("a.b.example.com")).extracting(PinSet::name)
        .containsExactly("exact", "one", "deep", "top");
    assertThat(policy.allMatches("b.example.com")).extracting(PinSet::name).containsExactly("deep", "top");
    assertThat(policy.allMatches("com")).extracting(PinSet::name).as("** covers the domain itself")
        .containsExactly("top");
    assertThat(policy.allMatches("example.org")).isEmpty();
  }

  @Test
  void buildsAPolicyOfSeveralSetsInOneChain() {
    Policy policy = Policy.builder(Mode.ENFORCE).add(set("one", null))
        .add(PinSet.of("two", List.of(HostPattern.parse("b.example.com")), List.of(Pin.parse(PIN_A)), Mode.REPORT,
            null)).build();
    assertThat(policy.pinSets()).extracting(PinSet::name).containsExactly("one", "two");
  }

  @Test
  void namesTheFileAndThePathOfAnError() {
    assertThatThrownBy(() -> PolicyLoader.parse("pins.yaml", "version: 1\npin-sets:\n  - name: a\n    hosts: []\n"
        + "    pins: [" + PIN_A + "]\n"))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.file()).isEqualTo("pins.yaml");
          assertThat(e.yamlPath()).isEqualTo("/pin-sets/0/hosts");
          assertThat(e.line()).isEqualTo(4);
        });
  }

  @Test
  void aLintWarningReadsAsItsMessage() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n  - name: a\n    hosts: [a.example.com]\n"
        + "    pins: [" + PIN_A + "]\n");
    List<PolicyLint.Warning> warnings = PolicyLint.lint(policy, EXPIRY_MILLIS);
    assertThat(warnings).isNotEmpty();
    assertThat(warnings.get(0)).hasToString(warnings.get(0).message());
  }
}
