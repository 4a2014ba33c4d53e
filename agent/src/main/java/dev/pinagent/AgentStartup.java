package dev.pinagent;

import dev.pinagent.bridge.TrustManagerWrapping;
import dev.pinagent.config.AgentOptions;
import dev.pinagent.instrumentation.HookInstaller;
import dev.pinagent.instrumentation.ClassLoadWatch;
import dev.pinagent.inventory.InventoryRecorder;
import dev.pinagent.log.AgentLog;
import dev.pinagent.log.ViolationLog;
import dev.pinagent.metrics.CounterStore;
import dev.pinagent.metrics.MeterBridges;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.metrics.PrometheusExport;
import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyLint;
import dev.pinagent.reload.PolicyCache;
import dev.pinagent.reload.PolicyFile;
import dev.pinagent.reload.PolicyReloader;
import dev.pinagent.reload.PolicyServer;
import dev.pinagent.reload.PolicySource;
import dev.pinagent.reload.PolicyWatcher;
import dev.pinagent.verify.CheckObserver;
import dev.pinagent.report.ReportSender;
import dev.pinagent.reload.StartupLoad;
import dev.pinagent.signing.KeyFileException;
import dev.pinagent.signing.PolicySignatures;
import dev.pinagent.signing.PublicKeys;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.Printable;
import dev.pinagent.verify.SpkiPins;
import dev.pinagent.verify.ViolationListener;
import java.lang.instrument.Instrumentation;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Wires the agent together, in the order safety needs: options and policy are validated first (a bad policy
 * stops here, before anything is hooked); hooks are installed synchronously, so no TLS client can be created
 * unpinned in between; only the metrics export, which can wait, starts on a daemon thread.
 */
final class AgentStartup {
  /** Distinct host values kept in the violations metric before the rest are counted as {@code other}. */
  static final int MAX_VIOLATION_HOSTS = 100;

  /** Lint warnings of one kind printed in full at start; the rest are counted in one line. */
  static final int WARNINGS_PER_KIND = 10;

  /** Certificates whose SPKI pin is remembered. */
  static final int SPKI_CACHE_SIZE = 4096;

  private AgentStartup() {}

  /** A configuration the agent must refuse to run with. */
  static class ConfigurationException extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigurationException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The jar lacks the agent's libraries: most likely {@code original-pin-agent.jar}, the unshaded jar a build
   * leaves beside the real one, or the classes directory. Said first, so it is not blamed on the policy.
   */
  static final class NotTheAgentJarException extends ConfigurationException {
    private static final long serialVersionUID = 1L;

    static final String MESSAGE = "this is not the PinAgent agent jar (its libraries are missing); use pin-agent.jar";

    NotTheAgentJarException(NoClassDefFoundError missing) {
      super(MESSAGE + " (" + missing.getMessage() + " cannot be loaded)", missing);
    }
  }

  /** A second load of the agent into a JVM that has one in force; its message says what to do. */
  static final class AlreadyAttachedException extends ConfigurationException {
    private static final long serialVersionUID = 1L;

    AlreadyAttachedException(String message) {
      super(message, null);
    }
  }

