package io.slotring.engine.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS inside a connection's byte path: the same {@code write(ByteBuffer[])} / {@code read(ByteBuffer)} contract as
 * the {@link SocketChannel} it wraps, in plaintext bytes, so {@link NodeConnection} keeps its gathering writes, its
 * sequences and its receive buffer unchanged.
 *
 * <ul>
 *   <li><b>Write:</b> the gathering write's slot views are wrapped, record by record, into one buffer
 *   ({@link #netOut}) and sent in one {@code write}; whatever the socket did not take stays pending and goes
 *   first next time, and no more plaintext is taken until it has gone (the caller sees a blocked write, as with a
 *   full send buffer).</li>
 *   <li><b>Read:</b> ciphertext lands in {@link #netIn}; records are unwrapped straight into the connection's receive
 *   buffer when it has room for a whole record, else into {@link #appIn} and copied from there.</li>
 *   <li><b>Buffered input:</b> a read may leave whole records in {@link #netIn} (or plaintext in {@link #appIn}) that
 *   no selector will report, since the socket has already given them up: {@link #hasBufferedInput()} tells the
 *   connection to read again before it waits.</li>
 *   <li><b>Handshake:</b> {@link #handshake()} is driven by the agent after TCP connects and before Redis's own
 *   {@code HELLO}; non-blocking, it returns whether it needs the socket to become readable.</li>
 * </ul>
 *
 * <p>Threads: used only by the connection's driver (see {@link NodeConnection}), like every field of the connection.
 * Its buffers are allocated once per socket (a reconnect makes new ones with the new engine); nothing is allocated
 * per command by this class. The JDK's {@code SSLEngine} itself allocates per record (its result object, and its
 * cipher's per-record initialisation: about 1.9 KB per record measured, JDK 17 and 25 alike), so TLS is not
 * allocation-free with the JDK's provider; {@code TlsSettings.of(SSLContext)} accepts another provider's context.
 */
final class TlsChannel
{
    static final int HANDSHAKE_DONE = 0;
    static final int HANDSHAKE_NEEDS_READ = 1;
    static final int HANDSHAKE_NEEDS_WRITE = 2;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** The most plaintext one TLS record carries (2^14 bytes, RFC 8446 section 5.1). */
    private static final int MAX_RECORD_PLAINTEXT = 16_384;
    /** TLS record header: type (1), version (2), length (2). */
    private static final int RECORD_HEADER = 5;

    private final SSLEngine engine;
    private final SocketChannel channel;
    /** Received ciphertext not yet unwrapped: {@code [position, limit)}. */
    private ByteBuffer netIn;
    /** Wrapped ciphertext not yet sent: {@code [position, limit)}. */
    private ByteBuffer netOut;
    /** Unwrapped plaintext the receive buffer had no room for: {@code [position, limit)}. */
    private ByteBuffer appIn;
    private final int appSize;
    private final int packetSize;
    /** Native engines only (else null): a batch's slot views gathered into one record's plaintext. */
    private final ByteBuffer plainOut;
    /** Direct buffers for a native engine, heap buffers for the JDK's (see the constructor). */
    private final boolean direct;
    private boolean closed;

    TlsChannel(final SSLEngine engine, final SocketChannel channel) throws SSLException
    {
        this.engine = engine;
        this.channel = channel;
        final int packetSize = engine.getSession().getPacketBufferSize();
        this.appSize = engine.getSession().getApplicationBufferSize();
        // Several records per syscall each way: a batch of small commands is one record, a large one several.
        // The JDK's engine gets heap buffers, measured: its AES-GCM works on arrays, and fed direct buffers it copies
        // through temporary arrays (RoundTripBenchmark -p tls=jdk -prof gc: 120 B/op with heap buffers, 319 with
        // direct); the socket side then goes through the JDK's cached per-thread direct buffer (one copy, no
        // allocation). Native engines (OpenSSL, BoringSSL) read and write memory by address: direct buffers.
        this.direct = !engine.getClass().getName().startsWith("sun.security.ssl.");
        this.netIn = buffer(2 * packetSize).flip();
        this.netOut = buffer(4 * packetSize).flip();
        this.appIn = buffer(appSize).flip();
        this.packetSize = packetSize;
        this.plainOut = direct ? ByteBuffer.allocateDirect(MAX_RECORD_PLAINTEXT) : null;
        engine.beginHandshake();
    }

    /**
     * Advances the handshake as far as the socket allows.
     *
     * @return {@link #HANDSHAKE_DONE}, {@link #HANDSHAKE_NEEDS_READ} (wait for the socket to be readable) or
     * {@link #HANDSHAKE_NEEDS_WRITE} (ciphertext is pending: try again on the next pass).
     * @throws IOException the peer closed, or the handshake failed (untrusted certificate, wrong host name...).
     */
    int handshake() throws IOException
    {
        while (true)
        {
            if (netOut.hasRemaining() && !flushNetOut())
            {
                return HANDSHAKE_NEEDS_WRITE;
            }
            final SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
            switch (status)
            {
                case NEED_WRAP:
                    wrapControl();
                    break;

                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    if (!unwrapHandshake())
                    {
                        return HANDSHAKE_NEEDS_READ;
                    }
                    break;

                case NEED_TASK:
                    runTasks();
                    break;

                default:
                    // NOT_HANDSHAKING (FINISHED is only ever reported in a result): done once its bytes have gone.
                    return netOut.hasRemaining() && !flushNetOut() ? HANDSHAKE_NEEDS_WRITE : HANDSHAKE_DONE;
            }
        }
    }

    /**
     * Wraps and sends as much of {@code srcs[offset, offset + length)} as the pending ciphertext allows; source
     * positions advance by the plaintext taken, as a gathering {@code write} does.
     *
     * @return plaintext bytes taken (they are wrapped; some of their ciphertext may still be pending).
     */
    long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        if (netOut.hasRemaining() && !flushNetOut())
        {
            return 0;
        }
        long remaining = 0;
        for (int i = offset; i < offset + length; i++)
        {
            remaining += srcs[i].remaining();
        }
        long taken = 0;
        netOut.clear();
        try
        {
            if (plainOut != null)
            {
                taken = wrapStaged(srcs, offset, length, remaining);
                remaining = 0;
            }
            while (remaining > 0)
            {
                final SSLEngineResult result = engine.wrap(srcs, offset, length, netOut);
                final SSLEngineResult.Status status = result.getStatus();
                if (status == SSLEngineResult.Status.CLOSED)
                {
                    throw new IOException("TLS session closed by the server (close_notify)");
                }
                final int consumed = result.bytesConsumed();
                taken += consumed;
                remaining -= consumed;
                if (status == SSLEngineResult.Status.BUFFER_OVERFLOW || consumed == 0)
                {
                    // netOut is full: send it, and take the rest on the next write.
                    break;
                }
                if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK)
                {
                    runTasks();
                }
            }
        }
        finally
        {
            netOut.flip();
        }
        flushNetOut();
        return taken;
    }

    /**
     * Native engines: a gathering {@code wrap} over many small slot views makes one record per view (one
     * {@code SSL_write} each); gathered here into {@link #plainOut} first, a batch becomes as few records as the
     * JDK's engine makes. Wraps only while {@link #netOut} has room for a whole record, so the staged plaintext is
     * always taken whole and nothing stays staged between calls.
     */
    private long wrapStaged(final ByteBuffer[] srcs, final int offset, final int length, final long remaining)
        throws IOException
    {
        long taken = 0;
        while (taken < remaining && netOut.remaining() >= packetSize)
        {
            plainOut.clear();
            for (int i = offset; i < offset + length && plainOut.hasRemaining(); i++)
            {
                final ByteBuffer src = srcs[i];
                final int n = Math.min(src.remaining(), plainOut.remaining());
                if (n > 0)
                {
                    final int limit = src.limit();
                    src.limit(src.position() + n);
                    plainOut.put(src);
                    src.limit(limit);
                }
            }
            plainOut.flip();
            final int staged = plainOut.remaining();
            final SSLEngineResult result = engine.wrap(plainOut, netOut);
            if (result.getStatus() == SSLEngineResult.Status.CLOSED)
            {
                throw new IOException("TLS session closed by the server (close_notify)");
            }
            if (plainOut.hasRemaining())
            {
                throw new IOException("the TLS engine took " + result.bytesConsumed() + " of " + staged +
                    " staged bytes with room for a whole record (" + result.getStatus() + ")");
            }
            taken += staged;
        }
        return taken;
    }

    /**
     * Reads plaintext into {@code dst}, as {@link SocketChannel#read(ByteBuffer)} does.
     *
     * @return plaintext bytes added to {@code dst}, 0 when no whole record has arrived yet, -1 at end of stream
     * (TCP closed or the server's {@code close_notify}).
     */
    int read(final ByteBuffer dst) throws IOException
    {
        if (appIn.hasRemaining())
        {
            return drainAppIn(dst);
        }
        boolean staged = false;
        while (true)
        {
            if (netIn.hasRemaining())
            {
                final boolean intoDst = !staged && dst.remaining() >= appSize;
                final ByteBuffer target = intoDst ? dst : appIn.clear();
                final SSLEngineResult result;
                try
                {
                    result = engine.unwrap(netIn, target);
                }
                finally
                {
                    if (!intoDst)
                    {
                        appIn.flip();
                    }
                }
                switch (result.getStatus())
                {
                    case OK:
                        afterUnwrap(result);
                        if (result.bytesProduced() > 0)
                        {
                            return intoDst ? result.bytesProduced() : drainAppIn(dst);
                        }
                        // A record without data (a TLS 1.3 session ticket, a key update): look at the next one.
                        continue;

                    case BUFFER_OVERFLOW:
                        // The record is larger than the room left: stage it (growing the staging buffer if even
                        // that is too small) and copy what fits.
                        if (!intoDst)
                        {
                            growAppIn();
                        }
                        staged = true;
                        continue;

                    case CLOSED:
                        return -1;

                    default:
                        // BUFFER_UNDERFLOW: the next record is incomplete; read more below.
                        break;
                }
            }
            final int bytes = fill();
            if (bytes <= 0)
            {
                return bytes;
            }
        }
    }

    /**
     * @return plaintext, or a whole record, is already here: the socket will not report it, so read again now.
     */
    boolean hasBufferedInput()
    {
        if (appIn.hasRemaining())
        {
            return true;
        }
        final int available = netIn.remaining();
        if (available < RECORD_HEADER)
        {
            return false;
        }
        final int at = netIn.position();
        final int recordLength = ((netIn.get(at + 3) & 0xFF) << 8) | (netIn.get(at + 4) & 0xFF);
        return available >= RECORD_HEADER + recordLength;
    }

    /**
     * @return ciphertext is waiting for room in the socket's send buffer.
     */
    boolean hasPendingOutput()
    {
        return netOut.hasRemaining();
    }

    /**
     * Sends pending ciphertext.
     *
     * @return true when nothing is pending any more.
     */
    boolean flushNetOut() throws IOException
    {
        while (netOut.hasRemaining())
        {
            if (channel.write(netOut) == 0)
            {
                return false;
            }
        }
        return true;
    }

    /** Drops the buffers and the engine's session state; the socket is closed by its owner. Idempotent. */
    void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        engine.closeOutbound();
        netIn = EMPTY;
        netOut = EMPTY;
        appIn = EMPTY;
    }

    private boolean unwrapHandshake() throws IOException
    {
        while (true)
        {
            final ByteBuffer target = appIn.compact();
            final SSLEngineResult result;
            try
            {
                result = engine.unwrap(netIn, target);
            }
            finally
            {
                appIn.flip();
            }
            switch (result.getStatus())
            {
                case OK:
                    return true;

                case BUFFER_OVERFLOW:
                    growAppIn();
                    continue;

                case CLOSED:
                    throw new IOException("the server closed the TLS session during the handshake");

                default:
                    final int bytes = fill();
                    if (bytes < 0)
                    {
                        throw new IOException("the server closed the connection during the TLS handshake (is this " +
                            "a TLS port?)");
                    }
                    if (bytes == 0)
                    {
                        return false;
                    }
            }
        }
    }

    private void afterUnwrap(final SSLEngineResult result) throws IOException
    {
        SSLEngineResult.HandshakeStatus status = result.getHandshakeStatus();
        while (status == SSLEngineResult.HandshakeStatus.NEED_TASK ||
            status == SSLEngineResult.HandshakeStatus.NEED_WRAP)
        {
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK)
            {
                runTasks();
            }
            else
            {
                // A post-handshake message wants an answer (a TLS 1.3 key update): send it now.
                wrapControl();
                flushNetOut();
            }
            status = engine.getHandshakeStatus();
        }
    }

    private void wrapControl() throws IOException
    {
        netOut.compact();
        final SSLEngineResult result;
        try
        {
            result = engine.wrap(EMPTY, netOut);
        }
        finally
        {
            netOut.flip();
        }
        if (result.getStatus() == SSLEngineResult.Status.CLOSED)
        {
            throw new IOException("TLS session closed during the handshake");
        }
    }

    /** Reads ciphertext from the socket into {@link #netIn}; its unread bytes move to the front first. */
    private int fill() throws IOException
    {
        netIn.compact();
        final int bytes;
        try
        {
            bytes = channel.read(netIn);
        }
        finally
        {
            netIn.flip();
        }
        return bytes;
    }

    private int drainAppIn(final ByteBuffer dst)
    {
        final int count = Math.min(appIn.remaining(), dst.remaining());
        final int limit = appIn.limit();
        appIn.limit(appIn.position() + count);
        dst.put(appIn);
        appIn.limit(limit);
        return count;
    }

    /** The session asked for a larger application buffer than it announced (rare): take a larger one. */
    private void growAppIn()
    {
        final ByteBuffer larger = buffer(Math.max(2 * appIn.capacity(), engine.getSession()
            .getApplicationBufferSize()));
        larger.put(appIn).flip();
        appIn = larger;
    }

    private ByteBuffer buffer(final int capacity)
    {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }

    private void runTasks()
    {
        // Certificate checks: milliseconds, once per connect, on the connection's driver (the I/O agent).
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null)
        {
            task.run();
        }
    }
}
