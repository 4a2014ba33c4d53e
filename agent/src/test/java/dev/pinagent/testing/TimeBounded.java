package dev.pinagent.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test that asserts how long something takes (a guard against a quadratic blow-up or a hang). Mutation
 * testing leaves these out (agent/pom.xml, profile {@code mutation}, {@code excludedGroups}): under PIT's
 * instrumentation every test runs several times slower, so a time bound fails on the unmutated code, and a
 * mutant "killed" by a slow run would be killed by the clock, not by a test that noticed it. What such a test
 * checks besides the time must also be stated by a test without a bound.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Tag(TimeBounded.TAG)
public @interface TimeBounded {
  String TAG = "time-bounded";
}
