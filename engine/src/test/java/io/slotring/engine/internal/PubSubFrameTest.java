package io.slotring.engine.internal;

import java.nio.charset.StandardCharsets;

import io.slotring.codec.RespReader;
import io.slotring.codec.internal.RespDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pub/sub frames in the shapes servers send: RESP3 pushes, RESP2 arrays, confirmations, errors, and frames that
 * are not pub/sub at all. No server.
 */
class PubSubFrameTest
{
    private final PubSubFrame frame = new PubSubFrame();
    private final RespReader reader = new RespReader();

    private int read(final String wire)
    {
        final byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[bytes.length + 8]);
        buffer.putBytes(3, bytes);
        final int length = new RespDecoder().decode(buffer, 3, 3 + bytes.length);
        assertThat(length).as("decoded length of %s", wire).isEqualTo(bytes.length);
        return frame.read(reader.wrap(buffer, 3, length));
    }

    private String channel()
    {
        return frame.buffer().getStringWithoutLengthUtf8(frame.channelOffset(), frame.channelLength());
    }

    private String payload()
    {
        return frame.buffer().getStringWithoutLengthUtf8(frame.payloadOffset(), frame.payloadLength());
    }

    @Test
    void resp3PushMessage()
    {
        assertThat(read(">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n")).isEqualTo(PubSubFrame.MESSAGE);
        assertThat(channel()).isEqualTo("news");
        assertThat(payload()).isEqualTo("hello");
    }

    @Test
    void resp2ArrayMessageAndEmptyPayload()
    {
        assertThat(read("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n")).isEqualTo(PubSubFrame.MESSAGE);
        assertThat(channel()).isEqualTo("ch");
        assertThat(frame.payloadLength()).isZero();
    }

    @Test
    void shardMessageInBothProtocols()
    {
        assertThat(read(">3\r\n$8\r\nsmessage\r\n$3\r\n{a}\r\n$3\r\n1:x\r\n")).isEqualTo(PubSubFrame.SMESSAGE);
        assertThat(channel()).isEqualTo("{a}");
        assertThat(payload()).isEqualTo("1:x");
        assertThat(read("*3\r\n$8\r\nsmessage\r\n$3\r\n{a}\r\n$3\r\n2:y\r\n")).isEqualTo(PubSubFrame.SMESSAGE);
        assertThat(payload()).isEqualTo("2:y");
    }

    @Test
    void patternMessageCarriesPatternAndChannel()
    {
        assertThat(read(">4\r\n$8\r\npmessage\r\n$3\r\nn.*\r\n$5\r\nn.one\r\n$1\r\nv\r\n"))
            .isEqualTo(PubSubFrame.PMESSAGE);
        assertThat(frame.buffer().getStringWithoutLengthUtf8(frame.patternOffset(), frame.patternLength()))
            .isEqualTo("n.*");
        assertThat(channel()).isEqualTo("n.one");
        assertThat(payload()).isEqualTo("v");
    }

    @Test
    void confirmationsWithCounts()
    {
        assertThat(read(">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")).isEqualTo(PubSubFrame.SUBSCRIBE);
        assertThat(channel()).isEqualTo("ch");
        assertThat(frame.count()).isEqualTo(1);
        assertThat(read("*3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n")).isEqualTo(PubSubFrame.PSUBSCRIBE);
        assertThat(read(">3\r\n$10\r\nssubscribe\r\n$3\r\n{a}\r\n:1\r\n")).isEqualTo(PubSubFrame.SSUBSCRIBE);
        assertThat(read(">3\r\n$12\r\nsunsubscribe\r\n$3\r\n{a}\r\n:0\r\n")).isEqualTo(PubSubFrame.SUNSUBSCRIBE);
        assertThat(frame.count()).isZero();
        assertThat(read("*3\r\n$12\r\npunsubscribe\r\n$2\r\nc*\r\n:0\r\n")).isEqualTo(PubSubFrame.PUNSUBSCRIBE);
    }

    @Test
    void unsubscribeFromNothingHasNullChannel()
    {
        assertThat(read("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")).isEqualTo(PubSubFrame.UNSUBSCRIBE);
        assertThat(frame.channelLength()).isEqualTo(-1);
        assertThat(read(">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n")).isEqualTo(PubSubFrame.UNSUBSCRIBE);
        assertThat(frame.channelLength()).isEqualTo(-1);
    }

    @Test
    void errorsInBothForms()
    {
        assertThat(read("-MOVED 3999 127.0.0.1:7001\r\n")).isEqualTo(PubSubFrame.ERROR);
        assertThat(frame.errorText()).isEqualTo("MOVED 3999 127.0.0.1:7001");
        assertThat(read("!9\r\nCLUSTERDO\r\n")).isEqualTo(PubSubFrame.ERROR);
        assertThat(frame.errorText()).isEqualTo("CLUSTERDO");
    }

    @Test
    void framesThatAreNotPubSub()
    {
        assertThat(read("+OK\r\n")).isEqualTo(PubSubFrame.OTHER);
        assertThat(read(">3\r\n$10\r\ninvalidate\r\n$1\r\nk\r\n:1\r\n")).isEqualTo(PubSubFrame.OTHER);
        assertThat(read("*2\r\n$7\r\nmessage\r\n$2\r\nch\r\n")).as("too short").isEqualTo(PubSubFrame.OTHER);
        assertThat(read("%1\r\n+server\r\n+redis\r\n")).isEqualTo(PubSubFrame.OTHER);
        assertThat(read("*-1\r\n")).isEqualTo(PubSubFrame.OTHER);
    }

    @Test
    void pingRepliesInEveryShape()
    {
        assertThat(read("+PONG\r\n")).as("RESP3, or RESP2 before subscribing").isEqualTo(PubSubFrame.PONG);
        assertThat(read("*2\r\n$4\r\npong\r\n$0\r\n\r\n")).as("RESP2 in subscribed state")
            .isEqualTo(PubSubFrame.PONG);
        assertThat(read(">2\r\n$4\r\npong\r\n$0\r\n\r\n")).as("as a push").isEqualTo(PubSubFrame.PONG);
        assertThat(read("*2\r\n+pong\r\n$0\r\n\r\n")).as("simple-string element").isEqualTo(PubSubFrame.PONG);
    }

    @Test
    void framesThatLookLikePongButAreNot()
    {
        assertThat(read("+pong\r\n")).isEqualTo(PubSubFrame.OTHER);
        assertThat(read("+PONGS\r\n")).isEqualTo(PubSubFrame.OTHER);
        assertThat(read("$4\r\nPONG\r\n")).as("a bulk string is PING's echo of an argument, never sent")
            .isEqualTo(PubSubFrame.OTHER);
        assertThat(read("*2\r\n$4\r\nPONG\r\n$0\r\n\r\n")).isEqualTo(PubSubFrame.OTHER);
        assertThat(read("*2\r\n$5\r\npongs\r\n$0\r\n\r\n")).isEqualTo(PubSubFrame.OTHER);
        assertThat(read("*1\r\n$4\r\npong\r\n")).isEqualTo(PubSubFrame.OTHER);
        assertThat(read("*3\r\n$4\r\npong\r\n$0\r\n\r\n$0\r\n\r\n")).isEqualTo(PubSubFrame.OTHER);
        assertThat(read("*2\r\n:1\r\n$0\r\n\r\n")).isEqualTo(PubSubFrame.OTHER);
    }

    @Test
    void attributeBeforeThePushIsSkipped()
    {
        assertThat(read("|1\r\n+ttl\r\n:3\r\n>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n"))
            .isEqualTo(PubSubFrame.MESSAGE);
        assertThat(payload()).isEqualTo("p");
    }
}
