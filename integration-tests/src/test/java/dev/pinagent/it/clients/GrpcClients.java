package dev.pinagent.it.clients;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * gRPC-java over grpc-netty-shaded (its Netty relocated, OpenSSL by default): one unary call with a plain
 * text marshaller, so no generated code is needed. URLs are written {@code grpcs://host:port}.
 */
public final class GrpcClients {
  /** The unary method the test server implements. */
  public static final MethodDescriptor<String, String> HELLO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("pinagent.Probe/Hello")
      .setRequestMarshaller(new Utf8())
      .setResponseMarshaller(new Utf8())
      .build();

  private GrpcClients() {}

  static String fetch(String url) throws Exception {
    URI uri = URI.create(url);
    ManagedChannel channel = NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort())
        .sslContext(GrpcSslContexts.forClient().build())
        .build();
    try {
      return "200 " + ClientCalls.blockingUnaryCall(channel, HELLO,
          CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "hello");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
