package dev.pinagent.cli;

import dev.pinagent.json.Json;
import dev.pinagent.policy.HostName;
import dev.pinagent.policy.HostPattern;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;
import dev.pinagent.policy.PolicyLint;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.CertificationPath;
import dev.pinagent.verify.PinMatcher;
import dev.pinagent.verify.Printable;
import dev.pinagent.verify.SignatureCache;
import dev.pinagent.verify.SpkiPins;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.X509TrustManager;

/**
 * {@code check <policy.yaml> [--online]}: loads a policy exactly as the agent does, prints its errors with
 * file:line and the warnings the agent prints at load; {@code --online} also connects to each exact host and
 * says whether its live chain matches the set today — the check to run before switching a set to enforce.
 * Each host has {@code --timeout} from name lookup to the end of the handshake, {@code --parallel} hosts are
 * checked at a time and all of them within {@code --budget}, so no server can hold a pipeline for long.
 *
 * <p>{@code --target host:port} (repeatable) checks those endpoints instead of every exact host on one port:
 * partners serve on other ports, and a wildcard set has no exact host to connect to. A target no pin-set covers
 * is an error, not a silent skip. An unreachable host is a warning (a laptop off the VPN should not fail a
 * lint), unless {@code --strict}: a pipeline gating a rollout must not pass a host it never reached.
 */
final class CheckCommand {
  static final int CLEAN = 0;
  static final int WARNINGS = 1;
  static final int ERRORS = 2;

  /** Lint warnings of one kind printed in full without --all; the rest are counted in one line. */
  static final int WARNINGS_PER_KIND = 10;

  static final String USAGE = "usage: java -jar pin-agent.jar check <policy.yaml> [options]\n"
      + "\n"
      + "Loads the policy exactly as the agent would and reports errors (file:line: path: problem) and warnings:\n"
      + "an enforced set with a single pin, a set expiring within 30 days or expired, overlapping patterns and\n"
      + "which set wins, a policy that pins nothing.\n"
      + "\n"
      + "options:\n"
      + "  --online                 also connect to every exact host of every set and check that its live chain\n"
      + "                           matches the set's pins today (run it before switching a set to enforce)\n"
      + "  --port N                 the port --online connects to (default 443)\n"
      + "  --target HOST[:PORT]     check only this endpoint (repeatable; the port defaults to --port); each must\n"
      + "                           be covered by a pin-set, a wildcard one included, else it is an error\n"
      + "  --strict                 a host that cannot be reached or checked is an error (exit 2), not a warning\n"
      + "  --truststore FILE        trust store to find roots the servers do not send (default: the JVM's)\n"
      + "  --truststore-password P  its password\n"
      + "  --timeout SECONDS        per host: name lookup, connect and handshake together (default 10)\n"
      + "  --parallel N             hosts checked at the same time, 1 to 64 (default 8)\n"
      + "  --budget SECONDS         all hosts together; those not checked by then are warned about (default 300)\n"
      + "  --format text|json       text (default) or json for CI pipelines (json lists every warning)\n"
      + "  --all                    print every warning; by default the first 10 of each kind, then a count\n"
      + "\n"
      + "exit status: 0 clean, 1 warnings only (an unreachable host included), 2 errors (an invalid policy, a live\n"
      + "chain that does not match, a live leaf certificate that is expired or not yet valid, a --target no pin-set\n"
      + "covers, or with --strict a host that could not be checked)\n";

  private CheckCommand() {}

