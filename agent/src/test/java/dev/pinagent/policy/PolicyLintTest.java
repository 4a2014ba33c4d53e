package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TimeBounded;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyLintTest {
  private static final String PIN_A = "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=";
  private static final String PIN_B = "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=";
  private static final long NOW = LocalDate.of(2027, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();

  private static List<String> lint(String yaml) throws Exception {
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
            "pin-set 'soon' expires on 2027-01-20, in 19 day(s); from that day on it is not enforced and its hosts "
                + "are unpinned",
            "pin-set 'gone' expired on 2026-12-01 and is not enforced; its hosts are unpinned");
  }

  @Test
  void namesTheBroaderSetAnExpiredOrExpiringOverrideFallsBackTo() throws Exception {
    assertThat(lint("version: 1\npin-sets:\n"
        + set("override", "api.example.com", PIN_A + ", " + PIN_B, "    expires: 2026-12-01\n")
        + set("soon", "www.example.com", PIN_A + ", " + PIN_B, "    expires: 2027-01-20\n")
        + set("domain", "\"**.example.com\"", PIN_A + ", " + PIN_B, "")))
        .contains("pin-set 'override' expired on 2026-12-01 and is not enforced; its hosts fall back to pin-set "
                + "'domain' (the next most specific)",
            "pin-set 'soon' expires on 2027-01-20, in 19 day(s); from that day on it is not enforced and its hosts "
                + "fall back to pin-set 'domain' (the next most specific)");
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
  void reportsAnOverlapForExactlyThePairsThatShareAHost() throws Exception {
    List<String> patterns = List.of("a.example.com", "b.a.example.com", "*.example.com", "*.a.example.com",
        "*.b.example.com", "**.example.com", "**.a.example.com", "**.b.a.example.com", "other.org", "*.org");
    StringBuilder yaml = new StringBuilder("version: 1\npin-sets:\n");
    for (int i = 0; i < patterns.size(); i++) {
      yaml.append(set("s" + i, "\"" + patterns.get(i) + "\"", PIN_A + ", " + PIN_B, ""));
    }
    List<String> warnings = lint(yaml.toString());

    for (int i = 0; i < patterns.size(); i++) {
      for (int j = i + 1; j < patterns.size(); j++) {
        String pair = "'" + patterns.get(i) + "' (pin-set 's" + i + "') and '" + patterns.get(j) + "' (pin-set 's"
            + j + "') overlap";
        boolean reported = warnings.stream().anyMatch(w -> w.startsWith(pair));
        assertThat(reported).as(pair).isEqualTo(shareAHost(patterns.get(i), patterns.get(j)));
      }
    }
  }

  /** The reference: brute force over every host of up to four labels from the patterns' own labels. */
  private static boolean shareAHost(String first, String second) {
    HostPattern a = HostPattern.parse(first);
    HostPattern b = HostPattern.parse(second);
    List<String> labels = List.of("a", "b", "x", "example", "com", "other", "org");
    List<String> hosts = new java.util.ArrayList<>(labels);
    for (int depth = 2; depth <= 4; depth++) {
      List<String> longer = new java.util.ArrayList<>();
      for (String host : hosts) {
        if (host.split("\\.").length == depth - 1) {
          for (String label : labels) {
            longer.add(label + "." + host);
          }
        }
      }
      hosts.addAll(longer);
    }
    return hosts.stream().anyMatch(host -> a.matches(host) && b.matches(host));
  }

  @Test
  void reportsEveryPairOfOverlappingPatternsWhenSetsHoldSeveral() throws Exception {
    List<String> patterns = List.of("a.example.com", "b.a.example.com", "*.example.com", "*.a.example.com",
        "*.b.example.com", "**.example.com", "**.a.example.com", "**.b.a.example.com", "other.org", "*.org");
    int setCount = 3;
    StringBuilder yaml = new StringBuilder("version: 1\npin-sets:\n");
    for (int s = 0; s < setCount; s++) {
      StringBuilder hosts = new StringBuilder();
      for (int i = s; i < patterns.size(); i += setCount) {
        hosts.append(hosts.length() == 0 ? "" : ", ").append('"').append(patterns.get(i)).append('"');
      }
      yaml.append(set("s" + s, hosts.toString(), PIN_A + ", " + PIN_B, ""));
    }
    List<String> warnings = lint(yaml.toString());

    int expected = 0;
    for (int i = 0; i < patterns.size(); i++) {
      for (int j = 0; j < patterns.size(); j++) {
        if (i % setCount < j % setCount) {
          String pair = "'" + patterns.get(i) + "' (pin-set 's" + i % setCount + "') and '" + patterns.get(j)
              + "' (pin-set 's" + j % setCount + "') overlap";
          boolean shared = shareAHost(patterns.get(i), patterns.get(j));
          expected += shared ? 1 : 0;
          assertThat(warnings.stream().anyMatch(w -> w.startsWith(pair))).as(pair).isEqualTo(shared);
        }
      }
    }
    assertThat(warnings).hasSize(expected);
  }

  /**
   * Two sets of 50,000 hosts, one holding '**.ex.com' last: the old lint compared each host of the first set with
   * every pattern of the second, 2.5 billion comparisons (it took 10 s for 25,000 at the command line).
   */
  @Test
  @TimeBounded
  void lintsTwoSetsOfFiftyThousandHostsInTimeLinearInTheirNumber() {
    int hosts = 50_000;
    List<HostPattern> first = new java.util.ArrayList<>();
    List<HostPattern> second = new java.util.ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      first.add(HostPattern.parse("h" + i + ".ex.com"));
      second.add(HostPattern.parse(i < hosts - 1 ? "g" + i + ".other.com" : "**.ex.com"));
    }
    List<Pin> pins = List.of(Pin.parse(PIN_A), Pin.parse(PIN_B));
    Policy policy = Policy.builder(Mode.ENFORCE).add(PinSet.of("one", first, pins, Mode.ENFORCE, null))
        .add(PinSet.of("two", second, pins, Mode.ENFORCE, null)).build();

    // Some 200 ms, up to a second on two busy cores, 3 s with five builds sharing them; the quadratic lint needed
    // some 30 s on a quiet machine. The bound catches that blow-up, not a slow machine.
    List<String> warnings = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> PolicyLint.warnings(policy, NOW));

    assertThat(warnings).hasSize(hosts).first().asString().isEqualTo("'h0.ex.com' (pin-set 'one') and '**.ex.com' "
        + "(pin-set 'two') overlap: h0.ex.com is matched by both and gets pin-set 'one' (the most specific pattern "
        + "wins)");
  }

  @Test
  void summarizesEachKindPastItsFirstWarningsInOneLine() throws Exception {
    StringBuilder yaml = new StringBuilder("version: 1\npin-sets:\n");
    for (int i = 0; i < 13; i++) {
      yaml.append(set("single" + i, "s" + i + ".example.com", PIN_A, ""));
    }
    yaml.append(set("wild", "\"*.example.com\"", PIN_A + ", " + PIN_B, ""));
    List<PolicyLint.Warning> warnings = PolicyLint.lint(PolicyLoader.parse("p.yaml", yaml.toString()), NOW);

    List<String> lines = PolicyLint.summarized(warnings, 10, "see all with --all");

    assertThat(warnings).hasSize(26);
    assertThat(lines).hasSize(22);
    assertThat(lines.subList(0, 10)).allSatisfy(line -> assertThat(line).contains("enforced with a single pin"));
    assertThat(lines.subList(10, 20)).allSatisfy(line -> assertThat(line).contains("overlap"));
    assertThat(lines.subList(20, 22)).containsExactly(
        "... and 3 more enforced sets with a single pin (see all with --all)",
        "... and 3 more overlaps (see all with --all)");
    assertThat(PolicyLint.summarized(warnings, 13, "x")).hasSize(26);
  }

  @Test
  void warnsAboutAPolicyThatPinsNothing() throws Exception {
    assertThat(lint("version: 1\npin-sets: []\n")).containsExactly("the policy has no pin-sets: nothing is pinned");
  }
}
