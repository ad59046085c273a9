package io.slotring.launcher;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterViewTest
{

    @Test
    void parsesNodesIgnoringOpenMigrations()
    {
        String text = ""
                + "aaaaaaaaaa 127.0.0.1:20001@30001 myself,master - 0 0 1 connected 0-99 101-200 [100->-bbbbbbbbbb]\n"
                + "bbbbbbbbbb 127.0.0.1:20002@30002,host master - 0 1 2 connected 100 201-16383\n"
                + "cccccccccc 127.0.0.1:20003@30003 slave,fail? aaaaaaaaaa 0 1 1 connected\n";
        ClusterView view = ClusterView.parse(text);
        assertThat(view.self().id).isEqualTo("aaaaaaaaaa");
        assertThat(view.ownerOf(100)).isEqualTo("bbbbbbbbbb");
        assertThat(view.ownerOf(150)).isEqualTo("aaaaaaaaaa");
        assertThat(view.byId("bbbbbbbbbb").port).isEqualTo(20002);
        assertThat(view.byId("cccccccccc").isHealthy()).isFalse();
        assertThat(view.byId("cccccccccc").masterId).isEqualTo("aaaaaaaaaa");
        assertThat(view.slotMap()).isEqualTo("0-99=aaaaaaaa 100-100=bbbbbbbb 101-200=aaaaaaaa 201-16383=bbbbbbbb");
    }

    @Test
    void masterAddressesAreTheHealthyMastersWithTheirAnnouncedHosts()
    {
        String text = ""
                + "aaaaaaaaaa 10.0.0.2:7001@17001 myself,master - 0 0 1 connected 0-5000\n"
                + "bbbbbbbbbb 10.0.0.1:7002@17002,node-b master - 0 1 2 connected 5001-10000\n"
                + "cccccccccc 10.0.0.3:7003@17003 master,fail - 0 1 3 connected\n"
                + "dddddddddd :7004@17004 master,handshake - 0 1 0 connected\n"
                + "eeeeeeeeee 10.0.0.5:7005@17005 slave aaaaaaaaaa 0 1 1 connected\n";
        assertThat(ClusterView.parse(text).masterAddresses()).containsExactly("10.0.0.1:7002", "10.0.0.2:7001");
    }

    @Test
    void slotOfMatchesRedisCrc16AndHashTags()
    {
        assertThat(LocalRedisCluster.slotOf("123456789")).isEqualTo(0x31C3);
        assertThat(LocalRedisCluster.slotOf("{user1000}.following")).isEqualTo(LocalRedisCluster.slotOf("user1000"));
        assertThat(LocalRedisCluster.slotOf("foo{}{bar}")).isEqualTo(LocalRedisCluster.slotOf("foo{}{bar}"));
        assertThat(LocalRedisCluster.slotOf("foo{{bar}}zap")).isEqualTo(LocalRedisCluster.slotOf("{bar"));
    }

    @Test
    void quotesConfigValuesOnlyWhenNeeded()
    {
        assertThat(RedisConfig.quote("yes")).isEqualTo("yes");
        assertThat(RedisConfig.quote("")).isEqualTo("\"\"");
        assertThat(RedisConfig.quote("a b")).isEqualTo("\"a b\"");
        assertThat(RedisConfig.quote("q\"\\")).isEqualTo("\"q\\\"\\\\\"");
    }
}
