package dev.pinagent.metrics;

import dev.pinagent.verify.Printable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Serves {@code GET /metrics} in the Prometheus text format: a small HTTP/1.1 server of the agent's own, so that
 * no client can silence the endpoint operators alert on, and the agent adds no web stack to the host JVM.
 *
 * <p>Why not the JDK's {@code com.sun.net.httpserver}: it reads each request on its executor's thread with no
 * deadline, so one connection that sends half a request line holds that thread for as long as it stays open;
 * its timeouts are JVM-wide system properties that would also change the application's own servers.
 *
 * <p>Here one daemon thread ({@code pin-agent-metrics}) does all the socket work without blocking, so a slow or
 * idle connection costs a small buffer and never a thread. What a client can do is bounded:
 *
 * <ul>
 *   <li>a request's head (request line and headers) must arrive within {@link Limits#requestMillis} of
 *       connecting and fit in {@link Limits#maxHeadBytes}; a body is never read;
 *   <li>at most {@link Limits#maxConnections} connections are open: one more closes the connection that has
 *       waited longest without sending a complete request (or, when every connection is being answered, is
 *       refused with {@code 503});
 *   <li>only {@code GET} and {@code HEAD} of {@code /metrics} (and of {@code /inventory}, the JSON of the
 *       inventory, when the agent records one) are answered: {@code 404} for another path,
 *       {@code 405} for another method, {@code 400} for what is not HTTP/1.x;
 *   <li>every response closes the connection and must be taken within {@link Limits#responseMillis};
 *   <li>scrapes are rendered on at most {@link Limits#workers} daemon threads ({@code pin-agent-metrics-scrape},
 *       ended when idle), with at most {@link Limits#queuedScrapes} waiting; past that, {@code 503}.
 * </ul>
 */
public final class MetricsEndpoint implements AutoCloseable {
  private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String PATH = "/metrics";
  private static final String INVENTORY_PATH = "/inventory";
  private static final String JSON_FORMAT = "application/json; charset=utf-8";
  /** After the response, how long the client has to close its side before the endpoint closes the socket. */
  private static final long LINGER_MILLIS = 2_000;
  /** Bytes read and dropped while lingering (a body the client insists on sending) before closing anyway. */
  private static final int MAX_DRAINED_BYTES = 64 * 1024;
  /** How long accepting pauses when the JVM is out of file descriptors, instead of spinning on the selector. */
  private static final long ACCEPT_PAUSE_MILLIS = 100;

  /** What one client, or many, may take of the endpoint. */
  static final class Limits {
    static final Limits DEFAULT = new Limits(64, 5_000, 10_000, 8 * 1024, 2, 8);

    final int maxConnections;
    final long requestMillis;
    final long responseMillis;
    final int maxHeadBytes;
    final int workers;
    final int queuedScrapes;

    Limits(int maxConnections, long requestMillis, long responseMillis, int maxHeadBytes, int workers,
        int queuedScrapes) {
      this.maxConnections = maxConnections;
      this.requestMillis = requestMillis;
      this.responseMillis = responseMillis;
      this.maxHeadBytes = maxHeadBytes;
      this.workers = workers;
      this.queuedScrapes = queuedScrapes;
    }
  }

  private enum State {
    /** Waiting for the request head; may be closed to make room. */
    READING,
    /** The request is being answered by a worker. */
    SCRAPING,
    /** Sending the response. */
    WRITING,
    /** Response sent: waiting for the client to close, so that closing never resets a response in flight. */
    LINGERING
  }

  private final ServerSocketChannel server;
  private final Selector selector;
  private final Supplier<String> scrape;
  /** The inventory's JSON, or {@code null} when the agent records none ({@code /inventory} is then 404). */
  private final Supplier<String> inventory;
  private final Consumer<Throwable> onFailure;
  private final Limits limits;
  private final ThreadPoolExecutor workers;
  private final int port;
  /** Open connections, oldest first; touched by the selector thread only. */
  private final Set<Connection> connections = new LinkedHashSet<>();
  /** Connections whose response a worker has rendered, for the selector thread to send. */
  private final Queue<Connection> answered = new ConcurrentLinkedQueue<>();
  private final Thread loop;
  private SelectionKey acceptKey;
  /** While accepting is paused (an accept failed), when it resumes; 0 when it is not paused. */
  private long acceptResumesAt;
  private volatile boolean closed;

  private MetricsEndpoint(ServerSocketChannel server, Selector selector, Supplier<String> scrape,
      Supplier<String> inventory, Consumer<Throwable> onFailure, Limits limits) {
    this.inventory = inventory;
    this.server = server;
    this.selector = selector;
    this.scrape = scrape;
    this.onFailure = onFailure;
    this.limits = limits;
    this.port = server.socket().getLocalPort();
    this.workers = new ThreadPoolExecutor(limits.workers, limits.workers, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(limits.queuedScrapes), runnable -> daemon(runnable, "pin-agent-metrics-scrape"));
    this.workers.allowCoreThreadTimeOut(true);
    this.loop = daemon(this::run, "pin-agent-metrics");
  }

  /**
   * Binds {@code host:port} and starts serving what {@code scrape} returns, in the Prometheus text format;
   * port 0 picks a free port (see {@link #port()}).
   */
  public static MetricsEndpoint start(String host, int port, Supplier<String> scrape) throws IOException {
    return start(host, port, scrape, error -> { }, Limits.DEFAULT);
  }

  /** {@link #start(String, int, Supplier)}, telling {@code onFailure} if the endpoint stops serving. */
  public static MetricsEndpoint start(String host, int port, Supplier<String> scrape, Consumer<Throwable> onFailure)
      throws IOException {
    return start(host, port, scrape, onFailure, Limits.DEFAULT);
  }

  /** {@link #start(String, int, Supplier, Consumer)}, also serving {@code inventory} at {@code /inventory}. */
  public static MetricsEndpoint start(String host, int port, Supplier<String> scrape, Supplier<String> inventory,
      Consumer<Throwable> onFailure) throws IOException {
    return start(host, port, scrape, inventory, onFailure, Limits.DEFAULT);
  }

  /**
   * Binds, saying what a port in use most likely means: the usual cause is another JVM with the agent on the same
   * {@code metrics.port}, as every JVM a shell starts gets one when {@code JAVA_TOOL_OPTIONS} is exported there.
   */
  private static void bind(ServerSocketChannel server, String host, int port, int backlog) throws IOException {
    try {
      server.bind(new InetSocketAddress(host, port), backlog);
    } catch (BindException e) {
      String reason = String.valueOf(e.getMessage());
      BindException explained = new BindException(reason.toLowerCase(Locale.ROOT).contains("in use")
          ? "port " + port + " is in use (another JVM with the agent?); metrics.port must differ per JVM on a host"
          : "cannot bind " + host + ":" + port + ": " + reason);
      explained.initCause(e);
      throw explained;
    }
  }

  static MetricsEndpoint start(String host, int port, Supplier<String> scrape, Consumer<Throwable> onFailure,
      Limits limits) throws IOException {
    return start(host, port, scrape, null, onFailure, limits);
  }

  static MetricsEndpoint start(String host, int port, Supplier<String> scrape, Supplier<String> inventory,
      Consumer<Throwable> onFailure, Limits limits) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    Selector selector = null;
    try {
      bind(server, host, port, limits.maxConnections);
      server.configureBlocking(false);
      selector = Selector.open();
      MetricsEndpoint endpoint = new MetricsEndpoint(server, selector, scrape, inventory, onFailure, limits);
      endpoint.acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
      endpoint.loop.start();
      return endpoint;
    } catch (IOException | RuntimeException e) {
      server.close();
      if (selector != null) {
        selector.close();
      }
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** Stops serving and releases the port; waits briefly for the selector thread, never for a scrape. */
  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    workers.shutdownNow();
    if (Thread.currentThread() != loop) {
      try {
        loop.join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    try {
      while (!closed) {
        long wait = millisToNextDeadline();
        selector.select(wait);
        if (closed) {
          break;
        }
        resumeAccepting();
        for (Connection connection; (connection = answered.poll()) != null; ) {
          connection.send();
        }
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
          } else {
            ((Connection) key.attachment()).ready(key);
          }
        }
        expire();
      }
    } catch (IOException | RuntimeException | Error e) {
      if (!closed) {
        onFailure.accept(e);
      }
    } finally {
      closed = true;
      for (Connection connection : new ArrayList<>(connections)) {
        connection.close();
      }
      closeQuietly(server);
      closeQuietly(selector);
      workers.shutdownNow();
    }
  }

  /** 0 (wait without limit) when no connection has a deadline. */
  private long millisToNextDeadline() {
    long next = acceptResumesAt != 0 ? acceptResumesAt : Long.MAX_VALUE;
    for (Connection connection : connections) {
      if (connection.state != State.SCRAPING) {
        next = Math.min(next, connection.deadline);
      }
    }
    if (next == Long.MAX_VALUE) {
      return 0;
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()) + 1);
  }

  private void accept() {
    SocketChannel channel;
    while ((channel = acceptOne()) != null) {
      if (connections.size() >= limits.maxConnections && !makeRoom()) {
        refuse(channel);
        continue;
      }
      try {
        channel.configureBlocking(false);
        Connection connection = new Connection(channel);
        connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
        connections.add(connection);
      } catch (IOException e) {
        closeQuietly(channel);
      }
    }
  }

  /** The next pending connection, or null; pauses accepting when that fails (the JVM is out of descriptors). */
  private SocketChannel acceptOne() {
    try {
      return server.accept();
    } catch (IOException e) {
      acceptKey.interestOps(0);
      acceptResumesAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACCEPT_PAUSE_MILLIS);
      return null;
    }
  }

  private void resumeAccepting() {
    if (acceptResumesAt != 0 && System.nanoTime() - acceptResumesAt >= 0) {
      acceptResumesAt = 0;
      acceptKey.interestOps(SelectionKey.OP_ACCEPT);
    }
  }

  /** Closes the oldest connection that is owed nothing: still sending its request, or already answered. */
  private boolean makeRoom() {
    for (Connection connection : connections) {
      if (connection.state == State.READING || connection.state == State.LINGERING) {
        connection.close();
        return true;
      }
    }
    return false;
  }

  private static void refuse(SocketChannel channel) {
    try {
      channel.configureBlocking(false);
      channel.write(ByteBuffer.wrap(response(503, "", "# too many connections to the metrics endpoint\n", true)));
    } catch (IOException e) {
      // Refused either way.
    } finally {
      closeQuietly(channel);
    }
  }

  private void expire() {
    long now = System.nanoTime();
    for (Connection connection : new ArrayList<>(connections)) {
      if (connection.state != State.SCRAPING && now - connection.deadline >= 0) {
        connection.close();
      }
    }
  }

  /** One client connection; all but {@link #answer} run on the selector thread. */
  private final class Connection {
    final SocketChannel channel;
    SelectionKey key;
    State state = State.READING;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.requestMillis);
    ByteBuffer head = ByteBuffer.allocate(Math.min(1024, limits.maxHeadBytes));
    volatile ByteBuffer response;
    int drained;

    Connection(SocketChannel channel) {
      this.channel = channel;
    }

    void ready(SelectionKey selected) {
      try {
        if (selected.isReadable()) {
          if (state == State.READING) {
            readHead();
          } else if (state == State.LINGERING) {
            drain();
          }
        }
        if (selected.isValid() && selected.isWritable() && state == State.WRITING) {
          write();
        }
      } catch (IOException | RuntimeException e) {
        // A runtime exception here (a key cancelled underneath) ends this connection, never the endpoint.
        close();
      }
    }

    private void readHead() throws IOException {
      if (!head.hasRemaining()) {
        ByteBuffer larger = ByteBuffer.allocate(Math.min(head.capacity() * 2, limits.maxHeadBytes));
        head.flip();
        head = larger.put(head);
      }
      int scannedUpTo = head.position();
      if (channel.read(head) < 0) {
        close();
        return;
      }
      int end = endOfHead(head, Math.max(0, scannedUpTo - 3));
      if (end >= 0) {
        handle(new String(head.array(), 0, end, StandardCharsets.ISO_8859_1));
      } else if (head.position() >= limits.maxHeadBytes) {
        respond(431, "", "# the request head is larger than " + limits.maxHeadBytes + " bytes\n", true);
      }
    }

    private void handle(String requestHead) {
      int lineEnd = requestHead.indexOf('\n');
      String line = (lineEnd < 0 ? requestHead : requestHead.substring(0, lineEnd)).replace("\r", "");
      String[] parts = line.split(" ", -1);
      if (parts.length != 3 || parts[0].isEmpty() || !parts[1].startsWith("/") || !parts[2].startsWith("HTTP/1.")) {
        respond(400, "", "# expected GET " + PATH + " HTTP/1.1\n", true);
        return;
      }
      String method = parts[0];
      int query = parts[1].indexOf('?');
      String path = query < 0 ? parts[1] : parts[1].substring(0, query);
      boolean ofInventory = inventory != null && path.equals(INVENTORY_PATH);
      if (!path.equals(PATH) && !ofInventory) {
        respond(404, "", "# the agent serves " + PATH + (inventory != null ? " and " + INVENTORY_PATH : "")
            + " only\n", !method.equals("HEAD"));
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        respond(405, "Allow: GET, HEAD\r\n", "# " + path + " answers GET and HEAD only\n", true);
      } else {
        state = State.SCRAPING;
        key.interestOps(0);
        try {
          workers.execute(() -> answer(method.equals("GET"), ofInventory));
        } catch (RejectedExecutionException e) {
          respond(503, "", "# the metrics endpoint is busy; retry\n", method.equals("GET"));
        }
      }
    }

    /** On a worker thread: renders the scrape and hands the response back to the selector thread. */
    private void answer(boolean withBody, boolean ofInventory) {
      int status = 200;
      String body;
      try {
        body = (ofInventory ? inventory : scrape).get();
      } catch (RuntimeException | Error e) {
        status = 500;
        // One comment line whatever the message holds: a line break in it must not add samples to the scrape.
        body = "# the agent could not collect its metrics (see its stderr): " + Printable.of(e) + "\n";
      }
      response = ByteBuffer.wrap(response(status, ofInventory && status == 200 ? JSON_FORMAT : TEXT_FORMAT, "", body,
          withBody));
      answered.add(this);
      selector.wakeup();
    }

    /** On the selector thread, once a worker has answered. */
    void send() {
      if (!connections.contains(this)) {
        return;
      }
      state = State.WRITING;
      deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.responseMillis);
      try {
        key.interestOps(SelectionKey.OP_WRITE);
        write();
      } catch (IOException | RuntimeException e) {
        close();
      }
    }

    private void respond(int status, String headers, String body, boolean withBody) {
      response = ByteBuffer.wrap(response(status, headers, body, withBody));
      send();
    }

    private void write() throws IOException {
      channel.write(response);
      if (response.hasRemaining()) {
        return;
      }
      // Closing with request bytes still unread would reset the connection, and a client can lose the response
      // to that reset; so half-close, read what the client still sends, and close when it does.
      state = State.LINGERING;
      deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(LINGER_MILLIS, limits.responseMillis));
      channel.shutdownOutput();
      key.interestOps(SelectionKey.OP_READ);
    }

    private void drain() throws IOException {
      ByteBuffer sink = ByteBuffer.allocate(4096);
      int read = channel.read(sink);
      drained += Math.max(0, read);
      if (read < 0 || drained > MAX_DRAINED_BYTES) {
        close();
      }
    }

    void close() {
      connections.remove(this);
      if (key != null) {
        key.cancel();
      }
      closeQuietly(channel);
    }
  }

  /** The index just past the blank line that ends a request head in {@code buffer}, or -1. */
  static int endOfHead(ByteBuffer buffer, int from) {
    byte[] bytes = buffer.array();
    int end = buffer.position();
    for (int i = from; i < end; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      if (i + 1 < end && bytes[i + 1] == '\n') {
        return i + 2;
      }
      if (i + 2 < end && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') {
        return i + 3;
      }
    }
    return -1;
  }

  private static byte[] response(int status, String headers, String body, boolean withBody) {
    return response(status, TEXT_FORMAT, headers, body, withBody);
  }

  private static byte[] response(int status, String contentType, String headers, String body, boolean withBody) {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
        + "Content-Type: " + contentType + "\r\n"
        + "Content-Length: " + content.length + "\r\n"
        + "Connection: close\r\n"
        + headers
        + "\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
    if (!withBody) {
      return headBytes;
    }
    byte[] all = new byte[headBytes.length + content.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(content, 0, all, headBytes.length, content.length);
    return all;
  }

  private static String reason(int status) {
    switch (status) {
      case 200:
        return "OK";
      case 400:
        return "Bad Request";
      case 404:
        return "Not Found";
      case 405:
        return "Method Not Allowed";
      case 431:
        return "Request Header Fields Too Large";
      case 500:
        return "Internal Server Error";
      case 503:
        return "Service Unavailable";
      default:
        return "Status";
    }
  }

  private static Thread daemon(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // Closing anyway.
    }
  }
}
