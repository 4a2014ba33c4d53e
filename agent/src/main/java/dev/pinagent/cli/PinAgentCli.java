package dev.pinagent.cli;

/**
 * {@code java -jar pin-agent.jar}: explains how to attach the agent. The jar's tools (computing pins,
 * checking policies) hang off this entry point.
 */
public final class PinAgentCli {
  private PinAgentCli() {}

  public static void main(String[] args) {
    String version = PinAgentCli.class.getPackage().getImplementationVersion();
    System.out.println("PinAgent " + (version == null ? "(development build)" : version)
        + ": certificate pinning for any JVM, without code changes.\n\n"
        + "Attach it to a JVM:\n"
        + "  java -javaagent:pin-agent.jar=policy=/etc/pins.yaml[,metrics.port=9464][,metrics.host=127.0.0.1] ...\n"
        + "  JAVA_TOOL_OPTIONS=\"-javaagent:/opt/pin-agent.jar=policy=/etc/pins.yaml\" java ...\n\n"
        + "Options may also come from -Dpinagent.<key>=... or PINAGENT_<KEY>=... (dots as underscores).");
    if (args.length > 0 && !args[0].equals("--help") && !args[0].equals("-h")) {
      System.err.println("unknown command '" + args[0] + "'");
      System.exit(2);
    }
  }
}
