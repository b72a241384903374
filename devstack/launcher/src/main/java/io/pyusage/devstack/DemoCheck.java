package io.pyusage.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.record.StartupRecordCodec;
import java.io.IOException;

/** Reads the query API's answer for a package: how many starts its users add up to. */
public final class DemoCheck {

    private DemoCheck() {
    }

    public static long startsIn(String packageUsersJson) throws IOException {
        JsonNode users = StartupRecordCodec.mapper().readTree(packageUsersJson).path("users");
        long starts = 0;
        for (JsonNode user : users) {
            starts += user.path("starts").asLong();
        }
        return starts;
    }
}