  /**
   * Starts the agent.
   *
   * @param atStartup whether from {@code premain} ({@code -javaagent}) rather than a dynamic attach
   */
  static void start(String agentArgs, Instrumentation instrumentation, boolean atStartup)
      throws ConfigurationException {
    requireLibraries(AgentStartup::touchLibraries);
    AgentOptions options;
    Policy policy;
    try {
      options = AgentOptions.resolve(agentArgs, System.getProperties(), System.getenv());
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("invalid agent options: " + e.getMessage(), e);
    }
    // Checked before the second policy is read, so that fixing it is never asked of whoever sees this first.
    refuseIfAttached(TrustManagerWrapping.attachedPolicy(), options.policy(), atStartup);
    PolicySource source;
    PolicyServer server = null;
    try {
      if (PolicyServer.isRemote(options.policy())) {
        server = new PolicyServer(options.policy());
        server.unpinnedUntilHooked();
        source = server;
      } else {
        source = new PolicyFile(Paths.get(options.policy()));
      }
    } catch (RuntimeException e) {
      throw new ConfigurationException("invalid agent options: policy=" + options.policy() + ": " + e.getMessage(), e);
    }
    PolicyCache cache = options.policyCache() == null ? null : new PolicyCache(Paths.get(options.policyCache()));
    PolicySignatures signatures = signatures(options);
    CounterStore store = new CounterStore(MAX_VIOLATION_HOSTS);
    String fingerprint = null;
    long serial = -1;
    String refused = null;
    String loadWarning = null;
    try {
      StartupLoad loaded = StartupLoad.load(source, signatures, cache, store);
      policy = loaded.policy;
      fingerprint = loaded.fingerprint;
      serial = loaded.serial;
      loadWarning = loaded.warning;
    } catch (StartupLoad.Refused e) {
      // The message says which kind of refusal: the policy itself, its signature, or a rollback.
      if (options.onPolicyError() == AgentOptions.OnPolicyError.FAIL) {
        throw new ConfigurationException(e.getMessage(), e);
      }
      refused = e.getMessage();
      policy = Policy.builder(Mode.REPORT).build();
      store.policyStatus().failing(true);
    } catch (NoClassDefFoundError e) {
      throw new NotTheAgentJarException(e);
    } catch (RuntimeException | Error e) {
      // Whatever else goes wrong before anything is hooked (an illegal path, a JVM short of memory) must
      // still stop the JVM: the alternative is a service running unpinned that was meant to be pinned.
      throw new ConfigurationException("cannot load the pin policy " + options.policy() + ": " + e, e);
    }

    AgentLog log = AgentLog.standardError(options.logFormat());
    PinCounters counters = new PinCounters(policy, store);
    if (fingerprint != null) {
      counters.policyLoaded(PolicyReloader.shortFingerprint(fingerprint), source.name(), System.currentTimeMillis());
    }
    InventoryRecorder inventory = inventoryRecorder(options, counters, log);
    ReportSender reports = reportSender(options, counters, log);
    PinVerifier verifier = new PinVerifier(policy, counters, new SpkiPins(SPKI_CACHE_SIZE), System::currentTimeMillis,
        violationListener(ViolationLog.of(log), reports), inventory == null ? CheckObserver.NONE : inventory);
    AgentEnforcement enforcement = new AgentEnforcement(verifier, counters, log);

    // Checked again, atomically, where it takes effect: two dynamic attaches may run at once.
    refuseIfAttached(TrustManagerWrapping.attach(options.policy(), enforcement), options.policy(), atStartup);
    HookInstaller.install(instrumentation, enforcement);
    if (reports != null) {
      reports.start();
    }
    if (server != null) {
      server.pinnedFromNowOn();
    }

    String file = Printable.of(options.policy());
    if (loadWarning != null) {
      log.log(AgentLog.Level.WARNING, "policy.cached", "[pin-agent] WARNING: " + Printable.of(loadWarning),
          "warning", Printable.of(loadWarning));
    }
    if (refused != null) {
      log.log(AgentLog.Level.ERROR, "policy.unpinned", "[pin-agent] ERROR: " + Printable.of(refused)
          + "; starting UNPINNED as on.policy.error=unpinned asks: no host is pinned until a valid policy is at "
          + Printable.of(source.name()), "policy", source.name(), "error", Printable.of(refused));
    } else {
      // Absolute, so that the line says which file is in force whatever the working directory.
      String sha256 = PolicyReloader.shortFingerprint(fingerprint);
      log.log(AgentLog.Level.INFO, "agent.started", "[pin-agent] pinning " + policy.pinSets().size()
          + " pin-set(s) from " + Printable.of(source.name()) + " (default mode " + policy.defaultMode().id()
          + ", sha256 " + sha256 + ")",
          "pin_sets", policy.pinSets().size(), "policy", source.name(), "default_mode", policy.defaultMode().id(),
          "sha256", sha256);
      for (String warning : PolicyLint.summarized(PolicyLint.lint(policy, System.currentTimeMillis()),
          WARNINGS_PER_KIND, "run java -jar pin-agent.jar check " + options.policy() + " --all to see them all")) {
        log.log(AgentLog.Level.WARNING, "policy.warning", "[pin-agent] WARNING: " + file + ": "
            + Printable.of(warning), "policy", file, "warning", Printable.of(warning));
      }
    }
    if (reports != null) {
      log.log(AgentLog.Level.INFO, "report.started", "[pin-agent] sending violation reports to "
          + reports.collector() + " (queue " + options.reportQueue() + ", " + dedupe(options.reportDedupe()) + ")",
          "collector", reports.collector(), "queue", options.reportQueue(), "dedupe_seconds",
          options.reportDedupe().getSeconds());
    }
    if (inventory != null) {
      inventory.start(enforcement::failed);
    }
    if (options.metricsPort() != null) {
      PrometheusExport.startInBackground(options.metricsHost(), options.metricsPort(), counters,
          inventory == null ? null : inventory::json,
          url -> log.log(AgentLog.Level.INFO, "metrics.started", "[pin-agent] serving metrics at " + url, "url", url),
          error -> enforcement.failed("metrics_endpoint", error));
    }
    if (options.metricsJmx() || options.metricsGlobal()) {
      MeterBridges.startInBackground(options.metricsJmx(), options.metricsGlobal()
          ? ClassLoadWatch.start(instrumentation, MeterBridges.APPLICATION_METRICS_CLASS)::loaders : null,
          counters, line -> log.log(AgentLog.Level.INFO, "metrics.bridge", line), enforcement::failed);
    }
    if (options.policyReload()) {
      PolicySwitch policySwitch = new PolicySwitch(enforcement, source.name(), log, System::currentTimeMillis);
      PolicyReloader reloader = new PolicyReloader(source, policySwitch, store, log,
          PolicyWatcher.settleMillis(options.policyReloadInterval()), fingerprint, signatures, serial)
          .cachingIn(cache);
      PolicyWatcher.start(options.policyReloadInterval(), () -> {
        policySwitch.beforeEachLook();
        reloader.poll();
      }, error -> enforcement.failed("policy_reload", error));
    }
  }

