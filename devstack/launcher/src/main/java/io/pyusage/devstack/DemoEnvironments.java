package io.pyusage.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two throw-away virtual environments with different, locally made packages and the hook installed
 * by its own installer; {@link #runStarts} starts real Python processes through them.
 */
public final class DemoEnvironments {

    /** One demo environment and the distributions faked into it. */
    public record Environment(String name, Map<String, String> packages) {
    }

    public static final List<Environment> ENVIRONMENTS = List.of(
            new Environment("analysis", Map.of("numpy", "1.26.4", "pandas", "2.2.2", "scipy", "1.13.0")),
            new Environment("web", Map.of("numpy", "2.1.0", "flask", "3.0.3", "requests", "2.32.3")));

    private final Path root;
    private final String python;
    private final Path hookSource;

    public DemoEnvironments(Path root, String python, Path hookSource) {
        this.root = root.toAbsolutePath();
        this.python = python;
        this.hookSource = hookSource.toAbsolutePath();
    }

    /** The interpreter named by {@code PYUSAGE_PYTHON}, else {@code python3}. */
    public static String defaultPython() {
        String configured = System.getenv("PYUSAGE_PYTHON");
        return configured == null || configured.isBlank() ? "python3" : configured;
    }

    /** {@code sitecustomize-hook/src}, from the {@code pyusage.hook.src} property or found above the working directory. */
    public static Path hookSource() {
        String configured = System.getProperty("pyusage.hook.src");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("sitecustomize-hook/src");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("sitecustomize-hook/src not found; set -Dpyusage.hook.src");
    }

    /** Creates (or re-creates) every environment with the hook installed, reporting to {@code endpoint}. */
    public void create(String endpoint, String base) throws IOException, InterruptedException {
        for (Environment environment : ENVIRONMENTS) {
            Path venv = venv(environment);
            run(List.of(python, "-m", "venv", "--clear", "--without-pip", venv.toString()), Map.of());
            Path siteDir = Path.of(run(List.of(pythonIn(venv), "-c",
                    "import sysconfig; print(sysconfig.get_paths()['purelib'])"), Map.of()).trim());
            for (Map.Entry<String, String> p : environment.packages().entrySet()) {
                // As an installer leaves a distribution: its package, and the metadata naming its files.
                String folder = p.getKey() + "-" + p.getValue() + ".dist-info";
                Path distInfo = siteDir.resolve(folder);
                Files.createDirectories(distInfo);
                Files.writeString(distInfo.resolve("METADATA"), "Metadata-Version: 2.1\nName: " + p.getKey()
                        + "\nVersion: " + p.getValue() + "\n", StandardCharsets.UTF_8);
                Files.createDirectories(siteDir.resolve(p.getKey()));
                Files.writeString(siteDir.resolve(p.getKey()).resolve("__init__.py"), "__version__ = '" + p.getValue() + "'\n", StandardCharsets.UTF_8);
                Files.writeString(distInfo.resolve("RECORD"), p.getKey() + "/__init__.py,,\n" + folder + "/METADATA,,\n" + folder + "/RECORD,,\n",
                        StandardCharsets.UTF_8);
            }
            run(List.of(python, "-m", "pyusage_hook", "install", "--site-dir", siteDir.toString(),
                    "--endpoint", endpoint, "--base", base), Map.of("PYTHONPATH", hookSource.toString()));
        }
    }

    /** Starts {@code perEnvironment} real {@code python -c pass} processes in every environment. */
    public int runStarts(int perEnvironment) throws IOException, InterruptedException {
        int started = 0;
        for (Environment environment : ENVIRONMENTS) {
            for (int i = 0; i < perEnvironment; i++) {
                run(List.of(pythonIn(venv(environment)), "-c", "pass"), Map.of());
                started++;
            }
        }
        return started;
    }

    /** Runs one real process in {@code environment} that imports {@code modules} (its exit reports them). */
    public void runImporting(Environment environment, List<String> modules) throws IOException, InterruptedException {
        run(List.of(pythonIn(venv(environment)), "-c", "import " + String.join(", ", modules)), Map.of());
    }

    public Path venv(Environment environment) {
        return root.resolve("venv-" + environment.name());
    }

    public static String pythonIn(Path venv) {
        return venv.resolve("bin/python").toString();
    }

    /** Runs a command to completion with a clean PYUSAGE_* environment; fails with its output. */
    private static String run(List<String> command, Map<String, String> extraEnv) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("PYUSAGE_") || k.equals("PYTHONPATH") || k.equals("DO_NOT_TRACK"));
        builder.environment().putAll(extraEnv);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed:\n" + new String(output, StandardCharsets.UTF_8));
        }
        return new String(output, StandardCharsets.UTF_8);
    }
}
