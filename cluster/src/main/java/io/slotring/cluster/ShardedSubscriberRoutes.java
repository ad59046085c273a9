package io.slotring.cluster;

import java.util.IdentityHashMap;
import java.util.Map;

import io.slotring.codec.RespReader;
import io.slotring.engine.Subscription;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.engine.internal.Subscriber;

/**
 * Where the cluster's subscriptions go: a shard channel to its slot's master in the current topology, a channel or
 * a pattern to any master (PUBLISH reaches every node). A {@code MOVED} answer to SSUBSCRIBE patches the slot table
 * the commands use too, and any failure asks for a refresh, so subscriptions follow the same view of the cluster
 * as the commands. Called on the subscriber thread only.
 */
final class ShardedSubscriberRoutes implements Subscriber.Routes
{
    private final ClusterRouter router;
    /** Addresses by endpoint, so a route asked on every tick allocates nothing. Subscriber thread only. */
    private final Map<NodeEndpoint, Subscriber.NodeAddress> addresses = new IdentityHashMap<>();
    /** Reads error replies in place; subscriber thread only. */
    private final RedirectReply redirect = new RedirectReply();

    ShardedSubscriberRoutes(final ClusterRouter router)
    {
        this.router = router;
    }

    @Override
    public Subscriber.NodeAddress route(final Subscription.Kind kind, final int slot)
    {
        final Topology topology = router.topology();
        final NodeEndpoint node = kind == Subscription.Kind.SHARD ? topology.master(slot) :
            ClusterRouter.anyMaster(topology);
        if (node == null)
        {
            return null;
        }
        Subscriber.NodeAddress address = addresses.get(node);
        if (address == null)
        {
            if (addresses.size() > 1024)
            {
                addresses.clear();
            }
            address = new Subscriber.NodeAddress(node.host(), node.port());
            addresses.put(node, address);
        }
        return address;
    }

    /**
     * MOVED patches the table the commands use too (the host left out means the answering node) and asks for a
     * refresh; ASK, TRYAGAIN, CLUSTERDOWN and MASTERDOWN pass with time; a MOVED whose address does not parse is
     * waited out the same way (the refresh will name the owner).
     */
    @Override
    public int onErrorReply(final RespReader error, final String answeringHost)
    {
        final RedirectReply reply = redirect.wrap(error);
        switch (reply.kind())
        {
            case RedirectReply.MOVED:
                if (!reply.isRedirect())
                {
                    router.requestRefresh();
                    return RETRY_LATER;
                }
                router.patch(reply, answeringHost);
                router.requestRefresh();
                return PLACE_AGAIN;

            case RedirectReply.ASK:
            case RedirectReply.TRYAGAIN:
            case RedirectReply.CLUSTERDOWN:
            case RedirectReply.LOADING:
            case RedirectReply.MASTERDOWN:
                return RETRY_LATER;

            default:
                return NOT_ROUTING;
        }
    }

    @Override
    public void refresh()
    {
        router.requestRefresh();
    }
}
