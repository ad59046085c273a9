package io.slotring.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsMaterialTest
{
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    @TempDir
    Path temp;

    @Test
    void generatesPemFilesAndStoresThatChainToTheCa() throws Exception
    {
        long start = System.nanoTime();
        TlsMaterial material = TlsMaterial.generate(temp.resolve("tls"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("TlsMaterial.generate took " + millis + " ms");

        assertThat(material.directory()).isEqualTo(temp.resolve("tls").toAbsolutePath());
        try (var files = Files.list(material.directory()))
        {
            assertThat(files.map(p -> p.getFileName().toString())).as("no keytool leftovers")
                    .containsExactlyInAnyOrder("ca.crt", "server.crt", "server.key", "client.crt", "client.key",
                            "truststore.p12", "client.p12");
        }

        List<X509Certificate> caFile = certificates(material.caCertificate());
        assertThat(caFile).hasSize(1);
        X509Certificate ca = caFile.get(0);
        assertThat(ca.getBasicConstraints()).as("CA:true").isGreaterThanOrEqualTo(0);
        assertThat(ca.getCriticalExtensionOIDs()).contains("2.5.29.19");
        ca.verify(ca.getPublicKey());

        List<X509Certificate> serverChain = certificates(material.serverCertificate());
        assertThat(serverChain).hasSize(2);
        assertThat(serverChain.get(1)).isEqualTo(ca);
        X509Certificate server = serverChain.get(0);
        server.verify(ca.getPublicKey());
        server.checkValidity();
        assertThat(server.getBasicConstraints()).isEqualTo(-1);
        assertThat(server.getExtendedKeyUsage()).contains(SERVER_AUTH, CLIENT_AUTH);
        List<List<Object>> sans = new ArrayList<>();
        for (List<?> san : server.getSubjectAlternativeNames())
        {
            sans.add(List.of(san.get(0), InetAddressOrName.normalise((Integer) san.get(0), (String) san.get(1))));
        }
        assertThat(sans).contains(List.of(7, "127.0.0.1"), List.of(7, "::1"), List.of(2, "localhost"));
        validate(serverChain, ca);

        List<X509Certificate> clientChain = certificates(material.clientCertificate());
        assertThat(clientChain).hasSize(2);
        assertThat(clientChain.get(0).getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        validate(clientChain, ca);

        assertKeyMatches(material.serverKey(), server);
        assertKeyMatches(material.clientKey(), clientChain.get(0));

        char[] password = material.storePassword();
        password[0] = '!';
        assertThat(material.storePassword()).as("a copy").isNotEqualTo(password);
        KeyStore trust = load(material.trustStore(), material.storePassword());
        assertThat(trust.size()).isEqualTo(1);
        String alias = trust.aliases().nextElement();
        assertThat(trust.isCertificateEntry(alias)).isTrue();
        assertThat(trust.getCertificate(alias)).isEqualTo(ca);
        KeyStore client = load(material.clientKeyStore(), material.storePassword());
        assertThat(client.size()).isEqualTo(1);
        alias = client.aliases().nextElement();
        assertThat(client.isKeyEntry(alias)).isTrue();
        assertThat(client.getCertificateChain(alias)).containsExactly(clientChain.toArray(new Certificate[0]));
    }

    @Test
    void twoGenerationsHaveDifferentCasThatDoNotTrustEachOther() throws Exception
    {
        TlsMaterial first = TlsMaterial.generate(temp.resolve("a"));
        TlsMaterial second = TlsMaterial.generate(temp.resolve("b"));
        X509Certificate firstCa = certificates(first.caCertificate()).get(0);
        X509Certificate secondCa = certificates(second.caCertificate()).get(0);
        assertThat(firstCa).isNotEqualTo(secondCa);
        assertThat(firstCa.getPublicKey()).isNotEqualTo(secondCa.getPublicKey());
        assertThat(firstCa.getSubjectX500Principal()).isNotEqualTo(secondCa.getSubjectX500Principal());
        assertThat(first.storePassword()).isNotEqualTo(second.storePassword());
        assertThatThrownBy(() -> validate(certificates(second.serverCertificate()), firstCa))
                .isInstanceOf(CertPathValidatorException.class);
    }

    @Test
    void clientContextHandshakesWithTheServerKeyAndVerifiesTheHostname() throws Exception
    {
        TlsMaterial material = TlsMaterial.generate(temp.resolve("tls"));
        TlsMaterial other = TlsMaterial.generate(temp.resolve("other"));
        SSLContext serverContext = serverContext(material, true);
        try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getByName("127.0.0.1")))
        {
            server.setNeedClientAuth(true);
            CompletableFuture<String> accepted = CompletableFuture.supplyAsync(() -> serve(server, 1));
            assertThat(roundTrip(material.clientContext(), server.getLocalPort())).isEqualTo("ok");
            assertThat(accepted.get(10, TimeUnit.SECONDS)).startsWith("CN=slotring test client");

            CompletableFuture.runAsync(() -> serve(server, 1));
            assertThatThrownBy(() -> roundTrip(other.clientContext(), server.getLocalPort()))
                    .as("another CA's client does not trust this server").isInstanceOf(SSLHandshakeException.class);
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Accepts {@code count} connections; answers "ok\n" and returns the client certificate's subject. */
    private static String serve(SSLServerSocket server, int count)
    {
        String subject = null;
        for (int i = 0; i < count; i++)
        {
            try (SSLSocket socket = (SSLSocket) server.accept())
            {
                socket.setSoTimeout(5000);
                socket.startHandshake();
                subject = ((X509Certificate) socket.getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal().getName();
                OutputStream out = socket.getOutputStream();
                out.write("ok\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            catch (IOException e)
            {
                subject = e.toString();
            }
        }
        return subject;
    }

    private static String roundTrip(SSLContext context, int port) throws IOException
    {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "127.0.0.1", port, true))
        {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(5000);
            socket.startHandshake();
            InputStream in = socket.getInputStream();
            return new String(in.readNBytes(2), StandardCharsets.US_ASCII);
        }
    }

    private static SSLContext serverContext(TlsMaterial material, boolean trustClients) throws Exception
    {
        List<X509Certificate> chain = certificates(material.serverCertificate());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = "x".toCharArray();
        keys.setKeyEntry("server", readKey(material.serverKey(), chain.get(0)), password,
                chain.toArray(new Certificate[0]));
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, password);
        javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(material.trustStore(), material.storePassword()));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustClients ? trust.getTrustManagers() : null, null);
        return context;
    }

    private static List<X509Certificate> certificates(Path pem) throws Exception
    {
        try (InputStream in = Files.newInputStream(pem))
        {
            Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509").generateCertificates(in);
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate certificate : all)
            {
                out.add((X509Certificate) certificate);
            }
            return out;
        }
    }

    private static void validate(List<X509Certificate> chain, X509Certificate ca) throws Exception
    {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(chain.subList(0, 1)), parameters);
    }

    private static PrivateKey readKey(Path pem, X509Certificate certificate) throws Exception
    {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        assertThat(text).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        String body = text.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
        for (String line : body.strip().split("\n"))
        {
            assertThat(line.length()).isLessThanOrEqualTo(64);
        }
        byte[] der = Base64.getMimeDecoder().decode(body);
        return KeyFactory.getInstance(certificate.getPublicKey().getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    private static void assertKeyMatches(Path pem, X509Certificate certificate) throws Exception
    {
        PrivateKey key = readKey(pem, certificate);
        byte[] data = "slotring".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(data);
        assertThat(verifier.verify(signature)).as(pem + " matches " + certificate.getSubjectX500Principal()).isTrue();
    }

    private static KeyStore load(Path file, char[] password) throws Exception
    {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file))
        {
            store.load(in, password);
        }
        return store;
    }

    /** SAN values as comparable strings: IP addresses in their shortest form. */
    private static final class InetAddressOrName
    {
        static String normalise(int type, String value)
        {
            if (type != 7)
            {
                return value;
            }
            try
            {
                InetAddress address = InetAddress.getByName(value);
                return address.isLoopbackAddress() && address.getAddress().length == 16 ? "::1"
                        : address.getHostAddress();
            }
            catch (IOException e)
            {
                return value;
            }
        }
    }
}
