package dev.pinagent.it.support;

import dev.pinagent.it.clients.GrpcClients;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** A TLS gRPC server on loopback (grpc-netty-shaded) answering the probe's one unary method with its name. */
public final class GrpcTestServer implements AutoCloseable {
  private final Server server;

  private GrpcTestServer(Server server) {
    this.server = server;
  }

  public static GrpcTestServer start(String name, Path directory, PrivateKey key, X509Certificate... chain) {
    try {
      Path keyFile = directory.resolve(name + "-grpc-key.pem");
      Path chainFile = directory.resolve(name + "-grpc-chain.pem");
      Files.write(keyFile, pem("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII));
      StringBuilder certificates = new StringBuilder();
      for (X509Certificate certificate : chain) {
        certificates.append(pem("CERTIFICATE", certificate.getEncoded()));
      }
      Files.write(chainFile, certificates.toString().getBytes(StandardCharsets.US_ASCII));
      ServerServiceDefinition service = ServerServiceDefinition.builder("pinagent.Probe")
          .addMethod(GrpcClients.HELLO, ServerCalls.asyncUnaryCall((request, response) -> {
            response.onNext("hello from " + name);
            response.onCompleted();
          }))
          .build();
      Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .sslContext(GrpcSslContexts.forServer(chainFile.toFile(), keyFile.toFile()).build())
          .addService(service)
          .build()
          .start();
      return new GrpcTestServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start gRPC server " + name, e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** {@code grpcs://<host>:<port>}, the probe's spelling of a gRPC target. */
  public String url(String host) {
    return "grpcs://" + host + ":" + server.getPort();
  }

  @Override
  public void close() {
    try {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
