package io.pyusage.bench;

import io.pyusage.common.record.InstalledPackage;
import io.pyusage.common.record.StartupRecord;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A realistic population of Python starts, the same for every run of a seed: users of very unequal
 * activity (Zipf), CI accounts that start Python far more often than people, workstations and shared
 * cluster nodes, four base versions whose shares shift over the year (the oldest fading, the newest
 * growing), environments of 100 to 300 packages drawn from a catalogue with Zipf-like popularity,
 * and environments that change now and then (a package upgraded), so that package sets repeat across
 * thousands of starts yet keep appearing.
 */
final class SyntheticYear {

    /**
     * What to generate.
     *
     * @param firstDay     the first day with starts
     * @param days         how many days
     * @param startsPerDay starts on an average day
     * @param users        people and CI accounts
     * @param hosts        workstations and cluster nodes
     * @param packages     the package catalogue
     * @param environments environments at the start (more appear as they change)
     * @param seed         the same seed gives the same starts
     */
    record Settings(LocalDate firstDay, int days, int startsPerDay, int users, int hosts, int packages, int environments, long seed) {

        /**
         * The issue-sized population (40,000 starts a day, 2,000 users, 5,000 hosts, 3,000 packages,
         * 20,000 environments) over the {@code days} days up to yesterday.
         */
        static Settings lastDays(int days) {
            return new Settings(LocalDate.now(ZoneOffset.UTC).minusDays(days), days, 40_000, 2_000, 5_000, 3_000, 20_000, 2026);
        }

        /** Another population of the same size but with only {@code fewer} environments. */
        Settings otherPopulation(long otherSeed, int fewer) {
            return new Settings(firstDay, days, startsPerDay, users, hosts, packages, fewer, otherSeed);
        }
    }

    private static final String[][] BASES = {{"2020.11", "3.8.6"}, {"2022.06", "3.9.13"}, {"2023.06", "3.11.4"}, {"2024.11", "3.12.7"}};
    private static final String[] WELL_KNOWN = {"numpy", "pandas", "scipy", "matplotlib", "requests", "six", "urllib3", "certifi",
            "idna", "charset-normalizer", "python-dateutil", "pytz", "setuptools", "pip", "wheel", "packaging", "pyyaml", "jinja2",
            "markupsafe", "click", "attrs", "pytest", "pluggy", "iniconfig", "tomli", "typing-extensions", "pillow", "scikit-learn",
            "joblib", "threadpoolctl", "h5py", "netcdf4", "xarray", "dask", "toolz", "cloudpickle", "fsspec", "sqlalchemy", "psutil",
            "tqdm", "ipython", "jupyterlab", "notebook", "traitlets", "tornado", "pyzmq", "numba", "llvmlite", "sympy", "mpmath",
            "networkx", "seaborn", "statsmodels", "patsy", "torch", "tensorflow", "keras", "protobuf", "grpcio", "cryptography"};
    private static final String[] SCRIPTS = {"analysis.py", "run_model.py", "plot.py", "convert.py", "train.py", "submit.py"};
    /** Share of a day's environments that change (one package upgraded), about 0.3 %. */
    private static final double DAILY_CHANGE = 0.003;

    private final Settings settings;
    private final Random random;
    private final String[] packageNames;
    private final String[][] packageVersions;
    private final Zipf packagePopularity;
    /** Each package's place in the catalogue: the lower, the more popular. */
    private final java.util.Map<String, Integer> catalogueRank = new java.util.HashMap<>();
    private final Zipf userActivity;
    private final String[] users;
    private final boolean[] ci;
    private final String[] workstations;
    private final String[] clusterNodes;
    /** Environments of each user, by base: userEnvironments[user][base] -> indexes into environments. */
    private final int[][][] userEnvironments;
    private final List<Environment> environments = new ArrayList<>();

    /** One environment as it is now; {@code packages} is replaced when it changes. */
    private static final class Environment {
        final int base;
        final String prefix;
        List<InstalledPackage> packages;

        Environment(int base, String prefix, List<InstalledPackage> packages) {
            this.base = base;
            this.prefix = prefix;
            this.packages = packages;
        }
    }

