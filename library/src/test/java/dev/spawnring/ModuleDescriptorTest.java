package dev.spawnring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What a user's module sees of the library: it requires nothing but {@code java.base} and
 * exports the process API and the ring, nothing else, to everyone. Maven runs the tests on the
 * module path, so this is the descriptor the JVM built from module-info.java; a run on the
 * class path (the suite in a VM) reads the compiled module-info.class instead.
 */
class ModuleDescriptorTest {
    private final ModuleDescriptor descriptor = descriptor();

    private static ModuleDescriptor descriptor() {
        if (Spawner.class.getModule().isNamed()) {
            return Spawner.class.getModule().getDescriptor();
        }
        // The library's own module-info.class, beside its classes (not the first one on the class path).
        try (InputStream in = Spawner.class.getProtectionDomain().getCodeSource().getLocation().toURI()
                .resolve("module-info.class").toURL().openStream()) {
            return ModuleDescriptor.read(in);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theLibraryIsTheNamedModuleDevSpawnring() {
        Assumptions.assumeTrue(Spawner.class.getModule().isNamed(),
                "skipped: the tests run on the class path here; the descriptor is read from module-info.class");
        assertEquals("dev.spawnring", descriptor.name());
    }

    @Test
    void itRequiresNothingButJavaBase() {
        Set<String> requires = descriptor.requires().stream().map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("java.base"), requires);
    }

    @Test
    void itExportsTheProcessApiAndTheRingToEveryoneAndNothingElse() {
        Set<String> exports = new TreeSet<>();
        for (ModuleDescriptor.Exports e : descriptor.exports()) {
            assertTrue(!e.isQualified(), () -> e.source() + " is exported to some modules only: " + e.targets());
            exports.add(e.source());
        }
        assertEquals(Set.of("dev.spawnring", "dev.spawnring.uring"), exports);
        assertTrue(descriptor.opens().isEmpty(), () -> "opens " + descriptor.opens());
    }
}