  /**
   * The inventory recorder {@code inventory.file} asks for, or {@code null}. A directory that does not exist stops
   * the JVM like any other bad option (a typo must not silently record nothing); a file that exists but cannot be
   * read is set aside later, with a warning.
   */
  private static InventoryRecorder inventoryRecorder(AgentOptions options, PinCounters counters, AgentLog log)
      throws ConfigurationException {
    if (options.inventoryFile() == null) {
      return null;
    }
    Path file;
    try {
      file = Paths.get(options.inventoryFile()).toAbsolutePath();
    } catch (RuntimeException e) {
      throw new ConfigurationException("invalid agent options: the option 'inventory.file' is not a path: "
          + Printable.of(e.getMessage()), e);
    }
    if (file.getParent() == null || !Files.isDirectory(file.getParent()) || Files.isDirectory(file)) {
      throw new ConfigurationException("invalid agent options: the option 'inventory.file' is " + Printable.of(file)
          + ", but " + (Files.isDirectory(file) ? "that is a directory; name a file in it"
              : "its directory does not exist; create it or name a file in an existing directory"), null);
    }
    return new InventoryRecorder(file, options.inventoryMaxHosts(), options.inventoryInterval(),
        counters.inventoryDropped(), System::currentTimeMillis,
        line -> log.log(AgentLog.Level.WARNING, "inventory.warning", line));
  }