  static int timeoutMillis(Arguments arguments) throws UsageException {
    String text = arguments.option("timeout", "10");
    try {
      int seconds = Integer.parseInt(text);
      if (seconds > 0 && seconds <= 600) {
        return seconds * 1000;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new UsageException("--timeout must be a number of seconds from 1 to 600, got '" + text + "'");
  }

  private static int number(Arguments arguments, String name, int fallback, int min, int max)
      throws UsageException {
    String text = arguments.option(name, String.valueOf(fallback));
    try {
      int value = Integer.parseInt(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new UsageException("--" + name + " must be a number from " + min + " to " + max + ", got '" + text + "'");
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    Arguments arguments = Arguments.parse(args, 1,
        Set.of("format", "port", "truststore", "truststore-password", "timeout", "parallel", "budget", "target"),
        Set.of("online", "help", "all", "strict"));
    if (arguments.flag("help")) {
      out.print(USAGE);
      return CLEAN;
    }
    if (arguments.operands().size() != 1) {
      throw new UsageException("check takes one policy file");
    }
    String format = arguments.option("format", "text");
    if (!Set.of("text", "json").contains(format)) {
      throw new UsageException("--format must be text or json, got '" + format + "'");
    }
    int port = arguments.option("port") == null ? ChainSource.DEFAULT_PORT
        : ChainSource.parsePort("--port", arguments.option("port"));
    int timeout = timeoutMillis(arguments);
    int parallel = number(arguments, "parallel", 8, 1, 64);
    long budgetMillis = number(arguments, "budget", 300, 1, 86_400) * 1000L;
    String file = arguments.operands().get(0);
    boolean strict = arguments.flag("strict");
    if (!arguments.flag("online") && (strict || !arguments.options("target").isEmpty())) {
      throw new UsageException((strict ? "--strict" : "--target") + " applies to --online; add --online");
    }
    List<Endpoint> targets = new ArrayList<>();
    for (String target : arguments.options("target")) {
      targets.add(Endpoint.parse(target, port));
    }

    List<Map<String, Object>> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<PolicyLint.Warning> lint = new ArrayList<>();
    List<Map<String, Object>> online = new ArrayList<>();
    Policy policy = null;
    try {
      policy = PolicyLoader.load(Path.of(file));
    } catch (PolicyException e) {
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("file", e.file());
      error.put("line", e.line());
      error.put("path", e.yamlPath());
      error.put("message", e.getMessage());
      errors.add(error);
    }
    if (policy != null) {
      lint = PolicyLint.lint(policy, System.currentTimeMillis());
      for (PolicyLint.Warning warning : lint) {
        warnings.add(warning.message());
      }
      if (arguments.flag("online")) {
        X509TrustManager trustManager = TrustStores.load(arguments.option("truststore"),
            arguments.option("truststore-password"));
        List<PinSet> sets = new ArrayList<>();
        List<Endpoint> endpoints = new ArrayList<>();
        if (targets.isEmpty()) {
          for (PinSet set : policy.pinSets()) {
            for (HostPattern pattern : set.hosts()) {
              if (pattern.kind() == HostPattern.Kind.EXACT) {
                sets.add(set);
                endpoints.add(new Endpoint(pattern.domain(), port));
              }
            }
          }
        }
        for (Endpoint target : targets) {
          String host = HostName.normalizeConnectionHost(target.host);
          PinSet set = host == null ? null : policy.match(host);
          if (set == null) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("message", "--target " + target + " matches no pin-set in " + file + "; add " + target.host
                + " to the hosts of the set meant to pin it, or correct the target");
            errors.add(error);
          } else {
            sets.add(set);
            endpoints.add(target);
          }
        }
        for (HostCheck check : checkOnline(sets, endpoints, timeout, parallel, budgetMillis, trustManager)) {
          online.add(check.result);
          warnings.addAll(check.warnings);
          errors.addAll(check.errors);
          for (String unchecked : check.unchecked) {
            if (strict) {
              Map<String, Object> error = new LinkedHashMap<>();
              error.put("message", unchecked + " (--strict: a host not checked is an error)");
              errors.add(error);
            } else {
              warnings.add(unchecked);
            }
          }
        }
      }
    }
    int status = !errors.isEmpty() ? ERRORS : !warnings.isEmpty() ? WARNINGS : CLEAN;
    if (format.equals("json")) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("file", file);
      json.put("valid", policy != null);
      json.put("pinSets", policy == null ? null : policy.pinSets().size());
      json.put("errors", errors);
      json.put("warnings", warnings);
      json.put("online", online);
      json.put("exitCode", status);
      out.print(Json.write(json));
    } else {
      List<String> shown = new ArrayList<>(arguments.flag("all") ? warnings.subList(0, lint.size())
          : PolicyLint.summarized(lint, WARNINGS_PER_KIND, "run again with --all to see them all"));
      shown.addAll(warnings.subList(lint.size(), warnings.size()));
      printText(out, file, policy, errors, shown, warnings.size(), online);
    }
    return status;
  }

  /** A host and the port to check it on: {@code host}, {@code host:port} or {@code [v6]:port}. */
  static final class Endpoint {
    final String host;
    final int port;

    Endpoint(String host, int port) {
      this.host = host;
      this.port = port;
    }

    static Endpoint parse(String target, int defaultPort) throws UsageException {
      String what = "--target '" + target + "'";
      if (target.startsWith("[")) {
        int end = target.indexOf(']');
        if (end < 0 || (end + 1 < target.length() && target.charAt(end + 1) != ':')) {
          throw new UsageException(what + ": write an IPv6 address as [::1]:443");
        }
        return new Endpoint(target.substring(1, end), end + 1 < target.length()
            ? ChainSource.parsePort(what, target.substring(end + 2)) : defaultPort);
      }
      int colon = target.indexOf(':');
      if (colon != target.lastIndexOf(':')) {
        throw new UsageException(what + ": write an IPv6 address as [::1]:443");
      }
      if (colon == 0 || target.isEmpty()) {
        throw new UsageException(what + ": expected host[:port], e.g. api.partner.example:8443");
      }
      return colon < 0 ? new Endpoint(target, defaultPort)
          : new Endpoint(target.substring(0, colon), ChainSource.parsePort(what, target.substring(colon + 1)));
    }

    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** What checking one host found: its result, and the warnings and errors it adds. */
  private static final class HostCheck {
    final Map<String, Object> result = new LinkedHashMap<>();
    final List<String> warnings = new ArrayList<>();
    final List<Map<String, Object>> errors = new ArrayList<>();
    /** Why the host could not be checked: a warning, or with --strict an error. */
    final List<String> unchecked = new ArrayList<>();

    HostCheck(PinSet set, String host, int port) {
      result.put("host", host);
      result.put("port", port);
      result.put("pinSet", set.name());
    }
  }

  /**
   * Checks each endpoint against its set, {@code parallel} at a time, within {@code budgetMillis} for all of
   * them: one slow host must not hold a CI pipeline for hours. Results come in the given order whatever order the
   * checks finish in; a host not checked when the budget runs out is reported like one that cannot be reached.
   */
  private static List<HostCheck> checkOnline(List<PinSet> sets, List<Endpoint> hosts, int timeout, int parallel,
      long budgetMillis, X509TrustManager trustManager) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
    List<HostCheck> checks = new ArrayList<>();
    if (hosts.isEmpty()) {
      return checks;
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, hosts.size()), runnable -> {
      Thread thread = new Thread(runnable, "pin-agent-check-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<Future<HostCheck>> futures = new ArrayList<>();
      for (int i = 0; i < hosts.size(); i++) {
        PinSet set = sets.get(i);
        Endpoint host = hosts.get(i);
        futures.add(pool.submit(() -> checkOnline(set, host.host, host.port, timeout, trustManager)));
      }
      for (int i = 0; i < futures.size(); i++) {
        long remaining = Math.max(0, deadline - System.nanoTime());
        try {
          checks.add(futures.get(i).get(remaining, TimeUnit.NANOSECONDS));
        } catch (TimeoutException | ExecutionException e) {
          futures.get(i).cancel(true);
          HostCheck check = new HostCheck(sets.get(i), hosts.get(i).host, hosts.get(i).port);
          String why = e instanceof TimeoutException
              ? "the --budget of " + budgetMillis / 1000 + " s for all hosts ran out first" : String.valueOf(e.getCause());
          check.result.put("result", "unchecked");
          check.result.put("detail", why);
          check.unchecked.add(hosts.get(i) + " (pin-set '" + sets.get(i).name() + "') was not checked: " + why);
          checks.add(check);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return checks;
  }

  private static HostCheck checkOnline(PinSet set, String host, int port, int timeout,
      X509TrustManager trustManager) {
    HostCheck check = new HostCheck(set, host, port);
    Map<String, Object> result = check.result;
    List<String> warnings = check.warnings;
    List<Map<String, Object>> errors = check.errors;
    X509Certificate[] chain;
    try {
      chain = ChainSource.fromServer(host, port, timeout);
    } catch (Exception e) {
      result.put("result", "unreachable");
      result.put("detail", String.valueOf(e));
      check.unchecked.add(new Endpoint(host, port) + " (pin-set '" + set.name() + "') could not be checked: " + e);
      return check;
    }
    PinMatcher.Match match = new PinMatcher(new SpkiPins(64), new SignatureCache(64)).match(chain, set,
        List.of(HostName.normalizeConnectionHost(host)), trustManager);
    List<Object> presented = new ArrayList<>();
    for (X509Certificate certificate : match.path()) {
      CertificateFacts facts = new CertificateFacts(certificate);
      presented.add(facts.pin + ": " + facts.subject);
    }
    result.put("result", match.matched() ? "match" : "mismatch");
    result.put("presented", presented);
    if (!match.matched()) {
      result.put("detail", match.reason());
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("message", host + ":" + port + " (pin-set '" + set.name() + "') does not match today: "
          + match.reason() + "; the live path is " + presented);
      errors.add(error);
    }
    // Pins outlive certificates: a leaf out of its validity under the pinned CA matches, yet the JVM refuses
    // every connection to the host. That is an error however good the pins are.
    String validity = CertificationPath.validityProblem(chain[0]);
    if (validity != null) {
      result.put("leafValidity", validity);
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("message", host + ":" + port + " (pin-set '" + set.name() + "'): " + (match.matched()
          ? "the pins are fine, but the certificate is not: " : "") + "the leaf certificate "
          + chain[0].getSubjectX500Principal().getName() + " " + validity + ", so the JVM refuses every connection "
          + "to this host until the server has a currently valid certificate");
      errors.add(error);
      return check;
    }
    try {
      trustManager.checkServerTrusted(chain, "UNKNOWN");
    } catch (Exception e) {
      warnings.add(host + ":" + port + " is not trusted by the trust store, so the JVM refuses it before any pin "
          + "check: " + e.getMessage());
    }
    return check;
  }

  /**
   * One line per finding. Each is escaped as a whole ({@link Printable}): findings quote certificate names,
   * servers' messages and policy values, none of which may start a line of its own.
   */
  private static void printText(PrintStream out, String file, Policy policy, List<Map<String, Object>> errors,
      List<String> warnings, int warningCount, List<Map<String, Object>> online) {
    if (policy != null) {
      int patterns = 0;
      for (PinSet set : policy.pinSets()) {
        patterns += set.hosts().size();
      }
      println(out, file + ": valid: " + policy.pinSets().size() + " pin-set(s), " + patterns + " host pattern(s)");
    }
    for (Map<String, Object> result : online) {
      println(out, "online: " + result.get("host") + ":" + result.get("port") + " (pin-set '" + result.get("pinSet")
          + "'): " + result.get("result") + (result.containsKey("presented") ? " " + result.get("presented") : ""));
    }
    for (String warning : warnings) {
      println(out, "warning: " + warning);
    }
    for (Map<String, Object> error : errors) {
      println(out, "error: " + error.get("message"));
    }
    out.println(errors.size() + " error(s), " + warningCount + " warning(s)");
  }

  private static void println(PrintStream out, String line) {
    out.println(Printable.of(line));
  }
}
