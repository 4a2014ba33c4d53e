package dev.pinagent.reload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code policy.cache=<dir>}: the last verified policy and its signature, kept so that a service restarts
 * pinned while the policy server is down. Each file is written whole and renamed into place (write, fsync,
 * rename), so a crash leaves the old file or the new one, never half of one; the pair is verified again
 * whenever it is used, so a crash between the two renames leaves a pair that is refused, never one trusted.
 */
public final class PolicyCache {
  static final String POLICY = "policy.yaml";

  private final Path directory;

  public PolicyCache(Path directory) {
    this.directory = directory;
  }

  public Path directory() {
    return directory;
  }

  /** The cached pair, read as a policy file with its {@code .sig} beside it. */
  public PolicyFile source() {
    return new PolicyFile(directory.resolve(POLICY));
  }

  /** Stores a verified pair: the signature first, so that the policy is never newer than its signature. */
  public void store(byte[] policy, byte[] signature) throws IOException {
    Files.createDirectories(directory);
    if (signature != null) {
      write(directory.resolve(POLICY + ".sig"), signature);
    }
    write(directory.resolve(POLICY), policy);
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    Path temporary = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
