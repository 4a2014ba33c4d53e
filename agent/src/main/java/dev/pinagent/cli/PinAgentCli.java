package dev.pinagent.cli;

import dev.pinagent.verify.Printable;
import java.io.PrintStream;

/**
 * {@code java -jar pin-agent.jar <command>}: the jar's tools. {@code pins} answers "what is the pin of my
 * host?", {@code check} answers "is my policy right before I ship it?", {@code propose} "what should my first
 * policy be, from what my services talk to?"; all use the agent's own code.
 */
public final class PinAgentCli {
  static final String USAGE = "PinAgent %s: certificate pinning for any JVM, without code changes.\n"
      + "\n"
      + "usage: java -jar pin-agent.jar <command> [options]   (each command has --help)\n"
      + "  pins <host[:port] | file>   print the sha256/ pins of a server's or a file's certificate chain\n"
      + "  check <policy.yaml>         validate a policy as the agent would; --online checks live chains\n"
      + "  propose <inventory.json>... a policy from what agents observed (inventory.file=...), in report mode\n"
      + "  keygen <dir>                make a key pair for signing policies\n"
      + "  sign <policy.yaml> --key K  write <policy.yaml>.sig (refuses an invalid policy)\n"
      + "  verify <policy.yaml> --public-key F   check a signed policy as the agent would\n"
      + "\n"
      + "Attach the agent to a JVM:\n"
      + "  java -javaagent:pin-agent.jar=policy=/etc/pins.yaml[,metrics.port=9464][,metrics.host=127.0.0.1] ...\n"
      + "  JAVA_TOOL_OPTIONS=\"-javaagent:/opt/pin-agent.jar=policy=/etc/pins.yaml\" java ...\n"
      + "Options may also come from -Dpinagent.<key>=... or PINAGENT_<KEY>=... (dots and dashes as underscores).\n";

  private PinAgentCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs a command and returns its exit status; never exits the JVM itself. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    String version = PinAgentCli.class.getPackage().getImplementationVersion();
    String usage = String.format(USAGE, version == null ? "(development build)" : version);
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      out.print(usage);
      return args.length == 0 ? CheckCommand.ERRORS : CheckCommand.CLEAN;
    }
    try {
      switch (args[0]) {
        case "pins":
          return PinsCommand.run(args, out, err);
        case "check":
          return CheckCommand.run(args, out, err);
        case "propose":
          return ProposeCommand.run(args, out, err);
        case "keygen":
          return SigningCommands.keygen(args, out, err);
        case "sign":
          return SigningCommands.sign(args, out, err);
        case "verify":
          return SigningCommands.verify(args, out, err);
        default:
          throw new UsageException("unknown command '" + args[0] + "'; the commands are pins, check, propose, "
              + "keygen, sign and verify");
      }
    } catch (UsageException e) {
      err.println("pin-agent: " + Printable.of(e.getMessage()) + " (see --help)");
      return CheckCommand.ERRORS;
    } catch (Exception e) {
      err.println("pin-agent: " + Printable.of(args[0]) + " failed: " + Printable.of(e));
      return CheckCommand.ERRORS;
    } catch (NoClassDefFoundError e) {
      // The unshaded original-pin-agent.jar, or the classes directory, run as the tool.
      err.println("pin-agent: this is not the PinAgent jar (its libraries are missing); use pin-agent.jar ("
          + Printable.of(e.getMessage()) + " cannot be loaded)");
      return CheckCommand.ERRORS;
    }
  }
}
