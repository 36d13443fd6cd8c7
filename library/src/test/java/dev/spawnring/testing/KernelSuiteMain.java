package dev.spawnring.testing;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The kernel-compatibility suite: every test of {@code dev.spawnring} tagged {@value #TAG}
 * (the spawn contract on both backends, exits, pipes, signals and groups, timeouts, the paths
 * taken where a kernel lacks a feature), without those tagged {@value Stress#TAG}. Run on the
 * JUnit platform in this JVM, with no build tool, so that a VM booted with an older kernel
 * (tools/run-on-kernel, under TCG) spends its time on the tests: one line per test as it
 * ends, then the failures and a summary. Exits 0 when no test failed and at least one passed.
 * With {@code --all}, every test of {@code dev.spawnring}, those tagged {@value Stress#TAG}
 * included (the library's whole default suite, for a run by hand on an older kernel; the
 * caller sizes the stress tests through {@link Stress}'s properties).
 *
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -Dspawnring.nativeBin=library/target/native-bin \
 *     -cp library/target/test-classes:library/target/classes:DEPENDENCIES dev.spawnring.testing.KernelSuiteMain
 * }</pre>
 *
 * <p>Arguments narrow the suite to those packages (and their subpackages) or classes, e.g.
 * {@code dev.spawnring.tree} (the process-tree tests), for a shorter run in a VM.
 */
public final class KernelSuiteMain {
    /** The tag of the tests that make up the suite. */
    public static final String TAG = "kernel";

    private KernelSuiteMain() {
    }

    public static void main(String[] args) {
        boolean all = false;
        java.util.List<String> packages = new java.util.ArrayList<>();
        for (String a : args) {
            if (a.equals("--all")) {
                all = true;
            } else if (a.startsWith("-")) {
                System.err.println("usage: KernelSuiteMain [--all] [PACKAGE|CLASS...]");
                System.exit(2);
            } else {
                packages.add(a);
            }
        }
        if (packages.isEmpty()) {
            packages.add("dev.spawnring");
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(packages.stream().map(KernelSuiteMain::select).toList())
                .filters(EngineFilter.includeEngines("junit-jupiter"),
                        TagFilter.includeTags(all ? "any() | none()" : TAG + " & !" + Stress.TAG))
                .build();
        PrintWriter out = new PrintWriter(System.out, true);
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        Launcher launcher = LauncherFactory.create();
        long start = System.nanoTime();
        launcher.execute(request, summary, new Progress(out));
        TestExecutionSummary s = summary.getSummary();
        s.printFailuresTo(out, 40);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        out.printf("%s on %s: found %d, succeeded %d, failed %d, skipped %d, aborted %d in %d min %d s%n",
                all ? "whole suite" : "kernel suite", System.getProperty("os.version"), s.getTestsFoundCount(), s.getTestsSucceededCount(),
                s.getTotalFailureCount(), s.getTestsSkippedCount(), s.getTestsAbortedCount(), took.toMinutes(),
                took.toSecondsPart());
        out.flush();
        System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }

    /** A package (and its subpackages), or a class when the last name starts with a capital. */
    private static DiscoverySelector select(String name) {
        return Character.isUpperCase(name.charAt(name.lastIndexOf('.') + 1)) ? selectClass(name) : selectPackage(name);
    }

    /** One line per test as it ends: its outcome, its time, its class and name; a skip says why. */
    private static final class Progress implements TestExecutionListener {
        private final PrintWriter out;
        private final Map<String, Long> started = new ConcurrentHashMap<>();

        Progress(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void executionStarted(TestIdentifier id) {
            started.put(id.getUniqueId(), System.nanoTime());
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            out.printf("SKIPPED %s: %s%n", name(id), reason);
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            Long t0 = started.remove(id.getUniqueId());
            if (!id.isTest() && result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                return;
            }
            String status = switch (result.getStatus()) {
                case SUCCESSFUL -> "ok     ";
                case ABORTED -> "SKIPPED";
                case FAILED -> "FAILED ";
            };
            long ms = t0 == null ? 0 : (System.nanoTime() - t0) / 1_000_000;
            String why = result.getThrowable().map(t -> ": " + t.getMessage()).orElse("");
            out.printf("%s %6d ms %s%s%n", status, ms, name(id),
                    result.getStatus() == TestExecutionResult.Status.SUCCESSFUL ? "" : why);
        }

        /** The class, the method and the invocation: {@code uring.SpawnContractTest.pidRule [1] IO_URING}. */
        private static String name(TestIdentifier id) {
            StringBuilder name = new StringBuilder();
            for (String segment : id.getUniqueId().split("/")) {
                int colon = segment.indexOf(':');
                if (segment.startsWith("[class:") || segment.startsWith("[nested-class:")) {
                    String cls = segment.substring(colon + 1, segment.length() - 1);
                    name.append(name.isEmpty() ? cls.replace("dev.spawnring.", "") : "$" + cls);
                } else if (segment.startsWith("[method:") || segment.startsWith("[test-template:")) {
                    String method = segment.substring(colon + 1, segment.length() - 1);
                    name.append('.').append(method, 0, method.indexOf('(') < 0 ? method.length() : method.indexOf('('));
                }
            }
            return name + " " + id.getDisplayName();
        }
    }
}
