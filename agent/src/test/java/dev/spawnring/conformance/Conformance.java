package dev.spawnring.conformance;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A conformance case: a method taking the {@link Mode}, run in every mode of this JVM
 * ({@link Mode#modes()}), the JDK's run being the control ({@link JdkControl}): a case the JDK
 * itself fails here is reported as not applicable in every mode.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@MethodSource("dev.spawnring.conformance.Mode#modes")
@ExtendWith(JdkControl.class)
public @interface Conformance {
}
