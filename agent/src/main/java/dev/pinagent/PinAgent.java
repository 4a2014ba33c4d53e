package dev.pinagent;

import dev.pinagent.config.AgentOptions;
import dev.pinagent.log.AgentLog;
import dev.pinagent.verify.Printable;
import java.lang.instrument.Instrumentation;

/**
 * The agent's entry: {@code -javaagent:pin-agent.jar=policy=/etc/pins.yaml[,metrics.port=9464]}. It does as
 * little as possible here: hand over to {@link AgentStartup}, and turn any failure into one clear stderr
 * line. An invalid configuration stops a JVM being started (a service that would run unpinned when its
 * operator asked for pinning must not start); at dynamic attach it fails the attach instead, leaving the
 * running service alone. The agent is attached once: a second load (the jar given in both
 * {@code JAVA_TOOL_OPTIONS} and on the command line, or attached again) is refused the same way, and the
 * first load's policy stays in force. In a JVM that runs the jar's own tools the agent does nothing (see
 * {@link AgentStartup#runsOwnTools(String, java.nio.file.Path, java.nio.file.Path)}).
 */
public final class PinAgent {
  /** The exit status of a JVM refused at startup because the agent's configuration is invalid. */
  public static final int EXIT_INVALID_CONFIGURATION = 78;

  private PinAgent() {}

  public static void premain(String agentArgs, Instrumentation instrumentation) {
    try {
      if (AgentStartup.runsOwnTools()) {
        // java -jar pin-agent.jar check ... under a JAVA_TOOL_OPTIONS that carries the agent: the tools pin
        // nothing and serve no metrics, and say nothing of it (the JVM has printed the option it picked up).
        return;
      }
      AgentStartup.start(agentArgs, instrumentation, true);
    } catch (AgentStartup.ConfigurationException e) {
      String message = Printable.of(e.getMessage());
      String what = null;
      if (e instanceof AgentStartup.NotTheAgentJarException) {
        what = "[pin-agent] The JVM is stopped so that it never runs unpinned; give -javaagent the "
            + "path of pin-agent.jar, or remove -javaagent to run without pinning.";
      } else if (!(e instanceof AgentStartup.AlreadyAttachedException)) {
        // Not for an agent given twice: its line says what to do, and pinning is not what has to go.
        what = "[pin-agent] The JVM is stopped so that it never runs unpinned; fix the policy or "
            + "the agent options, or remove -javaagent to run without pinning.";
      }
      print(agentArgs, AgentLog.Level.FATAL, "agent.fatal", "[pin-agent] FATAL: " + message, "error", message,
          "exit_status", EXIT_INVALID_CONFIGURATION);
      if (what != null) {
        print(agentArgs, AgentLog.Level.FATAL, "agent.stopped", what);
      }
      System.exit(EXIT_INVALID_CONFIGURATION);
    } catch (Throwable e) {
      String error = Printable.of(e);
      print(agentArgs, AgentLog.Level.ERROR, "agent.not_started", "[pin-agent] ERROR: the agent failed to start "
          + "and pins NOTHING: " + error, "error", error);
      e.printStackTrace();
    }
  }

  public static void agentmain(String agentArgs, Instrumentation instrumentation) {
    try {
      AgentStartup.start(agentArgs, instrumentation, false);
    } catch (AgentStartup.ConfigurationException e) {
      String message = Printable.of(e.getMessage());
      print(agentArgs, AgentLog.Level.ERROR, "agent.not_attached", "[pin-agent] ERROR: not attached: " + message,
          "error", message);
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Prints one line in the log format asked for, as far as the options can be read (they may be what is wrong);
   * as plain text if even that fails, since this line is all an operator will see.
   */
  private static void print(String agentArgs, AgentLog.Level level, String event, String text, Object... fields) {
    try {
      AgentLog.standardError(AgentOptions.logFormatOf(agentArgs, System.getProperties(), System.getenv()))
          .log(level, event, text, fields);
    } catch (Throwable e) {
      System.err.println(text);
    }
  }
}
