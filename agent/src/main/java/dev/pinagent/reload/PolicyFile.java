package dev.pinagent.reload;

import dev.pinagent.policy.PolicyException;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.signing.DetachedSignature;
import dev.pinagent.signing.PolicySignatures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A policy file, read through its path each time: a file replaced by rename, or a Kubernetes ConfigMap volume
 * (where the path is a symlink into {@code ..data}, itself a symlink swapped atomically to a new directory), is
 * read anew, because nothing here holds the old file open or remembers where a link pointed.
 */
public final class PolicyFile implements PolicySource {
  private final Path path;
  private final String name;

  public PolicyFile(Path path) {
    this.path = path;
    // Absolute, so that log lines and the metric say which file whatever the working directory.
    this.name = path.toAbsolutePath().toString();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte[] read() throws PolicyException {
    return PolicyLoader.read(path);
  }

  @Override
  public byte[] readSignature() throws PolicyException {
    Path file = path.resolveSibling(PolicySignatures.signatureName(path.getFileName().toString()));
    if (!Files.exists(file)) {
      return null;
    }
    if (!Files.isRegularFile(file)) {
      throw new PolicyException(file.toString(), 0, "", "is not a regular file; expected a policy signature");
    }
    // One byte more than a signature file may hold, so that the parser can say it is too large.
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(DetachedSignature.MAX_FILE_BYTES + 1);
    } catch (IOException e) {
      throw new PolicyException(file.toString(), 0, "", "cannot be read: " + e);
    }
  }
}
