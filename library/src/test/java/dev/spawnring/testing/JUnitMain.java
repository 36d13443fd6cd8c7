package dev.spawnring.testing;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the named test classes on the JUnit platform in this JVM and prints a summary: how
 * {@link dev.spawnring.IoUringDeniedSuiteTest} runs part of the suite in a JVM where io_uring
 * is refused, leaving out the tests tagged {@value Stress#TAG}. Exits 0 when no test failed, 1
 * otherwise.
 */
public final class JUnitMain {
    private JUnitMain() {
    }

    public static void main(String[] classNames) throws Exception {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String name : classNames) {
            request.selectors(selectClass(Class.forName(name)));
        }
        // As the kernel suite does: the stress tests run in the main suite, not in these child JVMs
        // (under emulation, 10,000 chains alone outlast the parent's guard).
        request.filters(TagFilter.excludeTags(Stress.TAG));
        LauncherDiscoveryRequest built = request.build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(built, listener);
        TestExecutionSummary s = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printFailuresTo(out, 30);
        out.printf("summary: found %d, succeeded %d, failed %d, skipped %d, aborted %d%n", s.getTestsFoundCount(),
                s.getTestsSucceededCount(), s.getTestsFailedCount(), s.getTestsSkippedCount(),
                s.getTestsAbortedCount());
        out.flush();
        System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }
}
