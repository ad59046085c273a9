package io.slotring.engine;

import java.util.List;

/**
 * What BLMPOP (and LMPOP) popped: the list it popped from and the elements, in pop order.
 *
 * @param key      the list the elements came from (the first non-empty one of the keys given).
 * @param elements the popped elements, at least one; immutable.
 */
public record PoppedElements(String key, List<String> elements)
{
    /**
     * @param key      the list the elements came from.
     * @param elements the popped elements; copied.
     */
    public PoppedElements
    {
        elements = List.copyOf(elements);
    }
}
