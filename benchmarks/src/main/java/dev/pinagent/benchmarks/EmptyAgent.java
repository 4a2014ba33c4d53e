package dev.pinagent.benchmarks;

import java.lang.instrument.Instrumentation;

/**
 * An agent that does nothing: what the JVM itself charges for any {@code -javaagent} (the instrumentation
 * module, the agent jar, a module graph it can no longer take from its archive), the floor under PinAgent's
 * start-up cost.
 */
public final class EmptyAgent {
  private EmptyAgent() {}

  public static void premain(String agentArgs, Instrumentation instrumentation) {}
}
