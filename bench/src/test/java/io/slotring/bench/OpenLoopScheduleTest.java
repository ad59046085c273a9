package io.slotring.bench;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenLoopScheduleTest
{
    @Test
    void oneWorkerGetsTheWholeRateEvenlySpaced()
    {
        final OpenLoopSchedule schedule = new OpenLoopSchedule(1_000, 1_000, 1, 0);
        assertThat(schedule.intended(0)).isEqualTo(1_000);
        assertThat(schedule.intended(1)).isEqualTo(1_001_000);
        assertThat(schedule.intended(1000)).isEqualTo(1_000_001_000L);
    }

    @Test
    void workersAreStaggeredSoTheMergedLoadIsOneCommandPerInterval()
    {
        final int workers = 4;
        final long rate = 4_000;
        final List<Long> merged = new ArrayList<>();
        for (int w = 0; w < workers; w++)
        {
            final OpenLoopSchedule schedule = new OpenLoopSchedule(0, rate, workers, w);
            for (int k = 0; k < 10; k++)
            {
                merged.add(schedule.intended(k));
            }
        }
        merged.sort(null);
        for (int i = 0; i < merged.size(); i++)
        {
            assertThat(merged.get(i)).as("command %d", i).isEqualTo(i * 250_000L);
        }
    }

    @Test
    void dueCountsEverythingWhoseTimeHasComeUpToTheBatch()
    {
        final OpenLoopSchedule schedule = new OpenLoopSchedule(0, 1_000_000, 1, 0);
        assertThat(schedule.due(0, -1, 64)).as("not yet").isZero();
        assertThat(schedule.due(0, 0, 64)).isEqualTo(1);
        assertThat(schedule.due(0, 4_999, 64)).isEqualTo(5);
        assertThat(schedule.due(0, 5_000, 64)).isEqualTo(6);
        assertThat(schedule.due(10, 1_000_000, 64)).as("far behind: capped at the batch").isEqualTo(64);
        assertThat(schedule.due(0, 1_000_000, 1)).isEqualTo(1);
    }

    @Test
    void rejectsAScheduleThatCannotExist()
    {
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 10, 2, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
