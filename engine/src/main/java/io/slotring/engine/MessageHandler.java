package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.BiConsumer;

import org.agrona.DirectBuffer;

/**
 * Receives the messages of one pub/sub subscription ({@link Client#subscribe}, {@link Client#psubscribe},
 * {@link Client#ssubscribe}) as zero-copy views: the channel and the payload are ranges of the receive buffer,
 * valid only during the call. Nothing is allocated per message.
 *
 * <p>Called on the client's {@code slotring-pubsub} thread, one message at a time, in the order the server sent
 * them: keep it short and never block in it (every subscription of the client waits behind it). An exception it
 * throws is reported to the client's error handler; the subscription goes on.
 *
 * <p>{@link #ofStrings} and {@link #ofBytes} adapt a listener that wants Java values (they allocate per message).
 */
@FunctionalInterface
public interface MessageHandler
{
    /**
     * @param buffer        holding the channel and the payload; valid only during this call.
     * @param channelOffset index of the channel's first byte (for a pattern subscription: the channel the message
     *                      was published to, not the pattern).
     * @param channelLength length of the channel in bytes.
     * @param payloadOffset index of the payload's first byte.
     * @param payloadLength length of the payload in bytes.
     */
    void onMessage(DirectBuffer buffer, int channelOffset, int channelLength, int payloadOffset, int payloadLength);

    /**
     * @param listener receives the channel and the payload, both decoded as UTF-8.
     * @return a handler that copies each message into two Strings and passes them on.
     */
    static MessageHandler ofStrings(final BiConsumer<String, String> listener)
    {
        Objects.requireNonNull(listener, "listener");
        return (buffer, channelOffset, channelLength, payloadOffset, payloadLength) -> listener.accept(
            buffer.getStringWithoutLengthUtf8(channelOffset, channelLength),
            buffer.getStringWithoutLengthUtf8(payloadOffset, payloadLength));
    }

    /**
     * @param listener receives the channel (UTF-8) and a copy of the payload's bytes.
     * @return a handler that copies each message and passes it on.
     */
    static MessageHandler ofBytes(final BiConsumer<String, byte[]> listener)
    {
        Objects.requireNonNull(listener, "listener");
        return (buffer, channelOffset, channelLength, payloadOffset, payloadLength) ->
        {
            final byte[] payload = new byte[payloadLength];
            buffer.getBytes(payloadOffset, payload);
            final byte[] channel = new byte[channelLength];
            buffer.getBytes(channelOffset, channel);
            listener.accept(new String(channel, StandardCharsets.UTF_8), payload);
        };
    }
}
