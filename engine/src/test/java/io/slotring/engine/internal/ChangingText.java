package io.slotring.engine.internal;

/**
 * A value that "changes while it is encoded": it answers {@code charAt} for one pass over its characters (the
 * engine's sizing pass, before the slot is claimed), then throws. The encoding after the claim fails, so the
 * engine aborts the claimed slot: published empty, skipped by the connection.
 */
final class ChangingText implements CharSequence
{
    private final String text;
    private int reads;

    ChangingText(final String text)
    {
        this.text = text;
        this.reads = text.length();
    }

    @Override
    public int length()
    {
        return text.length();
    }

    @Override
    public char charAt(final int index)
    {
        if (reads-- <= 0)
        {
            throw new IllegalStateException("changed while it was encoded");
        }
        return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(final int start, final int end)
    {
        return text.subSequence(start, end);
    }

    @Override
    public String toString()
    {
        return text;
    }
}
