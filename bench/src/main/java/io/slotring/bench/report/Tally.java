package io.slotring.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Weights per key (a method, an allocation site), split by thread role, for the profile's top-N tables.
 */
final class Tally
{
    private final Map<String, Row> rows = new HashMap<>();
    private long total;
    private long count;

    /**
     * @param key    what is counted.
     * @param role   a {@link ThreadRoles} role.
     * @param weight 1 for a sample, bytes for an allocation sample.
     */
    void add(final String key, final String role, final long weight)
    {
        rows.computeIfAbsent(key, Row::new).add(role, weight);
        total += weight;
        count++;
    }

    /** Adds weight to the key without counting it towards {@link #total()}: inclusive time counts a stack once. */
    void addInclusive(final String key, final String role)
    {
        rows.computeIfAbsent(key, Row::new).add(role, 1);
    }

    /** Counts one stack for {@link #total()} when only {@link #addInclusive} was called for it. */
    void countStack()
    {
        total++;
        count++;
    }

    long total()
    {
        return total;
    }

    /** @return how many times something was added (samples, not weight). */
    long count()
    {
        return count;
    }

    List<Row> top(final int n)
    {
        final List<Row> sorted = new ArrayList<>(rows.values());
        sorted.sort(Comparator.comparingLong((Row row) -> row.weight).reversed().thenComparing(row -> row.key));
        return sorted.subList(0, Math.min(n, sorted.size()));
    }

    /** One key's weight, overall and per role, and how many events added to it. */
    static final class Row
    {
        final String key;
        long weight;
        long events;
        final Map<String, Long> byRole = new HashMap<>();

        Row(final String key)
        {
            this.key = key;
        }

        void add(final String role, final long w)
        {
            weight += w;
            events++;
            byRole.merge(role, w, Long::sum);
        }

        long role(final String role)
        {
            return byRole.getOrDefault(role, 0L);
        }
    }
}
