package dev.okapi.relay;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one relay of the default configuration that the tests of a JVM share: a test class with
 * {@code @ExtendWith(SharedRelay.class)} takes a {@link TestRelay} as a constructor, lifecycle
 * method or test method parameter. It is started by the first test that asks for it and stopped
 * once, when JUnit closes its root context after the last test.
 *
 * <p>Tests that share it keep out of each other's way: each uses fresh stream paths
 * ({@link TestRelay#freshPath()}), reads counters as differences, and leaves the relay idle:
 * nothing waiting, no transfer running, which is checked before and after each of them, so that a
 * gauge read during a test counts that test's clients only.
 */
final class SharedRelay implements ParameterResolver, BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedRelay.class);

    /** The started relay in JUnit's root store, which closes it at the end of the run. */
    private record Started(TestRelay relay) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            relay.close();
        }
    }

    private static TestRelay relay(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Started.class, k -> new Started(new TestRelay()), Started.class).relay();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestRelay.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return relay(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        awaitIdle(context, "before");
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        awaitIdle(context, "after");
    }

    private static void awaitIdle(ExtensionContext context, String when) throws Exception {
        try {
            relay(context).awaitIdle();
        } catch (AssertionError e) {
            throw new AssertionError("the relay is not idle " + when + " " + context.getDisplayName()
                    + " (a test left a client waiting or a transfer running): " + e.getMessage(), e);
        }
    }
}
