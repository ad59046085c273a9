package io.slotring.engine.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Set;

/**
 * An in-memory, never-blocking "socket" for unit tests of {@link NodeConnection}: no network, no server.
 *
 * <ul>
 *   <li>write side: each {@code write} call accepts at most {@link #writeLimit(int)} bytes (0 models a full send
 *       buffer), and all of them together at most {@link #writeBudget(long)} (a peer that stops reading),
 *       consuming the gathered buffers in order as a real gathering write does; everything accepted is captured
 *       ({@link #written()}); {@link #failNextWrite} scripts an {@code IOException};</li>
 *   <li>read side: a queue of inbound chunks, each handed out by one or more {@code read} calls (a call never spans
 *       two chunks, so a test controls every split point); scripted EOF ({@code -1}, sticky) or
 *       {@code IOException} in the queue; an empty queue reads 0 bytes, as a non-blocking socket with nothing
 *       arrived does.</li>
 * </ul>
 *
 * <p>It extends {@link SocketChannel} so the connection under test keeps its production field type and code; it
 * cannot be registered with a JDK selector, which is why the tests drive the connection through
 * {@link NodeConnection#doWork} and {@link NodeConnection#onReadable} as the I/O agent would.
 */
final class ScriptedChannel extends SocketChannel
{
    private static final Object EOF = new Object();

    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final ArrayDeque<Object> inbound = new ArrayDeque<>();
    /** Bytes of the head chunk already read. */
    private int headOffset;
    private int writeLimit = Integer.MAX_VALUE;
    /** Bytes all later writes together may still accept; then every write accepts 0. */
    private long writeBudget = Long.MAX_VALUE;
    private IOException writeFailure;
    private int writeCalls;
    private int readCalls;

    ScriptedChannel()
    {
        super(SelectorProvider.provider());
    }

    /** At most this many bytes per write call from now on; 0: every write accepts nothing (a full send buffer). */
    ScriptedChannel writeLimit(final int bytesPerCall)
    {
        writeLimit = bytesPerCall;
        return this;
    }

    /** From now on, all writes together accept at most {@code bytes} more bytes (a peer that stops reading). */
    ScriptedChannel writeBudget(final long bytes)
    {
        writeBudget = bytes;
        return this;
    }

    /** Lifts the write limit and budget: every write takes everything. */
    ScriptedChannel unlimited()
    {
        writeLimit = Integer.MAX_VALUE;
        writeBudget = Long.MAX_VALUE;
        return this;
    }

    /** The next write call throws {@code failure} (and accepts nothing). */
    ScriptedChannel failNextWrite(final IOException failure)
    {
        writeFailure = failure;
        return this;
    }

    /** Queues bytes to be read (in one or more reads, never merged with the next chunk). */
    ScriptedChannel feed(final byte[] chunk)
    {
        if (chunk.length > 0)
        {
            inbound.add(chunk.clone());
        }
        return this;
    }

    ScriptedChannel feed(final String chunk)
    {
        return feed(chunk.getBytes(StandardCharsets.UTF_8));
    }

    /** Once the chunks queued so far are read, every read returns -1: the peer closed the connection. */
    ScriptedChannel feedEof()
    {
        inbound.add(EOF);
        return this;
    }

    /** Once the chunks queued so far are read, the next read throws {@code failure} (a reset, say). */
    ScriptedChannel feedFailure(final IOException failure)
    {
        inbound.add(failure);
        return this;
    }

    /** True while a queued chunk or failure has not been read, or EOF is scripted (EOF stays: it is sticky). */
    boolean hasScripted()
    {
        return !inbound.isEmpty();
    }

    byte[] written()
    {
        return written.toByteArray();
    }

    String writtenString()
    {
        return new String(written(), StandardCharsets.UTF_8);
    }

    int writtenCount()
    {
        return written.size();
    }

    /** Forgets the captured bytes and the write-call count (after the handshake, say). */
    void clearWritten()
    {
        written.reset();
        writeCalls = 0;
    }

