package dev.spawnring.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The fixture of the process-tree tests, registered with {@code @RegisterExtension}: before
 * each test, the parent trees are made under here (or a skip that says why there is none) and
 * the spawnring cgroups already there; after it, none more may be left behind (removals still
 * in flight are awaited up to a guard).
 *
 * <pre>{@code
 * @RegisterExtension
 * final TreeCgroups cgroups = new TreeCgroups(Duration.ofSeconds(60));
 * }</pre>
 */
public final class TreeCgroups implements BeforeEachCallback, AfterEachCallback {
    private final Duration guard;
    private Path parent;
    private Set<String> before;

    /** @param guard how long the cgroups a test made may take to go once it has ended */
    public TreeCgroups(Duration guard) {
        this.guard = guard;
    }

    /** @return the parent the test's trees are made under */
    public Path parent() {
        return parent;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        parent = Trees.assumeTreesHere();
        before = Trees.spawnringCgroups(parent);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (parent != null) {
            assertEquals(before, Trees.awaitCgroupsBack(parent, before, guard), "cgroups left under " + parent);
        }
    }
}
