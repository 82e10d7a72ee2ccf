package dev.jbox.image.registry;

import java.security.Provider;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An SSLContext for an HttpClient that only ever sends plain-HTTP requests: the JDK's client
 * wants a context when it is built, and any real one sets up the TLS provider. This one does
 * nothing until TLS is asked of it, and then refuses: a bug, not a downgrade, since no TLS
 * connection can go through it unverified.
 */
final class PlainHttpOnly {
  private PlainHttpOnly() {}

  static final class Context extends SSLContext {
    Context() {
      super(new Spi(), new Provider("jbox-plain-http", "1", "no TLS: plain HTTP only") {
        private static final long serialVersionUID = 1L;
      }, "TLS");
    }
  }

  static SSLContext context() {
    return new Context();
  }

  private static final class Spi extends SSLContextSpi {
    private static UnsupportedOperationException refused() {
      return new UnsupportedOperationException("TLS through the plain-HTTP registry client");
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) {
      // nothing to set up
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      throw refused();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      throw refused();
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      throw refused();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      throw refused();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return new SSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return new SSLParameters();
    }
  }
}
