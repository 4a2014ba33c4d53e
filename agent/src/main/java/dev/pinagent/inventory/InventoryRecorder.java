package dev.pinagent.inventory;

import dev.pinagent.json.Json;
import dev.pinagent.policy.PinSet;
import dev.pinagent.verify.CertificationPath;
import dev.pinagent.verify.CheckObserver;
import dev.pinagent.verify.CheckResult;
import dev.pinagent.verify.Printable;
import dev.pinagent.verify.SignatureCache;
import dev.pinagent.verify.TrustAnchors;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.X509TrustManager;

/**
 * Records every chain the verifier checked for a named host into an {@link Inventory}, and keeps it on disk.
 *
 * <p>The handshake's thread does as little as it can: a chain it has seen for this host (the common case) costs
 * two hash lookups, a few comparisons and a counter, and allocates nothing. The first sight of a (host, port,
 * chain, outcome) makes one small record and queues it; a daemon thread ({@code pin-agent-inventory}) builds the
 * certification path, hashes the keys, files it, and writes the file every {@code interval} and at JVM shutdown.
 * When the queue is full (a burst of new hosts), the sighting is not remembered, so a later handshake queues it
 * again: nothing is lost, and the handshake never waits.
 *
 * <p>Bounded everywhere: the inventory by its caps, the sightings the handshakes look up by {@link
 * #maxSightings} (past it they start over, and their counts stay with the inventory), the queue by {@link
 * #QUEUE_SIZE}.
 */
public final class InventoryRecorder implements CheckObserver {
  static final int QUEUE_SIZE = 1024;
  /** The file read at startup is capped well above what 2,000 hosts of 4 paths take. */
  static final int MAX_FILE_CHARS = 64 * 1024 * 1024;

  private final Inventory inventory;
  private final InventoryFile file;
  private final LongSupplier clock;
  private final Consumer<String> log;
  private volatile BiConsumer<String, Throwable> failed = (stage, error) -> { };
  private final LongAdder dropped;
  private final int maxSightings;
  private final Duration interval;
  private final BlockingQueue<Sighting> queue = new ArrayBlockingQueue<>(QUEUE_SIZE);
  /** Leaf certificate, then host: the sightings handshakes look up. */
  private final ConcurrentHashMap<X509Certificate, ConcurrentHashMap<String, Sighting>> seen =
      new ConcurrentHashMap<>();
  private final AtomicInteger sightings = new AtomicInteger();
  private volatile int generation;
  private final SignatureCache signatures = new SignatureCache(256);
  private volatile boolean loaded;

  /**
   * @param file where the inventory is kept, or {@code null} for one in memory only (tests)
   * @param dropped counts what did not fit ({@code tls.pin.inventory.dropped})
   */
  public InventoryRecorder(Path file, int maxHosts, Duration interval, LongAdder dropped, LongSupplier clock,
      Consumer<String> log) {
    this.inventory = new Inventory(maxHosts, Inventory.DEFAULT_MAX_CHAINS);
    this.file = file == null ? null : new InventoryFile(file);
    this.interval = interval;
    this.dropped = dropped;
    this.clock = clock;
    this.log = log;
    this.maxSightings = Math.max(4096, maxHosts * Inventory.DEFAULT_MAX_CHAINS + 1024);
  }

  @Override
  public void checked(X509Certificate[] chain, String serverName, String peerHost, int port,
      X509TrustManager trustManager, PinSet set, CheckResult result) {
    if (chain == null || chain.length == 0 || chain[0] == null) {
      return;
    }
    String host = serverName != null ? serverName : peerHost;
    String otherPeer = peerHost == null || peerHost.equals(host) ? null : peerHost;
    long now = clock.getAsLong();
    ConcurrentHashMap<String, Sighting> byHost = seen.get(chain[0]);
    if (byHost != null) {
      for (Sighting sighting = byHost.get(host); sighting != null; sighting = sighting.next) {
        if (sighting.is(chain, otherPeer, port, set, result)) {
          sighting.count(now);
          return;
        }
      }
    }
    firstSight(chain, host, otherPeer, port, trustManager, set, result, now);
  }

