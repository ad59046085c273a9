package io.slotring.engine.internal;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link CommandChecks#blockTimeNs}: which commands go to a dedicated connection and with what block time; and the
 * zero-copy style's refusal of long blocks.
 */
class BlockTimeTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void blockTimesAreReadFromWhereEachCommandKeepsThem()
    {
        assertThat(CommandChecks.blockTimeNs(new Object[] {"BLPOP", "a", "b", 3})).isEqualTo(3 * SECOND);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"brpop", "a", "0.5"})).isEqualTo(SECOND / 2);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"BLMOVE", "a", "b", "LEFT", "RIGHT", 0}))
            .isEqualTo(CommandChecks.BLOCKS_FOREVER);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"BLMPOP", 2, 1, "l", "LEFT"})).isEqualTo(2 * SECOND);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"BZMPOP", "1.5", 1, "z", "MIN"}))
            .isEqualTo(3 * SECOND / 2);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"WAIT", 1, 250})).isEqualTo(SECOND / 4);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"XREAD", "COUNT", 1, "BLOCK", 100, "STREAMS", "s", "$"}))
            .isEqualTo(SECOND / 10);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0",
            "STREAMS", "s", ">"})).isEqualTo(CommandChecks.BLOCKS_FOREVER);
    }

    @Test
    void nonBlockingCommandsAndUnparsableTimesStayOnTheSharedRings()
    {
        assertThat(CommandChecks.blockTimeNs(new Object[] {"XREAD", "STREAMS", "BLOCK", "0"}))
            .isEqualTo(CommandChecks.NOT_BLOCKING);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"GET", "k"})).isEqualTo(CommandChecks.NOT_BLOCKING);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"BLPOP", "k", "soon"}))
            .isEqualTo(CommandChecks.NOT_BLOCKING);
        assertThat(CommandChecks.blockTimeNs(new Object[] {"BLPOP", "k", -1})).isEqualTo(CommandChecks.NOT_BLOCKING);
    }

    @Test
    void theZeroCopyStyleRefusesBlocksNotBelowTheCommandTimeoutAndSaysWhereToGo()
    {
        assertThat(CommandChecks.checkedLength(new Object[] {"BLPOP", "k", "0.5"}, SECOND)).isPositive();
        assertThatThrownBy(() -> CommandChecks.checkedLength(new Object[] {"BLPOP", "k", 0}, SECOND))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BLPOP blocks for ever")
            .hasMessageContaining("command timeout of 1.0s").hasMessageContaining("async() or sync()");
        assertThatThrownBy(() -> CommandChecks.checkedLength(new Object[] {"WAIT", 1, 1000}, SECOND))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WAIT blocks for 1.0s");
    }
}
