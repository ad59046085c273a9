package io.slotring.engine.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CommandRing}: claims gated by the completed sequence, publication, adjacency of a two-slot claim, and the
 * idle shrink that frees grown slots without letting a producer in.
 */
class CommandRingTest
{
    private static final int SIZE = 4;
    private static final int CAPACITY = 64;

    private final BufferPool pool = new BufferPool();
    private final CommandRing ring = new CommandRing(SIZE, CAPACITY);

    @AfterEach
    void close()
    {
        for (int i = 0; i < SIZE; i++)
        {
            ring.slot(i).shrink();
        }
        pool.close();
    }

    @Test
    void claimsUntilFullThenOnlyAsTheCompletedSequenceMovesOn()
    {
        for (int i = 0; i < SIZE; i++)
        {
            assertThat(ring.tryClaim(1)).isEqualTo(i);
        }
        assertThat(ring.tryClaim(1)).as("full").isEqualTo(-1);

        ring.completed.set(1);
        assertThat(ring.tryClaim(1)).isEqualTo(SIZE);
        assertThat(ring.tryClaim(1)).isEqualTo(SIZE + 1);
        assertThat(ring.tryClaim(1)).isEqualTo(-1);
        assertThat(ring.cursor()).isEqualTo(SIZE + 1);
        assertThat(ring.size()).isEqualTo(SIZE);
    }

    @Test
    void aSlotIsAvailableToTheAgentOnlyOncePublished()
    {
        final long first = ring.tryClaim(1);
        final long second = ring.tryClaim(1);
        assertThat(ring.isAvailable(first)).isFalse();

        ring.publish(second, second);
        assertThat(ring.isAvailable(first)).as("claimed, not published").isFalse();
        assertThat(ring.isAvailable(second)).isTrue();
        ring.publish(first, first);
        assertThat(ring.isAvailable(first)).isTrue();
    }

    @Test
    void aPairClaimIsAllOrNothingAndAdjacent()
    {
        assertThat(ring.tryClaim(3)).isEqualTo(2);
        assertThat(ring.tryClaim(2)).as("one slot left").isEqualTo(-1);
        assertThat(ring.tryClaim(1)).isEqualTo(3);
        ring.completed.set(1);
        assertThat(ring.tryClaim(2)).as("two adjacent").isEqualTo(5);
    }

    @Test
    void sequencesMapOntoTheSameSlotsRoundTheRing()
    {
        for (int i = 0; i < SIZE; i++)
        {
            assertThat(ring.slot(i + SIZE)).isSameAs(ring.slot(i));
            assertThat(ring.slot(i + 1)).isNotSameAs(ring.slot(i));
            assertThat(ring.slot(i).region.capacity()).isEqualTo(CAPACITY);
        }
        assertThat(ring.slot(1).region.addressOffset() - ring.slot(0).region.addressOffset())
            .as("consecutive regions of one arena").isEqualTo(CAPACITY);
    }

    @Test
    void idleShrinkDoesNothingWhenNoSlotGrew()
    {
        assertThat(ring.shrinkIdle()).isEqualTo(-1);
        assertThat(ring.tryClaim(SIZE)).as("nothing held").isEqualTo(SIZE - 1);
    }

    @Test
    void idleShrinkFreesGrownSlotsAndHandsEverySlotBackAsCompleted()
    {
        final long sequence = ring.tryClaim(1);
        ring.slot(sequence).beginEncode(200, pool, 256);
        ring.publish(sequence, sequence);
        ring.slot(sequence).clear(pool);
        ring.completed.set(sequence);
        assertThat(ring.slot(sequence).hasGrown()).isTrue();

        final long high = ring.shrinkIdle();

        assertThat(high).isEqualTo(sequence + SIZE);
        assertThat(ring.completed.get()).isEqualTo(high);
        for (int i = 0; i < SIZE; i++)
        {
            assertThat(ring.slot(i).hasGrown()).isFalse();
            assertThat(ring.isAvailable(high - i)).isTrue();
        }
        assertThat(ring.tryClaim(SIZE)).as("every slot free again").isEqualTo(high + SIZE);
    }

    @Test
    void idleShrinkBacksOffWhileAProducerHoldsASlot()
    {
        final long grown = ring.tryClaim(1);
        ring.slot(grown).beginEncode(200, pool, 256);
        ring.publish(grown, grown);
        ring.completed.set(grown);
        final long held = ring.tryClaim(1);

        assertThat(ring.shrinkIdle()).isEqualTo(-1);
        assertThat(ring.slot(grown).hasGrown()).isTrue();
        assertThat(ring.completed.get()).isEqualTo(grown);
        assertThat(ring.isAvailable(held)).isFalse();
    }
}
