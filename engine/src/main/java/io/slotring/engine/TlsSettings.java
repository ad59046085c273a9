package io.slotring.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for every connection of a client: {@link ConnectionSettings#tls(TlsSettings)}. The engine runs an
 * {@link SSLEngine} inside its own byte path (the gathering write is wrapped into one pooled off-heap buffer, reads
 * are unwrapped into the receive buffer), so the zero-copy API keeps its 0 B per command in steady state.
 *
 * <p>Built from an {@link SSLContext} you already have, or from files:
 * <pre>{@code
 * TlsSettings tls = TlsSettings.builder()
 *     .trustCertificates(Path.of("/etc/redis/ca.crt"))              // PEM CA bundle (or trustStore(p12, pw))
 *     .keyCertificate(Path.of("client.crt"), Path.of("client.key")) // only if the server wants client certs
 *     .build();
 * ClusterConfig.create().seeds("redis.example.com:6380").tls(tls);
 * }</pre>
 *
 * <p><b>Defaults:</b> the server certificate's name is verified against the host the client dials (the HTTPS
 * rules: a DNS name or an IP address in the certificate's subject alternative names), and SNI carries that host
 * name (not sent for IP literals, as RFC 6066 says). {@link Builder#hostnameVerification(boolean)} turns the name
 * check off: only for test set-ups whose certificates name no host, since it lets any holder of a certificate from
 * the trusted CA impersonate the server. In a cluster, nodes are dialled at the address and TLS port that
 * {@code CLUSTER SHARDS} reports to a TLS connection, and each is verified against that address.
 *
 * <p>Another TLS implementation plugs in through {@link #ofEngines(EngineFactory)}: any {@link SSLEngine}, such as
 * an OpenSSL/BoringSSL one, whose per-record costs differ from the JDK's (see the README's TLS section).
 *
 * <p>Immutable and thread-safe; one instance may serve several clients.
 */
public final class TlsSettings
{
    /**
     * Makes the client-mode {@link SSLEngine} for one connection; called on a connection's cold path (each connect
     * and reconnect), from an I/O thread. It owns hostname verification and SNI for the engines it makes.
     */
    @FunctionalInterface
    public interface EngineFactory
    {
        /**
         * @param host the host name or IP literal dialled.
         * @param port the TLS port dialled.
         * @return a new client-mode engine that has not started its handshake.
         */
        SSLEngine create(String host, int port);
    }

    /** Null when {@link #factory} makes the engines. */
    private final SSLContext context;
    /** Null when engines come from {@link #context}. */
    private final EngineFactory factory;
    private final boolean hostnameVerification;
    private final boolean sni;
    private final String[] protocols;
    private final String[] cipherSuites;

    private TlsSettings(
        final SSLContext context,
        final boolean hostnameVerification,
        final boolean sni,
        final String[] protocols,
        final String[] cipherSuites)
    {
        this(context, null, hostnameVerification, sni, protocols, cipherSuites);
    }

    private TlsSettings(
        final SSLContext context,
        final EngineFactory factory,
        final boolean hostnameVerification,
        final boolean sni,
        final String[] protocols,
        final String[] cipherSuites)
    {
        this.context = context;
        this.factory = factory;
        this.hostnameVerification = hostnameVerification;
        this.sni = sni;
        this.protocols = protocols;
        this.cipherSuites = cipherSuites;
    }

    /**
     * TLS from a context you configured (key and trust managers); hostname verification and SNI on.
     *
     * @param context an initialised client context.
     * @return the settings.
     */
    public static TlsSettings of(final SSLContext context)
    {
        return new TlsSettings(Objects.requireNonNull(context, "context"), true, true, null, null);
    }

    /**
     * TLS with engines from {@code factory}, such as an OpenSSL engine; the factory's engines must be in client
     * mode and verify the server as it sees fit (slotring applies none of its own settings to them).
     *
     * @param factory makes one engine per connection.
     * @return the settings.
     */
    public static TlsSettings ofEngines(final EngineFactory factory)
    {
        return new TlsSettings(null, Objects.requireNonNull(factory, "factory"), true, true, null, null);
    }

    /**
     * @return a builder for TLS from key and trust material in files.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * @return whether the server's certificate must name the host that was dialled.
     */
    public boolean hostnameVerification()
    {
        return hostnameVerification;
    }

    /**
     * @return whether SNI carries the dialled host name.
     */
    public boolean sni()
    {
        return sni;
    }

    /**
     * A new client-mode engine for one connection, with these settings applied. Called by the client on a
     * connection's cold path (each connect and reconnect); public so that code testing its own TLS set-up can see
     * exactly what slotring will negotiate.
     *
     * @param host the host name or IP literal dialled.
     * @param port the TLS port dialled.
     * @return an engine that has not started its handshake.
     */
    public SSLEngine createEngine(final String host, final int port)
    {
        if (factory != null)
        {
            final SSLEngine made = factory.create(host, port);
            if (made == null || !made.getUseClientMode())
            {
                throw new IllegalStateException("expected a client-mode SSLEngine from the engine factory, got " +
                    (made == null ? "null" : "a server-mode " + made.getClass().getName()));
            }
            return made;
        }
        final SSLEngine engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        final SSLParameters parameters = engine.getSSLParameters();
        if (hostnameVerification)
        {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (sni && !isIpLiteral(host))
        {
            parameters.setServerNames(List.of(new SNIHostName(host)));
        }
        if (protocols != null)
        {
            parameters.setProtocols(protocols.clone());
        }
        if (cipherSuites != null)
        {
            parameters.setCipherSuites(cipherSuites.clone());
        }
        engine.setSSLParameters(parameters);
        return engine;
    }

    private static boolean isIpLiteral(final String host)
    {
        if (host.indexOf(':') >= 0)
        {
            return true;
        }
        for (int i = 0; i < host.length(); i++)
        {
            final char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.')
            {
                return false;
            }
        }
        return !host.isEmpty();
    }

    @Override
    public String toString()
    {
        if (factory != null)
        {
            return "TlsSettings{engines from " + factory + '}';
        }
        return "TlsSettings{protocol=" + context.getProtocol() + ", hostnameVerification=" + hostnameVerification +
            ", sni=" + sni + (protocols == null ? "" : ", protocols=" + Arrays.toString(protocols)) + '}';
    }

    /**
     * Builds TLS settings from files: trust (which CAs sign the servers' certificates) and, when the server
     * requires client certificates ({@code tls-auth-clients yes}), a key and certificate. Without trust material
     * the JDK's default trust store is used. Files are read by {@link #build()}.
     */
    public static final class Builder
    {
        private Path trustStore;
        private char[] trustStorePassword;
        private Path trustCertificates;
        private Path keyStore;
        private char[] keyStorePassword;
        private Path certificateChain;
        private Path privateKey;
        private SSLContext context;
        private boolean hostnameVerification = true;
        private boolean sni = true;
        private String[] protocols;
        private String[] cipherSuites;

        private Builder()
        {
        }

        /**
         * @param context a context to use instead of building one from files.
         * @return this.
         */
        public Builder context(final SSLContext context)
        {
            this.context = Objects.requireNonNull(context, "context");
            return this;
        }

        /**
         * @param path a PKCS12 (or JKS, by its {@code .jks} extension) trust store.
         * @param password its password, or null for none; copied.
         * @return this.
         */
        public Builder trustStore(final Path path, final char[] password)
        {
            this.trustStore = Objects.requireNonNull(path, "path");
            this.trustStorePassword = password == null ? null : password.clone();
            return this;
        }

        /**
         * @param pemFile one or more PEM certificates (a CA bundle, such as Redis's {@code tls-ca-cert-file}).
         * @return this.
         */
        public Builder trustCertificates(final Path pemFile)
        {
            this.trustCertificates = Objects.requireNonNull(pemFile, "pemFile");
            return this;
        }

        /**
         * @param path a PKCS12 (or JKS) key store holding the client's key and certificate.
         * @param password the store's and the key's password; copied.
         * @return this.
         */
        public Builder keyStore(final Path path, final char[] password)
        {
            this.keyStore = Objects.requireNonNull(path, "path");
            this.keyStorePassword = password == null ? new char[0] : password.clone();
            return this;
        }

        /**
         * @param certificateChainPem the client certificate (and any intermediates), PEM.
         * @param privateKeyPem its unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}), RSA or EC.
         * @return this.
         */
        public Builder keyCertificate(final Path certificateChainPem, final Path privateKeyPem)
        {
            this.certificateChain = Objects.requireNonNull(certificateChainPem, "certificateChainPem");
            this.privateKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
            return this;
        }

        /**
         * @param verify false to accept a trusted certificate whatever host it names (test set-ups only).
         * @return this.
         */
        public Builder hostnameVerification(final boolean verify)
        {
            this.hostnameVerification = verify;
            return this;
        }

        /**
         * @param send false to send no SNI extension.
         * @return this.
         */
        public Builder sni(final boolean send)
        {
            this.sni = send;
            return this;
        }

        /**
         * @param enabled the protocols to offer, such as {@code "TLSv1.3"}; the JDK's defaults when not set.
         * @return this.
         */
        public Builder protocols(final String... enabled)
        {
            this.protocols = enabled.clone();
            return this;
        }

        /**
         * @param enabled the cipher suites to offer; the JDK's defaults when not set.
         * @return this.
         */
        public Builder cipherSuites(final String... enabled)
        {
            this.cipherSuites = enabled.clone();
            return this;
        }

        /**
         * Reads the files and builds the context.
         *
         * @return the settings.
         * @throws IllegalArgumentException naming the file that could not be read or parsed, and why.
         */
        public TlsSettings build()
        {
            if (trustStore != null && trustCertificates != null)
            {
                throw new IllegalArgumentException("expected one source of trust, got both a trust store (" +
                    trustStore + ") and PEM certificates (" + trustCertificates + ")");
            }
            if (keyStore != null && certificateChain != null)
            {
                throw new IllegalArgumentException("expected one client key source, got both a key store (" +
                    keyStore + ") and PEM files (" + certificateChain + ")");
            }
            final SSLContext built = context != null ? context : buildContext();
            return new TlsSettings(built, hostnameVerification, sni, protocols, cipherSuites);
        }

        private SSLContext buildContext()
        {
            try
            {
                TrustManagerFactory trust = null;
                if (trustStore != null || trustCertificates != null)
                {
                    final KeyStore store = trustStore != null ?
                        loadStore(trustStore, trustStorePassword) : trustStoreOf(trustCertificates);
                    trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    trust.init(store);
                }
                KeyManagerFactory keys = null;
                char[] keyPassword = keyStorePassword;
                if (keyStore != null || certificateChain != null)
                {
                    final KeyStore store;
                    if (keyStore != null)
                    {
                        store = loadStore(keyStore, keyStorePassword);
                    }
                    else
                    {
                        keyPassword = new char[0];
                        store = keyStoreOf(certificateChain, privateKey, keyPassword);
                    }
                    keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                    keys.init(store, keyPassword);
                }
                final SSLContext built = SSLContext.getInstance("TLS");
                built.init(keys == null ? null : keys.getKeyManagers(),
                    trust == null ? null : trust.getTrustManagers(), null);
                return built;
            }
            catch (final GeneralSecurityException ex)
            {
                throw new IllegalArgumentException("cannot build a TLS context: " + ex.getMessage(), ex);
            }
        }

        private static KeyStore loadStore(final Path path, final char[] password)
        {
            final String type = path.toString().toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12";
            try (InputStream in = Files.newInputStream(path))
            {
                final KeyStore store = KeyStore.getInstance(type);
                store.load(in, password);
                return store;
            }
            catch (final IOException | GeneralSecurityException ex)
            {
                throw new IllegalArgumentException("expected a readable " + type + " store at " + path + ", got: " +
                    ex.getMessage(), ex);
            }
        }

        private static Collection<? extends Certificate> readCertificates(final Path pem)
        {
            try (InputStream in = Files.newInputStream(pem))
            {
                final Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
                if (certificates.isEmpty())
                {
                    throw new IllegalArgumentException("expected PEM certificates in " + pem + ", got none");
                }
                return certificates;
            }
            catch (final IOException | GeneralSecurityException ex)
            {
                throw new IllegalArgumentException("expected PEM certificates in " + pem + ", got: " +
                    ex.getMessage(), ex);
            }
        }

        private static KeyStore trustStoreOf(final Path pem) throws GeneralSecurityException
        {
            final KeyStore store = emptyStore();
            int i = 0;
            for (final Certificate certificate : readCertificates(pem))
            {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            return store;
        }

        private static KeyStore keyStoreOf(final Path chainPem, final Path keyPem, final char[] password)
            throws GeneralSecurityException
        {
            final Certificate[] chain = readCertificates(chainPem).toArray(new Certificate[0]);
            final KeyStore store = emptyStore();
            store.setKeyEntry("client", readPrivateKey(keyPem), password, chain);
            return store;
        }

        private static KeyStore emptyStore() throws GeneralSecurityException
        {
            final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            try
            {
                store.load(null, null);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("an empty in-memory key store cannot fail to load", ex);
            }
            return store;
        }

        private static PrivateKey readPrivateKey(final Path pem)
        {
            final String text;
            try
            {
                text = Files.readString(pem, StandardCharsets.US_ASCII);
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException("expected a readable private key at " + pem + ", got: " +
                    ex.getMessage(), ex);
            }
            final String begin = "-----BEGIN PRIVATE KEY-----";
            final int start = text.indexOf(begin);
            final int end = text.indexOf("-----END PRIVATE KEY-----");
            if (start < 0 || end < start)
            {
                throw new IllegalArgumentException("expected an unencrypted PKCS#8 key (" + begin + ") in " + pem +
                    ", got " + (text.contains("ENCRYPTED") ? "an encrypted key" :
                    text.contains("RSA PRIVATE KEY") ? "a PKCS#1 key (convert it: openssl pkcs8 -topk8 -nocrypt)" :
                    "no such block"));
            }
            final byte[] der = Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
            final PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
            for (final String algorithm : new String[]{"RSA", "EC", "Ed25519", "EdDSA"})
            {
                try
                {
                    return KeyFactory.getInstance(algorithm).generatePrivate(spec);
                }
                catch (final InvalidKeySpecException | java.security.NoSuchAlgorithmException ignored)
                {
                    // try the next algorithm: PKCS#8 names it inside, but KeyFactory wants it up front
                }
            }
            throw new IllegalArgumentException("expected an RSA, EC or EdDSA PKCS#8 key in " + pem +
                ", got a key none of them parses");
        }
    }
}