  private void firstSight(X509Certificate[] chain, String host, String peer, int port, X509TrustManager trustManager,
      PinSet set, CheckResult result, long now) {
    if (sightings.get() >= maxSightings) {
      // Start over; the inventory keeps the counts of what handshakes no longer find (see Chain.attach).
      synchronized (seen) {
        if (sightings.get() >= maxSightings) {
          seen.clear();
          sightings.set(0);
          generation++;
        }
      }
    }
    ConcurrentHashMap<String, Sighting> byHost = seen.computeIfAbsent(chain[0], leaf -> new ConcurrentHashMap<>(2));
    Sighting[] made = new Sighting[1];
    Sighting[] found = new Sighting[1];
    byHost.compute(host, (key, head) -> {
      for (Sighting sighting = head; sighting != null; sighting = sighting.next) {
        if (sighting.is(chain, peer, port, set, result)) {
          found[0] = sighting;
          return head;
        }
      }
      Sighting sighting = new Sighting(chain, host, peer, port, set, result, trustManager, now, generation, head);
      sighting.count(now);
      // Remembered only when queued: when the queue is full, a later handshake tries again.
      if (!queue.offer(sighting)) {
        return head;
      }
      made[0] = sighting;
      return sighting;
    });
    if (found[0] != null) {
      found[0].count(now);
    } else if (made[0] != null) {
      sightings.incrementAndGet();
    }
  }

  /**
   * Starts the daemon thread that files sightings and writes the file; reads the existing file first.
   *
   * @param failed told of a failure (file unwritable, a bug) by stage; must not throw
   */
  public void start(BiConsumer<String, Throwable> failed) {
    this.failed = failed;
    Thread thread = new Thread(this::run, "pin-agent-inventory");
    thread.setDaemon(true);
    thread.start();
    Runtime.getRuntime().addShutdownHook(new Thread(this::writeAtExit, "pin-agent-inventory-write"));
  }

  private void run() {
    try {
      load();
    } catch (RuntimeException | Error e) {
      // Recording goes on without the old file (which stays where it is); the failure is reported.
      failed.accept("inventory", e);
    }
    long nextWrite = clock.getAsLong() + interval.toMillis();
    while (true) {
      try {
        long wait = Math.max(1, nextWrite - clock.getAsLong());
        Sighting sighting = queue.poll(wait, TimeUnit.MILLISECONDS);
        if (sighting != null) {
          drain(sighting);
        }
        if (clock.getAsLong() >= nextWrite) {
          write();
          nextWrite = clock.getAsLong() + interval.toMillis();
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | Error e) {
        failed.accept("inventory", e);
      }
    }
  }

  /** Continues the file when there is one; an unreadable one is set aside with a warning, never failing start. */
  void load() {
    synchronized (inventory) {
      if (loaded) {
        return;
      }
      loaded = true;
      if (file == null) {
        return;
      }
      try {
        Inventory previous = file.read(inventory.maxHosts(), inventory.maxChains());
        if (previous != null) {
          inventory.continueFrom(previous);
          log.accept("[pin-agent] inventory: continuing " + Printable.of(file.path()) + " ("
              + previous.hosts().size() + " host(s))");
        }
      } catch (InventoryFile.UnreadableException e) {
        log.accept("[pin-agent] WARNING: inventory " + Printable.of(file.path()) + " cannot be read ("
            + Printable.of(e.getMessage()) + "); set aside as " + Printable.of(e.setAsideAs())
            + ", starting a new inventory");
      }
    }
  }

  /** Files every queued sighting, {@code first} included. */
  void drain(Sighting first) {
    List<Sighting> batch = new ArrayList<>();
    if (first != null) {
      batch.add(first);
    }
    queue.drainTo(batch);
    for (Sighting sighting : batch) {
      List<PathCertificate> path = pathOf(sighting);
      boolean stored;
      synchronized (inventory) {
        stored = inventory.add(sighting, path);
      }
      if (!stored) {
        dropped.increment();
      }
    }
  }

  /** The path the agent builds (what {@code pins} shows): leaf first, through the anchor of the trust manager. */
  private List<PathCertificate> pathOf(Sighting sighting) {
    TrustAnchors anchors = TrustAnchors.of(sighting.trustManager);
    List<X509Certificate> shown = CertificationPath.search(sighting.chain, anchors.certificates(),
        !anchors.named(), signatures).shown();
    List<PathCertificate> path = new ArrayList<>();
    for (X509Certificate certificate : shown.isEmpty() ? List.of(sighting.chain[0]) : shown) {
      path.add(PathCertificate.of(certificate));
    }
    return path;
  }

  /** Files what is queued and renders the inventory as JSON: the file's content and {@code GET /inventory}. */
  public String json() {
    load();
    drain(null);
    synchronized (inventory) {
      return Json.write(inventory.toJson(Instant.ofEpochMilli(clock.getAsLong())));
    }
  }

  /** Writes the file now (atomically); a failure is reported, never thrown. One writer at a time. */
  synchronized void write() {
    if (file == null) {
      return;
    }
    try {
      file.write(json());
    } catch (IOException | RuntimeException e) {
      failed.accept("inventory", e);
    }
  }

  private void writeAtExit() {
    try {
      write();
    } catch (Throwable e) {
      // The JVM is exiting; nothing more to do.
    }
  }

  /** The inventory, for tests: callers must not keep it past a {@link #drain}. */
  Inventory inventory() {
    synchronized (inventory) {
      return inventory;
    }
  }
}
