package io.slotring.codec;

import io.slotring.codec.internal.CommandHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandHeaderTest
{
    private static String bytesOf(final CommandHeader header)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final int length = header.putInto(buffer, 3);
        assertThat(length).isEqualTo(header.length());
        return buffer.getStringWithoutLengthAscii(3, length);
    }

    @Test
    void hotConstants()
    {
        assertThat(bytesOf(CommandHeader.GET)).isEqualTo("*2\r\n$3\r\nGET\r\n");
        assertThat(bytesOf(CommandHeader.SET)).isEqualTo("*3\r\n$3\r\nSET\r\n");
        assertThat(bytesOf(CommandHeader.DEL)).isEqualTo("*2\r\n$3\r\nDEL\r\n");
        assertThat(bytesOf(CommandHeader.INCR)).isEqualTo("*2\r\n$4\r\nINCR\r\n");
        assertThat(bytesOf(CommandHeader.EXISTS)).isEqualTo("*2\r\n$6\r\nEXISTS\r\n");
        assertThat(bytesOf(CommandHeader.PING)).isEqualTo("*1\r\n$4\r\nPING\r\n");
        assertThat(CommandHeader.SET.argc()).isEqualTo(3);
        assertThat(CommandHeader.SET.name()).isEqualTo("SET");
        assertThat(CommandHeader.SET.length()).isEqualTo(13);
    }

    @Test
    void nameOnlyIsTheBulkThatFollowsACallersArrayHeader()
    {
        final CommandHeader eval = CommandHeader.nameOnly("EVALSHA_RO");
        assertThat(bytesOf(eval)).isEqualTo("$10\r\nEVALSHA_RO\r\n");
        assertThat(eval.argc()).isZero();
        assertThat(eval.name()).isEqualTo("EVALSHA_RO");
        assertThatThrownBy(() -> CommandHeader.nameOnly("BAD NAME")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void custom()
    {
        final CommandHeader hset = CommandHeader.of(12, "HSET");
        assertThat(bytesOf(hset)).isEqualTo("*12\r\n$4\r\nHSET\r\n");
        assertThat(hset.argc()).isEqualTo(12);
        assertThat(hset.toString()).isEqualTo("*12\\r\\n$4\\r\\nHSET\\r\\n");
    }

    @Test
    void rejectsBadInput()
    {
        assertThatThrownBy(() -> CommandHeader.of(0, "GET")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CommandHeader.of(2, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CommandHeader.of(2, "G T")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CommandHeader.of(2, "GÉT")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CommandHeader.of(2, "GET\r\n")).isInstanceOf(IllegalArgumentException.class);
    }
}
