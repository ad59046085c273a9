package io.slotring.launcher;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal blocking RESP2 client used only to administer the processes the launcher starts.
 *
 * <p>Deliberately tiny and allocation-happy: it runs on the test/setup path, never on a measured path, and the
 * launcher must not depend on the codec module it helps to test. Every read is bounded by a socket timeout so
 * a paused (SIGSTOP) or wedged server can never hang a test run. Not thread-safe: callers serialise access.
 */
final class AdminConnection implements AutoCloseable
{
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private AdminConnection(Socket socket) throws IOException
    {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    }

    /**
     * Connects and, when {@code password} is non-null, authenticates (so servers started with requirepass can
     * still be administered).
     */
    static AdminConnection open(String host, int port, int timeoutMillis, String password) throws IOException
    {
        Socket socket = new Socket();
        try
        {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMillis);
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            AdminConnection connection = new AdminConnection(socket);
            if (password != null)
            {
                connection.call(timeoutMillis, "AUTH", password);
            }
            return connection;
        }
        catch (IOException | RuntimeException e)
        {
            closeQuietly(socket);
            throw e;
        }
    }

    /**
     * Speaks RESP over a socket the caller connected (and, for TLS, set up); sends no AUTH. Closing the
     * connection closes the socket.
     */
    static AdminConnection over(Socket socket) throws IOException
    {
        return new AdminConnection(socket);
    }

    /**
     * Sends one command and reads its reply.
     *
     * @return String (simple or bulk string), Long (integer), {@code List<Object>} (array), or null (nil)
     * @throws RedisReplyError when the whole reply is an error; nested errors are returned inside the list
     * @throws IOException on I/O failure, including {@link java.net.SocketTimeoutException} on a read timeout;
     *     the connection must then be discarded because a late reply would desynchronise it
     */
    Object call(int timeoutMillis, String... args) throws IOException
    {
        socket.setSoTimeout(timeoutMillis);
        write(args);
        Object reply = read();
        if (reply instanceof RedisReplyError)
        {
            throw (RedisReplyError) reply;
        }
        return reply;
    }

    private void write(String... args) throws IOException
    {
        writeHeader('*', args.length);
        for (String arg : args)
        {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            writeHeader('$', bytes.length);
            out.write(bytes);
            out.write('\r');
            out.write('\n');
        }
        out.flush();
    }

    private void writeHeader(char type, int length) throws IOException
    {
        out.write(type);
        out.write(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
    }

    private Object read() throws IOException
    {
        int type = in.read();
        if (type < 0)
        {
            throw new EOFException("connection closed by server");
        }
        String line = readLine();
        switch (type)
        {
            case '+':
                return line;
            case '-':
                return new RedisReplyError(line);
            case ':':
                return Long.parseLong(line);
            case '$':
            {
                int length = Integer.parseInt(line);
                if (length < 0)
                {
                    return null;
                }
                byte[] bytes = in.readNBytes(length);
                if (bytes.length < length)
                {
                    throw new EOFException("connection closed inside a bulk string");
                }
                readLine(); // trailing CRLF
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case '*':
            {
                int count = Integer.parseInt(line);
                if (count < 0)
                {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++)
                {
                    items.add(read());
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type byte '" + (char) type + "' followed by " + line);
        }
    }

    private String readLine() throws IOException
    {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
        while (true)
        {
            int b = in.read();
            if (b < 0)
            {
                throw new EOFException("connection closed inside a reply line");
            }
            if (b == '\r')
            {
                int lf = in.read();
                if (lf != '\n')
                {
                    throw new IOException("malformed RESP line: CR not followed by LF");
                }
                return buffer.toString(StandardCharsets.UTF_8);
            }
            buffer.write(b);
        }
    }

    @Override
    public void close()
    {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket)
    {
        try
        {
            socket.close();
        }
        catch (IOException ignored)
        {
            // Nothing useful to do: the socket is being discarded.
        }
    }
}
