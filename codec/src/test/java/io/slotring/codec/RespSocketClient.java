package io.slotring.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import io.slotring.codec.internal.RespDecoder;
import io.slotring.codec.internal.RespEncoder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Minimal blocking client for real-server tests: commands are written with {@link RespEncoder}, replies framed with
 * {@link RespDecoder} from a receive buffer fed by socket reads of random (seeded) sizes, so real server bytes also
 * exercise resumption and compaction. Each {@link #read()} returns a reader over a private copy of one frame.
 */
final class RespSocketClient implements AutoCloseable
{
    private static final int READ_TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SplittableRandom random;
    private final RespEncoder encoder = new RespEncoder();
    private final RespDecoder decoder = new RespDecoder();
    private final RespReader reader = new RespReader();

    private UnsafeBuffer sendBuffer = new UnsafeBuffer(new byte[64 * 1024]);
    private UnsafeBuffer receiveBuffer = new UnsafeBuffer(new byte[256]);
    private int start;
    private int limit;
    private int maxRead;
    private int frames;
    private int resumedFrames;

    RespSocketClient(final String host, final int port, final long seed)
    {
        try
        {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), READ_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        random = new SplittableRandom(seed);
        maxRead = 1 + random.nextInt(64);
    }

    /** Encode one or more commands into the send buffer and write them in one go (pipelined). */
    RespSocketClient send(final int capacityHint, final Consumer<RespEncoder> commands)
    {
        if (sendBuffer.capacity() < capacityHint)
        {
            sendBuffer = new UnsafeBuffer(new byte[capacityHint]);
        }
        encoder.wrap(sendBuffer, 0);
        commands.accept(encoder);
        try
        {
            out.write(sendBuffer.byteArray(), 0, encoder.length());
            out.flush();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return this;
    }

    RespSocketClient send(final Consumer<RespEncoder> commands)
    {
        return send(0, commands);
    }

    /** Send a command of plain string arguments. */
    RespSocketClient command(final String... arguments)
    {
        return send(e ->
        {
            e.arrayHeader(arguments.length);
            for (final String argument : arguments)
            {
                e.bulk(argument);
            }
        });
    }

    /** Block until one complete frame is received; return a reader over a copy of it, before its first token. */
    RespReader read()
    {
        boolean resumed = false;
        while (true)
        {
            if (start < limit)
            {
                final int length = decoder.decode(receiveBuffer, start, limit);
                if (length != RespDecoder.INCOMPLETE)
                {
                    final byte[] frame = new byte[length];
                    receiveBuffer.getBytes(start, frame);
                    start += length;
                    frames++;
                    if (resumed)
                    {
                        resumedFrames++;
                    }
                    return reader.wrap(new UnsafeBuffer(frame), 0, length);
                }
                resumed = true;
                final long minimum = decoder.minimumFrameLength();
                if (minimum > receiveBuffer.capacity() - start)
                {
                    move(Math.max((int)minimum, receiveBuffer.capacity()));
                }
            }
            if (limit == receiveBuffer.capacity())
            {
                move(start > 0 ? receiveBuffer.capacity() : receiveBuffer.capacity() * 2);
            }
            receive();
        }
    }

    /** Read one frame and render it like {@link Frames#dump}. */
    String readDump()
    {
        final RespReader frame = read();
        return Frames.dump(frame.buffer(), 0, frame.buffer().capacity());
    }

    int frames()
    {
        return frames;
    }

    int resumedFrames()
    {
        return resumedFrames;
    }

    private void receive()
    {
        final int room = receiveBuffer.capacity() - limit;
        // mostly small reads, sometimes big ones, so frames straddle reads at varied points
        final int want = Math.min(room, random.nextInt(4) == 0 ? room : 1 + random.nextInt(maxRead));
        try
        {
            final int n = in.read(receiveBuffer.byteArray(), limit, want);
            if (n < 0)
            {
                throw new IllegalStateException("server closed the connection");
            }
            limit += n;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Compact the partial frame to offset 0 of a buffer of the given capacity (a new one if it differs). */
    private void move(final int capacity)
    {
        final UnsafeBuffer target = capacity == receiveBuffer.capacity() ?
            receiveBuffer : new UnsafeBuffer(new byte[capacity]);
        System.arraycopy(receiveBuffer.byteArray(), start, target.byteArray(), 0, limit - start);
        limit -= start;
        start = 0;
        receiveBuffer = target;
    }

    @Override
    public void close()
    {
        try
        {
            socket.close();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
