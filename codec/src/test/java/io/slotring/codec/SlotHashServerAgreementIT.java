package io.slotring.codec;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.internal.RespEncoder;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SlotHash against CLUSTER KEYSLOT of a real server, on binary keys: the commands are encoded by hand and pipelined
 * over a plain socket, because the launcher's admin client only sends UTF-8 strings.
 */
@LocalCluster(masters = 3, replicasPerMaster = 0)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlotHashServerAgreementIT
{
    private static final long SEED = 0x5107_5EEDL;
    private static final int RANDOM_KEYS = 20_000;
    private static final int BATCH = 1_000;
    private static final int PADDING = 37;
    private static final int ANY = Integer.MIN_VALUE;
    private static final int SOCKET_TIMEOUT_MILLIS = 10_000;
    private static final byte[] CLUSTER = "CLUSTER".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEYSLOT = "KEYSLOT".getBytes(StandardCharsets.US_ASCII);
    private static final String[] FIXED = {
        "", "{}", "{", "}", "}{", "{{}}", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{user1000}.following",
        "{user1000}.followers", "123456789", "somekey", "foo{hash_tag}", "caf\u00e9{\uD83D\uDE00}", "lone\uD800",
    };

    @Test
    void agreesWithClusterKeyslotOnRandomKeys(final LocalRedisCluster cluster) throws IOException
    {
        final List<byte[]> keys = new ArrayList<>();
        final List<String> texts = new ArrayList<>();
        for (final String fixed : FIXED)
        {
            keys.add(fixed.getBytes(StandardCharsets.UTF_8));
            texts.add(fixed);
        }
        final Random random = new Random(SEED);
        for (int i = 0; i < RANDOM_KEYS; i++)
        {
            final String text = random.nextInt(4) == 0 ? randomText(random) : null;
            keys.add(text != null ? text.getBytes(StandardCharsets.UTF_8) : randomBytes(random));
            texts.add(text);
        }

        final RedisNodeHandle node = cluster.masters().get(0);
        final int[] serverSlots = keyslots(node, keys);

        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++)
        {
            final byte[] key = keys.get(i);
            final int expected = serverSlots[i];
            final int fromBytes = SlotHash.slot(key);
            final int fromOffset = SlotHash.slot(padded(key), PADDING, key.length);
            direct.setMemory(0, direct.capacity(), (byte)'{');
            direct.putBytes(PADDING, key);
            final int fromBuffer = SlotHash.slot(direct, PADDING, key.length);
            final int fromText = texts.get(i) != null ? SlotHash.slot(texts.get(i)) : expected;
            if (fromBytes != expected || fromOffset != expected || fromBuffer != expected || fromText != expected)
            {
                mismatches.add("key #" + i + " " + hex(key) + ": server " + expected + ", byte[] " + fromBytes +
                    ", offset " + fromOffset + ", buffer " + fromBuffer + ", text " + fromText);
            }
        }
        assertThat(mismatches).as("seed %x, %d keys", SEED, keys.size()).isEmpty();
        assertThat(keys).hasSizeGreaterThanOrEqualTo(10_000);
    }

    /** CLUSTER KEYSLOT of every key, pipelined in batches over one connection. */
    private static int[] keyslots(final RedisNodeHandle node, final List<byte[]> keys) throws IOException
    {
        final int[] slots = new int[keys.size()];
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64 * 1024);
        final RespEncoder encoder = new RespEncoder();
        try (Socket socket = new Socket())
        {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            socket.connect(new InetSocketAddress(node.host(), node.port()), SOCKET_TIMEOUT_MILLIS);
            final OutputStream out = socket.getOutputStream();
            final InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            for (int from = 0; from < keys.size(); from += BATCH)
            {
                final int to = Math.min(keys.size(), from + BATCH);
                encoder.wrap(buffer, 0);
                for (int i = from; i < to; i++)
                {
                    encoder.arrayHeader(3).bulk(CLUSTER).bulk(KEYSLOT).bulk(keys.get(i));
                }
                out.write(buffer.byteArray(), 0, encoder.position());
                out.flush();
                for (int i = from; i < to; i++)
                {
                    slots[i] = readInteger(in, keys.get(i));
                }
            }
        }
        return slots;
    }

    private static int readInteger(final InputStream in, final byte[] key) throws IOException
    {
        final int type = in.read();
        final String line = readLine(in);
        if (type != ':')
        {
            throw new AssertionError("CLUSTER KEYSLOT " + hex(key) + ": expected an integer reply, got '" +
                (char)type + "' " + line);
        }
        return Integer.parseInt(line);
    }

    private static String readLine(final InputStream in) throws IOException
    {
        final StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != '\r')
        {
            if (b < 0)
            {
                throw new EOFException("connection closed mid-reply after '" + line + "'");
            }
            line.append((char)b);
        }
        if (in.read() != '\n')
        {
            throw new IOException("CR not followed by LF after '" + line + "'");
        }
        return line.toString();
    }

    /** Keys that stress the tag rules: binary, brace-dense, tagged, empty-tagged, unmatched. */
    private static byte[] randomBytes(final Random random)
    {
        switch (random.nextInt(6))
        {
            case 0:
            {
                final byte[] key = new byte[random.nextInt(33)];
                random.nextBytes(key);
                return key;
            }
            case 1:
                return fromAlphabet(random, new byte[]{ '{', '}', 'a', 0, (byte)0xff }, random.nextInt(13));
            case 2:
                // prefix{binary tag}suffix, the tag free of '}' so it is the tag.
                return concat(binary(random, 8, '{'), new byte[]{ '{' }, binary(random, 1 + random.nextInt(8), '}'),
                    new byte[]{ '}' }, binary(random, 8, ANY));
            case 3:
                return concat(binary(random, 8, '{'), new byte[]{ '{', '}' }, binary(random, 12, ANY));
            case 4:
                return concat(binary(random, 8, '{'), new byte[]{ '{' }, binary(random, 12, '}'));
            default:
                return concat(binary(random, 8, '{'), new byte[]{ '}' }, binary(random, 12, '{'));
        }
    }

    private static String randomText(final Random random)
    {
        final String alphabet = "{}ab\u00e9\u4e2d\uD83D\uDE00\uD800\uDC00";
        final StringBuilder text = new StringBuilder();
        final int length = random.nextInt(16);
        for (int i = 0; i < length; i++)
        {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private static byte[] fromAlphabet(final Random random, final byte[] alphabet, final int length)
    {
        final byte[] key = new byte[length];
        for (int i = 0; i < length; i++)
        {
            key[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return key;
    }

    /** Up to {@code maxLength} random bytes, none equal to {@code excluded} ({@link #ANY} excludes none). */
    private static byte[] binary(final Random random, final int maxLength, final int excluded)
    {
        final byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        for (int i = 0; i < bytes.length; i++)
        {
            if (bytes[i] == excluded)
            {
                bytes[i] = 'x';
            }
        }
        return bytes;
    }

    private static byte[] concat(final byte[]... parts)
    {
        int length = 0;
        for (final byte[] part : parts)
        {
            length += part.length;
        }
        final byte[] joined = new byte[length];
        int at = 0;
        for (final byte[] part : parts)
        {
            System.arraycopy(part, 0, joined, at, part.length);
            at += part.length;
        }
        return joined;
    }

    private static byte[] padded(final byte[] key)
    {
        final byte[] padded = new byte[PADDING + key.length + 1];
        padded[0] = '{';
        padded[padded.length - 1] = '}';
        System.arraycopy(key, 0, padded, PADDING, key.length);
        return padded;
    }

    private static String hex(final byte[] key)
    {
        final StringBuilder hex = new StringBuilder(key.length * 2 + 2).append("0x");
        for (final byte b : key)
        {
            hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return hex.toString();
    }
}
