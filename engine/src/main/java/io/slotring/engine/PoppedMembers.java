package io.slotring.engine;

import java.util.List;

/**
 * What BZMPOP (and ZMPOP) popped: the sorted set it popped from and the members with their scores, in pop order.
 *
 * @param key     the sorted set the members came from (the first non-empty one of the keys given).
 * @param members the popped members, at least one; immutable.
 */
public record PoppedMembers(String key, List<ScoredMember> members)
{
    /**
     * @param key     the sorted set the members came from.
     * @param members the popped members; copied.
     */
    public PoppedMembers
    {
        members = List.copyOf(members);
    }

    /**
     * A sorted set member and its score.
     *
     * @param member the member.
     * @param score  its score.
     */
    public record ScoredMember(String member, double score)
    {
    }
}
