package io.pyusage.common.clickhouse;

import io.pyusage.common.service.Service;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code pyusage-migrate}: applies the schema migrations not yet applied, under {@link SchemaLock},
 * as a user that may change the schema, and says what it did. The services never migrate; each
 * checks the version at start ({@link SchemaCheck}).
 *
 * <p>Options: {@code --status} only reports (exit 0 when the schema is current, 3 when not);
 * {@code --unlock} removes the lock a crashed run left; {@code --wait-seconds N} (default 600) waits
 * for a run that holds the lock; {@code --env-file FILE} as for the services.
 */
public final class MigrateMain {

    static final String PROGRAM = "pyusage-migrate";
    private static final int NOT_CURRENT = 3;

    private MigrateMain() {
    }

    public static void main(String[] args) {
        List<String> envArguments = new ArrayList<>();
        String action = "migrate";
        Duration wait = Duration.ofMinutes(10);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--status" -> action = "status";
                case "--unlock" -> action = "unlock";
                case "--wait-seconds" -> wait = Duration.ofSeconds(i + 1 < args.length && args[i + 1].matches("\\d{1,6}")
                        ? Long.parseLong(args[++i]) : usage("--wait-seconds needs a number of seconds"));
                case "-h", "--help" -> {
                    System.out.println("usage: " + PROGRAM + " [--status | --unlock] [--wait-seconds N] [--env-file FILE]");
                    return;
                }
                default -> envArguments.add(args[i]);
            }
        }
        ClickHouseConfig config = Service.configuredOrExit(PROGRAM, envArguments.toArray(String[]::new), env -> {
            ClickHouseConfig read = ClickHouseConfig.from(env);
            env.validate();
            return read;
        });
        try {
            System.exit(run(config, action, wait));
        } catch (RuntimeException e) {
            System.err.println(PROGRAM + ": " + e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            System.exit(1);
        }
    }

    private static long usage(String problem) {
        System.err.println(PROGRAM + ": " + problem);
        System.exit(2);
        return 0;
    }

    /** Runs one action and returns the exit status; what it did goes to standard output. */
    static int run(ClickHouseConfig config, String action, Duration wait) throws InterruptedException {
        String where = "ClickHouse database " + config.database() + " at " + config.url();
        if ("status".equals(action)) {
            try (ClickHouseStore store = new ClickHouseStore(config)) {
                SchemaCheck.Verdict verdict = SchemaCheck.verdict(store, SchemaMigrations.LATEST);
                System.out.println(where + ": schema version " + verdict.version() + ", this release's is " + SchemaMigrations.LATEST);
                return verdict instanceof SchemaCheck.Current ? 0 : NOT_CURRENT;
            }
        }
        if ("unlock".equals(action)) {
            try (ClickHouseStore store = new ClickHouseStore(config)) {
                System.out.println(where + ": " + (SchemaLock.release(store) ? "removed the schema lock" : "there was no schema lock"));
                return 0;
            }
        }
        MigrationRun run = SchemaMigrations.migrate(config, holder(), wait);
        System.out.println(run.describe(where));
        return 0;
    }

    /** Who takes the lock: this account, host and process, for the message of a run that waits on it. */
    private static String holder() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "an unknown host";
        }
        return PROGRAM + " run by " + System.getProperty("user.name") + " on " + host + ", process " + ProcessHandle.current().pid();
    }
}