    SyntheticYear(Settings settings) {
        this.settings = settings;
        this.random = new Random(settings.seed());
        packageNames = new String[settings.packages()];
        packageVersions = new String[settings.packages()][];
        for (int i = 0; i < settings.packages(); i++) {
            packageNames[i] = i < WELL_KNOWN.length ? WELL_KNOWN[i] : "lab-" + Integer.toString(i * 7919 % 1_000_003, 36) + (i % 4 == 0 ? "-tools" : "");
            packageVersions[i] = new String[1 + random.nextInt(5)];
            int major = random.nextInt(4);
            for (int v = 0; v < packageVersions[i].length; v++) {
                packageVersions[i][v] = major + "." + (v * 3 + random.nextInt(3)) + "." + random.nextInt(10);
            }
        }
        packagePopularity = new Zipf(settings.packages(), 0.9);
        for (int i = 0; i < packageNames.length; i++) {
            catalogueRank.put(packageNames[i], i);
        }
        userActivity = new Zipf(settings.users(), 0.8);
        users = new String[settings.users()];
        ci = new boolean[settings.users()];
        workstations = new String[settings.users()];
        for (int u = 0; u < users.length; u++) {
            // Every 50th account (the most active ranks included) is a CI runner.
            ci[u] = u % 50 == 0;
            users[u] = ci[u] ? "ci-runner-" + u : "user" + String.format("%04d", u);
            workstations[u] = (ci[u] ? "ci-node-" : "ws-") + u + ".lab.example.org";
        }
        clusterNodes = new String[Math.max(1, settings.hosts() - settings.users())];
        for (int h = 0; h < clusterNodes.length; h++) {
            clusterNodes[h] = "node" + String.format("%04d", h) + ".cluster.example.org";
        }
        userEnvironments = new int[users.length][BASES.length][];
        int perUser = Math.max(1, settings.environments() / users.length);
        for (int u = 0; u < users.length; u++) {
            List<List<Integer>> byBase = new ArrayList<>();
            for (int b = 0; b < BASES.length; b++) {
                byBase.add(new ArrayList<>());
            }
            int count = 1 + random.nextInt(2 * perUser - 1);
            for (int e = 0; e < count; e++) {
                int base = random.nextInt(BASES.length);
                byBase.get(base).add(environments.size());
                environments.add(new Environment(base, "/home/" + users[u] + "/venvs/" + BASES[base][0] + "-env" + e, newPackages()));
            }
            for (int b = 0; b < BASES.length; b++) {
                userEnvironments[u][b] = byBase.get(b).stream().mapToInt(Integer::intValue).toArray();
            }
        }
    }

    /** Calls {@code sink} for every start, day by day. */
    void forEachStart(Consumer<StartupRecord> sink) {
        forEachStart(Long.MAX_VALUE, sink);
    }

    /** Calls {@code sink} for the first {@code limit} starts, day by day. */
    void forEachStart(long limit, Consumer<StartupRecord> sink) {
        byte[] id = new byte[16];
        long made = 0;
        for (int d = 0; d < settings.days() && made < limit; d++) {
            LocalDate day = settings.firstDay().plusDays(d);
            double yearFraction = settings.days() == 1 ? 0 : (double) d / (settings.days() - 1);
            changeSomeEnvironments();
            long midnight = day.atStartOfDay().toEpochSecond(ZoneOffset.UTC);
            // Weekends are a third as busy; weekdays make up for it, so a week averages startsPerDay.
            int starts = day.getDayOfWeek().getValue() >= 6 ? settings.startsPerDay() / 3 : settings.startsPerDay() * 19 / 15;
            for (int s = 0; s < starts && made++ < limit; s++) {
                random.nextBytes(id);
                sink.accept(start(midnight, yearFraction, HexFormat.of().formatHex(id)));
            }
        }
    }

    private StartupRecord start(long midnight, double yearFraction, String eventId) {
        int user = userActivity.next(random);
        int base = base(yearFraction);
        int[] own = userEnvironments[user][base];
        if (own.length == 0) {
            for (int b = 0; b < BASES.length && own.length == 0; b++) {
                own = userEnvironments[user][b];
            }
        }
        Environment environment = environments.get(own[random.nextInt(own.length)]);
        boolean interactive = !ci[user] && random.nextInt(100) < 15;
        String entry = ci[user] ? "-m pytest" : interactive ? "interactive"
                : random.nextInt(10) < 2 ? "-m pytest" : random.nextInt(10) == 0 ? "-c" : SCRIPTS[random.nextInt(SCRIPTS.length)];
        String host = ci[user] || random.nextBoolean() ? workstations[user] : clusterNodes[random.nextInt(clusterNodes.length)];
        // Working hours mostly; CI around the clock.
        double second = ci[user] || random.nextInt(10) == 0 ? random.nextDouble() * 86_400 : 7 * 3600 + random.nextDouble() * 13 * 3600;
        double startupMs = Math.round(Math.exp(Math.log(60) + 0.6 * random.nextGaussian()) * 10) / 10.0;
        String[] bs = BASES[environment.base];
        return new StartupRecord(StartupRecord.SCHEMA_VERSION, eventId, midnight + Math.floor(second * 1000) / 1000, users[user], host,
                1000 + random.nextInt(4_000_000), bs[1], "cpython", "/opt/python/" + bs[0] + "/bin/python3", bs[0],
                environment.prefix, true, startupMs, entry, ci[user], interactive, environment.packages, null, null, null);
    }

