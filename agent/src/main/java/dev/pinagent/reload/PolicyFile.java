package dev.pinagent.reload;

import dev.pinagent.policy.PolicyException;
import dev.pinagent.policy.yaml.PolicyLoader;
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
}
