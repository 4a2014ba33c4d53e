package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.tools.attach.VirtualMachine;
import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.clients.MicrometerApp;
import dev.pinagent.it.support.Exposition;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.Metrics;
import dev.pinagent.it.support.PromQl;
import dev.pinagent.testing.TestPki;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The monitoring kit ({@code monitoring/}: the Grafana dashboard, the Prometheus alert rules and their promtool
 * tests) against what the agent really exposes: a forked JVM with the agent makes good and evil handshakes, has a
 * pin-set expiring in 20 days, reloads its policy, then is refused a broken version, and one of its hooks fails;
 * its scrape must hold every metric and label the kit's queries use, with the label values they select, and every
 * input series of the promtool tests. The alert rules then run over that very scrape (promtool), and must fire
 * exactly the alerts that state calls for. A renamed metric or tag breaks this build rather than a dashboard.
 *
 * <p>Also here: the same meters read over JMX ({@code metrics.jmx=true}), and served by an application's own
 * Micrometer ({@code metrics.global=true}).
 */
class MonitoringKitIT extends LabTest {
  private static final Path KIT = Paths.get(System.getProperty("it.monitoring.dir", "../monitoring"));
  private static final Path RULES = KIT.resolve("prometheus/pinagent-alerts.yaml").toAbsolutePath().normalize();
  private static final Path RULE_TESTS = KIT.resolve("prometheus/pinagent-alerts.test.yaml");
  private static final Path DASHBOARD = KIT.resolve("grafana/pinagent.json");
  /** Labels Prometheus adds to every scraped series. */
  private static final Set<String> TARGET_LABELS = Set.of("job", "instance");
  /** Labels whose values the agent defines: a test series must use values the agent really exposes. */
  private static final Set<String> CLOSED_LABELS = Set.of("action", "result", "reason", "mode");
  private static final Duration INTERVAL = Duration.ofMillis(300);
  private static final String FAILED_HOOK = "javax.net.ssl.TrustManagerFactory";

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String policy(String extraSet) {
    String expires = LocalDate.now(ZoneOffset.UTC).plusDays(20).toString();
    return "version: 1\nmode: enforce\npin-sets:\n"
        + "  - name: partner\n    hosts: [localhost]\n    pins: [" + lab.goodIntermediate.pin() + ", "
        + TestPki.randomPin() + "]\n"
        + "  - name: loopback\n    mode: report\n    hosts: [127.0.0.1]\n    pins: [" + TestPki.randomPin() + "]\n"
        + "  - name: expiring\n    hosts: [expiring.example.com]\n    expires: " + expires + "\n    pins: ["
        + TestPki.randomPin() + "]\n"
        + (extraSet == null ? "" : "  - name: " + extraSet + "\n    hosts: [" + extraSet + ".example.com]\n"
            + "    pins: [" + TestPki.randomPin() + "]\n");
  }

