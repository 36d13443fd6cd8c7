package dev.spawnring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What a user's module sees of the library: it requires nothing but {@code java.base} and
 * exports the process API and the ring, nothing else, to everyone (the module path is where
 * the tests run, so this is the descriptor built from module-info.java).
 */
class ModuleDescriptorTest {
    private final ModuleDescriptor descriptor = Spawner.class.getModule().getDescriptor();

    @Test
    void theLibraryIsTheNamedModuleDevSpawnring() {
        assertTrue(Spawner.class.getModule().isNamed(), "the tests run the library as a named module");
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
