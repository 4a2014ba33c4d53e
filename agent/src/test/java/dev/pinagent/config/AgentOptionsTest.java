package dev.pinagent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class AgentOptionsTest {
  private static Properties properties(String... keyValues) {
    Properties properties = new Properties();
    for (int i = 0; i < keyValues.length; i += 2) {
      properties.setProperty(keyValues[i], keyValues[i + 1]);
    }
    return properties;
  }

  @Test
  void readsEveryOptionFromTheAgentArgument() {
    AgentOptions options = AgentOptions.resolve("policy=/etc/pins.yaml,metrics.port=9464,metrics.host=0.0.0.0",
        properties(), Map.of());
    assertThat(options.policy()).isEqualTo("/etc/pins.yaml");
    assertThat(options.metricsPort()).isEqualTo(9464);
    assertThat(options.metricsHost()).isEqualTo("0.0.0.0");
  }

  @Test
  void servesNoMetricsUnlessAPortIsGivenAndBindsToLoopbackByDefault() {
    AgentOptions options = AgentOptions.resolve("policy=/etc/pins.yaml", properties(), Map.of());
    assertThat(options.metricsPort()).isNull();
    assertThat(options.metricsHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void readsThePublicKeyFromAVariableWithItsDashAsAnUnderscoreAndHasNoneByDefault() {
    assertThat(AgentOptions.resolve("policy=/p.yaml", properties(), Map.of("PINAGENT_POLICY_PUBLIC_KEY", "/k.pub"))
        .policyPublicKey()).isEqualTo("/k.pub");
    assertThat(AgentOptions.resolve("policy=/p.yaml", properties(), Map.of()).policyPublicKey()).isNull();
    assertThat(AgentOptions.resolve("policy=/p.yaml,policy.public-key=/a.pub", properties(), Map.of())
        .policyPublicKey()).isEqualTo("/a.pub");
  }

  @Test
  void acceptsAPolicyServerOverHttpsAndOverHttpOnLoopbackWithAPublicKeyAndACache() {
    AgentOptions https = AgentOptions.resolve("policy=https://pins.example/p.yaml,policy.public-key=/k.pub,"
        + "policy.cache=/var/cache/pins", properties(), Map.of());
    assertThat(https.policy()).isEqualTo("https://pins.example/p.yaml");
    assertThat(https.policyCache()).isEqualTo("/var/cache/pins");
    for (String loopback : List.of("127.0.0.1:8080", "[::1]:8080", "localhost")) {
      assertThat(AgentOptions.resolve("policy=http://" + loopback + "/p.yaml,policy.public-key=/k.pub", properties(),
          Map.of()).policy()).startsWith("http://");
    }
  }

  @Test
  void prefersAgentArgumentsToSystemPropertiesToTheEnvironment() {
    Map<String, String> environment = Map.of("PINAGENT_POLICY", "/env.yaml", "PINAGENT_METRICS_PORT", "1",
        "PINAGENT_METRICS_HOST", "env-host");
    Properties properties = properties("pinagent.policy", "/property.yaml", "pinagent.metrics.port", "2");

    AgentOptions options = AgentOptions.resolve("policy=/argument.yaml", properties, environment);

    assertThat(options.policy()).isEqualTo("/argument.yaml");
    assertThat(options.metricsPort()).isEqualTo(2);
    assertThat(options.metricsHost()).isEqualTo("env-host");
  }

  @Test
  void keepsASemicolonThatDoesNotStartAnotherOption() {
    AgentOptions options = AgentOptions.resolve("policy=/etc/pins;v2.yaml", properties(), Map.of());
    assertThat(options.policy()).isEqualTo("/etc/pins;v2.yaml");
  }

  @Test
  void ignoresUnrelatedPropertiesAndVariables() {
    AgentOptions options = AgentOptions.resolve(null, properties("pinagent.policy", "/p.yaml", "java.home", "/x"),
        Map.of("PATH", "/bin"));
    assertThat(options.policy()).isEqualTo("/p.yaml");
  }

  static Stream<Arguments> invalidOptions() {
    return Stream.of(
        Arguments.of("no policy anywhere", "", properties(), Map.of(), "the option 'policy' is required"),
        Arguments.of("blank policy", "policy= ", properties(), Map.of(), "the option 'policy' is required"),
        Arguments.of("misspelt argument", "polcy=/p.yaml", properties(), Map.of(),
            "unknown option 'polcy' (agent argument); known options: policy, policy.public-key, policy.cache, "
                + "policy.reload, policy.reload.interval, on.policy.error, metrics.port, metrics.host, metrics.jmx, "
                + "metrics.global, inventory.file, inventory.max-hosts, inventory.interval, report.uri, report.queue, "
                + "report.dedupe, service.name, log.format"),
        Arguments.of("a policy server without a public key", "policy=https://pins.example/p.yaml", properties(),
            Map.of(), "policy=https://pins.example/p.yaml is served by a policy server, which needs policy.public-key"),
        Arguments.of("plain http to another host", "policy=http://pins.example/p.yaml,policy.public-key=/k.pub",
            properties(), Map.of(), "the option 'policy' is 'http://pins.example/p.yaml': plain http:// is allowed on "
                + "the loopback interface only"),
        Arguments.of("another scheme", "policy=file:///etc/p.yaml", properties(), Map.of(),
            "the option 'policy' is 'file:///etc/p.yaml': a policy server is reached by https:// (or http:// on the "
                + "loopback interface); for a file give its path"),
        Arguments.of("a cache for a file", "policy=/p.yaml,policy.cache=/var/cache/pins", properties(), Map.of(),
            "the option 'policy.cache' keeps what a policy server served"),
        Arguments.of("misspelt property", "policy=/p.yaml", properties("pinagent.metrics.prot", "1"), Map.of(),
            "unknown option 'metrics.prot' (system property pinagent.metrics.prot)"),
        Arguments.of("misspelt variable", "policy=/p.yaml", properties(), Map.of("PINAGENT_POLCY", "/p"),
            "unknown option 'POLCY' (environment variable PINAGENT_POLCY)"),
        Arguments.of("not key=value", "/etc/pins.yaml", properties(), Map.of(),
            "agent argument '/etc/pins.yaml' is not key=value"),
        Arguments.of("a bare option name, as jcmd passes unquoted options", "policy", properties(), Map.of(),
            "agent argument 'policy' is not key=value; expected e.g. policy=/etc/pins.yaml,metrics.port=9464 (from "
                + "jcmd JVMTI.agent_load? quote the options for jcmd: jcmd <pid> JVMTI.agent_load "
                + "/opt/pin-agent.jar '\"policy=/etc/pins.yaml\"')"),
        Arguments.of("given twice", "policy=/a.yaml,policy=/b.yaml", properties(), Map.of(),
            "agent argument 'policy' is given twice"),
        Arguments.of("port not a number", "policy=/p.yaml,metrics.port=http", properties(), Map.of(),
            "the option 'metrics.port' must be a port number from 0 to 65535, got 'http'"),
        Arguments.of("port out of range", "policy=/p.yaml,metrics.port=70000", properties(), Map.of(),
            "the option 'metrics.port' must be a port number from 0 to 65535, got '70000'"),
        Arguments.of("empty host", "policy=/p.yaml,metrics.host=", properties(), Map.of(),
            "the option 'metrics.host' must not be empty"),
        Arguments.of("';' between options", "policy=a.yaml;metrics.port=9464", properties(), Map.of(),
            "agent argument 'policy' is 'a.yaml;metrics.port=9464': separate agent options with ',' not ';', "
                + "e.g. policy=a.yaml,metrics.port=9464"),
        Arguments.of("';' after the port", "metrics.port=9464;policy=/p.yaml", properties(), Map.of(),
            "agent argument 'metrics.port' is '9464;policy=/p.yaml': separate agent options with ',' not ';', "
                + "e.g. metrics.port=9464,policy=/p.yaml"),
        Arguments.of("'&' between options", "policy=/p.yaml&metrics.host=0.0.0.0", properties(), Map.of(),
            "agent argument 'policy' is '/p.yaml&metrics.host=0.0.0.0': separate agent options with ',' not '&'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidOptions")
  void refusesWithAMessageThatSaysWhatToFix(String guards, String arguments, Properties properties,
      Map<String, String> environment, String message) {
    assertThatThrownBy(() -> AgentOptions.resolve(arguments, properties, environment))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void reloadsThePolicyEveryTenSecondsAndFailsOnABadPolicyByDefault() {
    AgentOptions options = AgentOptions.resolve("policy=/etc/pins.yaml", properties(), Map.of());
    assertThat(options.policyReload()).isTrue();
    assertThat(options.policyReloadInterval()).isEqualTo(java.time.Duration.ofSeconds(10));
    assertThat(options.onPolicyError()).isEqualTo(AgentOptions.OnPolicyError.FAIL);
  }

  @Test
  void readsTheReloadOptions() {
    AgentOptions options = AgentOptions.resolve(
        "policy=/p.yaml,policy.reload=TRUE,policy.reload.interval=500ms,on.policy.error=unpinned", properties(),
        Map.of());
    assertThat(options.policyReload()).isTrue();
    assertThat(options.policyReloadInterval()).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(options.onPolicyError()).isEqualTo(AgentOptions.OnPolicyError.UNPINNED);
  }

  static Stream<Arguments> durations() {
    return Stream.of(
        Arguments.of("100ms", java.time.Duration.ofMillis(100)),
        Arguments.of(" 5s ", java.time.Duration.ofSeconds(5)),
        Arguments.of("1m", java.time.Duration.ofMinutes(1)),
        Arguments.of("2H", java.time.Duration.ofHours(2)),
        Arguments.of("1d", java.time.Duration.ofDays(1)),
        Arguments.of("10", null),            // a unit is required: seconds or milliseconds?
        Arguments.of("s", null),
        Arguments.of("1.5s", null),
        Arguments.of("-1s", null),
        Arguments.of("1m30s", null),         // one unit only
        Arguments.of("\u0661s", null),      // Arabic-Indic one: digits are ASCII
        Arguments.of("9999999999999s", null)); // thirteen digits: refused, not overflowed
  }

  @ParameterizedTest
  @MethodSource("durations")
  void parsesDurationsWithOneUnit(String text, java.time.Duration expected) {
    assertThat(AgentOptions.parseDuration(text)).isEqualTo(expected);
  }

  static Stream<Arguments> badReloadOptions() {
    return Stream.of(
        Arguments.of("policy.reload.interval=50ms", "'policy.reload.interval' is 50ms, below its minimum of 100ms"),
        Arguments.of("policy.reload.interval=10", "must be a duration such as 500ms, 10s, 5m or 1h, got '10'"),
        Arguments.of("policy.reload=yes", "'policy.reload' must be true or false, got 'yes'"),
        Arguments.of("on.policy.error=ignore", "'on.policy.error' must be fail or unpinned, got 'ignore'"));
  }

  @ParameterizedTest
  @MethodSource("badReloadOptions")
  void refusesABadReloadOption(String option, String message) {
    assertThatThrownBy(() -> AgentOptions.resolve("policy=/p.yaml," + option, properties(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void recordsNoInventoryUnlessAFileIsGivenAndCapsItAt2000HostsWrittenEveryMinute() {
    AgentOptions none = AgentOptions.resolve("policy=/p.yaml", properties(), Map.of());
    assertThat(none.inventoryFile()).isNull();
    assertThat(none.inventoryMaxHosts()).isEqualTo(2000);
    assertThat(none.inventoryInterval()).isEqualTo(java.time.Duration.ofSeconds(60));
    AgentOptions some = AgentOptions.resolve("policy=/p.yaml,inventory.file=/var/lib/svc/inv.json,"
        + "inventory.max-hosts=50,inventory.interval=5m", properties(), Map.of());
    assertThat(some.inventoryFile()).isEqualTo("/var/lib/svc/inv.json");
    assertThat(some.inventoryMaxHosts()).isEqualTo(50);
    assertThat(some.inventoryInterval()).isEqualTo(java.time.Duration.ofMinutes(5));
    assertThat(AgentOptions.resolve(null, properties("pinagent.policy", "/p.yaml"),
        Map.of("PINAGENT_INVENTORY_MAX_HOSTS", "7")).inventoryMaxHosts()).isEqualTo(7);
  }

  static Stream<Arguments> badInventoryOptions() {
    return Stream.of(
        Arguments.of("inventory.file= ", "the option 'inventory.file' must not be empty"),
        Arguments.of("inventory.max-hosts=0", "'inventory.max-hosts' must be a whole number from 1 to 1000000, got '0'"),
        Arguments.of("inventory.max-hosts=lots", "'inventory.max-hosts' must be a whole number from 1 to 1000000"),
        Arguments.of("inventory.interval=100ms", "'inventory.interval' is 100ms, below its minimum of 1000ms"),
        Arguments.of("inventory.interval=60", "must be a duration such as 500ms, 10s, 5m or 1h, got '60'"));
  }

  @ParameterizedTest
  @MethodSource("badInventoryOptions")
  void refusesABadInventoryOption(String option, String message) {
    assertThatThrownBy(() -> AgentOptions.resolve("policy=/p.yaml," + option, properties(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void sendsNoReportsAndLogsTextByDefault() {
    AgentOptions options = AgentOptions.resolve("policy=/p.yaml", properties(), Map.of());
    assertThat(options.reportUri()).isNull();
    assertThat(options.reportQueue()).isEqualTo(1000);
    assertThat(options.reportDedupe()).isEqualTo(java.time.Duration.ofHours(1));
    assertThat(options.serviceName()).isNull();
    assertThat(options.logFormat()).isEqualTo(dev.pinagent.log.AgentLog.Format.TEXT);
  }

  @Test
  void readsTheReportAndLogOptions() {
    AgentOptions options = AgentOptions.resolve("policy=/p.yaml,report.uri=https://c.example:8443/r?t=1,"
        + "report.queue=5,report.dedupe=0s,service.name= billing ,log.format=JSON", properties(), Map.of());
    assertThat(options.reportUri()).hasToString("https://c.example:8443/r?t=1");
    assertThat(options.reportQueue()).isEqualTo(5);
    assertThat(options.reportDedupe()).isZero();
    assertThat(options.serviceName()).isEqualTo("billing");
    assertThat(options.logFormat()).isEqualTo(dev.pinagent.log.AgentLog.Format.JSON);
  }

  static Stream<Arguments> invalidReportAndLogOptions() {
    return Stream.of(
        Arguments.of("not http", "report.uri=ftp://c.example/", "the option 'report.uri' must be an http or https URL"),
        Arguments.of("relative", "report.uri=/reports", "the option 'report.uri' must be an http or https URL"),
        Arguments.of("no host", "report.uri=https:///r", "the option 'report.uri' must be an http or https URL"),
        Arguments.of("not a URI", "report.uri=http://a b/", "the option 'report.uri' must be an http or https URL"),
        Arguments.of("credentials, which would be printed and sent", "report.uri=https://u:p@c.example/",
            "the option 'report.uri' holds a user name or password"),
        Arguments.of("queue of zero", "report.queue=0", "the option 'report.queue' must be a whole number from 1"),
        Arguments.of("queue beyond the bound", "report.queue=10001",
            "the option 'report.queue' must be a whole number from 1 to 10000"),
        Arguments.of("queue not a number", "report.queue=many", "the option 'report.queue' must be a whole number"),
        Arguments.of("dedupe without a unit", "report.dedupe=60", "the option 'report.dedupe' must be a duration"),
        Arguments.of("empty service name", "service.name= ", "the option 'service.name' must not be empty"),
        Arguments.of("unknown log format", "log.format=xml", "the option 'log.format' must be text or json"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidReportAndLogOptions")
  void refusesBadReportAndLogOptions(String guards, String option, String message) {
    assertThatThrownBy(() -> AgentOptions.resolve("policy=/p.yaml," + option, properties(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void findsTheLogFormatEvenWhenTheOtherOptionsAreInvalid() {
    assertThat(AgentOptions.logFormatOf("polcy=/p.yaml,log.format=json", properties(), Map.of()))
        .isEqualTo(dev.pinagent.log.AgentLog.Format.JSON);
    assertThat(AgentOptions.logFormatOf(null, properties("pinagent.log.format", "JSON"), Map.of()))
        .isEqualTo(dev.pinagent.log.AgentLog.Format.JSON);
    assertThat(AgentOptions.logFormatOf(null, properties(), Map.of("PINAGENT_LOG_FORMAT", "json")))
        .isEqualTo(dev.pinagent.log.AgentLog.Format.JSON);
    assertThat(AgentOptions.logFormatOf("log.format=xml", properties(), Map.of()))
        .isEqualTo(dev.pinagent.log.AgentLog.Format.TEXT);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "file:///etc/p.yaml, true", "s3://bucket/p.yaml, true", "a+b.c-d://x, true", "ftp://h/p, true",
      "/etc/p.yaml, false", "p.yaml, false", "://x, false", "9p://x, false", "a b://x, false", "c:/p.yaml, false",
      "dir/x://y, false", "'', false",
      // The edges of each character range: a z 0 9 and their neighbours ` { / :
      "a://x, true", "z://x, true", "`://x, false", "{://x, false", "aa0://x, true", "az9://x, true",
      "a/://x, false", "a:://x, false", "a`://x, false", "a{://x, false"})
  void tellsAUrlSchemeFromAPath(String policy, boolean url) {
    assertThat(AgentOptions.hasUrlScheme(policy)).isEqualTo(url);
  }
}