  /** Scrapes until {@code until} holds, within a generous bound. */
  private static Metrics awaitScrape(int port, Predicate<Metrics> until, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      Metrics metrics = Metrics.scrapeWithin(port, Duration.ofSeconds(60));
      if (until.test(metrics)) {
        return metrics;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " not seen in time; scrape:\n" + metrics);
      }
      sleep(INTERVAL.toMillis());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void theDashboardAndTheAlertRulesUseOnlyWhatTheAgentExposes(Path javaHome) throws Exception {
    Path file = lab.directory.resolve("monitoring-" + javaHome.getFileName()).resolve("pins.yaml");
    write(file, policy(null));
    int port = Metrics.freePort();
    ForkedJvm.Running jvm = lab.client(javaHome)
        .jvmOption("-Ddev.pinagent.test.failHook=" + FAILED_HOOK)
        .agent("policy=" + file + ",metrics.port=" + port + ",policy.reload.interval=" + INTERVAL.toMillis() + "ms"
            + ",metrics.jmx=true")
        .main(HttpsProbe.class, "jdk-default", "--commands", lab.good.url("localhost"), lab.evil.url("localhost"),
            lab.evil.url("127.0.0.1"))
        .start();
    Exposition scrape;
    try {
      jvm.awaitOutput("RESULT " + lab.evil.url("127.0.0.1"));
      assertThat(jvm.output()).contains("RESULT " + lab.good.url("localhost") + " OK")
          .contains("RESULT " + lab.evil.url("localhost") + " FAIL")
          .as("report mode lets it through").contains("RESULT " + lab.evil.url("127.0.0.1") + " OK");
      write(file, policy("extra"));
      awaitScrape(port, m -> m.value("tls_pin_policy_loads_total", "result=\"success\"") == 2, "the reload");
      write(file, "version: 1\npin-sets: [\n");
      Metrics metrics = awaitScrape(port, m -> m.value("tls_pin_policy_reload_failing") == 1, "the refused version");
      assertThat(violationsOverJmx(jvm.pid())).as("the blocked violation, read over JMX").isEqualTo(1.0);
      scrape = new Exposition(metrics.text());
      Path out = Paths.get("target/monitoring", javaHome.getFileName().toString());
      write(out.resolve("scrape.txt"), metrics.text());
      Path dashboardRules = out.resolve("dashboard-queries.rules.yaml").toAbsolutePath();
      write(dashboardRules, dashboardQueriesAsRules());
      write(out.resolve("from-scrape.test.yaml"), rulesTestFromScrape(scrape, dashboardRules));
    } finally {
      jvm.closeInput();
    }
    ForkedJvm.Result result = jvm.await();
    assertThat(result.exitCode).as(result.toString()).isZero();

    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> query : dashboardQueries().entrySet()) {
      problems.addAll(check(query.getValue(), "dashboard " + query.getKey(), scrape));
    }
    for (Map<String, Object> rule : rules()) {
      problems.addAll(check((String) rule.get("expr"), "alert " + rule.get("alert"), scrape));
    }
    for (String series : ruleTestSeries()) {
      problems.addAll(checkTestSeries(series, scrape));
    }
    assertThat(problems).withFailMessage("%d use(s) of what the agent does not expose:%n  %s%nscrape names: %s",
        problems.size(), String.join("\n  ", problems), scrape.names()).isEmpty();

