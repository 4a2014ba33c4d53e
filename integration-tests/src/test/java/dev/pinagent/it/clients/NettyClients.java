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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Netty 4 with the JDK engine and with OpenSSL (netty-tcnative BoringSSL). The OpenSSL engine never calls
 * {@code SSLContext.init}: it takes trust managers from a {@code TrustManagerFactory} and calls them from
 * native callbacks with its own engine, which is where the agent must learn the host.
 */
final class NettyClients {
  private NettyClients() {}

  static String fetch(String variant, String url) throws Exception {
    SslProvider provider = variant.equals("netty-openssl") ? SslProvider.OPENSSL : SslProvider.JDK;
    if (provider == SslProvider.OPENSSL && !OpenSsl.isAvailable()) {
      throw new IllegalStateException("OpenSSL is not available", OpenSsl.unavailabilityCause());
    }
    SslContext ssl = SslContextBuilder.forClient().sslProvider(provider)
        .endpointIdentificationAlgorithm("HTTPS").build();
    URI uri = URI.create(url);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      CompletableFuture<String> response = new CompletableFuture<>();
      StringBuilder received = new StringBuilder();
      Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
              SslHandler tls = ssl.newHandler(channel.alloc(), uri.getHost(), uri.getPort());
              tls.handshakeFuture().addListener(done -> {
                if (!done.isSuccess()) {
                  response.completeExceptionally(done.cause());
                }
              });
              channel.pipeline().addLast(tls, new SimpleChannelInboundHandler<ByteBuf>() {
                @Override
                protected void channelRead0(ChannelHandlerContext context, ByteBuf message) {
                  received.append(message.toString(StandardCharsets.UTF_8));
                }

                @Override
                public void channelInactive(ChannelHandlerContext context) {
                  response.complete(received.toString());
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                  response.completeExceptionally(cause);
                  context.close();
                }
              });
            }
          })
          .connect(uri.getHost(), uri.getPort()).sync().channel();
      channel.writeAndFlush(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: " + uri.getHost() + "\r\n"
          + "Connection: close\r\n\r\n", StandardCharsets.US_ASCII));
      String http = response.get(20, TimeUnit.SECONDS);
      String status = http.substring(http.indexOf(' ') + 1, http.indexOf(' ') + 4);
      return status + " " + http.substring(http.indexOf("\r\n\r\n") + 4);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
