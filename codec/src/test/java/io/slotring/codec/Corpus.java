package io.slotring.codec;

import java.util.ArrayList;
import java.util.List;

/** A stream of replies covering every type and shape, one frame per entry. */
final class Corpus
{
    private Corpus()
    {
    }

    static List<String> replies()
    {
        final List<String> replies = new ArrayList<>();
        replies.add("+OK\r\n");
        replies.add("+\r\n");
        replies.add("-ERR unknown command 'FOO', with args beginning with: \r\n");
        replies.add(":0\r\n");
        replies.add(":-9223372036854775808\r\n");
        replies.add(":+12\r\n");
        replies.add("$5\r\nhello\r\n");
        replies.add("$0\r\n\r\n");
        replies.add("$-1\r\n");
        replies.add("$8\r\n\r\n\u0000\u00ff\r\r\n\n\r\n");
        replies.add("$300\r\n" + "0123456789".repeat(30) + "\r\n");
        replies.add("*-1\r\n");
        replies.add("*0\r\n");
        replies.add("*3\r\n$3\r\nfoo\r\n$-1\r\n$3\r\nbar\r\n");
        replies.add("*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n");
        replies.add("*1\r\n*1\r\n*1\r\n*1\r\n*0\r\n");
        replies.add("_\r\n");
        replies.add(",1.23\r\n");
        replies.add(",-inf\r\n");
        replies.add(",nan\r\n");
        replies.add(",1.5e+300\r\n");
        replies.add("#t\r\n");
        replies.add("#f\r\n");
        replies.add("!21\r\nSYNTAX invalid syntax\r\n");
        replies.add("=15\r\ntxt:Some string\r\n");
        replies.add("(3492890328409238509324850943850943825024385\r\n");
        replies.add("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n");
        replies.add("%0\r\n");
        replies.add("~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n");
        replies.add(">4\r\n+pubsub\r\n+message\r\n+somechannel\r\n+this is the message\r\n");
        replies.add("|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n*2\r\n:2039123\r\n:9543892\r\n");
        replies.add("|0\r\n|1\r\n+a\r\n_\r\n$1\r\nz\r\n");
        replies.add("*3\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n%1\r\n$1\r\nk\r\n~2\r\n_\r\n#f\r\n:3\r\n");
        replies.add(">3\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nfoo\r\n_\r\n");
        replies.add("+PONG\r\n");
        return replies;
    }

    static String stream()
    {
        return String.join("", replies());
    }

    static List<Integer> lengths()
    {
        final List<Integer> lengths = new ArrayList<>();
        for (final String reply : replies())
        {
            lengths.add(reply.length());
        }
        return lengths;
    }

    static List<String> dumps()
    {
        final List<String> dumps = new ArrayList<>();
        for (final String reply : replies())
        {
            dumps.add(Frames.dump(reply));
        }
        return dumps;
    }
}