    int writeCalls()
    {
        return writeCalls;
    }

    int readCalls()
    {
        return readCalls;
    }

    @Override
    public long write(final ByteBuffer[] sources, final int offset, final int length) throws IOException
    {
        ensureOpen();
        writeCalls++;
        if (writeFailure != null)
        {
            final IOException failure = writeFailure;
            writeFailure = null;
            throw failure;
        }
        long budget = Math.min(writeLimit, writeBudget);
        long total = 0;
        for (int i = offset; i < offset + length && budget > 0; i++)
        {
            final ByteBuffer source = sources[i];
            final int n = (int)Math.min(budget, source.remaining());
            for (int j = 0; j < n; j++)
            {
                written.write(source.get());
            }
            budget -= n;
            total += n;
        }
        if (writeBudget != Long.MAX_VALUE)
        {
            writeBudget -= total;
        }
        return total;
    }

    @Override
    public int write(final ByteBuffer source) throws IOException
    {
        return (int)write(new ByteBuffer[] {source}, 0, 1);
    }

    @Override
    public int read(final ByteBuffer destination) throws IOException
    {
        ensureOpen();
        readCalls++;
        final Object head = inbound.peek();
        if (head == null)
        {
            return 0;
        }
        if (head == EOF)
        {
            return -1;
        }
        if (head instanceof IOException)
        {
            inbound.poll();
            throw (IOException)head;
        }
        final byte[] chunk = (byte[])head;
        final int n = Math.min(destination.remaining(), chunk.length - headOffset);
        destination.put(chunk, headOffset, n);
        headOffset += n;
        if (headOffset == chunk.length)
        {
            inbound.poll();
            headOffset = 0;
        }
        return n;
    }

    @Override
    public long read(final ByteBuffer[] destinations, final int offset, final int length) throws IOException
    {
        long total = 0;
        for (int i = offset; i < offset + length; i++)
        {
            if (destinations[i].hasRemaining())
            {
                final int n = read(destinations[i]);
                if (n < 0)
                {
                    return total > 0 ? total : -1;
                }
                total += n;
                if (destinations[i].hasRemaining())
                {
                    break;
                }
            }
        }
        return total;
    }

    private void ensureOpen() throws ClosedChannelException
    {
        if (!isOpen())
        {
            throw new ClosedChannelException();
        }
    }

    @Override
    public SocketChannel bind(final SocketAddress local)
    {
        return this;
    }

    @Override
    public <T> SocketChannel setOption(final SocketOption<T> name, final T value)
    {
        return this;
    }

    @Override
    public <T> T getOption(final SocketOption<T> name)
    {
        return null;
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        return Set.of();
    }

    @Override
    public SocketChannel shutdownInput()
    {
        return this;
    }

    @Override
    public SocketChannel shutdownOutput()
    {
        return this;
    }

    @Override
    public Socket socket()
    {
        throw new UnsupportedOperationException("in-memory channel");
    }

    @Override
    public boolean isConnected()
    {
        return isOpen();
    }

    @Override
    public boolean isConnectionPending()
    {
        return false;
    }

    @Override
    public boolean connect(final SocketAddress remote)
    {
        return true;
    }

    @Override
    public boolean finishConnect()
    {
        return true;
    }

    @Override
    public SocketAddress getRemoteAddress()
    {
        return null;
    }

    @Override
    public SocketAddress getLocalAddress()
    {
        return null;
    }

    @Override
    protected void implCloseSelectableChannel()
    {
        // Nothing to release: isOpen() turns false, and reads and writes throw ClosedChannelException.
    }

    @Override
    protected void implConfigureBlocking(final boolean block)
    {
        // Never blocks either way.
    }

    @Override
    public String toString()
    {
        return "ScriptedChannel{written=" + written.size() + ", inbound=" + inbound.size() + ", limit=" + writeLimit +
            ", open=" + isOpen() + ", headOffset=" + headOffset + '}';
    }
}
