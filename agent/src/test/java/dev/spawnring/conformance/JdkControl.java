package dev.spawnring.conformance;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.opentest4j.TestAbortedException;

/**
 * The JDK as the control of every case: the {@link Mode#JDK} run of a case is made first (or
 * looked up), and when the JDK itself fails the case on this machine, the case is reported as not
 * applicable (aborted, with the JDK's failure as the reason) in every mode, the JDK's included:
 * never passed, never failed against spawnring. In the agent's JVM, where every start goes through
 * the agent, the JDK's results come from the parent JVM ({@link #RESULTS_PROPERTY}).
 */
public final class JdkControl implements InvocationInterceptor {
    /** A file of {@code caseId<TAB>failure} lines: the JDK's failures, written by {@link AgentModeTest}. */
    static final String RESULTS_PROPERTY = "spawnring.conformance.jdkFailures";

    /** Case id to the JDK's failure (empty: the JDK passes it). */
    private static final Map<String, Optional<String>> RESULTS = new ConcurrentHashMap<>();

    static String caseId(Method m) {
        return m.getDeclaringClass().getSimpleName() + "#" + m.getName();
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> context,
            ExtensionContext extension) throws Throwable {
        Mode mode = (Mode) context.getArguments().get(0);
        Method method = context.getExecutable();
        if (mode == Mode.JDK) {
            try {
                invocation.proceed();
                RESULTS.put(caseId(method), Optional.empty());
            } catch (TestAbortedException e) {
                RESULTS.put(caseId(method), Optional.empty()); // not applicable to the JDK itself: nothing to compare
                throw e;
            } catch (Throwable t) {
                RESULTS.put(caseId(method), Optional.of(String.valueOf(t)));
                throw notApplicable(String.valueOf(t), t);
            }
            return;
        }
        Optional<String> jdk = result(method, context.getTarget().orElse(null));
        if (jdk.isPresent()) {
            invocation.skip();
            throw notApplicable(jdk.get(), null);
        }
        invocation.proceed();
    }

    private static TestAbortedException notApplicable(String jdkFailure, Throwable cause) {
        return new TestAbortedException("not applicable here: the JDK itself fails this case on this machine: "
                + jdkFailure, cause);
    }

    /** The JDK's result for a case: recorded, read from the parent's file, or (in a JVM without the agent) run now. */
    static Optional<String> result(Method method, Object instance) {
        String id = caseId(method);
        Optional<String> known = RESULTS.get(id);
        if (known != null) {
            return known;
        }
        if (Mode.modes().anyMatch(m -> m == Mode.AGENT)) {
            return fromParent().getOrDefault(id, Optional.empty());
        }
        Optional<String> r;
        try {
            Object target = instance != null ? instance : newInstance(method.getDeclaringClass());
            method.setAccessible(true);
            method.invoke(target, Mode.JDK);
            r = Optional.empty();
        } catch (InvocationTargetException e) {
            r = e.getCause() instanceof TestAbortedException ? Optional.empty() : Optional.of(String.valueOf(e.getCause()));
        } catch (ReflectiveOperationException e) {
            r = Optional.of(String.valueOf(e));
        }
        RESULTS.put(id, r);
        return r;
    }

    private static Object newInstance(Class<?> c) throws ReflectiveOperationException {
        var k = c.getDeclaredConstructor();
        k.setAccessible(true);
        return k.newInstance();
    }

    private static volatile Map<String, Optional<String>> parent;

    private static Map<String, Optional<String>> fromParent() {
        Map<String, Optional<String>> p = parent;
        if (p == null) {
            p = new TreeMap<>();
            String file = System.getProperty(RESULTS_PROPERTY);
            if (file != null) {
                try {
                    for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
                        int tab = line.indexOf('\t');
                        if (tab > 0) {
                            p.put(line.substring(0, tab), Optional.of(line.substring(tab + 1)));
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("the JDK's results from the parent JVM: " + file, e);
                }
            }
            parent = p;
        }
        return p;
    }

    /** Runs the JDK's control of every case of {@code classes} not run yet, and writes the JDK's failures to {@code file}. */
    static void writeFailures(Path file, Class<?>... classes) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Class<?> c : classes) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Conformance.class)) {
                    result(m, null).ifPresent(f -> sb.append(caseId(m)).append('\t')
                            .append(f.replace('\n', ' ').replace('\t', ' ')).append('\n'));
                }
            }
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }
}
