package io.slotring.engine.internal;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CommandChecks#withBlockTimeNs}: a redirected blocking command is re-sent with the block time it has left.
 */
class CommandChecksRetimeTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void replacesTheBlockTimeWhereEachCommandKeepsIt()
    {
        assertThat(CommandChecks.withBlockTimeNs(new Object[] {"BLPOP", "a", "b", "5"}, 1500 * MS))
            .containsExactly("BLPOP", "a", "b", "1.500");
        assertThat(CommandChecks.withBlockTimeNs(new Object[] {"BLMPOP", "2", 1, "a", "LEFT"}, 250 * MS))
            .containsExactly("BLMPOP", "0.250", 1, "a", "LEFT");
        assertThat(CommandChecks.withBlockTimeNs(new Object[] {"XREADGROUP", "GROUP", "g", "c", "BLOCK", 900L,
            "STREAMS", "s", ">"}, 400 * MS))
            .containsExactly("XREADGROUP", "GROUP", "g", "c", "BLOCK", 400L, "STREAMS", "s", ">");
        assertThat(CommandChecks.withBlockTimeNs(new Object[] {"WAIT", 1, 1000L}, 10 * MS))
            .containsExactly("WAIT", 1, 10L);
    }

    @Test
    void keepsForeverAndNeverSendsZeroForATimeThatRanOut()
    {
        final Object[] forever = {"BLPOP", "a", 0};
        assertThat(CommandChecks.withBlockTimeNs(forever, 5 * MS)).isSameAs(forever);
        assertThat(CommandChecks.withBlockTimeNs(new Object[] {"BRPOP", "a", "1"}, -3 * MS))
            .containsExactly("BRPOP", "a", "0.001");
        final Object[] original = {"BZPOPMIN", "z", "2"};
        CommandChecks.withBlockTimeNs(original, MS);
        assertThat(original).containsExactly("BZPOPMIN", "z", "2");
    }
}
