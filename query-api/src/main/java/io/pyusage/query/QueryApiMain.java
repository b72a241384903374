package io.pyusage.query;

import io.pyusage.common.service.Service;

/** Runs the QueryApi on its own, configured from environment variables (see the README). */
public final class QueryApiMain {

    private QueryApiMain() {
    }

    public static void main(String[] args) {
        Service.runStandalone(QueryApiService.NAME, new QueryApiService(Service.configuredOrExit("pyusage-query-api", args, QueryApiConfig::from)));
    }
}
