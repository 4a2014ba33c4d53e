package dev.pinagent.cli;

import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.reload.PolicyFile;
import dev.pinagent.signing.KeyFileException;
import dev.pinagent.signing.PolicySignatureException;
import dev.pinagent.signing.PolicySignatures;
import dev.pinagent.signing.PublicKeys;
import dev.pinagent.signing.SigningKey;
import dev.pinagent.verify.Printable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * {@code keygen}, {@code sign} and {@code verify}: the signing workflow. Make a key pair once ({@code keygen}),
 * keep the private key in CI's secrets and give every agent the public key ({@code policy.public-key=}); sign each
 * policy version in CI ({@code sign}, which refuses an invalid policy, so a broken policy can never be signed);
 * ship the policy with its {@code .sig}. {@code verify} checks a pair exactly as the agent will. Exit status as
 * {@code check}: 0 done, 2 error.
 */
final class SigningCommands {
  static final String KEYGEN_USAGE = "usage: java -jar pin-agent.jar keygen <dir>\n"
      + "\n"
      + "Makes an Ed25519 key pair for signing policies: <dir>/" + SigningKey.PRIVATE_FILE + " (readable by its owner\n"
      + "only; keep it in CI's secrets) and <dir>/" + SigningKey.PUBLIC_FILE + " (give it to every agent as\n"
      + "policy.public-key=). Never overwrites a key. Exit status: 0 done, 2 error.\n";
  static final String SIGN_USAGE = "usage: java -jar pin-agent.jar sign <policy.yaml> --key <private key>\n"
      + "\n"
      + "Loads the policy as the agent would and, if it is valid and has a top-level 'serial: <whole number>',\n"
      + "writes <policy.yaml>.sig. The private key file must be readable by its owner only. Exit status: 0\n"
      + "signed, 2 error (nothing is written).\n";
  static final String VERIFY_USAGE = "usage: java -jar pin-agent.jar verify <policy.yaml> --public-key <file>\n"
      + "\n"
      + "Checks <policy.yaml>.sig against the keys in <file> and the policy as the agent would. Exit status: 0\n"
      + "valid, 2 error.\n";

  private SigningCommands() {}

  static int keygen(String[] args, PrintStream out, PrintStream err) throws UsageException {
    Arguments arguments = Arguments.parse(args, 1, Set.of(), Set.of("help"));
    if (arguments.flag("help")) {
      out.print(KEYGEN_USAGE);
      return CheckCommand.CLEAN;
    }
    Path directory = Paths.get(single(arguments, "a directory to write the key pair to"));
    SigningKey key = SigningKey.generate();
    try {
      key.writeTo(directory);
    } catch (IOException e) {
      err.println("pin-agent: keygen: " + Printable.of(e.getMessage()));
      return CheckCommand.ERRORS;
    }
    out.println("wrote " + directory.resolve(SigningKey.PRIVATE_FILE) + " (private: owner-readable only; keep it "
        + "secret) and " + directory.resolve(SigningKey.PUBLIC_FILE) + " (key id " + key.keyId() + ")");
    out.println("give every agent policy.public-key=" + directory.resolve(SigningKey.PUBLIC_FILE).toAbsolutePath());
    return CheckCommand.CLEAN;
  }

  static int sign(String[] args, PrintStream out, PrintStream err) throws UsageException {
    Arguments arguments = Arguments.parse(args, 1, Set.of("key"), Set.of("help"));
    if (arguments.flag("help")) {
      out.print(SIGN_USAGE);
      return CheckCommand.CLEAN;
    }
    Path policyFile = Paths.get(single(arguments, "the policy file to sign"));
    if (arguments.option("key") == null) {
      throw new UsageException("sign needs --key <private key file>");
    }
    SigningKey key;
    byte[] bytes;
    long serial;
    try {
      key = SigningKey.read(Paths.get(arguments.option("key")));
      bytes = PolicyLoader.read(policyFile);
      Policy policy = PolicyLoader.fromBytes(policyFile.toString(), bytes);
      serial = PolicySignatures.serial(policyFile.toString(), policy);
    } catch (KeyFileException | PolicyException e) {
      err.println("pin-agent: sign: " + Printable.of(e.getMessage()) + "; nothing signed");
      return CheckCommand.ERRORS;
    }
    Path sigFile = policyFile.resolveSibling(PolicySignatures.signatureName(policyFile.getFileName().toString()));
    try {
      writeAtomically(sigFile, key.sign(bytes).format().getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      err.println("pin-agent: sign: cannot write " + sigFile + ": " + Printable.of(e));
      return CheckCommand.ERRORS;
    }
    out.println("signed " + policyFile + " (serial " + serial + ") with key " + key.keyId() + ": wrote " + sigFile
        + "; ship both files together");
    return CheckCommand.CLEAN;
  }

  static int verify(String[] args, PrintStream out, PrintStream err) throws UsageException {
    Arguments arguments = Arguments.parse(args, 1, Set.of("public-key"), Set.of("help"));
    if (arguments.flag("help")) {
      out.print(VERIFY_USAGE);
      return CheckCommand.CLEAN;
    }
    Path policyFile = Paths.get(single(arguments, "the policy file to verify"));
    if (arguments.option("public-key") == null) {
      throw new UsageException("verify needs --public-key <file of public keys>");
    }
    try {
      PolicySignatures signatures = new PolicySignatures(PublicKeys.read(Paths.get(arguments.option("public-key"))));
      byte[] bytes = PolicyLoader.read(policyFile);
      byte[] signature = new PolicyFile(policyFile).readSignature();
      String keyId = signatures.verify(policyFile.toString(), bytes, signature);
      Policy policy = PolicyLoader.fromBytes(policyFile.toString(), bytes);
      long serial = PolicySignatures.serial(policyFile.toString(), policy);
      out.println("OK: " + policyFile + " is signed by key " + keyId + " (serial " + serial + ", "
          + policy.pinSets().size() + " pin-set(s))");
      return CheckCommand.CLEAN;
    } catch (KeyFileException | PolicyException | PolicySignatureException e) {
      err.println("pin-agent: verify: " + Printable.of(e.getMessage()));
      return CheckCommand.ERRORS;
    }
  }

  private static String single(Arguments arguments, String what) throws UsageException {
    if (arguments.operands().size() != 1) {
      throw new UsageException("expected one operand, " + what);
    }
    return arguments.operands().get(0);
  }

  /**
   * Writes {@code bytes} to a new file beside {@code file}, flushes it to disk and renames it over {@code file}.
   * The file is made readable by all (a temporary file is owner-only), as a policy is: agents run as other users.
   */
  static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
    try {
      if (Files.getFileStore(temporary).supportsFileAttributeView(PosixFileAttributeView.class)) {
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
      }
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        channel.write(ByteBuffer.wrap(bytes));
        channel.force(true);
      }
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
