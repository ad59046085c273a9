package io.slotring.engine.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import io.slotring.codec.RespReader;
import io.slotring.codec.internal.RespEncoder;
import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.RedisException;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.internal.ConnectionHarness.Recorder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.slotring.engine.internal.ConnectionHarness.Recorder.failed;
import static io.slotring.engine.internal.ConnectionHarness.Recorder.replied;
import static io.slotring.engine.internal.ConnectionHarness.resp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link CommandSlot} on its own: where a command's bytes live (in place, grown, spilled), what abort, clear,
 * shrink and detach give back, and how completion reaches a handler, a batch or a future exactly once.
 */
class CommandSlotTest
{
    private static final int CAPACITY = 64;
    private static final int GROWTH_LIMIT = 256;

    private final BufferPool pool = new BufferPool();
    private final ByteBuffer arena = ByteBuffer.allocateDirect(2 * CAPACITY);
    /** The second region of a two-slot arena, so "in place" is checked at a non-zero offset. */
    private final CommandSlot slot = new CommandSlot(arena, CAPACITY, CAPACITY);
    private final Recorder recorder = new Recorder();

    @AfterEach
    void close()
    {
        slot.shrink();
        pool.close();
    }

    private static String encode(final CommandSlot target, final BufferPool pool, final int growthLimit,
        final String... args)
    {
        final String expected = resp(args);
        final RespEncoder encoder = target.beginEncode(expected.length(), pool, growthLimit);
        encoder.arrayHeader(args.length);
        for (final String arg : args)
        {
            encoder.bulk(arg);
        }
        assertThat(encoder.length()).isEqualTo(expected.length());
        return expected;
    }

