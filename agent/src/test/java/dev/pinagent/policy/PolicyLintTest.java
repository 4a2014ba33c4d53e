package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.policy.yaml.PolicyLoader;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class PolicyLintTest {
  private static final String PIN_A = "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=";
  private static final String PIN_B = "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=";
  private static final long NOW = LocalDate.of(2027, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();

  private static java.util.List<String> lint(String yaml) throws Exception {
    return PolicyLint.warnings(PolicyLoader.parse("p.yaml", yaml), NOW);
  }

  private static String set(String name, String hosts, String pins, String extra) {
    return "  - name: " + name + "\n    hosts: [" + hosts + "]\n    pins: [" + pins + "]\n" + extra;
  }

  @Test
  void saysNothingAboutAPolicyWithBackupPinsAndNoOverlap() throws Exception {
    assertThat(lint("version: 1\npin-sets:\n" + set("a", "a.example.com", PIN_A + ", " + PIN_B, ""))).isEmpty();
  }

  @Test
  void warnsAboutAnEnforcedSetWithASinglePinButNotAReportedOne() throws Exception {
    assertThat(lint("version: 1\npin-sets:\n" + set("a", "a.example.com", PIN_A, "")
        + set("b", "b.example.com", PIN_A, "    mode: report\n")))
        .singleElement().asString().startsWith("pin-set 'a' is enforced with a single pin: add a backup pin");
  }

  @Test
  void warnsAboutASetExpiringWithinThirtyDaysAndAnExpiredOne() throws Exception {
    assertThat(lint("version: 1\npin-sets:\n"
        + set("soon", "a.example.com", PIN_A + ", " + PIN_B, "    expires: 2027-01-20\n")
        + set("later", "b.example.com", PIN_A + ", " + PIN_B, "    expires: 2027-03-01\n")
        + set("gone", "c.example.com", PIN_A, "    expires: 2026-12-01\n")))
        .containsExactly(
            "pin-set 'soon' expires on 2027-01-20, in 19 day(s); from that day on it is not enforced",
            "pin-set 'gone' expired on 2026-12-01 and is not enforced");
  }

  @Test
  void explainsOverlappingPatternsAndWhichSetWins() throws Exception {
    assertThat(lint("version: 1\npin-sets:\n"
        + set("api", "api.example.com", PIN_A + ", " + PIN_B, "")
        + set("wild", "\"*.example.com\"", PIN_A + ", " + PIN_B, "")
        + set("deep", "\"**.example.com\"", PIN_A + ", " + PIN_B, "")))
        .containsExactly(
            "'api.example.com' (pin-set 'api') and '*.example.com' (pin-set 'wild') overlap: api.example.com is "
                + "matched by both and gets pin-set 'api' (the most specific pattern wins)",
            "'api.example.com' (pin-set 'api') and '**.example.com' (pin-set 'deep') overlap: api.example.com is "
                + "matched by both and gets pin-set 'api' (the most specific pattern wins)",
            "'*.example.com' (pin-set 'wild') and '**.example.com' (pin-set 'deep') overlap: x.example.com is "
                + "matched by both and gets pin-set 'wild' (the most specific pattern wins)");
  }

  @Test
  void findsNoOverlapBetweenSiblingWildcards() {
    assertThat(PolicyLint.sharedHost(HostPattern.parse("*.a.example.com"), HostPattern.parse("*.b.example.com")))
        .isNull();
    assertThat(PolicyLint.sharedHost(HostPattern.parse("*.example.com"), HostPattern.parse("**.a.example.com")))
        .isEqualTo("a.example.com");
    assertThat(PolicyLint.sharedHost(HostPattern.parse("**.example.com"), HostPattern.parse("**.a.example.com")))
        .isEqualTo("x.a.example.com");
  }

  @Test
  void warnsAboutAPolicyThatPinsNothing() throws Exception {
    assertThat(lint("version: 1\npin-sets: []\n")).containsExactly("the policy has no pin-sets: nothing is pinned");
  }
}
