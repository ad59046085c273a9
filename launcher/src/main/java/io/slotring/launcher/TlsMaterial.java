package io.slotring.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Throwaway TLS material for tests and the benchmark: a fresh CA, a server certificate and a client certificate
 * signed by it, as PEM files (what redis-server reads) and PKCS#12 stores (what a JVM client reads).
 *
 * <p>Generated with the JDK alone: the JDK's {@code keytool} creates the EC P-256 keys and signs the
 * certificates, and this class converts the result to PEM. Every {@link #generate(Path)} makes a new CA, so two
 * materials never trust each other (handy for "wrong CA" tests). Nothing is cached.
 *
 * <ul>
 *   <li>{@code ca.crt}: the self-signed CA certificate ({@code tls-ca-cert-file});</li>
 *   <li>{@code server.crt}, {@code server.key}: server certificate chain (leaf, CA) and its unencrypted PKCS#8
 *       key; the SAN covers {@code 127.0.0.1}, {@code ::1} and {@code localhost}, the extended key usage is
 *       serverAuth and clientAuth (redis also presents it as a client: cluster bus, replication);</li>
 *   <li>{@code client.crt}, {@code client.key}: client certificate chain and key (clientAuth);</li>
 *   <li>{@code truststore.p12}: the CA certificate only; {@code client.p12}: the client key and chain. Both use
 *       {@link #storePassword()}.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; the files are the caller's to delete (those of {@link #generate()} go at JVM exit).
 */
public final class TlsMaterial
{
    /** The store type of {@link #trustStore()} and {@link #clientKeyStore()}. */
    public static final String STORE_TYPE = "PKCS12";

    private static final String CA_CERT = "ca.crt";
    private static final String SERVER_CERT = "server.crt";
    private static final String SERVER_KEY = "server.key";
    private static final String CLIENT_CERT = "client.crt";
    private static final String CLIENT_KEY = "client.key";
    private static final String TRUST_STORE = "truststore.p12";
    private static final String CLIENT_STORE = "client.p12";
    private static final String CLIENT_ALIAS = "client";
    private static final String SERVER_SAN = "SAN=ip:127.0.0.1,ip:::1,dns:localhost";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;
    /** A short-lived JVM: skip C2, the parallel GC threads and perf data; halves keytool's start-up time. */
    private static final List<String> KEYTOOL_JVM_FLAGS = List.of(
            "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-XX:-UsePerfData", "-J-Xshare:auto");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path directory;
    private final char[] password;

    private TlsMaterial(final Path directory, final char[] password)
    {
        this.directory = directory;
        this.password = password;
    }

    /**
     * Generates fresh material into a new directory under the launcher's temp area, deleted when the JVM exits.
     *
     * @return the material
     * @throws RedisLaunchException when keytool fails
     */
    public static TlsMaterial generate()
    {
        return generate(Hygiene.newWorkspace("tls"));
    }

    /**
     * Generates a fresh CA, server and client certificate into {@code directory} (created if missing; files
     * with the names listed in the class comment are overwritten). Takes about a second: three rounds of
     * {@code keytool} processes.
     *
     * @param directory where the files go
     * @return the material
     * @throws RedisLaunchException when keytool fails
     * @throws UncheckedIOException when the files cannot be written
     */
    public static TlsMaterial generate(final Path directory)
    {
        Path dir = directory.toAbsolutePath();
        byte[] secret = new byte[12];
        RANDOM.nextBytes(secret);
        String pass = HexFormat.of().formatHex(secret);
        String tag = HexFormat.of().formatHex(secret, 0, 4);
        Path work;
        try
        {
            Files.createDirectories(dir);
            work = Files.createTempDirectory(dir, "keytool-");
        }
        catch (IOException e)
        {
            throw new UncheckedIOException("cannot create TLS material directory " + dir, e);
        }
        try
        {
            Path ca = work.resolve("ca.p12");
            Path server = work.resolve("server.p12");
            Path client = work.resolve("client-key.p12");
            // Round 1: three key pairs (the CA's self-signed with CA:true, critical).
            runAll(
                    keytool(pass, ca, "ca", "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1",
                            "-dname", "CN=slotring test CA " + tag, "-startdate", "-1d", "-validity", "30",
                            "-ext", "bc:c", "-ext", "KeyUsage:c=keyCertSign,cRLSign"),
                    keytool(pass, server, "server", "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1",
                            "-dname", "CN=localhost, O=slotring test server " + tag),
                    keytool(pass, client, CLIENT_ALIAS, "-genkeypair", "-keyalg", "EC", "-groupname",
                            "secp256r1", "-dname", "CN=slotring test client " + tag));
            // Round 2: certificate requests.
            Path serverCsr = work.resolve("server.csr");
            Path clientCsr = work.resolve("client.csr");
            runAll(
                    keytool(pass, server, "server", "-certreq", "-file", serverCsr.toString()),
                    keytool(pass, client, CLIENT_ALIAS, "-certreq", "-file", clientCsr.toString()));
            // Round 3: the CA signs them.
            Path serverCer = work.resolve("server.cer");
            Path clientCer = work.resolve("client.cer");
            runAll(
                    keytool(pass, ca, "ca", "-gencert", "-rfc", "-infile", serverCsr.toString(),
                            "-outfile", serverCer.toString(), "-startdate", "-1d", "-validity", "30",
                            "-ext", SERVER_SAN, "-ext", "EKU=serverAuth,clientAuth",
                            "-ext", "KeyUsage=digitalSignature,keyAgreement"),
                    keytool(pass, ca, "ca", "-gencert", "-rfc", "-infile", clientCsr.toString(),
                            "-outfile", clientCer.toString(), "-startdate", "-1d", "-validity", "30",
                            "-ext", "EKU=clientAuth", "-ext", "KeyUsage=digitalSignature,keyAgreement"));

            char[] password = pass.toCharArray();
            X509Certificate caCert = (X509Certificate) load(ca, password).getCertificate("ca");
            X509Certificate[] serverChain = {readCertificate(serverCer), caCert};
            X509Certificate[] clientChain = {readCertificate(clientCer), caCert};
            PrivateKey serverKey = privateKey(load(server, password), "server", password);
            PrivateKey clientKey = privateKey(load(client, password), CLIENT_ALIAS, password);

            writePem(dir.resolve(CA_CERT), caCert);
            writePem(dir.resolve(SERVER_CERT), serverChain);
            writeKey(dir.resolve(SERVER_KEY), serverKey);
            writePem(dir.resolve(CLIENT_CERT), clientChain);
            writeKey(dir.resolve(CLIENT_KEY), clientKey);

            KeyStore trust = KeyStore.getInstance(STORE_TYPE);
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCert);
            store(trust, dir.resolve(TRUST_STORE), password);
            KeyStore clientStore = KeyStore.getInstance(STORE_TYPE);
            clientStore.load(null, null);
            clientStore.setKeyEntry(CLIENT_ALIAS, clientKey, password, clientChain);
            store(clientStore, dir.resolve(CLIENT_STORE), password);
            return new TlsMaterial(dir, password);
        }
        catch (GeneralSecurityException e)
        {
            throw new RedisLaunchException("cannot read the certificates keytool generated in " + work, e);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException("cannot write TLS material to " + dir, e);
        }
        finally
        {
            Hygiene.deleteRecursively(work);
        }
    }

    /** @return the directory holding the files */
    public Path directory()
    {
        return directory;
    }

    /** @return the CA certificate, PEM ({@code ca.crt}): redis' {@code tls-ca-cert-file} */
    public Path caCertificate()
    {
        return directory.resolve(CA_CERT);
    }

    /** @return the server certificate chain (leaf first, then the CA), PEM ({@code server.crt}) */
    public Path serverCertificate()
    {
        return directory.resolve(SERVER_CERT);
    }

    /** @return the server's private key, unencrypted PKCS#8 PEM ({@code server.key}) */
    public Path serverKey()
    {
        return directory.resolve(SERVER_KEY);
    }

    /** @return the client certificate chain (leaf first, then the CA), PEM ({@code client.crt}) */
    public Path clientCertificate()
    {
        return directory.resolve(CLIENT_CERT);
    }

    /** @return the client's private key, unencrypted PKCS#8 PEM ({@code client.key}) */
    public Path clientKey()
    {
        return directory.resolve(CLIENT_KEY);
    }

    /** @return a PKCS#12 store holding only the CA certificate ({@code truststore.p12}), {@link #storePassword()} */
    public Path trustStore()
    {
        return directory.resolve(TRUST_STORE);
    }

    /** @return a PKCS#12 store holding the client key and chain ({@code client.p12}), {@link #storePassword()} */
    public Path clientKeyStore()
    {
        return directory.resolve(CLIENT_STORE);
    }

    /** @return a copy of the password of both PKCS#12 stores and of the client key entry */
    public char[] storePassword()
    {
        return password.clone();
    }

    /**
     * A client context that trusts this material's CA (only) and presents the client certificate when asked.
     * Hostname verification is the caller's: set {@code SSLParameters.setEndpointIdentificationAlgorithm("HTTPS")}
     * on the socket or engine.
     *
     * @return a new, initialised TLS context
     * @throws IllegalStateException when the stores cannot be read
     */
    public SSLContext clientContext()
    {
        try
        {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(clientKeyStore(), password), password);
            return context(keys.getKeyManagers());
        }
        catch (GeneralSecurityException | IOException e)
        {
            throw new IllegalStateException("cannot build a client TLS context from " + directory, e);
        }
    }

    /**
     * A client context that trusts this material's CA (only) and presents no certificate: what a client of a
     * server without {@code tls-auth-clients} (a managed service, typically) uses.
     *
     * @return a new, initialised TLS context
     * @throws IllegalStateException when the trust store cannot be read
     */
    public SSLContext trustOnlyContext()
    {
        try
        {
            return context(null);
        }
        catch (GeneralSecurityException | IOException e)
        {
            throw new IllegalStateException("cannot build a client TLS context from " + directory, e);
        }
    }

    private SSLContext context(final KeyManager[] keyManagers) throws GeneralSecurityException, IOException
    {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(trustStore(), password));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers, trust.getTrustManagers(), null);
        return context;
    }

    @Override
    public String toString()
    {
        return "TlsMaterial[" + directory + "]";
    }

    // ---------------------------------------------------------------------------------------------- internals

    private static List<String> keytool(final String pass, final Path store, final String alias,
                                        final String... args)
    {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(Arrays.asList(args));
        command.addAll(List.of("-alias", alias, "-keystore", store.toString(), "-storetype", STORE_TYPE,
                "-storepass", pass, "-keypass", pass, "-noprompt"));
        if ("-genkeypair".equals(args[0]) || "-gencert".equals(args[0]))
        {
            command.addAll(List.of("-sigalg", "SHA256withECDSA"));
        }
        command.addAll(KEYTOOL_JVM_FLAGS);
        return command;
    }

    /** Runs the commands in parallel (they are independent) and fails with the first failure's output. */
    @SafeVarargs
    private static void runAll(final List<String>... commands) throws IOException
    {
        List<Process> processes = new ArrayList<>();
        try
        {
            for (List<String> command : commands)
            {
                processes.add(new ProcessBuilder(command).redirectErrorStream(true).start());
            }
            for (int i = 0; i < processes.size(); i++)
            {
                Process process = processes.get(i);
                process.getOutputStream().close();
                String output;
                try (InputStream in = process.getInputStream())
                {
                    output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                {
                    throw new RedisLaunchException("keytool did not finish within " + KEYTOOL_TIMEOUT_SECONDS
                            + " s: " + describe(commands[i]));
                }
                if (process.exitValue() != 0)
                {
                    throw new RedisLaunchException("keytool failed with exit code " + process.exitValue() + ": "
                            + describe(commands[i]) + "\n" + output.strip());
                }
            }
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new RedisLaunchException("interrupted while running keytool", e);
        }
        finally
        {
            for (Process process : processes)
            {
                process.destroyForcibly();
            }
        }
    }

    /** The command without its passwords, for error messages. */
    private static String describe(final List<String> command)
    {
        List<String> shown = new ArrayList<>(command);
        for (int i = 0; i + 1 < shown.size(); i++)
        {
            if (shown.get(i).endsWith("pass"))
            {
                shown.set(i + 1, "***");
            }
        }
        return String.join(" ", shown);
    }

    private static KeyStore load(final Path file, final char[] password) throws GeneralSecurityException, IOException
    {
        KeyStore store = KeyStore.getInstance(STORE_TYPE);
        try (InputStream in = Files.newInputStream(file))
        {
            store.load(in, password);
        }
        return store;
    }

    private static void store(final KeyStore store, final Path file, final char[] password)
            throws GeneralSecurityException, IOException
    {
        try (OutputStream out = Files.newOutputStream(file))
        {
            store.store(out, password);
        }
    }

    private static PrivateKey privateKey(final KeyStore store, final String alias, final char[] password)
            throws GeneralSecurityException
    {
        Key key = store.getKey(alias, password);
        if (!(key instanceof PrivateKey))
        {
            throw new GeneralSecurityException("no private key under alias " + alias);
        }
        return (PrivateKey) key;
    }

    private static X509Certificate readCertificate(final Path file) throws GeneralSecurityException, IOException
    {
        try (InputStream in = Files.newInputStream(file))
        {
            Certificate certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
            return (X509Certificate) certificate;
        }
    }

    private static void writePem(final Path file, final X509Certificate... chain)
            throws GeneralSecurityException, IOException
    {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : chain)
        {
            pem(pem, "CERTIFICATE", certificate.getEncoded());
        }
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }

    private static void writeKey(final Path file, final PrivateKey key) throws IOException
    {
        if (!"PKCS#8".equals(key.getFormat()))
        {
            throw new IOException("unexpected private key encoding " + key.getFormat());
        }
        Files.deleteIfExists(file);
        try
        {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        catch (UnsupportedOperationException e)
        {
            Files.createFile(file); // not a POSIX file system: default permissions
        }
        Files.writeString(file, pem(new StringBuilder(), "PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
    }

    private static StringBuilder pem(final StringBuilder out, final String type, final byte[] der)
    {
        Base64.Encoder encoder = Base64.getMimeEncoder(64, new byte[] {'\n'});
        return out.append("-----BEGIN ").append(type).append("-----\n")
                .append(encoder.encodeToString(der)).append('\n')
                .append("-----END ").append(type).append("-----\n");
    }
}
