package dev.spawnring.conformance;

import java.util.Arrays;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The conformance cases in the JVM {@link AgentModeTest} starts with the agent: runs the given
 * classes with the JUnit platform and prints one line per case,
 * {@code CASE<TAB>Class#method<TAB>SUCCESSFUL|FAILED|ABORTED<TAB>message}.
 */
public final class ConformanceMain {
    private ConformanceMain() {
    }

    public static void main(String[] args) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(Arrays.stream(args).map(DiscoverySelectors::selectClass).toList())
                .build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
                    String message = result.getThrowable().map(t -> String.valueOf(t.getMessage() != null ? t.getMessage() : t))
                            .orElse("");
                    print(id, result.getStatus().name(), message);
                    result.getThrowable().filter(t -> result.getStatus() == TestExecutionResult.Status.FAILED)
                            .ifPresent(t -> t.printStackTrace(System.out));
                }
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest()) {
                    print(id, "ABORTED", reason);
                }
            }
        });
        System.out.flush();
        System.exit(0);
    }

    private static void print(TestIdentifier id, String status, String message) {
        String name = id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                .map(s -> s.getJavaClass().getSimpleName() + "#" + s.getMethodName()).orElse(id.getDisplayName());
        System.out.println("CASE\t" + name + "\t" + status + "\t" + message.replace('\n', ' ').replace('\t', ' '));
    }
}