  private static String dedupe(Duration window) {
    return window.isZero() ? "every violation reported"
        : "identical reports once per " + window.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  /** The sender of violation reports, not started yet, or {@code null} when {@code report.uri} is not set. */
  private static ReportSender reportSender(AgentOptions options, PinCounters counters, AgentLog log) {
    if (options.reportUri() == null) {
      return null;
    }
    String service = options.serviceName() != null ? options.serviceName()
        : ReportSender.serviceOf(System.getProperty("sun.java.command"));
    String version = AgentStartup.class.getPackage().getImplementationVersion();
    return ReportSender.create(options.reportUri(), options.reportQueue(), options.reportDedupe(), service,
        version == null ? "unknown" : version, counters, log);
  }

  /** Each violation is logged (rate-limited) and, when reports are on, reported. */
  static ViolationListener violationListener(ViolationLog log, ReportSender reports) {
    if (reports == null) {
      return log;
    }
    return violation -> {
      log.violated(violation);
      reports.violated(violation);
    };
  }

  /**
   * The keys a policy must be signed with ({@code policy.public-key}), or {@code null} when signing is off. A key
   * file that cannot be used stops the JVM whatever {@code on.policy.error} says: it is the agent's configuration,
   * and without it no policy could ever be trusted.
   */
  private static PolicySignatures signatures(AgentOptions options) throws ConfigurationException {
    if (options.policyPublicKey() == null) {
      return null;
    }
    try {
      return new PolicySignatures(PublicKeys.read(Paths.get(options.policyPublicKey())));
    } catch (KeyFileException e) {
      throw new ConfigurationException("invalid " + AgentOptions.POLICY_PUBLIC_KEY + ": " + e.getMessage(), e);
    } catch (NoClassDefFoundError e) {
      throw new NotTheAgentJarException(e);
    }
  }

  /** Runs {@code probe}, which loads the agent's libraries; a class it cannot find means the wrong jar. */
  static void requireLibraries(Runnable probe) throws NotTheAgentJarException {
    try {
      probe.run();
    } catch (NoClassDefFoundError e) {
      throw new NotTheAgentJarException(e);
    }
  }

  /**
   * Loads one class of each library the agent uses: small ones, since this is paid at every start (Micrometer's
   * MeterRegistry alone took 3 ms). Class literals, not names in strings: shading relocates them with the rest of
   * the code, so in the real jar they name its relocated copies.
   */
  private static void touchLibraries() {
    List.of(org.yaml.snakeyaml.LoaderOptions.class, io.micrometer.core.instrument.Tag.class,
        net.bytebuddy.jar.asm.Opcodes.class);
  }

  /** The main class of the jar's own tools ({@code java -jar pin-agent.jar pins|check ...}). */
  static final String CLI_MAIN_CLASS = "dev.pinagent.cli.PinAgentCli";

  /**
   * Whether this JVM runs the agent jar's own tools, so the agent must not start in it: a shell that exports
   * {@code JAVA_TOOL_OPTIONS} with {@code -javaagent} hands the agent to every JVM it starts, {@code java -jar
   * pin-agent.jar check} included, which would then pin itself and bind the service's metrics port.
   *
   * @param javaCommand the {@code sun.java.command} property: the main class or {@code -jar} path, then the
   *     arguments; {@code null} when the launcher did not set it
   * @param agentJar the jar the agent's classes come from, or {@code null} when not from a jar. With {@code -jar},
   *     the agent's classes come from that jar even when {@code -javaagent} names a copy: it is first on the class
   *     path.
   * @param workingDirectory what a relative {@code -jar} path is relative to
   */
  static boolean runsOwnTools(String javaCommand, Path agentJar, Path workingDirectory) {
    if (javaCommand == null) {
      return false;
    }
    String command = javaCommand.strip();
    if (command.equals(CLI_MAIN_CLASS) || command.startsWith(CLI_MAIN_CLASS + " ")) {
      return true;
    }
    int jarEnd = command.indexOf(".jar");
    if (agentJar == null || jarEnd < 0 || (jarEnd + 4 < command.length() && command.charAt(jarEnd + 4) != ' ')) {
      return false;
    }
    try {
      Path launched = workingDirectory.resolve(command.substring(0, jarEnd + 4)).toAbsolutePath().normalize();
      return launched.equals(agentJar.toAbsolutePath().normalize())
          || (Files.exists(launched) && Files.isSameFile(launched, agentJar));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** {@link #runsOwnTools(String, Path, Path)} for this JVM. */
  static boolean runsOwnTools() {
    try {
      URL location = AgentStartup.class.getProtectionDomain().getCodeSource().getLocation();
      Path jar = location == null || !location.getPath().endsWith(".jar") ? null : Paths.get(location.toURI());
      return runsOwnTools(System.getProperty("sun.java.command"), jar, Paths.get(""));
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * Refuses this load when {@code attachedPolicy} is not null. Two policies in force at once would need a rule
   * for which wins where; instead there is one: the agent is attached once, and the first load stands.
   */
  private static void refuseIfAttached(String attachedPolicy, String policy, boolean atStartup)
      throws AlreadyAttachedException {
    if (attachedPolicy == null) {
      return;
    }
    String refused = "PinAgent is already attached with policy " + attachedPolicy + "; a second "
        + (atStartup ? "-javaagent" : "attach") + " with policy " + policy + " is refused";
    if (atStartup) {
      throw new AlreadyAttachedException(refused + ": attach it once " + whereTheOptionsAre(System.getenv()));
    }
    throw new AlreadyAttachedException(refused + ", and " + attachedPolicy + " stays in force: a running JVM keeps "
        + "the policy it was given first; restart it to change the policy");
  }

  /**
   * Where the two {@code -javaagent} options most likely are: in an environment variable the JVM or the
   * launcher reads, and on the command line.
   */
  static String whereTheOptionsAre(Map<String, String> environment) {
    for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")) {
      String value = environment.get(variable);
      if (value != null && value.contains("-javaagent:")) {
        return "(" + variable + " or the command line, not both)";
      }
    }
    return "(one -javaagent option, not two)";
  }
}