    /**
     * What the process of {@code start} imported, of its environment's packages: the same set each
     * time a script runs in the same environment (its imports are in its code), one of a few sets
     * for an interactive session, the catalogue's popular packages most likely. Scripts import 0 to
     * 8 of them (a quarter none), test runs 3 to 15, {@code -c} 0 to 2, interactive sessions
     * (notebooks) 10 to 40. Drawn from a generator of its own, seeded by the environment, the entry
     * and (interactive: one of eight) the start's id, so the starts themselves stay as they were.
     */
    List<InstalledPackage> imported(StartupRecord start) {
        String entry = start.entry();
        long variant = "interactive".equals(entry) ? Math.floorMod(start.eventId().hashCode(), 8) : 0;
        Random imports = new Random(settings.seed() * 31 + (start.prefix() + "\n" + entry).hashCode() * 8L + variant);
        int count = switch (entry) {
            case "interactive" -> 10 + imports.nextInt(31);
            case "-m pytest" -> 3 + imports.nextInt(13);
            case "-c" -> imports.nextInt(3);
            default -> imports.nextInt(4) == 0 ? 0 : 1 + imports.nextInt(8);
        };
        List<InstalledPackage> installed = start.packages();
        double[] weights = new double[installed.size()];
        double total = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = 1.0 / (1 + catalogueRank.getOrDefault(installed.get(i).name(), packageNames.length));
            total += weights[i];
        }
        Set<Integer> chosen = new java.util.TreeSet<>();
        for (int tries = 0; chosen.size() < Math.min(count, installed.size()) && tries < 20 * count; tries++) {
            double pick = imports.nextDouble() * total;
            int i = 0;
            while (i < weights.length - 1 && (pick -= weights[i]) >= 0) {
                i++;
            }
            chosen.add(i);
        }
        List<InstalledPackage> set = new ArrayList<>(chosen.size());
        chosen.forEach(i -> set.add(installed.get(i)));
        return List.copyOf(set);
    }

    /** Shares over the year: the oldest base fades from 25 % to 2 %, the newest grows from 10 % to 50 %. */
    private int base(double t) {
        double[] weights = {0.25 - 0.23 * t, 0.30 - 0.15 * t, 0.35, 0.10 + 0.40 * t};
        double pick = random.nextDouble() * Arrays.stream(weights).sum();
        for (int b = 0; b < weights.length; b++) {
            pick -= weights[b];
            if (pick < 0) {
                return b;
            }
        }
        return weights.length - 1;
    }

    private void changeSomeEnvironments() {
        int changes = (int) Math.round(environments.size() * DAILY_CHANGE);
        for (int c = 0; c < changes; c++) {
            Environment environment = environments.get(random.nextInt(environments.size()));
            List<InstalledPackage> upgraded = new ArrayList<>(environment.packages);
            int index = random.nextInt(upgraded.size());
            String name = upgraded.get(index).name();
            String[] versions = packageVersions[Arrays.asList(packageNames).indexOf(name)];
            upgraded.set(index, new InstalledPackage(name, versions[random.nextInt(versions.length)]));
            environment.packages = List.copyOf(upgraded);
        }
    }

    /** 100 to 300 distinct packages, popular ones most likely, mostly at their newest version. */
    private List<InstalledPackage> newPackages() {
        int size = 100 + random.nextInt(201);
        Set<Integer> chosen = new LinkedHashSet<>();
        while (chosen.size() < size) {
            chosen.add(packagePopularity.next(random));
        }
        List<InstalledPackage> packages = new ArrayList<>(size);
        for (int p : chosen) {
            String[] versions = packageVersions[p];
            String version = random.nextInt(10) < 6 ? versions[versions.length - 1] : versions[random.nextInt(versions.length)];
            packages.add(new InstalledPackage(packageNames[p], version));
        }
        packages.sort((a, b) -> a.name().compareTo(b.name()));
        return List.copyOf(packages);
    }

    /** Ranks 0..n-1 with probability proportional to 1/(rank+1)^s. */
    private static final class Zipf {
        private final double[] cumulative;

        Zipf(int n, double s) {
            cumulative = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 1 / Math.pow(i + 1, s);
                cumulative[i] = sum;
            }
        }

        int next(Random random) {
            double pick = random.nextDouble() * cumulative[cumulative.length - 1];
            int index = Arrays.binarySearch(cumulative, pick);
            return index >= 0 ? index : Math.min(-index - 1, cumulative.length - 1);
        }
    }
}
