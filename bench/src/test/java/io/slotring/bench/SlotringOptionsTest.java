package io.slotring.bench;

import io.slotring.cluster.ClusterConfig;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlotringOptionsTest
{
    @Test
    void parsesEveryIdleStrategyByItsOptionName()
    {
        assertThat(SlotringOptions.IoIdle.parse("selector")).isEqualTo(SlotringOptions.IoIdle.SELECTOR);
        assertThat(SlotringOptions.IoIdle.parse(" Backoff ")).isEqualTo(SlotringOptions.IoIdle.BACKOFF);
        assertThat(SlotringOptions.IoIdle.parse("busy-spin")).isEqualTo(SlotringOptions.IoIdle.BUSY_SPIN);
        assertThatThrownBy(() -> SlotringOptions.IoIdle.parse("yield"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("selector, backoff, busy-spin");
    }

    @Test
    void countsBusySpinAgentsAndSpinningWorkersOnly()
    {
        assertThat(SlotringOptions.DEFAULTS.spinningThreads(16)).isZero();
        assertThat(new SlotringOptions(4, SlotringOptions.IoIdle.BACKOFF, 0).spinningThreads(16)).isZero();
        assertThat(new SlotringOptions(2, SlotringOptions.IoIdle.BUSY_SPIN, 0).spinningThreads(16)).isEqualTo(2);
        assertThat(new SlotringOptions(0, SlotringOptions.IoIdle.SELECTOR, 100).spinningThreads(16)).isEqualTo(16);
        assertThat(new SlotringOptions(3, SlotringOptions.IoIdle.BUSY_SPIN, 100).spinningThreads(1)).isEqualTo(4);
    }

    @Test
    void warnsOnlyWhenSpinnersExceedTheCores()
    {
        final SlotringOptions spinning = new SlotringOptions(1, SlotringOptions.IoIdle.BUSY_SPIN, 1000);
        assertThat(spinning.oversubscription(1, 2)).as("1 agent + 1 worker on 2 cores").isNull();
        assertThat(spinning.oversubscription(16, 2))
            .contains("17 spinning thread(s)", "1 busy-spin I/O agent(s)", "16 worker(s) with --caller-spin 1000",
                "on 2 core(s)");
        assertThat(new SlotringOptions(4, SlotringOptions.IoIdle.BUSY_SPIN, 0).oversubscription(16, 2))
            .contains("4 spinning thread(s) (4 busy-spin I/O agent(s))");
        assertThat(SlotringOptions.DEFAULTS.oversubscription(4096, 1)).isNull();
    }

    @Test
    void describesDefaultsAsDefaultsAndRejectsBadValues()
    {
        assertThat(SlotringOptions.DEFAULTS.describe()).containsEntry("io_idle", "selector (default)")
            .containsEntry("caller_spin", 0);
        assertThat((String)SlotringOptions.DEFAULTS.describe().get("io_threads")).startsWith("default (");
        assertThat(new SlotringOptions(2, SlotringOptions.IoIdle.BUSY_SPIN, 50).describe())
            .containsEntry("io_threads", "2").containsEntry("io_idle", "busy-spin").containsEntry("caller_spin", 50);
        assertThat(new SlotringOptions(2, SlotringOptions.IoIdle.BACKOFF, 0).summary())
            .isEqualTo("io threads 2, I/O idle backoff, caller spin 0 (default)");
        assertThatThrownBy(() -> new SlotringOptions(-1, SlotringOptions.IoIdle.SELECTOR, 0))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SlotringOptions(0, SlotringOptions.IoIdle.SELECTOR, -1))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsTheLibraryDefaultAgentCountFromItsConfigText()
    {
        assertThat(SlotringOptions.libraryDefaultIoThreads("ClientConfig{address=x:1, ioThreads=3, ringSize=8}"))
            .isEqualTo(3);
        assertThat(SlotringOptions.libraryDefaultIoThreads("something else")).isEqualTo(1);
    }

    @Test
    void setsOnlyWhatWasAskedForOnTheConfig()
    {
        final ClusterConfig untouched = ClusterConfig.create();
        final String before = untouched.toString();
        SlotringOptions.DEFAULTS.applyTo(untouched);
        assertThat(untouched.toString()).isEqualTo(before);

        final ClusterConfig config = ClusterConfig.create();
        new SlotringOptions(3, SlotringOptions.IoIdle.BUSY_SPIN, 10).applyTo(config);
        assertThat(config.toString()).contains("ioThreads=3");
        assertThat(config.callerSpinTries()).isEqualTo(10);
        assertThat(config.ioIdleStrategy().get()).isInstanceOf(BusySpinIdleStrategy.class);
    }
}