    private static String sent(final ByteBuffer view)
    {
        final byte[] bytes = new byte[view.remaining()];
        view.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static RespReader reply(final String frame)
    {
        final byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
        final RespReader reader = new RespReader().wrap(new UnsafeBuffer(bytes), 0, bytes.length);
        reader.nextValue();
        return reader;
    }

    @Test
    void aSmallCommandIsEncodedInPlaceInItsRegionOfTheArena()
    {
        final String expected = encode(slot, pool, GROWTH_LIMIT, "GET", "key");

        assertThat(sent(slot.sendView(0))).isEqualTo(expected);
        assertThat(sent(slot.sendView(5))).as("resumes after a partial write").isEqualTo(expected.substring(5));
        final byte[] inArena = new byte[expected.length()];
        arena.duplicate().position(CAPACITY).get(inArena);
        assertThat(new String(inArena, StandardCharsets.US_ASCII)).isEqualTo(expected);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        slot.wrapEncoded(view);
        assertThat(view.getStringWithoutLengthAscii(0, view.capacity())).isEqualTo(expected);
        assertThat(slot.hasGrown()).isFalse();
    }

    @Test
    void aLargerCommandGrowsTheSlotWhichKeepsTheRegionForTheNextUntilShrunk()
    {
        final String grown = encode(slot, pool, GROWTH_LIMIT, "SET", "k", "g".repeat(150));
        final ByteBuffer region = slot.sendView(0);
        assertThat(sent(region)).isEqualTo(grown);
        assertThat(region.capacity()).as("a power of two, at most the limit").isEqualTo(256);
        assertThat(slot.hasGrown()).isTrue();

        encode(slot, pool, GROWTH_LIMIT, "SET", "k", "h".repeat(200));
        assertThat(slot.sendView(0)).as("reused, not reallocated").isSameAs(region);

        final String small = encode(slot, pool, GROWTH_LIMIT, "GET", "k");
        assertThat(slot.sendView(0)).isNotSameAs(region);
        assertThat(sent(slot.sendView(0))).isEqualTo(small);
        assertThat(slot.hasGrown()).as("kept while busy").isTrue();

        assertThat(slot.shrink()).isTrue();
        assertThat(slot.hasGrown()).isFalse();
        assertThat(slot.shrink()).isFalse();
        assertThat(sent(slot.sendView(0))).isEqualTo(small);
    }

    @Test
    void aCommandBeyondTheGrowthLimitSpillsIntoAPooledBufferThatClearGivesBack()
    {
        final String expected = encode(slot, pool, GROWTH_LIMIT, "SET", "k", "s".repeat(600));
        final ByteBuffer spill = slot.sendView(0);
        assertThat(sent(spill)).isEqualTo(expected);
        assertThat(slot.hasGrown()).isFalse();

        slot.clear(pool);
        assertThat(pool.acquire(expected.length())).as("back in the pool").isSameAs(spill);
    }

    @Test
    void abortGivesBackTheSpillAndLeavesAnEmptyCommandThatOwesNothing()
    {
        encode(slot, pool, GROWTH_LIMIT, "SET", "k", "s".repeat(600));
        final ByteBuffer spill = slot.sendView(0);
        slot.kind = CommandSlot.KIND_HANDLER;
        slot.handler = recorder;

        slot.abort(pool);

        assertThat(slot.kind).isEqualTo(CommandSlot.KIND_ABORTED);
        assertThat(slot.length).isZero();
        assertThat(slot.sendView(0).remaining()).isZero();
        slot.complete(reply("+OK\r\n"));
        slot.fail(new RedisConnectionException("lost", true, null));
        assertThat(recorder.events).isEmpty();
        assertThat(pool.acquire(600)).isSameAs(spill);
    }

    @Test
    void completionReachesTheHandlerAndCountsTheBatchDownEvenWhenTheHandlerThrows()
    {
        final CommandBatch batch = new CommandBatch(recorder, null);
        batch.onSubmit(null);
        batch.onSubmit(null);
        batch.onSubmit(null);
        encode(slot, pool, GROWTH_LIMIT, "GET", "k");
        slot.kind = CommandSlot.KIND_HANDLER;
        slot.handler = recorder;
        slot.batch = batch;
        slot.token = 9;

        slot.complete(reply("+OK\r\n"));
        slot.fail(new RedisConnectionException("lost", true, null));
        assertThat(recorder.events).containsExactly(replied(9, "+OK\r\n"), failed(9, "RedisConnectionException", true));
        assertThat(batch.outstanding()).isEqualTo(1);

        slot.handler = new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                throw new IllegalStateException("handler bug");
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                throw new IllegalStateException("handler bug");
            }
        };
        assertThatThrownBy(() -> slot.complete(reply("+OK\r\n"))).hasMessage("handler bug");
        assertThat(batch.outstanding()).isZero();
        assertThat(batch.isComplete()).isTrue();
    }

    @Test
    void aFutureGetsTheConvertedValueTheServerErrorOrTheConverterFailure()
    {
        slot.kind = CommandSlot.KIND_FUTURE;
        slot.converter = ReplyConverters.STRING;

        final CompletableFuture<Object> value = new CompletableFuture<>();
        slot.future = value;
        slot.complete(reply("$2\r\nhi\r\n"));
        assertThat(value).isCompletedWithValue("hi");

        final CompletableFuture<Object> error = new CompletableFuture<>();
        slot.future = error;
        slot.complete(reply("-WRONGTYPE no\r\n"));
        assertThat(error).isCompletedExceptionally();
        assertThatThrownBy(error::join).hasCauseInstanceOf(RedisServerException.class);

        final CompletableFuture<Object> broken = new CompletableFuture<>();
        slot.future = broken;
        slot.converter = reply ->
        {
            throw new ArithmeticException("converter bug at " + reply.longValue());
        };
        slot.complete(reply(":1\r\n"));
        assertThatThrownBy(broken::join).hasCauseInstanceOf(ArithmeticException.class);

        final CompletableFuture<Object> lost = new CompletableFuture<>();
        slot.future = lost;
        slot.fail(new RedisConnectionException("lost", true, null));
        assertThatThrownBy(lost::join).hasCauseInstanceOf(RedisConnectionException.class);
    }

    @Test
    void anInternalCommandCompletesNobody()
    {
        slot.kind = CommandSlot.KIND_INTERNAL;
        slot.complete(reply("+OK\r\n"));
        slot.fail(new RedisConnectionException("lost", true, null));
        assertThat(slot.kind).isEqualTo(CommandSlot.KIND_INTERNAL);
    }

    @Test
    void exactlyOneSideTakesTheFinalCompletionOfEachUse()
    {
        encode(slot, pool, GROWTH_LIMIT, "GET", "k");
        assertThat(slot.tryTakeFinal()).isTrue();
        assertThat(slot.tryTakeFinal()).isFalse();

        encode(slot, pool, GROWTH_LIMIT, "GET", "k");
        slot.markFinal();
        assertThat(slot.tryTakeFinal()).as("the agent finished it first").isFalse();

        encode(slot, pool, GROWTH_LIMIT, "GET", "k");
        assertThat(slot.tryTakeFinal()).as("a new use starts open").isTrue();
    }

    @Test
    void clearDropsTheCompletionSoTheSlotCanBeReused()
    {
        encode(slot, pool, GROWTH_LIMIT, "GET", "k");
        slot.kind = CommandSlot.KIND_HANDLER;
        slot.handler = recorder;
        slot.token = 3;
        slot.commandName = "GET";
        slot.redirects = 2;
        slot.retries = 1;
        slot.routeSlot = 77;

        slot.clear(pool);

        assertThat(slot.kind).isZero();
        assertThat(slot.handler).isNull();
        assertThat(slot.batch).isNull();
        assertThat(slot.future).isNull();
        assertThat(slot.commandName).isNull();
        assertThat(slot.token).isZero();
        assertThat(slot.redirects).isZero();
        assertThat(slot.retries).isZero();
        assertThat(slot.routeSlot).isEqualTo(-1);
    }

    @Test
    void aDetachedCopyOwnsItsBytesAndCompletionWhileTheRingSlotIsReused()
    {
        final String expected = encode(slot, pool, GROWTH_LIMIT, "GET", "k");
        slot.kind = CommandSlot.KIND_HANDLER;
        slot.handler = recorder;
        slot.token = 4;
        slot.commandName = "GET";
        slot.deadlineNs = 123;
        slot.redirects = 1;
        slot.routeSlot = 5;

        final CommandSlot detached = slot.detach(pool);
        slot.clear(pool);
        encode(slot, pool, GROWTH_LIMIT, "SET", "other", "value");

        assertThat(sent(detached.sendView(0))).isEqualTo(expected);
        assertThat(detached.token).isEqualTo(4);
        assertThat(detached.deadlineNs).isEqualTo(123);
        assertThat(detached.redirects).isEqualTo(1);
        assertThat(detached.routeSlot).isEqualTo(5);
        detached.complete(reply("+OK\r\n"));
        assertThat(recorder.events).containsExactly(replied(4, "+OK\r\n"));
        detached.releaseDetached(pool);
        assertThat(detached.handler).isNull();
    }
}
