package io.slotring.engine.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.codec.internal.CommandHeader;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.slotring.engine.internal.ConnectionHarness.HELLO;
import static io.slotring.engine.internal.ConnectionHarness.HELLO_REPLY;
import static io.slotring.engine.internal.ConnectionHarness.resp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine's side of routing: it offers exactly the error replies the {@link RedirectHandler} asks for (it knows
 * no redirect by name), sends a routing layer's pre-command (ASKING) in the slot right before the re-sent command,
 * counts what the handler says the reply was, and sends post-handshake commands (READONLY) it does not interpret.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RedirectPreCommandTest
{
    /** A routing layer's pre-command, as the cluster module defines its ASKING. */
    private static final CommandHeader ASKING = CommandHeader.of(1, "ASKING");
    private static final CommandHeader READONLY = CommandHeader.of(1, "READONLY");
    private static final CommandHeader TRACKING = CommandHeader.of(1, "CLIENT-NOOP");

    private final List<String> offered = new CopyOnWriteArrayList<>();
    private final List<String> replies = new CopyOnWriteArrayList<>();
    private final List<RedisException> failures = new CopyOnWriteArrayList<>();
    private final ReplyHandler recorder = new ReplyHandler()
    {
        @Override
        public void onReply(final long token, final RespReader reply)
        {
            replies.add(ConnectionHarness.render(reply));
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            failures.add(error);
        }
    };
    /** Where the handler re-sends what it takes, and with which pre-command. */
    private NodeEndpoint target;
    private CommandHeader preCommand;
    private boolean countAsAsk;
    private ConnectionHarness harness;
    private final List<ConnectionHarness.Node> extraNodes = new CopyOnWriteArrayList<>();

    /** Wants only errors starting "REDIRECT-ME": no name of the engine's own is involved. */
    private final RedirectHandler handler = new RedirectHandler()
    {
        @Override
        public boolean wantsReply(final RespReader errorReply)
        {
            return errorReply.contentStartsWith(ConnectionHarness.bytes("REDIRECT-ME"));
        }

        @Override
        public boolean onRedirect(final RedirectedCommand command, final RespReader error)
        {
            offered.add(command.commandName() + " <- " + error.stringValue());
            if (countAsAsk)
            {
                command.countAsAsk();
            }
            return command.resubmit(target, preCommand);
        }

        @Override
        public void onRetryDue(final RedirectedCommand command)
        {
        }
    };

    @AfterEach
    void close()
    {
        for (final ConnectionHarness.Node node : extraNodes)
        {
            node.shutdown();
            node.connection.free();
        }
        if (harness != null)
        {
            harness.close();
            assertThat(harness.errors).isEmpty();
        }
    }

    @Test
    void aPreCommandPrecedesTheResentCommandInTheSameWriteAndItsReplyGoesNowhere()
    {
        harness = new ConnectionHarness(config -> config, handler);
        final ConnectionHarness.Node source = harness.connectedNode();
        final ConnectionHarness.Node other = harness.connectedNode();
        target = other.endpoint;
        preCommand = ASKING;
        countAsAsk = true;

        assertThat(source.get("k", recorder, 1)).isNotNegative();
        source.drive();
        assertThat(source.channel.writtenString()).isEqualTo(resp("GET", "k"));
        source.channel.feed("-REDIRECT-ME 1 there\r\n");
        source.readAll();

        assertThat(offered).containsExactly("GET <- REDIRECT-ME 1 there");
        other.drive();
        assertThat(other.channel.writtenString()).as("ASKING right before the command, nothing between")
            .isEqualTo(resp("ASKING") + resp("GET", "k"));
        other.channel.feed("+OK\r\n$1\r\nv\r\n");
        other.readAll();
        assertThat(replies).as("the command's reply, not ASKING's").containsExactly("$v");
        assertThat(failures).isEmpty();
        assertThat(source.connection.counters.asked).as("counted as the handler said").isEqualTo(1);
        assertThat(source.connection.counters.retryReplies).isZero();
    }

    @Test
    void aFailedPreCommandDoesNotFailTheCommandBehindIt()
    {
        harness = new ConnectionHarness(config -> config, handler);
        final ConnectionHarness.Node source = harness.connectedNode();
        final ConnectionHarness.Node other = harness.connectedNode();
        target = other.endpoint;
        preCommand = ASKING;

        source.get("k", recorder, 1);
        source.drive();
        source.channel.feed("-REDIRECT-ME\r\n");
        source.readAll();
        other.drive();
        other.channel.feed("-ERR unknown command 'ASKING'\r\n$1\r\nv\r\n");
        other.readAll();

        assertThat(replies).containsExactly("$v");
        assertThat(source.connection.counters.retryReplies).as("not named: a retry reply").isEqualTo(1);
    }

    @Test
    void withoutAPreCommandOnlyTheCommandIsResent()
    {
        harness = new ConnectionHarness(config -> config, handler);
        final ConnectionHarness.Node source = harness.connectedNode();
        final ConnectionHarness.Node other = harness.connectedNode();
        target = other.endpoint;

        source.get("k", recorder, 1);
        source.drive();
        source.channel.feed("-REDIRECT-ME\r\n");
        source.readAll();
        other.drive();
        assertThat(other.channel.writtenString()).isEqualTo(resp("GET", "k"));
    }

    @Test
    void errorsTheHandlerDoesNotWantReachTheCallerAsTheyAre()
    {
        harness = new ConnectionHarness(config -> config, handler);
        final ConnectionHarness.Node source = harness.connectedNode();

        source.get("k", recorder, 1);
        source.get("k", recorder, 2);
        source.drive();
        // A cluster redirect means nothing to the engine unless the handler asks for it.
        source.channel.feed("-MOVED 3999 127.0.0.1:6381\r\n-ASK 1 127.0.0.1:6381\r\n");
        source.readAll();

        assertThat(offered).isEmpty();
        assertThat(replies).hasSize(2);
        assertThat(replies.get(0)).contains("MOVED 3999 127.0.0.1:6381");
        assertThat(replies.get(1)).contains("ASK 1 127.0.0.1:6381");
    }

    @Test
    void postHandshakeCommandsFollowTheHandshakeInOrderBeforeAnyCommand()
    {
        harness = new ConnectionHarness();
        final ConnectionHarness.Node node = node(READONLY, TRACKING);
        node.get("k", recorder, 1);
        node.adopt();
        node.drive();
        assertThat(node.channel.writtenString()).isEqualTo(HELLO);
        node.channel.clearWritten();
        node.channel.feed(HELLO_REPLY);
        node.readAll();
        node.drive();
        assertThat(node.channel.writtenString()).isEqualTo(resp("READONLY"));
        assertThat(node.connection.isReady()).isFalse();
        assertThat(node.connection.progress()).contains("READONLY");
        node.channel.clearWritten();
        node.channel.feed("+OK\r\n");
        node.readAll();
        node.drive();
        assertThat(node.channel.writtenString()).isEqualTo(resp("CLIENT-NOOP"));
        node.channel.clearWritten();
        node.channel.feed("+OK\r\n");
        node.readAll();
        assertThat(node.connection.isReady()).as("ready after the last post-handshake command").isTrue();
        node.drive();
        assertThat(node.channel.writtenString()).as("the queued command only now").isEqualTo(resp("GET", "k"));
    }

    @Test
    void aRefusedPostHandshakeCommandFailsTheConnectNamingItAndTheServersError()
    {
        harness = new ConnectionHarness();
        final ConnectionHarness.Node node = node(READONLY);
        node.adopt();
        node.drive();
        node.channel.feed(HELLO_REPLY);
        node.readAll();
        node.drive();
        node.channel.feed("-ERR This instance has cluster support disabled\r\n");
        node.readAll();

        assertThat(node.connection.isReady()).isFalse();
        assertThat(node.endpoint.isRefused()).isTrue();
        assertThat(node.endpoint.lastError()).contains("handshake refused: READONLY: ERR This instance has " +
            "cluster support disabled");
        harness.errors.clear();
    }

    @Test
    void onlyWholeCommandsCanBePreCommands()
    {
        harness = new ConnectionHarness();
        assertThatThrownBy(() -> harness.runtime.endpoint("127.0.0.1", 1, false, CommandHeader.of(2, "GET")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("GET announcing 2 elements");
        assertThat(Handshake.checkedCommands(null)).isEmpty();
    }

    private ConnectionHarness.Node node(final CommandHeader... postHandshake)
    {
        final ConnectionHarness.Node node = harness.new Node(
            new NodeEndpoint(harness.runtime, "127.0.0.1", 7000 + extraNodes.size(), true, postHandshake));
        extraNodes.add(node);
        return node;
    }
}