    Path promtool = promtool();
    if (promtool == null) {
      System.err.println("WARNING: promtool not found: the alert rules were not run over the real scrape "
          + "(.ci/fetch-promtool provides it)");
    } else {
      String output = run(promtool, "test", "rules",
          Paths.get("target/monitoring", javaHome.getFileName().toString(), "from-scrape.test.yaml").toString());
      assertThat(output).contains("SUCCESS");
    }
  }

  /** The blocked violation's count as the MBean in the agent's JMX domain tells it, read as JConsole does. */
  private static double violationsOverJmx(long pid) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(String.valueOf(pid));
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
      MBeanServerConnection server = connector.getMBeanServerConnection();
      ObjectName name = new ObjectName(
          "dev.pinagent:name=tlsPinViolations.action.blocked.host.localhost.pin_set.partner,type=meters");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!server.isRegistered(name)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(name + " not registered; the domain holds "
              + server.queryNames(new ObjectName("dev.pinagent:*"), null));
        }
        sleep(200);
      }
      return ((Number) server.getAttribute(name, "Count")).doubleValue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void theApplicationsOwnMicrometerServesTheAgentsMetersBesideItsOwn(Path javaHome) {
    // Awaited as the application's own scrape sees them: the twins are made one by one, a few seconds after start.
    List<String> awaited = List.of(
        "tls_pin_violations_total{action=\"blocked\",host=\"localhost\",pin_set=\"partner\"}", "tls_pin_checks_total{",
        "tls_pin_policy_info{", "tls_pin_policy_loaded_seconds",
        "tls_pin_trust_managers_wrapped_total{", "tls_pin_matches_total{", "tls_pin_policy_loads_total{");
    List<String> args = new ArrayList<>(List.of(lab.good.url("localhost"), lab.evil.url("localhost")));
    for (String series : awaited) {
      args.add("--await");
      args.add(series);
    }
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce") + ",metrics.global=true")
        .main(MicrometerApp.class, args.toArray(new String[0]))
        .run();
    assertThat(result.exitCode).as(result.toString()).isZero();
    String text = result.stdout.substring(result.stdout.indexOf("SCRAPE"), result.stdout.indexOf("\nEND"));
    Exposition scrape = new Exposition(text);
    assertThat(value(scrape, "tls_pin_violations_total", "host", "localhost")).as(result.toString()).isEqualTo(1);
    assertThat(value(scrape, "tls_pin_checks_total", "result", "match")).isEqualTo(1);
    assertThat(value(scrape, "app_requests_total", null, null)).as("the application's own meter").isEqualTo(2);
    assertThat(scrape.names()).contains("tls_pin_policy_info", "tls_pin_policy_loaded_seconds",
        "tls_pin_trust_managers_wrapped_total", "tls_pin_matches_total", "tls_pin_policy_loads_total");
    assertThat(result.stderr.split("\n"))
        .filteredOn(line -> line.startsWith("[pin-agent] metrics.global: the agent's meters joined")).hasSize(1);
    assertThat(result.stderr).as("nothing of the agent's own Micrometer in the application's log")
        .doesNotContain("ERROR").doesNotContain("CompositeMeterRegistry");
  }

  private static double value(Exposition scrape, String name, String label, String labelValue) {
    double sum = 0;
    for (Exposition.Sample sample : scrape.named(name)) {
      if (label == null || labelValue.equals(sample.labels.get(label))) {
        sum += sample.value;
      }
    }
    return sum;
  }

  /** Checked in CI as a gate: promtool's own check of the rules, and their unit tests. */
  @Test
  void promtoolChecksTheRulesAndPassesTheirUnitTests() {
    Path promtool = promtool();
    Assumptions.assumeTrue(promtool != null, "promtool not found (.ci/fetch-promtool provides it)");
    assertThat(run(promtool, "check", "rules", RULES.toString())).contains("SUCCESS: 8 rules found");
    assertThat(run(promtool, "test", "rules", RULE_TESTS.toString())).contains("SUCCESS");
  }

  /** promtool: {@code -Dit.promtool} (CI sets it, and then it must work), on PATH, or where the fetch left it. */
  static Path promtool() {
    String configured = System.getProperty("it.promtool", "");
    if (!configured.isEmpty()) {
      Path path = Paths.get(configured);
      assertThat(path).as("-Dit.promtool").isExecutable();
      return path;
    }
    List<Path> candidates = new ArrayList<>();
    for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      candidates.add(Paths.get(directory, "promtool"));
    }
    candidates.add(Paths.get(System.getProperty("user.home"), ".cache/pin-agent/promtool/root/usr/bin/promtool"));
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static String run(Path promtool, String... args) {
    List<String> command = new ArrayList<>();
    command.add(promtool.toString());
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).withFailMessage("%s exited %d:%n%s", command, process.exitValue(), output)
          .isZero();
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ---- what the kit asks of the metrics

  /** Every PromQL query of the dashboard (panel targets and variable queries), by where it is. */
  @SuppressWarnings("unchecked")
  static Map<String, String> dashboardQueries() {
    Map<String, Object> dashboard = new Yaml().load(read(DASHBOARD));
    Map<String, String> queries = new LinkedHashMap<>();
    for (Map<String, Object> panel : (List<Map<String, Object>>) dashboard.get("panels")) {
      for (Map<String, Object> target : (List<Map<String, Object>>) panel.get("targets")) {
        queries.put("panel '" + panel.get("title") + "' " + target.get("refId"), (String) target.get("expr"));
      }
    }
    Map<String, Object> templating = (Map<String, Object>) dashboard.get("templating");
    for (Map<String, Object> variable : (List<Map<String, Object>>) templating.get("list")) {
      if ("query".equals(variable.get("type"))) {
        queries.put("variable $" + variable.get("name"), (String) variable.get("definition"));
      }
    }
    assertThat(queries).as("queries of " + DASHBOARD).hasSizeGreaterThan(8);
    return queries;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rules() {
    Map<String, Object> file = new Yaml().load(read(RULES));
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
      rules.addAll((List<Map<String, Object>>) group.get("rules"));
    }
    return rules;
  }

  @SuppressWarnings("unchecked")
  static List<String> ruleTestSeries() {
    Map<String, Object> file = new Yaml().load(read(RULE_TESTS));
    List<String> series = new ArrayList<>();
    for (Map<String, Object> test : (List<Map<String, Object>>) file.get("tests")) {
      for (Map<String, Object> input : (List<Map<String, Object>>) test.get("input_series")) {
        series.add((String) input.get("series"));
      }
    }
    return series;
  }

  /** What in {@code expression} the scrape does not have: metrics, label names, selected label values. */
  static List<String> check(String expression, String where, Exposition scrape) {
    List<String> problems = new ArrayList<>();
    Map<String, List<List<PromQl.LabelMatcher>>> selectors = PromQl.selectors(expression);
    if (selectors.isEmpty()) {
      problems.add(where + ": names no tls_pin_ metric: " + expression);
    }
    Set<String> allLabels = new TreeSet<>(TARGET_LABELS);
    for (Map.Entry<String, List<List<PromQl.LabelMatcher>>> selector : selectors.entrySet()) {
      String name = selector.getKey();
      List<Exposition.Sample> samples = scrape.named(name);
      if (samples.isEmpty()) {
        problems.add(where + ": " + name + " is not in the scrape");
        continue;
      }
      Set<String> labels = labelNames(samples);
      allLabels.addAll(labels);
      for (List<PromQl.LabelMatcher> matchers : selector.getValue()) {
        for (PromQl.LabelMatcher matcher : matchers) {
          if (TARGET_LABELS.contains(matcher.label)) {
            continue;
          }
          if (!labels.contains(matcher.label)) {
            problems.add(where + ": " + name + " has no label " + matcher.label + " (it has " + labels + ")");
          } else if (matcher.op.equals("=") || matcher.op.equals("!=")) {
            if (samples.stream().noneMatch(s -> matcher.value.equals(s.labels.get(matcher.label)))) {
              problems.add(where + ": " + name + " has no series with " + matcher + " (values: "
                  + valuesOf(samples, matcher.label) + ")");
            }
          }
        }
      }
    }
    for (String label : PromQl.groupingLabels(expression)) {
      if (!allLabels.contains(label)) {
        problems.add(where + ": groups or matches on " + label + ", which none of " + selectors.keySet() + " has");
      }
    }
    return problems;
  }

  private static final Pattern SERIES = Pattern.compile("(\\w+)\\{(.*)\\}");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** A promtool test's input series must be one the agent exposes: its name, exactly its labels, real values. */
  static List<String> checkTestSeries(String series, Exposition scrape) {
    Matcher matcher = SERIES.matcher(series.trim());
    if (!matcher.matches()) {
      return List.of("test series " + series + ": not name{labels}");
    }
    String name = matcher.group(1);
    Map<String, String> labels = new TreeMap<>();
    Matcher label = LABEL.matcher(matcher.group(2));
    while (label.find()) {
      labels.put(label.group(1), label.group(2));
    }
    labels.keySet().removeAll(TARGET_LABELS);
    List<Exposition.Sample> samples = scrape.named(name);
    if (samples.isEmpty()) {
      return List.of("test series " + series + ": " + name + " is not in the scrape");
    }
    List<String> problems = new ArrayList<>();
    if (samples.stream().noneMatch(s -> s.labels.keySet().equals(labels.keySet()))) {
      problems.add("test series " + series + ": the agent's " + name + " has the labels "
          + new TreeSet<>(samples.get(0).labels.keySet()) + ", not " + labels.keySet());
    }
    for (Map.Entry<String, String> each : labels.entrySet()) {
      if (CLOSED_LABELS.contains(each.getKey()) && !valuesOf(samples, each.getKey()).contains(each.getValue())) {
        problems.add("test series " + series + ": " + each.getKey() + "=\"" + each.getValue() + "\" is not a value "
            + "the agent exposes (" + valuesOf(samples, each.getKey()) + ")");
      }
    }
    return problems;
  }

  private static Set<String> labelNames(List<Exposition.Sample> samples) {
    Set<String> names = new TreeSet<>();
    for (Exposition.Sample sample : samples) {
      names.addAll(sample.labels.keySet());
    }
    return names;
  }

  private static Set<String> valuesOf(List<Exposition.Sample> samples, String label) {
    Set<String> values = new TreeSet<>();
    for (Exposition.Sample sample : samples) {
      if (sample.labels.containsKey(label)) {
        values.add(sample.labels.get(label));
      }
    }
    return values;
  }

  // ---- the alert rules over the real scrape

  private static final String JOB = "pinagent-it";
  private static final String INSTANCE = "127.0.0.1:9464";
  private static final long DAY = 86_400;

  /**
   * A promtool test whose input is the scrape, as if Prometheus had scraped this JVM for 80 minutes, its counters
   * appearing 10 minutes in (an agent that starts and reaches the scraped counts) and its gauges constant. Expected:
   * at 15 minutes, an alert for each blocked and reported violation, each agent error, an expiring set, the refused
   * policy (failing since the start, so past its 10 minutes); no drift (one instance); and at 75 minutes, no
   * "not wrapping" (this JVM wrapped and checked).
   */
  static String rulesTestFromScrape(Exposition scrape, Path dashboardRules) {
    Map<String, String> target = new LinkedHashMap<>();
    target.put("job", JOB);
    target.put("instance", INSTANCE);
    List<Map<String, Object>> input = new ArrayList<>();
    for (Exposition.Sample sample : scrape.samples) {
      if (!sample.name.startsWith("tls_pin_")) {
        continue;
      }
      String value = BigDecimal.valueOf(sample.value).stripTrailingZeros().toPlainString();
      Map<String, Object> series = new LinkedHashMap<>();
      series.put("series", sample.series(target));
      series.put("values", sample.name.endsWith("_total") ? "_x10 " + value + "x70" : value + "x80");
      input.add(series);
    }
    Map<String, Map<String, Object>> rules = new LinkedHashMap<>();
    for (Map<String, Object> rule : rules()) {
      rules.put((String) rule.get("alert"), rule);
    }
    Map<String, List<Map<String, Object>>> at15 = new LinkedHashMap<>();
    for (String alert : rules.keySet()) {
      at15.put(alert, new ArrayList<>());
    }
    for (Exposition.Sample sample : scrape.named("tls_pin_violations_total")) {
      String action = sample.labels.get("action");
      if (!sample.labels.get("host").equals("none") && sample.value > 0) {
        String alert = action.equals("blocked") ? "PinAgentViolationBlocked" : "PinAgentViolationReported";
        at15.get(alert).add(expected(rules.get(alert), sample.value,
            labels("pin_set", sample.labels.get("pin_set"), "host", sample.labels.get("host"), "instance", INSTANCE)));
      }
    }
    for (Exposition.Sample sample : scrape.named("tls_pin_set_expiry_seconds")) {
      String alert = sample.value < 7 * DAY ? "PinAgentPinSetExpiring"
          : sample.value < 30 * DAY ? "PinAgentPinSetExpiringSoon" : null;
      if (alert != null) {
        at15.get(alert).add(expected(rules.get(alert), sample.value, labels("pin_set", sample.labels.get("pin_set"))));
      }
    }
    for (Exposition.Sample sample : scrape.named("tls_pin_policy_reload_failing")) {
      if (sample.value == 1) {
        at15.get("PinAgentPolicyReloadFailing").add(expected(rules.get("PinAgentPolicyReloadFailing"), 1,
            labels("instance", INSTANCE)));
      }
    }
    for (Exposition.Sample sample : scrape.named("tls_pin_agent_errors_total")) {
      at15.get("PinAgentErrors").add(expected(rules.get("PinAgentErrors"), sample.value,
          labels("instance", INSTANCE, "stage", sample.labels.get("stage"))));
    }
    List<Map<String, Object>> tests = new ArrayList<>();
    for (Map.Entry<String, List<Map<String, Object>>> alert : at15.entrySet()) {
      if (!alert.getKey().equals("PinAgentNotWrapping")) {
        tests.add(alertTest("15m", alert.getKey(), alert.getValue()));
      }
    }
    tests.add(alertTest("1h15m", "PinAgentNotWrapping", List.of()));
    for (int i = 0; i < dashboardQueries().size(); i++) {
      tests.add(alertTest("15m", "DashboardQueryEmpty" + i, List.of()));
    }
    Map<String, Object> test = new LinkedHashMap<>();
    test.put("interval", "1m");
    test.put("input_series", input);
    test.put("alert_rule_test", tests);
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("rule_files", List.of(RULES.toString(), dashboardRules.toString()));
    file.put("evaluation_interval", "1m");
    file.put("tests", List.of(test));
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setWidth(1000);
    return "# Generated by MonitoringKitIT from a real scrape of a JVM with the agent.\n"
        + new Yaml(options).dump(file);
  }

  /**
   * Each dashboard query as an alert that fires when the query returns nothing: evaluated by promtool over the real
   * scrape, so a query that is not PromQL, or that finds no data where the agent has some, fails the build. Grafana's
   * variables become what "All" selects, and {@code label_values(m, l)} the query Grafana runs for it.
   */
  static String dashboardQueriesAsRules() {
    List<Map<String, Object>> rules = new ArrayList<>();
    int index = 0;
    for (Map.Entry<String, String> query : dashboardQueries().entrySet()) {
      String expression = query.getValue()
          .replace("$__rate_interval", "5m")
          .replaceAll("\\$(job|instance|pin_set)\\b", ".*")
          .replaceAll("label_values\\((.*),\\s*(\\w+)\\)", "group by ($2) ($1)");
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("alert", "DashboardQueryEmpty" + index++);
      rule.put("expr", "absent(" + expression + ")");
      rule.put("labels", Map.of("query", query.getKey()));
      rules.add(rule);
    }
    Map<String, Object> group = new LinkedHashMap<>();
    group.put("name", "dashboard-queries");
    group.put("rules", rules);
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setWidth(1000);
    return "# Generated by MonitoringKitIT: each query of the dashboard, alerting when it returns nothing.\n"
        + new Yaml(options).dump(Map.of("groups", List.of(group)));
  }

  private static Map<String, String> labels(String... keyValues) {
    Map<String, String> labels = new TreeMap<>();
    labels.put("job", JOB);
    for (int i = 0; i < keyValues.length; i += 2) {
      labels.put(keyValues[i], keyValues[i + 1]);
    }
    return labels;
  }

  private static Map<String, Object> alertTest(String at, String alert, List<Map<String, Object>> expected) {
    Map<String, Object> test = new LinkedHashMap<>();
    test.put("eval_time", at);
    test.put("alertname", alert);
    test.put("exp_alerts", expected);
    return test;
  }

  /** The alert {@code rule} raises for a series with {@code labels} and {@code value}, annotations rendered. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> expected(Map<String, Object> rule, double value, Map<String, String> labels) {
    Map<String, String> all = new TreeMap<>(labels);
    all.putAll((Map<String, String>) rule.get("labels"));
    Map<String, String> annotations = new TreeMap<>();
    for (Map.Entry<String, String> annotation : ((Map<String, String>) rule.get("annotations")).entrySet()) {
      annotations.put(annotation.getKey(), render(annotation.getValue(), labels, value));
    }
    Map<String, Object> alert = new LinkedHashMap<>();
    alert.put("exp_labels", all);
    alert.put("exp_annotations", annotations);
    return alert;
  }

  private static final Pattern TEMPLATE =
      Pattern.compile("\\{\\{\\s*\\$(labels\\.(\\w+)|value)(\\s*\\|\\s*(\\w+))?\\s*\\}\\}");

  /** The few Go template forms the rules use: {@code $labels.x}, {@code $value}, {@code $value | humanizeDuration}. */
  static String render(String template, Map<String, String> labels, double value) {
    Matcher matcher = TEMPLATE.matcher(template);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String replacement;
      if (matcher.group(2) != null) {
        replacement = labels.get(matcher.group(2));
      } else if ("humanizeDuration".equals(matcher.group(4))) {
        replacement = humanizeDuration(value);
      } else if (matcher.group(4) == null) {
        replacement = value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
      } else {
        throw new IllegalArgumentException("template function not rendered here: " + matcher.group());
      }
      matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  /** Prometheus' humanizeDuration, for at least a minute (what an expiry is). */
  static String humanizeDuration(double seconds) {
    String sign = seconds < 0 ? "-" : "";
    long duration = (long) Math.abs(seconds);
    long days = duration / 86_400;
    long hours = duration / 3600 % 24;
    long minutes = duration / 60 % 60;
    long secs = duration % 60;
    if (days != 0) {
      return sign + days + "d " + hours + "h " + minutes + "m " + secs + "s";
    }
    if (hours != 0) {
      return sign + hours + "h " + minutes + "m " + secs + "s";
    }
    return sign + minutes + "m " + secs + "s";
  }
}
