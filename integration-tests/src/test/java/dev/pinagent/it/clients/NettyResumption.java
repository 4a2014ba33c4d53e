package dev.pinagent.it.clients;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * {@link ResumptionProbe}'s connections made by Netty with OpenSSL (netty-tcnative BoringSSL): one {@code
 * SslContext}, handlers created for the peer address, SNI set per connection on the handler's engine.
 */
final class NettyResumption {
  private final SslContext context;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  NettyResumption(String protocol, X509ExtendedTrustManager trustManager) throws Exception {
    if (!OpenSsl.isAvailable()) {
      throw new IllegalStateException("OpenSSL is not available", OpenSsl.unavailabilityCause());
    }
    context = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).protocols(protocol)
        .trustManager(trustManager).build();
  }

  String get(String peerHost, int port, String serverName) throws Exception {
    CompletableFuture<String> response = new CompletableFuture<>();
    StringBuilder received = new StringBuilder();
    Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            SslHandler tls = context.newHandler(channel.alloc(), peerHost, port);
            SSLEngine engine = tls.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
            engine.setSSLParameters(parameters);
            tls.handshakeFuture().addListener(done -> {
              if (!done.isSuccess()) {
                response.completeExceptionally(done.cause());
              }
            });
            channel.pipeline().addLast(tls, new SimpleChannelInboundHandler<ByteBuf>() {
              @Override
              protected void channelRead0(ChannelHandlerContext handlerContext, ByteBuf message) {
                received.append(message.toString(StandardCharsets.UTF_8));
              }

              @Override
              public void channelInactive(ChannelHandlerContext handlerContext) {
                response.complete(received.toString());
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext handlerContext, Throwable cause) {
                response.completeExceptionally(cause);
                handlerContext.close();
              }
            });
          }
        })
        .connect(peerHost, port).sync().channel();
    channel.writeAndFlush(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: " + serverName + "\r\n"
        + "Connection: close\r\n\r\n", StandardCharsets.US_ASCII));
    String http = response.get(20, TimeUnit.SECONDS);
    String body = http.substring(http.indexOf("\r\n\r\n") + 4).trim();
    return body;
  }

  void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
